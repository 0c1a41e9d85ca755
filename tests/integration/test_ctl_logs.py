"""clear, clearlog and maintail: programs' log files and the daemon's own
emptied (Supervisor's clearProcessLogs, clearAllProcessLogs, clearLog),
and the daemon's log followed across rotation, with real programs."""
import os
import subprocess

import pytest

from conftest import SUPCTL, DEADLINE, wait_for

PROGRAMS = """\
    [program:cat]
    command = sh -c 'echo out; echo err >&2; exec cat'
    startsecs = 0
    stdout_logfile = %(here)s/cat.log
    stderr_logfile = %(here)s/cat.err

    [group:pool]
    programs = a, b

    [program:a]
    command = sh -c 'echo a-out; exec sleep 1000'
    startsecs = 0
    stdout_logfile = %(here)s/a.log

    [program:b]
    command = sh -c 'echo b-out; exec sleep 1000'
    startsecs = 0
    stdout_logfile = %(here)s/b.log
    """


def size(path):
    return os.path.getsize(path) if os.path.exists(path) else -1


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


@pytest.fixture
def d(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start()
    for name in ("cat", "pool:a", "pool:b"):
        daemon.wait_state(name, "RUNNING")
    for f, text in (("cat.log", "out\n"), ("cat.err", "err\n"),
                    ("a.log", "a-out\n"), ("b.log", "b-out\n")):
        path = os.path.join(daemon.dir, f)
        wait_for(lambda: os.path.exists(path) and read(path) == text,
                 what=f)
    return daemon


def test_clear_empties_both_streams_and_keeps_backups(d):
    backup = os.path.join(d.dir, "cat.log.1")
    with open(backup, "w") as f:
        f.write("an older backup\n")
    ino = os.stat(os.path.join(d.dir, "cat.log")).st_ino
    r = d.supctl("clear", "cat", check=0)
    assert r.stdout == "cat: cleared\n"
    assert size(os.path.join(d.dir, "cat.log")) == 0
    assert size(os.path.join(d.dir, "cat.err")) == 0
    assert read(backup) == "an older backup\n"
    # The same file, written again from its start.
    assert os.stat(os.path.join(d.dir, "cat.log")).st_ino == ino
    d.supctl("sendstdin", "cat", "after", check=0)
    wait_for(lambda: read(os.path.join(d.dir, "cat.log")) == "after\n")
    assert size(os.path.join(d.dir, "a.log")) > 0   # others untouched


def test_clear_group_all_and_unknown(d):
    r = d.supctl("clear", "pool:*", check=0)
    assert r.stdout == "pool:a: cleared\npool:b: cleared\n"
    assert size(os.path.join(d.dir, "a.log")) == 0
    assert size(os.path.join(d.dir, "cat.log")) > 0
    r = d.supctl("clear", "all", check=0)
    assert sorted(r.stdout.splitlines()) == [
        "cat: cleared", "pool:a: cleared", "pool:b: cleared"]
    assert size(os.path.join(d.dir, "cat.log")) == 0
    r = d.supctl("clear", "nope", check=4)
    assert "nope: ERROR (no such process)" in r.stdout
    d.supctl("clear", check=2)
    reply = d.request({"cmd": "clear", "names": ["cat"]})
    assert reply["ok"], reply
    assert reply["result"]["processes"][0]["cleared"] == [
        os.path.join(d.dir, "cat.log"), os.path.join(d.dir, "cat.err")]


def test_clear_of_a_stopped_program(d):
    d.supctl("stop", "cat", check=0)
    d.supctl("clear", "cat", check=0)
    assert size(os.path.join(d.dir, "cat.log")) == 0


def test_clearlog_empties_the_daemons_log(d):
    assert size(d.logfile) > 0
    r = d.supctl("clearlog", check=0)
    assert r.stdout == "%s: cleared\n" % d.logfile
    # The daemon goes on logging into the emptied file.
    d.supctl("stop", "pool:a", check=0)
    wait_for(lambda: "stopped: a" in read(d.logfile) or
             "pool:a" in read(d.logfile), what="a new log line")
    assert "spawned: 'cat'" not in read(d.logfile)


def test_clearlog_without_a_log_file(daemon):
    daemon.write_config(supervisord_extra="logfile = /dev/stderr\n")
    # write_config puts logfile first: the later value wins.
    text = read(daemon.conf).replace(
        "logfile = %s/supervisord.log\n" % daemon.dir, "")
    with open(daemon.conf, "w") as f:
        f.write(text)
    daemon.start()
    r = daemon.supctl("clearlog", check=1)
    assert "not to a file" in r.stderr
    reply = daemon.request({"cmd": "clearlog"})
    assert reply["error"]["code"] == "no_file", reply


def test_maintail_follows_the_daemons_log_across_rotation(daemon):
    daemon.write_config(PROGRAMS, supervisord_extra="""\
        logfile_maxbytes = 4096
        logfile_backups = 3
        """)
    daemon.start()
    daemon.wait_state("cat", "RUNNING")
    p = subprocess.Popen([SUPCTL, "-c", daemon.conf, "maintail", "-f",
                          "-0"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    os.set_blocking(p.stdout.fileno(), False)
    out = b""

    def seen(text):
        nonlocal out
        try:
            out += p.stdout.read() or b""
        except BlockingIOError:
            pass
        return out.count(text)

    try:
        # Once one shows, the stream is following.
        wait_for(lambda: daemon.supctl("clear", "cat", check=0) and
                 seen(b": clear cat") > 0, what="maintail to follow")
        # Each clear logs a line; enough of them rotate the 4 KiB log.
        n = 0
        while not os.path.exists(daemon.logfile + ".2"):
            daemon.supctl("clear", "pool:a", check=0)
            n += 1
            assert n < 1000
        daemon.supctl("stop", "pool:b", check=0)
        wait_for(lambda: seen(b"stop pool:b"), what="the last line")
        # Every line once, across the rotations.
        assert seen(b": clear pool:a") == n
    finally:
        p.terminate()
        p.wait(timeout=DEADLINE)
        p.stdout.close()
        p.stderr.close()


def test_maintail_bytes_as_supervisorctl(d):
    r = d.supctl("maintail", "-100", check=0)
    assert 0 < len(r.stdout.encode()) <= 100
    r = d.supctl("tail", "-3", "cat", check=0)
    assert r.stdout == "ut\n"
    d.supctl("tail", "-x", "cat", check=2)


def test_maintail_without_a_log_file(daemon):
    daemon.write_config(supervisord_extra="logfile = syslog\n")
    text = read(daemon.conf).replace(
        "logfile = %s/supervisord.log\n" % daemon.dir, "")
    with open(daemon.conf, "w") as f:
        f.write(text)
    daemon.start()
    r = daemon.supctl("maintail", check=1)
    assert "not to a file" in r.stderr
