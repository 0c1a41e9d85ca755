"""Nothing of a program outlives the daemon: workers that stay in their
master's group without asking to die with it (nginx's) are killed by the
guardian when the daemon is killed with SIGKILL, and by the next daemon
from its stale pidfiles when the guardian was killed too; a program that
daemonizes (nginx without "daemon off;") is noticed, shown in its status
and stopped at shutdown.  Each with a helper shaped like nginx, and with
a real nginx when one can be had."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import pid_alive, pids_in_pgroup, wait_for
from engine_util import count, program, wait, wait_count, wait_dead
from escape_util import (children, free_port, guardian_of, http_ok, nginx,
                         record, wait_master_workers)
from conftest import helper

__all__ = ["nginx"]     # the fixture


@pytest.fixture(autouse=True)
def no_leftovers(daemon):
    """A failed test leaves no master_workers process behind: each group
    its files name is killed afterwards."""
    yield
    daemon.kill()
    for name in os.listdir(daemon.dir):
        if not name.endswith(".pids"):
            continue
        for line in open(os.path.join(daemon.dir, name)).read().split("\n"):
            if line.startswith("master "):
                try:
                    os.killpg(int(line.split()[1]), signal.SIGKILL)
                except (OSError, ValueError):
                    pass


def master_workers(d, port, daemonize=False, name="web", **keys):
    pids = os.path.join(d.dir, name + ".pids")
    cmd = "%s %s-l %d %s" % (helper("master_workers"),
                             "-d " if daemonize else "", port, pids)
    return program(name, cmd, **keys), pids


def kill9(d):
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    return time.monotonic()


def test_kill9_leaves_no_worker(daemon):
    """SIGKILL to the daemon: the master dies with it (PDEATHSIG), and
    the guardian kills the two workers left in its group, which would
    otherwise keep the port; a daemon started again runs the program
    on the same port."""
    port = free_port()
    text, pids = master_workers(daemon, port, startsecs=0)
    daemon.write_config(text)
    daemon.start()
    master, workers = wait_master_workers(pids)
    daemon.wait_state("web", "RUNNING")
    guardian = guardian_of(daemon)
    assert daemon.proc.pid in [int(open("/proc/%d/stat" % guardian)
                                   .read().rsplit(")", 1)[1].split()[1])]
    os.unlink(pids)
    t0 = kill9(daemon)
    wait_dead([master] + workers)
    elapsed = time.monotonic() - t0
    # Within a second here; the bound is loose for a loaded machine.
    assert elapsed < 5, elapsed
    wait_count(daemon, "guardian: supervisord (pid %d) is gone: killed what "
               "was left of 1 process group (%d)" % (daemon.proc.pid, master))
    wait_dead([guardian])

    daemon.start()
    master2, _ = wait_master_workers(pids)
    assert master2 != master
    st = daemon.wait_state("web", "RUNNING")
    assert st["pid"] == master2
    assert "Address already in use" not in daemon.output()


def test_guardian_is_replaced(daemon):
    """A guardian that dies is replaced, and told every group again: the
    workers still die with the daemon."""
    port = free_port()
    text, pids = master_workers(daemon, port, startsecs=0)
    daemon.write_config(text)
    daemon.start()
    master, workers = wait_master_workers(pids)
    old = guardian_of(daemon)
    os.kill(old, signal.SIGKILL)
    wait_count(daemon, "the guardian (pid %d) ended (terminated by "
               "SIGKILL): starting another" % old)
    new = wait_for(lambda: guardian_of(daemon) != old and
                   guardian_of(daemon), what="a new guardian")
    assert children(daemon.proc.pid).count(new) == 1
    # It ignores what a terminal or a careless pkill sends.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        os.kill(new, sig)
    assert daemon.status("web")["state"] == "RUNNING"
    assert pid_alive(new)
    kill9(daemon)
    wait_dead([master] + workers + [new])


def test_clean_exit_reaps_the_guardian(daemon):
    """After a shutdown nothing of ours is left: the guardian is gone and
    its record file with the pidfile."""
    daemon.write_config(program("s", "sleep 1000", startsecs=0))
    daemon.start()
    daemon.wait_state("s", "RUNNING")
    guardian = guardian_of(daemon)
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert not pid_alive(guardian)
    assert not os.path.exists(daemon.pidfile + ".json")
    assert "guardian: supervisord" not in daemon.log()


def stale_setup(daemon, port):
    """A daemon killed together with its guardian (the daemon stopped
    first, so it cannot start another): the workers survive."""
    text, pids = master_workers(daemon, port, startsecs=0)
    run = os.path.join(daemon.dir, "run")
    daemon.write_config(text, supervisord_extra="rundir = %s" % run)
    daemon.start()
    master, workers = wait_master_workers(pids)
    pidfile = os.path.join(run, "web.pid")
    info = wait_for(lambda: os.path.exists(pidfile) and
                    json.load(open(pidfile)), what="web's pidfile")
    assert info["pgid"] == master and info["starttime"] > 0
    guardian = guardian_of(daemon)
    daemon.proc.send_signal(signal.SIGSTOP)
    os.kill(guardian, signal.SIGKILL)
    kill9(daemon)
    wait_dead([master])
    assert all(pid_alive(w) for w in workers)
    os.unlink(pids)
    return pids, master, workers


def test_restart_kills_stale_groups(daemon):
    """The next daemon kills what is left of the groups named in the
    stale pidfiles before it starts anything, and says so."""
    port = free_port()
    pids, master, workers = stale_setup(daemon, port)
    daemon.start()
    lines = wait_count(daemon, "by a previous daemon")
    assert ("killed 2 processes left of web's process group %d by a "
            "previous daemon" % master) in lines[0][2]
    wait_dead(workers)
    master2, _ = wait_master_workers(pids)
    daemon.wait_state("web", "RUNNING")
    assert "Address already in use" not in daemon.output()
    # The workers were gone before the program was started again.
    log = daemon.log()
    assert log.index("by a previous daemon") < log.index(
        "spawned: 'web' with pid %d" % master2)


def test_stale_pidfile_never_hits_a_reused_pid(daemon):
    """A stale pidfile whose pid now belongs to another process (another
    start time), or whose group's members are in another session, is
    removed and nothing is killed."""
    run = os.path.join(daemon.dir, "run")
    os.mkdir(run)
    other = subprocess.Popen(["sleep", "1000"], start_new_session=True)
    try:
        fields = open("/proc/%d/stat" % other.pid).read().rsplit(
            ")", 1)[1].split()
        starttime, session = int(fields[19]), int(fields[3])
        boot = open("/proc/sys/kernel/random/boot_id").read().strip()
        base = {"group": "g", "ppid": 1, "started": "x", "command": "x",
                "boot_id": boot}
        # The leader's pid, alive with another start time: reused.
        reused = dict(base, name="reused", pid=other.pid, pgid=other.pid,
                      session=session, starttime=starttime - 1)
        # The leader gone; the group's member in another session.
        foreign = dict(base, name="foreign", pid=999999, pgid=other.pid,
                       session=os.getsid(0), starttime=0)
        for rec in (reused, foreign):
            with open(os.path.join(run, "g:%s.pid" % rec["name"]), "w") as f:
                json.dump(rec, f)
        daemon.write_config("", supervisord_extra="rundir = %s" % run)
        daemon.start()
        wait_count(daemon, "removed stale pidfile", 2)
        daemon.request({"cmd": "status"})
        assert count(daemon, "by a previous daemon") == 0
        assert pid_alive(other.pid)
    finally:
        other.kill()
        other.wait()


def test_daemonizing_program_is_adopted_and_stopped(daemon):
    """A program that daemonizes as nginx does: the daemon says which
    process it left, shows it in the status, and stops it (and its
    workers) at shutdown before it exits."""
    port = free_port()
    text, pids = master_workers(daemon, port, daemonize=True,
                                startretries=1, stopsignal="QUIT",
                                stopwaitsecs=5)
    daemon.write_config(text)
    daemon.start()
    master, workers = wait_master_workers(pids)
    # The command line as /proc has it, cut to 71 bytes.
    line = wait_count(daemon, "web left pid %d (%s" % (
        master, helper("master_workers")[:60]))[0][2]
    assert line.endswith(") behind: it has daemonized; run it in the "
                         "foreground"), line
    # The escaped master holds the port: the next starts fail.
    st = daemon.wait_state("web", "FATAL")
    assert st["description"].startswith(
        "daemonized: left pid %d (%s" % (master, helper("master_workers")))
    r = daemon.supctl("status", "web")
    assert "daemonized: left pid %d" % master in r.stdout, r.stdout
    assert all(pid_alive(p) for p in [master] + workers)

    r = daemon.supctl("shutdown", check=0)
    assert daemon.wait_exit() == 0
    for p in [master] + workers:
        assert not pid_alive(p), p
    log = daemon.log()
    assert ("stopping: pid %d that web left behind with SIGQUIT to its "
            "process group %d" % (master, master)) in log
    assert log.index("reaped pid %d (exit status 0) that web left behind"
                     % master) < log.index("every process is down")


def test_daemonized_program_not_restarted(daemon):
    """While what it left by daemonizing runs, a program that exited is
    not restarted (autorestart=true would start another, which could only
    fight the first for its port); the status says why."""
    port = free_port()
    text, pids = master_workers(daemon, port, daemonize=True,
                                startsecs=0, autorestart="true")
    daemon.write_config(text)
    daemon.start()
    master, workers = wait_master_workers(pids)
    wait_count(daemon, "web left pid %d" % master)
    wait_count(daemon, "state: web RUNNING -> EXITED")
    # A restart would have been spawned in the same turn as the exit.
    st = daemon.status("web")
    assert st["state"] == "EXITED", st
    assert st["description"].startswith("daemonized: left pid %d" % master)
    assert count(daemon, "spawned: 'web'") == 1
    assert count(daemon, "Address already in use") == 0
    # Once it is gone, starting the program works again.
    os.kill(master, signal.SIGTERM)
    wait_count(daemon, "reaped pid %d (exit status 0) that web left behind"
               % master)
    wait_dead(workers)
    os.unlink(pids)
    r = daemon.supctl("start", "web")
    assert r.returncode == 0, (r.stdout, r.stderr)
    master2, _ = wait_master_workers(pids)
    wait_count(daemon, "web left pid %d" % master2)


def test_daemonized_leftover_killed_after_stopwaitsecs(daemon):
    """What a program left that ignores its stop signal is killed with
    SIGKILL after the program's stopwaitsecs."""
    port = free_port()
    # SIGWINCH is ignored by default: the stop signal does nothing.
    text, pids = master_workers(daemon, port, daemonize=True,
                                startretries=0, stopsignal="WINCH",
                                stopwaitsecs=1)
    daemon.write_config(text)
    daemon.start()
    master, workers = wait_master_workers(pids)
    wait_count(daemon, "web left pid %d" % master)
    daemon.wait_state("web", "FATAL")
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    for p in [master] + workers:
        assert not pid_alive(p), p
    log = daemon.log()
    assert ("stopping: pid %d that web left behind with SIGWINCH to its "
            "process group %d" % (master, master)) in log
    assert ("killing pid %d that web left behind with SIGKILL to its "
            "process group %d" % (master, master)) in log
    assert log.index("reaped pid %d (terminated by SIGKILL) that web left "
                     "behind" % master) < log.index("every process is down")


