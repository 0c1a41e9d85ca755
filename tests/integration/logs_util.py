"""Helpers of the log capture tests: programs, the flood pattern, files.

Every observation goes through the log files, the daemon's log and /proc,
never through the control socket.
"""
import hashlib
import os
import textwrap

from conftest import children_of, helper, pid_alive, wait_for


def program(name, command, **keys):
    """A [program:name] section; keys as written in supervisord.conf."""
    text = "[program:%s]\ncommand = %s\n" % (name, command)
    keys.setdefault("startsecs", 0)
    keys.setdefault("autorestart", "false")
    for k, v in keys.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        text += "%s = %s\n" % (k, v)
    return text + "\n"


def pattern(n):
    """The first n bytes of log_flood's stream (100-byte numbered lines)."""
    lines = []
    for i in range((n + 99) // 100):
        lines.append(b"%011d " % i + bytes([97 + i % 26]) * 87 + b"\n")
    return b"".join(lines)[:n]


def pattern_sha256(n):
    h = hashlib.sha256()
    chunk = 100 * 10000
    done = 0
    i = 0
    while done < n:
        lines = [b"%011d " % j + bytes([97 + j % 26]) * 87 + b"\n"
                 for j in range(i, i + 10000)]
        data = b"".join(lines)[:n - done]
        h.update(data)
        done += len(data)
        i += 10000
    assert chunk
    return h.hexdigest()


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def rotated(path, backups):
    """path.N ... path.1, path (those present), oldest first."""
    out = []
    for i in range(backups, 0, -1):
        p = "%s.%d" % (path, i)
        if os.path.exists(p):
            out.append(p)
    if os.path.exists(path):
        out.append(path)
    return out


def total_size(paths):
    n = 0
    for p in paths:
        try:
            n += os.stat(p).st_size
        except FileNotFoundError:
            pass
    return n


def concat_sha256(paths):
    h = hashlib.sha256()
    n = 0
    for p in paths:
        with open(p, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
                n += len(b)
    return h.hexdigest(), n


def program_pid(daemon, needle, timeout=None):
    """Pid of the daemon's live child whose command line contains needle."""
    def find():
        for pid, state in children_of(daemon.proc.pid):
            if state == "Z":
                continue
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(
                        errors="replace")
            except OSError:
                continue
            if needle in cmd:
                return pid
        return None
    kw = {} if timeout is None else {"timeout": timeout}
    return wait_for(find, what="a running %r" % needle, **kw)


def wait_content(path, want, timeout=None):
    """Wait until the file holds exactly want (bytes)."""
    kw = {} if timeout is None else {"timeout": timeout}
    try:
        wait_for(lambda: read(path) == want, what="%s to hold %d bytes"
                 % (path, len(want)), **kw)
    except AssertionError:
        got = read(path)
        raise AssertionError("%s: want %r...%r (%d bytes), got %r (%s)" % (
            path, want[:60], want[-60:], len(want),
            got if got is None or len(got) < 200 else
            got[:80] + b"..." + got[-80:],
            "absent" if got is None else "%d bytes" % len(got)))


__all__ = ["program", "pattern", "pattern_sha256", "read", "rotated",
           "total_size", "concat_sha256", "program_pid", "wait_content",
           "helper", "pid_alive", "wait_for", "textwrap"]
