/*
 * Unit tests of the rotating log file: rotation exactly at the limit,
 * backups shifted and the oldest dropped, no byte lost or duplicated
 * across rotations, reopen, and the accounting of dropped bytes.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"

static char	dir[64];
static char	path[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_logfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/app.log", dir);
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The whole content of a file ("" when absent: *len is then -1). */
static char *
slurp(const char *p, ssize_t *len)
{
	static char	buf[1 << 21];
	ssize_t		n;
	int		fd;

	*len = -1;
	buf[0] = '\0';
	if ((fd = open(p, O_RDONLY)) == -1)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
assert_file(const char *suffix, const char *want)
{
	char	p[160];
	ssize_t	len;
	char	*got;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	got = slurp(p, &len);
	if (want == NULL) {
		ck_assert_msg(len == -1, "%s exists", p);
		return;
	}
	ck_assert_msg(len != -1, "%s is missing", p);
	ck_assert_str_eq(got, want);
}

START_TEST(test_append_and_size)
{
	struct logfile	*lf;
	int		 fd;

	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_eq(write(fd, "old\n", 4), 4);
	close(fd);
	lf = logfile_open(path, 0, 0);
	ck_assert_int_ne(lf->fd, -1);
	ck_assert(lf->regular);
	ck_assert_uint_eq(lf->size, 4);
	ck_assert_uint_eq(logfile_write(lf, "new\n", 4), 4);
	ck_assert_uint_eq(lf->size, 8);
	assert_file("", "old\nnew\n");
	logfile_free(lf);
}
END_TEST

START_TEST(test_rotate_exactly_at_limit)
{
	struct logfile	*lf;

	lf = logfile_open(path, 10, 3);
	ck_assert_uint_eq(logfile_write(lf, "0123456789", 10), 10);
	/* At the limit, not past it: no rotation until the next byte. */
	assert_file(".1", NULL);
	assert_file("", "0123456789");
	ck_assert_uint_eq(logfile_write(lf, "a", 1), 1);
	assert_file(".1", "0123456789");
	assert_file("", "a");
	logfile_free(lf);
}
END_TEST

START_TEST(test_write_split_across_rotations)
{
	struct logfile	*lf;

	lf = logfile_open(path, 10, 2);
	ck_assert_uint_eq(logfile_write(lf, "abcdefghijABCDEFGHIJxyz", 23), 23);
	assert_file(".2", "abcdefghij");
	assert_file(".1", "ABCDEFGHIJ");
	assert_file("", "xyz");
	assert_file(".3", NULL);
	assert_file(".rotating", NULL);
	logfile_free(lf);
}
END_TEST

START_TEST(test_oldest_backup_dropped)
{
	struct logfile	*lf;
	char		 buf[64];
	int		 i;

	for (i = 0; i < 45; i++)
		buf[i] = (char)('A' + i % 26);
	lf = logfile_open(path, 10, 2);
	for (i = 0; i < 45; i += 7)
		ck_assert_uint_eq(logfile_write(lf, buf + i,
		    i + 7 > 45 ? (size_t)(45 - i) : 7),
		    i + 7 > 45 ? (size_t)(45 - i) : 7);
	assert_file(".2", "UVWXYZABCD");
	assert_file(".1", "EFGHIJKLMN");
	assert_file("", "OPQRS");
	assert_file(".3", NULL);
	logfile_free(lf);
}
END_TEST

START_TEST(test_no_backups_truncates)
{
	struct logfile	*lf;

	lf = logfile_open(path, 10, 0);
	ck_assert_uint_eq(logfile_write(lf, "abcdefghijABCDEFGHIJxyz", 23), 23);
	assert_file("", "xyz");
	assert_file(".1", NULL);
	ck_assert_uint_eq(lf->size, 3);
	logfile_free(lf);
}
END_TEST

START_TEST(test_zero_maxbytes_never_rotates)
{
	struct logfile	*lf;
	static char	 buf[100000];
	struct stat	 st;
	int		 i;

	memset(buf, 'x', sizeof(buf));
	lf = logfile_open(path, 0, 5);
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(logfile_write(lf, buf, sizeof(buf)),
		    sizeof(buf));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 10 * (off_t)sizeof(buf));
	assert_file(".1", NULL);
	logfile_free(lf);
}
END_TEST

START_TEST(test_existing_file_counts_toward_limit)
{
	struct logfile	*lf;
	int		 fd;

	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_eq(write(fd, "12345678", 8), 8);
	close(fd);
	lf = logfile_open(path, 10, 1);
	ck_assert_uint_eq(logfile_write(lf, "abcde", 5), 5);
	assert_file(".1", "12345678ab");
	assert_file("", "cde");
	logfile_free(lf);
}
END_TEST