def test_real_nginx_kill9(daemon, nginx):
    """A real nginx in the foreground: after SIGKILL to the daemon its
    workers are gone, and nginx runs again under the next daemon."""
    binary, prefix, port, cmd = nginx
    daemon.write_config(program(
        "nginx", cmd + " -g 'daemon off;'", startsecs=1, stopsignal="QUIT"))
    daemon.start()
    master = daemon.wait_state("nginx", "RUNNING")["pid"]
    workers = wait_for(lambda: len(children(master)) == 2 and
                       children(master), what="nginx's two workers")
    wait_for(lambda: http_ok(port), what="nginx to answer")
    kill9(daemon)
    wait_dead([master] + workers)
    daemon.start()
    again = daemon.wait_state("nginx", "RUNNING")
    assert again["pid"] != master
    wait_for(lambda: http_ok(port), what="the new nginx to answer")
    assert "Address already in use" not in daemon.output()


def test_real_nginx_daemonizing(daemon, nginx):
    """A real nginx left to daemonize: its master is named in the log
    and the status, and it and its workers are stopped at shutdown."""
    binary, prefix, port, cmd = nginx
    daemon.write_config(program("nginx", cmd, startretries=10,
                                stopsignal="QUIT", stopwaitsecs=10))
    daemon.start()
    # nginx's parent exits as soon as it forked: when the daemon reaps it
    # before the child's setsid(), the child is still in the program's
    # group and is stopped with it (it quits gracefully, for a while);
    # a later start escapes.  Once one has escaped, a start after it
    # fails to bind, and the program is not restarted again.
    def settled():
        st = daemon.status("nginx")
        m = re.match(r"daemonized: left pid (\d+) \(nginx: master process ",
                     st["description"])
        if st["state"] not in ("EXITED", "FATAL") or not m:
            return None
        master = int(m.group(1))
        workers = children(master)
        return len(workers) == 2 and (master, workers)

    master, workers = wait(daemon, settled, "nginx to be left down, its "
                           "adopted master running", timeout=60)
    assert ("nginx left pid %d (" % master) in daemon.log()
    assert "it has daemonized; run it in the foreground" in daemon.log()
    wait_for(lambda: http_ok(port), what="nginx to answer")
    adopted = [int(x) for x in re.findall(r"nginx left pid (\d+) \(",
                                           daemon.log())]
    daemon.supctl("shutdown", check=0)
    assert daemon.wait_exit() == 0
    for p in [master] + workers:
        assert not pid_alive(p), p
    for pgid in adopted:
        assert pids_in_pgroup(pgid) == [], pgid
    assert not http_ok(port)
