"""Faults: the daemon killed with SIGKILL and started again, waves of
orphaned grandchildren, a (bounded) fork bomb in a program's group, and
running out of descriptors.  Each test takes a few seconds; with
RELIABILITY_SOAK=1 the orphan test makes 10,000 orphans instead of 1000."""
import glob
import json
import os
import signal
import socket
import stat
import time

import conftest
from conftest import SUPERVISORD, helper, pid_alive, pids_in_pgroup, wait_for
from engine_util import (program, wait, wait_count, wait_dead, wait_forker,
                         count)
from reliability_util import (SOAK, Client, cpu_seconds, well_formed,
                              zombies_of)


def all_in_state(daemon, names, state):
    st = daemon.status()
    return all(st[n]["state"] == state for n in names) and st


def read_pids(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [int(x) for x in f.read().split()]


def test_kill9_then_restart_cleans_up(daemon):
    """SIGKILL to the daemon with 50 programs running, 10 of them with
    children of their own that honour their group: every one of those
    processes dies; the next daemon removes the stale pidfiles, takes
    over the socket and the pidfile, and runs everything again."""
    text = ""
    for i in range(40):
        text += program("s%02d" % i, "sleep 1000", startsecs=0)
    for i in range(10):
        text += program("f%02d" % i, "%s -n 3 -p %s/f%02d.pids" % (
            helper("forker"), daemon.dir, i), startsecs=0)
    daemon.write_config(text)
    daemon.start()
    names = ["s%02d" % i for i in range(40)] + ["f%02d" % i
                                                for i in range(10)]
    st = wait(daemon, lambda: all_in_state(daemon, names, "RUNNING"),
              "50 programs RUNNING")
    pids = [st[n]["pid"] for n in names]
    for i in range(10):
        leader, children = wait_forker("%s/f%02d.pids" % (daemon.dir, i))
        assert leader == st["f%02d" % i]["pid"]
        pids += children
    assert len(pids) == 80 and all(pid_alive(p) for p in pids)
    rundir = os.path.join(daemon.dir, "supervisord.d")
    wait_for(lambda: len(glob.glob(rundir + "/*.pid")) == 50,
             what="50 pidfiles in %s" % rundir)

    old = daemon.proc.pid
    os.kill(old, signal.SIGKILL)
    daemon.proc.wait()
    wait_dead(pids)
    # What a killed daemon leaves: its socket, its pidfile, 50 pidfiles.
    assert stat.S_ISSOCK(os.stat(daemon.sock).st_mode)
    assert int(open(daemon.pidfile).read()) == old
    assert len(glob.glob(rundir + "/*.pid")) == 50

    daemon.start()
    new = daemon.proc.pid
    wait_count(daemon, "removed stale pidfile", 50)
    st = wait(daemon, lambda: all_in_state(daemon, names, "RUNNING"),
              "50 programs RUNNING again")
    assert int(open(daemon.pidfile).read()) == new
    for n in names:
        assert st[n]["pid"] not in pids and pid_alive(st[n]["pid"])
        with open(os.path.join(rundir, n + ".pid")) as f:
            pf = json.load(f)
        assert pf["pid"] == st[n]["pid"] and pf["ppid"] == new


def test_orphaned_grandchildren_reaped(daemon):
    """Programs whose children fork and exit at once: the grandchildren
    are orphaned to the daemon (a subreaper), which reaps every one when
    it ends: each is logged, none stays a zombie.  Half of them leave the
    group (setsid), half stay in it."""
    per, waves = 250, (20 if SOAK else 2)
    total = 2 * per * waves
    cmd = "%s -n %d -g %d -w 100 -c 200" % (helper("spawner"), waves, per)
    daemon.write_config(program("grouped", cmd, startsecs=0) +
                        program("detached", cmd + " -s", startsecs=0))
    daemon.start()
    timeout = 120 if SOAK else conftest.DEADLINE * 2
    wait_count(daemon, "not a program of ours", total, timeout=timeout)
    pid = daemon.proc.pid
    wait(daemon, lambda: not zombies_of(pid), "no zombie under the daemon")
    assert count(daemon, "not a program of ours") == total
    # The programs themselves were not disturbed.
    st = daemon.status()
    assert st["grouped"]["state"] == "RUNNING", st
    assert st["detached"]["state"] == "RUNNING", st
    assert st["grouped"]["restarts"] == 0


def test_fork_bomb_stopped_whole(daemon):
    """A program that forks 200 processes (a tree: children fork too)
    that all ignore SIGTERM: stop escalates to SIGKILL for the whole
    group after stopwaitsecs and every process is gone."""
    rec = os.path.join(daemon.dir, "bomb.pids")
    daemon.write_config(program(
        "bomb", "%s -t -n 200 -i -r %s" % (helper("spawner"), rec),
        startsecs=0, stopwaitsecs=1))
    daemon.start()
    wait(daemon, lambda: len(read_pids(rec)) == 200, "200 bomb processes")
    pids = read_pids(rec)
    leader = daemon.wait_state("bomb", "RUNNING")["pid"]
    assert leader in pids
    assert sorted(pids_in_pgroup(leader)) == sorted(pids)

    t0 = time.monotonic()
    r = daemon.request({"cmd": "stop", "names": ["bomb"], "wait": True})
    took = time.monotonic() - t0
    assert r["ok"], r
    assert 0.9 <= took <= conftest.DEADLINE, took
    wait_dead(pids)
    assert pids_in_pgroup(leader) == []
    assert daemon.status("bomb")["state"] == "STOPPED"


def test_fork_bomb_leader_dies_rest_stopped(daemon):
    """The bomb's leader is killed from outside: what is left of its
    group is stopped (SIGTERM ignored, so SIGKILL after stopwaitsecs)
    before the exit counts, and the program restarts clean."""
    rec = os.path.join(daemon.dir, "bomb.pids")
    daemon.write_config(program(
        "bomb", "%s -t -n 100 -i -r %s" % (helper("spawner"), rec),
        startsecs=0, stopwaitsecs=1, autorestart="true"))
    daemon.start()
    wait(daemon, lambda: len(read_pids(rec)) == 100, "100 bomb processes")
    pids = read_pids(rec)
    leader = daemon.wait_state("bomb", "RUNNING")["pid"]
    os.truncate(rec, 0)
    os.kill(leader, signal.SIGKILL)
    wait_dead(pids)
    daemon.wait_log("what is left of bomb's process group")
    wait(daemon, lambda: len(read_pids(rec)) == 100, "the bomb again")
    st = daemon.wait_state("bomb", "RUNNING")
    assert st["pid"] != leader and st["restarts"] >= 1


def limited_daemon(daemon, monkeypatch, nofile):
    """Make daemon.start() run supervisord with RLIMIT_NOFILE = nofile."""
    wrapper = os.path.join(daemon.dir, "limited.sh")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nulimit -n %d || exit 99\nexec %s \"$@\"\n"
                % (nofile, SUPERVISORD))
    os.chmod(wrapper, 0o755)
    monkeypatch.setattr(conftest, "SUPERVISORD", wrapper)


