"""[inet_http_server] and Basic authentication: the TCP listener, the
Unix socket's username and password, plain and {SHA} passwords, 401 with
Supervisor's realm, supervisorctl with credentials, and the listener out
of descriptors."""
import hashlib
import os
import re
import resource
import socket
import subprocess
import xmlrpc.client

import pytest

import pysupervisor
from conftest import DEADLINE, start_with_nofile, free_port

# The copy make pysupervisor unpacks, never the system's.
SupervisorTransport = pysupervisor.transport()
pytestmark = pysupervisor.needs_transport(SupervisorTransport)

PROGRAMS = """\
    [program:sleeper]
    command = sleep 1000
    startsecs = 0
    """


def start(daemon, inet, unix_auth=""):
    daemon.write_config(PROGRAMS, extra=inet)
    if unix_auth:
        with open(daemon.conf) as f:
            text = f.read()
        text = text.replace("[unix_http_server]\n",
                            "[unix_http_server]\n" + unix_auth, 1)
        with open(daemon.conf, "w") as f:
            f.write(text)
    daemon.start()
    daemon.wait_state("sleeper", "RUNNING")


def tcp_proxy(port, user=None, password=None):
    t = SupervisorTransport(user, password, "http://127.0.0.1:%d" % port)
    return xmlrpc.client.ServerProxy("http://127.0.0.1:%d" % port,
                                     transport=t)


def unix_proxy(daemon, user=None, password=None):
    t = SupervisorTransport(user, password, "unix://" + daemon.sock)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def status_of(call):
    with pytest.raises(xmlrpc.client.ProtocolError) as e:
        call()
    return e.value.errcode


def test_tcp_listener_with_plain_password(daemon):
    port = free_port()
    start(daemon, "[inet_http_server]\nport = 127.0.0.1:%d\n"
          "username = admin\npassword = s3cret\n" % port)
    p = tcp_proxy(port, "admin", "s3cret")
    assert p.supervisor.getProcessInfo("sleeper")["statename"] == "RUNNING"
    assert status_of(tcp_proxy(port, "admin", "wrong").supervisor
                     .getState) == 401
    assert status_of(tcp_proxy(port).supervisor.getState) == 401
    s = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
              b"Content-Length: 0\r\n\r\n")
    head = s.recv(4096)
    s.close()
    assert head.startswith(b"HTTP/1.1 401")
    assert b'WWW-Authenticate: Basic realm="default"' in head
    # The Unix socket has no credentials of its own here.
    assert unix_proxy(daemon).supervisor.getState()["statecode"] == 1
    # supervisorctl over TCP with -u and -p.
    r = subprocess.run([pysupervisor.SUPERVISORCTL, "-s",
                        "http://127.0.0.1:%d" % port, "-u", "admin", "-p",
                        "s3cret", "status"], capture_output=True, text=True,
                       timeout=DEADLINE)
    assert r.returncode == 0 and "sleeper" in r.stdout and "RUNNING" in \
        r.stdout, r
    assert "listening on 127.0.0.1:%d" % port in daemon.log()
    assert "without a username" not in daemon.log()


def test_sha_password_and_unix_socket_auth(daemon):
    port = free_port()
    digest = hashlib.sha1(b"pa:ss word").hexdigest()
    start(daemon, "[inet_http_server]\nport = :%d\nusername = ops\n"
          "password = {SHA}%s\n" % (port, digest),
          unix_auth="username = local\npassword = {SHA}%s\n" %
          hashlib.sha1(b"x" * 70).hexdigest())
    assert tcp_proxy(port, "ops", "pa:ss word").supervisor.getPID() == \
        daemon.proc.pid
    assert status_of(tcp_proxy(port, "ops", digest).supervisor.getPID) == 401
    assert status_of(unix_proxy(daemon).supervisor.getPID) == 401
    assert unix_proxy(daemon, "local", "x" * 70).supervisor.getPID() == \
        daemon.proc.pid
    # JSON clients of the socket are checked by their credentials only.
    assert daemon.request({"cmd": "version"})["ok"]


def test_listener_everywhere_without_username_warns(daemon):
    port = free_port()
    start(daemon, "[inet_http_server]\nport = *:%d\n" % port)
    assert tcp_proxy(port).supervisor.getState()["statename"] == "RUNNING"
    daemon.wait_log("without a username")


def test_port_in_use_is_a_startup_error(daemon):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    daemon.write_config(PROGRAMS, extra="[inet_http_server]\n"
                        "port = 127.0.0.1:%d\n" % port)
    daemon.start(wait=False)
    assert daemon.wait_exit() != 0
    assert "cannot listen on 127.0.0.1:%d" % port in daemon.output()
    # The control socket it had set up and the pidfile are gone again.
    assert not os.path.exists(daemon.sock)
    assert not os.path.exists(daemon.pidfile)
    s.close()


