"""Log capture: every byte a program writes lands, in order, without
blocking it: floods, partial lines, last words before exit, stderr
redirected or apart, restarts, AUTO and NONE destinations."""
import fcntl
import json
import os
import re

import pytest

from logs_util import (concat_sha256, helper, pattern, pattern_sha256,
                       pid_alive, program, program_pid, read, rotated,
                       total_size, wait_content, wait_for)

MB = 1000 * 1000


def assert_flood_landed(daemon, log, stats, size, limit, backups):
    """log_flood's size bytes are all in log and its backups, in order,
    each rotated file as many whole 100-byte lines as fit in limit, and
    the writer (its stats file) was never blocked for long."""
    files = lambda: rotated(log, backups)
    wait_for(lambda: total_size(files()) >= size, timeout=120,
             what="%d bytes in the log files" % size)
    wait_for(lambda: os.path.exists(stats) and os.path.getsize(stats) > 0,
             what="the writer's stats")
    paths = files()
    digest, n = concat_sha256(paths)
    assert n == size
    assert digest == pattern_sha256(size)
    per = limit // 100 * 100
    for p in paths[:-1]:
        assert os.path.getsize(p) == per, p
    assert len(paths) == (size + per - 1) // per
    with open(stats) as f:
        st = json.load(f)
    assert st["bytes"] == size
    # The loop's turn is far below this; a loaded CI machine is slow.
    assert st["max_block_s"] < 2.0, st
    assert "dropping" not in daemon.log()


def test_flood_100mb_every_byte_lands_across_rotations(daemon):
    """100 MB as fast as possible: count and checksum across rotated
    files, and the writer is never blocked for long."""
    log = os.path.join(daemon.dir, "flood.log")
    stats = os.path.join(daemon.dir, "flood.json")
    size = 100 * MB
    daemon.write_config(program(
        "flood", "%s -l -s %s %d" % (helper("log_flood"), stats, size),
        stdout_logfile=log, stdout_logfile_maxbytes="10MB",
        stdout_logfile_backups=20))
    daemon.start()
    # Whole lines up to the limit, 10 MB (10 * 1024 * 1024), per file.
    assert_flood_landed(daemon, log, stats, size, 10 * 1024 * 1024, 20)


@pytest.mark.parametrize("strip_ansi", [False, True])
def test_line_flood_lands_whole_across_odd_rotations(daemon, strip_ansi):
    """20 MB written as 100-byte lines (the daemon reads such a writer in
    batches, not line by line), into files rotated at a limit that is no
    multiple of any block size: every byte lands in order, each rotated
    file holds the whole lines that fit in the limit, the tail written
    before the program went quiet arrives though the pipe never reaches
    end of file, and the writer is never blocked for long."""
    log = os.path.join(daemon.dir, "lines.log")
    stats = os.path.join(daemon.dir, "lines.json")
    size, limit = 20 * MB, 1000003
    daemon.write_config(program(
        "lines", "%s -l -c 100 -s %s %d" % (helper("log_flood"), stats,
                                           size),
        stdout_logfile=log, stdout_logfile_maxbytes=limit,
        stdout_logfile_backups=30),
        supervisord_extra="strip_ansi = %s" % str(strip_ansi).lower())
    daemon.start()
    assert_flood_landed(daemon, log, stats, size, limit, 30)


def test_partial_lines_kept_as_written(daemon):
    """Lines written in pieces, and a last line without a newline, reach
    the file byte for byte."""
    log = os.path.join(daemon.dir, "pieces.log")
    daemon.write_config(program(
        "pieces", "%s -n 5 -p 4 -u 20000 -x piece" % helper("log_lines"),
        stdout_logfile=log))
    daemon.start()
    want = b"".join(b"piece %d %s\n" % (i, bytes([97 + i]) * 40)
                    for i in range(5)) + b"piece end"
    wait_content(log, want)


