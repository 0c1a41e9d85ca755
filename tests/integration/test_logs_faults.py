"""A full disk or a log file that cannot be opened never stops or blocks
the program: the daemon keeps draining, counts and reports what it
dropped once per episode, and resumes writing when it can."""
import os
import re
import shutil
import subprocess
import uuid

import pytest

from logs_util import helper, pid_alive, program, program_pid, read, wait_for


def _written(pid):
    """Bytes the process has written so far (/proc/PID/io wchar)."""
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("wchar:"):
                return int(line.split()[1])
    return 0


def _ticks(data):
    return [int(m) for m in re.findall(rb"^tick (\d+) ", data, re.M)]


def _keeps_writing(pid, more=20000):
    """The program is alive and writes another `more` bytes: it is not
    blocked on its pipe."""
    start = _written(pid)
    wait_for(lambda: _written(pid) > start + more,
             what="the program to keep writing")
    assert pid_alive(pid)


def test_full_device_drops_are_counted_and_reported_once(daemon):
    daemon.write_config(program(
        "full", "%s -n 0 -i 1000 tick" % helper("log_lines"),
        stdout_logfile="/dev/full"))
    daemon.start()
    pid = program_pid(daemon, "log_lines")
    daemon.wait_log("No space left on device")
    _keeps_writing(pid)
    _keeps_writing(pid)
    log = daemon.log()
    assert log.count("No space left on device") == 1, log
    assert "cannot write to '/dev/full'" in log
    assert "full stdout" in log
    # The text status says it too, not only --json.
    r = daemon.supctl("status", "full", check=0)
    m = re.search(r"RUNNING +pid %d, uptime \S+ \(log: ([0-9.]+) (bytes|KB|MB)"
                  r" dropped, disk full\)$" % pid, r.stdout.strip())
    assert m, r.stdout
    # The count only grows: the figure shown (rounded to a tenth) is at
    # most the exact one read after it.
    dropped = daemon.status("full")["log_dropped_bytes"]
    assert dropped > 40000
    scale = {"bytes": 1, "KB": 1e3, "MB": 1e6}[m.group(2)]
    assert 0 < float(m.group(1)) * scale <= dropped + 0.05 * scale


def test_log_path_unopenable_then_fixed(daemon):
    """The log path is a folder at first (open fails); once it is gone,
    writing resumes within the retry interval."""
    log = os.path.join(daemon.dir, "later.log")
    os.mkdir(log)
    daemon.write_config(program(
        "later", "%s -n 0 -i 2000 tick" % helper("log_lines"),
        stdout_logfile=log))
    daemon.start()
    pid = program_pid(daemon, "log_lines")
    daemon.wait_log("cannot open '%s'" % log)
    _keeps_writing(pid)
    r = daemon.supctl("status", "later", check=0)
    assert re.search(r"\(log: \S+ (bytes|KB) dropped, cannot open: is a "
                     r"directory\)$", r.stdout.strip()), r.stdout
    os.rmdir(log)
    wait_for(lambda: os.path.isfile(log) and len(_ticks(read(log))) > 10,
             what="lines in the log once it can be opened")
    daemon.wait_log("writing to '%s' again after dropping" % log)
    ticks = _ticks(read(log))
    # What came after the gap is whole and in order.
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))
    assert ticks[0] > 0
    assert daemon.log().count("cannot open '%s'" % log) == 1
    # Written again: how much was lost stays, the reason goes.
    r = daemon.supctl("status", "later", check=0)
    assert re.search(r"uptime \S+ \(log: \S+ (bytes|KB) dropped\)$",
                     r.stdout.strip()), r.stdout
    assert pid_alive(pid) and program_pid(daemon, "log_lines") == pid


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 1 MiB tmpfs, or a skip when this machine cannot mount one."""
    mnt = str(tmp_path / ("small-" + uuid.uuid4().hex[:8]))
    os.mkdir(mnt)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("ENOSPC test needs root to mount a small tmpfs")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                        mnt], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % r.stderr.strip())
    try:
        yield mnt
    finally:
        # The daemon may still hold the log open: detach lazily.
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def _fill(path):
    """Write to path until the file system is full."""
    with open(path, "wb", buffering=0) as f:
        block = b"\0" * 65536
        while True:
            try:
                f.write(block)
            except OSError:
                break
        # The last pages: byte by byte until nothing fits.
        while True:
            try:
                if f.write(b"\0") != 1:
                    break
            except OSError:
                break


def test_disk_full_keeps_program_running_and_resumes(daemon, small_tmpfs):
    log = os.path.join(small_tmpfs, "app.log")
    filler = os.path.join(small_tmpfs, "filler")
    daemon.write_config(program(
        "disk", "%s -n 0 -i 1000 tick" % helper("log_lines"),
        stdout_logfile=log))
    daemon.start()
    pid = program_pid(daemon, "log_lines")
    wait_for(lambda: len(_ticks(read(log) or b"")) > 10, what="first lines")
    _fill(filler)
    daemon.wait_log("No space left on device")
    _keeps_writing(pid)
    before = len(read(log))
    os.unlink(filler)
    daemon.wait_log("writing to '%s' again after dropping" % log)
    wait_for(lambda: len(read(log)) > before + 5000,
             what="writing resumed")
    m = re.search(r"writing to '%s' again after dropping (\d+) bytes"
                  % re.escape(log), daemon.log())
    assert int(m.group(1)) > 0
    assert daemon.log().count("No space left on device") == 1
    # One gap, whole lines around it.
    ticks = _ticks(read(log))
    gaps = [(a, b) for a, b in zip(ticks, ticks[1:]) if b != a + 1]
    assert len(gaps) <= 1, gaps
    assert pid_alive(pid) and program_pid(daemon, "log_lines") == pid
