/*
 * The INI text as Python's RawConfigParser reads it with Supervisor's
 * settings (expected values checked against Python 3.11): comments,
 * continuations, separators, case, BOM and newlines, duplicates, and lines
 * of any length through inih's 200-byte buffer.
 */
#include "config_fixture.h"

static struct ini	ini;
static struct diags	diags;
static struct expn	noenv;

static void
setup(void)
{
	fx_setup();
	memset(&ini, 0, sizeof(ini));
	memset(&diags, 0, sizeof(diags));
	memset(&noenv, 0, sizeof(noenv));
}

static void
teardown(void)
{
	ini_release(&ini);
	diags_release(&diags);
	fx_cleanup();
}

/* Parse text as fx_dir/t.conf. */
static void
parse(const char *text)
{
	char	*p = fx_write("t.conf", text);

	ck_assert_int_eq(ini_load(&ini, p, &noenv, &diags), 0);
	free(p);
}

static const char *
get(const char *section, const char *key)
{
	const struct ini_section	*sec = ini_section(&ini, section);
	const struct ini_entry		*e;

	ck_assert_msg(sec != NULL, "no section [%s]", section);
	e = ini_get(&ini, sec, key);
	ck_assert_msg(e != NULL, "no key %s in [%s]", key, section);
	return e->value;
}

static int
line_of(const char *section, const char *key)
{
	return ini_get(&ini, ini_section(&ini, section), key)->line;
}

START_TEST(comments)
{
	parse("; a comment\n"
	    "# another\n"
	    "[s]\n"
	    "  ; indented comment\n"
	    "a = 1 ; inline\n"
	    "b = 2 # inline too\n"
	    "c = nginx -g 'daemon off;'\n"
	    "d = x#y\n"
	    "e = v\t;tab before\n"
	    "f = v\xc2\xa0;nbsp before\n"
	    "g = x;y;z ;w #c\n"
	    "h = a;b #c ;d\n"
	    "i = ;a comment, not a value\n");
	ck_assert_str_eq(get("s", "a"), "1");
	ck_assert_str_eq(get("s", "b"), "2");
	ck_assert_str_eq(get("s", "c"), "nginx -g 'daemon off;'");
	ck_assert_str_eq(get("s", "d"), "x#y");
	ck_assert_str_eq(get("s", "e"), "v");
	ck_assert_str_eq(get("s", "f"), "v");
	/* Python looks round by round: '#' decides before the " ;". */
	ck_assert_str_eq(get("s", "g"), "x;y;z ;w");
	ck_assert_str_eq(get("s", "h"), "a;b");
	ck_assert_str_eq(get("s", "i"), "");
	ck_assert_uint_eq(diags.nerrors, 0);
}
END_TEST

START_TEST(continuations)
{
	parse("[s]\n"
	    "cmd = /bin/sh -c\n"
	    "    'echo one;\n"
	    "     echo two'\n"
	    "\n"
	    "  --flag\n"
	    "; a comment does not end it\n"
	    "  last\n"
	    "\n"
	    "\n"
	    "next = 1\n"
	    "  indented = key\n"
	    "  same = depth\n"
	    "e =\n"
	    "  ;c\n"
	    "  more\n"
	    " [notsec]\n"
	    "[t]\n"
	    "  k = v\n");
	/* Blank lines inside a value stay, trailing ones go. */
	ck_assert_str_eq(get("s", "cmd"), "/bin/sh -c\n'echo one;\n"
	    "echo two'\n\n--flag\nlast");
	/* Deeper than its key: a continuation; as deep: a new key. */
	ck_assert_str_eq(get("s", "next"), "1\nindented = key\nsame = depth");
	ck_assert_str_eq(get("s", "e"), "\nmore\n[notsec]");
	/* Right after a header, an indented line is a key. */
	ck_assert_str_eq(get("t", "k"), "v");
	ck_assert_int_eq(line_of("s", "next"), 11);
	ck_assert_uint_eq(diags.nerrors, 0);
}
END_TEST

START_TEST(separators_and_case)
{
	parse("[Sec]\n"
	    "Key:a=b\n"
	    "UPPER = 1\n"
	    "empty =\n"
	    "sp ace = 2\n"
	    "[sec]\n"
	    "x = 3\n");
	ck_assert_str_eq(get("Sec", "key"), "a=b");
	ck_assert_str_eq(get("Sec", "upper"), "1");
	ck_assert_str_eq(get("Sec", "empty"), "");
	ck_assert_str_eq(get("Sec", "sp ace"), "2");
	/* Section names keep their case: two sections. */
	ck_assert_uint_eq(ini.n, 2);
	ck_assert_str_eq(get("sec", "x"), "3");
}
END_TEST

START_TEST(headers)
{
	parse("[a]b]\n"
	    "x = 1\n"
	    "[t] ; a comment\n"
	    "y = 2\n"
	    "[u]trailing\n"
	    "z = 3\n");
	ck_assert_str_eq(get("a]b", "x"), "1");
	ck_assert_str_eq(get("t", "y"), "2");
	ck_assert_str_eq(get("u", "z"), "3");
}
END_TEST

START_TEST(bom_and_newlines)
{
	parse("\xef\xbb\xbf[s]\r\n"
	    "a = 1\r\n"
	    "b = 2\r"
	    "c = 3\n"
	    "d = 4");
	ck_assert_str_eq(get("s", "a"), "1");
	ck_assert_str_eq(get("s", "b"), "2");
	ck_assert_str_eq(get("s", "c"), "3");
	ck_assert_str_eq(get("s", "d"), "4");
	ck_assert_int_eq(line_of("s", "d"), 5);
}
END_TEST

