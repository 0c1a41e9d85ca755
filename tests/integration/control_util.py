"""The control protocol's tests share this: a daemon with a few programs
(the d fixture), a raw connection to its socket, and a health check."""
import json

import pytest

from conftest import wait_for, DEADLINE


PROGRAMS = """\
    [program:sleeper]
    command = sleep 1000
    startsecs = 0

    [program:web]
    command = sleep 1000
    numprocs = 2
    process_name = web_%(process_num)02d
    startsecs = 0

    [program:idle]
    command = sleep 1000
    autostart = false
    """


class Conn:
    """A raw connection: send lines, read reply lines with a deadline."""

    def __init__(self, daemon, timeout=DEADLINE):
        self.sock = daemon.connect(timeout)
        self.sock.settimeout(timeout)
        self.buf = b""

    def send(self, obj):
        data = obj if isinstance(obj, bytes) else (json.dumps(obj) + "\n").encode()
        self.sock.sendall(data)

    def recv(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed, buffer %r" % self.buf[:200])
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, obj):
        self.send(obj)
        return self.recv()

    def closed(self):
        """True once the daemon closed the connection (EOF)."""
        try:
            return self.sock.recv(65536) == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


@pytest.fixture
def d(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start()
    wait_for(lambda: all(p["state"] == "RUNNING" for n, p in
                         daemon.status().items() if n != "idle"),
             what="every autostart program RUNNING")
    return daemon


def assert_healthy(daemon):
    """The daemon still answers status correctly."""
    st = daemon.status()
    assert sorted(st) == ["idle", "sleeper", "web:web_00", "web:web_01"]
    assert st["sleeper"]["state"] == "RUNNING"
    assert daemon.proc.poll() is None
