/*
 * [include]: globs relative to the including file, sorted; %(here)s of
 * each file; nested includes; cycles, missing files and errors inside an
 * included file, each with its file:line.
 */
#include "config_fixture.h"

static struct diags	diags;

static void
setup(void)
{
	fx_setup();
	memset(&diags, 0, sizeof(diags));
}

static void
teardown(void)
{
	diags_release(&diags);
	fx_cleanup();
}

static void
write_free(const char *name, const char *text)
{
	free(fx_write(name, text));
}

START_TEST(globs_sorted_and_here)
{
	struct config		*cfg;
	struct proc_config	*p;
	char			*want;

	write_free("conf.d/b.conf", "[program:x]\nstartsecs = 2\n"
	    "[program:b]\ncommand = /bin/echo %(here)s\n");
	write_free("conf.d/a.conf", "[program:x]\nstartsecs = 1\n"
	    "command = /bin/echo a\n[program:a]\ncommand = /bin/true\n");
	write_free("conf.d/.hidden.conf", "[program:hidden]\ncommand = x\n");
	write_free("other/o.ini", "[program:o]\ncommand = /bin/true\n");
	cfg = fx_load(
	    "[include]\nfiles = conf.d/*.conf other/*.ini\n"
	    "[supervisord]\nlogfile = %(here)s/sd.log\n"
	    "[program:main]\ncommand = /bin/echo %(here)s\n", &diags);
	ck_assert_ptr_nonnull(cfg);
	/* a.conf before b.conf: b's startsecs wins, with a warning. */
	ck_assert_int_eq(fx_proc(cfg, "x", "x")->startsecs, 2);
	fx_assert_diag(&diags, false, "conf.d/b.conf", 2, "[program:x] "
	    "startsecs given again (first at ");
	fx_assert_diag(&diags, false, "conf.d/b.conf", 1, "section "
	    "[program:x] given again (first at ");
	p = fx_proc(cfg, "b", "b");
	xasprintf(&want, "%s/conf.d", fx_dir);
	ck_assert_str_eq(p->argv[1], want);
	free(want);
	ck_assert_str_eq(fx_proc(cfg, "main", "main")->argv[1], fx_dir);
	ck_assert_ptr_nonnull(config_find_group(cfg, "o"));
	ck_assert_ptr_null(config_find_group(cfg, "hidden"));
	ck_assert_uint_eq(diags.nerrors, 0);
	config_free(cfg);
}
END_TEST

START_TEST(nested)
{
	struct config	*cfg;
	char		*abs, *text;

	write_free("conf.d/a.conf", "[include]\nfiles = ../nested/*.conf\n");
	write_free("nested/n.conf", "[program:n]\ncommand = /bin/echo "
	    "%(here)s\n");
	abs = fx_path("abs.conf");
	write_free("abs.conf", "[program:abs]\ncommand = /bin/true\n");
	xasprintf(&text, "[supervisord]\n[include]\nfiles = conf.d/*.conf "
	    "%s\n", abs);
	cfg = fx_load(text, &diags);
	ck_assert_ptr_nonnull(cfg);
	ck_assert(strstr(fx_proc(cfg, "n", "n")->argv[1], "/nested") !=
	    NULL);
	ck_assert_ptr_nonnull(config_find_group(cfg, "abs"));
	/* Each file's own [include] is no repetition. */
	ck_assert_uint_eq(diags.n, 0);
	config_free(cfg);
	free(text);
	free(abs);
}
END_TEST

START_TEST(cycles)
{
	write_free("a.conf", "[include]\nfiles = b.conf\n");
	write_free("b.conf", "[program:x]\ncommand = /bin/true\n"
	    "[include]\nfiles = a.conf\n");
	ck_assert_ptr_null(fx_load("[supervisord]\n[include]\n"
	    "files = a.conf\n", &diags));
	fx_assert_diag(&diags, true, "b.conf", 4, "[include] files: include "
	    "cycle: ");
	fx_assert_diag(&diags, true, "b.conf", 4, "a.conf', which is being "
	    "read");
	diags_release(&diags);
	ck_assert_ptr_null(fx_load("[supervisord]\n[include]\n"
	    "files = supervisord.conf\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 3, "include cycle");
}
END_TEST

START_TEST(missing)
{
	struct config	*cfg;
	char		*dir = fx_path("dir.conf");

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	free(dir);
	cfg = fx_load("[supervisord]\n[include]\n"
	    "files = none/*.conf dir.conf\n", &diags);
	ck_assert_ptr_nonnull(cfg);
	fx_assert_diag(&diags, false, "supervisord.conf", 3, "[include] "
	    "files: no file matches '");
	fx_assert_diag(&diags, false, "supervisord.conf", 3, "/none/*.conf'");
	fx_assert_diag(&diags, false, "supervisord.conf", 3, "cannot read '");
	fx_assert_diag(&diags, false, "supervisord.conf", 3, "Is a directory "
	    "(skipped, as Supervisor does)");
	config_free(cfg);
	diags_release(&diags);
	ck_assert_ptr_null(fx_load("[supervisord]\n[include]\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 2, "[include] has "
	    "no files key");
}
END_TEST

START_TEST(errors_in_included_file)
{
	write_free("conf.d/bad.conf", "\n[program:bad]\ncommand = /bin/true\n"
	    "startsecs = never\nno separator\n");
	ck_assert_ptr_null(fx_load("[supervisord]\n[include]\n"
	    "files = conf.d/*\n", &diags));
	fx_assert_diag(&diags, true, "conf.d/bad.conf", 4, "[program:bad] "
	    "startsecs: not an integer: 'never'");
	fx_assert_diag(&diags, true, "conf.d/bad.conf", 5, "[program:bad] "
	    "cannot parse 'no separator'");
	ck_assert_uint_eq(diags.nerrors, 2);
}
END_TEST

START_TEST(include_expansions)
{
	struct config	*cfg;

	setenv("CONFD", "conf.d", 1);
	write_free("conf.d/e.conf", "[program:e]\ncommand = /bin/true\n");
	cfg = fx_load("[supervisord]\n[include]\n"
	    "files = %(ENV_CONFD)s/*.conf\n", &diags);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(config_find_group(cfg, "e"));
	config_free(cfg);
	diags_release(&diags);
	ck_assert_ptr_null(fx_load("[supervisord]\n[include]\n"
	    "files = %(program_name)s.conf\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 3, "[include] files: "
	    "cannot expand %(program_name): unknown name");
}
END_TEST

static Suite *
include_suite(void)
{
	Suite	*s = suite_create("config_include");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, globs_sorted_and_here);
	tcase_add_test(tc, nested);
	tcase_add_test(tc, cycles);
	tcase_add_test(tc, missing);
	tcase_add_test(tc, errors_in_included_file);
	tcase_add_test(tc, include_expansions);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(include_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
