"""tail, maintail and events on the raw socket: the end of a log, follow
streams that survive rotation and truncation, and transitions as they
happen."""
import json
import os
import re
import select
import signal
import socket
import time

import pytest

from conftest import wait_for, DEADLINE


class Stream:
    """A connection that sent one request and reads its messages."""

    def __init__(self, daemon, req, rcvbuf=None):
        self.sock = daemon.connect()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(DEADLINE)
        self.buf = b""
        self.sock.sendall((json.dumps(req) + "\n").encode())

    def next(self, timeout=DEADLINE):
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("stream closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        self.sock.close()


def writer(n=None, delay=0.01, prefix="line"):
    """A program printing numbered lines, n of them (then sleeping) or
    for ever, every delay seconds."""
    # No "sleep 0" between lines: 300 forks took over 15 s on a loaded
    # machine.
    pause = "sleep %s; " % delay if delay else ""
    loop = ("i=0; while [ $i -lt %d ]; do echo %s $i; i=$((i+1)); "
            "%sdone; exec sleep 1000" % (n, prefix, pause)
            if n is not None else
            "i=0; while :; do echo %s $i; i=$((i+1)); %sdone"
            % (prefix, pause))
    return "sh -c '%s'" % loop


def numbers(text, prefix="line"):
    return [int(m) for m in re.findall(r"^%s (\d+)$" % prefix, text,
                                       re.M)]


def assert_contiguous(nums):
    assert nums, "no lines"
    assert nums == list(range(nums[0], nums[0] + len(nums))), \
        "gap or duplicate: %r" % [(a, b) for a, b in zip(nums, nums[1:])
                                  if b != a + 1][:5]


def test_tail_bytes_and_lines(daemon):
    daemon.write_config("""\
        [program:w]
        command = %s
        stdout_logfile = %s/w.log
        """ % (writer(300, 0), daemon.dir))
    daemon.start()
    path = os.path.join(daemon.dir, "w.log")
    wait_for(lambda: os.path.exists(path) and
             "line 299\n" in open(path).read(), what="300 lines")
    content = open(path, "rb").read()

    r = daemon.request({"cmd": "tail", "name": "w"})
    assert r["ok"], r
    res = r["result"]
    assert res["data"].encode() == content[-1600:]
    assert res["file"] == path and res["size"] == len(content)
    assert res["offset"] == len(content) - 1600
    assert res["name"] == "w" and res["stream"] == "stdout"

    r = daemon.request({"cmd": "tail", "name": "w", "bytes": 20})
    assert r["result"]["data"].encode() == content[-20:]
    r = daemon.request({"cmd": "tail", "name": "w", "lines": 3})
    assert r["result"]["data"] == "line 297\nline 298\nline 299\n"
    r = daemon.request({"cmd": "tail", "name": "w", "lines": 0})
    assert r["result"]["data"] == ""
    r = daemon.request({"cmd": "tail", "name": "w", "lines": 100000})
    assert r["result"]["data"].encode() == content
    r = daemon.request({"cmd": "tail", "name": "w", "lines": 10,
                        "bytes": 30})
    assert r["result"]["data"].encode() == content[-30:]


def test_tail_streams_and_no_log(daemon):
    daemon.write_config("""\
        [program:both]
        command = sh -c 'echo out; echo err >&2; exec sleep 1000'
        stdout_logfile = {d}/both.out
        stderr_logfile = {d}/both.err

        [program:redir]
        command = sh -c 'echo err >&2; exec sleep 1000'
        redirect_stderr = true
        stdout_logfile = {d}/redir.out

        [program:none]
        command = sleep 1000
        stdout_logfile = NONE
        """.format(d=daemon.dir))
    daemon.start()
    wait_for(lambda: daemon.request({"cmd": "tail", "name": "both",
                                     "stream": "stderr"})["result"]["data"]
             == "err\n", what="stderr captured")
    assert daemon.request({"cmd": "tail", "name": "both"})["result"][
        "data"] == "out\n"
    wait_for(lambda: daemon.request({"cmd": "tail", "name": "redir"})[
        "result"]["data"] == "err\n", what="stderr in stdout's log")
    r = daemon.request({"cmd": "tail", "name": "redir", "stream": "stderr"})
    assert r["error"]["code"] == "no_log"
    assert "redirect_stderr" in r["error"]["message"]
    r = daemon.request({"cmd": "tail", "name": "none"})
    assert r["error"]["code"] == "no_log"
    r = daemon.request({"cmd": "tail", "name": "ghost"})
    assert r["error"]["code"] == "no_such_process"


def test_tail_group_name_needs_one_process(daemon):
    daemon.write_config("""\
        [program:w]
        command = sleep 1000
        numprocs = 2
        process_name = w_%(process_num)d
        """)
    daemon.start()
    daemon.status()
    r = daemon.request({"cmd": "tail", "name": "w:*"})
    assert r["error"]["code"] == "bad_request"
    assert "tail takes one" in r["error"]["message"]
    assert daemon.request({"cmd": "tail", "name": "w:w_1"})["ok"]


def test_tail_invalid_utf8_replaced(daemon):
    daemon.write_config("""\
        [program:bin]
        command = printf 'ok \\377\\376 caf\\303\\251 \\000end\\n'
        startsecs = 0
        autorestart = false
        stdout_logfile = %s/bin.log
        """ % daemon.dir)
    daemon.start()
    path = os.path.join(daemon.dir, "bin.log")
    wait_for(lambda: os.path.exists(path) and
             open(path, "rb").read().endswith(b"end\n"), what="the bytes")
    s = daemon.connect()
    s.sendall(b'{"cmd":"tail","name":"bin"}\n')
    raw = b""
    while b"\n" not in raw:
        raw += s.recv(65536)
    s.close()
    raw.decode("utf-8")  # the reply itself is valid UTF-8
    data = json.loads(raw)["result"]["data"]
    assert data == "ok \ufffd\ufffd caf\u00e9 \u0000end\n"


def test_tail_follow_growing_log(daemon):
    daemon.write_config("""\
        [program:w]
        command = %s
        stdout_logfile = %s/w.log
        """ % (writer(None, 0.01), daemon.dir))
    daemon.start()
    daemon.wait_state("w", "RUNNING")
    st = Stream(daemon, {"cmd": "tail", "name": "w", "lines": 1,
                         "follow": True, "id": "f"})
    first = st.next()
    assert first["id"] == "f" and first["ok"]
    text = first["result"]["data"]
    while len(numbers(text)) < 150:
        msg = st.next()
        assert msg == {"ok": True, "stream": "tail",
                       "data": msg["data"]}, msg
        text += msg["data"]
    assert_contiguous(numbers(text))
    st.close()
    assert daemon.request({"cmd": "status"})["ok"]


def test_tail_follow_across_rotation(daemon):
    daemon.write_config("""\
        [program:w]
        command = %s
        stdout_logfile = %s/w.log
        stdout_logfile_maxbytes = 2000
        stdout_logfile_backups = 10
        """ % (writer(None, 0.002), daemon.dir))
    daemon.start()
    daemon.wait_state("w", "RUNNING")
    path = os.path.join(daemon.dir, "w.log")
    st = Stream(daemon, {"cmd": "tail", "name": "w", "bytes": 0,
                         "follow": True})
    assert st.next()["ok"]
    text = ""
    # Enough lines for several rotations (about 200 lines per file).
    while len(numbers(text)) < 1000:
        text += st.next()["data"]
    assert os.path.exists(path + ".3"), os.listdir(daemon.dir)
    lines = text.splitlines()
    nums = numbers("\n".join(lines[1:]))  # the first may be partial
    assert_contiguous(nums)
    st.close()


def test_tail_follow_rename_and_reopen(daemon):
    """logrotate's way: the file is moved away, SIGUSR2 reopens it."""
    daemon.write_config("""\
        [program:w]
        command = %s
        stdout_logfile = %s/w.log
        """ % (writer(None, 0.01), daemon.dir))
    daemon.start()
    daemon.wait_state("w", "RUNNING")
    path = os.path.join(daemon.dir, "w.log")
    st = Stream(daemon, {"cmd": "tail", "name": "w", "bytes": 0,
                         "follow": True})
    assert st.next()["ok"]
    text = ""
    while len(numbers(text)) < 20:
        text += st.next()["data"]
    os.rename(path, path + ".1")
    while len(numbers(text)) < 40:   # still written to the moved file
        text += st.next()["data"]
    daemon.signal(signal.SIGUSR2)
    wait_for(lambda: os.path.exists(path), what="the log reopened")
    mark = len(numbers(text))
    while len(numbers(text)) < mark + 50:
        text += st.next()["data"]
    assert_contiguous(numbers(text))
    new = numbers(open(path).read())
    assert new and new[-1] >= numbers(text)[-1] - 5 or \
        numbers(text)[-1] in new
    st.close()


def test_tail_follow_truncation(daemon):
    daemon.write_config("""\
        [program:w]
        command = %s
        stdout_logfile = %s/w.log
        """ % (writer(None, 0.01), daemon.dir))
    daemon.start()
    daemon.wait_state("w", "RUNNING")
    path = os.path.join(daemon.dir, "w.log")
    st = Stream(daemon, {"cmd": "tail", "name": "w", "bytes": 0,
                         "follow": True})
    assert st.next()["ok"]
    text = ""
    while len(numbers(text)) < 30:
        text += st.next()["data"]
    last = numbers(text)[-1]
    os.truncate(path, 0)
    # Lines written after the truncation keep coming.
    while not any(n > last + 30 for n in numbers(text)):
        text += st.next()["data"]
    st.close()


def test_tail_follow_of_a_missing_file(daemon):
    """A log that does not exist yet: empty, then followed once it is."""
    daemon.write_config("""\
        [program:late]
        command = sh -c 'echo hello; exec sleep 1000'
        autostart = false
        stdout_logfile = %s/late.log
        """ % daemon.dir)
    daemon.start()
    daemon.status()
    path = os.path.join(daemon.dir, "late.log")
    assert not os.path.exists(path)
    st = Stream(daemon, {"cmd": "tail", "name": "late", "follow": True})
    first = st.next()
    assert first["ok"] and first["result"]["data"] == ""
    assert first["result"]["size"] == 0
    assert daemon.request({"cmd": "start", "names": ["late"]})["ok"]
    text = ""
    while "hello\n" not in text:
        text += st.next()["data"]
    st.close()


def test_tail_follow_utf8_split_across_reads(daemon):
    """A character written in two halves arrives whole."""
    daemon.write_config("""\
        [program:w]
        command = sh -c 'printf "a\\342\\202"; sleep 1; printf "\\254b\\n"; exec sleep 1000'
        stdout_logfile = %s/w.log
        """ % daemon.dir)
    daemon.start()
    path = os.path.join(daemon.dir, "w.log")
    wait_for(lambda: os.path.exists(path) and os.path.getsize(path) >= 3,
             what="the first half")
    st = Stream(daemon, {"cmd": "tail", "name": "w", "follow": True})
    text = st.next()["result"]["data"]
    while "b\n" not in text:
        text += st.next()["data"]
    assert text == "a\u20acb\n"
    st.close()


def test_follow_client_that_never_reads_is_dropped(daemon):
    daemon.write_config("""\
        [program:flood]
        command = sh -c 'while :; do head -c 65536 /dev/zero | tr "\\000" x; echo; sleep 0.01; done'
        stdout_logfile = %s/flood.log
        stdout_logfile_maxbytes = 4MB
        stdout_logfile_backups = 1
        """ % daemon.dir)
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "1"})
    daemon.wait_state("flood", "RUNNING")
    s = daemon.connect()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b'{"cmd":"tail","name":"flood","follow":true}\n')
    daemon.wait_log("output not read in time")
    # The daemon's memory stayed bounded by the output limit.
    with open("/proc/%d/status" % daemon.proc.pid) as f:
        rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    assert rss < 64 * 1024, rss
    assert daemon.request({"cmd": "status"})["ok"]
    s.close()


