/*
 * The control socket's private interface, shared by control.c (the
 * socket), client.c (its clients), cmd.c (the request table),
 * cmd_status.c (status, pid), cmd_action.c (start, stop...) and tail.c
 * (log tails).  The daemon at large sees only control_init(),
 * control_free() and control_flush() in
 * supervisord.h.  It calls the engine; the engine never calls it (the
 * outcomes of requests arrive as events, engine/event.h).
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <stdbool.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <ev.h>

#include "proto.h"
#include "engine.h"
#include "output.h"
#include "reload.h"

struct cJSON;

/* A connection idle this long (no request, nothing to stream, or output
   not drained) is closed; SUPERVISORD_CTL_TIMEOUT overrides it. */
#define CTL_TIMEOUT		30.0
/* A client whose unread output grows past this is dropped. */
#define CTL_OUT_MAX		(8 * 1024 * 1024)
/* A follow stream reads its log only while output is below this. */
#define CTL_OUT_HIGH		(256 * 1024)
/* Pause before accepting again when out of descriptors. */
#define CTL_ACCEPT_PAUSE	0.1

struct ctl_job;
struct tail;

/*
 * stall.c: a stream whose peer takes no byte of what the kernel holds
 * for it (its socket's send queue) for control_client_timeout() is
 * reported once to stalled(), which ends it.  Embedded in the stream.
 */
struct stall {
	struct ev_loop	*loop;
	int		 fd;		/* the socket, or -1 */
	int		 unread;	/* the queue when last looked at */
	ev_tstamp	 since;		/* last seen taking, or owing none */
	bool		 fired;		/* stalled() was called */
	ev_timer	 tick;		/* looks again while it owes */
	void		(*stalled)(struct stall *);
};

void	 stall_init(struct stall *, struct ev_loop *,
	    void (*stalled)(struct stall *));
/* The daemon has nothing more queued for fd's peer: watch what the
   kernel holds for it (fd may differ from the last call's). */
void	 stall_watch(struct stall *, int fd);
/* The daemon queues bytes again (its own deadline governs), or the
   stream ends. */
void	 stall_stop(struct stall *);


/* One connection.  Freed only after the loop iteration that dropped it. */
struct ctl_client {
	TAILQ_ENTRY(ctl_client)	 entry;
	TAILQ_ENTRY(ctl_client)	 flush_entry;	/* output to write */
	struct daemon		*daemon;
	int			 fd;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	unsigned		 id;		/* for log lines */

	ev_io			 read_w;
	ev_io			 write_w;
	ev_timer		 timer;		/* idle and stalled output */
	struct stall		 stall;		/* a stream's unread bytes */
	ev_tstamp		 activity;	/* last byte in or out */

	struct proto_buf	 in;
	struct proto_buf	 out;

	int			 flags;
#define CLIENT_CLOSING	0x1	/* flush the output, then close */
#define CLIENT_EOF	0x2	/* the peer will send nothing more */
#define CLIENT_DEAD	0x4	/* dropped; waiting to be freed */
#define CLIENT_EVENTS	0x8	/* an events stream */
#define CLIENT_LINGER	0x10	/* all sent; discarding input until EOF */
#define CLIENT_FLUSH	0x20	/* to write at the end of the turn */
#define CLIENT_HOLD	0x40	/* asked for the shutdown: held open, with
				   no idle timeout, until the daemon exits */
	struct ctl_job		*job;		/* a request still running */
	struct tail		*tail;		/* a follow stream */
	/* A client without a socket (fd -1): its replies go to sink. */
	void			(*sink)(struct ctl_client *, const char *,
				    size_t, void *);
	void			*sink_arg;
	/* What the sink still holds unsent, for a follow stream's pace
	   (client_pending); NULL: nothing. */
	size_t			(*sink_pending)(void *);
};

/*
 * accept.c: a listening socket's accept loop, never blocking: a bounded
 * batch a turn, and out of descriptors a pause of CTL_ACCEPT_PAUSE, said
 * once per episode.  The control socket's and [inet_http_server]'s.
 */
struct acceptor {
	const char	*name;		/* its log lines' prefix */
	bool		 with_reserve;	/* keep one descriptor in reserve */
	/* Each connection taken (fd non-blocking, close-on-exec). */
	void		(*accepted)(struct acceptor *, int fd,
			    const struct sockaddr *, socklen_t);
	int		 fd;		/* listening, or -1 */
	int		 reserve;	/* see acceptor_reserve() */
	struct ev_loop	*loop;
	ev_io		 accept_w;
	ev_timer	 pause_w;	/* accept again after EMFILE */
	unsigned	 pauses;	/* in this episode of EMFILE */
	ev_tstamp	 paused_at;	/* its start */
};

/* Watch fd (listening, non-blocking); name, with_reserve and accepted
   set before. */
void	 acceptor_start(struct acceptor *, struct ev_loop *, int fd);
/* The end of a turn: take the reserve again, if it was spent. */
void	 acceptor_reserve(struct acceptor *);
/* Stop watching, close the socket and the reserve. */
void	 acceptor_stop(struct acceptor *);

/*
 * control.c: the control socket.  daemon_main calls control_init once the
 * processes exist (before autostart) and control_free after the loop.
 */
