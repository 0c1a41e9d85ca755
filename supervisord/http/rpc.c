/*
 * One XML-RPC request, from its decoded call to its response body:
 * method lookup and argument checks as Supervisor makes them, faults
 * with its codes and texts, system.multicall, and the calls that run a
 * request of the daemon's command table (cmd.c), the one implementation
 * behind both protocols, whose reply may come later from an observer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"
#include "rpc.h"
#include "xmalloc.h"

static const struct {
	int		 code;
	const char	*name;
} fault_names[] = {
	{ RPC_UNKNOWN_METHOD, "UNKNOWN_METHOD" },
	{ RPC_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS" },
	{ RPC_BAD_ARGUMENTS, "BAD_ARGUMENTS" },
	{ RPC_SIGNATURE_UNSUPPORTED, "SIGNATURE_UNSUPPORTED" },
	{ RPC_SHUTDOWN_STATE, "SHUTDOWN_STATE" },
	{ RPC_BAD_NAME, "BAD_NAME" },
	{ RPC_BAD_SIGNAL, "BAD_SIGNAL" },
	{ RPC_NO_FILE, "NO_FILE" },
	{ RPC_NOT_EXECUTABLE, "NOT_EXECUTABLE" },
	{ RPC_FAILED, "FAILED" },
	{ RPC_ABNORMAL_TERMINATION, "ABNORMAL_TERMINATION" },
	{ RPC_SPAWN_ERROR, "SPAWN_ERROR" },
	{ RPC_ALREADY_STARTED, "ALREADY_STARTED" },
	{ RPC_NOT_RUNNING, "NOT_RUNNING" },
	{ RPC_SUCCESS, "SUCCESS" },
	{ RPC_ALREADY_ADDED, "ALREADY_ADDED" },
	{ RPC_STILL_RUNNING, "STILL_RUNNING" },
	{ RPC_CANT_REREAD, "CANT_REREAD" },
};

static enum rpc_status	rpc_call(struct rpc_req *, const char *,
			    struct xr_value **, size_t);
static void		rpc_call_done(struct rpc_req *);
static int		rpc_step(struct rpc_req *);

const char *
rpc_fault_name(int code)
{
	size_t	i;

	for (i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++)
		if (fault_names[i].code == code)
			return fault_names[i].name;
	return "UNKNOWN";
}

/* Supervisor's RPCError text: "NAME", or "NAME: extra". */
void
rpc_fault(struct rpc_req *r, int code, const char *extra, ...)
{
	char	buf[384];
	va_list	ap;

	r->fault = code;
	if (extra == NULL) {
		snprintf(r->fault_text, sizeof(r->fault_text), "%s",
		    rpc_fault_name(code));
		return;
	}
	va_start(ap, extra);
	vsnprintf(buf, sizeof(buf), extra, ap);
	va_end(ap);
	snprintf(r->fault_text, sizeof(r->fault_text), "%s: %s",
	    rpc_fault_name(code), buf);
}

/* Room for n more bytes of the value; a large one's pages made present
   at once. */
void
rpc_value_reserve(struct rpc_req *r, size_t n)
{
	if (n < RPC_POPULATE_MIN)
		proto_buf_reserve(&r->value, n);
	else
		proto_buf_reserve_present(&r->value, n);
}

/* A command's reply line: handled at once, or from the loop when it
   comes from an observer (the engine must not be re-entered). */
static void
client_sink(struct ctl_client *c, const char *line, size_t len, void *arg)
{
	struct rpc_req	*r = arg;

	free(r->pending);
	r->pending = xstrndup(line, len);
	r->pending_len = len;
	if (r->waiting && !ev_is_active(&r->kick)) {
		ev_timer_set(&r->kick, 0., 0.);
		ev_timer_start(r->daemon->loop, &r->kick);
	}
}

static void
rpc_cont_release(struct rpc_req *r)
{
	if (r->cont_arg != NULL)
		(r->cont_free != NULL ? r->cont_free : free)(r->cont_arg);
	r->cont_arg = NULL;
	r->cont_free = NULL;
}

/* Hand a pending reply to the method's continuation. */
static void
rpc_continue(struct rpc_req *r)
{
	struct proto_reply	reply;
	char			cause[256];
	rpc_cont_fn		cont = r->cont;
	size_t			len = r->pending_len;

	while (len > 0 && (r->pending[len - 1] == '\n' ||
	    r->pending[len - 1] == '\r'))
		len--;
	r->cont = NULL;
	if (proto_reply_decode(&reply, r->pending, len, cause,
	    sizeof(cause)) == -1)
		rpc_fault(r, RPC_FAILED, "%s", cause);
	else {
		cont(r, &reply);
		proto_reply_release(&reply);
	}
	free(r->pending);
	r->pending = NULL;
	rpc_cont_release(r);
}

static void
kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rpc_req	*r = container_of(w, struct rpc_req, kick);

	if (!r->waiting || r->pending == NULL)
		return;
	r->waiting = false;
	rpc_continue(r);
	rpc_call_done(r);
	if (rpc_step(r) == 1)
		r->done(r, r->done_arg);
}

enum rpc_status
rpc_command(struct rpc_req *r, cJSON *request, rpc_cont_fn cont)
{
	struct proto_request	 req;
	enum proto_code		 code;
	char			 cause[256], *line;
	size_t			 len;

	if (r->client == NULL)
		r->client = client_new_sink(r->daemon, r->peer.uid,
		    r->peer.pid, client_sink, r);
	line = proto_encode(request, &len);
	while (len > 0 && line[len - 1] == '\n')
		len--;
	if (proto_decode(&req, line, len, &code, cause, sizeof(cause)) == -1) {
		proto_request_release(&req);
		free(line);
		rpc_fault(r, RPC_FAILED, "%s", cause);
		return RPC_DONE;
	}
	free(line);
	r->cont = cont;
	cmd_dispatch(r->client, &req);
	proto_request_release(&req);
	if (r->pending != NULL) {
		rpc_continue(r);
		return RPC_DONE;
	}
	r->waiting = true;
	return RPC_WAIT;
}

