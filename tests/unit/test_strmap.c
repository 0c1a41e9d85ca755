/*
 * strmap.c: puts, gets and removals checked against a plain array that
 * is searched the slow way, through growth and wrap-around of the probes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

#define NKEYS	2000

static char	keys[NKEYS][24];

static void
make_keys(void)
{
	int	i;

	for (i = 0; i < NKEYS; i++)
		snprintf(keys[i], sizeof(keys[i]), "/log/p%d", i);
}

START_TEST(put_get_replace)
{
	struct strmap	m = { 0 };
	int		a, b;

	ck_assert_ptr_null(strmap_get(&m, "x"));
	strmap_del(&m, "x");		/* empty: nothing to do */
	strmap_put(&m, "x", &a);
	ck_assert_ptr_eq(strmap_get(&m, "x"), &a);
	strmap_put(&m, "x", &b);
	ck_assert_ptr_eq(strmap_get(&m, "x"), &b);
	ck_assert_uint_eq(m.count, 1);
	ck_assert_ptr_null(strmap_get(&m, "y"));
	strmap_del(&m, "x");
	ck_assert_ptr_null(strmap_get(&m, "x"));
	ck_assert_uint_eq(m.count, 0);
	strmap_free(&m);
}
END_TEST

/* Random puts and removals, every key checked after each step batch. */
START_TEST(against_a_model)
{
	struct strmap	m = { 0 };
	void		*model[NKEYS] = { 0 };
	int		 step, i, k;

	make_keys();
	srand(7);
	for (step = 0; step < 40000; step++) {
		k = rand() % NKEYS;
		if (rand() % 3 == 0) {
			strmap_del(&m, keys[k]);
			model[k] = NULL;
		} else {
			strmap_put(&m, keys[k], &model[k]);
			model[k] = &model[k];
		}
		if (step % 5000 != 4999)
			continue;
		for (i = 0; i < NKEYS; i++)
			ck_assert_ptr_eq(strmap_get(&m, keys[i]), model[i]);
	}
	for (k = 0, i = 0; i < NKEYS; i++)
		k += model[i] != NULL;
	ck_assert_uint_eq(m.count, (size_t)k);
	ck_assert_uint_le(m.count * 2, m.size);
	for (i = 0; i < NKEYS; i++)
		strmap_del(&m, keys[i]);
	ck_assert_uint_eq(m.count, 0);
	for (i = 0; i < NKEYS; i++)
		ck_assert_ptr_null(strmap_get(&m, keys[i]));
	strmap_free(&m);
}
END_TEST

static Suite *
strmap_suite(void)
{
	Suite	*s = suite_create("strmap");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, put_get_replace);
	tcase_add_test(tc, against_a_model);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(strmap_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
