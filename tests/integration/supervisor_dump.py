#!/usr/bin/python3
"""Python Supervisor's own parse of a supervisord.conf, as our JSON.

Run with the copy of Supervisor that `make pysupervisor` unpacks (see
pysupervisor.py), or with a Python that has the `supervisor` package:

    /usr/bin/python3 -S supervisor_dump.py --python-path DIR FILE
    /usr/bin/python3 supervisor_dump.py FILE

It loads FILE with supervisor.options.ServerOptions (realize(), which
reads the file, its includes and every section, and starts nothing) and
prints the document `supervisord --print-config` prints, so that the
differential test can compare the two.  Like --print-config it only
parses: users, groups and folders named in the file are not looked up, so
a file written for another machine loads here too.  On a parse error it
prints {"error": MESSAGE} and exits 1.
"""
import json
import os
import platform
import shlex
import signal
import sys

# Where supervisor is, before it is imported.
if len(sys.argv) > 2 and sys.argv[1] == "--python-path":
    sys.path.insert(0, sys.argv[2])
    del sys.argv[1:3]

from supervisor import datatypes, options  # noqa: E402
from supervisor.datatypes import Automatic, RestartUnconditionally  # noqa
from supervisor.datatypes import RestartWhenExitUnexpected  # noqa: E402


class ParseError(Exception):
    pass


def _usage(self, msg):
    raise ParseError(str(msg))


def _patch():
    """Parse only, as --print-config does: no lookups on this machine."""
    options.ServerOptions.usage = _usage
    options.ClientOptions.usage = _usage
    # A user name stays a name (the dump shows it as written).
    options.name_to_uid = lambda name: name
    options.gid_for_uid = lambda uid: None
    options.colon_separated_user_group = lambda arg: arg
    options.existing_directory = os.path.expanduser
    options.existing_dirpath = os.path.expanduser
    datatypes.existing_dirpath = os.path.expanduser
    # Event listeners are skipped by us; their handlers need not import.
    real_import = options.ServerOptions.import_spec

    def import_spec(self, spec):
        try:
            return real_import(self, spec)
        except ImportError:
            return None
    options.ServerOptions.import_spec = import_spec

    # Remember, for each process, its section and process number, which
    # ProcessConfig does not keep.
    real_pfs = options.ServerOptions.processes_from_section

    def processes_from_section(self, parser, section, group_name,
                               klass=None):
        base = klass or options.ProcessConfig
        made = []

        class Recorded(base):
            def __init__(s, opts, **params):
                base.__init__(s, opts, **params)
                made.append(s)
        procs = real_pfs(self, parser, section, group_name, Recorded)
        program = section.split(':', 1)[1].strip()
        exp = {'here': self.here, 'program_name': program,
               'host_node_name': platform.node(), 'group_name': group_name}
        start = datatypes.integer(parser.saneget(section, 'numprocs_start',
                                                 0, expansions=exp))
        for k, p in enumerate(made):
            p.x_section = section
            p.x_program = program
            p.x_process_num = start + k
            p.x_numprocs = len(made)
            p.x_numprocs_start = start
            p.x_explicit = sorted(parser.options(section))
        return procs
    options.ServerOptions.processes_from_section = processes_from_section


def _octal(mode, fmt):
    return None if mode is None else fmt % mode


def _logfile(value):
    if value is Automatic:
        return "AUTO"
    if value is None or value == "":
        return None
    return value


def _autorestart(value):
    if value is RestartUnconditionally:
        return "true"
    if value is RestartWhenExitUnexpected:
        return "unexpected"
    return "false"


def _signame(num):
    try:
        return signal.Signals(num).name[3:]
    except ValueError:
        return str(num)     # 0: Supervisor takes it, and sends nothing


def _argv(command):
    try:
        return shlex.split(command)
    except ValueError:
        return None         # Supervisor fails only when it spawns it


