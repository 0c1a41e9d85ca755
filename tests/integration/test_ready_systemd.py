"""The daemon's own notifications to systemd (Type=notify), read from a
datagram socket the test binds and names in NOTIFY_SOCKET."""
import os
import signal
import socket
import time
import uuid

import pytest

from conftest import helper
from ready_util import (FakeSystemd, notify_ready, out_path, printed,
                        program)


@pytest.fixture
def systemd(tmp_path):
    s = FakeSystemd(path=os.path.join(str(tmp_path), "systemd.sock"))
    yield s
    s.close()


def test_ready_once_listening_and_launched(daemon, systemd):
    """READY=1 (with MAINPID= and STATUS=) once the socket answers and the
    autostart programs were launched (forked), not before."""
    daemon.write_config(program("a", "sleep 1000", startsecs=1) +
                        program("b", "sleep 1000", startsecs=1) +
                        program("off", "sleep 1000", autostart="false"))
    daemon.start(env=systemd.env())
    m = systemd.wait_key("READY", "1")
    assert m["MAINPID"] == str(daemon.proc.pid)
    assert m["STATUS"] == "0 of 3 programs running"
    # By now the control socket listens (no retry needed) ...
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(daemon.sock)
    s.close()
    # ... and a and b were forked before READY=1 was sent.
    st = daemon.status()
    assert st["a"]["pid"] and st["b"]["pid"], st
    assert st["off"]["state"] == "STOPPED"
    log = daemon.log()
    ready = log.index("systemd: READY=1")
    assert log.index("spawned: 'a'") < ready
    assert log.index("spawned: 'b'") < ready
    assert log.index("control: listening on") < ready
    assert systemd.count("READY") == 1


def test_status_counts_running_programs(daemon, systemd):
    daemon.write_config(program("a", "sleep 1000", startsecs=1) +
                        program("b", "sleep 1000", startsecs=1) +
                        program("bad", helper("exit_after") + " -- 0 1",
                                startretries=0))
    daemon.start(env=systemd.env())
    systemd.wait_key("STATUS", "2 of 3 programs running, 1 FATAL")
    daemon.supctl("stop", "a", check=0)
    systemd.wait_key("STATUS", "1 of 3 programs running, 1 FATAL")


def test_status_is_rate_limited(daemon, systemd):
    """Many transitions at once: STATUS= at most about once a second."""
    progs = "".join(program("p%d" % i, "sleep 1000", startsecs=0)
                    for i in range(20))
    daemon.write_config(progs)
    daemon.start(env=systemd.env())
    systemd.wait_key("STATUS", "20 of 20 programs running")
    daemon.supctl("stop", "all", check=0)
    systemd.wait_key("STATUS", "0 of 20 programs running")
    times = [m["_at"] for m in systemd.messages if "STATUS" in m]
    # 40 changes; a message per change would be ~40 in well under 2 s.
    span = times[-1] - times[0]
    assert len(times) <= span / 0.9 + 3, (len(times), span)


def test_stopping_on_sigterm(daemon, systemd):
    daemon.write_config(program("a", "sleep 1000", startsecs=0))
    daemon.start(env=systemd.env())
    systemd.wait_key("READY", "1")
    daemon.signal(signal.SIGTERM)
    m = systemd.wait_key("STOPPING", "1")
    assert m["STATUS"].startswith("stopping: ")
    assert daemon.wait_exit() == 0
    systemd.wait_key("STATUS", "stopping: 0 of 1 programs running")


def test_stopping_on_supctl_shutdown(daemon, systemd):
    daemon.write_config("")
    daemon.start(env=systemd.env())
    systemd.wait_key("READY", "1")
    daemon.supctl("shutdown", check=0)
    systemd.wait_key("STOPPING", "1")


def test_watchdog_pings(daemon, systemd):
    daemon.write_config("")
    daemon.start(env=systemd.env(WATCHDOG_USEC="400000"))
    systemd.wait_key("READY", "1")
    pings = systemd.wait_count("WATCHDOG", 4)
    # Every 0.2 s (half of WATCHDOG_USEC), not in a burst.
    assert pings[3] - pings[0] >= 0.5, pings
    daemon.wait_log("systemd watchdog: WATCHDOG=1 every 0.200 seconds")