def test_refused_request_is_answered_after_its_body(daemon):
    """A 401 waits for the request's body and keeps the connection, as
    Supervisor's does: supervisorctl writes the headers and the body
    apart, and a connection closed under it gave EPIPE, not the 401."""
    start(daemon, "", unix_auth="username = u\npassword = p\n")
    body = b"<?xml version='1.0'?><methodCall><methodName>" \
        b"supervisor.getPID</methodName></methodCall>"
    req = (b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n"
           b"Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s"
           % (len(body), body))
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(DEADLINE)
    s.connect(daemon.sock)
    s.sendall(req)
    got = b""
    while got.count(b"HTTP/1.1 401") < 1 or not got.endswith(b"\n"):
        chunk = s.recv(65536)
        assert chunk, "closed after the first refusal: %r" % got
        got += chunk
    s.sendall(req)		# the same connection: still open
    while got.count(b"HTTP/1.1 401") < 2:
        chunk = s.recv(65536)
        assert chunk, "closed after the first refusal: %r" % got
        got += chunk
    s.close()
    assert b'WWW-Authenticate: Basic realm="default"' in got


API_VERSION = (b"<?xml version='1.0'?><methodCall><methodName>"
               b"supervisor.getAPIVersion</methodName></methodCall>")


def rpc_send(s):
    """An XML-RPC request on s; the answer ends the connection."""
    s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              b"Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s"
              % (len(API_VERSION), API_VERSION))


def connect(port):
    return socket.create_connection(("127.0.0.1", port),
                                    timeout=DEADLINE * 2)


def test_tcp_listener_out_of_descriptors_pauses(daemon):
    """The daemon with few descriptors: the TCP listener meets EMFILE,
    pauses (said once per episode, with its count at the end, as the
    control socket's), and every connection is still served in turn."""
    port = free_port()
    daemon.write_config(PROGRAMS, supervisord_extra="minfds = 16",
                        extra="[inet_http_server]\nport = 127.0.0.1:%d\n"
                        % port)
    soft, hard = start_with_nofile(daemon, 64)
    try:
        daemon.wait_state("sleeper", "RUNNING")
        # Connected first, silent: each one the daemon takes holds a
        # descriptor until its request is answered, so it runs out.
        socks = [connect(port) for _ in range(150)]
        daemon.wait_log("http: cannot accept, pausing")
        for s in socks:
            rpc_send(s)
        for i, s in enumerate(socks):
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            assert data.startswith(b"HTTP/1.1 200"), (i, data[:200])
            assert b"<string>3.0</string>" in data, (i, data)
            s.close()
        # One more connection ends the episode: its count is said.
        s = connect(port)
        rpc_send(s)
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
        s.close()
        daemon.wait_log("http: accepting again after")
        log = daemon.log()
        assert log.count("http: cannot accept, pausing") == \
            log.count("http: accepting again after"), log
        assert re.search(r"http: accepting again after \d+ pauses? over "
                         r"[0-9.]+ s out of descriptors", log), log
        assert daemon.proc.poll() is None
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _get(port, host, origin=None, body=None, fetch_site=None):
    """A raw GET /metrics over TCP with the given Host (and Origin or
    Sec-Fetch-Site, as a browser sends): its status (and body text
    appended to the list body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    hdrs = "GET /metrics HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n" % host
    if origin:
        hdrs += "Origin: %s\r\n" % origin
    if fetch_site:
        hdrs += "Sec-Fetch-Site: %s\r\n" % fetch_site
    s.sendall((hdrs + "\r\n").encode())
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    if body is not None:
        body.append(got.partition(b"\r\n\r\n")[2].decode())
    return int(got.split(b" ")[1])


def test_dns_rebinding_refused_without_credentials(daemon):
    """A page of evil.example rebound to 127.0.0.1 is same-origin with
    itself; without a username the listener serves a browser only when
    it names this machine.  Other clients (no Origin, no Sec-Fetch-Site)
    may use any name: fleets scrape hosts by their DNS names."""
    port = free_port()
    start(daemon, "[inet_http_server]\nport = 127.0.0.1:%d\n" % port)
    evil = "evil.example:%d" % port
    said = []
    assert _get(port, evil, "http://" + evil, said) == 403
    assert "DNS rebinding" in said[0]
    assert _get(port, evil, fetch_site="same-origin") == 403
    assert _get(port, evil) == 200
    for name in ("127.0.0.1", "localhost", "[::1]", socket.gethostname()):
        here = "%s:%d" % (name, port)
        assert _get(port, here, "http://" + here) == 200, name


def test_names_served_with_credentials(daemon):
    """With a username, the browser sends no credentials to a rebound
    name: any Host is served (reverse proxies, DNS names)."""
    port = free_port()
    start(daemon, "[inet_http_server]\nport = 127.0.0.1:%d\nusername = u\n"
          "password = p\n" % port)
    assert _get(port, "supervisor.example:%d" % port) == 401
