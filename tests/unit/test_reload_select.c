/*
 * update GROUP..., add and remove without the daemon: the merge of the
 * running and the new configuration for the named groups, the difference
 * it makes (only those groups), who owns each group afterwards (the
 * sanitizer build catches a double free or a leak), and reread's
 * classification of groups.  Both configurations come from real files.
 */
#include "config_fixture.h"

#include <cjson/cJSON.h>

#include "log.h"
#include "proto.h"
#include "supervisord.h"
#include "reload_select.h"

#define HEAD \
	"[supervisord]\nlogfile = /tmp/x.log\npidfile = /tmp/x.pid\n" \
	"[unix_http_server]\nfile = /tmp/x.sock\n"

#define OLD HEAD \
	"[program:a]\ncommand = sleep 1\n" \
	"[program:b]\ncommand = sleep 2\n" \
	"[group:pool]\nprograms = x, y\n" \
	"[program:x]\ncommand = sleep 3\n" \
	"[program:y]\ncommand = sleep 4\n"

/* a changed, b gone, c new, pool: a live key only; the daemon's
   sections changed (a live key, two that need a restart of it). */
#define NEW \
	"[supervisord]\nlogfile = /tmp/x.log\npidfile = /tmp/x.pid\n" \
	"loglevel = debug\n[unix_http_server]\nfile = /tmp/y.sock\n" \
	"[inet_http_server]\nport = 127.0.0.1:9001\n" \
	"[program:a]\ncommand = sleep 10\n" \
	"[program:c]\ncommand = sleep 5\n" \
	"[group:pool]\nprograms = x, y\n" \
	"[program:x]\ncommand = sleep 3\nstartretries = 9\n" \
	"[program:y]\ncommand = sleep 4\n"

static struct config	*A, *B;

static void
setup(void)
{
	fx_setup();
	A = fx_load_ok(OLD);
	B = fx_load_ok(NEW);
}

static void
teardown(void)
{
	config_free(A);
	config_free(B);
	A = B = NULL;
	fx_cleanup();
}

static const struct reload_entry *
entry(const struct reload_diff *d, const char *group, const char *name)
{
	const struct proc_config	*pc;
	size_t				 i;

	for (i = 0; i < d->n; i++) {
		pc = d->v[i].new != NULL ? d->v[i].new : d->v[i].old;
		if (strcmp(pc->group, group) == 0 && strcmp(pc->name, name) == 0)
			return &d->v[i];
	}
	return NULL;
}

static bool
has(const cJSON *arr, const char *s)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, arr)
		if (strcmp(cJSON_GetStringValue(e), s) == 0)
			return true;
	return false;
}

/* Merge for names, diff, and apply or undo as the reload would. */
static void
select_diff(enum reload_select_op op, const char *const *names, size_t n,
    struct reload_diff *d, struct reload_select *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->op = op;
	sel->names = names;
	sel->nnames = n;
	reload_select_merge(sel, A, B);
	reload_diff(A, B, d);
	reload_select_diffed(sel, B);
}

START_TEST(test_reread_groups)
{
	struct reload_diff	 d;
	cJSON			*res = cJSON_CreateObject(), *g;

	reload_diff(A, B, &d);
	ck_assert_uint_ge(d.nrestart, 2);	/* the socket, the port */
	reload_groups_json(&d, A, B, res);
	g = cJSON_GetObjectItem(res, "groups");
	ck_assert(has(cJSON_GetObjectItem(g, "added"), "c"));
	ck_assert(has(cJSON_GetObjectItem(g, "changed"), "a"));
	ck_assert(has(cJSON_GetObjectItem(g, "removed"), "b"));
	/* A key that applies in place does not make pool changed. */
	ck_assert(!has(cJSON_GetObjectItem(g, "changed"), "pool"));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(g,
	    "changed")), 1);
	reload_diff_release(&d);
	cJSON_Delete(res);
}
END_TEST

