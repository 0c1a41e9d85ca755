"""Bad input on the control socket: garbage, invalid UTF-8, the fuzzing
corpus replayed on the real daemon, lines too long, requests a byte at a
time or thousands in one write, clients that never read, vanish halfway
or sit idle.  Every reply is one line of UTF-8 JSON; the daemon lives on
and its descriptors come back to where they were."""
import glob
import json
import os
import socket
import struct
import time

from conftest import DEADLINE
from engine_util import program, wait
from reliability_util import Client, connect_raw, fd_count, sockets

CORPUS = os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus",
                      "proto")


def start(daemon, env=None):
    daemon.write_config(program("a", "sleep 1000", startsecs=0) +
                        program("b", "sleep 1000", startsecs=0,
                                autostart="false"))
    daemon.start(env=env)
    daemon.wait_state("a", "RUNNING")
    # b has run once (its log files stay open from then on) and is down.
    assert daemon.request({"cmd": "start", "names": ["b"]})["ok"]
    assert daemon.request({"cmd": "stop", "names": ["b"]})["ok"]
    pid = daemon.proc.pid
    # Once the clients so far are gone, only the listening socket is left.
    wait(daemon, lambda: sockets(pid) == 1, "no client connected")
    return pid, fd_count(pid)


def back_to(daemon, pid, fds):
    """No client left, and (fds given) the descriptors of the start."""
    if fds is None:
        wait(daemon, lambda: sockets(pid) == 1, "no client left")
    else:
        wait(daemon, lambda: fd_count(pid) == fds,
             "the daemon's descriptors back to %d" % fds)
    assert daemon.proc.poll() is None
    assert daemon.request({"cmd": "status"})["ok"]


BAD_LINES = [
    b"not json",
    b"[1, 2, 3]",
    b'"just a string"',
    b"{",
    b'{"cmd": "status"} trailing',
    b'{"cmd": "frobnicate"}',
    b'{"cmd": 42}',
    b'{"cmd": "status", "cmd": "version"}',
    b'{"cmd": "status", "names": "a"}',
    b'{"cmd": "start", "names": []}',
    b'{"cmd": "start", "names": ["a b"]}',
    b'{"cmd": "signal", "names": ["a"], "signal": "NOPE"}',
    b'{"cmd": "signal", "names": ["a"], "signal": 1e300}',
    b'{"cmd": "tail", "name": "a", "bytes": -1}',
    b'{"cmd": "tail", "name": "a", "stream": "stdin"}',
    b'{"cmd": "\xff\xfe", "id": "\xc3"}',
    b'{"cmd": "start", "names": ["\xe2\x82"], "id": 5}',
    b'{"cmd": "stop", "names": ["' + "\u00e9".encode() * 200 + b'"]}',
    b'{"cmd": "x\\ud800", "id": "\\udc00"}',
    b'{"cmd": "status", "id": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"cmd": "status", "nul": "a\x00b"}',
    b"\x00\x01\x02\x03",
    b'{"id": {"nested": true}, "cmd": "status"}',
    b'{"cmd": "status"}\r',
]


def test_garbage_lines_each_answered_in_order(daemon):
    pid, fds = start(daemon)
    c = Client(daemon)
    c.send_raw(b"".join(line + b"\n" for line in BAD_LINES) +
               b"\n   \n" + b'{"cmd": "status", "id": "last"}\n')
    for line in BAD_LINES[:-1]:
        r = c.reply()
        assert r["ok"] is False, (line, r)
        assert r["error"]["code"] in ("bad_request", "unknown_command",
                                      "no_such_process", "bad_signal"), \
            (line, r)
    assert c.reply()["ok"] is True          # the one ending in \r
    last = c.reply()
    assert last["id"] == "last" and last["ok"], last
    c.close()
    back_to(daemon, pid, fds)


def test_fuzz_corpus_on_the_real_daemon(daemon):
    """Every request of the fuzzing corpus (and crashers kept there),
    line by line, on one connection: each line gets a well-formed reply
    and the daemon lives on.  Requests that would end the daemon are
    left out."""
    pid, fds = start(daemon)
    sent = 0
    for path in sorted(glob.glob(os.path.join(CORPUS, "*"))):
        data = open(path, "rb").read()
        if b"shutdown" in data or b"reload" in data or b"events" in data \
                or b"follow" in data:
            continue
        lines = [l for l in data.replace(b"\r\n", b"\n").split(b"\n")
                 if l.strip(b" \t\r")]
        c = Client(daemon)
        c.send_raw(data + b"\n")
        for _ in lines:
            c.reply()
            sent += 1
        c.close()
    assert sent > 30
    back_to(daemon, pid, None)  # stop all, signal...: programs changed