def cpu_over(pid, seconds):
    """CPU seconds pid uses in a window of the given length (a measured
    interval, not a wait for something to happen)."""
    c0 = cpu_seconds(pid)
    time.sleep(seconds)
    return cpu_seconds(pid) - c0


def test_emfile_spawn_refused_then_recovers(daemon, monkeypatch):
    """With 40 descriptors, starting 60 programs runs out: the rest fail
    with a spawn error that says so, the daemon does not spin, and once
    programs stop some of the others start."""
    limited_daemon(daemon, monkeypatch, 40)
    names = ["p%02d" % i for i in range(60)]
    daemon.write_config(
        "".join(program(n, "sleep 1000", autostart="false", startsecs=0,
                        startretries=0, redirect_stderr="true")
                for n in names),
        supervisord_extra="minfds = 0\n")
    daemon.start()
    c = Client(daemon)
    r = c.call({"cmd": "start", "names": names})
    assert r["ok"] is False and r["error"]["code"] == "spawn_error", r
    assert "too many open files" in r["error"]["message"].lower(), r
    procs = {p["name"]: p for p in r["result"]["processes"]}
    started = [n for n in names if procs[n]["ok"]]
    failed = [n for n in names if not procs[n]["ok"]]
    assert 0 < len(started) < len(names), r
    for n in failed:
        assert "too many open files" in procs[n]["spawnerr"].lower() or \
            "too many open files" in json.dumps(procs[n]).lower(), procs[n]
    daemon.wait_log("Too many open files")
    assert cpu_over(daemon.proc.pid, 1.0) < 0.2
    st = daemon.status()
    for n in failed:
        assert st[n]["state"] in ("FATAL", "BACKOFF"), st[n]

    # Stopped programs keep their log files open (as Supervisor's do),
    # only their pipes close: there is room for half as many again.
    r = c.call({"cmd": "stop", "names": started, "wait": True})
    assert r["ok"], r
    again = failed[:max(1, len(started) // 2)]
    wait(daemon, lambda: all_in_state(daemon, again, "FATAL"),
         "the failed programs FATAL")
    r = c.call({"cmd": "start", "names": again, "wait": True})
    assert r["ok"], r
    assert all_in_state(daemon, again, "RUNNING")
    c.close()


def test_emfile_accept_pauses_then_recovers(daemon, monkeypatch):
    """With 24 descriptors, clients that stay connected use them up: the
    daemon stops accepting (and says so) without spinning, and serves
    the waiting client once others leave."""
    limited_daemon(daemon, monkeypatch, 24)
    daemon.write_config("", supervisord_extra="minfds = 0\n")
    daemon.start()
    held, pending = [], None
    for _ in range(100):
        c = Client(daemon)
        c.send({"cmd": "version", "id": len(held)})

        def answered_or_refused(c=c):
            c.sock.settimeout(0.05)
            try:
                chunk = c.sock.recv(65536)
            except socket.timeout:
                return "cannot accept, pausing" in daemon.log() and "refused"
            c.buf += chunk
            return "answered"
        how = wait(daemon, answered_or_refused, "a reply or a refusal")
        if how == "refused":
            pending = c
            break
        assert c.reply()["ok"]
        held.append(c)
    assert pending is not None, "never ran out of descriptors"
    assert 5 < len(held) < 24
    assert cpu_over(daemon.proc.pid, 1.0) < 0.2
    for c in held[:3]:
        c.close()
    r = pending.reply()
    assert r["ok"] and r["id"] == len(held), r
    assert well_formed(json.dumps(daemon.request(
        {"cmd": "status"})).encode())["ok"]
    for c in held[3:] + [pending]:
        c.close()


def test_restarts_of_chatty_programs(daemon):
    """Programs writing small pieces all the time (their capture pauses
    1 ms after each read), restarted over and over: a restart drains and
    frees the old capture, whose pause may have ended in the same loop
    turn.  The soak found the freed capture's timer run afterwards (use
    after free, under valgrind); under ASan this test would abort."""
    names = ["chatty%d" % i for i in range(10)]
    daemon.write_config("".join(program(
        n, "%s -n 0 -i 200 %s" % (helper("log_lines"), n), startsecs=0)
        for n in names))
    daemon.start()
    wait(daemon, lambda: all_in_state(daemon, names, "RUNNING"),
         "the chatty programs")
    c = Client(daemon)
    for i in range(60):
        r = c.call({"cmd": "restart", "names": names, "wait": i % 2 == 0})
        assert r["ok"], r
    c.close()
    assert daemon.proc.poll() is None, daemon.output()
    assert all_in_state(daemon, names, "RUNNING") or wait(
        daemon, lambda: all_in_state(daemon, names, "RUNNING"),
        "the chatty programs after the restarts")
