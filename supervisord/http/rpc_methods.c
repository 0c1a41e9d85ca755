/*
 * The XML-RPC method table, in the tmux style: one entry per method with
 * its arguments, signature, help and handler; system.* (introspection)
 * reads it.  Names, argument counts and faults as Supervisor 4.2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "rpc.h"

static enum rpc_status	m_list_methods(struct rpc_req *, struct xr_value **,
			    size_t);
static enum rpc_status	m_method_help(struct rpc_req *, struct xr_value **,
			    size_t);
static enum rpc_status	m_method_signature(struct rpc_req *,
			    struct xr_value **, size_t);
static enum rpc_status	m_multicall(struct rpc_req *, struct xr_value **,
			    size_t);
static enum rpc_status	m_api_version(struct rpc_req *, struct xr_value **,
			    size_t);
static enum rpc_status	m_supervisor_version(struct rpc_req *,
			    struct xr_value **, size_t);
static enum rpc_status	m_identification(struct rpc_req *,
			    struct xr_value **, size_t);
static enum rpc_status	m_get_state(struct rpc_req *, struct xr_value **,
			    size_t);
static enum rpc_status	m_get_pid(struct rpc_req *, struct xr_value **,
			    size_t);
static enum rpc_status	m_shutdown(struct rpc_req *, struct xr_value **,
			    size_t);

#define PINFO	"struct string"
#define PARRAY	"array"

/* Sorted by name: system.listMethods returns them in this order. */
static const struct rpc_method methods[] = {
	{ "supervisor.addProcessGroup", "s", "boolean string",
	    "Update the config for a running process from config file",
	    rpc_add_process_group, true },
	{ "supervisor.clearAllProcessLogs", "", "array",
	    "Clear all process log files", rpc_clear_all_process_logs, true },
	{ "supervisor.clearLog", "", "boolean", "Clear the main log",
	    rpc_clear_log, true },
	{ "supervisor.clearProcessLog", "s", "boolean string",
	    "Clear the stdout and stderr logs for the named process and "
	    "reopen them", rpc_clear_process_logs, true },
	{ "supervisor.clearProcessLogs", "s", "boolean string",
	    "Clear the stdout and stderr logs for the named process and "
	    "reopen them", rpc_clear_process_logs, true },
	{ "supervisor.getAPIVersion", "", "string",
	    "Return the version of the RPC API used by supervisord",
	    m_api_version, true },
	{ "supervisor.getAllConfigInfo", "", "array",
	    "Get info about all available process configurations",
	    rpc_get_all_config_info, true },
	{ "supervisor.getAllProcessInfo", "", PARRAY,
	    "Get info about all processes", rpc_get_all_process_info, true },
	{ "supervisor.getIdentification", "", "string",
	    "Return identifying string of supervisord", m_identification,
	    true },
	{ "supervisor.getPID", "", "int", "Return the PID of supervisord",
	    m_get_pid, true },
	{ "supervisor.getProcessInfo", "s", PINFO,
	    "Get info about a process named name", rpc_get_process_info,
	    true },
	{ "supervisor.getState", "", "struct",
	    "Return current state of supervisord as a struct", m_get_state,
	    true },
	{ "supervisor.getSupervisorVersion", "", "string",
	    "Return the version of the supervisor package in use by "
	    "supervisord", m_supervisor_version, true },
	{ "supervisor.getVersion", "", "string",
	    "Return the version of the RPC API used by supervisord",
	    m_api_version, true },
	{ "supervisor.readLog", "ii", "string int int",
	    "Read length bytes from the main log starting at offset",
	    rpc_read_log, true },
	{ "supervisor.readMainLog", "ii", "string int int",
	    "Read length bytes from the main log starting at offset",
	    rpc_read_log, true },
	{ "supervisor.readProcessLog", "sii", "string string int int",
	    "Read length bytes from name's stdout log starting at offset",
	    rpc_read_stdout_log, true },
	{ "supervisor.readProcessStderrLog", "sii", "string string int int",
	    "Read length bytes from name's stderr log starting at offset",
	    rpc_read_stderr_log, true },
	{ "supervisor.readProcessStdoutLog", "sii", "string string int int",
	    "Read length bytes from name's stdout log starting at offset",
	    rpc_read_stdout_log, true },
	{ "supervisor.reloadConfig", "", "array",
	    "Reload the configuration: [[added, changed, removed]] groups",
	    rpc_reload_config, true },
	{ "supervisor.removeProcessGroup", "s", "boolean string",
	    "Remove a stopped process from the active configuration",
	    rpc_remove_process_group, true },
	{ "supervisor.restart", "", "boolean",
	    "Restart the supervisor process", rpc_restart, true },
	{ "supervisor.sendProcessStdin", "ss", "boolean string string",
	    "Send a string of chars to the stdin of the process name",
	    rpc_send_process_stdin, true },
	{ "supervisor.sendRemoteCommEvent", "ss", "boolean string string",
	    "Send an event that will be received by event listener "
	    "subprocesses subscribing to the RemoteCommunicationEvent",
	    rpc_send_remote_comm_event, true },
	{ "supervisor.shutdown", "", "boolean",
	    "Shut down the supervisor process", m_shutdown, true },
	{ "supervisor.signalAllProcesses", "g", "array string",
	    "Send a signal to all processes in the process list",
	    rpc_signal_all_processes, true },
	{ "supervisor.signalProcess", "sg", "boolean string string",
	    "Send an arbitrary UNIX signal to the process named by name",
	    rpc_signal_process, true },
	{ "supervisor.signalProcessGroup", "sg", "array string string",
	    "Send a signal to all processes in the group named 'name'",
	    rpc_signal_process_group, true },
	{ "supervisor.startAllProcesses", "|b", "array boolean",
	    "Start all processes listed in the configuration file",
	    rpc_start_all_processes, true },
	{ "supervisor.startProcess", "s|b", "boolean string boolean",
	    "Start a process", rpc_start_process, true },
	{ "supervisor.startProcessGroup", "s|b", "array string boolean",
	    "Start all processes in the group named 'name'",
	    rpc_start_process_group, true },
	{ "supervisor.stopAllProcesses", "|b", "array boolean",
	    "Stop all processes in the process list",
	    rpc_stop_all_processes, true },
	{ "supervisor.stopProcess", "s|b", "boolean string boolean",
	    "Stop a process named by name", rpc_stop_process, true },
	{ "supervisor.stopProcessGroup", "s|b", "array string boolean",
	    "Stop all processes in the process group named 'name'",
	    rpc_stop_process_group, true },
	{ "supervisor.tailProcessLog", "sii", "array string int int",
	    "Provides a more efficient way to tail the (stdout) log than "
	    "readProcessStdoutLog()", rpc_tail_stdout_log, true },
	{ "supervisor.tailProcessStderrLog", "sii", "array string int int",
	    "Provides a more efficient way to tail the (stderr) log than "
	    "readProcessStderrLog()", rpc_tail_stderr_log, true },
	{ "supervisor.tailProcessStdoutLog", "sii", "array string int int",
	    "Provides a more efficient way to tail the (stdout) log than "
	    "readProcessStdoutLog()", rpc_tail_stdout_log, true },
	{ "system.listMethods", "", "array",
	    "Return an array listing the available method names",
	    m_list_methods, false },
	{ "system.methodHelp", "s", "string string",
	    "Return a string showing the method's documentation",
	    m_method_help, false },
	{ "system.methodSignature", "s", "array string",
	    "Return an array describing the method signature in the form "
	    "[rtype, ptype, ptype...]", m_method_signature, false },
	{ "system.multicall", "a", "array array",
	    "Process an array of calls, and return an array of results",
	    m_multicall, false },
};