def test_line_too_long_is_refused_and_closed(daemon):
    pid, fds = start(daemon)
    c = Client(daemon)
    try:
        c.send_raw(b'{"cmd": "status", "pad": "' + b"x" * 70000)
    except (BrokenPipeError, ConnectionResetError):
        pass                        # the daemon may close mid-send
    r = c.reply()
    assert r["ok"] is False and r["error"]["code"] == "line_too_long", r
    try:
        while c.line():
            pass
    except (EOFError, ConnectionResetError):
        pass
    c.close()
    back_to(daemon, pid, fds)


def test_a_byte_at_a_time_and_thousands_in_one_write(daemon):
    pid, fds = start(daemon)
    c = Client(daemon)
    for b in b'{"cmd": "version", "id": 1}\n':
        c.send_raw(bytes([b]))
    assert c.reply() == {"id": 1, "ok": True,
                         "result": c_version(daemon)}
    n = 2000
    c.send_raw(b"".join(b'{"cmd": "pid", "names": ["a"], "id": %d}\n' % i
                        for i in range(n)))
    for i in range(n):
        r = c.reply()
        assert r["id"] == i and r["ok"], r
    c.close()
    back_to(daemon, pid, fds)


def c_version(daemon):
    return daemon.request({"cmd": "version"})["result"]


def test_client_that_never_reads_is_dropped(daemon):
    """A client that pipelines status requests and reads nothing: its
    output is bounded (8 MiB), then it is dropped; nobody else waits."""
    pid, fds = start(daemon)
    s = connect_raw(daemon)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(0.5)
    req = b'{"cmd": "status"}\n' * 1000
    deadline = time.monotonic() + DEADLINE
    while "output buffer full" not in daemon.log():
        assert time.monotonic() < deadline, "never dropped"
        try:
            s.sendall(req)
        except (socket.timeout, BrokenPipeError, ConnectionResetError):
            # Our send buffer is full (the daemon reads once its own
            # output drains) or the daemon dropped us: either way, look
            # at the log again.
            time.sleep(0.05)
        assert daemon.request({"cmd": "version"})["ok"]
    s.close()
    back_to(daemon, pid, fds)


def test_clients_vanishing_halfway(daemon):
    """Clients that send half a request and close, reset the connection
    (SO_LINGER 0), or close while a start they asked for is on its way:
    the daemon notices each and keeps no descriptor."""
    pid, fds = start(daemon)
    for i in range(100):
        s = connect_raw(daemon)
        s.sendall(b'{"cmd": "sta')
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        s.close()
    for i in range(20):
        s = connect_raw(daemon)
        s.sendall(b'{"cmd": "%s", "names": ["b"]}\n' % (
            b"start" if i % 2 == 0 else b"stop"))
        s.close()
    wait(daemon, lambda: daemon.status("b")["state"] in (
        "RUNNING", "STOPPED"), "b to settle")
    daemon.request({"cmd": "stop", "names": ["b"]})
    back_to(daemon, pid, fds)


def test_closed_event_subscribers_are_dropped_at_once(daemon):
    """A subscriber that closes is dropped when it closes, not at the
    next event (nothing happens here: there would be none)."""
    pid, fds = start(daemon)
    subs = []
    for i in range(20):
        c = Client(daemon)
        c.send({"cmd": "events"})
        assert c.reply()["ok"]
        subs.append(c)
    wait(daemon, lambda: fd_count(pid) == fds + 20, "20 subscribers")
    for i, c in enumerate(subs):
        if i % 2:
            c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
    back_to(daemon, pid, fds)


def test_idle_clients_time_out(daemon):
    pid, fds = start(daemon, env={"SUPERVISORD_CTL_TIMEOUT": "1"})
    idle = [connect_raw(daemon) for _ in range(50)]
    wait(daemon, lambda: fd_count(pid) == fds + 50, "50 idle clients")
    back_to(daemon, pid, fds)
    for s in idle:
        assert s.recv(100) == b""
        s.close()
    assert "idle timeout" in daemon.log()


def test_utf8_replies_to_invalid_bytes(daemon):
    """Names and ids in invalid UTF-8 come back as U+FFFD, so a strict
    client (Python's json on bytes) can read every reply."""
    pid, fds = start(daemon)
    c = Client(daemon)
    c.send_raw(b'{"cmd": "start", "names": ["\xe2\x82"], "id": "\xff"}\n')
    r = c.reply()
    assert r["id"] == "\ufffd", r
    assert r["error"]["code"] == "no_such_process", r
    assert "\ufffd" in r["error"]["message"], r
    c.close()
    back_to(daemon, pid, fds)