def test_events_client_that_stops_reading_is_dropped(daemon):
    # A few events a second: what the stuck client leaves unread stays
    # in its socket's queue, far below any buffer's bound, and the daemon
    # has nothing left to write.  It is dropped all the same after the
    # timeout ("output not read in time", control/stall.c: the rule of
    # every stream, the web's too); the client that reads is kept.
    daemon.write_config("""\
        [program:flap]
        command = sh -c 'sleep 0.1'
        startsecs = 0
        autorestart = true
        """)
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "2"})
    stuck = Stream(daemon, {"cmd": "events"})
    reader = Stream(daemon, {"cmd": "events"})
    assert stuck.next()["result"] == {"subscribed": True}
    assert reader.next()["result"] == {"subscribed": True}
    poll = select.poll()
    poll.register(stuck.sock, select.POLLHUP | select.POLLRDHUP)
    end = time.monotonic() + 4 * DEADLINE
    while not poll.poll(0):
        assert time.monotonic() < end, "the stuck client is still served"
        assert reader.next()["stream"] == "event"
    assert daemon.log().count("output not read in time") == 1
    for _ in range(5):
        assert reader.next()["stream"] == "event"
    stuck.close()
    reader.close()


def test_maintail(daemon):
    daemon.write_config("""\
        [program:p]
        command = sleep 1000
        """)
    daemon.start()
    daemon.status()
    r = daemon.request({"cmd": "maintail", "lines": 5})
    assert r["ok"]
    assert r["result"]["file"] == daemon.logfile
    assert len(r["result"]["data"].splitlines()) == 5
    st = Stream(daemon, {"cmd": "maintail", "bytes": 0, "follow": True})
    assert st.next()["ok"]
    daemon.request({"cmd": "stop", "names": ["p"]})
    text = ""
    while "stop p" not in text:
        text += st.next()["data"]
    st.close()


