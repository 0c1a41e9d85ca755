"""Stopping: the escalation to SIGKILL and its timing, process groups,
shutdown on TERM/INT/QUIT in reverse priority, the daemon killed with -9,
and orphans reaped."""
import json
import os
import signal
import time

import pytest

from conftest import children_of, helper, pid_alive, pids_in_pgroup
from engine_util import (count, exit_after, log_entries, messages, program,
                         read_records,
                         wait, wait_count, wait_dead, wait_forker,
                         wait_records, wait_state)

SLACK = 1.5


def _term_times(path):
    """ignore_term's file: (pid, [times of SIGTERM])."""
    pid, terms = None, []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                kind, value = line.split()
                if kind == "pid":
                    pid = int(value)
                elif kind == "TERM":
                    terms.append(float(value) / 1000.0)
    return pid, terms


def _kill_delay(daemon, name):
    """Seconds from the daemon's stop signal to its SIGKILL, by its log
    (the helper's own clock sees SIGTERM late on a loaded machine)."""
    entries = log_entries(daemon)
    stop = [t for t, _, m in entries if m.startswith("stopping: %s " % name)]
    kill = [t for t, _, m in entries if m.startswith("killing '%s'" % name)]
    assert len(stop) == 1 and len(kill) == 1, (stop, kill)
    return kill[0] - stop[0]


def _stubborn(daemon, name, stopwaitsecs, **keys):
    path = os.path.join(daemon.dir, name + ".term")
    return path, program(name, "%s %s" % (helper("ignore_term"), path),
                         startsecs=0, stopwaitsecs=stopwaitsecs, **keys)


def test_stop_escalates_to_sigkill_at_stopwaitsecs(daemon):
    path, prog = _stubborn(daemon, "stubborn", 2)
    daemon.write_config(prog)
    daemon.start()
    wait_state(daemon, "stubborn", "RUNNING")
    pid = wait(daemon, lambda: _term_times(path)[0], "ignore_term's pid")
    daemon.signal(signal.SIGTERM)
    term = wait(daemon, lambda: _term_times(path)[1], "SIGTERM arrived")[0]
    dead = wait_dead([pid])
    # not earlier than stopwaitsecs, and not much later
    # not earlier than stopwaitsecs (log stamps are to the millisecond),
    # and not much later
    assert _kill_delay(daemon, "stubborn") >= 2.0 - 0.002
    assert dead - term <= 2.0 + SLACK, dead - term
    assert daemon.wait_exit() == 0
    assert count(daemon, "killing 'stubborn' (%d) with SIGKILL" % pid) == 1
    assert count(daemon, "stopped: stubborn (terminated by SIGKILL)") == 1


def test_second_term_keeps_the_escalation(daemon):
    path, prog = _stubborn(daemon, "stubborn", 2)
    daemon.write_config(prog)
    daemon.start()
    wait_state(daemon, "stubborn", "RUNNING")
    pid = wait(daemon, lambda: _term_times(path)[0], "ignore_term's pid")
    daemon.signal(signal.SIGTERM)
    term = wait(daemon, lambda: _term_times(path)[1], "SIGTERM arrived")[0]
    daemon.signal(signal.SIGTERM)
    daemon.signal(signal.SIGINT)
    wait_count(daemon, "already shutting down", 2)
    dead = wait_dead([pid])
    # not earlier than stopwaitsecs (log stamps are to the millisecond),
    # and not much later
    assert _kill_delay(daemon, "stubborn") >= 2.0 - 0.002
    assert dead - term <= 2.0 + SLACK, dead - term
    assert len(_term_times(path)[1]) == 1       # stopsignal sent once
    assert daemon.wait_exit() == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT,
                                 signal.SIGQUIT])
def test_shutdown_stops_everything_and_exits_0(daemon, sig):
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(
        program("a", exit_after(-1, 0, rec), startsecs=0) +
        program("b", exit_after(-1, 0, rec), startsecs=0) +
        program("c", exit_after(-1, 0, rec), startsecs=0, autostart="false"))
    daemon.start()
    pids = [p for p, _ in wait_records(rec, 2)]
    daemon.signal(sig)
    assert daemon.wait_exit() == 0
    assert not any(pid_alive(p) for p in pids)
    assert count(daemon, "received SIG%s indicating exit request"
                 % signal.Signals(sig).name[3:]) == 1
    assert not os.path.exists(daemon.pidfile)


