"""[eventlistener:x] pools: Supervisor 4.2's listener protocol, run with
listeners written with supervisor.childutils (listener_rec.py), the same
scenario under Python Supervisor and under ours for the payloads, and the
protocol's failures: FAIL, a listener dying or hanging while BUSY, bytes
out of protocol, overflow.  Skipped when the copy of Python Supervisor
(pysupervisor.py) cannot run."""
import json
import os
import re
import signal
import subprocess

import pytest

import pysupervisor
from conftest import DEADLINE, SHARED, pid_alive, under_asan
from engine_util import (count, exit_after, program, wait, wait_count,
                         wait_records)

HERE = os.path.dirname(os.path.abspath(__file__))
REC = os.path.join(HERE, "listener_rec.py")

_WHY = pysupervisor.unavailable()
pytestmark = pytest.mark.skipif(
    _WHY is not None, reason="no Python Supervisor for the listeners: %s"
    % _WHY)


def listener(name, out, mode="ok", events="PROCESS_STATE", **keys):
    argv = pysupervisor.script(REC, out, mode)
    text = ("[eventlistener:%s]\ncommand = %s\nevents = %s\n" %
            (name, " ".join(argv), events))
    for k, v in keys.items():
        text += "%s = %s\n" % (k, v)
    return text + "\n"


def records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def wait_event(d, path, pred, what, n=1, timeout=None):
    """Wait until n records of path match pred; returns all records."""
    def found():
        r = records(path)
        return r if sum(1 for e in r if pred(e)) >= n else None
    return wait(d, found, what, timeout)


def is_event(name, proc):
    return lambda e: (e["h"]["eventname"] == name and
                      ("processname:%s " % proc) in e["p"] + " ")


# -- the payloads, against Python Supervisor ------------------------------

SCENARIO = """\
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

{listener}
[program:ok]
command = sleep 1000

[program:bad]
command = false
startsecs = 10
startretries = 1

[program:quick]
command = true
startsecs = 0
autorestart = false
"""


def _scenario(d, out, stop):
    """Start, wait for the settled states, stop ok, wait for its STOPPED;
    returns the records."""
    wait_event(d, out, is_event("PROCESS_STATE_FATAL", "bad"), "bad FATAL",
               timeout=4 * DEADLINE)
    wait_event(d, out, is_event("PROCESS_STATE_RUNNING", "ok"), "ok RUNNING",
               timeout=4 * DEADLINE)
    wait_event(d, out, is_event("PROCESS_STATE_EXITED", "quick"),
               "quick EXITED", timeout=4 * DEADLINE)
    stop()
    return wait_event(d, out, is_event("PROCESS_STATE_STOPPED", "ok"),
                      "ok STOPPED", timeout=4 * DEADLINE)


def _by_process(recs):
    """Each process's (eventname, payload with pids masked), in order; and
    the checks every record must pass under both daemons."""
    out = {}
    for i, e in enumerate(recs):
        h = e["h"]
        assert h["ver"] == "3.0" and h["server"] == "supervisor", h
        assert h["pool"] == "rec" and int(h["len"]) == len(e["p"]), e
        # one pool, every event answered OK: both serials count from 0
        assert int(h["serial"]) == i and int(h["poolserial"]) == i, e
        name = re.match(r"processname:(\S+) ", e["p"]).group(1)
        masked = re.sub(r"pid:\d+", "pid:N", e["p"])
        out.setdefault(name, []).append((h["eventname"], masked))
    return out


