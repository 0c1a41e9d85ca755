"""Shared fixtures for the integration tests: the real daemon, real children.

Each test gets a private folder with its own socket, logs and pidfiles.
Waiting is always on a condition with a deadline (wait_for), never a bare
sleep.  Deadlines are generous because CI is a loaded 2-core machine.
"""
import json
import os
import resource
import signal
import socket
import subprocess
import textwrap
import time

import pytest

BUILD = os.environ.get("BUILD") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SUPERVISORD = os.path.join(BUILD, "supervisord")
SUPCTL = os.path.join(BUILD, "supctl")
HELPERS = os.path.join(BUILD, "helpers")
SHARED = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                      "..", "shared"))

DEADLINE = float(os.environ.get("TEST_DEADLINE", "15"))


def helper(name):
    """Path of a helper program built from tests/helpers/NAME.c."""
    return os.path.join(HELPERS, name)


def wait_for(cond, timeout=DEADLINE, interval=0.01, what=None):
    """Poll cond() until it returns a true value, or fail at the deadline."""
    end = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what or getattr(cond, "__name__", cond)))
        time.sleep(interval)


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def proc_stats():
    """(pid, fields of /proc/PID/stat after the command name) of every
    process: fields[0] the state, [1] the parent, [2] the process group."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        yield int(d), fields


def pids_in_pgroup(pgid):
    """Live pids whose process group is pgid."""
    return [pid for pid, f in proc_stats() if f[0] != "Z" and
            int(f[2]) == pgid]


def children_of(pid):
    """Direct children of pid (from /proc), zombies included."""
    return [(p, f[0]) for p, f in proc_stats() if int(f[1]) == pid]


class Daemon:
    """One supervisord under test, in its own folder, with its own socket."""

    def __init__(self, tmp_path):
        self.dir = str(tmp_path)
        self.sock = os.path.join(self.dir, "supervisord.sock")
        self.pidfile = os.path.join(self.dir, "supervisord.pid")
        self.logfile = os.path.join(self.dir, "supervisord.log")
        self.conf = os.path.join(self.dir, "supervisord.conf")
        self.proc = None
        self.stderr_path = os.path.join(self.dir, "daemon.stderr")

    def write_config(self, programs="", supervisord_extra="", extra=""):
        """Write a config with our private paths, plus the given sections."""
        text = textwrap.dedent("""\
            [supervisord]
            logfile = {d}/supervisord.log
            pidfile = {d}/supervisord.pid
            childlogdir = {d}
            loglevel = debug
            {sx}

            [unix_http_server]
            file = {d}/supervisord.sock

            [supervisorctl]
            serverurl = unix://{d}/supervisord.sock

            """).format(d=self.dir, sx=textwrap.dedent(supervisord_extra))
        text += textwrap.dedent(programs) + "\n" + textwrap.dedent(extra)
        with open(self.conf, "w") as f:
            f.write(text)
        return self.conf

    def start(self, args=(), wait=True, env=None):
        e = dict(os.environ)
        if env:
            e.update(env)
        self.stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [SUPERVISORD, "-n", "-c", self.conf] + list(args),
            stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr,
            env=e, cwd=self.dir)
        if wait:
            # The pidfile is written once the daemon holds its lock; the
            # socket follows it, and request() retries until it answers.
            wait_for(lambda: os.path.exists(self.pidfile) or self.proc.poll()
                     is not None, what="the daemon's pidfile")
            assert self.proc.poll() is None, self.output()
        return self

    def output(self):
        text = ""
        for p in (self.stderr_path, self.logfile):
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    text += "--- %s\n%s" % (p, f.read())
        return text

    def log(self):
        if not os.path.exists(self.logfile):
            return ""
        with open(self.logfile, errors="replace") as f:
            return f.read()

    def wait_log(self, needle, timeout=DEADLINE):
        return wait_for(lambda: needle in self.log() + self.output(),
                        timeout, what="log line %r" % needle)

    def connect(self, timeout=DEADLINE):
        """A connected socket, retrying while the daemon comes up."""
        end = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            try:
                s.connect(self.sock)
                return s
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() > end or (self.proc and
                                              self.proc.poll() is not None):
                    raise
                time.sleep(0.01)

    def request(self, obj, timeout=DEADLINE):
        """One JSON request on a fresh connection; returns the reply."""
        s = self.connect(timeout)
        try:
            s.sendall((json.dumps(obj) + "\n").encode())
            buf = b""
            while b"\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
            return json.loads(buf.split(b"\n", 1)[0])
        finally:
            s.close()

    def supctl(self, *args, check=None, timeout=DEADLINE, env=None):
        e = dict(os.environ)
        e.pop("NO_COLOR", None)
        if env:
            e.update(env)
        r = subprocess.run([SUPCTL, "-c", self.conf] + list(args),
                           capture_output=True, text=True, timeout=timeout,
                           env=e)
        if check is not None:
            assert r.returncode == check, (r.returncode, r.stdout, r.stderr)
        return r

    def status(self, name=None):
        """The daemon's status entries by full name (via the socket)."""
        reply = self.request({"cmd": "status"})
        assert reply["ok"], reply
        procs = {p["fullname"]: p for p in reply["result"]["processes"]}
        return procs[name] if name else procs

    def wait_state(self, name, state, timeout=DEADLINE):
        """name's entry once in state; a name not there yet (a reload
        still to come) is waited for like a state."""
        def reached():
            p = self.status().get(name)
            return p is not None and p["state"] == state and p
        return wait_for(reached, timeout,
                        what="%s to be %s" % (name, state))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=DEADLINE):
        return self.proc.wait(timeout=timeout)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path)
    yield d
    d.kill()


def free_port():
    """A loopback TCP port nobody listens on now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_with_nofile(daemon, limit):
    """Start the daemon with RLIMIT_NOFILE's soft limit at limit (it
    inherits it), then give the tests back at least 1100.  Returns the
    limits as they were, for the test to restore at its end."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        daemon.start()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1100), hard))
    return soft, hard


def under_asan(pid):
    """Whether pid is the AddressSanitizer build: its quarantine holds
    freed memory, so resident-memory bounds do not apply."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()
