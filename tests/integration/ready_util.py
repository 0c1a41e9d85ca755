"""Helpers for the readiness tests: programs that speak sd_notify, their
printed lines, and a datagram socket that stands in for systemd."""
import os
import signal
import socket
import time

from conftest import DEADLINE, helper
from engine_util import program, wait  # noqa: F401 (re-exported)


def notify_ready(*args):
    """The helper that speaks sd_notify by itself (tests/helpers)."""
    return " ".join([helper("notify_ready")] + [str(a) for a in args])


def out_path(d, name):
    return os.path.join(d.dir, name + ".out")


def out(d, name):
    """What a program (configured with stdout_logfile=NAME.out) printed."""
    try:
        with open(out_path(d, name), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def printed(d, name, key, timeout=DEADLINE):
    """The value of the first KEY=VALUE line the program printed."""
    def find():
        for line in out(d, name).splitlines():
            if line.startswith(key + "="):
                return line[len(key) + 1:]
        return None
    return wait(d, find, "%s to print %s=" % (name, key), timeout)


def cue(d, name, out_name=None):
    """SIGUSR1 to a notify_ready -u (-m) once it printed its pid, that is
    once its handler is in place; returns the pid."""
    pid = int(printed(d, out_name or name, "pid"))
    os.kill(pid, signal.SIGUSR1)
    return pid


def wait_spawned(d, name):
    """The status entry once the process is forked (pid != 0)."""
    return wait(d, lambda: d.status(name)["pid"] and d.status(name),
                "%s to be forked" % name)


def wait_desc(d, name, text):
    return wait(d, lambda: text in d.status(name)["description"] and
                d.status(name), "%s's description to hold %r" % (name, text))


class FakeSystemd:
    """A datagram socket bound where NOTIFY_SOCKET points: what the daemon
    sends to systemd arrives here, one dict per datagram."""

    def __init__(self, path=None, abstract=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            self.sock.bind("\0" + abstract)
            self.name = "@" + abstract
        else:
            self.sock.bind(path)
            self.name = path
        self.messages = []

    def env(self, **more):
        e = {"NOTIFY_SOCKET": self.name}
        e.update(more)
        return e

    def _drain(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        msg = {}
        for line in data.decode().split("\n"):
            k, _, v = line.partition("=")
            msg[k] = v
        msg["_at"] = time.monotonic()
        self.messages.append(msg)
        return True

    def wait(self, pred, what, timeout=DEADLINE):
        """The first message (received so far or later) matching pred."""
        end = time.monotonic() + timeout
        seen = 0
        while True:
            for m in self.messages[seen:]:
                if pred(m):
                    return m
            seen = len(self.messages)
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("no systemd message with %s; got %r"
                                     % (what, self.messages))
            self._drain(min(left, 0.5))

    def wait_key(self, key, value=None, timeout=DEADLINE):
        return self.wait(lambda m: key in m and (value is None or
                                                 m[key] == value),
                         "%s=%s" % (key, value if value else "*"), timeout)

    def count(self, key):
        return sum(1 for m in self.messages if key in m)

    def wait_count(self, key, n, timeout=DEADLINE):
        """Wait until n messages carried key; returns their times."""
        end = time.monotonic() + timeout
        while self.count(key) < n:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("%d messages with %s wanted, got %r"
                                     % (n, key, self.messages))
            self._drain(min(left, 0.5))
        return [m["_at"] for m in self.messages if key in m]

    def close(self):
        self.sock.close()
