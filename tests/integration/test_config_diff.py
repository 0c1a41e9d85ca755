"""Differential test: our parse of supervisord.conf against Python's.

For every file of the shared corpus of real configurations
(../shared/corpus) and for edge cases of our own, `supervisord
--print-config` must print what Python Supervisor 4.2's own parser
resolves (tests/integration/supervisor_dump.py), program by program and
key by key.  The only differences allowed are the documented ones
(supervisord.conf(5), DIFFERENCES FROM PYTHON SUPERVISOR), each normalised
below with the reason.  Both parsers get the same environment and the same
working directory.  Python Supervisor is the copy `make pysupervisor`
unpacks (pysupervisor.py); the tests skip, saying why, only where it could
not be fetched.
"""
import configparser
import json
import os
import random
import subprocess

import pytest

import pysupervisor
from conftest import SHARED, SUPERVISORD

HERE = os.path.dirname(os.path.abspath(__file__))
DUMP = os.path.join(HERE, "supervisor_dump.py")
CORPUS = os.path.join(SHARED, "corpus")

_WHY = pysupervisor.unavailable()
pytestmark = pytest.mark.skipif(
    _WHY is not None, reason="no Python Supervisor to compare with: %s"
    % _WHY)

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
    "misc": """\
[DEFAULT]
startsecs = 4
[supervisord]
logfile = {d}/sd.log
[program: spaced ]
command = /bin/true
[program:tabs]
command = /bin/echo
\tone
\t two
numprocs_start = -2
numprocs = 2
process_name = p%(process_num)d_%(ENV_FOO)s
stdout_logfile =
exitcodes= 0 , 1
user = %(ENV_FOO)s
[group:ga]
programs = shared
[group:gb]
programs = shared
[program:shared]
command = /bin/echo %(group_name)s
[unix_http_server]
file = {d}/a.sock
[unix_http_server]
chmod = 0777
[supervisorctl]
serverurl = unix://%(here)s/../x/./a.sock
""",
    "inet_any": """\
[supervisord]
logfile = {d}/sd.log
[inet_http_server]
port = *:9001
username = admin
password = plain secret
[unix_http_server]
file = {d}/s.sock
username = %(ENV_FOO)s
password = {{SHA}}2fd4e1c67a2d28fced849ee1bb76e7391b93eb12
""",
    "inet_host": """\
[supervisord]
logfile = {d}/sd.log
[inet_http_server]
port = LocalHost:9002
""",
    "inet_port_only": """\
[supervisord]
logfile = {d}/sd.log
[inet_http_server]
port = 9003
""",
}

# Files both parsers refuse: name -> (text, what our error says).
BAD = {
    "not_integer": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                    "startsecs=soon\n", ":4: [program:x] startsecs: "),
    "not_boolean": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                    "autostart=maybe\n", ":4: [program:x] autostart: "),
    "bad_signal": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                   "stopsignal=BOGUS\n", ":4: [program:x] stopsignal: "),
    "numprocs_name": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                      "numprocs=2\n", ":2: [program:x] process_name: "),
    "unknown_program": ("[supervisord]\n[group:g]\nprograms=ghost\n",
                        ":3: [group:g] programs: no [program:ghost]"),
    "unknown_name": ("[supervisord]\n[program:x]\ncommand=%(nope)s\n",
                     ":3: [program:x] command: cannot expand %(nope)"),
    "no_command": ("[supervisord]\n[program:x]\npriority=1\n",
                   ":2: [program:x] command: missing"),
    "bad_name": ("[supervisord]\n[program:a:b]\ncommand=/bin/true\n",
                 ":2: [program:a:b] invalid name"),
    "group_conflict": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                       "stopasgroup=true\nkillasgroup=false\n",
                       ":5: [program:x] killasgroup: cannot be false"),
    "no_supervisord": ("[program:x]\ncommand=/bin/true\n",
                       "no [supervisord] section"),
    "bad_line": ("[supervisord]\njust words\n",
                 ":2: [supervisord] cannot parse 'just words'"),
    "env_quote": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                  "environment=A=\"x\n", ":4: [program:x] environment: no "
                  "closing quotation"),
    "include_no_files": ("[supervisord]\n[include]\n",
                         ":2: [include] has no files key"),
    "text_first": ("x=1\n[supervisord]\n",
                   ":1: text before the first [section]"),
    "exitcodes": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                  "exitcodes=0,256\n", ":4: [program:x] exitcodes: "),
    "inet_no_port": ("[supervisord]\n[inet_http_server]\nusername=u\n"
                     "password=p\n", ":2: [inet_http_server] port: "
                     "missing"),
    "inet_bad_port": ("[supervisord]\n[inet_http_server]\nport=h:70000\n",
                      ":3: [inet_http_server] port: not a port number"),
    "inet_no_port_number": ("[supervisord]\n[inet_http_server]\n"
                            "port=host:\n", ":3: [inet_http_server] port: "
                            "no port number"),
    "inet_half_auth": ("[supervisord]\n[inet_http_server]\nport=9001\n"
                       "username=u\n", ":4: [inet_http_server] password: "
                       "missing"),
    "unix_half_auth": ("[supervisord]\n[unix_http_server]\nfile=/tmp/x\n"
                       "password=p\n", ":4: [unix_http_server] username: "
                       "missing"),
}

