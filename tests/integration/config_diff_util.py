"""The differential tests of the configuration (test_config_diff*.py)
share this: both parsers run on one file with the same environment and
working directory, the documented differences normalised (each with its
reason), and the two results compared."""
import configparser
import json
import os
import subprocess

import pysupervisor
from conftest import SHARED, SUPERVISORD

HERE = os.path.dirname(os.path.abspath(__file__))
DUMP = os.path.join(HERE, "supervisor_dump.py")
CORPUS = os.environ.get("CORPUS") or os.path.join(SHARED, "corpus")

# Variables the corpus expands (%(ENV_X)s), set for both parsers.
ENV = {
    "FOO": "foo-value",
    "NUM_WORKERS_DEFAULT": "3",
    "NUM_WORKERS_PRIO": "2",
    "NUM_WORKERS_EMAIL": "1",
    "NUM_WORKERS_UPDATE": "1",
    "NUM_WORKERS_CACHE": "1",
    "HOME": "/home/tester",
}


def fragment_main(d, fragment):
    """A main file for a corpus fragment, shaped as Debian's stock one."""
    path = os.path.join(d, "main.conf")
    with open(path, "w") as f:
        f.write("""\
[unix_http_server]
file={d}/supervisor.sock   ; (the path to the socket file)
chmod=0700                       ; sockef file mode (default 0700)

[supervisord]
logfile={d}/supervisord.log ; (main log file;default $CWD/supervisord.log)
pidfile={d}/supervisord.pid ; (supervisord pidfile;default supervisord.pid)
childlogdir={d}            ; ('AUTO' child log dir, default $TEMP)

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{d}/supervisor.sock ; use a unix:// URL  for a unix socket

[include]
files = {fragment}
""".format(d=d, fragment=fragment))
    return path


def is_fragment(path):
    p = configparser.RawConfigParser(strict=False,
                                     inline_comment_prefixes=(";", "#"))
    p.read(path)
    return not p.has_section("supervisord")


def run_both(path, cwd):
    env = dict(os.environ)
    env.update(ENV)
    py = subprocess.run(pysupervisor.script(DUMP, path), capture_output=True,
                        text=True, env=env, cwd=cwd)
    ours = subprocess.run([SUPERVISORD, "-c", path, "--print-config"],
                          capture_output=True, text=True, env=env, cwd=cwd)
    pydoc = json.loads(py.stdout)
    assert "error" not in pydoc, "Python Supervisor refuses %s: %s" % (
        path, pydoc["error"])
    assert ours.returncode == 0, "we refuse %s:\n%s" % (path, ours.stderr)
    return pydoc, json.loads(ours.stdout)


def normalise(py, ours, cwd):
    """Apply the documented differences, each with its reason."""
    psd, osd = py["supervisord"], ours["supervisord"]
    # logfile unset: our log goes to stderr (null); Supervisor writes
    # ./supervisord.log.
    if osd["logfile"] is None:
        assert psd["logfile"] == os.path.join(cwd, "supervisord.log")
        psd["logfile"] = None
    # Keys of ours that Supervisor has not: rundir, access_group, backoff_*,
    # environment_file, shutdown_on.
    for key in ("rundir", "environment_file"):
        osd.pop(key)
    pus, ous = py["unix_http_server"], ours["unix_http_server"]
    ous.pop("access_group")
    # No [unix_http_server] (or no file=): Supervisor has no socket; we
    # always have one, at a default path.
    if not pus:
        ours["unix_http_server"] = {}
    # [supervisorctl] without serverurl: supervisorctl's default is
    # http://localhost:9001; we show null (supctl uses our socket).
    if ours["supervisorctl"]["serverurl"] is None and \
            py["supervisorctl"]["serverurl"] == "http://localhost:9001":
        py["supervisorctl"]["serverurl"] = None
    for pg, og in zip(py["groups"], ours["groups"]):
        # events= is a set to Supervisor: its order is lost.  A
        # result_handler is a function there (None when it does not
        # import); we show it as written.
        if "eventlistener" in pg and "eventlistener" in og:
            pg["eventlistener"]["events"].sort()
            og["eventlistener"]["events"].sort()
            og["eventlistener"].pop("result_handler")
        for pp, op in zip(pg["processes"], og["processes"]):
            # A listener's stdout is the protocol channel here, never
            # logged (Supervisor logs it to stdout_logfile).
            if op.get("listener"):
                for key in ("stdout_logfile", "stdout_syslog",
                            "stdout_capture_maxbytes",
                            "stdout_events_enabled"):
                    op.pop(key)
                    pp.pop(key)
            for key in ("backoff_growth", "backoff_max", "backoff_reset",
                        "shutdown_on", "environment_file"):
                op.pop(key)
            for key in ("ready", "depends_on", "watchdog"):
                op.pop(key)
            explicit = pp.pop("_explicit")
            # stopasgroup/killasgroup default to true here (every program
            # has its own process group); Supervisor: false, and
            # killasgroup defaults to stopasgroup.
            for key in ("stopasgroup", "killasgroup"):
                if key not in explicit:
                    assert op[key] is True
                    op[key] = pp[key]


def compare(path, cwd):
    py, ours = run_both(path, cwd)
    normalise(py, ours, cwd)
    # Compare group by group for readable failures, then the whole.
    assert [g["name"] for g in ours["groups"]] == \
        [g["name"] for g in py["groups"]]
    for pg, og in zip(py["groups"], ours["groups"]):
        assert [p["name"] for p in og["processes"]] == \
            [p["name"] for p in pg["processes"]], pg["name"]
        for pp, op in zip(pg["processes"], og["processes"]):
            assert op == pp, "%s:%s" % (pg["name"], pp["name"])
        assert og["priority"] == pg["priority"]
    assert ours == py
