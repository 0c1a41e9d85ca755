/*
 * The control protocol shared by supervisord and supctl: newline-delimited
 * JSON on a Unix stream socket, one request object a line, one reply a
 * line, in order.  supctl(1) documents it; this header is its contract.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cJSON;

/* Bumped on any incompatible change; "version" reports it. */
#define PROTO_VERSION		1

#define PROTO_LINE_MAX		(64 * 1024)	/* longest request line */
#define PROTO_NAME_MAX		256		/* longest process name */
#define PROTO_NAMES_MAX		1024		/* names in one request */
#define PROTO_SIGNAL_MAX	32		/* longest signal name */
#define PROTO_TAIL_DEFAULT	1600		/* supervisorctl's tail */
#define PROTO_TAIL_MAX		(1024 * 1024)	/* most bytes of one tail */
#define PROTO_LINES_MAX		100000		/* most lines of one tail */
#define PROTO_STDIN_MAX		(48 * 1024)	/* most bytes of a sendstdin */

/* Stable error codes: their names are the protocol, never renumber. */
enum proto_code {
	PROTO_OK = 0,
	PROTO_BAD_REQUEST,		/* not JSON, not an object, bad args */
	PROTO_UNKNOWN_COMMAND,		/* "cmd" names no request */
	PROTO_LINE_TOO_LONG,		/* a line over PROTO_LINE_MAX */
	PROTO_FORBIDDEN,		/* the peer may not use the socket */
	PROTO_NO_SUCH_PROCESS,		/* a name matches nothing */
	PROTO_BAD_SIGNAL,		/* unknown signal name or number */
	PROTO_ALREADY_STARTED,		/* start: STARTING, RUNNING, BACKOFF */
	PROTO_NOT_RUNNING,		/* stop, signal: nothing to act on */
	PROTO_SPAWN_ERROR,		/* start: the process could not run */
	PROTO_ABNORMAL_TERMINATION,	/* start: it exited while starting */
	PROTO_NO_LOG,			/* tail: the stream has no log file */
	PROTO_LOG_ERROR,		/* tail: the log could not be read */
	PROTO_SHUTTING_DOWN,		/* the daemon is stopping everything */
	PROTO_NOT_IMPLEMENTED,		/* known request, not available yet */
	PROTO_FAILED,			/* the engine refused; message says why */
	PROTO_BAD_CONFIG,		/* reload: the file does not load */
	PROTO_NO_FILE,			/* sendstdin: the stdin is closed */
	PROTO_ALREADY_ADDED,		/* add: the group is in use */
	PROTO_STILL_RUNNING,		/* remove: a process is not down */
	PROTO_BAD_NAME,			/* add, remove, update: no such group */
	PROTO_CODE_COUNT
};

const char	*proto_code_name(enum proto_code);
int		 proto_code_parse(const char *, enum proto_code *);

/* The requests. */
enum proto_cmd {
	PROTO_CMD_STATUS = 0,
	PROTO_CMD_START,
	PROTO_CMD_STOP,
	PROTO_CMD_RESTART,
	PROTO_CMD_SIGNAL,
	PROTO_CMD_PID,
	PROTO_CMD_RELOAD,
	PROTO_CMD_SHUTDOWN,
	PROTO_CMD_VERSION,
	PROTO_CMD_TAIL,
	PROTO_CMD_MAINTAIL,
	PROTO_CMD_EVENTS,
	PROTO_CMD_SENDSTDIN,
	PROTO_CMD_CLEAR,
	PROTO_CMD_CLEARLOG,
	PROTO_CMD_REREAD,
	PROTO_CMD_AVAIL,
	PROTO_CMD_UPDATE,
	PROTO_CMD_ADD,
	PROTO_CMD_REMOVE,
	PROTO_CMD_COUNT
};

