/*
 * procstat.c's parsers (a stat line whose command name holds spaces,
 * parentheses and newlines; a children list) and pidset.c, checked
 * against a plain array through growth, wrap-around and removals.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidset.h"
#include "procstat.h"

/* A stat line as Linux 6 writes it (52 fields), with this command. */
static size_t
stat_line(char *buf, size_t len, const char *comm)
{
	return (size_t)snprintf(buf, len, "4242 (%s) S 17 4240 4000 0 -1 "
	    "4194560 120 0 0 0 1 2 0 0 20 0 1 0 987654 8192000 200 "
	    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
	    "0 0 0 0 0 0 0 0\n", comm);
}

START_TEST(parse_stat_lines)
{
	static const char *const comms[] = {
		"sleep", "a b", "x) S 1 2 3 (", "nginx: master", "(", ")",
		"new\nline", "",
	};
	struct procstat	st;
	char		buf[1024];
	size_t		i, n;

	for (i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		memset(&st, 0, sizeof(st));
		n = stat_line(buf, sizeof(buf), comms[i]);
		ck_assert_int_eq(procstat_parse(buf, n, &st), 0);
		ck_assert_int_eq(st.state, 'S');
		ck_assert_int_eq(st.ppid, 17);
		ck_assert_int_eq(st.pgrp, 4240);
		ck_assert_int_eq(st.session, 4000);
		ck_assert_uint_eq(st.starttime, 987654);
		ck_assert_uint_eq(st.utime, 1);
		ck_assert_uint_eq(st.stime, 2);
		ck_assert_uint_eq(st.vsize, 8192000);
		ck_assert_uint_eq(st.rss, 200);
	}
}
END_TEST

START_TEST(refuse_malformed)
{
	static const char *const bad[] = {
		"", "4242 (x", "4242 (x) S", "4242 (x) S 17 4240",
		"4242 (x) S 17 4240 4000 0 -1 4194560 120 0 0 0 1 2 0 0 20 0 "
		    "1 0 98x7654 8",
		"4242 (x) S 17 99999999999 4000 0 -1 4194560 120 0 0 0 1 2 0 "
		    "0 20 0 1 0 1 8",
		"4242 (x)  S 17 4240 4000 0 -1 4194560 120 0 0 0 1 2 0 0 20 0 "
		    "1 0 1 8",
	};
	struct procstat	st;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(procstat_parse(bad[i], strlen(bad[i]), &st) == -1,
		    "accepted: %s", bad[i]);
}
END_TEST

START_TEST(read_ourselves)
{
	struct procstat	 st;
	pid_t		*kids;
	char		 cmd[256];

	ck_assert_int_eq(procstat_read(getpid(), &st), 0);
	ck_assert_int_eq(st.ppid, getppid());
	ck_assert_int_eq(st.pgrp, getpgrp());
	ck_assert_int_eq(st.session, getsid(0));
	ck_assert_uint_le(st.starttime, procstat_now_ticks());
	ck_assert_int_eq(procstat_read(0x7ffffff0, &st), -1);
	procstat_cmdline(getpid(), cmd, sizeof(cmd));
	ck_assert_ptr_nonnull(strstr(cmd, "test_procstat"));
	procstat_cmdline(getpid(), cmd, 8);
	ck_assert_str_eq(cmd + 4, "...");
	ck_assert_int_ge(procstat_children(getpid(), &kids), 0);
	free(kids);
}
END_TEST

