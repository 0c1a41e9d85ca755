/*
 * The child's environment, built without forking: Supervisor's order and
 * precedence, and the SUPERVISOR_* variables it sets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "log.h"
#include "supervisord.h"

static struct config		 CFG;
static struct daemon		 D;
static struct proc_config	 C;
static struct proc		 P;

static ev_tstamp
fake_now(struct proc *p)
{
	return 0;
}

static const struct proc_effects effects = { .now = fake_now };

static void
setup(void)
{
	memset(&CFG, 0, sizeof(CFG));
	memset(&D, 0, sizeof(D));
	memset(&C, 0, sizeof(C));
	CFG.unix_server.file = "/run/sup.sock";
	D.config = &CFG;
	D.effects = &effects;
	C.name = "web_01";
	C.group = "web";
	proc_init(&P, &D, &C);
}

static void
teardown(void)
{
	env_release(&CFG.sd.environment);
	env_release(&C.environment);
}

static const char *
get(char **env, const char *key)
{
	size_t	i, n = strlen(key);

	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static size_t
count(char **env, const char *key)
{
	size_t	i, c = 0, n = strlen(key);

	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			c++;
	return c;
}

START_TEST(supervisor_variables)
{
	char	*base[] = { "HOME=/root", "PATH=/bin", NULL };
	char	**env;

	env = spawn_environ(&P, base);
	ck_assert_str_eq(get(env, "HOME"), "/root");
	ck_assert_str_eq(get(env, "PATH"), "/bin");
	ck_assert_str_eq(get(env, "SUPERVISOR_ENABLED"), "1");
	ck_assert_str_eq(get(env, "SUPERVISOR_PROCESS_NAME"), "web_01");
	ck_assert_str_eq(get(env, "SUPERVISOR_GROUP_NAME"), "web");
	ck_assert_str_eq(get(env, "SUPERVISOR_SERVER_URL"),
	    "unix:///run/sup.sock");
	strv_free(env);
}
END_TEST

START_TEST(precedence)
{
	char	*base[] = { "FOO=daemon", "KEEP=1", "SUPERVISOR_ENABLED=0",
	    "junk-without-equals", NULL };
	char	**env;

	env_set(&CFG.sd.environment, "FOO", "global");
	env_set(&CFG.sd.environment, "BAR", "global");
	env_set(&C.environment, "FOO", "program");
	env_set(&C.environment, "SUPERVISOR_GROUP_NAME", "mine");
	env = spawn_environ(&P, base);
	ck_assert_str_eq(get(env, "FOO"), "program");
	ck_assert_uint_eq(count(env, "FOO"), 1);
	ck_assert_str_eq(get(env, "BAR"), "global");
	ck_assert_str_eq(get(env, "KEEP"), "1");
	ck_assert_str_eq(get(env, "SUPERVISOR_ENABLED"), "1");
	ck_assert_uint_eq(count(env, "SUPERVISOR_ENABLED"), 1);
	/* the program's environment has the last word, as in Supervisor */
	ck_assert_str_eq(get(env, "SUPERVISOR_GROUP_NAME"), "mine");
	ck_assert_ptr_null(get(env, "junk-without-equals"));
	strv_free(env);
}
END_TEST

START_TEST(serverurl_of_the_program)
{
	char	**env;

	C.serverurl = "http://127.0.0.1:9001";
	env = spawn_environ(&P, NULL);
	ck_assert_str_eq(get(env, "SUPERVISOR_SERVER_URL"),
	    "http://127.0.0.1:9001");
	strv_free(env);
	C.serverurl = NULL;
	CFG.unix_server.file = NULL;
	env = spawn_environ(&P, NULL);
	ck_assert_ptr_null(get(env, "SUPERVISOR_SERVER_URL"));
	strv_free(env);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("spawn");
	TCase	*tc = tcase_create("environ");
	SRunner	*sr;
	int	 failed;

	log_init("test_spawn", LOG_LEVEL_CRIT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, supervisor_variables);
	tcase_add_test(tc, precedence);
	tcase_add_test(tc, serverurl_of_the_program);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