def test_last_words_before_exit_are_kept(daemon):
    """A program that writes and exits at once: the pipe is drained to
    its end after the process is gone."""
    out = os.path.join(daemon.dir, "bye.log")
    err = os.path.join(daemon.dir, "bye.err")
    daemon.write_config(
        program("bye", "%s -n 200000 goodbye" % helper("log_lastwords"),
                stdout_logfile=out, stderr_logfile=err) +
        program("byerr", "%s -e farewell" % helper("log_lastwords"),
                stdout_logfile=out + "2", stderr_logfile=err + "2"))
    daemon.start()
    block = (b"x" * 63 + b"\n") * (200000 // 64)
    block += b"x" * (200000 % 64)
    wait_content(out, block + b"goodbye")
    wait_content(err + "2", b"farewell")
    assert read(err) == b""
    assert read(out + "2") == b""


def test_every_run_drained_in_order_across_restarts(daemon):
    """A program restarted over and over: each run's output is whole and
    before the next run's."""
    log = os.path.join(daemon.dir, "again.log")
    daemon.write_config(program(
        "again", "%s -n 30000 END" % helper("log_lastwords"),
        stdout_logfile=log, autorestart="true", startretries=1000))
    daemon.start()
    block = (b"x" * 63 + b"\n") * (30000 // 64) + b"x" * (30000 % 64)
    block += b"END"
    wait_for(lambda: (read(log) or b"").count(b"END") >= 5,
             what="five runs in the log")
    data = read(log)
    runs = data.count(b"END")
    # Whole runs in order, the last one possibly still being written.
    assert data[:runs * len(block)] == block * runs
    assert block.startswith(data[runs * len(block):])


def test_redirect_stderr_keeps_order(daemon):
    """With redirect_stderr, stdout and stderr share one pipe: the file
    has the lines in the order they were written."""
    log = os.path.join(daemon.dir, "both.log")
    daemon.write_config(program(
        "both", "%s -a -n 400 mix" % helper("log_lines"),
        stdout_logfile=log, redirect_stderr=True,
        stderr_logfile=os.path.join(daemon.dir, "unused.err")))
    daemon.start()
    want = b"".join(b"mix %d %s\n" % (i, bytes([97 + i % 26]) * 40)
                    for i in range(400))
    wait_content(log, want)
    assert not os.path.exists(os.path.join(daemon.dir, "unused.err")) or \
        read(os.path.join(daemon.dir, "unused.err")) == b""


def test_stdout_and_stderr_apart(daemon):
    out = os.path.join(daemon.dir, "apart.out")
    err = os.path.join(daemon.dir, "apart.err")
    daemon.write_config(program(
        "apart", "%s -a -n 100 sep" % helper("log_lines"),
        stdout_logfile=out, stderr_logfile=err))
    daemon.start()
    line = lambda i: b"sep %d %s\n" % (i, bytes([97 + i % 26]) * 40)
    wait_content(out, b"".join(line(i) for i in range(0, 100, 2)))
    wait_content(err, b"".join(line(i) for i in range(1, 100, 2)))


def test_auto_logs_named_like_supervisor_and_cleaned(daemon):
    """AUTO: NAME-stdout---supervisor-XXXXXX.log in childlogdir; old AUTO
    logs are removed at start-up, other files are not."""
    stale = os.path.join(daemon.dir, "old-stdout---supervisor-abc123.log")
    stale_rotated = stale + ".3"
    keep = os.path.join(daemon.dir, "keep.log")
    for p in (stale, stale_rotated, keep):
        with open(p, "w") as f:
            f.write("old\n")
    daemon.write_config(program(
        "auto", "%s -a -n 4 hello" % helper("log_lines"),
        stdout_logfile="AUTO", stderr_logfile="AUTO"))
    daemon.start()
    names = lambda stream: [n for n in os.listdir(daemon.dir) if re.match(
        r"auto-%s---supervisor-\S{6}\.log$" % stream, n)]
    wait_for(lambda: len(names("stdout")) == 1 and len(names("stderr")) == 1,
             what="the AUTO files")
    line = lambda i: b"hello %d %s\n" % (i, bytes([97 + i]) * 40)
    wait_content(os.path.join(daemon.dir, names("stdout")[0]),
                 line(0) + line(2))
    wait_content(os.path.join(daemon.dir, names("stderr")[0]),
                 line(1) + line(3))
    assert not os.path.exists(stale)
    assert not os.path.exists(stale_rotated)
    assert read(keep) == b"old\n"


def test_nocleanup_keeps_old_auto_logs(daemon):
    stale = os.path.join(daemon.dir, "old-stdout---supervisor-abc123.log")
    with open(stale, "w") as f:
        f.write("old\n")
    daemon.write_config(program(
        "auto", "%s -n 1 hi" % helper("log_lines"), stdout_logfile="AUTO"),
        supervisord_extra="nocleanup = true")
    daemon.start()
    wait_for(lambda: any(n.startswith("auto-stdout---supervisor-")
                         for n in os.listdir(daemon.dir)),
             what="the AUTO file")
    assert read(stale) == b"old\n"


def test_none_goes_to_dev_null(daemon):
    """NONE: no pipe, no file: the program's stdout is /dev/null and it
    runs as usual."""
    daemon.write_config(program(
        "quiet", "%s -l -n 1000 shh" % helper("log_lines"),
        stdout_logfile="NONE", stderr_logfile="NONE"))
    daemon.start()
    pid = program_pid(daemon, "log_lines")
    for fd in (1, 2):
        assert os.readlink("/proc/%d/fd/%d" % (pid, fd)) == "/dev/null"
    assert pid_alive(pid)
    assert not [n for n in os.listdir(daemon.dir) if n.startswith("quiet")]


def test_capture_fds_are_pipes_and_not_leaked(daemon):
    """The child's stdout/stderr are pipes, and it holds no other
    descriptor of the daemon's (log files, other programs' pipes)."""
    daemon.write_config(
        program("one", "%s -l -n 1 a" % helper("log_lines"),
                stdout_logfile=os.path.join(daemon.dir, "one.log"),
                stderr_logfile=os.path.join(daemon.dir, "one.err")) +
        program("two", "%s -l -n 1 b" % helper("log_lines"),
                stdout_logfile=os.path.join(daemon.dir, "two.log"),
                redirect_stderr=True))
    daemon.start()
    pid = program_pid(daemon, "log_lines -l -n 1 a")
    program_pid(daemon, "log_lines -l -n 1 b")
    # Its main() has run: under ASan the helper's runtime holds a
    # descriptor of its own for a moment after the exec.
    out = os.path.join(daemon.dir, "one.log")
    wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 0,
             what="one's first line")
    fds = sorted(int(n) for n in os.listdir("/proc/%d/fd" % pid))
    assert fds == [0, 1, 2], fds
    assert os.readlink("/proc/%d/fd/1" % pid).startswith("pipe:")
    assert os.readlink("/proc/%d/fd/2" % pid).startswith("pipe:")
    assert os.readlink("/proc/%d/fd/1" % pid) != \
        os.readlink("/proc/%d/fd/2" % pid)
    pid2 = program_pid(daemon, "log_lines -l -n 1 b")
    assert os.readlink("/proc/%d/fd/1" % pid2) == \
        os.readlink("/proc/%d/fd/2" % pid2)


def _pipe_size(pid, fd):
    """The capacity of the pipe behind a process's descriptor."""
    f = os.open("/proc/%d/fd/%d" % (pid, fd), os.O_WRONLY | os.O_NONBLOCK)
    try:
        return fcntl.fcntl(f, fcntl.F_GETPIPE_SZ)
    finally:
        os.close(f)


def test_busy_pipe_grows_to_1mib_idle_pipe_keeps_default(daemon):
    """A program that floods its stdout gets a 1 MiB pipe (fewer turns
    for the daemon, room for bursts); one that writes a line keeps the
    kernel's default, which costs less kernel memory."""
    with open("/proc/sys/fs/pipe-max-size") as f:
        if int(f.read()) < 1 << 20 and os.geteuid() != 0:
            pytest.skip("pipe-max-size below 1 MiB")
    log = os.path.join(daemon.dir, "busy.log")
    daemon.write_config(
        program("busy", "%s -l -c 100 5000000" % helper("log_flood"),
                stdout_logfile=log) +
        program("idle", "%s -l -n 1 idle" % helper("log_lines"),
                stdout_logfile=os.path.join(daemon.dir, "idle.log")))
    daemon.start()
    wait_for(lambda: os.path.exists(log) and
             os.path.getsize(log) == 5000000, what="5 MB in the log")
    default = _pipe_size(os.getpid(), os.pipe()[1])
    assert _pipe_size(program_pid(daemon, "log_flood"), 1) == 1 << 20
    assert _pipe_size(program_pid(daemon, "log_lines"), 1) == default


def test_strip_ansi_removes_escape_sequences(daemon):
    """[supervisord] strip_ansi: ESC [ ... sequences are dropped as
    Supervisor drops them; an ESC that starts none stays."""
    log = os.path.join(daemon.dir, "ansi.log")
    text = "\x1b[1;31mred\x1b[0m plain\x1b[2J \x1bXkept\x1b"
    daemon.write_config(program(
        "ansi", "%s '%s'" % (helper("log_lastwords"), text),
        stdout_logfile=log), supervisord_extra="strip_ansi = true")
    daemon.start()
    wait_content(log, b"red plain \x1bXkept\x1b")