def test_shutdown_reverse_priority_equal_in_parallel(daemon):
    p1, b1 = _stubborn(daemon, "b1", 2, priority=20)
    p2, b2 = _stubborn(daemon, "b2", 2, priority=20)
    daemon.write_config(
        program("a", exit_after(-1), startsecs=0, priority=10) + b1 + b2 +
        program("c", exit_after(-1), startsecs=0, priority=30))
    daemon.start()
    for name in ("a", "b1", "b2", "c"):
        wait_state(daemon, name, "RUNNING")
    wait(daemon, lambda: _term_times(p1)[0] and _term_times(p2)[0], "pids")
    t0 = time.time()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit(timeout=20) == 0
    took = time.time() - t0
    # b1 and b2 wait out stopwaitsecs together: 2 s, not 4 s
    assert 2.0 - 0.01 <= took < 3.9, took
    order = [e[2].split()[1] for e in messages(daemon, "stopping: ")]
    assert order[0] == "c" and order[-1] == "a", order
    assert sorted(order[1:3]) == ["b1", "b2"], order
    stopping_a = messages(daemon, "stopping: a")[0][0]
    stopped_b = [e[0] for e in messages(daemon, "stopped: b")]
    assert len(stopped_b) == 2 and stopping_a >= max(stopped_b)
    stopping_b = [e[0] for e in messages(daemon, "stopping: b")]
    assert max(stopping_b) <= min(stopped_b)


def test_grandchildren_gone_after_stop(daemon):
    path = os.path.join(daemon.dir, "forker")
    daemon.write_config(program("tree", "%s -n 3 %s"
                                % (helper("forker"), path), startsecs=0))
    daemon.start()
    leader, children = wait_forker(path)
    assert len(children) == 3
    assert sorted(pids_in_pgroup(leader)) == sorted([leader] + children)
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert not any(pid_alive(p) for p in [leader] + children)
    assert pids_in_pgroup(leader) == []


def test_group_outliving_its_leader_is_killed(daemon):
    """The leader dies on SIGTERM, its children ignore it: SIGKILL reaches
    them at stopwaitsecs all the same, and only then is it STOPPED."""
    path = os.path.join(daemon.dir, "forker")
    daemon.write_config(program("tree", "%s -n 2 -i %s"
                                % (helper("forker"), path),
                                startsecs=0, stopwaitsecs=2))
    daemon.start()
    leader, children = wait_forker(path)
    t0 = time.time()
    daemon.signal(signal.SIGTERM)
    wait_dead([leader])
    wait_count(daemon, "stopped: tree (terminated by SIGTERM)")
    assert all(pid_alive(c) for c in children)
    dead = wait_dead(children)
    assert 2.0 - 0.01 <= dead - t0 <= 2.0 + SLACK, dead - t0
    assert daemon.wait_exit() == 0
    stopped = wait_state(daemon, "tree", "STOPPED")[0][0]
    assert stopped - t0 >= 2.0 - 0.01


def test_leader_exit_stops_its_leftovers(daemon):
    """A leader that exits on its own leaves children in its group: they are
    stopped before the exit counts."""
    path = os.path.join(daemon.dir, "forker")
    daemon.write_config(program("left", "%s -n 2 -x 300 %s"
                                % (helper("forker"), path),
                                startsecs=0, autorestart="false"))
    daemon.start()
    leader, children = wait_forker(path)
    wait_state(daemon, "left", "STOPPING")
    wait_dead(children)
    wait_state(daemon, "left", "EXITED")
    assert daemon.proc.poll() is None
    assert pids_in_pgroup(leader) == []
    assert count(daemon, "exited: left (exit status 0; expected)") == 1


def test_kill_9_of_the_daemon_leaves_nothing(daemon):
    rec = os.path.join(daemon.dir, "starts")
    path = os.path.join(daemon.dir, "forker")
    daemon.write_config(
        program("plain", exit_after(-1, 0, rec), startsecs=0) +
        program("tree", "%s -n 3 -p %s" % (helper("forker"), path),
                startsecs=0) +
        program("stubborn", "%s %s" % (helper("ignore_term"),
                                       os.path.join(daemon.dir, "t")),
                startsecs=0))
    daemon.start()
    plain = wait_records(rec, 1)[0][0]
    leader, children = wait_forker(path)
    stubborn = wait(daemon, lambda: _term_times(
        os.path.join(daemon.dir, "t"))[0], "ignore_term's pid")
    daemon.proc.kill()
    daemon.proc.wait()
    wait_dead([plain, leader, stubborn] + children)


