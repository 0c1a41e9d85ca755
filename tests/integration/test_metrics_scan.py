"""The /proc pass of GET /metrics (supervisord/http/metrics_scan.c) over
the scrapes: a pass leaves unread the processes of other sessions that
the previous pass read (they can never join one of our programs' process
groups) and keeps open the stat files of those of ours, knowing a process
by its pid and its /proc inode number, so that a new process at a reused
pid is read; the descriptors kept follow the processes and stay within an
eighth of the open-file limit; members that come and go between the
listing and the reading cost nothing to the others' sums."""
import os
import resource
import subprocess
import sys
import textwrap

import pytest

from conftest import helper, pids_in_pgroup, start_with_nofile, wait_for
from engine_util import wait_forker
from test_http_metrics import HOLD, PROM_DEADLINE, metrics, value

NS_LAST_PID = "/proc/sys/kernel/ns_last_pid"

# Waits for the file target (a pid), then forks a child that holds MIB
# MiB at exactly that pid (ns_last_pid set just before each fork, by
# root), and writes the child's pid to the file child.
REUSER = """\
import os, sys, time
d, mib = sys.argv[1], int(sys.argv[2])
target = os.path.join(d, "target")
while not os.path.exists(target):
    time.sleep(0.02)
want = int(open(target).read())
for _ in range(500):
    with open("{ns}", "w") as f:
        f.write(str(want - 1))
    pid = os.fork()
    if pid == 0:
        b = bytearray(os.urandom(1 << 20)) * mib
        time.sleep(100000)
        os._exit(0)
    if pid == want:
        break
    os.kill(pid, 9)
    os.waitpid(pid, 0)
with open(os.path.join(d, "child.tmp"), "w") as f:
    f.write(str(pid))
os.rename(os.path.join(d, "child.tmp"), os.path.join(d, "child"))
time.sleep(100000)
""".format(ns=NS_LAST_PID)


def kept_stat_files(pid):
    """The pids whose /proc/PID/stat the process pid holds open."""
    kept = set()
    fds = "/proc/%d/fd" % pid
    for fd in os.listdir(fds):
        try:
            target = os.readlink(os.path.join(fds, fd))
        except OSError:
            continue        # closed meanwhile
        parts = target.split("/")
        if len(parts) == 4 and parts[1] == "proc" and parts[3] == "stat":
            kept.add(int(parts[2]))
    return kept


def rss_of(pids):
    """The resident bytes of pids, from their stat lines."""
    total = 0
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            total += int(f.read().rsplit(")", 1)[1].split()[21])
    return total * os.sysconf("SC_PAGE_SIZE")


def rss(daemon, prog):
    return value(metrics(daemon), "supervisord_process_resident_memory_bytes",
                 prog) or 0


def test_a_reused_pid_of_another_session_is_read_again(daemon):
    """A process of another session, read by a pass, dies; one of our
    program's children gets its pid: the next pass reads it (its /proc
    inode is new) and adds it to the program's group."""
    if not os.access(NS_LAST_PID, os.W_OK):
        pytest.skip("choosing a pid needs root (%s)" % NS_LAST_PID)
    mib = 40
    with open(os.path.join(daemon.dir, "reuser.py"), "w") as f:
        f.write(REUSER)
    daemon.write_config(textwrap.dedent("""
        [program:reuser]
        command = {py} {d}/reuser.py {d} {mib}
        startsecs = 0
        """).format(py=sys.executable, d=daemon.dir, mib=mib))
    daemon.start()
    daemon.wait_state("reuser", "RUNNING")
    foreign = subprocess.Popen(["sleep", "100000"], start_new_session=True)
    try:
        # Two passes: the second lists the foreign process unread.
        for _ in range(2):
            assert rss(daemon, "reuser") < mib << 20
    finally:
        foreign.kill()
        foreign.wait()
    with open(os.path.join(daemon.dir, "target.tmp"), "w") as f:
        f.write(str(foreign.pid))
    os.rename(os.path.join(daemon.dir, "target.tmp"),
              os.path.join(daemon.dir, "target"))
    child = os.path.join(daemon.dir, "child")
    wait_for(lambda: os.path.exists(child), what="the child's fork")
    with open(child) as f:
        pid = int(f.read())
    if pid != foreign.pid:
        pytest.skip("pid %d was taken by another process" % foreign.pid)
    wait_for(lambda: rss(daemon, "reuser") >= mib << 20,
             timeout=PROM_DEADLINE, what="the child at the reused pid counted")


