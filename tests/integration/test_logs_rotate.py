"""Rotation by size exactly at the limit, backups, truncation, and
SIGUSR2 reopening the log files after an external logrotate moved them."""
import os
import re
import signal

from logs_util import (helper, pattern, program, read, rotated,
                       wait_content, wait_for)


def test_rotation_boundaries_and_backups_count(daemon):
    log = os.path.join(daemon.dir, "rot.log")
    daemon.write_config(program(
        "rot", "%s -c 333 5500" % helper("log_flood"), stdout_logfile=log,
        stdout_logfile_maxbytes=1000, stdout_logfile_backups=3))
    daemon.start()
    data = pattern(5500)
    wait_content(log, data[5000:])
    # Each backup is exactly maxbytes; the oldest two fell off the end.
    assert read(log + ".1") == data[4000:5000]
    assert read(log + ".2") == data[3000:4000]
    assert read(log + ".3") == data[2000:3000]
    assert not os.path.exists(log + ".4")


def test_no_backups_truncates(daemon):
    log = os.path.join(daemon.dir, "trunc.log")
    daemon.write_config(program(
        "trunc", "%s -c 100 2500" % helper("log_flood"), stdout_logfile=log,
        stdout_logfile_maxbytes=1000, stdout_logfile_backups=0))
    daemon.start()
    wait_content(log, pattern(2500)[2000:])
    assert not os.path.exists(log + ".1")


def test_zero_maxbytes_never_rotates(daemon):
    log = os.path.join(daemon.dir, "big.log")
    daemon.write_config(program(
        "big", "%s 3000000" % helper("log_flood"), stdout_logfile=log,
        stdout_logfile_maxbytes=0, stdout_logfile_backups=5))
    daemon.start()
    wait_for(lambda: os.path.exists(log) and
             os.path.getsize(log) == 3000000, what="3 MB in one file")
    assert rotated(log, 5) == [log]
    assert read(log) == pattern(3000000)


def _ticks(data):
    """Line numbers of log_lines output, in order."""
    return [int(m) for m in re.findall(rb"^tick (\d+) ", data, re.M)]


def test_sigusr2_reopens_a_moved_log(daemon):
    """logrotate's create mode: the file is renamed, SIGUSR2 makes the
    daemon open a new one; no line is lost or duplicated."""
    log = os.path.join(daemon.dir, "tick.log")
    moved = log + ".moved"
    daemon.write_config(program(
        "tick", "%s -n 0 -i 10000 tick" % helper("log_lines"),
        stdout_logfile=log))
    daemon.start()
    wait_for(lambda: len(_ticks(read(log) or b"")) >= 5, what="ticks")
    os.rename(log, moved)
    # Until told, the daemon keeps writing to the file it has open.
    n = len(_ticks(read(moved)))
    wait_for(lambda: len(_ticks(read(moved))) > n + 3,
             what="ticks in the moved file")
    assert not os.path.exists(log)
    daemon.signal(signal.SIGUSR2)
    wait_for(lambda: len(_ticks(read(log) or b"")) >= 5,
             what="ticks in the reopened file")
    ticks = _ticks(read(moved)) + _ticks(read(log))
    assert ticks == list(range(len(ticks)))
    daemon.wait_log("reopen")