START_TEST(parse_children)
{
	pid_t	*v;

	ck_assert_int_eq(procstat_parse_children("", 0, &v), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(procstat_parse_children("12 345 6789 ", 12, &v), 3);
	ck_assert_int_eq(v[0], 12);
	ck_assert_int_eq(v[2], 6789);
	free(v);
	ck_assert_int_eq(procstat_parse_children("12 x ", 5, &v), -1);
	ck_assert_int_eq(procstat_parse_children("0 ", 2, &v), -1);
	ck_assert_int_eq(procstat_parse_children("99999999999 ", 12, &v), -1);
}
END_TEST

#define NPIDS	2000

START_TEST(pidset_against_a_model)
{
	static char	 model[NPIDS + 1];
	struct pidset	 s = { 0 };
	size_t		 i, n, iter;
	pid_t		 pid;
	unsigned	 seed = 7;

	ck_assert(!pidset_has(&s, 5));
	ck_assert(!pidset_del(&s, 5));
	ck_assert(!pidset_add(&s, 0));
	for (i = 0; i < 20000; i++) {
		pid = (pid_t)(rand_r(&seed) % NPIDS) + 1;
		if (rand_r(&seed) % 3 != 0)
			ck_assert(pidset_add(&s, pid) == !model[pid]);
		else
			ck_assert(pidset_del(&s, pid) == model[pid]);
		model[pid] = pidset_has(&s, pid);
		if (i % 2000 != 0)
			continue;
		for (n = 0, pid = 1; pid <= NPIDS; pid++) {
			ck_assert(pidset_has(&s, pid) == model[pid]);
			n += model[pid];
		}
		ck_assert_uint_eq(s.count, n);
		for (n = 0, iter = 0; pidset_next(&s, &iter, &pid); n++)
			ck_assert(model[pid]);
		ck_assert_uint_eq(n, s.count);
	}
	pidset_free(&s);
	ck_assert_uint_eq(s.count, 0);
}
END_TEST

static void
bad(const char *text)
{
	uint64_t	m;

	ck_assert_int_eq(procstat_parse_handled(text, strlen(text), &m), -1);
}

START_TEST(parse_handled_signals)
{
	static const char text[] =
	    "Name:\tsupervisord\nSigQ:\t0/96367\nSigPnd:\t0000000000000000\n"
	    "ShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n"
	    "SigIgn:\t0000000000001000\nSigCgt:\t8000000000014807\n"
	    "CapInh:\t0000000000000000\n";
	uint64_t	m = 0;

	ck_assert_int_eq(procstat_parse_handled(text, strlen(text), &m), 0);
	/* SIGPIPE (13) ignored; SIGHUP, SIGINT, SIGQUIT, SIGUSR2, SIGTERM,
	   SIGCHLD and signal 64 caught. */
	ck_assert_uint_eq(m, 0x8000000000015807ULL);
	ck_assert(m & (1ULL << (SIGPIPE - 1)));
	ck_assert(m & (1ULL << (SIGCHLD - 1)));
	ck_assert(!(m & (1ULL << (SIGUSR1 - 1))));
	/* A line missing, or not hexadecimal: no answer. */
	ck_assert_int_eq(procstat_parse_handled(text, strstr(text, "SigCgt") -
	    text, &m), -1);
	bad("SigIgn:\t12x4\nSigCgt:\t0\n");
	bad("XSigIgn:\t1\nSigCgt:\t0\n");
	bad("SigIgn:\t\nSigCgt:\t0\n");
	bad("SigIgn:\t00000000000000001\nSigCgt:\t0\n");	/* 17 digits */
}
END_TEST

START_TEST(handled_signals_of_ourselves)
{
	uint64_t	before = procstat_handled_signals(), after;

	ck_assert(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
	after = procstat_handled_signals();
	ck_assert(after & (1ULL << (SIGUSR1 - 1)));
	ck_assert(signal(SIGUSR1, SIG_DFL) != SIG_ERR);
	ck_assert_uint_eq(procstat_handled_signals() &
	    (1ULL << (SIGUSR1 - 1)), before & (1ULL << (SIGUSR1 - 1)));
}
END_TEST

static Suite *
procstat_suite(void)
{
	Suite	*s = suite_create("procstat");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);	/* a loaded machine, sanitizers */
	tcase_add_test(tc, parse_stat_lines);
	tcase_add_test(tc, refuse_malformed);
	tcase_add_test(tc, read_ourselves);
	tcase_add_test(tc, parse_children);
	tcase_add_test(tc, pidset_against_a_model);
	tcase_add_test(tc, parse_handled_signals);
	tcase_add_test(tc, handled_signals_of_ourselves);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(procstat_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