/* The value or fault of the call that ended, into the response. */
static void
rpc_call_done(struct rpc_req *r)
{
	struct proto_buf	*out = r->multi ? &r->results : NULL;

	if (out == NULL) {
		/* The value follows the response's head: close it, keep it. */
		if (r->fault != 0) {
			proto_buf_release(&r->value);
			xw_fault(&r->value, r->fault, r->fault_text);
		} else
			xw_response_tail(&r->value);
		proto_buf_add(&r->value, "", 1);
		r->body = r->value.data;	/* never consumed: off is 0 */
		r->body_len = r->value.len - 1;
		memset(&r->value, 0, sizeof(r->value));
	} else if (r->fault != 0) {
		xw_struct_open(out);
		xw_member_int(out, "faultCode", r->fault);
		xw_member_string(out, "faultString", r->fault_text);
		xw_struct_close(out);
	} else {
		xw_array_open(out);
		proto_buf_add(out, r->value.data + r->value.off,
		    proto_buf_used(&r->value));
		xw_array_close(out);
	}
	proto_buf_release(&r->value);
	r->fault = 0;
	rpc_cont_release(r);
}

/* One call of a multicall: {"methodName": s, "params": [...]}. */
static enum rpc_status
multicall_one(struct rpc_req *r, const struct xr_value *call)
{
	const struct xr_value	*name, *params;

	name = xr_member(call, "methodName");
	params = xr_member(call, "params");
	if (name == NULL || name->type != XR_STRING) {
		rpc_fault(r, RPC_INCORRECT_PARAMETERS, "No methodName");
		return RPC_DONE;
	}
	if (strcmp(name->s, "system.multicall") == 0) {
		rpc_fault(r, RPC_INCORRECT_PARAMETERS,
		    "Recursive system.multicall forbidden");
		return RPC_DONE;
	}
	if (params != NULL && params->type != XR_ARRAY) {
		rpc_fault(r, RPC_INCORRECT_PARAMETERS, "params is no array");
		return RPC_DONE;
	}
	return rpc_call(r, name->s, params ? params->items : NULL,
	    params ? params->n : 0);
}

/* Run calls until one waits: 1 when the response is complete. */
static int
rpc_step(struct rpc_req *r)
{
	const struct xr_value	*calls;

	if (!r->multi)
		return r->body != NULL;
	calls = r->call.params[0];
	while (r->next < calls->n) {
		if (multicall_one(r, calls->items[r->next++]) == RPC_WAIT)
			return 0;
		rpc_call_done(r);
	}
	/* The results follow the response's head: they become the value. */
	r->multi = false;
	xw_array_close(&r->results);
	proto_buf_release(&r->value);
	r->value = r->results;
	memset(&r->results, 0, sizeof(r->results));
	rpc_call_done(r);
	return 1;
}

static enum rpc_status
rpc_call(struct rpc_req *r, const char *name, struct xr_value **argv,
    size_t argc)
{
	const struct rpc_method	*m = rpc_method_find(name);

	if (m == NULL) {
		rpc_fault(r, RPC_UNKNOWN_METHOD, NULL);
		return RPC_DONE;
	}
	if (m->update && r->daemon->shutting_down) {
		rpc_fault(r, RPC_SHUTDOWN_STATE, NULL);
		return RPC_DONE;
	}
	if (rpc_check_args(r, m, argv, argc) == -1)
		return RPC_DONE;
	return m->fn(r, argv, argc);
}

struct rpc_req *
rpc_new(struct daemon *d, const struct http_peer *peer, rpc_done_fn done,
    void *arg)
{
	struct rpc_req	*r = xcalloc(1, sizeof(*r));

	r->daemon = d;
	r->peer = *peer;
	r->done = done;
	r->done_arg = arg;
	ev_init(&r->kick, kick_cb);
	return r;
}

int
rpc_run(struct rpc_req *r, const char *body, size_t len, char *cause,
    size_t causelen)
{
	if (xr_decode(&r->call, body, len, cause, causelen) == -1)
		return -1;
	log_debug("http: uid %ld pid %ld: %s", (long)r->peer.uid,
	    (long)r->peer.pid, r->call.method);
	if (strcmp(r->call.method, "system.multicall") == 0) {
		if (r->call.nparams != 1 ||
		    r->call.params[0]->type != XR_ARRAY) {
			rpc_fault(r, RPC_INCORRECT_PARAMETERS, NULL);
			rpc_call_done(r);
			return 1;
		}
		r->multi = true;
		xw_response_head(&r->results);
		xw_array_open(&r->results);
		return rpc_step(r);
	}
	xw_response_head(&r->value);
	if (rpc_call(r, r->call.method, r->call.params, r->call.nparams) ==
	    RPC_WAIT)
		return 0;
	rpc_call_done(r);
	return 1;
}

char *
rpc_take_body(struct rpc_req *r, size_t *len)
{
	char	*body = r->body;

	*len = r->body_len;
	r->body = NULL;
	return body;
}

void
rpc_free(struct rpc_req *r)
{
	ev_timer_stop(r->daemon->loop, &r->kick);
	if (r->client != NULL)
		client_drop(r->client, NULL);
	xr_call_release(&r->call);
	proto_buf_release(&r->results);
	proto_buf_release(&r->value);
	free(r->pending);
	rpc_cont_release(r);
	free(r->body);
	free(r);
}
