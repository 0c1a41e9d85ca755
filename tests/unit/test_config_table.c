/*
 * The option tables against their documentation: every key of every
 * table is in its subsection of supervisord.conf(5) and in its section of
 * conf/supervisord.conf, with the table's default ("Default: X" on the
 * page; ";key = X" in the example file, a key commented out showing its
 * default).  Also the tables' own consistency, lookups and "did you mean".
 * Run from the source tree (make check-unit does), or with SRCDIR set.
 */
#include "config_fixture.h"

#include <ctype.h>

#define MAX_LINES	4096

struct text {
	char	*buf;
	char	*line[MAX_LINES];
	size_t	 n;
};

static void
text_read(struct text *t, const char *rel)
{
	const char	*dir = getenv("SRCDIR");
	char		*path, *p;
	FILE		*f;
	long		 len;

	xasprintf(&path, "%s/%s", dir != NULL ? dir : ".", rel);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (run from the source tree "
	    "or set SRCDIR)", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	t->buf = xmalloc((size_t)len + 1);
	ck_assert_uint_eq(fread(t->buf, 1, (size_t)len, f), (size_t)len);
	t->buf[len] = '\0';
	fclose(f);
	free(path);
	t->n = 0;
	for (p = t->buf; *p != '\0' && t->n < MAX_LINES; ) {
		t->line[t->n++] = p;
		if ((p = strchr(p, '\n')) == NULL)
			break;
		*p++ = '\0';
	}
}

/* Is word a whole word of s (after position from)? */
static bool
has_word(const char *s, const char *word)
{
	const char	*p = s;
	size_t		 n = strlen(word);

	while ((p = strstr(p, word)) != NULL) {
		if ((p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		    && !(isalnum((unsigned char)p[n]) || p[n] == '_'))
			return true;
		p += n;
	}
	return false;
}

/* The lines of the page's subsection of a table: [first, last). */
static void
subsection(const struct text *man, enum config_section s, size_t *first,
    size_t *last)
{
	char	head[64];
	size_t	i;

	snprintf(head, sizeof(head), ".Ss [%s", config_section_name(s));
	for (i = 0; i < man->n; i++)
		if (strncmp(man->line[i], head, strlen(head)) == 0)
			break;
	ck_assert_msg(i < man->n, "supervisord.conf(5) has no %s", head);
	*first = ++i;
	while (i < man->n && strncmp(man->line[i], ".Ss ", 4) != 0 &&
	    strncmp(man->line[i], ".Sh ", 4) != 0)
		i++;
	*last = i;
}

/* The nth word of s (macros and punctuation dropped) into buf. */
static bool
nth_value(const char *s, size_t nth, char *buf, size_t len)
{
	static const char *const macros[] = { "Cm", "Ns", "Pa", "Ql", "Ar",
	    "Ev", "Dv", NULL };
	char	*copy = xstrdup(s), *tok, *save = NULL;
	size_t	 k, i = 0;
	bool	 found = false;

	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (*tok == '.' || *tok == ',')
			continue;
		for (k = 0; macros[k] != NULL; k++)
			if (strcmp(tok, macros[k]) == 0)
				break;
		if (macros[k] != NULL)
			continue;
		if (i++ == nth) {
			snprintf(buf, len, "%s", tok);
			found = true;
			break;
		}
	}
	free(copy);
	/* "50MB;", "none," and "0700." end where the value does. */
	for (k = strlen(buf); found && k > 0 && strchr(".,;", buf[k - 1]);
	    k--)
		buf[k - 1] = '\0';
	return found;
}

/*
 * The page's default of key: the word after "Default:" (for "Defaults:
 * a, b", the one in key's place on its .It line).  Returns false when
 * the item says no default; *required when it says "Required".
 */
static bool
man_default(const struct text *man, size_t first, size_t last,
    const char *key, char *buf, size_t len, bool *required)
{
	char	 joined[2048] = "", *d, *tok, *save = NULL;
	size_t	 i, at = 0, place = 0, k;

	*required = false;
	for (i = first; i < last; i++)
		if (strncmp(man->line[i], ".It ", 4) == 0 &&
		    has_word(man->line[i], key))
			break;
	ck_assert_msg(i < last, "supervisord.conf(5): no .It for %s", key);
	/* Its place among the keys of its .It line. */
	d = xstrdup(man->line[i]);
	for (tok = strtok_r(d, " ,", &save); tok != NULL; tok = strtok_r(NULL,
	    " ,", &save)) {
		if (strcmp(tok, key) == 0)
			break;
		if (strcmp(tok, "Cm") != 0 && strcmp(tok, ".It") != 0)
			place++;
	}
	free(d);
	for (i++; i < last && strncmp(man->line[i], ".It ", 4) != 0 &&
	    strncmp(man->line[i], ".El", 3) != 0; i++)
		at += (size_t)snprintf(joined + at, at < sizeof(joined) ?
		    sizeof(joined) - at : 0, "%s ", man->line[i]);
	*required = strstr(joined, "Required") != NULL;
	if ((d = strstr(joined, "Defaults:")) != NULL) {
		d += strlen("Defaults:");
		for (k = 0; k < place && (d = strchr(d, ',')) != NULL; k++)
			d++;
		ck_assert_ptr_nonnull(d);
	} else if ((d = strstr(joined, "Default:")) != NULL)
		d += strlen("Default:");
	else
		return false;
	return nth_value(d, 0, buf, len);
}

static void
check_man_key(const struct text *man, enum config_section s,
    const struct config_option *o, size_t first, size_t last)
{
	char	 want[128] = "";
	size_t	 i;
	bool	 found = false, required;

	for (i = first; i < last && !found; i++)
		found = man->line[i][0] == '.' && has_word(man->line[i], "Cm") &&
		    has_word(man->line[i], o->key);
	ck_assert_msg(found, "supervisord.conf(5) [%s]: no Cm %s",
	    config_section_name(s), o->key);
	if (o->flags & OPT_UNUSED)
		return;
	if (!man_default(man, first, last, o->key, want, sizeof(want),
	    &required)) {
		ck_assert_msg(required && o->def == NULL, "supervisord.conf(5) "
		    "[%s] %s: no default (table: %s)", config_section_name(s),
		    o->key, o->def != NULL ? o->def : "none");
		return;
	}
	if (o->flags & OPT_COMPUTED)
		return;
	if (o->def == NULL)
		ck_assert_msg(strcmp(want, "none") == 0 || strcmp(want,
		    "the") == 0, "supervisord.conf(5) [%s] %s: default '%s', "
		    "the table has none", config_section_name(s), o->key, want);
	else
		ck_assert_msg(strcmp(want, o->def) == 0, "supervisord.conf(5) "
		    "[%s] %s: default '%s', the table's is '%s'",
		    config_section_name(s), o->key, want, o->def);
}

START_TEST(man_page_documents_every_key)
{
	const struct config_option	*o;
	struct text			 man;
	size_t				 n, i, first, last;
	int				 s;

	text_read(&man, "man/supervisord.conf.5");
	for (s = 0; s < CONFIG_NSECTIONS; s++) {
		subsection(&man, s, &first, &last);
		o = config_options(s, &n);
		for (i = 0; i < n; i++)
			check_man_key(&man, s, &o[i], first, last);
	}
	free(man.buf);
}
END_TEST

/* The lines of the example file's first section of a table. */
static void
conf_section(const struct text *conf, enum config_section s, size_t *first,
    size_t *last)
{
	const char	*name = config_section_name(s), *l;
	size_t		 i, len = strlen(name);
	bool		 prefix = name[len - 1] == ':';

	for (i = 0; i < conf->n; i++) {
		l = conf->line[i] + (conf->line[i][0] == ';');
		if (l[0] == '[' && strncmp(l + 1, name, len) == 0 &&
		    (prefix || l[len + 1] == ']'))
			break;
	}
	ck_assert_msg(i < conf->n, "conf/supervisord.conf has no [%s]", name);
	*first = ++i;
	while (i < conf->n && conf->line[i][conf->line[i][0] == ';'] != '[')
		i++;
	*last = i;
}

static void
check_conf_key(const struct text *conf, const struct text *man,
    enum config_section s, const struct config_option *o, size_t first,
    size_t last)
{
	char		 mdef[128], value[256];
	const char	*l, *eq;
	size_t		 i, mfirst, mlast, klen = strlen(o->key);
	bool		 commented = false, required = false;

	for (i = first; i < last; i++) {
		l = conf->line[i];
		commented = *l == ';';
		l += commented;
		if (strncmp(l, o->key, klen) != 0)
			continue;
		eq = l + klen + strspn(l + klen, " \t");
		if (*eq == '=')
			break;
	}
	ck_assert_msg(i < last, "conf/supervisord.conf [%s]: no %s",
	    config_section_name(s), o->key);
	if (!commented || (o->flags & (OPT_COMPUTED | OPT_UNUSED)))
		return;
	snprintf(value, sizeof(value), "%s", eq + 1 + strspn(eq + 1, " \t"));
	if (o->def != NULL) {
		ck_assert_msg(strcmp(value, o->def) == 0, "conf/supervisord.conf "
		    "[%s] ;%s = %s: the table's default is '%s'",
		    config_section_name(s), o->key, value, o->def);
		return;
	}
	subsection(man, s, &mfirst, &mlast);
	man_default(man, mfirst, mlast, o->key, mdef, sizeof(mdef),
	    &required);
	ck_assert_msg(*value == '\0' || required, "conf/supervisord.conf "
	    "[%s] ;%s = %s: a key commented out shows its default, and it "
	    "has none", config_section_name(s), o->key, value);
}

START_TEST(example_file_lists_every_key)
{
	const struct config_option	*o;
	struct text			 conf, man;
	size_t				 n, i, first, last;
	int				 s;

	text_read(&conf, "conf/supervisord.conf");
	text_read(&man, "man/supervisord.conf.5");
	for (s = 0; s < CONFIG_NSECTIONS; s++) {
		conf_section(&conf, s, &first, &last);
		o = config_options(s, &n);
		for (i = 0; i < n; i++)
			check_conf_key(&conf, &man, s, &o[i], first, last);
	}
	free(conf.buf);
	free(man.buf);
}
END_TEST

/* Each key once; every default reads as its type; rows are sane. */
START_TEST(tables_are_consistent)
{
	const struct config_option	*o;
	size_t				 n, i, j;
	int				 s;

	for (s = 0; s < CONFIG_NSECTIONS; s++) {
		o = config_options(s, &n);
		ck_assert_uint_gt(n, 0);
		for (i = 0; i < n; i++) {
			for (j = i + 1; j < n; j++)
				ck_assert_str_ne(o[i].key, o[j].key);
			ck_assert_ptr_eq(config_option_find(s, o[i].key),
			    &o[i]);
			ck_assert_msg(o[i].help != NULL && *o[i].help != '\0',
			    "%s: no help", o[i].key);
			if (o[i].type == OPT_CHOICE)
				ck_assert_ptr_nonnull(o[i].choices);
			if (o[i].type == OPT_SPECIAL && !(o[i].flags & OPT_OWN))
				ck_assert_ptr_nonnull(o[i].parse);
			if (o[i].flags & OPT_COMPUTED)
				ck_assert_ptr_null(o[i].def);
		}
	}
	ck_assert_ptr_null(config_option_find(CONFIG_PROGRAM, "nope"));
	o = config_option_find(CONFIG_PROGRAM, "stopsignal");
	ck_assert(o->flags & OPT_LIVE);
	ck_assert(!(config_option_find(CONFIG_PROGRAM, "command")->flags &
	    OPT_LIVE));
	ck_assert(config_option_find(CONFIG_PROGRAM, "watchdog")->flags &
	    OPT_OURS);
	ck_assert(config_option_find(CONFIG_PROGRAM, "directory")->flags &
	    OPT_PROCESS);
}
END_TEST

/* A loaded configuration's values are where the table says they are. */
START_TEST(values_by_offset)
{
	struct config			*cfg;
	const struct proc_config	*pc;
	const struct config_option	*o;

	cfg = fx_load_ok("[supervisord]\nminfds = 77\n"
	    "[program:x]\ncommand = /bin/true\nstartsecs = 9\n"
	    "stderr_logfile_maxbytes = 1KB\nbackoff_max = 3\n"
	    "depends_on = y, y ,\n[program:y]\ncommand = /bin/true\n");
	pc = fx_proc(cfg, "x", "x");
	o = config_option_find(CONFIG_PROGRAM, "startsecs");
	ck_assert_int_eq(*(const int *)config_option_ptr(o, pc), 9);
	o = config_option_find(CONFIG_PROGRAM, "stderr_logfile_maxbytes");
	ck_assert_uint_eq(*(const uint64_t *)config_option_ptr(o, pc), 1024);
	ck_assert_int_eq(pc->backoff_max_ms, 3000);
	ck_assert_uint_eq(pc->ndepends_on, 1);
	ck_assert_str_eq(pc->depends_on[0], "y");
	ck_assert_ptr_null(pc->depends_on[1]);
	o = config_option_find(CONFIG_SUPERVISORD, "minfds");
	ck_assert_int_eq(*(const int *)config_option_ptr(o, &cfg->sd), 77);
	config_free(cfg);
}
END_TEST

START_TEST(did_you_mean)
{
	struct diags	 d;
	struct config	*cfg;

	ck_assert_str_eq(config_option_suggest(CONFIG_PROGRAM, "comand"),
	    "command");
	ck_assert_str_eq(config_option_suggest(CONFIG_PROGRAM,
	    "stopwaitsec"), "stopwaitsecs");
	ck_assert_str_eq(config_option_suggest(CONFIG_SUPERVISORD,
	    "logfile_maxbyte"), "logfile_maxbytes");
	ck_assert_ptr_null(config_option_suggest(CONFIG_PROGRAM, "colour"));
	ck_assert_ptr_null(config_option_suggest(CONFIG_PROGRAM, "ab"));
	cfg = fx_load("[supervisord]\n[program:x]\ncommand = /bin/true\n"
	    "autorestrat = true\n", &d);
	ck_assert_ptr_nonnull(cfg);
	fx_assert_diag(&d, false, "supervisord.conf", 4, "[program:x] unknown "
	    "key 'autorestrat': ignored (did you mean 'autorestart'?)");
	config_free(cfg);
	diags_release(&d);
}
END_TEST

static Suite *
table_suite(void)
{
	Suite	*s = suite_create("config_table");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, fx_setup, fx_cleanup);
	tcase_add_test(tc, man_page_documents_every_key);
	tcase_add_test(tc, example_file_lists_every_key);
	tcase_add_test(tc, tables_are_consistent);
	tcase_add_test(tc, values_by_offset);
	tcase_add_test(tc, did_you_mean);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(table_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
