"""supctl against the real daemon: every command, its output as a user
reads it, --json for scripts, and every exit status of supctl(1)."""
import json
import os
import pty
import re
import signal
import socket
import subprocess
import threading
import time
import unicodedata

import pytest

from conftest import SUPCTL, children_of, pid_alive, wait_for, DEADLINE

PROGRAMS = """\
    [program:web]
    command = sleep 1000
    numprocs = 2
    process_name = web_%(process_num)02d
    startsecs = 0

    [program:worker]
    command = sleep 1000
    startsecs = 0

    [program:idle]
    command = sleep 1000
    startsecs = 0
    autostart = false

    [program:slow]
    command = sleep 1000
    startsecs = 3
    autostart = false

    [program:broken]
    command = /nonexistent/bin/daemon
    startretries = 0
    autostart = false

    [program:flaky]
    command = sh -c "exit 7"
    startsecs = 1
    startretries = 0
    autostart = false

    [program:chatty]
    command = sh -c 'i=0; while :; do echo "msg $i"; i=$((i+1)); sleep 0.02; done'
    stdout_logfile = %(here)s/chatty.log
    startsecs = 0
    """


@pytest.fixture
def d(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start()
    for name in ("web:web_00", "web:web_01", "worker", "chatty"):
        daemon.wait_state(name, "RUNNING")
    return daemon


STATUS_LINE = re.compile(r"^(\S+) +(\S+) +(.*)$")


def test_status_table(d):
    r = d.supctl("status", check=3)     # idle, slow ... are stopped
    lines = r.stdout.splitlines()
    names = [STATUS_LINE.match(line).group(1) for line in lines]
    assert names == ["broken", "chatty", "flaky", "idle", "slow",
                     "web:web_00", "web:web_01", "worker"]
    pid = d.status("web:web_00")["pid"]
    # supervisorctl's columns: name to 33, state to 10, description.
    assert ("web:web_00" + " " * 23 + "RUNNING   pid %d, uptime 0:00:0" % pid
            in r.stdout), r.stdout
    assert re.search(r"^idle {29}STOPPED   Not started$", r.stdout, re.M)
    assert "\033[" not in r.stdout   # not a terminal: no colour


def test_status_named_and_exit_codes(d):
    r = d.supctl("status", "web:*", "worker", check=0)
    assert [line.split()[0] for line in r.stdout.splitlines()] == [
        "web:web_00", "web:web_01", "worker"]
    r = d.supctl("status", "idle", "worker", check=3)
    assert "STOPPED" in r.stdout and "RUNNING" in r.stdout
    r = d.supctl("status", "nope", "worker", check=4)
    assert "nope: ERROR (no such process)" in r.stdout
    assert re.search(r"^worker +RUNNING", r.stdout, re.M)
    # All programs, supervisorctl's rule: 3 when one is STOPPED, EXITED,
    # FATAL or UNKNOWN (idle, slow ... are stopped).
    d.supctl("status", "all", check=3)
    d.supctl("status", check=3)


def test_status_exit_code_of_all_programs(daemon):
    """Without names: 0 when none is down (STARTING or BACKOFF is not),
    3 as soon as one is STOPPED, EXITED or FATAL."""
    daemon.write_config("""\
        [program:up]
        command = sleep 1000
        startsecs = 0

        [program:starting]
        command = sleep 1000
        startsecs = 1000

        [program:oneshot]
        command = true
        startsecs = 0
        autorestart = false
        autostart = false
        """)
    daemon.start()
    daemon.wait_state("up", "RUNNING")
    daemon.wait_state("starting", "STARTING")
    daemon.supctl("status", "oneshot", check=3)
    r = daemon.supctl("status", check=3)       # oneshot is STOPPED
    assert "STOPPED" in r.stdout
    daemon.request({"cmd": "start", "names": ["oneshot"], "wait": False})
    daemon.wait_state("oneshot", "EXITED")
    daemon.supctl("status", check=3)           # EXITED is down too
    # Only RUNNING and STARTING: 0 (supervisorctl counts STARTING as up),
    # while naming the STARTING one is 3, as before.
    daemon.supctl("status", "up", "starting", check=3)
    daemon.write_config("""\
        [program:up]
        command = sleep 1000
        startsecs = 0

        [program:starting]
        command = sleep 1000
        startsecs = 1000
        """)
    daemon.supctl("reload", check=0)
    wait_for(lambda: "oneshot" not in daemon.status(), what="oneshot gone")
    daemon.supctl("status", check=0)
    daemon.supctl("status", "all", check=0)


def test_status_long_names_align(daemon):
    long = "a_rather_long_program_name_indeed_x"
    daemon.write_config("""\
        [program:%s]
        command = sleep 1000
        [program:b]
        command = sleep 1000
        """ % long)
    daemon.start()
    daemon.wait_state(long, "RUNNING")
    daemon.wait_state("b", "RUNNING")
    r = daemon.supctl("status", check=0)
    cols = [line.index("RUNNING") for line in r.stdout.splitlines()]
    assert cols == [len(long) + 3] * 2, r.stdout


def display_width(text):
    """Columns on a terminal: East Asian wide characters take two,
    combining ones none."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def test_status_aligned_by_display_width(daemon):
    """Names like café (a combining accent) or 日本 (wide): the states
    line up on a terminal, by columns, not bytes or characters."""
    wide = "日本語" * 6         # 18 characters, 36 columns
    daemon.write_config("""\
        [program:cafe\u0301]
        command = sleep 1000
        [program:日本]
        command = sleep 1000
        [program:%s]
        command = sleep 1000
        [program:plain]
        command = sleep 1000
        """ % wide)
    daemon.start()
    for name in ("cafe\u0301", "日本", wide, "plain"):
        daemon.wait_state(name, "RUNNING")
    r = daemon.supctl("status", check=0, env={"LANG": "C", "LC_ALL": ""})
    cols = {display_width(line[:line.index("RUNNING")])
            for line in r.stdout.splitlines()}
    assert cols == {display_width(wide) + 3}, r.stdout


def test_colour_on_a_terminal_only(d):
    def run_tty(env_extra):
        master, slave = pty.openpty()
        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        env.update(env_extra)
        p = subprocess.Popen([SUPCTL, "-c", d.conf, "status"], stdout=slave,
                             stderr=subprocess.PIPE, env=env)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        p.wait(timeout=DEADLINE)
        os.close(master)
        return out.decode()

    out = run_tty({})
    assert "\033[32mRUNNING" in out and "\033[0m" in out
    out = run_tty({"NO_COLOR": "1"})
    assert "\033[" not in out and "RUNNING" in out


def test_status_json(d):
    r = d.supctl("--json", "status", "worker", check=0)
    doc = json.loads(r.stdout)
    p, = doc["processes"]
    assert p["fullname"] == "worker" and p["state"] == "RUNNING"
    assert p["pid"] == d.status("worker")["pid"]
    # --json is the daemon's whole entry, not the table's four fields.
    assert len(p) == 22
    assert p["stdout_logfile"] and p["waiting_for"] == []
    assert p["exit"] is None and p["restarts"] == 0
    r = d.supctl("--json", "status", "ghost", check=4)
    doc = json.loads(r.stdout)
    assert doc["ok"] is False
    assert doc["error"]["code"] == "no_such_process"
    assert doc["result"]["unknown"] == ["ghost"]



def test_status_table_from_a_daemon_without_fields(tmp_path):
    """A daemon older than status's "fields" refuses it as an unknown
    argument: supctl asks again without it and shows the same table."""
    path = str(tmp_path / "old.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    srv.settimeout(DEADLINE)
    seen = []
    entry = {"name": "w", "group": "w", "fullname": "w", "state": "RUNNING",
             "statecode": 20, "description": "pid 42, uptime 0:00:05",
             "pid": 42, "status_text": ""}

    def serve():
        conn, _ = srv.accept()
        with conn, conn.makefile("rwb") as f:
            for line in f:
                if not line.strip():
                    continue	# blank lines are none (supctl(1))
                req = json.loads(line)
                seen.append(req)
                if "fields" in req:
                    reply = {"ok": False, "error": {
                        "code": "bad_request", "message":
                        "unknown argument 'fields' for 'status'"}}
                else:
                    reply = {"ok": True, "result": {"processes": [entry]}}
                f.write((json.dumps(reply) + "\n").encode())
                f.flush()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        r = subprocess.run([SUPCTL, "-s", path, "status"],
                           capture_output=True, text=True, timeout=DEADLINE)
    finally:
        t.join(DEADLINE)
        srv.close()
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert r.stdout == "w" + " " * 32 + "RUNNING   pid 42, uptime 0:00:05\n"
    assert [sorted(q) for q in seen] == [["cmd", "fields"], ["cmd"]]
    assert seen[0]["fields"] == ["fullname", "state", "description",
                                 "status_text"]

def test_start_stop_restart_output(d):
    r = d.supctl("start", "idle", check=0)
    assert r.stdout == "idle: started\n"
    r = d.supctl("start", "idle", check=0)
    assert r.stdout == "idle: ERROR (already started)\n"
    r = d.supctl("stop", "idle", check=0)
    assert r.stdout == "idle: stopped\n"
    assert d.status("idle")["state"] == "STOPPED"
    r = d.supctl("stop", "idle", check=0)
    assert r.stdout == "idle: ERROR (not running)\n"
    old = d.status("worker")["pid"]
    r = d.supctl("restart", "worker", check=0)
    assert r.stdout == "worker: stopped\nworker: started\n"
    assert d.status("worker")["pid"] != old
    r = d.supctl("restart", "web:*", check=0)
    assert r.stdout.splitlines() == [
        "web:web_00: stopped", "web:web_00: started",
        "web:web_01: stopped", "web:web_01: started"]


def test_start_waits_and_no_wait(d):
    t0 = time.monotonic()
    d.supctl("start", "slow", check=0)
    assert time.monotonic() - t0 >= 2.9
    assert d.status("slow")["state"] == "RUNNING"
    d.supctl("stop", "slow", check=0)
    t0 = time.monotonic()
    r = d.supctl("start", "--no-wait", "slow", check=0)
    assert time.monotonic() - t0 < 2
    assert r.stdout == "slow: starting\n"
    assert d.status("slow")["state"] == "STARTING"
    r = d.supctl("stop", "--no-wait", "slow", check=0)
    assert r.stdout in ("slow: stopping\n", "slow: stopped\n")
    d.wait_state("slow", "STOPPED")


def test_start_failures_exit_1(d):
    r = d.supctl("start", "broken", check=1)
    assert r.stdout.startswith("broken: ERROR (spawn error: ")
    assert "/nonexistent/bin/daemon: No such file or directory" in r.stdout
    r = d.supctl("start", "flaky", check=1)
    assert r.stdout == ("flaky: ERROR (abnormal termination: exit status "
                        "7)\n")
    r = d.supctl("start", "idle", "broken", check=1)
    assert "idle: started" in r.stdout and "broken: ERROR" in r.stdout
    r = d.supctl("--json", "start", "broken", check=1)
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and doc["error"]["code"] == "spawn_error"
    assert doc["result"]["processes"][0]["fullname"] == "broken"


def test_actions_on_unknown_names_exit_4(d):
    r = d.supctl("start", "nope", check=4)
    assert r.stdout == "nope: ERROR (no such process)\n"
    d.supctl("stop", "web:nope", "worker", check=4)
    assert d.status("worker")["state"] == "RUNNING"   # nothing done
    d.supctl("restart", "nogroup:*", check=4)
    d.supctl("signal", "HUP", "nope", check=4)
    d.supctl("tail", "nope", check=4)
    d.supctl("pid", "nope", check=4)


def test_all(d):
    r = d.supctl("stop", "all", check=0)
    assert "web:web_00: stopped" in r.stdout
    assert "idle: ERROR (not running)" in r.stdout
    st = d.status()
    assert all(p["state"] in ("STOPPED", "FATAL") for p in st.values()), st
    r = d.supctl("start", "web:*", "worker", check=0)
    assert r.stdout.splitlines() == ["web:web_00: started",
                                     "web:web_01: started", "worker: started"]


def test_signal(d):
    pid = d.status("worker")["pid"]
    r = d.supctl("signal", "STOP", "worker", check=0)
    assert r.stdout == "worker: signalled\n"
    wait_for(lambda: open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1]
             .split()[0] == "T", what="worker stopped by SIGSTOP")
    d.supctl("signal", "SIGCONT", "worker", check=0)
    d.supctl("signal", "18", "worker", check=0)
    r = d.supctl("signal", "HUP", "idle", check=1)
    assert r.stdout == "idle: ERROR (not running)\n"
    r = d.supctl("signal", "BOGUS", "worker", check=2)
    assert "bad signal" in r.stderr
    d.supctl("signal", "99", "worker", check=2)
    d.supctl("signal", "HUP", check=2)


def _sleep_child(ppid, arg):
    """The pid of ppid's child running `sleep ARG`, or None."""
    for pid, _ in children_of(ppid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if f.read().split(b"\0")[:2] == [b"sleep", arg.encode()]:
                    return pid
        except OSError:
            pass
    return None


TRAPPER = """\
    [program:trapper]
    command = bash -c 'trap "echo got HUP" HUP; sleep 1001 & while :; do wait; sleep 0.05; done'
    stdout_logfile = %(here)s/trapper.log
    startsecs = 0
    """


def test_signal_reaches_the_main_process_only(daemon):
    """Supervisor's signalProcess: the program's process, not its children
    (bash traps HUP and its sleep lives on)."""
    daemon.write_config(TRAPPER)
    daemon.start()
    pid = daemon.wait_state("trapper", "RUNNING")["pid"]
    sleeper = wait_for(lambda: _sleep_child(pid, "1001"), what="the sleep")
    daemon.supctl("signal", "HUP", "trapper", check=0)
    log = os.path.join(daemon.dir, "trapper.log")
    wait_for(lambda: os.path.exists(log) and "got HUP" in open(log).read(),
             what="bash's trap")
    assert pid_alive(sleeper), "the child was signalled too"
    assert daemon.status("trapper")["pid"] == pid
    # The JSON request says so with "group": false, the default.
    reply = daemon.request({"cmd": "signal", "names": ["trapper"],
                            "signal": "HUP", "group": False})
    assert reply["ok"], reply
    wait_for(lambda: open(log).read().count("got HUP") == 2, what="2nd trap")
    assert pid_alive(sleeper)


def test_signal_group_reaches_every_process(daemon):
    daemon.write_config(TRAPPER)
    daemon.start()
    pid = daemon.wait_state("trapper", "RUNNING")["pid"]
    sleeper = wait_for(lambda: _sleep_child(pid, "1001"), what="the sleep")
    r = daemon.supctl("signal", "--group", "HUP", "trapper", check=0)
    assert r.stdout == "trapper: signalled\n"
    log = os.path.join(daemon.dir, "trapper.log")
    wait_for(lambda: os.path.exists(log) and "got HUP" in open(log).read(),
             what="bash's trap")
    wait_for(lambda: not pid_alive(sleeper), what="the sleep killed by HUP")
    assert daemon.status("trapper")["pid"] == pid
    reply = daemon.request({"cmd": "signal", "names": ["trapper"],
                            "signal": "HUP", "group": "yes"})
    assert reply["error"]["code"] == "bad_request", reply
    daemon.supctl("signal", "--group", "HUP", check=2)


def test_pid(d):
    r = d.supctl("pid", check=0)
    assert r.stdout == "%d\n" % d.proc.pid
    r = d.supctl("pid", "worker", check=0)
    assert r.stdout == "%d\n" % d.status("worker")["pid"]
    r = d.supctl("pid", "web:*", check=0)
    assert len(r.stdout.split()) == 2
    r = d.supctl("pid", "idle", check=3)
    assert r.stdout == "0\n"


def test_reload_reread_update(d):
    # The reload itself is tested in test_reload_*.py, reread and update
    # in test_ctl_groups.py: here what they say when nothing changed.
    r = d.supctl("reload", check=0)
    assert r.stdout.endswith("0 added, 0 changed, 0 removed, "
                             "8 unchanged\n"), r.stdout
    r = d.supctl("reload", "--dry-run", check=0)
    assert r.stdout.startswith("dry run, nothing done: "), r.stdout
    d.supctl("reload", "--frobnicate", check=2)
    r = d.supctl("reread", check=0)
    assert r.stdout == "No config updates to processes\n"
    d.supctl("reread", "extra", check=2)
    assert d.supctl("update", check=0).stdout == ""
    assert d.supctl("update", "--dry-run", check=0).stdout == ""


def test_version(d):
    r = d.supctl("version", check=0)
    assert r.stdout == ("supervisord 0.1.0 (protocol 1)\n"
                        "supctl 0.1.0 (protocol 1)\n")
    doc = json.loads(d.supctl("--json", "version", check=0).stdout)
    assert doc["protocol"] == 1


def test_help_and_usage_errors(d):
    r = d.supctl("help", check=0)
    for cmd in ("status", "start", "stop", "restart", "signal", "pid",
                "reload", "reread", "avail", "update", "add", "remove",
                "shutdown", "tail", "maintail", "clear", "clearlog",
                "sendstdin", "fg", "events", "version", "help"):
        assert re.search(r"^  %s " % cmd, r.stdout, re.M), cmd
    r = d.supctl("help", "tail", check=0)
    assert r.stdout.startswith("usage: supctl tail [-f] [-n N | -BYTES] "
                               "NAME")
    d.supctl("help", "nope", check=2)
    d.supctl(check=2)
    r = d.supctl("frobnicate", check=2)
    assert "unknown command 'frobnicate'" in r.stderr
    d.supctl("start", check=2)
    d.supctl("start", "--bogus", "web", check=2)
    d.supctl("tail", check=2)
    d.supctl("tail", "-n", "x", "worker", check=2)
    d.supctl("tail", "worker", "stdin", check=2)
    d.supctl("version", "extra", check=2)
    r = subprocess.run([SUPCTL, "--timeout", "soon", "status"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    r = subprocess.run([SUPCTL, "-c", d.conf, "-s", d.sock, "status"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    r = subprocess.run([SUPCTL, "--bogus"], capture_output=True, text=True)
    assert r.returncode == 2


def test_tail(d):
    wait_for(lambda: "msg 20\n" in d.supctl("tail", "chatty").stdout,
             what="chatty's output")
    r = d.supctl("tail", "-n", "3", "chatty", check=0)
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and all(l.startswith("msg ") for l in lines)
    r = d.supctl("tail", "-n2", "chatty", "stdout", check=0)
    assert len(r.stdout.splitlines()) == 2
    r = d.supctl("tail", "chatty", "stderr", check=0)
    assert r.stdout == ""
    r = d.supctl("--json", "tail", "-n", "1", "chatty", check=0)
    doc = json.loads(r.stdout)
    assert doc["data"].startswith("msg ") and doc["stream"] == "stdout"


def test_tail_follow(d):
    r = d.supctl("--timeout", "4", "tail", "-f", "-n", "1", "chatty",
                 check=0)
    nums = [int(x) for x in re.findall(r"^msg (\d+)$", r.stdout, re.M)]
    # the line asked for, then what came while following, none lost (a
    # loaded machine runs the writer's 'sleep 0.02' far slower)
    assert len(nums) >= 5, r.stdout
    assert nums == list(range(nums[0], nums[0] + len(nums)))
    r = d.supctl("--json", "--timeout", "1", "tail", "-f", "chatty",
                 check=0)
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert "data" in docs[0] and docs[1]["stream"] == "tail"


def test_maintail(d):
    d.supctl("stop", "worker", check=0)
    r = d.supctl("maintail", "-n", "50", check=0)
    assert "stop worker" in r.stdout
    r = d.supctl("--timeout", "1", "maintail", "-f", check=0)
    assert r.stdout


def test_events(d):
    p = subprocess.Popen([SUPCTL, "-c", d.conf, "--timeout", "6", "events"],
                         stdout=subprocess.PIPE, text=True)
    d.wait_log("pid %d) subscribed to events" % p.pid)
    old = d.status("worker")["pid"]
    os.kill(old, signal.SIGKILL)
    out, _ = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0
    assert re.search(r" worker RUNNING -> EXITED \(pid %d, terminated by "
                     r"SIGKILL\)" % old, out), out
    assert re.search(r" worker EXITED -> STARTING \(pid \d+\)", out), out
    assert re.search(r" worker STARTING -> RUNNING \(pid \d+\)", out), out


def test_shutdown_waits_for_exit(daemon):
    daemon.write_config("""\
        [program:stubborn]
        command = sh -c "trap '' TERM; while :; do sleep 0.1; done"
        startsecs = 1
        stopwaitsecs = 2
        """)
    daemon.start()
    daemon.wait_state("stubborn", "RUNNING")
    t0 = time.monotonic()
    r = daemon.supctl("shutdown", check=0)
    assert r.stdout == "Shut down\n"
    assert time.monotonic() - t0 >= 1.9
    # Exited for real when supctl returned: only the reaping is left.
    assert daemon.proc.poll() == 0
    daemon.supctl("status", check=5)


def test_shutdown_timeout(daemon):
    daemon.write_config("""\
        [program:stubborn]
        command = sh -c "trap '' TERM; while :; do sleep 0.1; done"
        startsecs = 1
        stopwaitsecs = 5
        """)
    daemon.start()
    daemon.wait_state("stubborn", "RUNNING")
    r = daemon.supctl("--timeout", "1", "shutdown", check=1)
    assert "did not exit in time" in r.stderr
    assert daemon.wait_exit() == 0


def test_timeout_while_waiting(d):
    t0 = time.monotonic()
    r = d.supctl("--timeout", "0.5", "start", "slow", check=5)
    assert time.monotonic() - t0 < 2.5
    assert "no answer from the daemon" in r.stderr
    d.wait_state("slow", "RUNNING")
