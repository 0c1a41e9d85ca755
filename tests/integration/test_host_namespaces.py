"""supctl and the daemon in different PID namespaces: the daemon as a
container's PID 1 driven from the host through its socket, and supctl
inside a namespace where the daemon's pid does not exist.  `shutdown`
waits for the real exit either way; `pid` gives the number valid where
supctl runs, or says there is none."""
import os
import shlex
import subprocess
import time

from conftest import DEADLINE, SUPCTL, pid_alive, wait_for
from engine_util import program
from host_util import UNSHARE, container, require_pid_namespace  # noqa: F401

def stubborn(d, stopwaitsecs):
    """A program that ignores SIGTERM (a shutdown takes stopwaitsecs, then
    SIGKILL), and the file that says its trap is set."""
    ready = os.path.join(d.dir, "stubborn.ready")
    script = "trap '' TERM; touch %s; while :; do sleep 0.1; done" % ready
    return program("stubborn", "sh -c %s" % shlex.quote(script),
                   startsecs="0", stopwaitsecs=str(stopwaitsecs)), ready


def start_stubborn(d, ready):
    """Started, and its trap set: a loaded machine may run the shell late."""
    d.wait_state("stubborn", "RUNNING")
    wait_for(lambda: os.path.exists(ready), what="the stubborn trap")


def test_shutdown_of_a_daemon_in_a_container(container):
    d = container.d
    conf, ready = stubborn(d, 2)
    d.write_config(conf)
    container.start()
    start_stubborn(d, ready)
    assert container.ns_pid() == 1
    # The daemon says 1; the number that means it here is another.
    assert d.request({"cmd": "pid"})["result"]["pid"] == 1
    r = d.supctl("pid", check=0)
    assert r.stdout == "%d\n" % container.pid, r.stdout
    t0 = time.monotonic()
    r = d.supctl("--timeout", str(DEADLINE), "shutdown", check=0,
                 timeout=DEADLINE * 2)
    took = time.monotonic() - t0
    assert r.stdout == "Shut down\n", r.stderr
    assert took >= 1.9, took
    # Gone for real when supctl returned (not waiting on the host's init).
    assert not pid_alive(container.pid)
    assert container.wait_exit() == 0, container.output()


def in_namespace(*args, timeout=DEADLINE):
    """supctl run inside a new PID namespace (the daemon is outside)."""
    return subprocess.run(UNSHARE + [SUPCTL] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def test_shutdown_from_another_namespace(daemon):
    """The daemon's pid is not visible: supctl waits until the daemon
    closes the connection it holds open until it exits, longer than the
    idle timeout of other connections."""
    require_pid_namespace()
    conf, ready = stubborn(daemon, 3)
    daemon.write_config(conf)
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "1"})
    start_stubborn(daemon, ready)
    r = in_namespace("-c", daemon.conf, "pid")
    assert r.returncode == 1 and r.stdout == "", (r.stdout, r.stderr)
    assert "supctl: the daemon runs in another PID namespace (pid %d " \
        "there) and is not visible from here" % daemon.proc.pid in r.stderr
    t0 = time.monotonic()
    r = in_namespace("-c", daemon.conf, "--timeout", str(DEADLINE),
                     "shutdown", timeout=DEADLINE * 2)
    took = time.monotonic() - t0
    assert (r.returncode, r.stdout) == (0, "Shut down\n"), r.stderr
    assert took >= 2.9, took
    assert daemon.wait_exit(timeout=DEADLINE) == 0


def test_shutdown_timeout_from_another_namespace(daemon):
    require_pid_namespace()
    conf, ready = stubborn(daemon, 5)
    daemon.write_config(conf)
    daemon.start()
    start_stubborn(daemon, ready)
    r = in_namespace("-c", daemon.conf, "--timeout", "1", "shutdown")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "the daemon did not exit in time" in r.stderr
    assert daemon.wait_exit(timeout=DEADLINE) == 0