def test_members_dying_during_the_pass_leave_the_sums_whole(daemon):
    """A program forking short-lived children all along, some gone between
    the listing and the reading: every scrape answers, with the group's
    long-lived member counted each time."""
    mib = 30
    with open(os.path.join(daemon.dir, "hold.py"), "w") as f:
        f.write(HOLD.format(mib=mib))
    loop = "while :; do sleep 0.001 & sleep 0.001 & wait; done"
    daemon.write_config(textwrap.dedent("""
        [program:churn]
        command = sh -c '{py} {d}/hold.py & {loop}'
        startsecs = 0
        """).format(py=sys.executable, d=daemon.dir, loop=loop))
    daemon.start()
    daemon.wait_state("churn", "RUNNING")
    wait_for(lambda: rss(daemon, "churn") >= mib << 20,
             timeout=PROM_DEADLINE, what="the holder resident")
    for _ in range(20):
        s = metrics(daemon)
        assert value(s, "supervisord_process_up", "churn") == 1
        assert value(s, "supervisord_process_resident_memory_bytes",
                     "churn") >= mib << 20
        assert value(s, "supervisord_process_cpu_seconds_total",
                     "churn") is not None
    assert daemon.request({"cmd": "version"})["ok"]
    assert daemon.proc.poll() is None


def test_kept_descriptors_follow_the_processes(daemon):
    """A scrape keeps the stat files of the program and its children open
    for the next, reads them there (a child's CPU grows from one scrape
    to the next), and closes them once the processes are gone."""
    path = os.path.join(daemon.dir, "forker")
    daemon.write_config(textwrap.dedent("""
        [program:family]
        command = {f} -n 3 {p}
        startsecs = 0

        [program:burner]
        command = sh -c 'while [ ! -e {d}/go ]; do sleep 0.05; done; \
            exec {py} -c "while 1: pass"'
        startsecs = 0
        """).format(f=helper("forker"), p=path, d=daemon.dir,
                    py=sys.executable))
    daemon.start()
    daemon.wait_state("family", "RUNNING")
    leader, children = wait_forker(path)
    daemon.wait_state("burner", "RUNNING")
    before = value(metrics(daemon), "supervisord_process_cpu_seconds_total",
                   "burner")
    assert {leader, *children} <= kept_stat_files(daemon.proc.pid)
    assert daemon.status("burner")["pid"] in \
        kept_stat_files(daemon.proc.pid)
    open(os.path.join(daemon.dir, "go"), "w").close()
    wait_for(lambda: value(metrics(daemon),
                           "supervisord_process_cpu_seconds_total",
                           "burner") >= before + 0.3,
             timeout=PROM_DEADLINE, what="the burner's CPU read anew")
    daemon.supctl("stop", "burner", "family", check=0)
    wait_for(lambda: not pids_in_pgroup(leader), what="the family gone")
    metrics(daemon)
    assert not {leader, *children} & kept_stat_files(daemon.proc.pid)


def test_kept_descriptors_within_an_eighth_of_the_limit(daemon):
    """With 64 descriptors allowed, a scrape keeps at most 8 of them, and
    the group of a program with 20 children is summed whole all the
    same."""
    path = os.path.join(daemon.dir, "forker")
    daemon.write_config(textwrap.dedent("""
        [program:many]
        command = {f} -n 20 {p}
        startsecs = 0
        """).format(f=helper("forker"), p=path),
        supervisord_extra="minfds = 64")
    soft, hard = start_with_nofile(daemon, 64)
    try:
        daemon.wait_state("many", "RUNNING")
        leader, children = wait_forker(path)
        members = [leader] + children
        for _ in range(3):
            got = rss(daemon, "many")
            kept = kept_stat_files(daemon.proc.pid)
            assert 0 < len(kept) <= 8, kept
            want = rss_of(members)
            assert abs(got - want) <= want / 10, (got, want)
        assert daemon.request({"cmd": "version"})["ok"]
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