START_TEST(test_update_one_group)
{
	static const char *const names[] = { "a" };
	struct reload_select	 sel;
	struct reload_diff	 d;
	struct group_config	*old_b = config_find_group(A, "b");

	select_diff(RELOAD_SELECT_UPDATE, names, 1, &d, &sel);
	ck_assert_int_eq(entry(&d, "a", "a")->kind, RELOAD_CHANGED);
	ck_assert_int_eq(entry(&d, "b", "b")->kind, RELOAD_UNCHANGED);
	ck_assert_int_eq(entry(&d, "pool", "x")->kind, RELOAD_UNCHANGED);
	ck_assert_ptr_null(entry(&d, "c", "c"));
	/* The daemon's sections were left out of the difference. */
	ck_assert_uint_eq(d.nlive, 0);
	ck_assert_uint_eq(d.nrestart, 0);
	ck_assert_int_eq(d.count[RELOAD_CHANGED], 1);
	reload_select_commit(&sel, A, B);
	/* B runs b as it was (the same group), a from the file, no c. */
	ck_assert_ptr_eq(config_find_group(B, "b"), old_b);
	ck_assert_ptr_null(config_find_group(B, "c"));
	ck_assert_str_eq(config_find_proc(B, "a", "a")->argv[1], "10");
	ck_assert_ptr_null(config_find_group(A, "b"));
	ck_assert_ptr_nonnull(config_find_group(A, "c"));
	ck_assert_uint_eq(config_nprocs(B), 4);
	reload_diff_release(&d);
}
END_TEST

START_TEST(test_add_and_remove)
{
	static const char *const add[] = { "c" }, *const rm[] = { "b" };
	struct reload_select	 sel;
	struct reload_diff	 d;

	select_diff(RELOAD_SELECT_ADD, add, 1, &d, &sel);
	ck_assert_int_eq(entry(&d, "c", "c")->kind, RELOAD_ADDED);
	ck_assert_int_eq(d.count[RELOAD_ADDED], 1);
	ck_assert_int_eq(d.count[RELOAD_CHANGED] +
	    d.count[RELOAD_REMOVED], 0);
	reload_select_undo(&sel, B);
	reload_diff_release(&d);

	select_diff(RELOAD_SELECT_REMOVE, rm, 1, &d, &sel);
	ck_assert_int_eq(entry(&d, "b", "b")->kind, RELOAD_REMOVED);
	ck_assert_int_eq(d.count[RELOAD_REMOVED], 1);
	ck_assert_int_eq(d.count[RELOAD_ADDED] + d.count[RELOAD_CHANGED], 0);
	reload_select_commit(&sel, A, B);
	ck_assert_ptr_null(config_find_group(B, "b"));
	ck_assert_ptr_nonnull(config_find_group(B, "a"));
	ck_assert_uint_eq(config_nprocs(B), 3);
	reload_diff_release(&d);
}
END_TEST

START_TEST(test_remove_a_group_still_in_the_file)
{
	static const char *const rm[] = { "pool" };
	struct reload_select	 sel;
	struct reload_diff	 d;

	select_diff(RELOAD_SELECT_REMOVE, rm, 1, &d, &sel);
	ck_assert_int_eq(entry(&d, "pool", "x")->kind, RELOAD_REMOVED);
	ck_assert_int_eq(entry(&d, "pool", "y")->kind, RELOAD_REMOVED);
	ck_assert_int_eq(d.count[RELOAD_REMOVED], 2);
	reload_select_commit(&sel, A, B);
	ck_assert_ptr_null(config_find_group(B, "pool"));
	reload_diff_release(&d);
}
END_TEST

START_TEST(test_undo_restores_the_file)
{
	static const char *const names[] = { "a", "c" };
	struct reload_select	 sel;
	struct reload_diff	 d;
	struct group_config	**groups = B->groups;

	select_diff(RELOAD_SELECT_UPDATE, names, 2, &d, &sel);
	ck_assert_ptr_ne(B->groups, groups);
	reload_select_undo(&sel, B);
	ck_assert_ptr_eq(B->groups, groups);
	ck_assert_ptr_nonnull(config_find_group(B, "c"));
	ck_assert_ptr_null(config_find_group(B, "b"));
	ck_assert_int_eq(B->sd.loglevel, LOG_LEVEL_DEBUG);
	reload_diff_release(&d);
}
END_TEST

static Suite *
select_suite(void)
{
	Suite	*s = suite_create("reload_select");
	TCase	*tc = tcase_create("select");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reread_groups);
	tcase_add_test(tc, test_update_one_group);
	tcase_add_test(tc, test_add_and_remove);
	tcase_add_test(tc, test_remove_a_group_still_in_the_file);
	tcase_add_test(tc, test_undo_restores_the_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(select_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