def _process(group, p):
    out = {
        "name": p.name,
        "group": group.name,
        "program": p.x_program,
        "process_num": p.x_process_num,
        "process_name": p.name,
        "command": p.command,
        "argv": _argv(p.command),
        "numprocs": p.x_numprocs,
        "numprocs_start": p.x_numprocs_start,
        "priority": p.priority,
        "autostart": p.autostart,
        "startsecs": p.startsecs,
        "startretries": p.startretries,
        "autorestart": _autorestart(p.autorestart),
        "exitcodes": list(p.exitcodes),
        "stopsignal": _signame(p.stopsignal),
        "stopwaitsecs": p.stopwaitsecs,
        "stopasgroup": p.stopasgroup,
        "killasgroup": p.killasgroup,
        "user": p.uid,
        "redirect_stderr": p.redirect_stderr,
        "environment": dict(p.environment or {}),
        "directory": p.directory,
        "umask": _octal(p.umask, "%03o"),
        "serverurl": p.serverurl,
        # Not in our document: the keys the section sets, for the test to
        # tell a default from a value.
        "_explicit": p.x_explicit,
    }
    for chan in ("stdout", "stderr"):
        out[chan + "_logfile"] = _logfile(getattr(p, chan + "_logfile"))
        for key in ("logfile_maxbytes", "logfile_backups",
                    "capture_maxbytes", "events_enabled", "syslog"):
            out[chan + "_" + key] = getattr(p, chan + "_" + key)
    return out


def dump(path):
    _patch()
    opts = options.ServerOptions()
    opts.realize(args=["-c", path])
    sd = opts.configroot.supervisord
    level_names = {v: k for k, v in
                   vars(options.loggers.LevelsByDescription).items()
                   if not k.startswith("_")}
    doc = {
        "supervisord": {
            "logfile": opts.logfile,
            "logfile_maxbytes": sd.logfile_maxbytes,
            "logfile_backups": sd.logfile_backups,
            "loglevel": level_names[sd.loglevel],
            "pidfile": opts.pidfile,
            "nodaemon": sd.nodaemon,
            "silent": sd.silent,
            "minfds": sd.minfds,
            "minprocs": sd.minprocs,
            "umask": _octal(sd.umask, "%03o"),
            "user": sd.user,
            "directory": sd.directory,
            "childlogdir": sd.childlogdir,
            "identifier": sd.identifier,
            "environment": dict(sd.environment),
            "nocleanup": sd.nocleanup,
            "strip_ansi": sd.strip_ansi,
        },
        "unix_http_server": {},
        "inet_http_server": {},
        "supervisorctl": {"serverurl": None},
        "groups": [],
    }
    for conf in opts.server_configs:
        if conf["section"] == "unix_http_server":
            chown = conf["chown"]
            doc["unix_http_server"] = {
                "file": conf["file"],
                "chmod": _octal(conf["chmod"], "%04o"),
                "chown": None if chown == (-1, -1) else chown,
                "username": conf["username"],
                "password": conf["password"],
            }
        elif conf["section"] == "inet_http_server":
            doc["inet_http_server"] = {
                "host": conf["host"] or None,
                "port": conf["port"],
                "username": conf["username"],
                "password": conf["password"],
            }
    try:
        ctl = options.ClientOptions()
        ctl.realize(args=["-c", path])
        doc["supervisorctl"]["serverurl"] = ctl.serverurl
    except ParseError:
        pass    # no [supervisorctl] section
    for group in opts.process_group_configs:
        # Event listener pools and FastCGI programs: not supported by us.
        if not isinstance(group, options.ProcessGroupConfig) or \
                isinstance(group, options.FastCGIGroupConfig):
            continue
        procs = [_process(group, p) for p in group.process_configs
                 if not p.x_section.startswith("fcgi-program:")]
        doc["groups"].append({"name": group.name, "priority": group.priority,
                              "processes": procs})
    return doc


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: supervisor_dump.py FILE\n")
        return 2
    try:
        doc = dump(sys.argv[1])
    except (ParseError, ValueError) as e:
        json.dump({"error": str(e)}, sys.stdout)
        sys.stdout.write("\n")
        return 1
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