# Files Python Supervisor takes and we refuse, on purpose (documented in
# supervisord.conf(5)): name -> (text, what our error says).
STRICTER = {
    # Supervisor fails only when it spawns the program.
    "empty_command": ("[supervisord]\n[program:x]\ncommand=\n",
                      ":3: [program:x] command: empty"),
    "unsplittable": ("[supervisord]\n[program:x]\ncommand=a 'b\n",
                     ":3: [program:x] command: cannot split it"),
    # Supervisor silently keeps only one of the two.
    "same_process_twice": ("[supervisord]\n[group:g]\nprograms=x,x\n"
                           "[program:x]\ncommand=/bin/true\n",
                           ":4: [program:x] process name 'x' is used twice "
                           "in group 'g'"),
    # Python would put its whole expansion dict in place of %s.
    "unnamed_format": ("[supervisord]\n[program:x]\n"
                       "command=printf %s hi\n", ":3: [program:x] command: "
                       "'%s' has no name"),
    # Signal 0 stops nothing; negative counts and sizes mean nothing.
    "signal_zero": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                    "stopsignal=0\n", ":4: [program:x] stopsignal: "),
    "negative_retries": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                         "startretries=-1\n", ":4: [program:x] "
                         "startretries: out of range"),
    # Supervisor compares the rest of "{SHA}..." with a SHA-1 hex digest:
    # anything else never matches, so no password could log in.
    "sha_not_hex": ("[supervisord]\n[inet_http_server]\nport=9001\n"
                    "username=u\npassword={SHA}secret\n", ":5: "
                    "[inet_http_server] password: a {SHA} password needs"),
    "negative_maxbytes": ("[supervisord]\n[program:x]\ncommand=/bin/true\n"
                          "stdout_logfile_maxbytes=-1KB\n", ":4: "
                          "[program:x] stdout_logfile_maxbytes: negative"),
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
    py = subprocess.run(pysupervisor.script(DUMP, path), capture_output=True,
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
        for pp, op in zip(pg["processes"], og["processes"]):
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


def _refusals(name, text, tmp_path):
    path = os.path.join(str(tmp_path), name + ".conf")
    with open(path, "w") as f:
        f.write(text)
    env = dict(os.environ)
    env.update(ENV)
    py = subprocess.run(pysupervisor.script(DUMP, path), capture_output=True,
                        text=True, env=env, cwd=str(tmp_path))
    ours = subprocess.run([SUPERVISORD, "-c", path, "--print-config"],
                          capture_output=True, text=True, env=env,
                          cwd=str(tmp_path))
    return json.loads(py.stdout), ours


@pytest.mark.parametrize("name", sorted(BAD))
def test_both_refuse(name, tmp_path):
    """What Python Supervisor refuses, we refuse, naming file:line."""
    text, message = BAD[name]
    py, ours = _refusals(name, text, tmp_path)
    assert "error" in py, py
    assert ours.returncode == 1 and ours.stdout == ""
    assert name + ".conf" + message in ours.stderr or \
        (message in ours.stderr and ":" not in message[:1]), ours.stderr


@pytest.mark.parametrize("name", sorted(STRICTER))
def test_stricter_than_supervisor(name, tmp_path):
    """The documented cases Python takes and we refuse, with a reason."""
    text, message = STRICTER[name]
    py, ours = _refusals(name, text, tmp_path)
    assert "error" not in py, py
    assert ours.returncode == 1
    assert name + ".conf" + message in ours.stderr, ours.stderr


def test_example_file(tmp_path):
    """conf/supervisord.conf parses as Python Supervisor parses it."""
    example = os.path.join(HERE, "..", "..", "conf", "supervisord.conf")
    _compare(os.path.abspath(example), str(tmp_path))


# Values to draw from for generated files: plain ones, odd spacing, case,
# comments, continuations and expansions, all of which Supervisor takes.
GEN_VALUES = {
    "command": ["/bin/echo a b", "/bin/sh -c 'echo x; echo y'",
                "/bin/echo \"q w\" 'e'", "/bin/true ;c", "/bin/echo a#b",
                "/bin/echo %(program_name)s %(process_num)d %(group_name)s",
                "/bin/echo\n  cont\n\n  more"],
    "priority": ["1", "-3", " 42 ", "1_0"],
    "autostart": ["true", "NO", "On", "0"],
    "autorestart": ["unexpected", "TRUE", "false"],
    "startsecs": ["0", "5"],
    "stopsignal": ["TERM", "sigint", "9", "usr2", "RTMIN"],
    "exitcodes": ["0", "0,1, 2", ""],
    "environment": ["A=1", "A=\"x, y\",B='z'", "A=1,\n  B=2",
                    "K=%(program_name)s,N=%(process_num)d", "P=/a/b:c"],
    "stdout_logfile": ["AUTO", "NONE", "/tmp/%(program_name)s.log", "off",
                       "~/x.log", "%(here)s/l.log"],
    "stderr_logfile": ["AUTO", "NONE", "/tmp/e.log"],
    "redirect_stderr": ["true", "false"],
    "stdout_logfile_maxbytes": ["1KB", "0", "2 MB", "100"],
    "umask": ["022", "0o7", "7"],
    "directory": ["/tmp", "%(here)s"],
    "user": ["nobody", "%(ENV_FOO)s"],
    "stopasgroup": ["true", "false"],
    "killasgroup": ["true"],
    "serverurl": ["AUTO", "unix:///x.sock"],
    "numprocs_start": ["0", "3"],
    "startretries": ["0", "9"],
}


def _generate(seed):
    rnd = random.Random(seed)
    lines = ["[supervisord]", "logfile = %(here)s/sd.log",
             "environment = GEN=%(ENV_FOO)s"]
    names = [n for n in "abcd" if rnd.random() < .8] or ["a"]
    for name in names:
        lines.append("[program:%s]" % name)
        keys = rnd.sample(sorted(GEN_VALUES), rnd.randint(1, 8))
        if "command" not in keys:
            keys.insert(0, "command")
        for key in keys:
            lines.append("%s%s%s%s" % (
                key if rnd.random() < .8 else key.upper(),
                rnd.choice(["=", " = ", ":", " : ", "\t=\t"]),
                rnd.choice(GEN_VALUES[key]),
                rnd.choice(["", "", " ; c", " # c", "   "])))
            if rnd.random() < .2:
                lines.append(rnd.choice(["; c", "# c", "", "   ; c"]))
        if rnd.random() < .3:
            lines += ["numprocs = 3",
                      "process_name = %(program_name)s_%(process_num)02d"]
    if len(names) > 1 and rnd.random() < .4:
        lines += ["[group:g]", "programs = " + ",".join(
            rnd.sample(names, 2)), "priority = 5"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(25))
def test_generated_file(seed, tmp_path):
    """Generated files mixing the rules above parse as in Supervisor."""
    path = os.path.join(str(tmp_path), "gen.conf")
    with open(path, "w") as f:
        f.write(_generate(seed))
    _compare(path, str(tmp_path))


def test_reference_is_the_unpacked_copy():
    """The reference is build/pysupervisor's Supervisor 4.2, never one
    installed on this machine."""
    r = subprocess.run(pysupervisor.python(
        "import supervisor, pkg_resources; print(supervisor.__file__); "
        "print(pkg_resources.__file__); "
        "print(pkg_resources.get_distribution('supervisor').version)"),
        capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    sup, pkg, version = r.stdout.split()
    assert sup.startswith(pysupervisor.SITE + os.sep)
    assert pkg.startswith(pysupervisor.SITE + os.sep)
    assert version.startswith("4.2.")