def test_watchdog_for_another_pid(daemon, systemd):
    daemon.write_config("")
    daemon.start(env=systemd.env(WATCHDOG_USEC="200000",
                                 WATCHDOG_PID="1"))
    systemd.wait_key("READY", "1")
    daemon.wait_log("systemd watchdog is for pid 1, not us")
    with pytest.raises(AssertionError):
        systemd.wait_key("WATCHDOG", "1", timeout=1.0)


def test_abstract_notify_socket(daemon):
    s = FakeSystemd(abstract="supervisord-test-%s" % uuid.uuid4().hex)
    try:
        daemon.write_config("")
        daemon.start(env=s.env())
        s.wait_key("READY", "1")
        daemon.signal(signal.SIGTERM)
        s.wait_key("STOPPING", "1")
    finally:
        s.close()


def test_not_inherited_by_programs(daemon, systemd):
    """NOTIFY_SOCKET and WATCHDOG_* are the daemon's own: a program gets
    none of them, a ready=notify one gets the daemon's program socket."""
    cmd = ("sh -c 'echo NOTIFY_SOCKET=${NOTIFY_SOCKET-unset}; "
           "echo WATCHDOG_USEC=${WATCHDOG_USEC-unset}; exec sleep 1000'")
    daemon.write_config(
        program("plain", cmd, stdout_logfile=out_path(daemon, "plain"),
                startsecs=0) +
        program("n", notify_ready(), ready="notify", startsecs=30,
                stdout_logfile=out_path(daemon, "n")))
    daemon.start(env=systemd.env(WATCHDOG_USEC="5000000"))
    systemd.wait_key("READY", "1")
    assert printed(daemon, "plain", "NOTIFY_SOCKET") == "unset"
    assert printed(daemon, "plain", "WATCHDOG_USEC") == "unset"
    daemon.wait_state("n", "RUNNING")
    mine = printed(daemon, "n", "NOTIFY_SOCKET")
    assert mine != systemd.name
    assert mine == os.path.join(daemon.dir, "supervisord.d", "notify.sock")
    assert printed(daemon, "n", "WATCHDOG_USEC") == "unset"


def test_unreachable_systemd_is_not_fatal(daemon, tmp_path):
    """A NOTIFY_SOCKET nobody listens on: logged once, the daemon runs."""
    daemon.write_config(program("a", "sleep 1000", startsecs=0))
    daemon.start(env={"NOTIFY_SOCKET": str(tmp_path / "nobody.sock")})
    daemon.wait_state("a", "RUNNING")
    daemon.wait_log("systemd notification failed")
    assert daemon.log().count("systemd notification failed") == 1
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0


def test_reloading_around_a_reload(daemon, systemd):
    """RELOADING=1 with MONOTONIC_USEC, then READY=1, around a reload (the
    request and SIGHUP), and around one that is refused too."""
    daemon.write_config(program("a", "sleep 1000", startsecs=0))
    daemon.start(env=systemd.env())
    first = systemd.wait_key("READY", "1")
    r = daemon.request({"cmd": "reload"})
    assert r["ok"], r
    m = systemd.wait_key("RELOADING", "1")
    now = time.monotonic() * 1e6
    assert abs(int(m["MONOTONIC_USEC"]) - now) < 60e6
    assert m["STATUS"] == "reloading the configuration"
    again = systemd.wait(lambda x: x.get("READY") == "1" and x is not first,
                         "READY=1 after RELOADING=1")
    assert again["_at"] >= m["_at"]
    assert systemd.messages.index(again) > systemd.messages.index(m)
    daemon.signal(signal.SIGHUP)
    systemd.wait_count("RELOADING", 2)
    systemd.wait_count("READY", 3)
    # A broken file: refused, and systemd is told it is ready again.
    with open(daemon.conf, "a") as f:
        f.write("[program:b]\ncommand = sleep 1\ndepends_on = nothing\n")
    r = daemon.request({"cmd": "reload"})
    assert not r["ok"] and "no such program 'nothing'" in \
        r["error"]["message"], r
    systemd.wait_count("RELOADING", 3)
    systemd.wait_count("READY", 4)
