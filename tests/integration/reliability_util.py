"""Helpers for the reliability tests: what /proc says about the daemon
(descriptors, memory, CPU, children), a client that keeps a connection,
and the soak switch (RELIABILITY_SOAK=1 makes the long variants run)."""
import json
import os
import socket
import time

from conftest import DEADLINE, proc_stats

SOAK = os.environ.get("RELIABILITY_SOAK") == "1"
TICK = os.sysconf("SC_CLK_TCK")


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def fd_targets(pid):
    out = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except OSError:
            pass
    return sorted(out)


def sockets(pid):
    """How many sockets pid holds (the listening one, and clients)."""
    return sum(1 for t in fd_targets(pid) if t.startswith("socket:"))


def rss_kb(pid):
    """VmRSS in kB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def pss_kb(pid):
    """Pss in kB (smaps_rollup), or VmRSS where there is none."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return rss_kb(pid)


def cpu_seconds(pid):
    """utime + stime of pid, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def zombies_of(pid):
    """Zombie children of pid."""
    return [p for p, f in proc_stats() if int(f[1]) == pid and f[0] == "Z"]


class Client:
    """One connection kept open: requests and replies in order."""

    def __init__(self, daemon, timeout=DEADLINE):
        self.sock = daemon.connect(timeout)
        self.sock.settimeout(timeout)
        self.buf = b""

    def send(self, obj):
        self.sock.sendall((json.dumps(obj) + "\n").encode())

    def send_raw(self, data):
        self.sock.sendall(data)

    def line(self, timeout=DEADLINE):
        """The next line as bytes (without '\\n'); EOFError at the end."""
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def reply(self, timeout=DEADLINE):
        """The next line, checked: UTF-8 JSON with a boolean ok."""
        return well_formed(self.line(timeout))

    def call(self, obj, timeout=DEADLINE):
        self.send(obj)
        return self.reply(timeout)

    def close(self):
        self.sock.close()


def well_formed(line):
    """A reply line must be UTF-8 JSON, an object with a boolean ok, and
    an error object with a code and a message when ok is false."""
    text = line.decode("utf-8")
    r = json.loads(text)
    assert isinstance(r, dict), r
    assert r.get("ok") in (True, False), r
    if r["ok"] is False:
        assert isinstance(r.get("error"), dict), r
        assert isinstance(r["error"].get("code"), str), r
        assert isinstance(r["error"].get("message"), str), r
    return r


def connect_raw(daemon):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(DEADLINE)
    s.connect(daemon.sock)
    return s


def settle(sample, limit, timeout=DEADLINE, interval=0.05):
    """Poll sample() until it is <= limit; the last value either way."""
    end = time.monotonic() + timeout
    while True:
        v = sample()
        if v <= limit or time.monotonic() > end:
            return v
        time.sleep(interval)
