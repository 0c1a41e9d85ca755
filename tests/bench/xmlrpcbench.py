"""XML-RPC workloads (issue 13): the unmodified supervisorctl's status
against both daemons with 100 and 1000 programs, and, with 1000, the
daemon's own time for getAllProcessInfo and its PSS once XML-RPC has
served.  Python Supervisor is the copy under BUILD/pysupervisor
(benchlib.use_pysupervisor), its supervisorctl the client of both."""
import os
import subprocess
import sys
import xmlrpc.client

import benchlib
import replay
from benchlib import Goal, Workload, pss_bytes
from fleet import Fleet, StatusWorkload


def supervisor_transport(sock):
    """Supervisor's own XML-RPC transport over the Unix socket, imported
    from the copy."""
    if benchlib.PYSUPERVISOR_SITE not in sys.path:
        sys.path.insert(0, benchlib.PYSUPERVISOR_SITE)
    from supervisor.xmlrpc import SupervisorTransport
    return SupervisorTransport(None, None, "unix://" + sock)


class SupervisorctlStatus(StatusWorkload):
    """`supervisorctl -c FILE status` for both daemons: the same client,
    XML-RPC over the Unix socket."""
    systems = ("ours", "supervisor", "baseline")
    note = ("supervisorctl status: the unmodified `supervisorctl -c FILE "
            "status` (BUILD/pysupervisor)\n  against each daemon, output "
            "to /dev/null, the median of many calls; baseline: against\n"
            "  a server replaying our daemon's recorded answers at once "
            "(replay.py): the client's own\n  time, so superv/baseline "
            "is the most any daemon could be faster than Supervisor.")
    # supervisorctl status calls these two.
    methods = (b"supervisor.getVersion", b"supervisor.getAllProcessInfo")

    def __init__(self, n, times_faster):
        super().__init__(n, None)
        self.name = "supervisorctl-%d" % n
        self.title = "supervisorctl status with %d programs" % n
        self.goals = {"ms": Goal("vs", times_faster, ">= %gx superv"
                                 % times_faster)} if times_faster else {}

    def checked_calls(self, system, argv, ctx):
        out = subprocess.run(argv, capture_output=True, text=True,
                             timeout=120).stdout
        running = sum(1 for l in out.splitlines() if "RUNNING" in l)
        if running != self.n:
            raise RuntimeError("%s: supervisorctl lists %d RUNNING, not "
                               "%d:\n%s" % (system, running, self.n,
                                            out[-1000:]))
        return {"ms": self.calls(argv, ctx, 60)}

    def run(self, system, ctx):
        if benchlib.PYSUPERVISORCTL is None:
            raise RuntimeError("no supervisorctl: make pysupervisor")
        f = Fleet("ours" if system == "baseline" else system, ctx, self.n,
                  self.name)
        server = None
        try:
            f.up()
            f.settle()
            argv = [benchlib.PYSUPERVISORCTL, "-c", f.d.conf, "status"]
            if system != "baseline":
                return self.checked_calls(system, argv, ctx)
            answers = replay.record(f.d.sock, self.methods)
            f.d.stop()
            server = replay.Replay(f.d.sock, answers)
            return self.checked_calls(system, argv, ctx)
        finally:
            if server is not None:
                server.close()
            f.close()


def cpu_ns(pid):
    """Time on a CPU of every thread of pid, in ns (schedstat)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            total += int(f.read().split()[0])
    return total


class GetAllProcessInfo(Workload):
    metrics = (("ms", "daemon CPU time of one getAllProcessInfo", False),
               ("PSS MB", "daemon PSS after the calls, MB (10^6 bytes)",
                False))
    systems = ("ours", "supervisor")
    note = ("getAllProcessInfo: the daemon's CPU time (schedstat) over 20 "
            "calls on one connection,\n  divided by 20; PSS: the daemon's "
            "once they are answered.")

    def __init__(self, n, ms, pss_mb):
        self.n = n
        self.name = "getallprocessinfo-%d" % n
        self.title = "getAllProcessInfo with %d programs" % n
        self.goals = {}
        if ms:
            self.goals["ms"] = Goal("max", ms, "<= %g ms" % ms)
        if pss_mb:
            self.goals["PSS MB"] = Goal("max", pss_mb, "<= %g MB" % pss_mb)

    def run(self, system, ctx):
        if benchlib.PYSUPERVISOR_SITE is None:
            raise RuntimeError("no Supervisor transport: make pysupervisor")
        f = Fleet(system, ctx, self.n, self.name)
        try:
            f.up()
            f.settle()
            t = supervisor_transport(f.d.sock)
            p = xmlrpc.client.ServerProxy("http://localhost", transport=t)
            assert len(p.supervisor.getAllProcessInfo()) == self.n
            calls = 20
            before = cpu_ns(f.d.pid)
            for _ in range(calls):
                p.supervisor.getAllProcessInfo()
            used = cpu_ns(f.d.pid) - before
            t.close()
            return {"ms": used / calls / 1e6,
                    "PSS MB": pss_bytes(f.d.pid) / 1e6}
        finally:
            f.close()


def workloads(ctx):
    big = ctx.fleet[-1]
    out = [SupervisorctlStatus(n, 10 if n >= 1000 else None)
           for n in ctx.fleet]
    out.append(GetAllProcessInfo(big, 10 if big >= 1000 else None,
                                 5 if big >= 1000 else None))
    return out