#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

const struct rpc_method *
rpc_method_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NMETHODS; i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

static bool
arg_type_ok(char spec, const struct xr_value *v)
{
	switch (spec) {
	case 's':
		return v->type == XR_STRING;
	case 'b':
		return v->type == XR_BOOL || v->type == XR_INT;
	case 'i':
		return v->type == XR_INT;
	case 'g':
		return v->type == XR_STRING || v->type == XR_INT;
	case 'a':
		return v->type == XR_ARRAY;
	default:
		return true;
	}
}

/* Python's TypeError for a wrong count: INCORRECT_PARAMETERS. */
int
rpc_check_args(struct rpc_req *r, const struct rpc_method *m,
    struct xr_value **argv, size_t argc)
{
	const char	*p;
	size_t		 i = 0, required = 0, max = 0;
	bool		 optional = false;

	for (p = m->args; *p != '\0'; p++) {
		if (*p == '|') {
			optional = true;
			continue;
		}
		max++;
		if (!optional)
			required++;
	}
	if (argc < required || argc > max) {
		rpc_fault(r, RPC_INCORRECT_PARAMETERS, NULL);
		return -1;
	}
	for (p = m->args; *p != '\0' && i < argc; p++) {
		if (*p == '|')
			continue;
		if (!arg_type_ok(*p, argv[i])) {
			rpc_fault(r, RPC_INCORRECT_PARAMETERS, "argument %zu "
			    "is a%s %s", i + 1, argv[i]->type == XR_INT ||
			    argv[i]->type == XR_ARRAY ? "n" : "",
			    xr_type_name(argv[i]->type));
			return -1;
		}
		i++;
	}
	return 0;
}