def test_process_state_payloads_as_python_supervisor(daemon, tmp_path):
    """The same configuration and actions under both daemons: each
    process's events, header and payload, are the same but for pids."""
    out = os.path.join(daemon.dir, "ours.jsonl")
    daemon.write_config(SCENARIO.format(listener=listener(
        "rec", out, buffer_size=100)))
    daemon.start()
    ours = _scenario(daemon, out,
                     lambda: daemon.supctl("stop", "ok", check=0))
    daemon.kill()

    pydir = tmp_path / "python"
    pydir.mkdir()
    from conftest import Daemon
    py = Daemon(pydir)
    pyout = os.path.join(py.dir, "python.jsonl")
    py.write_config(SCENARIO.format(listener=listener(
        "rec", pyout, buffer_size=100)))
    proc = subprocess.Popen(pysupervisor.supervisord("-n", "-c", py.conf),
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=py.dir)
    py.proc = proc
    try:
        theirs = _scenario(py, pyout, lambda: subprocess.run(
            pysupervisor.python("from supervisor.supervisorctl import "
                                "main; main()", "-c", py.conf, "stop",
                                "ok"),
            capture_output=True, timeout=4 * DEADLINE))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=4 * DEADLINE)
    mine, python = _by_process(ours), _by_process(theirs)
    assert mine == python
    assert mine["bad"] == [
        ("PROCESS_STATE_STARTING",
         "processname:bad groupname:bad from_state:STOPPED tries:0"),
        ("PROCESS_STATE_BACKOFF",
         "processname:bad groupname:bad from_state:STARTING tries:1"),
        ("PROCESS_STATE_STARTING",
         "processname:bad groupname:bad from_state:BACKOFF tries:1"),
        ("PROCESS_STATE_BACKOFF",
         "processname:bad groupname:bad from_state:STARTING tries:2"),
        ("PROCESS_STATE_FATAL",
         "processname:bad groupname:bad from_state:BACKOFF")]
    assert ("PROCESS_STATE_EXITED", "processname:quick groupname:quick "
            "from_state:RUNNING expected:1 pid:N") in mine["quick"]


# -- the container pattern ------------------------------------------------

@pytest.mark.parametrize("how", ["kill", "rpc", "supervisorctl"])
def test_fatal_program_shuts_the_daemon_down(daemon, how):
    """A FATAL program makes a listener kill -QUIT $(cat pidfile), or call
    supervisor.shutdown() through SUPERVISOR_SERVER_URL, or run
    supervisorctl shutdown: the daemon stops every program and exits 0."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    rec = os.path.join(daemon.dir, "web.rec")
    mode = {"kill": "shutdown:" + daemon.pidfile, "rpc": "rpcshutdown",
            "supervisorctl": "ctlshutdown:" + daemon.conf}[how]
    daemon.write_config(
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = "
        "supervisor.rpcinterface:make_main_rpcinterface\n\n" +
        listener("watch", out, mode, events="PROCESS_STATE_FATAL") +
        program("web", exit_after(-1, 0, rec), startsecs=0) +
        program("main", "sh -c 'sleep 1; exit 1'", startsecs=5,
                startretries=0))
    daemon.start()
    (web_pid, _), = wait_records(rec, 1)
    assert daemon.wait_exit(timeout=4 * DEADLINE) == 0, daemon.output()
    assert not pid_alive(web_pid)
    (e,) = records(out)
    assert e["h"]["eventname"] == "PROCESS_STATE_FATAL"
    assert e["p"] == "processname:main groupname:main from_state:BACKOFF"
    if how == "kill":
        assert count(daemon, "received SIGQUIT indicating exit request") == 1
    assert count(daemon, "every process is down") == 1


# -- the protocol's failures ----------------------------------------------

def test_fail_puts_the_event_back_at_the_head(daemon):
    out = os.path.join(daemon.dir, "ev.jsonl")
    daemon.write_config(
        listener("rec", out, "fail:1", events="PROCESS_STATE_RUNNING") +
        program("a", exit_after(-1, 0), startsecs=0))
    daemon.start()
    r = wait_event(daemon, out, is_event("PROCESS_STATE_RUNNING", "a"),
                   "a RUNNING twice", n=2)
    first = [e for e in r if is_event("PROCESS_STATE_RUNNING", "a")(e)]
    assert first[0]["h"] == first[1]["h"]
    assert first[0]["pid"] == first[1]["pid"]
    wait_count(daemon, "rec: event was rejected: 'FAIL'")


def test_listener_dead_while_busy_gives_its_event_back(daemon):
    """Its event goes to its successor, serial and all."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    marker = os.path.join(daemon.dir, "died")
    daemon.write_config(
        listener("rec", out, "exit:" + marker,
                 events="PROCESS_STATE_RUNNING", startsecs=0) +
        program("a", exit_after(-1, 0), startsecs=0))
    daemon.start()
    first, again = wait(daemon, lambda: len(records(out)) >= 2 and
                        records(out)[:2], "the first event twice")
    assert first["pid"] != again["pid"] and first["h"] == again["h"]
    wait_event(daemon, out, is_event("PROCESS_STATE_RUNNING", "a"),
               "a RUNNING")


