/*
 * The XML-RPC interface's private header: the call in flight (rpc.c),
 * the method table and the methods (rpc_methods.c, rpc_proc.c).
 */
#ifndef RPC_H
#define RPC_H

#include <stdbool.h>

#include "http.h"
#include "xmlrpc.h"

struct cJSON;
struct proto_reply;
struct ctl_client;

/* Supervisor's fault codes (supervisor/xmlrpc.py), names in rpc.c. */
enum rpc_fault {
	RPC_UNKNOWN_METHOD = 1,
	RPC_INCORRECT_PARAMETERS = 2,
	RPC_BAD_ARGUMENTS = 3,
	RPC_SIGNATURE_UNSUPPORTED = 4,
	RPC_SHUTDOWN_STATE = 6,
	RPC_BAD_NAME = 10,
	RPC_BAD_SIGNAL = 11,
	RPC_NO_FILE = 20,
	RPC_NOT_EXECUTABLE = 21,
	RPC_FAILED = 30,
	RPC_ABNORMAL_TERMINATION = 40,
	RPC_SPAWN_ERROR = 50,
	RPC_ALREADY_STARTED = 60,
	RPC_NOT_RUNNING = 70,
	RPC_SUCCESS = 80,
	RPC_ALREADY_ADDED = 90,
	RPC_STILL_RUNNING = 91,
	RPC_CANT_REREAD = 92,
};

enum rpc_status {
	RPC_DONE,	/* the value (or a fault) is written */
	RPC_WAIT,	/* a command runs; its continuation finishes */
};

/* A command's reply, for the method that ran it (rpc_command). */
typedef void (*rpc_cont_fn)(struct rpc_req *, const struct proto_reply *);

struct rpc_req {
	struct daemon		*daemon;
	struct http_peer	 peer;
	rpc_done_fn		 done;
	void			*done_arg;
	struct xr_call		 call;
	bool			 multi;		/* system.multicall */
	size_t			 next;		/* its next call */
	struct proto_buf	 results;	/* its results so far */
	/* The call running: its value, written after the response's head
	   for a lone call (the response is then this buffer, no copy). */
	struct proto_buf	 value;
	int			 fault;		/* 0, or its code */
	char			 fault_text[512];
	struct ctl_client	*client;	/* for the command table */
	rpc_cont_fn		 cont;
	void			*cont_arg;	/* the method's ... */
	void			(*cont_free)(void *);	/* ... freed by this */
	char			*pending;	/* a reply line not handled */
	size_t			 pending_len;
	bool			 waiting;
	ev_timer		 kick;		/* handles pending from the loop */
	char			*body;		/* the response, once ready */
	size_t			 body_len;
};

/* rpc.c */
void	 rpc_fault(struct rpc_req *, int code, const char *extra, ...)
	    __attribute__((format(printf, 3, 4)));
const char *rpc_fault_name(int code);
/* Reserve n bytes of the value, made present when n is this or more. */
#define RPC_POPULATE_MIN	(64 * 1024)
void	 rpc_value_reserve(struct rpc_req *, size_t n);
/* Run a request of the daemon's command table (cmd.c) for this call:
   cont gets its reply, now or later.  The request is consumed. */
enum rpc_status rpc_command(struct rpc_req *, struct cJSON *request,
	    rpc_cont_fn cont);

/* rpc_methods.c: the table. */
struct rpc_method {
	const char	*name;
	const char	*args;		/* s string, b boolean, i int, g signal
					   (string or int), a array, x any;
					   after '|' optional */
	const char	*signature;	/* "boolean string boolean" */
	const char	*help;
	enum rpc_status	(*fn)(struct rpc_req *, struct xr_value **, size_t);
	bool		 update;	/* refused when shutting down */
};

const struct rpc_method *rpc_method_find(const char *);
/* Check argument count and types: 0, or -1 with a fault set. */
int	 rpc_check_args(struct rpc_req *, const struct rpc_method *,
	    struct xr_value **, size_t);
/* An argument as a boolean (a <boolean> or an <int>). */
bool	 rpc_arg_bool(struct xr_value **, size_t, size_t i, bool dflt);

/* rpc_proc.c: processes. */
/* One process by Supervisor's namespec, or NULL with BAD_NAME set. */
struct proc *rpc_find_proc(struct rpc_req *, const char *);
enum rpc_status rpc_get_process_info(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_get_all_process_info(struct rpc_req *,
	    struct xr_value **, size_t);
enum rpc_status rpc_start_process(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_start_process_group(struct rpc_req *,
	    struct xr_value **, size_t);
enum rpc_status rpc_start_all_processes(struct rpc_req *,
	    struct xr_value **, size_t);
enum rpc_status rpc_stop_process(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_stop_process_group(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_stop_all_processes(struct rpc_req *,
	    struct xr_value **, size_t);
enum rpc_status rpc_signal_process(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_signal_process_group(struct rpc_req *,
	    struct xr_value **, size_t);
enum rpc_status rpc_signal_all_processes(struct rpc_req *,
	    struct xr_value **, size_t);

/* rpc_log.c: the log methods. */
enum rpc_status rpc_read_log(struct rpc_req *, struct xr_value **, size_t);
enum rpc_status rpc_read_stdout_log(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_read_stderr_log(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_tail_stdout_log(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_tail_stderr_log(struct rpc_req *, struct xr_value **,
	    size_t);

/* rpc_restart.c: supervisorctl reload. */
enum rpc_status rpc_restart(struct rpc_req *, struct xr_value **, size_t);

/* rpc_group.c: groups, stdin, clearing logs. */
enum rpc_status rpc_reload_config(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_add_process_group(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_remove_process_group(struct rpc_req *,
	    struct xr_value **, size_t);
enum rpc_status rpc_send_process_stdin(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_clear_process_logs(struct rpc_req *, struct xr_value **,
	    size_t);
enum rpc_status rpc_clear_all_process_logs(struct rpc_req *,
	    struct xr_value **, size_t);
enum rpc_status rpc_clear_log(struct rpc_req *, struct xr_value **, size_t);
enum rpc_status rpc_send_remote_comm_event(struct rpc_req *,
	    struct xr_value **, size_t);

/* rpc_config.c */
enum rpc_status rpc_get_all_config_info(struct rpc_req *,
	    struct xr_value **, size_t);
void	 rpc_config_reread(struct daemon *);
void	 rpc_config_free(void);

#endif