START_TEST(duplicates)
{
	parse("[s]\n"
	    "a = 1\n"
	    "a = 2\n"
	    "[t]\n"
	    "x = 1\n"
	    "[s]\n"
	    "b = 3\n"
	    "a = 4\n");
	ck_assert_str_eq(get("s", "a"), "4");
	ck_assert_str_eq(get("s", "b"), "3");
	ck_assert_int_eq(line_of("s", "a"), 8);
	/* Order of first appearance. */
	ck_assert_str_eq(ini.v[0]->name, "s");
	ck_assert_str_eq(ini.v[1]->name, "t");
	fx_assert_diag(&diags, false, "t.conf", 3, "[s] a given again (first "
	    "at ");
	fx_assert_diag(&diags, false, "t.conf", 6, "section [s] given again "
	    "(first at ");
	fx_assert_diag(&diags, false, "t.conf", 6, "t.conf:1): its keys are "
	    "merged");
	ck_assert_uint_eq(diags.nerrors, 0);
}
END_TEST

START_TEST(defaults_section)
{
	parse("[DEFAULT]\n"
	    "autostart = false\n"
	    "[s]\n"
	    "a = 1\n");
	ck_assert_str_eq(get("s", "autostart"), "false");
	ck_assert_uint_eq(ini.n, 1);
}
END_TEST

START_TEST(bad_lines)
{
	parse("orphan = 1\n"
	    "also = 2\n"
	    "[s]\n"
	    "no separator here\n"
	    "= no key\n"
	    "[]\n"
	    "ok = 1\n");
	fx_assert_diag(&diags, true, "t.conf", 1, "text before the first "
	    "[section]: 'orphan = 1'");
	ck_assert(!fx_has(&diags, true, "t.conf", 2, "text before"));
	fx_assert_diag(&diags, true, "t.conf", 4, "[s] cannot parse 'no "
	    "separator here': expected key = value, a [section] or a "
	    "comment");
	fx_assert_diag(&diags, true, "t.conf", 5, "[s] a key is missing "
	    "before '=' in '= no key'");
	fx_assert_diag(&diags, true, "t.conf", 6, "[s] cannot parse '[]'");
	ck_assert_uint_eq(diags.nerrors, 4);
	ck_assert_str_eq(get("s", "ok"), "1");
}
END_TEST

START_TEST(nul_byte)
{
	char	*p = fx_path("t.conf");
	FILE	*f = fopen(p, "w");

	fwrite("[s]\na = x\0y\nb = 1\n", 1, 18, f);
	fclose(f);
	ck_assert_int_eq(ini_load(&ini, p, &noenv, &diags), 0);
	free(p);
	fx_assert_diag(&diags, true, "t.conf", 2, "a NUL byte");
	ck_assert_str_eq(get("s", "b"), "1");
}
END_TEST

/* A string of n bytes of c. */
static char *
repeat(char c, size_t n)
{
	char	*s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(long_lines)
{
	char	*big = repeat('x', 10000), *mid = repeat('y', 5000), *text;
	char	*name = repeat('n', 120), *key = repeat('k', 80), *want;

	big[0] = '/';
	big[5000] = ' ';
	xasprintf(&text, "[program:%s]\n"
	    "command = %s ; comment\n"
	    "%s = 1\n"
	    "env = A=1,\n"
	    "   %s\n"
	    "   B=2\n"
	    "semi = %s ;x #y\n"
	    "after = 2\n", name, big, key, mid, mid);
	parse(text);
	free(text);
	xasprintf(&text, "program:%s", name);
	ck_assert_str_eq(get(text, "command"), big);
	ck_assert_str_eq(get(text, "after"), "2");
	ck_assert_str_eq(get(text, key), "1");
	xasprintf(&want, "A=1,\n%s\nB=2", mid);
	ck_assert_str_eq(get(text, "env"), want);
	ck_assert_str_eq(get(text, "semi"), mid);
	ck_assert_int_eq(line_of(text, "after"), 8);
	ck_assert_uint_eq(diags.n, 0);
	free(want);
	free(text);
	free(big);
	free(mid);
	free(name);
	free(key);
}
END_TEST

START_TEST(inih_comment_in_value)
{
	char	*v = repeat('a', 300), *text;

	/* A " ;" Python keeps (the '#' decided) must reach us whole. */
	parse("[s]\n"
	    "k = x;y;z ;w #c\n"
	    "  more;x;y ;z #c\n");
	ck_assert_str_eq(get("s", "k"), "x;y;z ;w\nmore;x;y ;z");
	xasprintf(&text, "[s]\nlong = %s ;c\n", v);
	ini_release(&ini);
	parse(text);
	ck_assert_str_eq(get("s", "long"), v);
	free(text);
	free(v);
}
END_TEST

static Suite *
ini_suite(void)
{
	Suite	*s = suite_create("config_ini");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, comments);
	tcase_add_test(tc, continuations);
	tcase_add_test(tc, separators_and_case);
	tcase_add_test(tc, headers);
	tcase_add_test(tc, bom_and_newlines);
	tcase_add_test(tc, duplicates);
	tcase_add_test(tc, defaults_section);
	tcase_add_test(tc, bad_lines);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, inih_comment_in_value);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ini_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
