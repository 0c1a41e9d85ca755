"""Differential test: the files Python Supervisor 4.2 refuses, we refuse
too, naming file:line; and the documented few it takes and we refuse on
purpose (supervisord.conf(5), DIFFERENCES FROM PYTHON SUPERVISOR), each
with its reason.  How both parsers are run: config_diff_util.py.
"""
import json
import os
import subprocess

import pytest

import pysupervisor
from config_diff_util import DUMP, ENV
from conftest import SUPERVISORD

_WHY = pysupervisor.unavailable()
pytestmark = pytest.mark.skipif(
    _WHY is not None, reason="no Python Supervisor to compare with: %s"
    % _WHY)

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
