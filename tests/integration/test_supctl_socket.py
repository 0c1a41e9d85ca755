"""Which socket supctl uses (-s, -c's serverurl or file, $SUPCTL_SOCKET,
the default), and what it says when the daemon cannot be reached."""
import os
import socket
import subprocess
import threading
import time

import pytest

import pysupervisor
from escape_util import free_port
from conftest import SUPCTL, DEADLINE, wait_for

DEFAULT_CONFIGS = ("/etc/supervisord.conf", "/etc/supervisor/supervisord.conf")


@pytest.fixture
def d(daemon):
    daemon.write_config("""\
        [program:p]
        command = sleep 1000
        """)
    daemon.start()
    daemon.wait_state("p", "RUNNING")
    return daemon


def run(args, cwd, env=None):
    e = {k: v for k, v in os.environ.items()
         if k not in ("SUPCTL_SOCKET", "NO_COLOR")}
    e.update(env or {})
    return subprocess.run([SUPCTL] + args, capture_output=True, text=True,
                          timeout=DEADLINE, env=e, cwd=cwd)


def test_socket_option(d, tmp_path):
    r = run(["-s", d.sock, "status", "p"], str(tmp_path))
    assert r.returncode == 0 and "RUNNING" in r.stdout


def test_config_serverurl_wins_over_file(d, tmp_path):
    conf = tmp_path / "client.conf"
    conf.write_text("[unix_http_server]\nfile = %s/nothing.sock\n\n"
                    "[supervisorctl]\nserverurl = unix://%s\n"
                    % (tmp_path, d.sock))
    r = run(["-c", str(conf), "status", "p"], str(tmp_path))
    assert r.returncode == 0, r.stderr


def test_config_file_without_serverurl(d, tmp_path):
    conf = tmp_path / "client.conf"
    conf.write_text("[unix_http_server]\nfile = %s\n" % d.sock)
    r = run(["-c", str(conf), "status", "p"], str(tmp_path))
    assert r.returncode == 0, r.stderr


def test_daemons_own_file_with_every_section(daemon, tmp_path):
    """The daemon's file as it is: an [inet_http_server] (whose keys the
    client load used to skip, then ask for) and a line longer than
    inih's own 200 bytes."""
    daemon.write_config("""\
        [inet_http_server]
        port = 127.0.0.1:%d

        [program:p]
        command = sh -c 'exec sleep 1000' %s
        """ % (free_port(), "x" * 300))
    daemon.start()
    daemon.wait_state("p", "RUNNING")
    r = run(["-c", daemon.conf, "status", "p"], str(tmp_path))
    assert r.returncode == 0 and "RUNNING" in r.stdout, r.stderr


def test_environment_socket(d, tmp_path):
    r = run(["status", "p"], str(tmp_path), {"SUPCTL_SOCKET": d.sock})
    assert r.returncode == 0, r.stderr


def test_unreadable_config_falls_back(d, tmp_path):
    r = run(["-c", str(tmp_path / "missing.conf"), "status", "p"],
            str(tmp_path), {"SUPCTL_SOCKET": d.sock})
    assert r.returncode == 0, r.stderr
    assert "missing.conf" in r.stderr


def test_config_in_the_current_folder(d, tmp_path):
    (tmp_path / "supervisord.conf").write_text(
        "[unix_http_server]\nfile = %s\n" % d.sock)
    r = run(["status", "p"], str(tmp_path))
    assert r.returncode == 0, r.stderr


def test_unreachable_names_the_socket(tmp_path):
    sock = str(tmp_path / "none.sock")
    r = run(["-s", sock, "status"], str(tmp_path))
    assert r.returncode == 5
    assert sock in r.stderr and "No such file or directory" in r.stderr
    # A socket file nobody listens on: refused.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock)
    s.close()
    r = run(["-s", sock, "start", "p"], str(tmp_path))
    assert r.returncode == 5
    assert sock in r.stderr and "Connection refused" in r.stderr
    r = run(["-s", sock, "version"], str(tmp_path))
    assert r.returncode == 5 and r.stdout == "supctl 0.1.0 (protocol 1)\n"


def test_default_socket(tmp_path):
    if any(os.path.exists(p) for p in DEFAULT_CONFIGS):
        pytest.skip("a system configuration names the socket here")
    r = run(["status"], str(tmp_path), {"XDG_RUNTIME_DIR": str(tmp_path)})
    assert r.returncode == 5
    want = ("/run/supervisord.sock" if os.geteuid() == 0
            else str(tmp_path / "supervisord.sock"))
    assert want in r.stderr, r.stderr


