"""The listener events of a program's output and of XML-RPC:
PROCESS_LOG_* (stdout_events_enabled, stderr_events_enabled),
PROCESS_COMMUNICATION_* (capture mode: *_capture_maxbytes) and
REMOTE_COMMUNICATION (supervisor.sendRemoteCommEvent), each received by
a listener written with supervisor.childutils (listener_rec.py) under
Python Supervisor and under ours, compared with pids masked; and a flood
of output into a listener that never answers: capture goes on, memory
stays bounded, the drops are counted and logged."""
import http.client
import os
import re
import signal
import subprocess
import sys
import xmlrpc.client

import pytest

import pysupervisor
from conftest import DEADLINE, Daemon, under_asan
from engine_util import count, wait, wait_count
from test_listener_protocol import listener, records, wait_event, _rss_kb

HERE = os.path.dirname(os.path.abspath(__file__))
TALKER = os.path.join(HERE, "talker.py")

_WHY = pysupervisor.unavailable()
pytestmark = pytest.mark.skipif(
    _WHY is not None, reason="no Python Supervisor for the listeners: %s"
    % _WHY)

RPC = """\
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

"""


def talker(mode, **keys):
    text = "[program:talk]\ncommand = %s -S %s %s\n" % (
        sys.executable, TALKER, mode)
    for k, v in keys.items():
        text += "%s = %s\n" % (k, v)
    return text + "\n"


def _masked(recs):
    """(eventname, payload with pids masked) in order, after the checks
    every record passes under both daemons."""
    out = []
    for i, e in enumerate(recs):
        h = e["h"]
        assert h["ver"] == "3.0" and h["server"] == "supervisor", h
        # Python's len(): the payload's characters
        assert h["pool"] == "rec" and int(h["len"]) == len(e["p"]), e
        assert int(h["serial"]) == i and int(h["poolserial"]) == i, e
        out.append((h["eventname"], re.sub(r"pid:\d+", "pid:N", e["p"])))
    return out


def _proxy(d):
    from supervisor.xmlrpc import SupervisorTransport
    t = SupervisorTransport(None, None, "unix://" + d.sock)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def both(tmp_path, daemon, config, n, act=None, sx=""):
    """The same configuration under ours and Python Supervisor ([supervisord]
    keys sx); n records each (after act(daemon), if given); returns both
    lists."""
    got = []
    for which in ("ours", "python"):
        if which == "ours":
            d = daemon
        else:
            (tmp_path / "python").mkdir()
            d = Daemon(tmp_path / "python")
        out = os.path.join(d.dir, "ev.jsonl")
        d.write_config(RPC + config(out), supervisord_extra=sx)
        if which == "ours":
            d.start()
        else:
            d.proc = subprocess.Popen(
                pysupervisor.supervisord("-n", "-c", d.conf),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, cwd=d.dir)
        try:
            if act is not None:
                wait(d, lambda: os.path.exists(d.sock), "the socket",
                     timeout=4 * DEADLINE)
                act(d)
            wait(d, lambda: len(records(out)) >= n, "%d events" % n,
                 timeout=4 * DEADLINE)
            got.append(records(out)[:n])
        finally:
            if which == "python":
                d.proc.send_signal(signal.SIGTERM)
                d.proc.wait(timeout=4 * DEADLINE)
            else:
                d.kill()
    return got


def test_process_log_payloads_as_python_supervisor(daemon, tmp_path):
    """stdout and stderr events enabled: a PROCESS_LOG_* per read, with
    its channel; bytes that are not UTF-8 as Supervisor shows them
    ("Undecodable: b'...'"); len counts characters, as Python's len()."""
    def config(out):
        return (listener("rec", out, events="PROCESS_LOG") +
                talker("log", stdout_events_enabled="true",
                       stderr_events_enabled="true"))
    ours, python = both(tmp_path, daemon, config, 3)
    assert _masked(ours) == _masked(python)
    assert _masked(ours) == [
        ("PROCESS_LOG_STDOUT", "processname:talk groupname:talk pid:N "
         "channel:stdout\nhello from the talker\n"),
        ("PROCESS_LOG_STDERR", "processname:talk groupname:talk pid:N "
         "channel:stderr\nUndecodable: b\"a bad \\xff byte and a "
         "'quote'\\n\""),
        ("PROCESS_LOG_STDOUT", "processname:talk groupname:talk pid:N "
         "channel:stdout\ncaf\u00e9 cr\u00e8me \u2603\n")]


def test_process_log_after_strip_ansi(daemon, tmp_path):
    """[supervisord] strip_ansi: the events carry the output stripped,
    as Supervisor's _log() strips before it notifies."""
    def config(out):
        return (listener("rec", out, events="PROCESS_LOG") +
                talker("ansi", stdout_events_enabled="true"))
    ours, python = both(tmp_path, daemon, config, 1, sx="strip_ansi = true")
    assert _masked(ours) == _masked(python) == [
        ("PROCESS_LOG_STDOUT", "processname:talk groupname:talk pid:N "
         "channel:stdout\nred and green\n")]


