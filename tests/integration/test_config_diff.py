"""Differential test: our parse of supervisord.conf against Python's.

For every file of the shared corpus of real configurations
(../shared/corpus) and for edge cases of our own, `supervisord
--print-config` must print what Python Supervisor 4.2's own parser
resolves (tests/integration/supervisor_dump.py), program by program and
key by key.  The only differences allowed are the documented ones
(supervisord.conf(5), DIFFERENCES FROM PYTHON SUPERVISOR), each normalised
below with the reason.  Both parsers get the same environment and the same
working directory.  Skipped when /usr/bin/python3 cannot import supervisor.
"""
import configparser
import json
import os
import subprocess

import pytest

from conftest import SHARED, SUPERVISORD

HERE = os.path.dirname(os.path.abspath(__file__))
DUMP = os.path.join(HERE, "supervisor_dump.py")
PYTHON = "/usr/bin/python3"
CORPUS = os.path.join(SHARED, "corpus")


def _have_supervisor():
    try:
        return subprocess.run([PYTHON, "-c", "import supervisor.options"],
                              capture_output=True).returncode == 0
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _have_supervisor(),
    reason="/usr/bin/python3 cannot import supervisor (Debian package "
           "'supervisor'): no reference to compare with")

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

# Edge cases of our own: name -> file text ({d} is the test's folder).
EDGE = {
    "comments": """\
[supervisord]
logfile = {d}/sd.log ; an inline comment
pidfile = {d}/sd.pid # another
[program:nginx]
command = nginx -g 'daemon off;'
environment = A=x;B="1#2" #3
stdout_logfile = {d}/a#b.log
[program:semi]
command=/bin/echo a;b ;c
""",
    "continuations": """\
[supervisord]
logfile = {d}/sd.log
[program:multi]
command = /bin/sh -c
    'echo one;
     echo two'

  --flag
environment =
    A="1",
    B="2"
exitcodes = 0,
  2
""",
    "keys_and_case": """\
[supervisord]
LogFile : {d}/sd.log
[program:Case]
Command : /bin/true
AUTOSTART = FALSE
autorestart = TRUE
stopsignal = sigusr1
stdout_logfile = none
stderr_logfile = Off
startsecs = 0
priority = -5
umask = 0o27
""",
    "numprocs": """\
[supervisord]
logfile = {d}/sd.log
[program:w]
command = /bin/sleep %(process_num)d
process_name = %(program_name)s-%(process_num)03d
numprocs = 12
numprocs_start = 5
directory = /tmp/%(process_num)x
stdout_logfile = {d}/%(group_name)s-%(process_num)s.log
environment = N="%(process_num)d",H="%(host_node_name)s",M="%(numprocs)d"
[program:unpadded]
command = /bin/true
process_name = %(process_num)d
numprocs = 11
""",
    "groups": """\
[supervisord]
logfile = {d}/sd.log
[group:g2]
programs = b, a
priority = 5
[group:g1]
programs = c
priority = 5
[program:a]
command = /bin/echo %(group_name)s %(program_name)s
priority = 3
[program:b]
command = /bin/echo b
priority = 1
[program:c]
command = /bin/echo c
[program:lone]
command = /bin/echo lone
priority = 5
""",
    "duplicates": """\
[supervisord]
logfile = {d}/sd.log
[program:d]
command = /bin/echo first
directory = /tmp
[program:e]
command = /bin/echo e
[program:d]
command = /bin/echo second
directory = /var
directory = /srv
""",
    "expansions": """\
[supervisord]
logfile = %(here)s/sd.log
environment = GLOBAL="g %(ENV_FOO)s",PCT="100%%%%"
[unix_http_server]
file = %(here)s/x.sock
chmod = 0770
[program:x]
command = /bin/echo %(ENV_GLOBAL)s %(ENV_LOCAL)s %%s %(ENV_FOO).2s|%(ENV_FOO)8s|%(process_num)+d
environment = LOCAL="l-%(ENV_FOO)s",G2="%(ENV_GLOBAL)s"
stdout_logfile = %(here)s/%%%%x.log
directory = %(ENV_LOCAL)s
""",
    "values": """\
[supervisord]
logfile = {d}/sd.log
logfile_maxbytes = 1GB
logfile_backups = 0
loglevel = BLATHER
umask = 7
minfds = 1_024
nodaemon = on
[program:v]
command = /bin/true
exitcodes = 0, 2 ,255
stopsignal = 1
stdout_logfile_maxbytes = 10kb
stderr_logfile_maxbytes = 0
stdout_capture_maxbytes = 1MB
redirect_stderr = yes
stopasgroup = true
serverurl = AUTO
[program:u]
command = /bin/true
exitcodes =
stopsignal = RTMIN
serverurl = unix:///tmp/other.sock
stdout_logfile = syslog
user = nobody
""",
    "include": """\
[supervisord]
logfile = {d}/sd.log
[include]
files = inc/*.conf  inc/none-*.ini
""",
    "shlex": """\
[supervisord]
logfile = {d}/sd.log
[program:q]
command = /bin/sh -c "echo \\"quoted\\" 'single' \\\\back" x\\ y ''
environment = K1='a b',K2="c, d",K3=plain-1.2/3:4,K4=''
""",
}

