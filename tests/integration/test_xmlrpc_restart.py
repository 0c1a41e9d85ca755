"""supervisor.restart through the unmodified `supervisorctl reload`: True,
then every program that was up runs again with a new pid and the reread
configuration; what was down stays down; a file that does not load
changes nothing and says why."""
import subprocess

import pytest

import pysupervisor
from conftest import DEADLINE, wait_for

SLOW = 4 * DEADLINE

pytestmark = pytest.mark.skipif(
    pysupervisor.unavailable() is not None,
    reason="no Python Supervisor: %s" % pysupervisor.unavailable())


def programs(version):
    text = """\
        [program:same]
        command = sleep 1000
        startsecs = 0

        [program:chg]
        command = sleep %d
        startsecs = 0

        [program:down]
        command = sleep 1000
        startsecs = 0
        autostart = false

        [group:g]
        programs = ga, gb

        [program:ga]
        command = sleep 1000
        startsecs = 0

        [program:gb]
        command = sleep 1000
        startsecs = 0
        """ % (1000 + version)
    if version == 1:
        text += """
        [program:old]
        command = sleep 1000
        startsecs = 0
        """
    else:
        text += """
        [program:new]
        command = sleep 1000
        startsecs = 0
        """
    return text


def ctl(daemon, *args):
    return subprocess.run([pysupervisor.SUPERVISORCTL, "-c", daemon.conf] +
                          list(args), capture_output=True, text=True,
                          timeout=SLOW)


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().split(b"\0")[:-1]


UP = ("same", "chg", "g:ga", "g:gb")


def test_supervisorctl_reload_restarts_with_the_reread_file(daemon):
    daemon.write_config(programs(1))
    daemon.start()
    for name in UP + ("old",):
        daemon.wait_state(name, "RUNNING")
    daemon.supctl("stop", "g:gb", check=0)
    before = {n: daemon.status(n)["pid"] for n in UP + ("old",)}
    daemon.write_config(programs(2))
    r = ctl(daemon, "reload")
    assert (r.returncode, r.stdout) == (0, "Restarted supervisord\n"), r
    for name in ("same", "chg", "g:ga", "new"):
        info = wait_for(lambda: daemon.status(name)["state"] == "RUNNING"
                        and daemon.status(name)["pid"] != before.get(name)
                        and daemon.status(name), timeout=SLOW,
                        what="%s running again, a new pid" % name)
        assert info["pid"] != before.get(name)
    assert cmdline(daemon.status("chg")["pid"]) == [b"sleep", b"1002"]
    # What the operator stopped stays stopped; autostart=false stays down.
    assert daemon.status("g:gb")["state"] == "STOPPED"
    assert daemon.status("down")["state"] == "STOPPED"
    wait_for(lambda: "old" not in daemon.status(), timeout=SLOW,
             what="old removed")
    r = ctl(daemon, "status")
    assert r.returncode == 3, r     # g:gb and down are stopped


def test_supervisorctl_reload_of_a_broken_file_changes_nothing(daemon):
    daemon.write_config(programs(1))
    daemon.start()
    for name in UP:
        daemon.wait_state(name, "RUNNING")
    before = {n: daemon.status(n)["pid"] for n in UP}
    with open(daemon.conf, "a") as f:
        f.write("\n[program:broken]\nstartsecs = 0\n")    # no command
    r = ctl(daemon, "reload")
    assert r.returncode != 0, r
    assert "FAILED" in r.stdout + r.stderr, r
    assert {n: daemon.status(n)["pid"] for n in UP} == before
    assert daemon.proc.poll() is None