def test_process_log_only_for_enabled_channels(daemon):
    """stderr_events_enabled alone: the stdout lines are no events; a
    PROCESS_LOG subscriber (both channels) hears the stderr one only,
    the log has all."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    daemon.write_config(listener("rec", out, events="PROCESS_LOG") +
                        talker("log", stderr_events_enabled="true",
                               stdout_logfile=os.path.join(daemon.dir,
                                                           "talk.log")))
    daemon.start()
    wait(daemon, lambda: "caf" in open(os.path.join(daemon.dir,
                                                    "talk.log")).read()
         if os.path.exists(os.path.join(daemon.dir, "talk.log")) else
         False, "the talker's last line", timeout=4 * DEADLINE)
    # The event reaches the listener after the line reaches the log; a
    # stdout event, were one wrongly made, would come first ("hello" is
    # written before the stderr bytes).
    wait(daemon, lambda: len(records(out)) >= 1, "the stderr event",
         timeout=4 * DEADLINE)
    names = [e["h"]["eventname"] for e in records(out)]
    assert names == ["PROCESS_LOG_STDERR"]


def test_process_log_without_a_log_file(daemon):
    """stdout_logfile = NONE (supervisor_stdout's usual set-up): the
    output is still read, for the events alone."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    daemon.write_config(listener("rec", out, events="PROCESS_LOG") +
                        talker("log", stdout_events_enabled="true",
                               stdout_logfile="NONE"))
    daemon.start()
    wait(daemon, lambda: len(records(out)) >= 2, "two stdout events",
         timeout=4 * DEADLINE)
    assert [e["p"].split("\n", 1)[1] for e in records(out)][:2] == [
        "hello from the talker\n", "caf\u00e9 cr\u00e8me \u2603\n"]


def test_capture_mode_as_python_supervisor(daemon, tmp_path):
    """Between the tokens: one PROCESS_COMMUNICATION event, holding the
    last stdout_capture_maxbytes as Supervisor's BoundIO keeps them; the
    pieces are PROCESS_LOG events too (Supervisor's _log), and none of
    the capture reaches the log file."""
    def config(out):
        return (listener("rec", out,
                         events="PROCESS_COMMUNICATION, PROCESS_LOG") +
                talker("comm", stdout_events_enabled="true",
                       stdout_capture_maxbytes=40,
                       stderr_capture_maxbytes="1MB",
                       stdout_logfile=os.path.join(
                           os.path.dirname(out), "talk.log")))
    ours, python = both(tmp_path, daemon, config, 7)
    assert _masked(ours) == _masked(python)
    head = "processname:talk groupname:talk pid:N"
    log = head + " channel:stdout\n"
    assert _masked(ours) == [
        ("PROCESS_LOG_STDOUT", log + "before"),
        ("PROCESS_LOG_STDOUT", log + "A" * 30),
        ("PROCESS_LOG_STDOUT", log + "B" * 30),
        ("PROCESS_LOG_STDOUT", log + "C" * 30),
        ("PROCESS_COMMUNICATION_STDOUT", head + "\n" + "C" * 30),
        ("PROCESS_LOG_STDOUT", log + "after the end of the capture\n"),
        ("PROCESS_COMMUNICATION_STDERR", head + "\nerr payload"),
        ]
    with open(os.path.join(daemon.dir, "talk.log")) as f:
        assert f.read() == "beforeafter the end of the capture\n"


def test_remote_communication_as_python_supervisor(daemon, tmp_path):
    """supervisor.sendRemoteCommEvent(type, data) returns True and sends
    REMOTE_COMMUNICATION: "type:TYPE\\n" then the data."""
    def config(out):
        return listener("rec", out, events="REMOTE_COMMUNICATION")

    def act(d):
        wait(d, lambda: _answers(d), "the XML-RPC interface",
             timeout=4 * DEADLINE)
        s = _proxy(d).supervisor
        assert s.sendRemoteCommEvent("mytype", "line 1\nl\u00efne 2") is True
        assert s.sendRemoteCommEvent("empty", "") is True
    ours, python = both(tmp_path, daemon, config, 2, act)
    assert _masked(ours) == _masked(python)
    assert _masked(ours) == [
        ("REMOTE_COMMUNICATION", "type:mytype\nline 1\nl\u00efne 2"),
        ("REMOTE_COMMUNICATION", "type:empty\n")]


def _answers(d):
    """Whether the daemon's XML-RPC interface answers (a new connection
    each try: a refused one leaves a proxy unusable)."""
    try:
        return _proxy(d).supervisor.getState()["statename"] == "RUNNING"
    except (OSError, xmlrpc.client.Fault, http.client.HTTPException):
        return False


