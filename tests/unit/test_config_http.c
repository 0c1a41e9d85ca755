/*
 * The HTTP servers' keys: [inet_http_server] port as Supervisor's
 * inet_address() reads it, username and password of both server sections
 * (both or neither, a {SHA} digest checked), defaults and file:line errors.
 */
#include "config_fixture.h"

static char	cause[256];

static void
assert_address(const char *s, const char *host, int port)
{
	char	*h = (char *)"unset";
	int	 p = 0;

	ck_assert_msg(value_inet_address(s, &h, &p, cause, sizeof(cause)) ==
	    0, "'%s': %s", s, cause);
	if (host == NULL)
		ck_assert_ptr_null(h);
	else
		ck_assert_str_eq(h, host);
	ck_assert_int_eq(p, port);
	free(h);
}

START_TEST(inet_addresses)
{
	char	*h;
	int	 p;

	assert_address("127.0.0.1:9001", "127.0.0.1", 9001);
	assert_address("*:9001", NULL, 9001);
	assert_address(":9001", NULL, 9001);
	assert_address("9001", NULL, 9001);
	assert_address(" 9001 ", NULL, 9001);
	assert_address("LocalHost:1_000", "localhost", 1000);
	assert_address("[::1]:65535", "[::1]", 65535);
	assert_address("host:1", "host", 1);
	ck_assert_int_eq(value_inet_address("host:", &h, &p, cause,
	    sizeof(cause)), -1);
	ck_assert_str_eq(cause, "no port number after ':'");
	ck_assert_int_eq(value_inet_address("host:0", &h, &p, cause,
	    sizeof(cause)), -1);
	ck_assert_str_eq(cause, "not a port number (1 to 65535)");
	ck_assert_int_eq(value_inet_address("65536", &h, &p, cause,
	    sizeof(cause)), -1);
	ck_assert_int_eq(value_inet_address("http", &h, &p, cause,
	    sizeof(cause)), -1);
	ck_assert_int_eq(value_inet_address("", &h, &p, cause,
	    sizeof(cause)), -1);
	ck_assert_int_eq(value_inet_address("a:b:c", &h, &p, cause,
	    sizeof(cause)), -1);
}
END_TEST

START_TEST(passwords)
{
	char	plain[] = "{sha}not checked", upper[] =
	    "{SHA}2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12", short_[] =
	    "{SHA}2fd4e1c67a", bad[] =
	    "{SHA}2fd4e1c67a2d28fced849ee1bb76e7391b93eb1z";

	ck_assert_int_eq(value_password(plain, cause, sizeof(cause)), 0);
	ck_assert_str_eq(plain, "{sha}not checked");
	ck_assert_int_eq(value_password(upper, cause, sizeof(cause)), 0);
	ck_assert_str_eq(upper, "{SHA}2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
	ck_assert_int_eq(value_password(short_, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "a {SHA} password needs the 40 hex digits of "
	    "a SHA-1 digest");
	ck_assert_int_eq(value_password(bad, cause, sizeof(cause)), -1);
}
END_TEST

START_TEST(defaults)
{
	struct config	*cfg = fx_load_ok("[supervisord]\n");

	ck_assert(!cfg->inet_server.enabled);
	ck_assert_ptr_null(cfg->inet_server.host);
	ck_assert_int_eq(cfg->inet_server.port, 0);
	ck_assert_ptr_null(cfg->unix_server.username);
	ck_assert_ptr_null(cfg->unix_server.password);
	config_free(cfg);
}
END_TEST

START_TEST(sections)
{
	struct diags	 d;
	struct config	*cfg;

	setenv("HTTP_TEST_USER", "ops", 1);
	cfg = fx_load("[supervisord]\n"
	    "[inet_http_server]\n"
	    "port = Box.example:9001\n"
	    "username = %(ENV_HTTP_TEST_USER)s\n"
	    "password = {SHA}2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12\n"
	    "[unix_http_server]\n"
	    "username = u\n"
	    "password = p w\n", &d);
	ck_assert_ptr_nonnull(cfg);
	/* No word about them: they are used now. */
	ck_assert_uint_eq(d.n, 0);
	ck_assert(cfg->inet_server.enabled);
	ck_assert_str_eq(cfg->inet_server.host, "box.example");
	ck_assert_int_eq(cfg->inet_server.port, 9001);
	ck_assert_str_eq(cfg->inet_server.username, "ops");
	ck_assert_str_eq(cfg->inet_server.password,
	    "{SHA}2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
	ck_assert_str_eq(cfg->unix_server.username, "u");
	ck_assert_str_eq(cfg->unix_server.password, "p w");
	config_free(cfg);
	diags_release(&d);
}
END_TEST

START_TEST(errors)
{
	struct diags	 d;

	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[inet_http_server]\n"
	    "username = u\n"
	    "[unix_http_server]\n"
	    "password = p\n"
	    "[inet_http_server]\n"
	    "password = {SHA}12\n", &d));
	fx_assert_diag(&d, true, "supervisord.conf", 2, "[inet_http_server] "
	    "port: missing: the section needs one");
	fx_assert_diag(&d, true, "supervisord.conf", 7, "[inet_http_server] "
	    "password: a {SHA} password needs");
	fx_assert_diag(&d, true, "supervisord.conf", 5, "[unix_http_server] "
	    "username: missing: username and password are set together");
	ck_assert_uint_eq(d.nerrors, 3);
	diags_release(&d);

	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[inet_http_server]\nport = 9001\nusername = u\n"
	    "[inet_http_server:other]\nport = 9002\n", &d));
	fx_assert_diag(&d, true, "supervisord.conf", 4, "[inet_http_server] "
	    "password: missing");
	fx_assert_diag(&d, false, "supervisord.conf", 5,
	    "[inet_http_server:other] only [inet_http_server] makes a TCP "
	    "listener: section ignored");
	diags_release(&d);

	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[inet_http_server]\nport = web:http\n", &d));
	fx_assert_diag(&d, true, "supervisord.conf", 3, "[inet_http_server] "
	    "port: not a port number (1 to 65535): 'web:http'");
	diags_release(&d);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite	*s = suite_create("config_http");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, fx_setup, fx_cleanup);
	tcase_add_test(tc, inet_addresses);
	tcase_add_test(tc, passwords);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(http_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