/* The type of one request argument, checked by proto_decode(). */
enum proto_type {
	PROTO_T_BOOL,
	PROTO_T_INT,		/* an integral number in [min, max] */
	PROTO_T_STRING,		/* 1..max bytes, one of choices if set */
	PROTO_T_NAMES,		/* an array of min..max process names */
	PROTO_T_SIGNAL,		/* a signal name, or a number in 1..64 */
	PROTO_T_DATA,		/* 1..max bytes of anything but NUL: a
				   program's input (sendstdin), where a
				   newline or an escape is what is meant */
};

struct proto_arg {
	const char		 *name;
	enum proto_type		  type;
	bool			  required;
	long			  min;
	long			  max;
	const char *const	 *choices;	/* NULL-terminated, or NULL */
};

struct proto_cmd_spec {
	enum proto_cmd		  cmd;
	const char		 *name;
	const struct proto_arg	 *args;		/* NULL-name terminated */
};

const struct proto_cmd_spec *proto_cmd_find(const char *);
const struct proto_cmd_spec *proto_cmd_spec(enum proto_cmd);

/* One decoded request: the document, its "id" and its checked command. */
struct proto_request {
	struct cJSON			*doc;
	const struct cJSON		*id;	/* in doc; NULL when absent */
	const struct proto_cmd_spec	*spec;	/* NULL when invalid */
};

/*
 * Decode and validate one line (without its '\n').  0 when the request is
 * valid; -1 with the code and a reason in cause otherwise.  Either way
 * req->id is set when the line carried a usable "id", so the error reply
 * can echo it, and proto_request_release() must be called.
 */
int	 proto_decode(struct proto_request *, const char *line, size_t len,
	    enum proto_code *, char *cause, size_t);
void	 proto_request_release(struct proto_request *);

/* Arguments of a valid request; the default when the key is absent. */
const struct cJSON *proto_get(const struct proto_request *, const char *);
bool	 proto_get_bool(const struct proto_request *, const char *, bool);
long	 proto_get_int(const struct proto_request *, const char *, long);
const char *proto_get_string(const struct proto_request *, const char *,
	    const char *);
/* The names of a PROTO_T_NAMES argument: an allocated array of pointers
   into the request (free the array only); the count, 0 when absent. */
size_t	 proto_get_names(const struct proto_request *, const char *,
	    const char ***);

/*
 * Lines, each allocated and ending in '\n', their length in *len.  The
 * cJSON arguments are consumed.  {"id":..,"ok":true,"result":{..}},
 * {"id":..,"ok":false,"error":{"code":..,"message":..},"result":..}
 * (result may be NULL) and {"ok":true,"stream":NAME,..fields}.
 */
char	*proto_reply_ok(const struct cJSON *id, struct cJSON *result,
	    size_t *len);
char	*proto_reply_error(const struct cJSON *id, enum proto_code,
	    const char *message, struct cJSON *result, size_t *len);
char	*proto_stream(const char *stream, struct cJSON *fields, size_t *len);
/*
 * The members of a status entry, in the order they are written.  A status
 * request's "fields" names those it wants (supctl's table needs four of
 * the 21); without it, all.
 */
enum proto_field {
	PROTO_F_NAME = 0,
	PROTO_F_GROUP,
	PROTO_F_FULLNAME,
	PROTO_F_STATE,
	PROTO_F_STATECODE,
	PROTO_F_DESCRIPTION,
	PROTO_F_PID,
	PROTO_F_START,
	PROTO_F_UPTIME,
	PROTO_F_SINCE,
	PROTO_F_NOW,
	PROTO_F_RESTARTS,
	PROTO_F_EXITSTATUS,
	PROTO_F_EXIT,
	PROTO_F_SPAWNERR,
	PROTO_F_LOG_DROPPED_BYTES,
	PROTO_F_STDOUT_LOGFILE,
	PROTO_F_STDERR_LOGFILE,
	PROTO_F_READY,
	PROTO_F_STATUS_TEXT,
	PROTO_F_WAITING_FOR,
	PROTO_F_STOP_REASON,
	PROTO_FIELD_COUNT
};

