"""XML-RPC workloads: the unmodified supervisorctl's status against both
daemons, and the daemon's own time for getAllProcessInfo (issue 13)."""
import os
import subprocess
import sys
import xmlrpc.client

from benchlib import Goal, PYSUPERVISORCTL, Workload
from fleet import Fleet, StatusWorkload

sys.path.insert(0, "/usr/lib/python3/dist-packages")


class SupervisorctlStatus(StatusWorkload):
    """`supervisorctl -c FILE status` for both daemons: the same client,
    XML-RPC over the Unix socket."""
    systems = ("ours", "supervisor")
    note = ("supervisorctl status: the unmodified `supervisorctl -c FILE "
            "status` against each daemon,\n  output to /dev/null, the "
            "median of many calls.")

    def __init__(self, n, goal):
        super().__init__(n, goal)
        self.name = "supervisorctl-%d" % n
        self.title = "supervisorctl status with %d programs" % n

    def run(self, system, ctx):
        f = Fleet(system, ctx, self.n, self.name)
        try:
            f.up()
            f.settle()
            argv = [PYSUPERVISORCTL, "-c", f.d.conf, "status"]
            out = subprocess.run(argv, capture_output=True, text=True,
                                 timeout=120).stdout
            running = sum(1 for l in out.splitlines() if "RUNNING" in l)
            if running != self.n:
                raise RuntimeError("%s: supervisorctl lists %d RUNNING, not "
                                   "%d:\n%s" % (system, running, self.n,
                                                out[-1000:]))
            return {"ms": self.calls(argv, ctx, 60)}
        finally:
            f.close()


def cpu_ns(pid):
    """Time on a CPU of every thread of pid, in ns (schedstat)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            total += int(f.read().split()[0])
    return total


class GetAllProcessInfo(Workload):
    metrics = (("ms", "daemon CPU time of one getAllProcessInfo", False),)
    systems = ("ours", "supervisor")
    note = ("getAllProcessInfo: the daemon's CPU time (schedstat) over 20 "
            "calls on one connection,\n  divided by 20.")

    def __init__(self, n, goal):
        self.n = n
        self.name = "getallprocessinfo-%d" % n
        self.title = "getAllProcessInfo with %d programs" % n
        self.goals = {"ms": Goal("max", goal, "<= %g ms" % goal)} if goal \
            else {}

    def run(self, system, ctx):
        from supervisor.xmlrpc import SupervisorTransport
        f = Fleet(system, ctx, self.n, self.name)
        try:
            f.up()
            f.settle()
            t = SupervisorTransport(None, None, "unix://" + f.d.sock)
            p = xmlrpc.client.ServerProxy("http://localhost", transport=t)
            assert len(p.supervisor.getAllProcessInfo()) == self.n
            calls = 20
            before = cpu_ns(f.d.pid)
            for _ in range(calls):
                p.supervisor.getAllProcessInfo()
            used = cpu_ns(f.d.pid) - before
            t.close()
            return {"ms": used / calls / 1e6}
        finally:
            f.close()


def workloads(ctx):
    out = [SupervisorctlStatus(n, None) for n in ctx.fleet]
    out.append(GetAllProcessInfo(ctx.fleet[-1], 10 if ctx.fleet[-1] >= 1000
                                 else None))
    return out
