"""The daemon as a container's PID 1 (a new PID namespace, started without
-n as `docker run` starts it): orphans reaped, `docker stop`'s SIGTERM
stops every program gracefully and the daemon exits 0 at once, the signals
it handles still arrive (the kernel drops those PID 1 has no handler for),
/dev/stdout output reaches the daemon's stdout, and shutdown_on= makes the
container exit non-zero."""
import os
import signal
import time

from conftest import children_of, helper, wait_for
from engine_util import program, wait_count
from host_util import (after_file, container, read_marker,  # noqa: F401
                       trap_term, wait_ready)


def test_is_pid_1_in_the_foreground(container):
    d = container.d
    d.write_config(program("sleeper", "/bin/sleep 1000", startsecs="0"))
    container.start()
    assert container.ns_pid() == 1
    # Not detached: the process unshare started is the daemon itself.
    assert container.proc.poll() is None
    d.wait_state("sleeper", "RUNNING")


def test_orphans_reaped(container):
    d = container.d
    record = os.path.join(d.dir, "forker")
    # Four children leave the group (setsid), outlive their parent by
    # half a second and exit: orphans, reparented to PID 1, that the
    # program left behind by daemonizing.
    d.write_config(program("orphans", "%s -n 4 -s -x 100 -c 500 %s"
                           % (helper("forker"), record),
                           startsecs="0", autorestart="false"))
    container.start()
    d.wait_state("orphans", "EXITED")
    wait_count(d, "that orphans left behind", 4)
    assert [c for c in children_of(container.pid) if c[1] == "Z"] == [], \
        container.output()


def test_sigterm_stops_every_program_gracefully(container):
    d = container.d
    a, b = (os.path.join(d.dir, n + ".term") for n in "ab")
    # stopwaitsecs far above the deadline: only a graceful stop is quick.
    d.write_config(program("a", trap_term(a), startsecs="0",
                           stopwaitsecs="120", priority="1") +
                   program("b", trap_term(b), startsecs="0",
                           stopwaitsecs="120", priority="2"))
    container.start()
    wait_ready(d, a, b)
    t0 = time.monotonic()
    container.signal(signal.SIGTERM)	# docker stop, from outside
    assert container.wait_exit() == 0, container.output()
    assert time.monotonic() - t0 < 10
    assert read_marker(a) == "TERM" and read_marker(b) == "TERM"
    log = d.log()
    assert "received SIGTERM indicating exit request" in log
    assert "stopped: a (exit status 0)" in log
    assert "stopped: b (exit status 0)" in log
    assert "supervisord exiting with status 0" in log


def test_signals_reach_pid_1(container):
    """PID 1 gets only the signals it has a handler for: libev's watchers
    must have installed real handlers (not signalfd, not a mask)."""
    d = container.d
    d.write_config(program("poke", "/bin/sh -c 'kill -USR2 1; "
                           "exec sleep 1000'", autostart="false",
                           startsecs="0"))
    container.start()
    caught = container.caught_signals()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP,
                signal.SIGUSR2, signal.SIGCHLD):
        assert sig in caught, (signal.Signals(sig).name, sorted(caught))
    # From the parent namespace, as a container runtime sends them.
    container.signal(signal.SIGUSR2)
    wait_count(d, "received SIGUSR2 indicating log reopen request", 1)
    container.signal(signal.SIGHUP)
    wait_count(d, "SIGHUP", 1)
    # From inside the namespace, as `docker exec ... kill -USR2 1` does.
    d.supctl("start", "poke", check=0)
    wait_count(d, "received SIGUSR2 indicating log reopen request", 2)
    container.signal(signal.SIGINT)
    assert container.wait_exit() == 0, container.output()
    assert "received SIGINT indicating exit request" in d.log()


def test_dev_stdout_reaches_the_daemons_stdout(container):
    d = container.d
    d.write_config(program("web", "/bin/sh -c 'echo hello from web; "
                           "echo trouble in web >&2; exec sleep 1000'",
                           startsecs="0", stdout_logfile="/dev/stdout",
                           stderr_logfile="/dev/stderr"))
    container.start()
    wait_count(d, "spawned: 'web'", 1)
    wait_for(lambda: b"hello from web\n" in container.stdout,
             what="the program's line on the daemon's stdout")
    wait_for(lambda: "trouble in web" in open(container.stderr_path).read(),
             what="the program's line on the daemon's stderr")
    container.signal(signal.SIGTERM)
    assert container.wait_exit() == 0, container.output()


def test_shutdown_on_fatal_exits_the_container_non_zero(container):
    d = container.d
    marker = os.path.join(d.dir, "other.term")
    # main fails to start once the other program is up.
    d.write_config(program("main", after_file(marker + ".ready", 1),
                           startsecs="60", startretries="0",
                           shutdown_on="fatal") +
                   program("other", trap_term(marker), startsecs="0",
                           stopwaitsecs="120"))
    container.start(wait=False)
    assert container.wait_exit() == 3, container.output()
    assert read_marker(marker) == "TERM"
    assert "main entered FATAL state and has shutdown_on=fatal" in d.log()
