/*
 * supctl's private header, sectioned by file: the client of the control
 * socket (see supctl(1) and lib/proto.h for the protocol).
 */
#ifndef SUPCTL_H
#define SUPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "proto.h"

struct cJSON;

#define SUPCTL_VERSION	"0.1.0"

/* Exit codes, documented in supctl(1). */
#define EXIT_OK		0
#define EXIT_FAILED	1	/* an action failed */
#define EXIT_USAGE	2
#define EXIT_NOT_RUNNING 3	/* status/pid: a named program not RUNNING */
#define EXIT_NO_SUCH	4	/* no such program */
#define EXIT_UNREACHABLE 5	/* the daemon cannot be reached */

/* conn.c: one connection to the daemon, with a deadline for everything. */
struct conn {
	int			 fd;
	const char		*path;
	double			 deadline;	/* monotonic; 0: none */
	struct proto_buf	 in;
	bool			 sent;		/* a request went out */
	bool			 answered;	/* a JSON line came back */
};

double	 now_mono(void);
/* -1 with a message on stderr when the socket cannot be reached. */
int	 conn_open(struct conn *, const char *path, double deadline);
int	 conn_send(struct conn *, struct cJSON *req);
/* The next line from the daemon: 0, or -1 on EOF (errno 0), error or
   timeout (ETIMEDOUT); the reply is decoded into r. */
int	 conn_recv(struct conn *, struct proto_reply *r);
/* One request (consumed), its one reply: 0, or an exit code when it
   cannot be had (said on stderr). */
int	 conn_call(struct conn *, struct cJSON *req, struct proto_reply *);
/* After conn_recv() failed: say why on stderr, return the exit code. */
int	 conn_failed(struct conn *);
void	 conn_close(struct conn *);
/* The daemon's pid as this process's PID namespace sees it (SO_PEERCRED,
   translated by the kernel): 0 when it is not visible from here, -1 when
   it cannot be read. */
pid_t	 conn_peer_pid(const struct conn *);
/* After a shutdown: wait until the daemon closes the connection, which it
   holds open until it exits.  0, or -1 with errno (ETIMEDOUT). */
int	 conn_wait_eof(struct conn *);

/* render.c: what the user sees. */
struct ctx {
	const char	*socket;
	bool		 json;
	bool		 color;
	double		 timeout;	/* seconds, 0: none */
	double		 deadline;	/* monotonic, 0: none */
	struct conn	 conn;
};

void	 render_json(const struct cJSON *);
/* One document on one line (the stream commands). */
void	 render_json_line(const struct cJSON *);
void	 render_reply_json(const struct proto_reply *);
void	 render_status(struct ctx *, const struct cJSON *processes);
/* Text from the daemon, its control bytes escaped (see unctrl.h), and
   the columns it takes on a terminal. */
void	 render_text(const char *);
size_t	 render_width(const char *);
const char *render_color(struct ctx *, const char *state);
const char *render_reset(struct ctx *);
int	 render_error(struct ctx *, const struct proto_reply *);
/* Write a JSON string's bytes (decoded) to stdout. */
void	 render_data(const struct cJSON *);
void	 render_event(struct ctx *, const struct cJSON *);

/* cmds.c: the command table and its handlers. */
struct ctl_cmd {
	const char	*name;
	const char	*alias;		/* the name this one stands for */
	const char	*args;		/* usage after the name */
	const char	*help;
	int		 minargs;
	int		 maxargs;	/* -1: any number */
	int		(*run)(struct ctx *, const struct ctl_cmd *, int,
			    char **);
};

const struct ctl_cmd *cmd_find(const char *);
void	 cmd_usage(FILE *);
/* A request object, with "names" from argv when there are any. */
struct cJSON *request_new(const char *cmd, int argc, char **argv);
/* "NAME: ERROR (no such process)" for each unknown name: exit 4. */
int	 render_unknown(struct ctx *, const struct proto_reply *);

/* The handlers: cmds.c, cmds_action.c, cmds_stream.c, cmds_reload.c. */
int	 cmd_help(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_status(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_pid(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_reload(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_shutdown(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_version(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_action(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_signal(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_tail(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_events(struct ctx *, const struct ctl_cmd *, int, char **);
/* cmds_reload.c: a reload's warnings or errors, file:line first. */
void	 render_diags(const struct cJSON *result, const char *list,
	    const char *prefix);
/* cmds_group.c */
int	 cmd_reread(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_update(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_add_remove(struct ctx *, const struct ctl_cmd *, int, char **);
/* cmds_log.c */
int	 cmd_clear(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_clearlog(struct ctx *, const struct ctl_cmd *, int, char **);
/* cmds_stdin.c */
int	 cmd_sendstdin(struct ctx *, const struct ctl_cmd *, int, char **);
int	 cmd_fg(struct ctx *, const struct ctl_cmd *, int, char **);

/* main.c */
int	 usage_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