int	 control_init(struct daemon *, char *cause, size_t);
void	 control_free(struct daemon *);
/* The end of the loop's turn: requests' replies, then every client's
   output written; dropped clients freed. */
void	 control_flush(struct daemon *);

/* control.c: the socket's side of each client. */
void	 control_client_add(struct ctl_client *);
void	 control_client_gone(struct ctl_client *);
ev_tstamp control_client_timeout(void);
/* The JSON clients connected now (metrics). */
size_t	 control_client_count(void);

/* sniff.c: JSON or HTTP?  Hands each connection to client.c or http.c. */
void	 sniff_start(struct daemon *, int fd, const struct ucred *, bool);
void	 sniff_free_all(void);

/* client.c: one connection. */
void	 client_new(struct daemon *, int fd, const struct ucred *, bool);
/*
 * A client of the command table without a socket (the XML-RPC methods):
 * each reply line is given to sink, possibly later, from an observer.
 * client_drop() ends it.
 */
struct ctl_client *client_new_sink(struct daemon *, uid_t, pid_t,
	    void (*sink)(struct ctl_client *, const char *, size_t, void *),
	    void *arg);
/* Output is written at the end of the loop's turn (control_flush()),
   after the turn's files: client_flush_all() writes it. */
void	 client_flush_all(void);
/* Queue a line (taken) for the client, within the output bound. */
void	 client_send(struct ctl_client *, char *line, size_t len);
/* Queue the bytes of a buffer (emptied) the same way. */
void	 client_send_buf(struct ctl_client *, struct proto_buf *);
void	 client_reply_ok(struct ctl_client *, const struct cJSON *id,
	    struct cJSON *result);
void	 client_reply_error(struct ctl_client *, const struct cJSON *id,
	    enum proto_code, const char *message, struct cJSON *result);
void	 client_stream(struct ctl_client *, const char *stream,
	    struct cJSON *fields);
/* The running request finished: read the next one. */
void	 client_done(struct ctl_client *);
void	 client_drop(struct ctl_client *, const char *why);
/* Flush what is queued, then close; read no more requests. */
void	 client_close(struct ctl_client *);
bool	 client_alive(const struct ctl_client *);
size_t	 client_pending(const struct ctl_client *);
void	 client_subscribe_events(struct ctl_client *);

/* cmd.c: the daemon's request table. */
enum cmd_retval {
	CMD_DONE,	/* replied; read the next request */
	CMD_WAIT,	/* reply later, then client_done() */
	CMD_STREAM,	/* replied; now a stream until the client leaves */
};

struct cmd_entry {
	enum proto_cmd	  cmd;
	bool		  mutates;	/* logged with who asked */
	enum cmd_retval	(*exec)(struct ctl_client *,
			    const struct proto_request *);
};

enum cmd_retval cmd_dispatch(struct ctl_client *,
	    const struct proto_request *);
int	 cmd_resolve(struct daemon *, const char *const *, size_t,
	    struct proc ***, size_t *, struct cJSON *unknown);
int	 cmd_targets(struct ctl_client *, const struct proto_request *,
	    bool all_by_default, struct proc ***, size_t *);
/* A process's name, group and fullname members in a cJSON reply. */
void	 cmd_fill_names(struct cJSON *, const struct proc *);
bool	 cmd_state_stopped(enum proc_state);
bool	 cmd_state_running(enum proc_state);
enum cmd_retval cmd_events(struct ctl_client *,
	    const struct proto_request *);
/* An events client's subscription (arg: the client): the line. */
struct event;
void	 cmd_event_send(const struct event *, void *client);

/* cmd_status.c: status and pid, what only reads the processes. */
enum cmd_retval cmd_status(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_pid(struct ctl_client *, const struct proto_request *);
struct jsonw;
/* The members of a status entry into an open object: those in fields. */
void	 cmd_proc_write(struct jsonw *, struct proc *, ev_tstamp now,
	    unsigned fields);

/* cmd_action.c: start, stop, restart, signal and their waiting. */
enum cmd_retval cmd_start(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_stop(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_restart(struct ctl_client *,
	    const struct proto_request *);
enum cmd_retval cmd_signal(struct ctl_client *,
	    const struct proto_request *);
/* Jobs follow their processes' events (end of turn). */
void	 job_init(struct daemon *);
void	 job_client_gone(struct ctl_job *);
void	 job_free_all(struct daemon *);

/* cmd_stdin.c: sendstdin. */
enum cmd_retval cmd_sendstdin(struct ctl_client *,
	    const struct proto_request *);
enum proto_code cmd_stdin_code(enum procin_error);

/* cmd_log.c: clear, clearlog. */
enum cmd_retval cmd_clear(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_clearlog(struct ctl_client *,
	    const struct proto_request *);

/* cmd_group.c: reread, avail, update, add, remove. */
enum cmd_retval cmd_reread(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_avail(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_update(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_add(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_remove(struct ctl_client *, const struct proto_request *);

/* tail.c: tail, maintail and their follow streams. */
enum cmd_retval cmd_tail(struct ctl_client *, const struct proto_request *);
enum cmd_retval cmd_maintail(struct ctl_client *,
	    const struct proto_request *);
void	 tail_resume(struct tail *);
void	 tail_free(struct tail *);

#endif
