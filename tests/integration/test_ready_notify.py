"""ready=notify: a program is RUNNING when it says READY=1 (sd_notify),
with startsecs as the deadline, through the daemon's notify socket."""
import json
import os
import shutil
import signal
import socket
import time

import pytest

from conftest import pid_alive
from engine_util import wait_dead, wait_count
from ready_util import (cue, notify_ready, out, out_path, printed,
                        program, wait, wait_spawned)

SYSTEMD_NOTIFY = shutil.which("systemd-notify") or "/usr/bin/systemd-notify"


def notify_program(d, name, command, **keys):
    keys.setdefault("ready", "notify")
    keys.setdefault("stdout_logfile", out_path(d, name))
    return program(name, command, **keys)


def test_starting_until_ready_then_running(daemon):
    """The helper waits for a cue before READY=1: STARTING well past the
    default startsecs, RUNNING at once after READY=1."""
    daemon.write_config(notify_program(daemon, "db", notify_ready("-u"),
                                       startsecs=60))
    daemon.start()
    st = wait_spawned(daemon, "db")
    pid = st["pid"]
    assert printed(daemon, "db", "pid") == str(pid)
    assert st["ready"] == "notify"
    # Well past what startsecs=1 would have taken: still STARTING.
    wait(daemon, lambda: daemon.status("db")["now"] - st["start"] > 2.0,
         "2 s since the spawn")
    assert daemon.status("db")["state"] == "STARTING"
    os.kill(pid, signal.SIGUSR1)
    st = daemon.wait_state("db", "RUNNING")
    assert st["pid"] == pid
    daemon.wait_log("db entered RUNNING state, it is ready (READY=1)")


def test_ready_after_a_delay(daemon):
    """READY=1 after 1.5 s: STARTING until then, RUNNING right after."""
    daemon.write_config(notify_program(daemon, "db",
                                       notify_ready("-d", 1500),
                                       startsecs=30))
    daemon.start()
    st = wait_spawned(daemon, "db")
    assert st["state"] == "STARTING"
    st = daemon.wait_state("db", "RUNNING")
    # The transition came with READY=1, not before it.
    assert st["since"] - st["start"] >= 1.4, st
    assert st["since"] - st["start"] < 10, st


@pytest.mark.skipif(not os.path.exists(SYSTEMD_NOTIFY),
                    reason="systemd-notify is not installed (Debian "
                    "package systemd)")
def test_systemd_notify_tool(daemon):
    """The real systemd-notify: --ready (with its BARRIER=1, which waits
    for us to close the descriptor it sends) and --status, from a shell
    script whose process group is the program's."""
    script = ("sh -c '%s --ready --status=\"warming up\"; echo rc1=$?; "
              "sleep 0.5; %s --status=serving; echo rc2=$?; "
              "exec sleep 1000'" % (SYSTEMD_NOTIFY, SYSTEMD_NOTIFY))
    daemon.write_config(notify_program(daemon, "web", script, startsecs=30))
    daemon.start()
    daemon.wait_state("web", "RUNNING")
    # Exit status 0: the barrier was answered (else it fails after 5 s).
    assert printed(daemon, "web", "rc1") == "0", out(daemon, "web")
    assert printed(daemon, "web", "rc2") == "0", out(daemon, "web")
    wait(daemon, lambda: daemon.status("web")["status_text"] == "serving",
         "STATUS=serving")
    r = daemon.supctl("status", "web", check=0)
    assert "RUNNING" in r.stdout and "- serving" in r.stdout, r.stdout


def test_status_text_in_status(daemon):
    daemon.write_config(notify_program(
        daemon, "db", notify_ready("-s", "'accepting connections'"),
        startsecs=30))
    daemon.start()
    st = daemon.wait_state("db", "RUNNING")
    assert st["status_text"] == "accepting connections"
    r = daemon.supctl("status", "db", check=0)
    line = r.stdout.strip()
    assert line.startswith("db ") and "RUNNING" in line, line
    assert line.endswith("- accepting connections"), line
    assert "pid %d, uptime" % st["pid"] in line, line
    r = daemon.supctl("--json", "status", "db", check=0)
    doc = json.loads(r.stdout)
    assert doc["processes"][0]["status_text"] == "accepting connections"


def test_deadline_is_a_failed_start(daemon):
    """No READY=1 within startsecs: the process is stopped and the start
    failed, as an exit during STARTING does: BACKOFF, then FATAL."""
    daemon.write_config(notify_program(daemon, "mute", notify_ready("-n"),
                                       startsecs=1, startretries=1,
                                       autostart="false"))
    daemon.start()
    daemon.status()
    t0 = time.monotonic()
    r = daemon.supctl("start", "mute")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "not ready: no READY=1 within startsecs (1 seconds)" in \
        r.stdout + r.stderr, (r.stdout, r.stderr)
    assert time.monotonic() - t0 >= 0.9
    first = int(printed(daemon, "mute", "pid"))
    wait_dead([first])
    st = daemon.wait_state("mute", "FATAL")
    assert "not ready: no READY=1 within startsecs" in st["description"]
    assert st["pid"] == 0
    assert wait_count(daemon, "spawned: 'mute'", 2)
    daemon.wait_log("mute: not ready: no READY=1 within startsecs (1 "
                    "seconds); stopping it")


def test_startsecs_zero_waits_for_ever(daemon):
    """startsecs=0 with ready=notify: no deadline at all."""
    daemon.write_config(notify_program(daemon, "slow", notify_ready("-u"),
                                       startsecs=0))
    daemon.start()
    st = wait_spawned(daemon, "slow")
    wait(daemon, lambda: daemon.status("slow")["now"] - st["start"] > 2.5,
         "2.5 s since the spawn")
    assert daemon.status("slow")["state"] == "STARTING"
    assert cue(daemon, "slow") == st["pid"]
    daemon.wait_state("slow", "RUNNING")


