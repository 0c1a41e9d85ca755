/*
 * [eventlistener:x] pools: Supervisor 4.2's event listener protocol.
 *
 * A pool (pool.c) is the group of an [eventlistener:x] section: it
 * subscribes to the engine's events (engine/event.h, END_OF_TURN), turns
 * those its events= names into Supervisor's payloads (payload.c), keeps
 * them in a queue of at most buffer_size (the oldest dropped, logged with
 * its serial; but a program's output that comes while the oldest is
 * output of the same stream is dropped itself, its bytes not even read)
 * and gives the oldest to the first of its listeners that is READY and
 * RUNNING.
 *
 * A listener (lsnproc.c) is one process of a pool.  Its stdout is the
 * protocol channel, a pipe of ours read without blocking: ACKNOWLEDGED
 * until it writes READY\n, then READY; an event sent makes it BUSY until
 * it answers RESULT <len>\n<result>: OK frees the event, anything else
 * puts it back at the head of the queue.  Bytes that are not the
 * protocol are logged escaped and make it UNKNOWN (as Supervisor: it gets
 * no more events until it is restarted).  Its stdin is its procin pipe
 * (bounded, never blocking).
 */
#ifndef LISTENER_H
#define LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evtype.h"
#include "lsnparse.h"
#include "supervisord.h"

struct event;

/* An event as a pool holds it: its header's numbers and its payload. */
struct pevent {
	enum evtype	 type;
	uint64_t	 serial;	/* Supervisor's: counts accepted events */
	uint64_t	 poolserial;
	char		*payload;
	size_t		 len;
	size_t		 chars;		/* its characters: the header's len */
	pid_t		 pid;		/* a program's output: whose, else 0 */
};

/* payload.c: an engine event as Supervisor's; -1 for none. */
int	 payload_make(const struct event *, struct pevent *);
void	 pevent_free(struct pevent *);
/* A program's output (PROCESS_LOG_*, PROCESS_COMMUNICATION_*), and
   sendRemoteCommEvent's REMOTE_COMMUNICATION. */
void	 payload_output(const struct proc *, enum evtype, pid_t,
	    const char *data, size_t len, struct pevent *);
void	 payload_remote(const char *type, const char *data, size_t len,
	    struct pevent *);
/* Bytes as Python shows undecodable bytes: b'...' with \xNN escapes;
   returns the length written into out (4 * len + 4 bytes). */
size_t	 payload_pyrepr(const char *in, size_t len, char *out);
/* Whether bytes are valid UTF-8, as Python's strict decoder says, and
   then how many characters they make. */
bool	 payload_utf8(const char *, size_t, size_t *chars);
/* The characters of UTF-8 bytes: Python's len() of the str. */
size_t	 payload_chars(const char *, size_t);

/* pool.c */
void	 pools_init(struct daemon *);
/* The configuration changed (a reload): pools made and dropped. */
void	 pools_reconfigure(struct daemon *);
void	 pools_free(struct daemon *);
/* A listener of the pool may take an event now. */
void	 pool_dispatch(struct daemon *, const char *group);
/* A listener gives back its event (FAIL, death): at the head. */
void	 pool_requeue(struct daemon *, const char *group, struct pevent *);
/* "ver:3.0 server:... len:N\n" for an event of the pool. */
int	 pool_header(struct daemon *, const char *group,
	    const struct pevent *, char *buf, size_t len);

/* lsnproc.c: one listener process.  Its stdout pipe across spawns: the
   hooks pools_init gives the engine (engine.h, struct proc_stdout_hooks). */
extern const struct proc_stdout_hooks listener_stdout;
enum lsn_state lsn_state(const struct proc *);
/* Send an event to a READY listener: 0 (it is BUSY), or -1. */
int	 lsn_send(struct proc *, struct pevent *);
/* The process went down: its event goes back to the pool. */
void	 lsn_down(struct proc *);
const char *lsn_state_name(enum lsn_state);

#endif
