"""Helpers for the engine's tests: they observe the daemon without its
socket, through its log, /proc, pidfiles and files the helpers write."""
import datetime
import os
import re
import time

from conftest import helper, pid_alive, wait_for

LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) (\S+) (.*)$")


def wait(d, cond, what, timeout=None, interval=0.01):
    """wait_for, with the daemon's output in the failure message."""
    kw = {} if timeout is None else {"timeout": timeout}
    try:
        return wait_for(cond, what=what, interval=interval, **kw)
    except AssertionError as e:
        raise AssertionError("%s\n%s" % (e, d.output())) from None


def log_entries(d):
    """(epoch seconds, LEVEL, message) for each line of the daemon's log."""
    out = []
    for text in (d.log(), _stderr(d)):
        for line in text.splitlines():
            m = LINE.match(line)
            if m:
                t = datetime.datetime.strptime(m.group(1),
                                               "%Y-%m-%d %H:%M:%S")
                out.append((time.mktime(t.timetuple()) +
                            int(m.group(2)) / 1000.0, m.group(3),
                            m.group(4)))
    out.sort(key=lambda e: e[0])
    return out


def _stderr(d):
    if not os.path.exists(d.stderr_path):
        return ""
    with open(d.stderr_path, errors="replace") as f:
        return f.read()


def messages(d, needle):
    """Log entries whose message contains needle, in order."""
    return [e for e in log_entries(d) if needle in e[2]]


def count(d, needle):
    return len(messages(d, needle))


def wait_count(d, needle, n=1, timeout=None):
    """Wait until needle occurs n times in the log; returns the entries."""
    wait(d, lambda: count(d, needle) >= n,
         "%d x %r in the log" % (n, needle), timeout)
    return messages(d, needle)


def wait_state(d, name, state, n=1, timeout=None):
    """Wait for the n-th transition of name into state (debug log line)."""
    pat = re.compile(r"^state: %s \S+ -> %s$" % (re.escape(name), state))

    def hits():
        found = [e for e in log_entries(d) if pat.match(e[2])]
        return found if len(found) >= n else None
    return wait(d, hits, "%s to enter %s (%d)" % (name, state, n), timeout)


def barrier(d):
    """Make the daemon log a line in a later loop turn (SIGHUP: a reload
    of the unchanged file, which changes nothing), and wait for it:
    whatever it would have done at once before is done now."""
    import signal
    n = count(d, "unchanged")
    d.signal(signal.SIGHUP)
    wait_count(d, "unchanged", n + 1)


def read_records(path):
    """exit_after -r lines: [(pid, seconds)]."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                out.append((int(parts[0]), float(parts[1]) / 1000.0))
    return out


def wait_records(path, n, timeout=None):
    kw = {} if timeout is None else {"timeout": timeout}
    return wait_for(lambda: len(read_records(path)) >= n and
                    read_records(path), what="%d records in %s" % (n, path),
                    **kw)


def read_forker(path):
    """forker's file: (leader pid, [child pids])."""
    leader, children = None, []
    with open(path) as f:
        for line in f:
            kind, pid = line.split()
            if kind == "leader":
                leader = int(pid)
            else:
                children.append(int(pid))
    return leader, children


def wait_forker(path):
    wait_for(lambda: os.path.exists(path), what=path)
    return read_forker(path)


def wait_dead(pids, timeout=None):
    """Wait until none of pids is alive; returns the time it happened."""
    kw = {} if timeout is None else {"timeout": timeout}
    wait_for(lambda: not any(pid_alive(p) for p in pids), interval=0.005,
             what="pids %s to die" % pids, **kw)
    return time.time()


def program(name, command, **keys):
    """A [program:name] section; keys as key=value lines."""
    text = "[program:%s]\ncommand = %s\n" % (name, command)
    for k, v in keys.items():
        text += "%s = %s\n" % (k, v)
    return text + "\n"


def exit_after(ms, code=0, record=None):
    cmd = helper("exit_after")
    if record:
        cmd += " -r " + record
    return "%s -- %d %d" % (cmd, ms, code)