#define PROTO_FIELDS_ALL	((1U << PROTO_FIELD_COUNT) - 1)
#define PROTO_FIELD(set, f)	(((set) & (1U << (f))) != 0)

const char	*proto_field_name(enum proto_field);
/* The fields a valid status request asks for, as a bit set. */
unsigned	 proto_get_fields(const struct proto_request *);

/* A request line for the client: the object is consumed. */
char	*proto_encode(struct cJSON *, size_t *len);

/* A reply as the client sees it. */
struct proto_reply {
	struct cJSON		*doc;
	bool			 ok;
	const char		*stream;	/* NULL: a reply, not a stream */
	struct cJSON		*result;	/* NULL when absent */
	struct cJSON		*error;		/* the error object, or NULL */
	const char		*code;		/* error code name, or NULL */
	const char		*message;	/* error message, or NULL */
};

int	 proto_reply_decode(struct proto_reply *, const char *line,
	    size_t len, char *cause, size_t);
void	 proto_reply_release(struct proto_reply *);

/*
 * Text: a JSON string literal (with its quotes) for arbitrary bytes, where
 * every byte sequence that is not valid UTF-8 becomes U+FFFD and NUL is
 * escaped; allocated, length in *len.
 */
char	*proto_json_string(const void *, size_t, size_t *len);
/*
 * The same written at out, which has room for 6 * len + 2 bytes, each
 * invalid UTF-8 sequence as bad (badlen bytes, at most 6); the length.
 * Escapes are those of cJSON's printer.
 */
size_t	 proto_json_escape(char *out, const void *, size_t len,
	    const char *bad, size_t badlen);
/* How many leading bytes hold only whole characters: an incomplete but
   so far valid sequence at the end is left for the next chunk. */
size_t	 proto_utf8_whole(const void *, size_t);
/* The text with invalid UTF-8 replaced by U+FFFD, allocated with extra
   spare bytes; NULL when it is valid (every reply goes through it). */
char	*proto_utf8_repair(const void *, size_t, size_t extra, size_t *len);
/* How many leading continuation bytes a chunk cut mid-character has. */
size_t	 proto_utf8_partial_head(const void *, size_t);
/* The UTF-8 sequence at the start: its length when valid, -n when its
   first n bytes are invalid (one U+FFFD), 0 when cut short by the end. */
int	 proto_utf8_seq(const void *, size_t);

/*
 * A byte buffer with a consumed head: the framing of both ends.  Data is
 * data[off..len); size is the allocation.
 */
struct proto_buf {
	char	*data;
	size_t	 off;
	size_t	 len;
	size_t	 size;
};

void	 proto_buf_add(struct proto_buf *, const void *, size_t);
/* Room for n more bytes at data + len: write there, then add to len. */
char	*proto_buf_reserve(struct proto_buf *, size_t n);
/* The same, its pages made present at once (a large response). */
char	*proto_buf_reserve_present(struct proto_buf *, size_t n);
size_t	 proto_buf_used(const struct proto_buf *);
void	 proto_buf_consume(struct proto_buf *, size_t);
void	 proto_buf_release(struct proto_buf *);
/* read(2) until the buffer holds max bytes: like read(2), -1 with errno
   (ENOBUFS when already full). */
ssize_t	 proto_buf_read(struct proto_buf *, int fd, size_t max);
/* send(2) with MSG_NOSIGNAL as much as the socket takes; bytes sent, or
   -1 with errno (EAGAIN when nothing went). */
ssize_t	 proto_buf_send(struct proto_buf *, int fd);
/* The next whole line, '\n' (and a '\r' before it) replaced by NUL, or
   NULL; the line stays valid until the next call on the buffer. */
char	*proto_buf_line(struct proto_buf *, size_t *len);

#endif
