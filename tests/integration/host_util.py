"""Helpers for the host-integration tests: the daemon as PID 1 of a new PID
namespace (what `docker run` makes of it), programs that record the signal
that stopped them, and probe's environment dumps."""
import os
import shlex
import signal
import subprocess
import threading
import time

import pytest

from conftest import DEADLINE, SUPERVISORD, children_of, pid_alive, wait_for

UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]


def require_pid_namespace():
    """Skip (saying why) where a new PID namespace cannot be made."""
    try:
        r = subprocess.run(UNSHARE + ["/bin/true"], capture_output=True,
                           text=True, timeout=DEADLINE)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("cannot run unshare: %s" % e)
    if r.returncode != 0:
        pytest.skip("unshare --pid --fork --mount-proc fails here (needs "
                    "root): %s" % r.stderr.strip())


def trap_term(marker):
    """A shell program that writes TERM to marker when it is stopped with
    SIGTERM, and exits 0: proof of a graceful stop.  marker.ready appears
    once the trap is set."""
    script = ("trap 'echo TERM > %s; exit 0' TERM; echo up > %s.ready; "
              "while :; do sleep 0.05; done" % (marker, marker))
    return "/bin/sh -c %s" % shlex.quote(script)


def wait_ready(d, *markers):
    """Wait until each trap_term program has set its trap."""
    for m in markers:
        wait_file(d, m + ".ready")


def after_file(path, code):
    """A program that exits with code once path exists."""
    script = "while [ ! -e %s ]; do sleep 0.05; done; exit %d" % (path, code)
    return "/bin/sh -c %s" % shlex.quote(script)


def read_marker(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return f.read().strip()


class Container:
    """supervisord as PID 1 of a new PID namespace, started the way a
    container runtime starts it: no -n, stdout and stderr captured (what
    `docker logs` shows), signals sent from the parent namespace."""

    def __init__(self, daemon):
        self.d = daemon
        self.proc = None
        self.pid = None		# the daemon, as the host sees it
        self.stdout = bytearray()
        self.stderr_path = os.path.join(daemon.dir, "container.stderr")
        self._reader = None

    def start(self, *args, wait=True):
        require_pid_namespace()
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            UNSHARE + [SUPERVISORD, "-c", self.d.conf] + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr, cwd=self.d.dir)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        # unshare forks the namespace's first process, which execs us.
        # Without wait, the daemon may already have come and gone (a test
        # of an early exit): then there is no pid to find.
        self.pid = wait_for(lambda: self._daemon_pid(may_exit=not wait),
                            what="the daemon in the namespace")
        if self.pid == -1:
            self.pid = None
            return self
        self.d.proc = self.proc		# connect() gives up if it dies
        if wait:
            self.d.connect().close()
        return self

    def _daemon_pid(self, may_exit=False):
        if self.proc.poll() is not None:
            if may_exit:
                return -1
            raise AssertionError("unshare exited with %s\n%s" % (
                self.proc.returncode, self.output()))
        for pid, _ in children_of(self.proc.pid):
            try:
                if os.readlink("/proc/%d/exe" % pid) == SUPERVISORD:
                    return pid
            except OSError:
                pass
        return None

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(65536)
            if not chunk:
                return
            self.stdout += chunk

    def ns_pid(self):
        """The daemon's pid inside its namespace (NSpid's last field)."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
        return None

    def caught_signals(self):
        """Signals the daemon has handlers for (SigCgt)."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    mask = int(line.split()[1], 16)
        return {s for s in range(1, 65) if mask & (1 << (s - 1))}

    def signal(self, sig):
        os.kill(self.pid, sig)

    def wait_exit(self, timeout=DEADLINE):
        """unshare's status, which is the daemon's."""
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout)
        return rc

    def output(self):
        text = "--- stdout\n%s" % self.stdout.decode(errors="replace")
        if os.path.exists(self.stderr_path):
            with open(self.stderr_path, errors="replace") as f:
                text += "--- stderr\n%s" % f.read()
        return text + self.d.output()

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None and self.pid and pid_alive(self.pid):
            # The namespace dies with its first process.
            os.kill(self.pid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()
        self.d.proc = None


@pytest.fixture
def container(daemon):
    c = Container(daemon)
    yield c
    c.stop()


def probe_env(path):
    """probe's file: its environment as a dict."""
    env = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition(" ")
            if key == "env":
                k, _, v = value.partition("=")
                env[k] = v
    return env


def wait_file(d, path, timeout=DEADLINE):
    try:
        wait_for(lambda: os.path.exists(path), timeout,
                 what="the file %s" % path)
    except AssertionError as e:
        raise AssertionError("%s\n%s" % (e, d.output())) from None


def elapsed_since(t0):
    return time.monotonic() - t0