def test_daemon_gone_mid_stream(d, tmp_path):
    p = subprocess.Popen([SUPCTL, "-s", d.sock, "events"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    d.wait_log("pid %d) subscribed to events" % p.pid)
    d.kill()
    out, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 5
    assert "closed the connection" in err


class ForeignServer:
    """Another server on a Unix socket, in a thread: for each connection,
    reply(first bytes received) is sent back, then the socket is closed
    (None: keep it open without a word)."""

    def __init__(self, path, reply):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.reply = reply
        self.held = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(DEADLINE)
            data = b""
            try:
                while b"\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                answer = self.reply(data)
                if answer is None:
                    self.held.append(conn)
                    continue
                conn.sendall(answer)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        for c in self.held:
            c.close()


def http_400(server):
    return lambda data: (b"HTTP/1.0 400 Bad request syntax\r\nServer: %s\r\n"
                         b"Connection: close\r\n\r\n" % server)


def test_http_server_named(tmp_path):
    """An HTTP server answers our first request (it ends in a blank line):
    supctl says what answered, at once, instead of hanging."""
    path = str(tmp_path / "http.sock")
    srv = ForeignServer(path, http_400(b"BaseHTTP/0.6 Python/3.11"))
    try:
        t0 = time.monotonic()
        r = run(["-s", path, "status"], str(tmp_path))
        assert time.monotonic() - t0 < DEADLINE / 2
        assert r.returncode == 5, (r.stdout, r.stderr)
        assert r.stderr == ("supctl: the server at '%s' answered HTTP, not "
                            "supervisord's JSON protocol: is it Python "
                            "Supervisor's socket?\n" % path)
    finally:
        srv.close()


def test_python_supervisors_http_server_named(tmp_path):
    """Python Supervisor (medusa) closes the connection on our JSON line
    without a word: supctl asks in HTTP and names it."""
    path = str(tmp_path / "medusa.sock")

    def medusa(data):
        if data.startswith(b"GET / HTTP/1.0\r\n"):
            return http_400(b"Medusa/1.12")(data)
        return b""	# its uncaught exception closes the channel

    srv = ForeignServer(path, medusa)
    try:
        for cmd in (["status"], ["shutdown"], ["stop", "all"]):
            r = run(["-s", path] + cmd, str(tmp_path))
            assert r.returncode == 5, (cmd, r.stdout, r.stderr)
            assert "answered HTTP, not supervisord's JSON protocol: it is " \
                "Python Supervisor's socket" in r.stderr, r.stderr
    finally:
        srv.close()


def test_other_protocol_named(tmp_path):
    path = str(tmp_path / "ssh.sock")
    srv = ForeignServer(path, lambda data: b"SSH-2.0-OpenSSH_9.2\r\n")
    try:
        r = run(["-s", path, "status"], str(tmp_path))
        assert r.returncode == 5
        assert r.stderr == ("supctl: the server at '%s' does not speak "
                            "supervisord's JSON protocol: it answered "
                            "'SSH-2.0-OpenSSH_9.2'\n" % path), r.stderr
    finally:
        srv.close()


def test_silent_server_times_out(tmp_path):
    path = str(tmp_path / "silent.sock")
    srv = ForeignServer(path, lambda data: None)
    try:
        r = run(["-s", path, "--timeout", "1", "status"], str(tmp_path))
        assert r.returncode == 5
        assert "no answer from the daemon on '%s' in time" % path in r.stderr
    finally:
        srv.close()


def test_python_supervisor_named(tmp_path):
    """The real thing: Python Supervisor 4.2 (build/pysupervisor) on its
    socket; supctl names it at once."""
    why = pysupervisor.unavailable()
    if why:
        pytest.skip(why)
    path = str(tmp_path / "py.sock")
    conf = tmp_path / "py.conf"
    conf.write_text("[supervisord]\nlogfile = {d}/py.log\npidfile = "
                    "{d}/py.pid\nuser = root\n\n[unix_http_server]\nfile = "
                    "{p}\n\n[rpcinterface:supervisor]\n"
                    "supervisor.rpcinterface_factory = "
                    "supervisor.rpcinterface:make_main_rpcinterface\n"
                    .format(d=tmp_path, p=path))
    py = subprocess.Popen(pysupervisor.supervisord("-n", "-c", str(conf)),
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, cwd=str(tmp_path))
    try:
        wait_for(lambda: os.path.exists(path) or py.poll() is not None,
                 timeout=DEADLINE * 2, what="Python Supervisor's socket")
        assert py.poll() is None
        r = run(["-s", path, "status"], str(tmp_path))
        assert r.returncode == 5, (r.stdout, r.stderr)
        assert r.stderr == ("supctl: the server at '%s' answered HTTP, not "
                            "supervisord's JSON protocol: it is Python "
                            "Supervisor's socket (use supervisorctl "
                            "there)\n" % path)
    finally:
        py.terminate()
        py.wait(timeout=DEADLINE)
