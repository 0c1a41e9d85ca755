"""Differential test: supctl's reread, avail, add, remove and clear say
what supervisorctl says, line for line, for the same files, Python
Supervisor 4.2 run by hand (-n, in the test's folder, killed by pid)."""
import os
import signal
import subprocess
import time

import pytest

import pysupervisor
from conftest import DEADLINE, wait_for

# supervisorctl starts a Python interpreter for each command: seconds
# each on a loaded machine.
SLOW = 4 * DEADLINE


_WHY = pysupervisor.unavailable()
pytestmark = pytest.mark.skipif(
    _WHY is not None, reason="no Python Supervisor to compare with: %s"
    % _WHY)


def programs(version):
    """The programs of both daemons: version 1, then 2 (chg's command
    changed, old gone, new and pool:z added to the files)."""
    text = ""
    for name, secs in (("keep", 1000), ("chg", 1000 + version)):
        text += ("[program:%s]\ncommand = sleep %d\nstartsecs = 0\n\n"
                 % (name, secs))
    if version == 1:
        text += "[program:old]\ncommand = sleep 1000\nstartsecs = 0\n\n"
    else:
        text += ("[program:new]\ncommand = sleep 1000\nstartsecs = 0\n"
                 "autostart = false\npriority = 7\n\n")
    text += "[group:pool]\nprograms = a, b\npriority = 5\n\n"
    text += "[program:a]\ncommand = sleep 1000\nstartsecs = 0\n\n"
    text += "[program:b]\ncommand = sleep 1000\nstartsecs = 0\n\n"
    return text


class Reference:
    """Python Supervisor's supervisord, in a folder of its own."""

    def __init__(self, tmp_path):
        self.dir = str(tmp_path / "reference")
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "supervisord.conf")
        self.sock = os.path.join(self.dir, "supervisor.sock")
        self.proc = None

    def write(self, version):
        with open(self.conf, "w") as f:
            f.write("[supervisord]\nlogfile = %s/supervisord.log\n"
                    "pidfile = %s/supervisord.pid\nchildlogdir = %s\n\n"
                    "[unix_http_server]\nfile = %s\n\n"
                    "[rpcinterface:supervisor]\nsupervisor.rpcinterface_"
                    "factory = supervisor.rpcinterface:make_main_rpc"
                    "interface\n\n[supervisorctl]\nserverurl = unix://%s\n\n"
                    % (self.dir, self.dir, self.dir, self.sock, self.sock))
            f.write(programs(version))

    def start(self):
        self.proc = subprocess.Popen(
            [pysupervisor.SUPERVISORD, "-n", "-c", self.conf],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=self.dir)
        wait_for(lambda: "RUNNING" in self.ctl("status", "keep").stdout,
                 timeout=SLOW, what="Python supervisord")

    def ctl(self, *args):
        return subprocess.run([pysupervisor.SUPERVISORCTL, "-c", self.conf] +
                              list(args), capture_output=True, text=True,
                              timeout=SLOW)

    def kill(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def both(daemon, tmp_path):
    ref = Reference(tmp_path)
    ref.write(1)
    daemon.write_config(programs(1))
    daemon.start()
    try:
        ref.start()
        for name in ("keep", "chg", "old", "pool:a", "pool:b"):
            daemon.wait_state(name, "RUNNING")
            wait_for(lambda: "RUNNING" in ref.ctl("status", name).stdout,
                     timeout=SLOW,
                     what="%s RUNNING under Python supervisord" % name)
        yield daemon, ref
    finally:
        ref.kill()


def same(d, ref, *args, ours_exit=None):
    mine = d.supctl(*args)
    theirs = ref.ctl(*args)
    assert mine.stdout == theirs.stdout, (args, mine.stdout, theirs.stdout)
    if ours_exit is not None:
        assert mine.returncode == ours_exit, (args, mine)
    return mine.stdout


def test_reread_avail_add_remove_as_supervisorctl(both):
    d, ref = both
    assert same(d, ref, "reread", ours_exit=0) == \
        "No config updates to processes\n"
    same(d, ref, "avail", ours_exit=0)
    d.write_config(programs(2))
    ref.write(2)
    out = same(d, ref, "reread", ours_exit=0)
    assert out == "chg: changed\nnew: available\nold: disappeared\n"
    # Supervisor's avail lists what its last reread saw: so do we.
    same(d, ref, "avail", ours_exit=0)
    same(d, ref, "add", "new", ours_exit=0)
    same(d, ref, "add", "new", ours_exit=0)          # already active
    same(d, ref, "add", "nope", ours_exit=1)
    same(d, ref, "remove", "old", ours_exit=1)       # still running
    same(d, ref, "remove", "nope", ours_exit=1)
    for ctl in (d.supctl, ref.ctl):
        ctl("stop", "old")
    same(d, ref, "remove", "old", ours_exit=0)
    same(d, ref, "avail", ours_exit=0)
    same(d, ref, "reread", ours_exit=0)


def test_clear_as_supervisorctl(both):
    d, ref = both
    same(d, ref, "clear", "keep", ours_exit=0)
    same(d, ref, "clear", "pool:a", ours_exit=0)
    same(d, ref, "clear", "nope", ours_exit=4)
    # Not compared: supervisorctl says "pool:None: ERROR (no such
    # process)" to "clear pool:*" (we clear the group's processes), and
    # clears the known names of "clear a nope" (an unknown name refuses
    # the whole request, as for start and stop).
    mine = sorted(d.supctl("clear", "all").stdout.splitlines())
    theirs = sorted(ref.ctl("clear", "all").stdout.splitlines())
    assert mine == theirs