def test_remote_communication_without_listeners(daemon):
    """Nobody subscribes: True all the same, and the argument count and
    types are Supervisor's."""
    daemon.write_config(RPC)
    daemon.start()
    wait(daemon, lambda: _answers(daemon), "the XML-RPC interface")
    s = _proxy(daemon).supervisor
    assert s.sendRemoteCommEvent("t", "d") is True
    with pytest.raises(xmlrpc.client.Fault) as e:
        s.sendRemoteCommEvent("t")
    assert e.value.faultCode == 2


def test_process_log_events_larger_than_the_stdin_queue(daemon):
    """Reads of up to 128 KiB make events larger than a program's stdin
    queue (64 KiB): a listener gets them whole, one at a time, and every
    byte written arrives once, in order."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    size = 600000
    daemon.write_config(
        listener("rec", out, events="PROCESS_LOG_STDOUT", buffer_size=100) +
        "[program:big]\ncommand = sh -c 'head -c %d /dev/zero | tr "
        "\"\\\\000\" x; exec sleep 3600'\nstdout_events_enabled = true\n"
        % size)
    daemon.start()

    def data():
        return "".join(e["p"].split("\n", 1)[1] for e in records(out))
    wait(daemon, lambda: len(data()) >= size, "%d bytes as events" % size,
         timeout=4 * DEADLINE)
    assert data() == "x" * size
    assert max(len(e["p"]) for e in records(out)) > 64 * 1024


# The gigabyte: about 8 s on a loaded 2-core machine.
FLOOD = 1024 * 1024 * 1024


def test_output_flood_into_a_stuck_listener(daemon):
    """A PROCESS_LOG listener that hangs on its first event while a
    program writes FLOOD bytes: every byte reaches the log file, the
    daemon's memory stays bounded (a queue of buffer_size reads), the
    daemon answers meanwhile, and the drops are logged: the first with
    its serial, then their count once a second."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    marker = os.path.join(daemon.dir, "hung")
    path = os.path.join(daemon.dir, "flood.log")
    daemon.write_config(
        listener("rec", out, "hang:" + marker, events="PROCESS_LOG",
                 buffer_size=10, startsecs=0) +
        "[program:flood]\ncommand = sh -c 'head -c %d /dev/zero; exec "
        "sleep 3600'\nautostart = false\nstdout_events_enabled = true\n"
        "stdout_logfile = %s\nstdout_logfile_maxbytes = 0\n" % (FLOOD, path))
    daemon.start()
    wait(daemon, lambda: daemon.status("rec")["state"] == "RUNNING",
         "rec RUNNING")
    base = _rss_kb(daemon.proc.pid)
    daemon.supctl("start", "flood")
    peak = [base]

    def done():
        peak[0] = max(peak[0], _rss_kb(daemon.proc.pid))
        return os.path.exists(path) and os.path.getsize(path) >= FLOOD
    wait(daemon, done, "%d bytes in the log" % FLOOD, timeout=8 * DEADLINE)
    assert os.path.getsize(path) == FLOOD
    assert daemon.status("flood")["state"] == "RUNNING"
    if not under_asan(daemon.proc.pid):
        assert peak[0] < base + 16 * 1024, (base, peak[0])
    wait_count(daemon, "pool rec event buffer overflowed, discarding event")

    def counted():
        m = re.findall(r"discarded (\d+) more output events \((\d+) "
                       r"events discarded in all\)", daemon.log())
        return m if m and int(m[-1][1]) >= FLOOD // (128 * 1024) - 11 \
            else None
    m = wait(daemon, counted, "every read's event counted as dropped",
             timeout=4 * DEADLINE)
    # each drop is in one line: its own, or a count's
    upto = daemon.log().rsplit("events discarded in all)", 1)[0]
    one = upto.count("buffer overflowed, discarding event")
    assert one + sum(int(k) for k, _ in m) == int(m[-1][1])
    # one line a second, not one a drop
    assert count(daemon, "overflowed") < 4 + 2 * len(m) < 200
    assert len(records(out)) == 1
    os.unlink(path)


def _held_pool(daemon, out, go, programs):
    """A PROCESS_LOG pool of buffer_size 10 whose listener holds its first
    event until the file go exists, and programs (not started)."""
    daemon.write_config(
        listener("rec", out, "pause:" + go, events="PROCESS_LOG",
                 buffer_size=10, startsecs=0) + programs)
    daemon.start()
    wait(daemon, lambda: daemon.status("rec")["state"] == "RUNNING",
         "rec RUNNING")


def _data(recs):
    return "".join(e["p"].split("\n", 1)[1] for e in recs)


