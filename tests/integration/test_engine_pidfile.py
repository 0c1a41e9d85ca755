"""Pidfiles: the daemon's (its pid in decimal as Supervisor writes it,
locked, one daemon only, stale ones replaced, removed at exit), its JSON
record beside it, and one JSON pidfile per running process."""
import datetime
import fcntl
import json
import os
import signal
import subprocess

import shutil

import pytest

from conftest import SUPERVISORD, helper, pid_alive
from engine_util import (count, exit_after, program, read_records, wait,
                         wait_count, wait_records, wait_state)


def _rfc3339(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def _load(path):
    with open(path) as f:
        return json.load(f)


def _pid(path):
    """The daemon's pidfile: digits and a newline, nothing else."""
    with open(path) as f:
        text = f.read()
    assert text.endswith("\n") and text[:-1].isdigit(), repr(text)
    return int(text)


def test_daemon_pidfile(daemon):
    daemon.write_config("")
    daemon.start()
    assert _pid(daemon.pidfile) == daemon.proc.pid
    # The record follows the pidfile once the guardian is started.
    info = wait(daemon, lambda: os.path.exists(daemon.pidfile + ".json") and
                _load(daemon.pidfile + ".json"), "the daemon's record")
    assert info["pid"] == daemon.proc.pid
    assert info["ppid"] == os.getpid()
    started = _rfc3339(info["started"])
    age = datetime.datetime.utcnow() - started
    assert datetime.timedelta(seconds=-2) < age < datetime.timedelta(
        seconds=60)
    out = subprocess.run([SUPERVISORD, "-v"], capture_output=True,
                         text=True).stdout
    assert info["version"] in out
    assert info["socket"] == daemon.sock
    assert pid_alive(info["guardian"])
    # held with an exclusive lock for the daemon's lifetime
    with open(daemon.pidfile) as f:
        with pytest.raises(BlockingIOError):
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert not os.path.exists(daemon.pidfile)
    assert not os.path.exists(daemon.pidfile + ".json")
    assert [n for n in os.listdir(daemon.dir) if ".tmp" in n] == []


def test_pidfile_read_by_the_usual_tools(daemon):
    """What Debian's logrotate snippet (kill -USR2 $(cat pidfile)), init
    scripts (start-stop-daemon --pidfile) and monit do with Supervisor's
    pidfile works with ours."""
    daemon.write_config("")
    daemon.start()
    daemon.request({"cmd": "status"})
    r = subprocess.run(["sh", "-c", 'kill -USR2 "$(cat %s)"' %
                        daemon.pidfile], capture_output=True, text=True)
    assert r.returncode == 0, r
    wait_count(daemon, "received SIGUSR2 indicating log reopen request")
    ssd = shutil.which("start-stop-daemon") or "/sbin/start-stop-daemon"
    if os.access(ssd, os.X_OK):
        r = subprocess.run([ssd, "--status", "--pidfile", daemon.pidfile])
        assert r.returncode == 0, r     # running
        r = subprocess.run([ssd, "--stop", "--quiet", "--pidfile",
                            daemon.pidfile])
        assert r.returncode == 0, r
        assert daemon.wait_exit() == 0
        assert not os.path.exists(daemon.pidfile)


def test_second_daemon_refuses(daemon):
    daemon.write_config("")
    daemon.start()
    before = _pid(daemon.pidfile)
    r = subprocess.run([SUPERVISORD, "-n", "-c", daemon.conf],
                       capture_output=True, text=True, timeout=15)
    assert r.returncode == 1, r
    assert "already running as pid %d" % daemon.proc.pid in r.stderr
    assert _pid(daemon.pidfile) == before
    wait(daemon, lambda: os.path.exists(daemon.pidfile + ".json") and
         _load(daemon.pidfile + ".json")["pid"] == before, "its record")
    assert daemon.proc.poll() is None


@pytest.mark.parametrize("stale", ["999999999\n",
                                   '{"pid": 999999999, "ppid": 1}'])
def test_stale_pidfile_is_replaced(daemon, stale):
    """A pidfile nobody holds (Supervisor's, or an older one of ours in
    JSON) is replaced, and so is a stale record beside it."""
    daemon.write_config("")
    with open(daemon.pidfile, "w") as f:
        f.write(stale)
    with open(daemon.pidfile + ".json", "w") as f:
        json.dump({"pid": 999999999}, f)
    daemon.start(wait=False)
    wait(daemon, lambda: os.path.exists(daemon.pidfile) and
         open(daemon.pidfile).read() == "%d\n" % daemon.proc.pid,
         "our pidfile")
    wait(daemon, lambda: _load(daemon.pidfile + ".json")["pid"] ==
         daemon.proc.pid, "our record")
    assert daemon.proc.poll() is None


def test_pidfile_symlink_is_not_followed(daemon, tmp_path):
    target = tmp_path / "target"
    target.write_text("keep me\n")
    daemon.write_config("")
    os.symlink(str(target), daemon.pidfile)
    daemon.start(wait=False)
    assert daemon.wait_exit() == 1
    assert target.read_text() == "keep me\n"
    assert "cannot open '%s'" % daemon.pidfile in daemon.output()


def test_process_pidfiles(daemon):
    run = os.path.join(daemon.dir, "run")
    os.mkdir(run)
    stale = os.path.join(run, "gone.pid")
    with open(stale, "w") as f:
        json.dump({"name": "gone", "group": "gone", "pid": 1, "pgid": 1,
                   "ppid": 1, "started": "x", "command": "x"}, f)
    other = os.path.join(run, "other.pid")
    with open(other, "w") as f:
        f.write("4242\n")
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(
        program("web", exit_after(-1, 0, rec), startsecs=0) +
        program("w1", exit_after(-1, 0, rec), startsecs=0) +
        program("brief", exit_after(1500, 0, rec), startsecs=0,
                autorestart="false"),
        supervisord_extra="rundir = %s" % run,
        extra="[group:pool]\nprograms = w1\n")
    daemon.start()
    wait_state(daemon, "web", "RUNNING")
    wait_state(daemon, "pool:w1", "RUNNING")
    assert not os.path.exists(stale)
    assert os.path.exists(other)
    assert count(daemon, "removed stale pidfile %s" % stale) == 1
    pids = {p for p, _ in wait_records(rec, 3)}
    for fname, name, group in (("web.pid", "web", "web"),
                               ("pool:w1.pid", "w1", "pool")):
        info = _load(os.path.join(run, fname))
        assert info["name"] == name and info["group"] == group
        assert info["pid"] in pids and pid_alive(info["pid"])
        assert info["pgid"] == info["pid"]
        assert info["ppid"] == daemon.proc.pid
        assert info["command"].startswith(helper("exit_after"))
        _rfc3339(info["started"])
    brief = os.path.join(run, "brief.pid")
    wait_state(daemon, "brief", "EXITED")
    assert not os.path.exists(brief)
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert sorted(os.listdir(run)) == ["other.pid"]
    assert len(read_records(rec)) == 3
    wait_count(daemon, "every process is down")


def test_leftover_temporary_pidfile_is_replaced(daemon):
    """A temporary file of ours left at the name a pidfile is written
    through (a crash between its creation and its rename) does not stop
    the pidfile: it is removed when found, and the write goes on."""
    run = os.path.join(daemon.dir, "run")
    os.mkdir(run)
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(program("web", exit_after(-1, 0, rec), startsecs=0),
                        supervisord_extra="rundir = %s" % run)
    daemon.start()
    wait_state(daemon, "web", "RUNNING")
    # Its own record first: killed before exec, it would leave none.
    ((first, _),) = wait_records(rec, 1)
    assert _load(os.path.join(run, "web.pid"))["pid"] == first
    tmp = os.path.join(run, "web.pid.%d.tmp" % daemon.proc.pid)
    with open(tmp, "w") as f:
        f.write("half a pidfile")
    os.kill(first, signal.SIGKILL)
    info = wait(daemon, lambda: (lambda i: i if i and i["pid"] != first
                                 else None)(_load_if(os.path.join(
                                     run, "web.pid"))),
                "the successor's pidfile")
    assert info["pid"] in {p for p, _ in wait_records(rec, 2)}
    assert not os.path.exists(tmp)
    assert sorted(os.listdir(run)) == ["web.pid"]


def _load_if(path):
    try:
        return _load(path)
    except (FileNotFoundError, ValueError):
        return None


def test_racing_daemons_one_wins(daemon):
    """Daemons started at the same moment on one pidfile: exactly one
    runs, every other says which one."""
    daemon.write_config("")
    procs = [subprocess.Popen([SUPERVISORD, "-n", "-c", daemon.conf],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True,
                              cwd=daemon.dir)
             for _ in range(6)]
    try:
        wait(daemon, lambda: sum(p.poll() is not None for p in procs) == 5,
             "five of six daemons to give up")
        (winner,) = [p for p in procs if p.poll() is None]
        assert _pid(daemon.pidfile) == winner.pid
        for p in procs:
            if p is not winner:
                assert p.returncode == 1
                assert "already running as pid %d" % winner.pid in \
                    p.stderr.read()
        winner.send_signal(signal.SIGTERM)
        assert winner.wait(timeout=15) == 0
        assert not os.path.exists(daemon.pidfile)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stderr.close()


def test_files_ready_once_the_daemon_answers(daemon):
    """Files are created after a burst of spawns (programs first), yet
    before the daemon next listens: as soon as it answers, each of 300
    programs has its pidfile (with its pid) and both AUTO logs; so has a
    program restarted by a request, by the time the request is answered."""
    run = os.path.join(daemon.dir, "run")
    logs = os.path.join(daemon.dir, "logs")
    os.mkdir(logs)
    names = ["p%03d" % i for i in range(300)]
    daemon.write_config(
        "".join(program(n, exit_after(-1, 0), startsecs=0) for n in names),
        supervisord_extra="rundir = %s\nchildlogdir = %s" % (run, logs))
    daemon.start()
    st = daemon.status()
    listed = set(os.listdir(logs))
    for n in names:
        assert st[n]["pid"] > 0, st[n]
        assert _load(os.path.join(run, n + ".pid"))["pid"] == st[n]["pid"]
        for stream in ("stdout", "stderr"):
            assert any(f.startswith("%s-%s---" % (n, stream))
                       for f in listed), (n, stream)
    # The reply to a restart comes in the same turn of the loop as the
    # spawn (startsecs=0): the pidfile must be there before it, each time.
    old = st["p007"]["pid"]
    for _ in range(20):
        r = daemon.request({"cmd": "restart", "names": ["p007"],
                            "wait": True})
        assert r["ok"], r
        info = _load(os.path.join(run, "p007.pid"))
        assert info["pid"] != old and pid_alive(info["pid"]), (info, old)
        old = info["pid"]