def test_any_process_of_the_group(daemon):
    """READY=1 from a child of the program (same process group) counts."""
    daemon.write_config(notify_program(daemon, "w", notify_ready("-f"),
                                       startsecs=30))
    daemon.start()
    st = daemon.wait_state("w", "RUNNING")
    child = int(printed(daemon, "w", "child"))
    assert child != st["pid"]
    daemon.wait_log("notify: w (pid %d): READY=1" % child)


def test_foreign_sender_is_ignored(daemon):
    """A process outside the program's group cannot make it ready."""
    daemon.write_config(notify_program(daemon, "w", notify_ready("-u"),
                                       startsecs=30))
    daemon.start()
    st = wait_spawned(daemon, "w")
    path = printed(daemon, "w", "NOTIFY_SOCKET")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"READY=1", ("\0" + path[1:]) if path.startswith("@") else path)
    s.close()
    daemon.wait_log("notify: message from pid %d, of no program that may "
                    "send one: dropped" % os.getpid())
    assert daemon.status("w")["state"] == "STARTING"
    assert cue(daemon, "w") == st["pid"]
    daemon.wait_state("w", "RUNNING")


def test_notify_socket_given_only_to_notify_programs(daemon):
    daemon.write_config(
        notify_program(daemon, "n", notify_ready(), startsecs=30) +
        program("plain", "sh -c 'echo NOTIFY_SOCKET=${NOTIFY_SOCKET-unset};"
                " exec sleep 1000'", stdout_logfile=out_path(daemon, "plain"),
                startsecs=0))
    daemon.start()
    daemon.wait_state("n", "RUNNING")
    sock = os.path.join(daemon.dir, "supervisord.d", "notify.sock")
    assert printed(daemon, "n", "NOTIFY_SOCKET") == sock
    assert printed(daemon, "n", "WATCHDOG_USEC") == "unset"
    assert printed(daemon, "plain", "NOTIFY_SOCKET") == "unset"
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert not os.path.exists(sock)


def test_abstract_socket_when_the_path_is_too_long(daemon):
    rundir = os.path.join(daemon.dir, "r" * 60, "s" * 60)
    os.makedirs(os.path.dirname(rundir))
    daemon.write_config(notify_program(daemon, "n", notify_ready(),
                                       startsecs=30),
                        supervisord_extra="rundir = %s" % rundir)
    daemon.start()
    daemon.wait_state("n", "RUNNING")
    assert printed(daemon, "n", "NOTIFY_SOCKET").startswith("@")


def test_mainpid_hands_over(daemon):
    """MAINPID=: the program's child is the program from then on; the old
    leader's exit does not count, and a stop ends the new main process."""
    daemon.write_config(notify_program(daemon, "m", notify_ready("-m"),
                                       startsecs=30))
    daemon.start()
    st = daemon.wait_state("m", "RUNNING")
    leader = int(printed(daemon, "m", "pid"))
    child = int(printed(daemon, "m", "child"))
    wait(daemon, lambda: daemon.status("m")["pid"] == child,
         "pid to become the child's")
    daemon.wait_log("m: main pid %d -> %d (MAINPID=)" % (leader, child))
    os.kill(leader, signal.SIGUSR1)
    wait_dead([leader])
    daemon.wait_log("reaped pid %d" % leader)
    st = daemon.status("m")
    assert st["state"] == "RUNNING" and st["pid"] == child
    daemon.supctl("stop", "m", check=0)
    assert not pid_alive(child)
    assert daemon.status("m")["state"] == "STOPPED"


def test_watchdog_restarts_a_hung_program(daemon):
    """watchdog=1: WATCHDOG_USEC and WATCHDOG_PID are set; three pings,
    then silence: the process is stopped and restarted (unexpected)."""
    daemon.write_config(notify_program(daemon, "wd",
                                       notify_ready("-w", 200, "-W", 3),
                                       startsecs=30, watchdog=1))
    daemon.start()
    st = daemon.wait_state("wd", "RUNNING")
    first = st["pid"]
    assert printed(daemon, "wd", "WATCHDOG_USEC") == "1000000"
    assert printed(daemon, "wd", "WATCHDOG_PID") == str(first)
    daemon.wait_log("wd: watchdog: no WATCHDOG=1 within 1 seconds; "
                    "stopping it")
    wait_dead([first])
    st = wait(daemon, lambda: daemon.status("wd")["pid"] not in (0, first)
              and daemon.status("wd"), "a new process")
    assert st["exit"]["expected"] is False
    assert st["restarts"] >= 1


def test_watchdog_kept_alive(daemon):
    """Pings every 200 ms keep a watchdog=1 program running."""
    daemon.write_config(notify_program(daemon, "wd", notify_ready("-w", 200),
                                       startsecs=30, watchdog=1))
    daemon.start()
    st = daemon.wait_state("wd", "RUNNING")
    wait(daemon, lambda: daemon.status("wd")["now"] - st["since"] > 3,
         "3 s of RUNNING")
    now = daemon.status("wd")
    assert now["state"] == "RUNNING" and now["pid"] == st["pid"]
    assert "watchdog:" not in daemon.log()


def test_stopping_is_logged(daemon):
    daemon.write_config(notify_program(daemon, "p", notify_ready("-p"),
                                       startsecs=30))
    daemon.start()
    daemon.wait_state("p", "RUNNING")
    daemon.supctl("stop", "p", check=0)
    daemon.wait_log("p: the program is stopping (STOPPING=1)")