def test_listener_stopped_while_busy_gives_its_event_back(daemon):
    """A listener that hangs on an event and is restarted: the event goes
    to the new process."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    marker = os.path.join(daemon.dir, "hung")
    daemon.write_config(
        listener("rec", out, "hang:" + marker,
                 events="PROCESS_STATE_RUNNING", startsecs=0) +
        program("a", exit_after(-1, 0), startsecs=0))
    daemon.start()
    wait(daemon, lambda: records(out), "the event to the listener")
    daemon.supctl("restart", "rec", check=0)
    first, again = wait(daemon, lambda: len(records(out)) >= 2 and
                        records(out)[:2], "the event again")
    assert first["pid"] != again["pid"] and first["h"] == again["h"]
    wait_event(daemon, out, is_event("PROCESS_STATE_RUNNING", "a"),
               "a RUNNING")


def test_bytes_out_of_protocol_are_logged_escaped(daemon):
    """A stray line instead of READY: logged escaped, the listener gets no
    more events (as with Supervisor), the other pool gets its own."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    good = os.path.join(daemon.dir, "good.jsonl")
    daemon.write_config(
        listener("bad", out, "garbage", startsecs=0) +
        listener("good", good, startsecs=0) +
        program("a", exit_after(-1, 0), startsecs=0))
    daemon.start()
    wait_count(daemon, "bad: bytes that are not READY in state "
               "ACKNOWLEDGED: 'hello \\x1b[31mworld\\x00\\n'")
    wait_event(daemon, good, is_event("PROCESS_STATE_RUNNING", "a"),
               "the good pool's event")
    assert records(out) == []
    assert daemon.status("bad")["state"] == "RUNNING"


def test_bad_result_length_goes_to_another_listener(daemon):
    """RESULT 999999999: a bad result line; the event goes to the pool's
    other listener."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    daemon.write_config(
        listener("rec", out, "bigresult", events="PROCESS_STATE_RUNNING",
                 numprocs=2, process_name="%(program_name)s_%(process_num)d",
                 startsecs=0))
    daemon.start()
    a, b = wait(daemon, lambda: len(records(out)) >= 2 and records(out),
                "one event at both listeners")
    assert a["pid"] != b["pid"] and a["h"] == b["h"]
    wait_count(daemon, "a bad result line in state BUSY: "
               "'RESULT 999999999\\n", 2)


def _rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_overflow_drops_the_oldest_and_logs_its_serial(daemon):
    """A listener that hangs on its first event; a program restarting as
    fast as it can (three events a cycle) into buffer_size=10: the oldest
    are dropped, each logged with its serial, memory stays bounded and the
    daemon answers."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    marker = os.path.join(daemon.dir, "hung")
    daemon.write_config(
        listener("rec", out, "hang:" + marker, startsecs=0) +
        program("spin", "true", startsecs=0, autorestart="true",
                backoff_reset=0))
    daemon.start()
    # The first dropped serial depends on when the listener took its one
    # event (READY before or after the first cycles): any will do.
    wait_count(daemon, "pool rec event buffer overflowed, discarding "
               "event ")
    drops = lambda: daemon.log().count("pool rec event buffer overflowed")
    wait(daemon, lambda: drops() >= 200, "200 drops", timeout=4 * DEADLINE)
    rss = _rss_kb(daemon.proc.pid)
    wait(daemon, lambda: drops() >= 600, "600 drops", timeout=8 * DEADLINE)
    if not under_asan(daemon.proc.pid):
        assert _rss_kb(daemon.proc.pid) < rss + 1024
    assert daemon.status("rec")["state"] == "RUNNING"
    daemon.supctl("stop", "spin", check=0)
    drops = [int(m.group(1)) for m in re.finditer(
        r"discarding event (\d+)", daemon.log())]
    assert drops == sorted(drops) and len(set(drops)) == len(drops)
    assert len(records(out)) == 1