/* Random chunk sizes over many rotations: the backups, oldest first,
   put back together exactly what was written. */
START_TEST(test_no_loss_no_duplication)
{
	struct logfile	*lf;
	static char	 in[300000], out[300000];
	char		 p[160], *got;
	size_t		 off = 0, n, total = 0;
	ssize_t		 len;
	int		 i, nfiles;

	srand(42);
	for (i = 0; i < (int)sizeof(in); i++)
		in[i] = (char)('a' + rand() % 26);
	lf = logfile_open(path, 4096, 100);
	while (off < sizeof(in)) {
		n = (size_t)(rand() % 9000) + 1;
		if (n > sizeof(in) - off)
			n = sizeof(in) - off;
		ck_assert_uint_eq(logfile_write(lf, in + off, n), n);
		off += n;
	}
	logfile_free(lf);
	nfiles = (int)((sizeof(in) + 4095) / 4096);
	for (i = nfiles - 1; i >= 0; i--) {
		if (i == 0)
			snprintf(p, sizeof(p), "%s", path);
		else
			snprintf(p, sizeof(p), "%s.%d", path, i);
		got = slurp(p, &len);
		ck_assert_msg(len > 0, "%s is missing", p);
		if (i > 0)
			ck_assert_int_eq(len, 4096);
		memcpy(out + total, got, (size_t)len);
		total += (size_t)len;
	}
	ck_assert_uint_eq(total, sizeof(in));
	ck_assert(memcmp(in, out, sizeof(in)) == 0);
}
END_TEST

START_TEST(test_reopen_after_move)
{
	struct logfile	*lf;
	char		 moved[160];

	lf = logfile_open(path, 0, 0);
	ck_assert_uint_eq(logfile_write(lf, "one\n", 4), 4);
	snprintf(moved, sizeof(moved), "%s.moved", path);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_uint_eq(logfile_write(lf, "two\n", 4), 4);
	ck_assert_int_eq(logfile_reopen(lf), 0);
	ck_assert_uint_eq(lf->size, 0);
	ck_assert_uint_eq(logfile_write(lf, "three\n", 6), 6);
	assert_file(".moved", "one\ntwo\n");
	assert_file("", "three\n");
	logfile_free(lf);
}
END_TEST

