/*
 * The child's environment with environment files: each file below the
 * environment= of its own section, the program's section above
 * [supervisord]'s, built without forking.
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
static struct env		 SDF, PF;

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
	memset(&SDF, 0, sizeof(SDF));
	memset(&PF, 0, sizeof(PF));
	D.config = &CFG;
	D.effects = &effects;
	C.name = "web";
	C.group = "web";
	proc_init(&P, &D, &C);
}

static void
teardown(void)
{
	env_release(&CFG.sd.environment);
	env_release(&C.environment);
	env_release(&C.prog_environment);
	env_release(&SDF);
	env_release(&PF);
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

/* [supervisord] environment=, the program's, merged as the loader does. */
static void
sd_env(const char *k, const char *v)
{
	env_set(&CFG.sd.environment, k, v);
	if (env_get(&C.prog_environment, k) == NULL)
		env_set(&C.environment, k, v);
}

static void
prog_env(const char *k, const char *v)
{
	env_set(&C.prog_environment, k, v);
	env_set(&C.environment, k, v);
}

START_TEST(layers)
{
	char	*base[] = { "FOO=daemon", "A=daemon", NULL };
	char	**env;

	env_set(&SDF, "A", "sd-file");
	env_set(&SDF, "B", "sd-file");
	env_set(&SDF, "C", "sd-file");
	env_set(&SDF, "D", "sd-file");
	sd_env("B", "sd-env");
	sd_env("C", "sd-env");
	env_set(&PF, "C", "prog-file");
	env_set(&PF, "D", "prog-file");
	env_set(&PF, "E", "prog-file");
	prog_env("E", "prog-env");
	env = spawn_environ_files(&P, base, &SDF, &PF);
	ck_assert_str_eq(get(env, "FOO"), "daemon");
	ck_assert_str_eq(get(env, "A"), "sd-file");
	ck_assert_str_eq(get(env, "B"), "sd-env");
	ck_assert_str_eq(get(env, "C"), "prog-file");
	ck_assert_str_eq(get(env, "D"), "prog-file");
	ck_assert_str_eq(get(env, "E"), "prog-env");
	strv_free(env);
}
END_TEST

START_TEST(program_environment_equal_to_global_still_wins)
{
	char	**env;

	/* The program sets the same value as [supervisord]: still its own. */
	prog_env("X", "same");
	sd_env("X", "same");
	env_set(&PF, "X", "prog-file");
	env = spawn_environ_files(&P, NULL, NULL, &PF);
	ck_assert_str_eq(get(env, "X"), "same");
	strv_free(env);
}
END_TEST

START_TEST(files_override_supervisor_variables)
{
	char	**env;

	env_set(&SDF, "SUPERVISOR_ENABLED", "0");
	env = spawn_environ_files(&P, NULL, &SDF, NULL);
	ck_assert_str_eq(get(env, "SUPERVISOR_ENABLED"), "0");
	ck_assert_str_eq(get(env, "SUPERVISOR_PROCESS_NAME"), "web");
	strv_free(env);
}
END_TEST

START_TEST(no_files_is_spawn_environ)
{
	char	**a, **b;
	size_t	  i;

	sd_env("G", "1");
	prog_env("P", "2");
	a = spawn_environ(&P, NULL);
	b = spawn_environ_files(&P, NULL, NULL, NULL);
	for (i = 0; a[i] != NULL; i++)
		ck_assert_str_eq(a[i], b[i]);
	ck_assert_ptr_null(b[i]);
	ck_assert_str_eq(get(a, "G"), "1");
	ck_assert_str_eq(get(a, "P"), "2");
	strv_free(a);
	strv_free(b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("spawn_envfile");
	TCase	*tc = tcase_create("precedence");
	SRunner	*sr;
	int	 failed;

	log_init("test_spawn_envfile", LOG_LEVEL_CRIT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, layers);
	tcase_add_test(tc, program_environment_equal_to_global_still_wins);
	tcase_add_test(tc, files_override_supervisor_variables);
	tcase_add_test(tc, no_files_is_spawn_environ);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
