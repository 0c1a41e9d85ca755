/*
 * The log methods: readLog, readProcessStdoutLog, readProcessStderrLog
 * (Supervisor's readFile: a negative offset reads the end), and
 * tailProcessStdoutLog, tailProcessStderrLog (its tailFile: a window
 * that moves to the end and says it overflowed).  Log files are local
 * regular files read with pread(2), bounded per call.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "rpc.h"
#include "xmalloc.h"

/* The most bytes one call returns (Supervisor has no bound). */
#define RPC_LOG_MAX	(4 * 1024 * 1024)

static int
log_open(const char *path, off_t *size)
{
	struct stat	st;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) ==
	    -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	*size = st.st_size;
	return fd;
}

/* len bytes at off (fewer at the end) as one string value. */
static int
write_bytes(struct rpc_req *r, int fd, off_t off, size_t len)
{
	char	*buf;
	ssize_t	 n;
	size_t	 got = 0;

	if (len > RPC_LOG_MAX)
		len = RPC_LOG_MAX;
	buf = xmalloc(len + 1);
	while (got < len) {
		n = pread(fd, buf + got, len - got, off + (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	xw_stringn(&r->value, buf, got);
	free(buf);
	return 0;
}

/* Supervisor's readFile() on path, as the call's value or fault. */
static enum rpc_status
read_file(struct rpc_req *r, const char *path, long long offset,
    long long length)
{
	off_t	size, pos;
	int	fd;

	if (path == NULL || access(path, F_OK) == -1) {
		rpc_fault(r, RPC_NO_FILE, "%s", path ? path : "None");
		return RPC_DONE;
	}
	if ((offset < 0 && length != 0) || (offset >= 0 && length < 0)) {
		rpc_fault(r, RPC_BAD_ARGUMENTS, NULL);
		return RPC_DONE;
	}
	if ((fd = log_open(path, &size)) == -1) {
		rpc_fault(r, RPC_FAILED, NULL);
		return RPC_DONE;
	}
	if (offset < 0) {
		pos = size + offset;
		if (pos < 0)
			pos = 0;
		length = size - pos;
	} else {
		pos = offset;
		if (length == 0)
			length = pos < size ? size - pos : 0;
	}
	if (write_bytes(r, fd, pos, (size_t)length) == -1)
		rpc_fault(r, RPC_FAILED, NULL);
	close(fd);
	return RPC_DONE;
}

/* The log file of a process's stream, or NULL (for the fault). */
static int
proc_log(struct rpc_req *r, const char *spec, bool err, const char **path)
{
	struct proc	*p;

	if ((p = rpc_find_proc(r, spec)) == NULL)
		return -1;
	*path = err && p->cfg->redirect_stderr ? NULL : logcap_path(p, err);
	return 0;
}

static enum rpc_status
read_proc_log(struct rpc_req *r, struct xr_value **argv, bool err)
{
	const char	*path;

	if (proc_log(r, argv[0]->s, err, &path) == -1)
		return RPC_DONE;
	return read_file(r, path, argv[1]->i, argv[2]->i);
}

enum rpc_status
rpc_read_stdout_log(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return read_proc_log(r, argv, false);
}

enum rpc_status
rpc_read_stderr_log(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return read_proc_log(r, argv, true);
}

enum rpc_status
rpc_read_log(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return read_file(r, r->daemon->config->sd.logfile, argv[0]->i,
	    argv[1]->i);
}

/* Supervisor's tailFile(): [bytes, the offset to ask next, overflow]. */
static enum rpc_status
tail_proc_log(struct rpc_req *r, struct xr_value **argv, bool err)
{
	const char	*path;
	long long	 offset = argv[1]->i, length = argv[2]->i;
	off_t		 size;
	bool		 overflow = false;
	int		 fd;

	if (proc_log(r, argv[0]->s, err, &path) == -1)
		return RPC_DONE;
	if (path == NULL || (fd = log_open(path, &size)) == -1) {
		xw_array_open(&r->value);
		xw_string(&r->value, "");
		xw_int(&r->value, path == NULL ? 0 : offset);
		xw_bool(&r->value, false);
		xw_array_close(&r->value);
		return RPC_DONE;
	}
	if (size > offset + length) {
		overflow = true;
		offset = size - 1;
	}
	if (offset + length > size) {
		if (offset > size - 1)
			length = 0;
		offset = size - length;
	}
	if (offset < 0)
		offset = 0;
	if (length < 0)
		length = 0;
	xw_array_open(&r->value);
	if (write_bytes(r, fd, offset, (size_t)length) == -1)
		xw_string(&r->value, "");
	xw_int(&r->value, size);
	xw_bool(&r->value, overflow);
	xw_array_close(&r->value);
	close(fd);
	return RPC_DONE;
}

enum rpc_status
rpc_tail_stdout_log(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return tail_proc_log(r, argv, false);
}

enum rpc_status
rpc_tail_stderr_log(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return tail_proc_log(r, argv, true);
}