def test_maintail_without_a_log_file(daemon):
    daemon.write_config("""\
        [program:p]
        command = sleep 1000
        """)
    text = open(daemon.conf).read().replace(
        "logfile = %s/supervisord.log\n" % daemon.dir, "")
    open(daemon.conf, "w").write(text)
    daemon.start()
    r = daemon.request({"cmd": "maintail"})
    assert r["error"]["code"] == "no_log"


def test_events_crash_and_restart(daemon):
    daemon.write_config("""\
        [program:victim]
        command = sleep 1000
        startsecs = 1
        """)
    daemon.start()
    old = daemon.wait_state("victim", "RUNNING")["pid"]
    st = Stream(daemon, {"cmd": "events", "id": 3})
    first = st.next()
    assert first == {"id": 3, "ok": True, "result": {"subscribed": True}}
    t0 = time.time()
    os.kill(old, signal.SIGKILL)
    seen = []
    while not (seen and seen[-1]["to"] == "RUNNING"):
        e = st.next()
        assert e["ok"] and e["stream"] == "event"
        seen.append(e)
    assert [(e["from"], e["to"]) for e in seen] == [
        ("RUNNING", "EXITED"), ("EXITED", "STARTING"),
        ("STARTING", "RUNNING")]
    crash, starting, running = seen
    for e in seen:
        assert e["program"] == "victim" and e["group"] == "victim"
        assert e["fullname"] == "victim"
        assert t0 - 1 <= e["time"] <= time.time() + 1
    assert crash["pid"] == old
    assert crash["exit"]["signal"] == "KILL"
    assert crash["exit"]["expected"] is False
    new = daemon.status("victim")["pid"]
    assert new != old
    assert starting["pid"] == new and running["pid"] == new
    assert running["time"] - starting["time"] >= 0.9  # startsecs
    st.close()


