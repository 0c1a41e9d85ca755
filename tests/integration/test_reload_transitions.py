"""Reload while processes are on the move: STARTING, BACKOFF, a removed
program that ignores SIGTERM (the stop still escalates, then it is
dropped), a program added back while its namesake still stops, shutdown
right after a reload, and many reloads in a row without leaks."""
import json
import os
import signal
import time

from conftest import children_of, helper, pid_alive, wait_for
from reload_util import (cmdline, daemon_fds, exec_cmdline, pids, program, reload, sleeper,
                         wait_dead, wait_gone, wait_new_pid)


def ignorer(name, path, **keys):
    keys.setdefault("startsecs", 0)
    return program(name, "%s %s" % (helper("ignore_term"), path), **keys)


def ignorer_pid(path):
    def get():
        try:
            with open(path) as f:
                first = f.readline().split()
        except FileNotFoundError:
            return None
        return len(first) == 2 and first[0] == "pid" and int(first[1])
    return wait_for(get, what="ignore_term's pid in %s" % path)


def term_times(path):
    with open(path) as f:
        return [float(line.split()[1]) / 1000.0 for line in f
                if line.startswith("TERM ")]


def test_reload_while_starting(daemon):
    d = daemon
    d.write_config(sleeper("slow", 1001, startsecs=60))
    d.start()
    old = d.wait_state("slow", "STARTING")["pid"]
    assert old > 0
    d.write_config(sleeper("slow", 1002, startsecs=60))
    res = reload(d)["result"]
    assert res["changed"] == ["slow"]
    assert res["in_transition"] == ["slow"]
    pid = wait_new_pid(d, "slow", old, state="STARTING")
    # STARTING from the fork on: the exec may still be on its way.
    wait_for(lambda: cmdline(pid) == [b"sleep", b"1002"],
             what="pid %d to run sleep 1002" % pid)
    wait_dead(old)


def test_reload_while_backoff(daemon):
    d = daemon
    d.write_config(program("flaky", "/bin/false", startsecs=1,
                           startretries=100) +
                   program("doomed", "/bin/false", startsecs=1,
                           startretries=100))
    d.start()
    d.wait_state("flaky", "BACKOFF")
    d.wait_state("doomed", "BACKOFF")
    d.write_config(sleeper("flaky", 1003, startsecs=0, startretries=100))
    res = reload(d)["result"]
    assert res["changed"] == ["flaky"]
    # A removed one waiting in BACKOFF is down already: dropped at once.
    assert res["removed"] == ["doomed"]
    assert "doomed" not in res["in_transition"]
    assert "reload: doomed is down and dropped" in d.log()
    # Started again at once with the new command, not after the backoff:
    # the wait was cut short (only a stop in BACKOFF goes to STOPPED).
    log = d.log()
    at = log.index("reload: flaky changed (command)")
    assert "state: flaky BACKOFF -> STOPPED" in log[at:]
    assert "state: flaky STOPPED -> STARTING" in log[at:]
    st = d.wait_state("flaky", "RUNNING")
    # RUNNING at the fork (startsecs=0): the exec may still be on its way.
    wait_for(lambda: cmdline(st["pid"]) == [b"sleep", b"1003"],
             what="pid %d to run sleep 1003" % st["pid"])


def test_fatal_changed_gets_a_fresh_start(daemon):
    d = daemon
    d.write_config(program("broken", "/nonexistent/x", startretries=0))
    d.start()
    d.wait_state("broken", "FATAL")
    d.write_config(sleeper("broken"))
    assert reload(d)["result"]["changed"] == ["broken"]
    d.wait_state("broken", "RUNNING")


def test_stopped_changed_stays_stopped(daemon):
    d = daemon
    d.write_config(sleeper("held", 1001))
    d.start()
    d.wait_state("held", "RUNNING")
    d.supctl("stop", "held", check=0)
    d.write_config(sleeper("held", 1002))
    assert reload(d)["result"]["changed"] == ["held"]
    assert d.status("held")["state"] == "STOPPED"
    d.supctl("start", "held", check=0)
    assert exec_cmdline(d.status("held")["pid"]) == [b"sleep", b"1002"]


def test_removed_program_ignoring_sigterm(daemon):
    d = daemon
    path = os.path.join(d.dir, "ign")
    d.write_config(ignorer("stubborn", path, stopwaitsecs=2) +
                   sleeper("keep"))
    d.start()
    d.wait_state("stubborn", "RUNNING")
    pid = ignorer_pid(path)
    keep = d.wait_state("keep", "RUNNING")["pid"]
    d.write_config(sleeper("keep"))
    res = reload(d)["result"]
    assert res["removed"] == ["stubborn"]
    assert res["in_transition"] == ["stubborn"]
    # Out of the configuration at once; the process is still stopping.
    assert sorted(d.status()) == ["keep"]
    d.supctl("status", "stubborn", check=4)
    wait_for(lambda: term_times(path), what="SIGTERM to reach it")
    t_term = term_times(path)[0]
    wait_dead(pid, timeout=30)
    died = time.time()
    assert died - t_term >= 1.9, "killed %.2fs after SIGTERM" % (
        died - t_term)
    d.wait_log("killing 'stubborn' (%d) with SIGKILL" % pid)
    d.wait_log("reload: stubborn is down and dropped from the configuration")
    assert d.status("keep")["pid"] == keep
    assert not [c for c in children_of(d.proc.pid) if c[1] == "Z"]


