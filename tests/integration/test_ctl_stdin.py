"""A program's stdin is a pipe the daemon holds: sendstdin (Supervisor's
sendProcessStdin) and supctl fg, with real programs reading it (cat), never
reading it, or closing it."""
import os
import subprocess
import time

import pytest

from conftest import SUPCTL, DEADLINE, wait_for

PROGRAMS = """\
    [program:cat]
    command = cat
    startsecs = 0
    stdout_logfile = %(here)s/cat.log
    stderr_logfile = %(here)s/cat.err

    [program:deaf]
    command = sleep 1000
    startsecs = 0

    [program:closed]
    command = sh -c 'exec 0<&-; exec sleep 1000'
    startsecs = 0

    [program:idle]
    command = cat
    autostart = false
    """


@pytest.fixture
def d(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start()
    for name in ("cat", "deaf", "closed"):
        daemon.wait_state(name, "RUNNING")
    return daemon


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def test_stdin_is_a_pipe_held_by_the_daemon(d):
    pid = d.status("cat")["pid"]
    target = os.readlink("/proc/%d/fd/0" % pid)
    assert target.startswith("pipe:"), target
    # The write end is the daemon's, and no other program's.
    assert target in _fd_targets(d.proc.pid)
    assert target not in _fd_targets(d.status("deaf")["pid"])


def _fd_targets(pid):
    """What pid's descriptors point at; one closed meanwhile (a client's
    connection) is skipped."""
    out = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except FileNotFoundError:
            pass
    return out


def test_sendstdin_reaches_the_program(d):
    d.supctl("sendstdin", "cat", "hello world", check=0)
    d.supctl("sendstdin", "-n", "cat", "no newline ", check=0)
    d.supctl("sendstdin", "cat", "then one", check=0)
    log = os.path.join(d.dir, "cat.log")
    wait_for(lambda: read(log) == "hello world\nno newline then one\n",
             what="cat's echo")
    reply = d.request({"cmd": "sendstdin", "name": "cat", "data": "x\n"})
    assert reply["ok"] and reply["result"]["bytes"] == 2, reply


def test_sendstdin_after_a_restart_uses_the_new_pipe(d):
    old = os.readlink("/proc/%d/fd/0" % d.status("cat")["pid"])
    d.supctl("restart", "cat", check=0)
    new = os.readlink("/proc/%d/fd/0" % d.status("cat")["pid"])
    assert old != new
    d.supctl("sendstdin", "cat", "after restart", check=0)
    wait_for(lambda: "after restart\n" in read(os.path.join(d.dir,
                                                            "cat.log")))


def test_sendstdin_errors(d):
    r = d.supctl("sendstdin", "idle", "x", check=1)
    assert "idle: not running" in r.stderr
    reply = d.request({"cmd": "sendstdin", "name": "idle", "data": "x"})
    assert reply["error"]["code"] == "not_running", reply
    reply = d.request({"cmd": "sendstdin", "name": "closed", "data": "x"})
    assert reply["error"]["code"] == "no_file", reply
    assert "stdin is closed" in reply["error"]["message"]
    r = d.supctl("sendstdin", "nope", "x", check=4)
    assert "nope: ERROR (no such process)" in r.stdout
    d.supctl("sendstdin", "cat", check=2)
    reply = d.request({"cmd": "sendstdin", "name": "cat"})
    assert reply["error"]["code"] == "bad_request", reply
    # Once stopped, the pipe is closed: no descriptor left behind.
    d.supctl("stop", "cat", check=0)
    reply = d.request({"cmd": "sendstdin", "name": "cat", "data": "x"})
    assert reply["error"]["code"] == "not_running", reply


def test_a_program_that_never_reads_never_blocks_the_daemon(d):
    chunk = "z" * 40000
    codes = []
    t0 = time.monotonic()
    for _ in range(8):
        reply = d.request({"cmd": "sendstdin", "name": "deaf",
                           "data": chunk})
        codes.append(reply["ok"] or reply["error"]["code"])
    # The pipe (64 KiB) and the queue (64 KiB) take some; then refused.
    assert codes[0] is True and codes[-1] == "failed", codes
    reply = d.request({"cmd": "sendstdin", "name": "deaf", "data": chunk})
    assert "stdin buffer full" in reply["error"]["message"], reply
    assert time.monotonic() - t0 < DEADLINE
    assert d.status("cat")["state"] == "RUNNING"
    # A short one that fits still goes into the queue, behind the rest.
    reply = d.request({"cmd": "sendstdin", "name": "deaf", "data": "ok"})
    assert reply["ok"] or reply["error"]["code"] == "failed", reply
    # Stopping it drops the queue; a new run has an empty pipe.
    d.supctl("restart", "deaf", check=0)
    reply = d.request({"cmd": "sendstdin", "name": "deaf", "data": chunk})
    assert reply["ok"] and reply["result"]["queued"] == 0, reply


def test_queued_bytes_arrive_in_order_once_the_program_reads(daemon):
    # The program waits for a file before reading: the bytes queue up.
    daemon.write_config("""\
        [program:late]
        command = sh -c 'while [ ! -e %s/go ]; do sleep 0.02; done; exec cat'
        startsecs = 0
        stdout_logfile = %%(here)s/late.log
        """ % daemon.dir)
    daemon.start()
    daemon.wait_state("late", "RUNNING")
    sent = []
    for i in range(4):
        data = ("%d" % i) * 40000 + "\n"
        reply = daemon.request({"cmd": "sendstdin", "name": "late",
                                "data": data})
        if not reply["ok"]:
            break
        sent.append(data)
    assert len(sent) >= 2, sent
    open(os.path.join(daemon.dir, "go"), "w").close()
    log = os.path.join(daemon.dir, "late.log")
    want = "".join(sent)
    wait_for(lambda: read(log) == want, what="the queued bytes, in order")


def fg(d, *args, **kw):
    return subprocess.Popen([SUPCTL, "-c", d.conf, "fg"] + list(args),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)


def test_fg_forwards_lines_and_follows_output(d):
    d.supctl("sendstdin", "cat", "before fg", check=0)
    wait_for(lambda: "before fg" in read(os.path.join(d.dir, "cat.log")))
    p = fg(d, "cat")
    out = b""
    os.set_blocking(p.stdout.fileno(), False)

    def saw(text):
        nonlocal out
        try:
            chunk = p.stdout.read()
        except BlockingIOError:
            chunk = None
        out += chunk or b""
        return text in out

    wait_for(lambda: saw(b"before fg\n"), what="the tail of the log")
    p.stdin.write(b"typed line\n")
    p.stdin.flush()
    wait_for(lambda: saw(b"typed line\n"), what="the echo of the line")
    p.stdin.close()
    assert p.wait(timeout=DEADLINE) == 0
    assert "typed line\n" in read(os.path.join(d.dir, "cat.log"))


def test_fg_ends_when_the_program_stops(d):
    p = fg(d, "cat")
    # fg subscribed to events before reading its input: a line that
    # reached cat says it is in its loop.
    p.stdin.write(b"ping\n")
    p.stdin.flush()
    wait_for(lambda: "ping\n" in read(os.path.join(d.dir, "cat.log")))
    d.supctl("stop", "cat", check=0)
    assert p.wait(timeout=DEADLINE) == 3
    assert "cat is no longer running" in p.stderr.read().decode()


def test_fg_refuses_what_it_cannot_follow(d):
    r = d.supctl("fg", "idle", check=3)
    assert "supctl: fg: idle is not running (STOPPED)" in r.stderr
    r = d.supctl("fg", "nope", check=4)
    assert "nope: ERROR (no such process)" in r.stdout
    d.supctl("fg", check=2)
    d.supctl("fg", "cat", "deaf", check=2)
