"""Differential: the unmodified supervisorctl against our daemon and
against Python Supervisor 4.2, the same configuration, the same commands.
The output must be the same once pids, times, paths and the version are
masked, and so must the exit code."""
import os
import re
import shutil
import signal
import subprocess
import textwrap

import pytest

import pysupervisor
from conftest import DEADLINE, SUPERVISORD, wait_for

PY_SUPERVISORD = pysupervisor.SUPERVISORD
PY_SUPERVISORCTL = pysupervisor.SUPERVISORCTL

pytestmark = pytest.mark.skipif(
    not (os.path.exists(PY_SUPERVISORD) and os.path.exists(PY_SUPERVISORCTL)),
    reason="Python Supervisor is not installed (apt-get install supervisor)")

PROGRAMS = """\
    [program:sleeper]
    command = sh -c 'trap "" HUP; exec sleep 1000'
    startsecs = 0

    [group:g]
    programs = a,b

    [program:a]
    command = sleep 1000
    startsecs = 0

    [program:b]
    command = sleep 1000
    startsecs = 0
    autostart = false

    [program:missing]
    command = /nonexistent/program
    autostart = false

    [program:quick]
    command = /bin/false
    startsecs = 1
    startretries = 0
    autostart = false
    """


class Side:
    """One daemon (ours or Python's) in its own folder."""

    def __init__(self, root, name, argv0):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "supervisord.conf")
        self.argv0 = argv0
        with open(self.conf, "w") as f:
            f.write(textwrap.dedent("""\
                [unix_http_server]
                file = {d}/supervisor.sock

                [supervisord]
                logfile = {d}/supervisord.log
                pidfile = {d}/supervisord.pid
                childlogdir = {d}

                [rpcinterface:supervisor]
                supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

                [supervisorctl]
                serverurl = unix://{d}/supervisor.sock

                """).format(d=self.dir) + textwrap.dedent(PROGRAMS))
        self.proc = subprocess.Popen(
            [argv0, "-n", "-c", self.conf], cwd=self.dir,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, "stderr"), "wb"))

    def ctl(self, *args):
        r = subprocess.run([PY_SUPERVISORCTL, "-c", self.conf] + list(args),
                           capture_output=True, text=True,
                           timeout=DEADLINE * 2, cwd=self.dir)
        return r.returncode, r.stdout + r.stderr

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def mask(side, text):
    text = text.replace(side.dir, "DIR")
    text = re.sub(r"pid \d+, uptime \d+:\d\d:\d\d", "pid PID, uptime T",
                  text)
    text = re.sub(r"[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M", "DATE", text)
    text = re.sub(r"(?m)^\d+$", "PID", text)
    return text


def settled(side):
    """Every autostart program RUNNING."""
    rc, out = side.ctl("status")
    lines = [l for l in out.splitlines() if l.split()[0] in
             ("sleeper", "g:a")]
    return len(lines) == 2 and all(" RUNNING " in l for l in lines)


# (command, whether the lines may come in any order: a group's results
# arrive as each process gets there, in Supervisor too)
COMMANDS = [
    (("status",), False),
    (("status", "sleeper"), False),
    (("status", "g:*"), False),
    (("status", "nosuch"), False),
    (("start", "g:b"), False),
    (("start", "g:b"), False),
    (("start", "nosuch"), False),
    (("stop", "g:*"), True),
    (("stop", "g:a"), False),
    (("stop", "nosuch"), False),
    (("start", "g:*"), True),
    (("restart", "sleeper"), False),
    (("signal", "HUP", "sleeper"), False),
    (("signal", "HUP", "g:*"), True),
    (("signal", "HUP", "nosuch"), False),
    (("signal", "FOO", "sleeper"), False),
    (("pid",), False),
    (("pid", "sleeper"), False),
    (("pid", "all"), True),
    (("pid", "nosuch"), False),
    (("start", "missing"), False),
    (("start", "quick"), False),
    (("status",), False),
    (("stop", "all"), True),
    (("status",), False),
    (("start", "all"), True),
    (("status", "sleeper", "g:a", "g:b"), False),
    (("version",), False),
    (("tail", "sleeper"), False),
    (("tail", "-5", "sleeper", "stderr"), False),
    (("tail", "nosuch"), False),
    # Not "tail missing": Supervisor creates every AUTO log file at start,
    # we on a program's first start (supervisord.conf(5)).
]


def test_supervisorctl_same_output(tmp_path):
    ours = Side(str(tmp_path), "ours", SUPERVISORD)
    theirs = Side(str(tmp_path), "theirs", PY_SUPERVISORD)
    try:
        for side in (ours, theirs):
            wait_for(lambda: settled(side), what="autostart programs of %s"
                     % side.argv0)
        for args, unordered in COMMANDS:
            results = []
            for side in (ours, theirs):
                rc, out = side.ctl(*args)
                out = mask(side, out)
                if args == ("version",):
                    out = "VERSION\n" if out.strip() else out
                if unordered:
                    out = "\n".join(sorted(out.splitlines()))
                results.append((rc, out))
            assert results[0] == results[1], (args, results)
            if args == ("start", "quick"):
                # Python Supervisor moves it on to FATAL at its next
                # tick, which a loaded machine delays.
                for side in (ours, theirs):
                    wait_for(lambda: " FATAL " in side.ctl(
                        "status", "quick")[1], what="quick FATAL")
        for side in (ours, theirs):
            rc, out = side.ctl("shutdown")
            assert (rc, out.strip()) == (0, "Shut down"), (side.argv0, out)
            side.proc.wait(timeout=DEADLINE * 2)
            assert side.proc.returncode == 0
    finally:
        ours.stop()
        theirs.stop()
        shutil.rmtree(str(tmp_path), ignore_errors=True)


EDITED = """\
    [group:g]
    programs = a,b

    [program:a]
    command = sleep 1001
    startsecs = 0

    [program:b]
    command = sleep 1000
    startsecs = 0
    autostart = false

    [program:missing]
    command = /nonexistent/program
    autostart = false

    [program:quick]
    command = /bin/false
    startsecs = 1
    startretries = 0
    autostart = false

    [program:n1]
    command = sleep 1000
    startsecs = 0
    """

RELOAD_COMMANDS = [
    ("avail",),
    ("reread",),
    ("update",),
    ("status",),
    ("reread",),
    ("remove", "n1"),
    ("stop", "n1"),
    ("remove", "n1"),
    ("remove", "n1"),
    ("add", "n1"),
    ("add", "n1"),
    ("add", "nosuch"),
    ("status",),
    ("clear", "g:a"),
    ("clear", "nosuch"),
    ("clear", "all"),
    ("avail",),
]


def test_supervisorctl_reread_update_add_remove(tmp_path):
    ours = Side(str(tmp_path), "ours", SUPERVISORD)
    theirs = Side(str(tmp_path), "theirs", PY_SUPERVISORD)
    try:
        for side in (ours, theirs):
            wait_for(lambda: settled(side), what="autostart programs of %s"
                     % side.argv0)
            with open(side.conf) as f:
                text = f.read()
            head = text[:text.index("[program:sleeper]")]
            with open(side.conf, "w") as f:
                f.write(head + textwrap.dedent(EDITED))
        for args in RELOAD_COMMANDS:
            results = []
            for side in (ours, theirs):
                rc, out = side.ctl(*args)
                out = "\n".join(sorted(mask(side, out).splitlines()))
                results.append((rc, out))
            assert results[0] == results[1], (args, results)
    finally:
        ours.stop()
        theirs.stop()
        shutil.rmtree(str(tmp_path), ignore_errors=True)
