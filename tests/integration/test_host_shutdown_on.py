"""shutdown_on=: one program's end takes the whole daemon down (every
program stopped, exit status 3) so that an orchestrator sees the failure;
fatal: when it goes FATAL; exit: also when it exits for good."""
import os
import signal

from engine_util import count, program, wait_count
from host_util import after_file, read_marker, trap_term, wait_ready


def _others(d):
    """A program that records its graceful stop, and its marker."""
    marker = os.path.join(d.dir, "other.term")
    return program("other", trap_term(marker), startsecs="0",
                   stopwaitsecs="120"), marker


def test_fatal_shuts_everything_down(daemon):
    other, marker = _others(daemon)
    daemon.write_config(program("main", after_file(marker + ".ready", 1),
                                startsecs="60", startretries="1",
                                shutdown_on="fatal") + other)
    daemon.start()
    assert daemon.wait_exit() == 3, daemon.output()
    assert read_marker(marker) == "TERM"
    log = daemon.log()
    # It was retried as configured before it counted as FATAL.
    assert log.count("spawned: 'main'") == 2
    assert "main entered FATAL state and has shutdown_on=fatal: shutting " \
        "down with exit status 3" in log
    assert "stopped: other (exit status 0)" in log
    assert "supervisord exiting with status 3" in log
    assert not os.path.exists(daemon.pidfile)
    assert not os.path.exists(daemon.sock)


def test_spawn_error_that_goes_fatal(daemon):
    other, marker = _others(daemon)
    daemon.write_config(program("main", "%s/no/such/command" % daemon.dir,
                                startretries="0", shutdown_on="exit",
                                autostart="false") + other)
    daemon.start()
    wait_ready(daemon, marker)
    daemon.supctl("start", "main")
    assert daemon.wait_exit() == 3, daemon.output()
    assert read_marker(marker) == "TERM"
    assert "main entered FATAL state and has shutdown_on=exit" in \
        daemon.log()


def test_exit_for_good(daemon):
    other, marker = _others(daemon)
    daemon.write_config(program("job", after_file(marker + ".ready", 0),
                                startsecs="0", autorestart="unexpected",
                                shutdown_on="exit") + other)
    # All of it can be over before a pidfile could be seen: do not wait.
    daemon.start(wait=False)
    assert daemon.wait_exit() == 3, daemon.output()
    assert read_marker(marker) == "TERM"
    assert "job exited (exit status 0) and will not be restarted, and it " \
        "has shutdown_on=exit: shutting down with exit status 3" in \
        daemon.log()


def test_exit_that_restarts_does_not_shut_down(daemon):
    """An exit autorestart answers is not an exit for good; nor is a stop
    the operator asked for."""
    flag = os.path.join(daemon.dir, "go")
    daemon.write_config(program("job", after_file(flag, 1), startsecs="0",
                                autorestart="unexpected",
                                backoff_reset="0", shutdown_on="exit"))
    daemon.start()
    wait_count(daemon, "spawned: 'job'", 1)
    open(flag, "w").close()
    # exit status 1 is unexpected: restarted (and exits again at once).
    wait_count(daemon, "spawned: 'job'", 3)
    os.unlink(flag)
    daemon.supctl("stop", "job", check=0)
    assert daemon.status("job")["state"] == "STOPPED"
    assert daemon.proc.poll() is None
    assert count(daemon, "shutdown_on") == 0
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0


def test_fatal_only_ignores_an_exit_for_good(daemon):
    daemon.write_config(program("job", "/bin/true", startsecs="0",
                                autorestart="false", shutdown_on="fatal"))
    daemon.start()
    daemon.wait_state("job", "EXITED")
    assert daemon.proc.poll() is None
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert count(daemon, "shutdown_on") == 0


def test_never_is_the_default(daemon):
    daemon.write_config(program("main", "%s/no/such/command" % daemon.dir,
                                startretries="0"))
    daemon.start()
    daemon.wait_state("main", "FATAL")
    assert daemon.proc.poll() is None
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