# Files the "include" case includes, relative to its folder.
EDGE_FILES = {
    "inc/10-a.conf": """\
[program:inc_a]
command = /bin/echo %(here)s
[supervisord]
identifier = from-include
""",
    "inc/20-b.conf": """\
[program:inc_b]
command = /bin/echo b
[program:inc_a]
startsecs = 7
""",
}


def _fragment_main(d, fragment):
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


def _is_fragment(path):
    p = configparser.RawConfigParser(strict=False,
                                     inline_comment_prefixes=(";", "#"))
    p.read(path)
    return not p.has_section("supervisord")


def _run_both(path, cwd):
    env = dict(os.environ)
    env.update(ENV)
    py = subprocess.run([PYTHON, DUMP, path], capture_output=True,
                        text=True, env=env, cwd=cwd)
    ours = subprocess.run([SUPERVISORD, "-c", path, "--print-config"],
                          capture_output=True, text=True, env=env, cwd=cwd)
    pydoc = json.loads(py.stdout)
    assert "error" not in pydoc, "Python Supervisor refuses %s: %s" % (
        path, pydoc["error"])
    assert ours.returncode == 0, "we refuse %s:\n%s" % (path, ours.stderr)
    return pydoc, json.loads(ours.stdout)


def _normalise(py, ours, cwd):
    """Apply the documented differences, each with its reason."""
    psd, osd = py["supervisord"], ours["supervisord"]
    # logfile unset: our log goes to stderr (null); Supervisor writes
    # ./supervisord.log.
    if osd["logfile"] is None:
        assert psd["logfile"] == os.path.join(cwd, "supervisord.log")
        psd["logfile"] = None
    # Keys of ours that Supervisor has not: rundir, access_group, backoff_*.
    for key in ("rundir",):
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
        for pp, op in zip(pg["processes"], og["processes"]):
            for key in ("backoff_growth", "backoff_max", "backoff_reset"):
                op.pop(key)
            explicit = pp.pop("_explicit")
            # stopasgroup/killasgroup default to true here (every program
            # has its own process group); Supervisor: false, and
            # killasgroup defaults to stopasgroup.
            for key in ("stopasgroup", "killasgroup"):
                if key not in explicit:
                    assert op[key] is True
                    op[key] = pp[key]


def _compare(path, cwd):
    py, ours = _run_both(path, cwd)
    _normalise(py, ours, cwd)
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


def _corpus():
    if not os.path.isdir(CORPUS):
        return [pytest.param(None, marks=pytest.mark.skip(
            reason="no corpus at %s" % CORPUS))]
    return sorted(f for f in os.listdir(CORPUS) if f.endswith(".conf"))


@pytest.mark.parametrize("name", _corpus())
def test_corpus_file(name, tmp_path):
    """A real configuration parses as Python Supervisor parses it."""
    path = os.path.join(CORPUS, name)
    if _is_fragment(path):
        path = _fragment_main(str(tmp_path), path)
    _compare(path, str(tmp_path))


@pytest.mark.parametrize("name", sorted(EDGE))
def test_edge_case(name, tmp_path):
    """Our own edge cases parse as Python Supervisor parses them."""
    d = str(tmp_path)
    for rel, text in EDGE_FILES.items():
        os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
        with open(os.path.join(d, rel), "w") as f:
            f.write(text)
    path = os.path.join(d, name + ".conf")
    with open(path, "w") as f:
        f.write(EDGE[name].format(d=d))
    _compare(path, d)
