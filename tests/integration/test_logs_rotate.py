"""Rotation by size at line boundaries within the limit, backups,
truncation, and SIGUSR2 reopening the log files after an external
logrotate moved them."""
import json
import os
import re
import signal
import textwrap

import pytest

from logs_util import (helper, pattern, program, read, rotated,
                       wait_content, wait_for)


def whole_files(log, backups, want):
    """The contents of log's files, oldest first, once they are want, in
    order, each byte once.  Not a sum of their sizes: during a rotation
    the current file is both log and log.1 (a hard link), and a partial
    last line is in two files, so a sum reaches the whole early."""
    files = [read(p) for p in rotated(log, backups)]
    return None not in files and b"".join(files) == want and files


@pytest.mark.parametrize("strip_ansi", [False, True])
def test_rotation_keeps_lines_whole(daemon, strip_ansi):
    """100-byte lines in 333-byte writes, a limit of 1050: each rotated
    file holds ten whole lines (1000 bytes), never a line cut in two;
    nothing is lost, duplicated or reordered.  Both ways bytes reach the
    file: spliced unseen, and read (strip_ansi)."""
    log = os.path.join(daemon.dir, "lines.log")
    size = 55000
    daemon.write_config(program(
        "lines", "%s -c 333 %d" % (helper("log_flood"), size),
        stdout_logfile=log, stdout_logfile_maxbytes=1050,
        stdout_logfile_backups=60),
        supervisord_extra="strip_ansi = %s" % str(strip_ansi).lower())
    daemon.start()
    # The content, not a sum of sizes (see whole_files()).
    wait_for(lambda: whole_files(log, 60, pattern(size)),
             what="%d bytes in the log files, once and in order" % size)
    paths = rotated(log, 60)
    for p in paths[:-1]:
        data = read(p)
        assert len(data) == 1000 and data.endswith(b"\n"), (p, len(data))
    assert len(paths) == 55


_MIXED = textwrap.dedent("""\
    import os
    out = b"".join(b"%05d " % i + bytes([97 + i % 26]) * (i * 37 % 1500)
                   + b"\\n" for i in range(150))
    for i in range(0, len(out), 4093):
        os.write(1, out[i:i + 4093])
    """)


def test_rotation_cuts_only_lines_longer_than_the_limit(daemon):
    """Lines of 7 to 1504 bytes, limit 1000: no file exceeds it, and a
    line is split across files only when it is longer than the limit."""
    script = os.path.join(daemon.dir, "mixed.py")
    with open(script, "w") as f:
        f.write(_MIXED)
    want = b"".join(b"%05d " % i + bytes([97 + i % 26]) * (i * 37 % 1500)
                    + b"\n" for i in range(150))
    log = os.path.join(daemon.dir, "mixed.log")
    daemon.write_config(program(
        "mixed", "/usr/bin/python3 %s" % script, stdout_logfile=log,
        stdout_logfile_maxbytes=1000, stdout_logfile_backups=200))
    daemon.start()
    # About 120 rotations, each renaming the backups along: generous
    # under a sanitizer on a loaded machine.
    files = wait_for(lambda: whole_files(log, 200, want), timeout=60,
                     what="every line in the log files, once and in order")
    assert max(len(f) for f in files) <= 1000
    # Where each file ends, in the whole stream: never inside a line that
    # would have fit in a file.
    ends, at = set(), 0
    for f in files[:-1]:
        at += len(f)
        ends.add(at)
    start = 0
    for line in want.splitlines(keepends=True):
        inside = [e for e in ends if start < e < start + len(line)]
        assert not inside or len(line) > 1000, (start, len(line), inside)
        start += len(line)


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


def test_tail_follow_sees_a_moved_line_once(daemon):
    """Lines written in two pieces 50 ms apart into files of 300 bytes: a
    follower has sent the first piece of a line before the rotation moves
    that line to the next file; it goes on after what it sent, so what it
    shows is exactly what the files hold."""
    log = os.path.join(daemon.dir, "pieces.log")
    daemon.write_config(program(
        "pieces", "%s -n 40 -p 2 -u 50000 piece" % helper("log_lines"),
        stdout_logfile=log, stdout_logfile_maxbytes=300,
        stdout_logfile_backups=50, autostart=False))
    daemon.start()
    sock = daemon.connect()
    try:
        sock.sendall(json.dumps({"cmd": "tail", "name": "pieces",
                                 "bytes": 0, "follow": True}).encode() +
                     b"\n")
        buf = b""
        daemon.supctl("start", "pieces", check=0)
        text = ""
        while "piece 39 " not in text or not text.endswith("\n"):
            while b"\n" not in buf:
                chunk = sock.recv(65536)
                assert chunk, "the stream ended"
                buf += chunk
            line, buf = buf.split(b"\n", 1)
            msg = json.loads(line)
            assert msg["ok"], msg
            text += msg.get("data", msg.get("result", {}).get("data", ""))
    finally:
        sock.close()
    paths = rotated(log, 50)
    assert len(paths) > 4
    assert text.encode() == b"".join(read(p) for p in paths)
