"""GET /api/events and GET /api/log/NAME/STREAM: Server-Sent Events of
the socket's events and of a followed log, live, bounded, and closed
when their reader leaves."""
import json
import os
import re
import socket
import time

from conftest import DEADLINE, under_asan, wait_for
from web_util import auth_header, fetch, free_port, start_web

PROGRAMS = """\
    [program:sleeper]
    command = sleep 1000
    startsecs = 0

    [program:ticker]
    command = sh -c 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'
    startsecs = 0
    """


class SSE:
    """A raw HTTP/1.1 client of one event stream (chunked)."""

    def __init__(self, port, path, rcvbuf=None):
        self.s = socket.socket()
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(DEADLINE)
        self.s.connect(("127.0.0.1", port))
        head = "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (path, port)
        for k, v in auth_header().items():
            head += "%s: %s\r\n" % (k, v)
        self.s.sendall((head + "Accept: text/event-stream\r\n\r\n").encode())
        self.buf = b""
        self.data = ""

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            assert chunk, self.buf
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode()

    def events(self):
        """The data of the events received so far (JSON objects)."""
        try:
            self.s.settimeout(0.05)
            chunk = self.s.recv(1 << 20)
            self.buf += chunk
        except socket.timeout:
            pass
        # Undo the chunked framing: sizes on lines of their own.
        text = self.buf.decode(errors="replace")
        out = []
        for line in text.split("\n"):
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
        return out

    def close(self):
        self.s.close()


def test_events_stream_live(daemon):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("sleeper", "RUNNING")
    sse = SSE(port, "/api/events")
    head = sse.head()
    assert head.startswith("HTTP/1.1 200"), head
    assert "Content-Type: text/event-stream" in head
    assert "Access-Control" not in head
    wait_for(lambda: any(e.get("result", {}).get("subscribed")
                         for e in sse.events()), what="the subscription")
    assert daemon.request({"cmd": "stop", "names": ["sleeper"]})["ok"]

    def stopped():
        return [e for e in sse.events() if e.get("program") == "sleeper"
                and e.get("to") == "STOPPED"]
    ev = wait_for(stopped, what="the STOPPED event")[0]
    # The socket's event objects, as its events request streams them.
    assert ev["stream"] == "event" and ev["group"] == "sleeper"
    assert ev["type"] == "PROCESS_STATE_STOPPED"
    sse.close()


def test_log_stream_follows(daemon):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("ticker", "RUNNING")
    wait_for(lambda: "tick 3" in daemon.supctl("tail", "ticker").stdout)
    sse = SSE(port, "/api/log/ticker/stdout")
    assert sse.head().startswith("HTTP/1.1 200")

    def text():
        out = ""
        for e in sse.events():
            out += e.get("result", {}).get("data", "") + e.get("data", "")
        return out
    first = wait_for(lambda: "tick 1\n" in text() and text())
    last = int(first.strip().split("\n")[-1].split()[1])
    wait_for(lambda: "tick %d\n" % (last + 5) in text(), what="new lines")
    sse.close()
    # The default stream is stdout; an unknown name or stream is a 404
    # with the JSON error reply.
    status, headers, body = fetch(port, "GET", "/api/log/nosuch")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "no_such_process"
    status, _, body = fetch(port, "GET", "/api/log/sleeper/stdin")
    assert status == 404
    assert "sleeper/stdin" in json.loads(body)["error"]["message"]


def test_stream_reader_leaving_is_noticed(daemon):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("sleeper", "RUNNING")
    for _ in range(3):
        sse = SSE(port, "/api/events")
        sse.head()
        sse.close()
    # Bytes sent before leaving (here a half-close, whose end comes behind
    # them) must not hide the leaving: the daemon ends the stream.
    sse = SSE(port, "/api/events")
    sse.head()
    sse.s.sendall(b"GET / HTTP/1.1\r\n\r\n")
    sse.s.shutdown(socket.SHUT_WR)
    sse.s.settimeout(DEADLINE)
    while sse.s.recv(65536):
        pass
    sse.close()
    # Each left while its stream was idle (suspended): the daemon closes
    # them without waiting for an event to write.
    def closed():
        return len(
            [l for l in open("/proc/%d/net/tcp" % daemon.proc.pid)
             if ":%04X" % port in l.split()[1]
             and l.split()[3] == "01"]) == 0
    wait_for(closed, what="the streams closed")


def test_auth_and_cross_site_on_streams(daemon):
    port = start_web(daemon, PROGRAMS)
    for path in ("/api/events", "/api/log/sleeper"):
        assert fetch(port, "GET", path, auth=False)[0] == 401
        assert fetch(port, "GET", path, headers={
            "Origin": "http://127.0.0.1:1"})[0] == 403


