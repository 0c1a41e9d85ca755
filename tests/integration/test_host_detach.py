"""supervisord -d: detached the SysV way (fork, setsid, fork, standard
streams to /dev/null, directory= applied); the starting process exits 0
only once the daemon is ready, or 1 with the daemon's error on its stderr."""
import json
import os
import signal
import socket
import subprocess
import textwrap

import pytest

from conftest import DEADLINE, SUPERVISORD, pid_alive, wait_for
from engine_util import program


def _run_d(conf, *extra):
    return subprocess.run([SUPERVISORD, "-d", "-c", conf] + list(extra),
                          capture_output=True, text=True, timeout=DEADLINE,
                          stdin=subprocess.DEVNULL)


def _pid(path):
    with open(path) as f:
        return int(f.read())


def _stat(pid):
    """(state, ppid, pgrp, session) of pid from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3])


def _ask(sock_path, obj):
    """One request, on the first try: no retry while the daemon comes up."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(DEADLINE)
    try:
        s.connect(sock_path)
        s.sendall((json.dumps(obj) + "\n").encode())
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return json.loads(buf.split(b"\n", 1)[0])
    finally:
        s.close()


@pytest.fixture
def detached(daemon):
    """The daemon fixture's folder; kills a detached daemon at the end."""
    pids = []
    yield daemon, pids
    for pid in pids:
        if pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not pid_alive(pid), what="detached daemon %d "
                     "to exit" % pid)


def test_returns_zero_once_ready(detached):
    d, pids = detached
    workdir = os.path.join(d.dir, "work")
    os.mkdir(workdir)
    d.write_config(program("sleeper", "/bin/sleep 1000", startsecs="30"),
                   supervisord_extra="directory = %s\n" % workdir)
    r = _run_d(d.conf)
    assert r.returncode == 0, r
    assert r.stderr == "" and r.stdout == ""
    pid = _pid(d.pidfile)
    pids.append(pid)
    # Ready means: the socket answers at once and autostart was launched.
    reply = _ask(d.sock, {"cmd": "status"})
    assert reply["ok"], reply
    (proc,) = reply["result"]["processes"]
    assert proc["state"] == "STARTING" and proc["pid"] > 0, proc
    # Detached: not our child, its own session without being its leader
    # (so it can never get a terminal back), streams on /dev/null.
    state, ppid, pgrp, sid = _stat(pid)
    assert ppid != os.getpid()
    assert sid != os.getsid(0) and sid != pid
    for fd in (0, 1, 2):
        assert os.readlink("/proc/%d/fd/%d" % (pid, fd)) == "/dev/null"
    assert os.readlink("/proc/%d/cwd" % pid) == workdir
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not pid_alive(pid), what="the daemon to exit")
    assert not os.path.exists(d.pidfile)
    assert "supervisord exiting with status 0" in d.log()


def test_already_running(detached):
    d, pids = detached
    d.write_config(program("sleeper", "/bin/sleep 1000"))
    d.start()
    d.connect().close()
    r = _run_d(d.conf)
    assert r.returncode == 1, r
    assert r.stderr == "supervisord: already running as pid %d\n" % \
        d.proc.pid, r.stderr
    # The first daemon is untouched and still owns its pidfile.
    assert _pid(d.pidfile) == d.proc.pid
    assert d.proc.poll() is None
    assert d.status("sleeper")["state"] in ("STARTING", "RUNNING")


def test_socket_taken(detached):
    d, pids = detached
    d.write_config("")
    squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    squatter.bind(d.sock)
    squatter.listen(1)
    try:
        r = _run_d(d.conf)
    finally:
        squatter.close()
    assert r.returncode == 1, r
    assert r.stderr == ("supervisord: cannot set up the control socket: "
                        "another daemon is answering on '%s'\n" % d.sock), \
        r.stderr
    # It gave its pidfile back on the way out.
    assert not os.path.exists(d.pidfile)
    assert "another daemon is answering" in d.log()


def test_failure_after_detaching_is_reported(detached):
    d, pids = detached
    d.write_config("", supervisord_extra="rundir = %s/no/such/dir/run\n"
                   % d.dir)
    r = _run_d(d.conf)
    assert r.returncode == 1, r
    assert r.stderr.startswith("supervisord: cannot create the run folder "
                               "%s/no/such/dir/run: No such file" % d.dir), \
        r.stderr
    assert not os.path.exists(d.pidfile)


def test_bad_configuration(detached):
    d, pids = detached
    d.write_config(program("x", "/bin/true", startsecs="soon"))
    r = _run_d(d.conf)
    assert r.returncode == 1, r
    assert "%s:" % d.conf in r.stderr and "startsecs" in r.stderr
    assert not os.path.exists(d.pidfile)


def test_without_logfile_warns(detached):
    d, pids = detached
    with open(d.conf, "w") as f:
        f.write(textwrap.dedent("""\
            [supervisord]
            pidfile = {d}/supervisord.pid
            [unix_http_server]
            file = {d}/supervisord.sock
            """.format(d=d.dir)))
    r = _run_d(d.conf)
    assert r.returncode == 0, r
    pids.append(_pid(d.pidfile))
    assert "no [supervisord] logfile: once detached, the daemon's log " \
        "goes to /dev/null" in r.stderr


def test_d_and_n_together(detached):
    d, pids = detached
    d.write_config("")
    r = _run_d(d.conf, "-n")
    assert r.returncode == 2
    assert "-d and -n cannot be used together" in r.stderr
    assert not os.path.exists(d.pidfile)
