"""Helpers for the reload tests: rewrite the configuration, ask for a
reload on the raw socket, and look at processes through /proc."""
import os

from conftest import pid_alive, wait_for


def program(name, command, **keys):
    """A [program:name] section; keys as key=value lines."""
    text = "[program:%s]\ncommand = %s\n" % (name, command)
    for k, v in keys.items():
        text += "%s = %s\n" % (k, v)
    return text + "\n"


def sleeper(name, secs=1000, **keys):
    """A program that runs until stopped; RUNNING at once by default."""
    keys.setdefault("startsecs", 0)
    return program(name, "sleep %d" % secs, **keys)


def reload(d, dry_run=False, ok=True):
    """A reload request on the raw socket; asserts its outcome."""
    req = {"cmd": "reload"}
    if dry_run:
        req["dry_run"] = True
    reply = d.request(req)
    assert reply["ok"] is ok, (reply, d.output())
    return reply


def pids(d):
    """{fullname: pid} of every process the daemon lists."""
    return {n: p["pid"] for n, p in d.status().items()}


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().rstrip(b"\0").split(b"\0")


def exec_cmdline(pid):
    """pid's command line once its exec is done (RUNNING with startsecs=0
    comes at the fork: the new program's arguments may not be there yet)."""
    wait_for(lambda: cmdline(pid) != [b""], what="pid %d's exec" % pid)
    return cmdline(pid)


def environ(pid):
    """The environment of pid's program, once its exec is done (RUNNING
    with startsecs=0 comes at the fork, before the exec's environment)."""
    wait_for(lambda: cmdline(pid) != [b""], what="pid %d's exec" % pid)
    with open("/proc/%d/environ" % pid, "rb") as f:
        items = f.read().rstrip(b"\0").split(b"\0")
    return dict(i.decode().split("=", 1) for i in items if b"=" in i)


def wait_dead(pid, timeout=None):
    kw = {} if timeout is None else {"timeout": timeout}
    wait_for(lambda: not pid_alive(pid), what="pid %d to die" % pid, **kw)


def wait_gone(d, name):
    """Wait until name is no longer in the daemon's status."""
    wait_for(lambda: name not in d.status(), what="%s to be gone" % name)


def wait_new_pid(d, name, old, state="RUNNING"):
    """Wait until name runs with a pid other than old; returns it."""
    def cond():
        st = d.status().get(name)
        return (st is not None and st["state"] == state and
                st["pid"] not in (0, old) and st["pid"])
    return wait_for(cond, what="%s %s with a new pid (old %d)" %
                    (name, state, old))


def daemon_fds(d):
    """What the daemon holds open, by kind: pipes, log files (counted
    per program and stream: an AUTO log's name changes when a program is
    added anew), other files; sockets (clients come and go) left out."""
    kinds = {}
    fd_dir = "/proc/%d/fd" % d.proc.pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:"):
            continue
        if target.startswith("pipe:"):
            target = "pipe"
        elif target.endswith(".log") and "---" in target:
            target = target.split("---")[0]
        kinds[target] = kinds.get(target, 0) + 1
    return kinds