def test_unread_events_stream_is_closed(daemon):
    # Restarts of 40 programs, over and over: a storm of events for a
    # reader that never reads.  Its output stalls, and the connection is
    # closed after the timeout (the daemon holds at most SSE_OUT_MAX of
    # it before that).
    many = "".join("""
    [program:p%d]
    command = sleep 1000
    startsecs = 0
    stdout_logfile = NONE
    stderr_logfile = NONE
    """ % i for i in range(40))
    port = free_port()
    daemon.write_config(many, extra="[inet_http_server]\nport = "
                        "127.0.0.1:%d\nusername = admin\npassword = s3cret\n"
                        % port)
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "2"})
    daemon.wait_log("listening on")
    sse = SSE(port, "/api/events", rcvbuf=4096)
    assert sse.head().startswith("HTTP/1.1 200")
    daemon.wait_log("subscribed to events")
    cid = re.search(r"client (\d+) \(uid \d+, pid 0\) subscribed",
                    daemon.log()).group(1)
    # Megabytes of events must be made first: slow under ASan.
    deadline = time.monotonic() + (
        24 if under_asan(daemon.proc.pid) else 8) * DEADLINE
    # Closed by the stall of its socket's queue ("output not read in
    # time"), or, once its output piled up, by the bound.
    gone = re.compile(r"control: client %s closed|dropping an event "
                      r"stream: output not read in time" % cid)
    while not gone.search(daemon.log()):
        assert time.monotonic() < deadline, "the stream is still open"
        try:
            daemon.request({"cmd": "restart", "names": ["all"],
                            "wait": False})
        except ConnectionResetError:
            # This client's own 2 s idle timeout, on a slow (ASan) run.
            pass
    # The daemon still serves, on HTTP too.
    assert fetch(port, "POST", "/api", body={"cmd": "version"})[0] == 200
    sse.close()


def test_non_reading_events_client_dropped_in_time_others_served(daemon):
    # A program that exits and is started again, over and over: a few
    # events a second.  One SSE client never reads, another does.  The
    # one that does not read is dropped by the rule of the socket's
    # streams ("output not read in time", within the 2 s timeout, long
    # before megabytes pile up); the other keeps receiving events.
    port = free_port()
    daemon.write_config("""
    [program:flap]
    command = sh -c 'sleep 0.1'
    startsecs = 0
    autorestart = true
    """, extra="[inet_http_server]\nport = 127.0.0.1:%d\n"
        "username = admin\npassword = s3cret\n" % port)
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "2"})
    daemon.wait_log("listening on")
    stuck = SSE(port, "/api/events", rcvbuf=4096)
    assert stuck.head().startswith("HTTP/1.1 200")
    reader = SSE(port, "/api/events")
    assert reader.head().startswith("HTTP/1.1 200")
    dropped = "dropping an event stream: output not read in time"
    wait_for(lambda: reader.events() is not None and dropped in
             daemon.log(), timeout=4 * DEADLINE, what="a stream dropped")
    assert daemon.log().count("output not read in time") == 1
    # The reader is still served: new events keep coming.
    seen = len(reader.events())
    wait_for(lambda: len(reader.events()) > seen + 5,
             what="more events for the reader")
    # The stuck one's connection is closed: what it holds, then the end.
    got, end = 0, time.monotonic() + DEADLINE
    stuck.s.settimeout(DEADLINE)
    while True:
        data = stuck.s.recv(1 << 16)
        if not data:
            break
        got += len(data)
        assert time.monotonic() < end, "the stuck stream is still open"
    assert got < 1024 * 1024, got
    stuck.close()
    reader.close()


def test_log_stream_ends_with_the_error_when_the_log_breaks(daemon, tmp_path):
    path = tmp_path / "ticker.log"
    port = start_web(daemon, PROGRAMS.rstrip() +
                     "\n    stdout_logfile = %s\n" % path)
    daemon.wait_state("ticker", "RUNNING")
    sse = SSE(port, "/api/log/ticker")
    assert sse.head().startswith("HTTP/1.1 200")
    wait_for(lambda: any("tick" in e.get("result", {}).get("data", "") +
                         e.get("data", "") for e in sse.events()))
    # The path becomes a directory: the follow fails, says why, and the
    # stream ends (the daemon keeps serving).
    os.rename(path, str(path) + ".old")
    os.mkdir(path)
    wait_for(lambda: any(e.get("error", {}).get("code") == "log_error"
                         for e in sse.events()), what="the error message")

    # The last chunk: the response is over (the connection may stay).
    wait_for(lambda: sse.events() is not None and
             sse.buf.endswith(b"\r\n0\r\n\r\n"), what="the stream to end")
    sse.close()
    assert fetch(port, "POST", "/api", body={"cmd": "version"})[0] == 200


def ctxt_switches(pid):
    with open("/proc/%d/status" % pid) as f:
        return sum(int(line.split()[1]) for line in f
                   if line.startswith(("voluntary_ctxt_switches",
                                       "nonvoluntary_ctxt_switches")))


def test_idle_event_stream_does_not_wake_the_daemon(daemon):
    # No ping, no timer: an open, quiet stream costs nothing.
    port = start_web(daemon, PROGRAMS.split("[program:ticker]")[0])
    daemon.wait_state("sleeper", "RUNNING")
    sse = SSE(port, "/api/events")
    assert sse.head().startswith("HTTP/1.1 200")
    wait_for(lambda: any(e.get("result", {}).get("subscribed")
                         for e in sse.events()))
    time.sleep(0.3)     # let the other connections' closes settle
    before = ctxt_switches(daemon.proc.pid)
    time.sleep(2)
    assert ctxt_switches(daemon.proc.pid) == before
    # ... and still delivers.
    assert daemon.request({"cmd": "stop", "names": ["sleeper"]})["ok"]
    wait_for(lambda: any(e.get("to") == "STOPPED" for e in sse.events()))
    sse.close()