def test_flood_on_stdout_costs_nothing(daemon):
    """64 MiB instead of READY: one log line, the rest read and dropped,
    and the daemon answers meanwhile."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    daemon.write_config(listener("rec", out, "flood", startsecs=0))
    daemon.start()
    wait_count(daemon, "rec: bytes that are not READY")
    wait(daemon, lambda: daemon.status("rec")["state"] == "RUNNING",
         "rec RUNNING")
    assert count(daemon, "rec: bytes") == 1
    assert _rss_kb(daemon.proc.pid) < 64 * 1024


# -- configuration ---------------------------------------------------------

@pytest.mark.parametrize("keys,error", [
    ("events = PROCESS_STATE\nredirect_stderr = true",
     "redirect_stderr: not allowed in a listener pool"),
    ("events = PROCESS_STATE, NOPE", "unknown event type 'NOPE'"),
    ("", "events: missing"),
    ("events = TICK_5\nbuffer_size = 0", "buffer_size"),
])
def test_config_errors(daemon, keys, error):
    daemon.write_config("[eventlistener:x]\ncommand = cat\n%s\n" % keys)
    r = subprocess.run([daemon_bin(), "-t", "-c", daemon.conf],
                       capture_output=True, text=True)
    assert r.returncode != 0 and error in r.stderr, r.stderr


def daemon_bin():
    from conftest import SUPERVISORD
    return SUPERVISORD


def test_print_config_and_status_show_the_pool(daemon):
    daemon.write_config(
        "[eventlistener:x]\ncommand = cat\nevents = process_state, "
        "PROCESS_STATE_FATAL, TICK_60\nbuffer_size = 3\n"
        "result_handler = mymod:handler\n")
    r = subprocess.run([daemon_bin(), "--print-config", "-c", daemon.conf],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    g, = json.loads(r.stdout)["groups"]
    assert g["name"] == "x" and g["priority"] == -1
    assert g["eventlistener"] == {"events": ["PROCESS_STATE",
                                             "PROCESS_STATE_FATAL",
                                             "TICK_60"],
                                  "buffer_size": 3,
                                  "result_handler": "mymod:handler"}
    assert g["processes"][0]["listener"] is True
    assert "result_handler=mymod:handler is not supported" in r.stderr
    daemon.start()
    wait(daemon, lambda: daemon.status("x")["state"] == "RUNNING",
         "x RUNNING")


CORPUS = os.environ.get("CORPUS") or os.path.join(SHARED, "corpus")


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="no shared corpus")
def test_corpus_listeners_load_without_skipping():
    files = [f for f in sorted(os.listdir(CORPUS)) if f.endswith(".conf")
             and re.search(r"^\[eventlistener:", open(os.path.join(
                 CORPUS, f), errors="replace").read(), re.M)]
    assert len(files) >= 4
    for f in files:
        r = subprocess.run([daemon_bin(), "--print-config", "-c",
                            os.path.join(CORPUS, f)],
                           capture_output=True, text=True,
                           env=dict(os.environ, FOO="x"))
        assert "skipped" not in r.stderr, (f, r.stderr)
        groups = json.loads(r.stdout)["groups"] if r.returncode == 0 \
            else []
        assert r.returncode != 0 or any("eventlistener" in g
                                        for g in groups), (f, r.stderr)


# -- the daemon's own events ------------------------------------------------

def _names(recs):
    return [(e["h"]["eventname"], e["p"]) for e in recs]


def test_group_and_supervisor_state_events(daemon):
    """As Supervisor: each group added (the pool's own too), the daemon
    RUNNING, then the starts; a reload adds and removes groups; a shutdown
    says STOPPING."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    lsn = listener("rec", out, events="PROCESS_GROUP, "
                   "SUPERVISOR_STATE_CHANGE", startsecs=0)
    # The shutdown stops b, then the listener (priority -1, last): b
    # stops only once the listener has recorded STOPPING, which a slow
    # listener (a loaded machine) would otherwise get while being
    # stopped, and lose, as it would with Python Supervisor.
    b = program("b", "sh -c 'trap \"until grep -q _STOPPING %s; do sleep "
                "0.01; done; exit 0\" TERM; while :; do sleep 0.1; done'"
                % out)
    daemon.write_config(lsn + b +
                        program("a", exit_after(-1, 0), priority=5))
    daemon.start()
    r = wait(daemon, lambda: len(records(out)) >= 4 and records(out),
             "four events")
    assert _names(r) == [
        ("PROCESS_GROUP_ADDED", "groupname:rec\n"),
        ("PROCESS_GROUP_ADDED", "groupname:a\n"),
        ("PROCESS_GROUP_ADDED", "groupname:b\n"),
        ("SUPERVISOR_STATE_CHANGE_RUNNING", "")]
    daemon.write_config(lsn + b + program("c", exit_after(-1, 0)))
    daemon.signal(signal.SIGHUP)
    r = wait(daemon, lambda: len(records(out)) >= 6 and records(out),
             "two more events")
    assert _names(r)[4:] == [("PROCESS_GROUP_REMOVED", "groupname:a\n"),
                             ("PROCESS_GROUP_ADDED", "groupname:c\n")]
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert _names(records(out))[6:] == [
        ("SUPERVISOR_STATE_CHANGE_STOPPING", "")]