def test_orphans_are_reaped(daemon):
    """Children that leave the group (setsid) and outlive their parent are
    reparented to the daemon: they have daemonized, which it says, and it
    reaps and logs them when they end on their own: no zombie."""
    path = os.path.join(daemon.dir, "forker")
    daemon.write_config(program("orphans", "%s -n 3 -s -c 500 -x 200 %s"
                                % (helper("forker"), path),
                                startsecs=0, autorestart="false"))
    daemon.start()
    leader, children = wait_forker(path)
    wait_state(daemon, "orphans", "EXITED")
    for pid in children:
        wait_count(daemon, "reaped pid %d (exit status 0) that orphans left "
                   "behind" % pid)
        assert count(daemon, "orphans left pid %d (" % pid) == 1
    assert [c for c in children_of(daemon.proc.pid) if c[1] == "Z"] == []
    assert not any(pid_alive(p) for p in children)
    # they were not signalled: they left the group and exited on their own
    assert count(daemon, "left of orphans") == 0
    assert count(daemon, "that orphans left behind with") == 0


def test_no_zombie_and_no_leak_across_restarts(daemon):
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(program("brief", exit_after(50, 0, rec),
                                startsecs=0, autorestart="true",
                                backoff_reset=0))
    daemon.start()
    fds = "/proc/%d/fd" % daemon.proc.pid

    def stopped_fds():
        r = daemon.request({"cmd": "stop", "names": ["brief"], "wait": True})
        assert r["ok"] or r["error"]["code"] == "not_running", r
        wait_state(daemon, "brief", "STOPPED")
        return len(os.listdir(fds))

    wait_records(rec, 3)
    before = stopped_fds()
    daemon.request({"cmd": "start", "names": ["brief"]})
    records = wait_records(rec, 33)
    for pid, _ in records[:-1]:
        wait(daemon, lambda: pid not in
             [c[0] for c in children_of(daemon.proc.pid)],
             "pid %d reaped" % pid)
    # 30 more runs: not one descriptor more once it is stopped again
    stopped_fds()
    wait(daemon, lambda: len(os.listdir(fds)) <= before,
         "at most the %d descriptors of the first stop" % before)
    assert daemon.proc.poll() is None


def _stop_reasons(daemon):
    """{fullname: (state, stop_reason)} from supctl --json status."""
    r = daemon.supctl("--json", "status")
    assert r.returncode in (0, 3), r.stderr    # 3: one is down
    doc = json.loads(r.stdout)
    return {p["fullname"]: (p["state"], p["stop_reason"])
            for p in doc["processes"]}


def test_stop_reason_in_json_status(daemon):
    """Why each STOPPING process stops, in supctl --json status: asked
    (signalled), held (db waits for web, which depends on it), the rest
    of a group whose leader exited, a missed watchdog; null otherwise."""
    web_rec, web = _stubborn(daemon, "web", 20, depends_on="db")
    dog_rec, dog = _stubborn(daemon, "dog", 20, watchdog=1,
                             autorestart="false")
    rest_rec = os.path.join(daemon.dir, "rest.term")
    daemon.write_config(
        program("db", "sleep 1000", startsecs=0) + web + dog +
        program("leaver", "/bin/sh -c '%s %s & sleep 1; exit 0'" %
                (helper("ignore_term"), rest_rec), startsecs=0,
                stopwaitsecs=20, autorestart="false"))
    daemon.start()
    for name in ("db", "web", "leaver"):
        wait_state(daemon, name, "RUNNING")
    assert _stop_reasons(daemon)["db"] == ("RUNNING", None)
    daemon.supctl("stop", "--no-wait", "web", "db", check=0)
    wait(daemon, lambda: _stop_reasons(daemon)["web"] ==
         ("STOPPING", "asked") and
         _stop_reasons(daemon)["db"] == ("STOPPING", "held"),
         "web asked to stop, db held behind it")
    wait(daemon, lambda: _stop_reasons(daemon)["leaver"] ==
         ("STOPPING", "group_left"), "what is left of leaver stopping")
    wait(daemon, lambda: _stop_reasons(daemon)["dog"] ==
         ("STOPPING", "watchdog"), "dog stopped by its watchdog")
    # Then their ends, without waiting out stopwaitsecs.
    for rec in (web_rec, dog_rec, rest_rec):
        os.kill(_term_times(rec)[0], signal.SIGKILL)
    wait(daemon, lambda: set(s for s, _ in _stop_reasons(daemon).values())
         == {"STOPPED", "EXITED"}, "every stop over")
    assert set(r for _, r in _stop_reasons(daemon).values()) == {None}
