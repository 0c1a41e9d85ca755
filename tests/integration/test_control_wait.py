"""start, stop and restart on the raw socket: waiting for the outcome (and
its reasons), not waiting, and never blocking anyone else meanwhile."""
import json
import os
import time

import pytest

from conftest import wait_for, DEADLINE

PROGRAMS = """\
    [program:slow]
    command = sleep 1000
    startsecs = 2
    autostart = false

    [program:quick]
    command = sleep 1000
    startsecs = 0
    autostart = false

    [program:dies]
    command = sh -c "sleep 0.2; exit 3"
    startsecs = 2
    startretries = 0
    autostart = false

    [program:crashes]
    command = sh -c "kill -SEGV $$"
    startsecs = 1
    startretries = 0
    autostart = false

    [program:missing]
    command = /nonexistent/bin/x
    startretries = 0
    autostart = false

    [program:stubborn]
    command = sh -c "trap '' TERM; while :; do sleep 0.1; done"
    startsecs = 1
    stopwaitsecs = 2
    autostart = false

    [group:pair]
    programs = quick,slow
    """


@pytest.fixture
def d(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start()
    daemon.status()
    return daemon


def one(reply):
    procs = reply["result"]["processes"]
    assert len(procs) == 1
    return procs[0]


def test_start_waits_until_running(d):
    t0 = time.monotonic()
    reply = d.request({"cmd": "start", "names": ["pair:slow"], "id": 1})
    took = time.monotonic() - t0
    assert reply["ok"] and reply["id"] == 1, reply
    p = one(reply)
    assert p["state"] == "RUNNING" and p["result"] == "started"
    assert p["ok"] is True and p["pid"] > 0
    assert took >= 1.9, took   # startsecs = 2
    assert d.status("pair:slow")["state"] == "RUNNING"


def test_start_without_waiting(d):
    t0 = time.monotonic()
    reply = d.request({"cmd": "start", "names": ["pair:slow"], "wait": False})
    assert time.monotonic() - t0 < 1.5
    p = one(reply)
    assert p["ok"] and p["result"] == "starting"
    assert p["state"] == "STARTING"
    d.wait_state("pair:slow", "RUNNING")


def test_start_already_started(d):
    d.request({"cmd": "start", "names": ["pair:quick"]})
    reply = d.request({"cmd": "start", "names": ["pair:quick"]})
    assert reply["ok"] is False
    assert reply["error"]["code"] == "already_started"
    assert one(reply)["error"] == {"code": "already_started",
                                   "message": "already started"}


def test_start_spawn_error_says_why(d):
    reply = d.request({"cmd": "start", "names": ["missing"]})
    assert reply["ok"] is False
    assert reply["error"]["code"] == "spawn_error"
    p = one(reply)
    assert p["error"]["code"] == "spawn_error"
    assert "/nonexistent/bin/x" in p["error"]["message"]
    assert "No such file or directory" in p["error"]["message"]
    assert p["spawnerr"].startswith("spawn error:")


def test_start_exit_while_starting_gives_status(d):
    reply = d.request({"cmd": "start", "names": ["dies"]})
    assert reply["ok"] is False
    p = one(reply)
    assert p["error"]["code"] == "abnormal_termination"
    assert "exit status 3" in p["error"]["message"]
    assert p["exit"]["code"] == 3 and p["exitstatus"] == 3


def test_start_killed_while_starting_gives_signal(d):
    reply = d.request({"cmd": "start", "names": ["crashes"]})
    p = one(reply)
    assert p["error"]["code"] == "abnormal_termination"
    assert "SIGSEGV" in p["error"]["message"]
    assert p["exit"]["signal"] == "SEGV"


def test_start_group_mixed_results(d):
    d.request({"cmd": "start", "names": ["pair:quick"]})
    reply = d.request({"cmd": "start", "names": ["pair:*", "missing"]})
    assert reply["ok"] is False
    res = {p["fullname"]: p for p in reply["result"]["processes"]}
    assert res["pair:quick"]["error"]["code"] == "already_started"
    assert res["pair:slow"]["ok"] and res["pair:slow"]["state"] == "RUNNING"
    assert res["missing"]["error"]["code"] == "spawn_error"


def test_stop_waits_until_stopped(d):
    d.request({"cmd": "start", "names": ["stubborn"]})
    pid = d.status("stubborn")["pid"]
    t0 = time.monotonic()
    reply = d.request({"cmd": "stop", "names": ["stubborn"]})
    took = time.monotonic() - t0
    p = one(reply)
    assert reply["ok"] and p["result"] == "stopped", reply
    assert p["state"] == "STOPPED" and p["pid"] == 0
    assert took >= 1.9, took   # SIGTERM ignored: SIGKILL after 2 s
    assert not os.path.exists("/proc/%d/status" % pid) or \
        "zombie" in open("/proc/%d/status" % pid).read()


def test_stop_without_waiting(d):
    d.request({"cmd": "start", "names": ["stubborn"]})
    t0 = time.monotonic()
    reply = d.request({"cmd": "stop", "names": ["stubborn"], "wait": False})
    assert time.monotonic() - t0 < 1.5
    p = one(reply)
    assert p["ok"] and p["result"] == "stopping" and p["state"] == "STOPPING"
    d.wait_state("stubborn", "STOPPED")


def test_stop_not_running(d):
    reply = d.request({"cmd": "stop", "names": ["quick"]})
    assert reply["error"]["code"] == "not_running"
    assert one(reply)["error"]["message"] == "not running"


def test_restart_running_and_stopped(d):
    d.request({"cmd": "start", "names": ["pair:quick"]})
    old = d.status("pair:quick")["pid"]
    reply = d.request({"cmd": "restart", "names": ["pair:quick", "stubborn"]})
    assert reply["ok"], reply
    res = {p["fullname"]: p for p in reply["result"]["processes"]}
    assert res["pair:quick"]["stopped"] is True
    assert res["pair:quick"]["result"] == "started"
    assert res["pair:quick"]["pid"] not in (0, old)
    assert res["stubborn"]["stopped"] is False
    assert res["stubborn"]["state"] == "RUNNING"


def test_restart_without_waiting(d):
    d.request({"cmd": "start", "names": ["stubborn"]})
    old = d.status("stubborn")["pid"]
    reply = d.request({"cmd": "restart", "names": ["stubborn"],
                       "wait": False})
    p = one(reply)
    assert p["ok"] and p["result"] == "restarting"
    # The start after the stop still happens, without any client.
    wait_for(lambda: d.status("stubborn")["state"] == "RUNNING" and
             d.status("stubborn")["pid"] != old,
             what="stubborn running again with a new pid")


def test_waiting_blocks_nobody(d):
    """While a start waits for startsecs, other clients are answered."""
    waiter = d.connect()
    waiter.sendall(b'{"cmd":"start","names":["pair:slow"],"id":"w"}\n')
    t0 = time.monotonic()
    for _ in range(5):
        assert d.request({"cmd": "status"})["ok"]
    assert time.monotonic() - t0 < 1.5
    assert d.status("pair:slow")["state"] == "STARTING"
    buf = b""
    while b"\n" not in buf:
        chunk = waiter.recv(65536)
        assert chunk
        buf += chunk
    reply = json.loads(buf)
    assert reply["id"] == "w" and one(reply)["state"] == "RUNNING"
    waiter.close()


def test_waiting_client_pipelines_in_order(d):
    """Requests behind a waiting one are answered after it, in order."""
    c = d.connect()
    c.sendall(b'{"cmd":"start","names":["pair:slow"],"id":1}\n'
              b'{"cmd":"status","names":["pair:slow"],"id":2}\n')
    buf = b""
    while buf.count(b"\n") < 2:
        chunk = c.recv(65536)
        assert chunk
        buf += chunk
    r1, r2 = (json.loads(x) for x in buf.splitlines()[:2])
    assert r1["id"] == 1 and r2["id"] == 2
    assert one(r2)["state"] == "RUNNING"
    c.close()


def test_waiting_client_leaves(d):
    """A client that leaves while waiting: the start goes on."""
    c = d.connect()
    c.sendall(b'{"cmd":"start","names":["pair:slow"]}\n')
    wait_for(lambda: d.status("pair:slow")["state"] == "STARTING",
             what="pair:slow STARTING")
    c.close()
    d.wait_state("pair:slow", "RUNNING")
    assert d.request({"cmd": "status"})["ok"]


def test_start_refused_while_shutting_down(d):
    d.request({"cmd": "start", "names": ["stubborn"]})
    c = d.connect()
    c.sendall(b'{"cmd":"shutdown"}\n')
    buf = b""
    while b"\n" not in buf:
        buf += c.recv(65536)
    # stubborn ignores SIGTERM: the shutdown takes stopwaitsecs.
    reply = d.request({"cmd": "start", "names": ["quick"]})
    assert reply["error"]["code"] == "shutting_down"
    assert d.request({"cmd": "status"})["ok"]
    assert d.wait_exit() == 0
    c.close()