def _wakeups(pid, seconds):
    """epoll_wait calls the daemon makes in seconds (strace)."""
    r = subprocess.run(["timeout", str(seconds), "strace", "-qq", "-p",
                        str(pid), "-e", "trace=epoll_wait,epoll_pwait"],
                       capture_output=True, text=True)
    return [line for line in r.stderr.splitlines() if "epoll" in line and
            "resumed" not in line]


@pytest.mark.skipif(subprocess.run(["sh", "-c", "command -v strace"],
                                   capture_output=True).returncode != 0,
                    reason="no strace")
def test_ticks_only_while_subscribed(daemon):
    """TICK_5's when is the start of its 5 s period; a daemon whose pools
    want no tick never wakes up."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    idle = os.path.join(daemon.dir, "idle.jsonl")
    daemon.write_config(listener("idle", idle, startsecs=0))
    daemon.start()
    wait(daemon, lambda: daemon.status("idle")["state"] == "RUNNING",
         "idle RUNNING")
    wait(daemon, lambda: len(records(idle)) >= 2, "its own events")
    assert len(_wakeups(daemon.proc.pid, 7)) <= 1
    daemon.kill()

    daemon.write_config(listener("rec", out, events="TICK_5",
                                 startsecs=0))
    daemon.start()
    import time
    r = wait(daemon, lambda: len(records(out)) >= 2 and records(out),
             "two ticks", timeout=4 * DEADLINE)
    whens = [int(e["p"].split(":")[1]) for e in r[:2]]
    assert all(e["h"]["eventname"] == "TICK_5" for e in r)
    assert whens[0] % 5 == 0 and whens[1] == whens[0] + 5
    assert abs(time.time() - whens[1]) < 10