def test_added_back_while_still_stopping(daemon):
    d = daemon
    path = os.path.join(d.dir, "ign")
    d.write_config(ignorer("svc", path, stopwaitsecs=3))
    d.start()
    d.wait_state("svc", "RUNNING")
    old = ignorer_pid(path)
    d.write_config("")
    assert reload(d)["result"]["removed"] == ["svc"]
    wait_for(lambda: term_times(path), what="SIGTERM to reach it")
    os.unlink(path)
    d.write_config(ignorer("svc", path, stopwaitsecs=3))
    res = reload(d)["result"]
    assert res["added"] == ["svc"]
    # One process of that name at a time: the new one only once the old
    # one was killed.
    st = d.status("svc")
    assert st["state"] == "STOPPING" and st["pid"] == old
    new = wait_new_pid(d, "svc", old)
    assert not pid_alive(old)
    assert new == ignorer_pid(path)
    assert "dropped from the configuration" not in d.log()


def test_shutdown_waits_for_removed(daemon):
    d = daemon
    path = os.path.join(d.dir, "ign")
    d.write_config(ignorer("stubborn", path, stopwaitsecs=2) +
                   sleeper("keep"))
    d.start()
    d.wait_state("stubborn", "RUNNING")
    d.wait_state("keep", "RUNNING")
    pid = ignorer_pid(path)
    d.write_config(sleeper("keep"))
    reload(d)
    wait_for(lambda: term_times(path), what="SIGTERM to reach it")
    d.signal(signal.SIGTERM)
    assert d.wait_exit(timeout=30) == 0
    assert not pid_alive(pid)
    log = d.log()
    assert log.index("killing 'stubborn'") < log.index(
        "every process is down")


def test_reload_refused_while_shutting_down(daemon):
    d = daemon
    path = os.path.join(d.dir, "ign")
    d.write_config(ignorer("stubborn", path, stopwaitsecs=5))
    d.start()
    d.wait_state("stubborn", "RUNNING")
    ignorer_pid(path)
    d.signal(signal.SIGTERM)
    wait_for(lambda: term_times(path), what="SIGTERM to reach it")
    reply = reload(d, ok=False)
    assert reply["error"]["code"] == "shutting_down"
    assert d.wait_exit(timeout=30) == 0


def test_many_reloads(daemon):
    d = daemon
    a = sleeper("keep") + sleeper("flip", 1001) + sleeper("gone") + \
        sleeper("w", numprocs=3, process_name="w_%(process_num)d")
    b = sleeper("keep") + sleeper("flip", 1002) + sleeper("come") + \
        sleeper("w", numprocs=2, process_name="w_%(process_num)d")
    d.write_config(a)
    d.start()
    for name in ("keep", "flip", "gone", "w:w_0", "w:w_1", "w:w_2"):
        d.wait_state(name, "RUNNING")
    keep = d.status("keep")["pid"]
    w0 = d.status("w:w_0")["pid"]
    fds = daemon_fds(d)
    for i in range(40):
        d.write_config(b if i % 2 == 0 else a)
        res = reload(d)["result"]
        assert res["unchanged"] == 3
        assert len(res["changed"]) == 1
    # Even count: back at config a, everything settles.
    for name in ("keep", "flip", "gone", "w:w_0", "w:w_1", "w:w_2"):
        d.wait_state(name, "RUNNING")
    wait_gone(d, "come")
    assert sorted(d.status()) == ["flip", "gone", "keep", "w:w_0", "w:w_1",
                                  "w:w_2"]
    assert d.status("keep")["pid"] == keep
    assert d.status("w:w_0")["pid"] == w0
    assert exec_cmdline(d.status("flip")["pid"]) == [b"sleep", b"1001"]

    # Nothing left behind: descriptors back to what they were (log pipes
    # of the processes that were dropped have drained and closed), only
    # the configured processes alive among the daemon's children.
    wait_for(lambda: daemon_fds(d) == fds,
             what="the daemon's descriptors back to %s (now %s)" %
             (fds, daemon_fds(d)))
    # The guardian is the daemon's child too.
    with open(d.pidfile + ".json") as f:
        live = set(pids(d).values()) | {json.load(f)["guardian"]}
    wait_for(lambda: {c for c, s in children_of(d.proc.pid) if s != "Z"}
             == live, what="only configured children and the guardian")
    d.signal(signal.SIGTERM)
    assert d.wait_exit() == 0
