"""Differential test: our parse of supervisord.conf against Python's.

For every file of the shared corpus of real configurations
(../shared/corpus) and for edge cases of our own, `supervisord
--print-config` must print what Python Supervisor 4.2's own parser
resolves (tests/integration/supervisor_dump.py), program by program and
key by key.  The only differences allowed are the documented ones
(supervisord.conf(5), DIFFERENCES FROM PYTHON SUPERVISOR), each normalised
with its reason in config_diff_util.py.  Both parsers get the same
environment and the same working directory.  Python Supervisor is the
copy `make pysupervisor` unpacks (pysupervisor.py); the tests skip, saying
why, only where it could not be fetched.  The files both parsers refuse,
and those only we refuse: test_config_diff_refuse.py.
"""
import os
import random
import subprocess

import pytest

import pysupervisor
from config_diff_util import CORPUS, HERE, compare, fragment_main, \
    is_fragment

_WHY = pysupervisor.unavailable()
pytestmark = pytest.mark.skipif(
    _WHY is not None, reason="no Python Supervisor to compare with: %s"
    % _WHY)

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


def _corpus():
    if not os.path.isdir(CORPUS):
        return [pytest.param(None, marks=pytest.mark.skip(
            reason="no corpus at %s" % CORPUS))]
    return sorted(f for f in os.listdir(CORPUS) if f.endswith(".conf"))


@pytest.mark.parametrize("name", _corpus())
def test_corpus_file(name, tmp_path):
    """A real configuration parses as Python Supervisor parses it."""
    path = os.path.join(CORPUS, name)
    if is_fragment(path):
        path = fragment_main(str(tmp_path), path)
    compare(path, str(tmp_path))


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
    compare(path, d)


def test_example_file(tmp_path):
    """conf/supervisord.conf parses as Python Supervisor parses it."""
    example = os.path.join(HERE, "..", "..", "conf", "supervisord.conf")
    compare(os.path.abspath(example), str(tmp_path))


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
    compare(path, str(tmp_path))


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