START_TEST(test_full_device_drops_and_counts)
{
	struct logfile	*lf;

	lf = logfile_open("/dev/full", 10, 2);
	ck_assert_int_ne(lf->fd, -1);
	ck_assert(!lf->regular);
	ck_assert_uint_eq(logfile_write(lf, "hello", 5), 0);
	ck_assert(lf->failing);
	ck_assert_int_eq(lf->error, ENOSPC);
	ck_assert_uint_eq(logfile_write(lf, "world!", 6), 0);
	ck_assert_uint_eq(lf->dropped, 11);
	ck_assert_uint_eq(lf->episode_dropped, 11);
	/* Not a regular file: never rotated, never spliced. */
	errno = 0;
	ck_assert_int_eq(logfile_splice(lf, 0, 100), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	logfile_free(lf);
}
END_TEST

static int	nlogged;
static char	lastlog[1024];

static void
count_sink(enum log_level level, const char *line, size_t len, void *arg)
{
	nlogged++;
	snprintf(lastlog, sizeof(lastlog), "%.*s", (int)len, line);
}

START_TEST(test_open_failure_retried_and_reported_once)
{
	struct logfile	*lf;
	char		 sub[160];

	snprintf(sub, sizeof(sub), "%s/later/app.log", dir);
	log_set_sink(count_sink, NULL);
	nlogged = 0;
	lf = logfile_open(sub, 0, 0);
	ck_assert_int_eq(lf->fd, -1);
	ck_assert(lf->failing);
	ck_assert_int_eq(lf->error, ENOENT);
	lf->retry_interval = 0;
	lf->retry_at = 0;
	ck_assert_uint_eq(logfile_write(lf, "lost\n", 5), 0);
	logfile_report(lf, "web stdout");
	ck_assert_uint_eq(logfile_write(lf, "lost\n", 5), 0);
	logfile_report(lf, "web stdout");
	ck_assert_int_eq(nlogged, 1);
	ck_assert_ptr_nonnull(strstr(lastlog, "cannot open"));
	ck_assert_ptr_nonnull(strstr(lastlog, "web stdout"));

	snprintf(sub, sizeof(sub), "%s/later", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_uint_eq(logfile_write(lf, "kept\n", 5), 5);
	ck_assert(!lf->failing);
	ck_assert_uint_eq(lf->dropped, 10);
	logfile_report(lf, "web stdout");
	ck_assert_int_eq(nlogged, 2);
	ck_assert_ptr_nonnull(strstr(lastlog, "after dropping 10 bytes"));
	logfile_report(lf, "web stdout");
	ck_assert_int_eq(nlogged, 2);
	log_set_sink(NULL, NULL);
	logfile_free(lf);
}
END_TEST

START_TEST(test_open_retry_waits_for_interval)
{
	struct logfile	*lf;
	char		 sub[160];

	snprintf(sub, sizeof(sub), "%s/later/app.log", dir);
	lf = logfile_open(sub, 0, 0);
	lf->retry_interval = 3600;
	lf->retry_at = 1e18;
	snprintf(sub, sizeof(sub), "%s/later", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	/* Not retried before its time: the loop must not spin on open. */
	ck_assert_uint_eq(logfile_write(lf, "x", 1), 0);
	ck_assert_int_eq(lf->fd, -1);
	lf->retry_at = 0;
	ck_assert_uint_eq(logfile_write(lf, "y", 1), 1);
	logfile_free(lf);
}
END_TEST

START_TEST(test_rotate_failure_drops_then_resumes)
{
	struct logfile	*lf;
	char		 blocker[160];

	lf = logfile_open(path, 4, 1);
	lf->retry_interval = 0;
	snprintf(blocker, sizeof(blocker), "%s.1", path);
	ck_assert_int_eq(mkdir(blocker, 0755), 0);
	snprintf(blocker, sizeof(blocker), "%s.1/x", path);
	ck_assert_int_eq(mkdir(blocker, 0755), 0);
	/* path.1 is a non-empty folder: the rename cannot happen. */
	ck_assert_uint_eq(logfile_write(lf, "abcdef", 6), 4);
	ck_assert(lf->failing);
	ck_assert_str_eq(lf->failed_op, "rotate");
	ck_assert_uint_eq(lf->dropped, 2);
	assert_file("", "abcd");
	ck_assert_int_eq(rmdir(blocker), 0);
	snprintf(blocker, sizeof(blocker), "%s.1", path);
	ck_assert_int_eq(rmdir(blocker), 0);
	ck_assert_uint_eq(logfile_write(lf, "ef", 2), 2);
	ck_assert(!lf->failing);
	assert_file(".1", "abcd");
	assert_file("", "ef");
	logfile_free(lf);
}
END_TEST

/* splice(2) moves bytes from a pipe and still rotates at the limit. */
START_TEST(test_splice_rotates_at_limit)
{
	struct logfile	*lf;
	int		 fds[2];
	ssize_t		 n;
	size_t		 total = 0;

	ck_assert_int_eq(pipe2(fds, O_NONBLOCK), 0);
	ck_assert_int_eq(write(fds[1], "abcdefghijABCDEFGHIJxyz", 23), 23);
	lf = logfile_open(path, 10, 2);
	while ((n = logfile_splice(lf, fds[0], 1 << 20)) > 0)
		total += (size_t)n;
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_eq(total, 23);
	close(fds[1]);
	ck_assert_int_eq(logfile_splice(lf, fds[0], 1 << 20), 0);
	close(fds[0]);
	assert_file(".2", "abcdefghij");
	assert_file(".1", "ABCDEFGHIJ");
	assert_file("", "xyz");
	ck_assert_uint_eq(lf->size, 3);
	logfile_free(lf);
}
END_TEST

/* A partial last line moves to the next file: files end at newlines. */
START_TEST(test_rotate_at_line_boundary)
{
	struct logfile	*lf;

	lf = logfile_open(path, 10, 3);
	ck_assert_uint_eq(logfile_write(lf, "abc\ndefgh", 9), 9);
	ck_assert_uint_eq(logfile_write(lf, "ij\nk\n", 5), 5);
	assert_file(".1", "abc\n");
	assert_file("", "defghij\nk\n");
	ck_assert_uint_eq(lf->size, 10);
	/* Ending with a newline: nothing moves. */
	ck_assert_uint_eq(logfile_write(lf, "x", 1), 1);
	assert_file(".2", "abc\n");
	assert_file(".1", "defghij\nk\n");
	assert_file("", "x");
	logfile_free(lf);
}
END_TEST

/* A line longer than maxbytes is cut at the limit, in a file of its
   own from its start. */
START_TEST(test_line_longer_than_limit_is_cut)
{
	struct logfile	*lf;

	lf = logfile_open(path, 10, 3);
	ck_assert_uint_eq(logfile_write(lf, "ab\n0123456789XY\nz", 18), 18);
	assert_file(".2", "ab\n");
	assert_file(".1", "0123456789");
	assert_file("", "XY\nz");
	logfile_free(lf);
}
END_TEST

/* Spliced bytes, never looked at on the way, rotate at newlines too. */
START_TEST(test_splice_rotates_at_line_boundary)
{
	struct logfile	*lf;
	int		 fds[2];
	ssize_t		 n;

	ck_assert_int_eq(pipe2(fds, O_NONBLOCK), 0);
	ck_assert_int_eq(write(fds[1], "abc\ndefghij\nklm\n", 16), 16);
	lf = logfile_open(path, 10, 3);
	while ((n = logfile_splice(lf, fds[0], 1 << 20)) > 0)
		continue;
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(fds[0]);
	close(fds[1]);
	assert_file(".2", "abc\n");
	assert_file(".1", "defghij\n");
	assert_file("", "klm\n");
	ck_assert_uint_eq(lf->size, 4);
	logfile_free(lf);
}
END_TEST

/* Without backups, the partial last line stays, at the file's start. */
START_TEST(test_truncate_keeps_partial_line)
{
	struct logfile	*lf;

	lf = logfile_open(path, 10, 0);
	ck_assert_uint_eq(logfile_write(lf, "abc\ndefghij\nk", 14), 14);
	assert_file(".1", NULL);
	assert_file("", "defghij\nk");
	ck_assert_uint_eq(lf->size, 10);
	logfile_free(lf);
}
END_TEST

START_TEST(test_limits_change)
{
	struct logfile	*lf;

	lf = logfile_open(path, 0, 0);
	ck_assert_uint_eq(logfile_write(lf, "abcdef", 6), 6);
	logfile_set_limits(lf, 4, 1);
	ck_assert_uint_eq(logfile_write(lf, "g", 1), 1);
	assert_file(".1", "abcdef");
	assert_file("", "g");
	logfile_free(lf);
}
END_TEST

/*
 * A file that must be new (an AUTO name) is made by the first write;
 * a link put at its name meanwhile is refused, and its target untouched.
 */
START_TEST(test_create_refuses_what_is_there)
{
	struct logfile	*lf;
	char		 target[160];
	ssize_t		 len;

	lf = logfile_new(path, 0, 0);
	lf->create = true;
	ck_assert_uint_eq(logfile_write(lf, "new", 3), 3);
	ck_assert_str_eq(slurp(path, &len), "new");
	ck_assert_uint_eq(logfile_write(lf, "er", 2), 2);
	logfile_free(lf);

	snprintf(target, sizeof(target), "%s/target", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(close(open(target, O_WRONLY | O_CREAT, 0600)), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	lf = logfile_new(path, 0, 0);
	lf->create = true;
	ck_assert_uint_eq(logfile_write(lf, "stolen", 6), 0);
	ck_assert(lf->failing);
	ck_assert_int_eq(lf->error, EEXIST);
	ck_assert_uint_eq(lf->dropped, 6);
	ck_assert_str_eq(slurp(target, &len), "");
	logfile_free(lf);
}
END_TEST

static Suite *
logfile_suite(void)
{
	Suite	*s = suite_create("logfile");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_append_and_size);
	tcase_add_test(tc, test_rotate_exactly_at_limit);
	tcase_add_test(tc, test_write_split_across_rotations);
	tcase_add_test(tc, test_oldest_backup_dropped);
	tcase_add_test(tc, test_no_backups_truncates);
	tcase_add_test(tc, test_zero_maxbytes_never_rotates);
	tcase_add_test(tc, test_existing_file_counts_toward_limit);
	tcase_add_test(tc, test_no_loss_no_duplication);
	tcase_add_test(tc, test_reopen_after_move);
	tcase_add_test(tc, test_full_device_drops_and_counts);
	tcase_add_test(tc, test_open_failure_retried_and_reported_once);
	tcase_add_test(tc, test_open_retry_waits_for_interval);
	tcase_add_test(tc, test_rotate_failure_drops_then_resumes);
	tcase_add_test(tc, test_splice_rotates_at_limit);
	tcase_add_test(tc, test_limits_change);
	tcase_add_test(tc, test_rotate_at_line_boundary);
	tcase_add_test(tc, test_line_longer_than_limit_is_cut);
	tcase_add_test(tc, test_splice_rotates_at_line_boundary);
	tcase_add_test(tc, test_truncate_keeps_partial_line);
	tcase_add_test(tc, test_create_refuses_what_is_there);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(logfile_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