def test_full_pool_keeps_the_first_reads_of_a_flood(daemon):
    """A listener holds its first event while a program floods: the
    pool, full of that program's reads, drops each new one (Supervisor
    drops its oldest), so the daemon need not read those bytes at all.
    Once released, the listener gets the start of the output, one
    unbroken piece, with serials 0 to 9; the first drop is logged with
    the serial that follows, and every read's event is counted."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    go = os.path.join(daemon.dir, "go")
    path = os.path.join(daemon.dir, "seq.log")
    n = 3000000
    expected = "".join("%d\n" % i for i in range(1, n + 1))
    _held_pool(daemon, out, go,
               "[program:seq]\ncommand = sh -c 'seq 1 %d; exec sleep 3600'"
               "\nautostart = false\nstdout_events_enabled = true\n"
               "stdout_logfile = %s\nstdout_logfile_maxbytes = 0\n"
               % (n, path))
    daemon.supctl("start", "seq")
    wait(daemon, lambda: os.path.exists(path) and
         os.path.getsize(path) >= len(expected), "the whole output logged",
         timeout=4 * DEADLINE)
    with open(path) as f:
        assert f.read() == expected
    wait_count(daemon, "pool rec event buffer overflowed, discarding event")
    first = int(re.search(r"discarding event (\d+)", daemon.log()).group(1))
    # 11 when the listener took read 0 before the queue filled, else 10
    assert first in (10, 11), first
    open(go, "w").close()
    recs = wait(daemon, lambda: records(out) if len(records(out)) >= 10
                else None, "the held event and the queue's",
                timeout=4 * DEADLINE)
    assert [int(e["h"]["serial"]) for e in recs[:10]] == list(range(10))
    assert expected.startswith(_data(recs[:10]))
    assert len(_data(recs[:10])) < len(expected) // 2

    def counted():
        m = re.findall(r"\((\d+) events discarded in all\)", daemon.log())
        return m and int(m[-1]) >= len(expected) // (128 * 1024) - 11
    wait(daemon, counted, "a drop counted for every read's worth",
         timeout=4 * DEADLINE)


def test_flood_does_not_shut_out_another_programs_output(daemon):
    """The pool full of one program's reads: another program's line is
    no read of that flood, so it enters the queue as with Supervisor (the
    oldest read makes room) and reaches the listener once it answers."""
    out = os.path.join(daemon.dir, "ev.jsonl")
    go = os.path.join(daemon.dir, "go")
    path = os.path.join(daemon.dir, "flood.log")
    other = os.path.join(daemon.dir, "other.log")
    size = 20 * 1000 * 1000
    _held_pool(daemon, out, go,
               "[program:flood]\ncommand = sh -c 'head -c %d /dev/zero; "
               "exec sleep 3600'\nautostart = false\n"
               "stdout_events_enabled = true\nstdout_logfile = %s\n"
               "stdout_logfile_maxbytes = 0\n\n"
               "[program:other]\ncommand = sh -c 'echo from-other; exec "
               "sleep 3600'\nautostart = false\nstdout_events_enabled = "
               "true\nstdout_logfile = %s\n" % (size, path, other))
    daemon.supctl("start", "flood")
    wait(daemon, lambda: os.path.exists(path) and
         os.path.getsize(path) >= size, "the flood logged",
         timeout=4 * DEADLINE)
    wait_count(daemon, "pool rec event buffer overflowed, discarding event")
    daemon.supctl("start", "other")
    wait(daemon, lambda: os.path.exists(other) and
         os.path.getsize(other) > 0, "other's line logged")
    open(go, "w").close()
    recs = wait_event(daemon, out, lambda e: "from-other" in e["p"],
                      "other's line as an event", timeout=4 * DEADLINE)
    e = [e for e in recs if "from-other" in e["p"]][0]
    assert e["p"].startswith("processname:other groupname:other pid:")
    assert e["p"].endswith(" channel:stdout\nfrom-other\n")


def test_capture_mode_tokens_cut_between_reads(daemon, tmp_path):
    """A token cut between two writes is still found (its start held
    back, as medusa's find_prefix_at_end does), and a write shorter
    than a token waits for the next one, as under Supervisor."""
    def config(out):
        return (listener("rec", out,
                         events="PROCESS_COMMUNICATION, PROCESS_LOG") +
                talker("split", stdout_events_enabled="true",
                       stdout_capture_maxbytes="1MB"))
    ours, python = both(tmp_path, daemon, config, 4)
    assert _masked(ours) == _masked(python)
    log = "processname:talk groupname:talk pid:N channel:stdout\n"
    assert _masked(ours) == [
        ("PROCESS_LOG_STDOUT", log + "x" * 30),
        ("PROCESS_LOG_STDOUT", log + "payload"),
        ("PROCESS_COMMUNICATION_STDOUT",
         "processname:talk groupname:talk pid:N\npayload"),
        ("PROCESS_LOG_STDOUT", log + "short and the rest of the line\n")]
