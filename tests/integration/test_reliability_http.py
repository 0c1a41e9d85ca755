"""Bad HTTP clients on the control socket, one behaviour per test: headers
that never end (never finished, or dripped a line at a time for ever)
are closed after the timeout with the daemon's memory bounded; 1000
concurrent HTTP connections mixed with JSON clients are all answered and
the daemon keeps serving.  Everyone else is served meanwhile."""
import http.client
import resource
import socket
import threading
import time

import pytest

from conftest import DEADLINE, under_asan, wait_for
from engine_util import program
from reliability_util import fd_count, rss_kb, sockets

SLOW = 4 * DEADLINE
TIMEOUT = 2         # SUPERVISORD_CTL_TIMEOUT of these tests


def start(daemon, timeout=TIMEOUT):
    daemon.write_config(program("a", "sleep 1000", startsecs=0))
    env = {"SUPERVISORD_CTL_TIMEOUT": str(timeout)} if timeout else None
    daemon.start(env=env)
    daemon.wait_state("a", "RUNNING")
    pid = daemon.proc.pid
    # The first HTTP request starts the HTTP server (its epoll and event
    # descriptors stay open from then on): the count to come back to is
    # the one after it.
    xmlrpc_state(daemon)
    wait_for(lambda: sockets(pid) == 1, what="no client connected")
    return pid, fd_count(pid)


def xmlrpc_state(daemon):
    """supervisor.getState over HTTP on the socket, on a fresh connection."""
    s = daemon.connect()
    c = http.client.HTTPConnection("localhost", timeout=SLOW)
    c.sock = s
    body = (b"<?xml version='1.0'?><methodCall><methodName>supervisor."
            b"getState</methodName><params></params></methodCall>")
    c.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
    r = c.getresponse()
    data = r.read()
    c.close()
    assert r.status == 200 and b"RUNNING" in data, (r.status, data)
    return True


def served(daemon):
    assert daemon.request({"cmd": "status"})["ok"]
    return xmlrpc_state(daemon)


def closed(s):
    """The daemon closed s (we never read what it may have sent)."""
    try:
        while True:
            data = s.recv(65536, socket.MSG_DONTWAIT)
            if not data:
                return True
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def test_headers_never_finished_are_closed_after_the_timeout(daemon):
    pid, fds = start(daemon)
    half = []
    for _ in range(20):
        s = daemon.connect()
        s.sendall(b"GET /logtail/a HTTP/1.1\r\nHost: localhost\r\nX-Half: ")
        half.append(s)
    started = time.monotonic()
    served(daemon)
    for s in half:
        wait_for(lambda: closed(s), timeout=SLOW, interval=0.1,
                 what="a half request closed")
        s.close()
    # Not before the timeout (give or take the loop's rounding).
    assert time.monotonic() - started >= TIMEOUT - 0.5
    wait_for(lambda: fd_count(pid) == fds, what="descriptors back")
    served(daemon)


def test_header_lines_dripped_for_ever_are_closed_after_the_timeout(daemon):
    # Never idle for long enough for an idle timeout: a header line every
    # 0.2 s.  The deadline of the whole headers closes it.
    pid, fds = start(daemon)
    s = daemon.connect()
    s.sendall(b"GET /logtail/a HTTP/1.1\r\nHost: localhost\r\n")
    started = time.monotonic()
    gone = False
    i = 0
    while time.monotonic() - started < SLOW and not gone:
        try:
            s.sendall(b"X-Drip-%d: 1\r\n" % i)
        except (BrokenPipeError, ConnectionResetError):
            gone = True
            break
        i += 1
        gone = closed(s)
        if i % 10 == 0:
            served(daemon)
        time.sleep(0.2)
    assert gone, "a dripping client kept its connection"
    assert time.monotonic() - started >= TIMEOUT - 0.5
    s.close()
    wait_for(lambda: fd_count(pid) == fds, what="descriptors back")
    assert "no whole request after" in daemon.log()


def test_header_lines_sent_for_ever_are_refused_bounded(daemon):
    # As fast as it can: the headers' buffer (64 KiB) fills, the request
    # is refused, the connection closed; the daemon's memory stays put.
    pid, fds = start(daemon, timeout=None)
    before = rss_kb(pid)
    s = daemon.connect()
    s.sendall(b"GET /logtail/a HTTP/1.1\r\nHost: localhost\r\n")
    line = b"X-Flood: " + b"b" * 1000 + b"\r\n"
    sent = 0
    try:
        while sent < 64 * 1024 * 1024:
            s.sendall(line)
            sent += len(line)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    assert sent < 8 * 1024 * 1024, sent
    wait_for(lambda: closed(s), timeout=SLOW, interval=0.1,
             what="the flooding client closed")
    s.close()
    served(daemon)
    if not under_asan(pid):
        assert rss_kb(pid) - before < 4 * 1024, (before, rss_kb(pid))
    wait_for(lambda: fd_count(pid) == fds, what="descriptors back")


def test_1000_http_connections_mixed_with_json_clients(daemon):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        if hard != resource.RLIM_INFINITY and hard < 1200:
            pytest.skip("1000 sockets need 1200 descriptors; the limit "
                        "is %d" % hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    pid, fds = start(daemon, timeout=None)
    errors = []
    answered = []
    lock = threading.Lock()

    def http_client(n):
        try:
            for _ in range(n):
                xmlrpc_state(daemon)
                with lock:
                    answered.append("http")
        except Exception as e:     # reported below
            errors.append(repr(e))

    def json_client(n):
        try:
            for _ in range(n):
                assert daemon.request({"cmd": "status"})["ok"]
                with lock:
                    answered.append("json")
        except Exception as e:     # reported below
            errors.append(repr(e))

    # 1000 HTTP connections open at once, each with a request half sent;
    # then each finished while JSON clients and whole XML-RPC calls run.
    body = (b"<?xml version='1.0'?><methodCall><methodName>supervisor."
            b"getPID</methodName><params></params></methodCall>")
    head = (b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
            b"text/xml\r\nContent-Length: %d\r\n" % len(body))
    conns = []
    for _ in range(1000):
        s = daemon.connect()
        s.sendall(head)
        conns.append(s)
    threads = [threading.Thread(target=json_client, args=(20,))
               for _ in range(8)]
    threads += [threading.Thread(target=http_client, args=(20,))
                for _ in range(8)]
    for t in threads:
        t.start()
    for s in conns:
        s.sendall(b"\r\n" + body)
    for s in conns:
        s.settimeout(SLOW)
        data = b""
        while b"</methodResponse>" not in data:
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
        assert data.startswith(b"HTTP/1.1 200") and \
            b"<int>%d</int>" % pid in data, data
        s.close()
    for t in threads:
        t.join(SLOW * 2)
    assert not errors, errors[:5]
    assert len(answered) == 8 * 20 * 2
    wait_for(lambda: fd_count(pid) == fds, timeout=SLOW,
             what="descriptors back")
    served(daemon)