def test_events_pid_of_a_start_nobody_followed(daemon):
    """A process started while nobody followed events, killed while still
    STARTING: its exit event carries its pid (the daemon kept the pids
    without building the events)."""
    daemon.write_config("""\
        [program:slow]
        command = sleep 1000
        startsecs = 60
        startretries = 0
        """)
    daemon.start()
    pid = daemon.wait_state("slow", "STARTING")["pid"]
    assert pid > 0
    st = Stream(daemon, {"cmd": "events"})
    assert st.next()["ok"]
    os.kill(pid, signal.SIGKILL)
    e = st.next()
    assert (e["from"], e["to"]) == ("STARTING", "BACKOFF")
    assert e["pid"] == pid
    assert e["exit"]["signal"] == "KILL"
    st.close()


def test_events_many_subscribers_and_stop(daemon):
    daemon.write_config("""\
        [program:a]
        command = sleep 1000
        startsecs = 0
        """)
    daemon.start()
    daemon.wait_state("a", "RUNNING")
    subs = [Stream(daemon, {"cmd": "events"}) for _ in range(5)]
    for s in subs:
        assert s.next()["ok"]
    daemon.request({"cmd": "stop", "names": ["a"]})
    for s in subs:
        e1, e2 = s.next(), s.next()
        assert (e1["from"], e1["to"]) == ("RUNNING", "STOPPING")
        assert (e2["from"], e2["to"]) == ("STOPPING", "STOPPED")
        assert e1["pid"] == e2["pid"] > 0
        s.close()
    assert daemon.request({"cmd": "status"})["ok"]


def test_shutdown_with_clients_connected(daemon):
    """Streams, a waiting request and an idle client at shutdown: all are
    closed, the daemon exits 0 (under the sanitizers: with nothing
    leaked)."""
    daemon.write_config("""\
        [program:w]
        command = %s
        stdout_logfile = %s/w.log
        [program:slow]
        command = sleep 1000
        startsecs = 30
        autostart = false
        """ % (writer(None, 0.01), daemon.dir))
    daemon.start()
    daemon.wait_state("w", "RUNNING")
    ev = Stream(daemon, {"cmd": "events"})
    assert ev.next()["ok"]
    tl = Stream(daemon, {"cmd": "tail", "name": "w", "follow": True})
    assert tl.next()["ok"]
    waiter = Stream(daemon, {"cmd": "start", "names": ["slow"], "id": 1})
    wait_for(lambda: daemon.status("slow")["state"] == "STARTING",
             what="slow STARTING")
    idle = daemon.connect()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    for s in (ev, tl, waiter):
        with pytest.raises(EOFError):
            while True:
                s.next()
        s.close()
    idle.close()