bool
rpc_arg_bool(struct xr_value **argv, size_t argc, size_t i, bool dflt)
{
	if (i >= argc)
		return dflt;
	return argv[i]->i != 0;
}

static enum rpc_status
m_list_methods(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	size_t	i;

	xw_array_open(&r->value);
	for (i = 0; i < NMETHODS; i++)
		xw_string(&r->value, methods[i].name);
	xw_array_close(&r->value);
	return RPC_DONE;
}

static enum rpc_status
m_method_help(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	const struct rpc_method	*m = rpc_method_find(argv[0]->s);

	if (m == NULL) {
		rpc_fault(r, RPC_SIGNATURE_UNSUPPORTED, NULL);
		return RPC_DONE;
	}
	xw_string(&r->value, m->help);
	return RPC_DONE;
}

static enum rpc_status
m_method_signature(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	const struct rpc_method	*m = rpc_method_find(argv[0]->s);
	const char		*p, *end;

	if (m == NULL) {
		rpc_fault(r, RPC_SIGNATURE_UNSUPPORTED, NULL);
		return RPC_DONE;
	}
	xw_array_open(&r->value);
	for (p = m->signature; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		xw_stringn(&r->value, p, (size_t)(end - p));
	}
	xw_array_close(&r->value);
	return RPC_DONE;
}

/* Only reached from inside a multicall (rpc_run handles the outer one). */
static enum rpc_status
m_multicall(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	rpc_fault(r, RPC_INCORRECT_PARAMETERS,
	    "Recursive system.multicall forbidden");
	return RPC_DONE;
}

static enum rpc_status
m_api_version(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	xw_string(&r->value, "3.0");
	return RPC_DONE;
}

static enum rpc_status
m_supervisor_version(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	xw_string(&r->value, SUPERVISORD_VERSION);
	return RPC_DONE;
}

static enum rpc_status
m_identification(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	const char	*id = r->daemon->config->sd.identifier;

	xw_string(&r->value, id != NULL ? id : "supervisor");
	return RPC_DONE;
}

/* RUNNING (1); while shutting down every supervisor.* call faults. */
static enum rpc_status
m_get_state(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	xw_struct_open(&r->value);
	xw_member_int(&r->value, "statecode", 1);
	xw_member_string(&r->value, "statename", "RUNNING");
	xw_struct_close(&r->value);
	return RPC_DONE;
}

static enum rpc_status
m_get_pid(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	xw_int(&r->value, getpid());
	return RPC_DONE;
}

static void
shutdown_done(struct rpc_req *r, const struct proto_reply *reply)
{
	if (!reply->ok)
		rpc_fault(r, RPC_FAILED, "%s", reply->message);
	else
		xw_bool(&r->value, true);
}

static enum rpc_status
m_shutdown(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	cJSON	*req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "cmd", "shutdown");
	return rpc_command(r, req, shutdown_done);
}
