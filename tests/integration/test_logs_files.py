"""Which file a stream writes to: a log deleted or moved away is opened
anew at the next spawn (files shared by two streams included), tail says
when the file it would read was deleted, and the start-up clean-up of
AUTO logs leaves alone the files another live daemon writes."""
import os
import re

from conftest import Daemon
from logs_util import helper, program, read, wait_for


def _ticks(data, tag=b"tick"):
    return [int(m) for m in re.findall(rb"^%s (\d+) " % tag, data or b"",
                                       re.M)]


def _lines(tag, **keys):
    return program(tag, "%s -n 0 -i 20000 %s" % (helper("log_lines"), tag),
                   **keys)


def test_deleted_log_recreated_at_restart_and_tail_says_so(daemon):
    log = os.path.join(daemon.dir, "app.log")
    daemon.write_config(_lines("tick", stdout_logfile=log))
    daemon.start()
    wait_for(lambda: len(_ticks(read(log))) >= 3, what="ticks")
    os.unlink(log)
    r = daemon.supctl("tail", "tick")
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "log file '%s' was deleted" % log in r.stderr
    assert "until tick restarts" in r.stderr
    daemon.supctl("restart", "tick", check=0)
    # The new run's lines (counting from 0 again) are in a new file.
    wait_for(lambda: len(_ticks(read(log))) >= 3,
             what="ticks in a new file at the name")
    ticks = _ticks(read(log))
    assert ticks == list(range(len(ticks)))
    r = daemon.supctl("tail", "tick", check=0)
    assert "tick 0 " in r.stdout


def test_deleted_auto_log_recreated_under_the_same_name(daemon):
    daemon.write_config(_lines("tick", stdout_logfile="AUTO"))
    daemon.start()
    path = daemon.status("tick")["stdout_logfile"]
    assert path.startswith(daemon.dir)
    wait_for(lambda: len(_ticks(read(path))) >= 3, what="ticks")
    os.unlink(path)
    daemon.supctl("restart", "tick", check=0)
    wait_for(lambda: len(_ticks(read(path))) >= 3,
             what="ticks in the AUTO file made anew")
    assert daemon.status("tick")["stdout_logfile"] == path
    assert _ticks(read(path))[0] == 0


def test_moved_log_reopened_at_next_spawn(daemon):
    """logrotate without SIGUSR2: the old file keeps the old run's tail,
    the next run writes to a new file at the name."""
    log = os.path.join(daemon.dir, "app.log")
    daemon.write_config(_lines("tick", stdout_logfile=log))
    daemon.start()
    wait_for(lambda: len(_ticks(read(log))) >= 3, what="ticks")
    os.rename(log, log + ".old")
    daemon.supctl("restart", "tick", check=0)
    wait_for(lambda: len(_ticks(read(log))) >= 3, what="ticks at the name")
    assert _ticks(read(log))[0] == 0
    old = _ticks(read(log + ".old"))
    assert old == list(range(len(old)))


def test_shared_log_recreated_for_both_writers(daemon):
    """Two programs write one file through one descriptor: the spawn of
    one opens the file anew for both, and neither overwrites the other."""
    log = os.path.join(daemon.dir, "shared.log")
    daemon.write_config(_lines("one", stdout_logfile=log) +
                        _lines("two", stdout_logfile=log))
    daemon.start()
    wait_for(lambda: len(_ticks(read(log), b"two")) >= 3, what="two's lines")
    os.unlink(log)
    daemon.supctl("restart", "one", check=0)
    # two was not restarted: its lines go on (not from 0) into the new
    # file, next to one's new run.
    wait_for(lambda: len(_ticks(read(log), b"one")) >= 3 and
             len(_ticks(read(log), b"two")) >= 3,
             what="both programs' lines in the new file")
    data = read(log)
    assert _ticks(data, b"one")[0] == 0
    assert _ticks(data, b"two")[0] > 0
    two = _ticks(data, b"two")
    assert two == list(range(two[0], two[0] + len(two)))
    # Whole lines only: nothing written over another.
    for line in data.splitlines():
        assert re.match(rb"^(one|two) \d+ ([a-z])\2{39}$", line), line


def _second_daemon(tmp_path, childlogdir, programs):
    """Another daemon with its own socket and log, sharing childlogdir."""
    d = Daemon(tmp_path / "second")
    os.mkdir(d.dir)
    d.write_config(programs)
    with open(d.conf) as f:
        text = f.read()
    text = re.sub(r"(?m)^childlogdir = .*$", "childlogdir = %s" %
                  childlogdir, text)
    with open(d.conf, "w") as f:
        f.write(text)
    return d


def test_auto_cleanup_spares_another_live_daemons_logs(daemon, tmp_path):
    """Two daemons share childlogdir: the second's start-up clean-up
    removes a stale AUTO log, but neither the first daemon's live AUTO
    files nor their rotated backups."""
    stale = os.path.join(daemon.dir, "gone-stdout---supervisor-abc123.log")
    with open(stale, "w") as f:
        f.write("old\n")
    with open(stale + ".2", "w") as f:
        f.write("old\n")
    daemon.write_config(_lines(
        "tick", stdout_logfile="AUTO", stdout_logfile_maxbytes=2000,
        stdout_logfile_backups=2), supervisord_extra="nocleanup = true")
    daemon.start()
    path = daemon.status("tick")["stdout_logfile"]
    wait_for(lambda: os.path.exists(path + ".1") and
             len(_ticks(read(path))) >= 2, what="a rotated AUTO log")
    second = _second_daemon(tmp_path, daemon.dir, _lines(
        "other", stdout_logfile="AUTO"))
    try:
        second.start()
        other = second.status("other")["stdout_logfile"]
        wait_for(lambda: len(_ticks(read(other), b"other")) >= 2,
                 what="the second daemon's AUTO log")
        assert not os.path.exists(stale)
        assert not os.path.exists(stale + ".2")
        assert os.path.exists(path + ".1")
        # The first daemon's file is still the one it writes.
        n = len(_ticks(read(path)))
        wait_for(lambda: len(_ticks(read(path))) > n + 2 or
                 os.path.exists(path + ".2"),
                 what="the first daemon still writing its AUTO log")
        assert os.path.exists(path)
    finally:
        second.kill()
