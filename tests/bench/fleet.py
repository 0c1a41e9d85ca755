"""The fleet workloads: N idle programs under one supervisor, for its
start-up time, its memory, the cost of a status call, and how often it
wakes up when nothing happens."""
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from benchlib import (CLK_TCK, DEVNULL_ACTIONS, Daemon, Goal, Records,
                      Workload, cpu_ticks, ctx_switches, helper,
                      kill_session, live_children, pss_bytes, wait_for)

# The programs' exec records must all be in within this (Python
# Supervisor needs seconds for 1000 programs on a loaded 2-core machine).
UP_TIMEOUT = 300
# After the last exec: past startsecs=1, so every program is RUNNING.
SETTLE = 2.0


class Fleet:
    """N copies of `exit_after -r REC -1 0` (record the exec, then pause
    for ever) under one supervisor, every other key at its default."""

    def __init__(self, system, ctx, n, prefix):
        self.n = n
        self.work = tempfile.mkdtemp(prefix="bench-%s-" % prefix,
                                     dir=ctx.dir)
        self.rec = Records(os.path.join(self.work, "exec.rec"))
        self.d = Daemon(system, ctx, self.work)
        cmd = "%s -r %s -- -1 0" % (helper(ctx, "exit_after"), self.rec.path)
        self.d.write_config({"p%04d" % i: {"command": cmd}
                             for i in range(n)})

    def up(self):
        """Launch the daemon; the seconds until the last of the N programs
        exec'd (their own clock), once /proc shows the N as live children
        of the daemon running exit_after."""
        t0 = time.time() * 1000
        self.d.launch()

        def all_in():
            self.d.check_programs()
            return len(self.rec.read()) >= self.n
        wait_for(all_in, UP_TIMEOUT, "%d programs to exec" % self.n,
                 step=0.001)
        recs = self.rec.read()
        pids = {p for p, _ in recs}
        if len(pids) != self.n or len(recs) != self.n:
            raise RuntimeError("%s: %d execs of %d programs, not %d" % (
                self.d.kind, len(recs), len(pids), self.n))
        seconds = (max(t for _, t in recs) - t0) / 1000
        live = live_children(self.d.pid, "exit_after", pids)
        if live != self.n:
            raise RuntimeError("%s: %d of the %d programs are live children"
                               % (self.d.kind, live, self.n))
        return seconds

    def settle(self):
        time.sleep(SETTLE)
        self.d.check_alive()

    def close(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.work, ignore_errors=True)


class StartWorkload(Workload):
    metrics = (("s", "seconds from launch until all N exec'd", False),)
    systems = ("ours", "supervisor", "baseline")
    note = ("start, memory, status, idle: N programs `exit_after -r FILE -1 "
            "0` (records its exec time, then\n  pauses), all keys at "
            "their defaults (startsecs=1, AUTO logs); start is timed from "
            "the daemon's\n  launch to the last program's own exec record, "
            "then /proc must show N live children running it;\n  "
            "baseline: tests/helpers/spawn_n forks and execs the N programs "
            "(stdio on /dev/null, no logs).")

    def __init__(self, n, goal):
        self.n = n
        self.name = "start-%d" % n
        self.title = "launch to %d programs running" % n
        self.goals = {"s": Goal("max", goal, "<= %g s" % goal)} if goal \
            else {}

    def run(self, system, ctx):
        if system == "baseline":
            return self.run_baseline(ctx)
        f = Fleet(system, ctx, self.n, self.name)
        try:
            return {"s": f.up()}
        finally:
            f.close()

    def run_baseline(self, ctx):
        """spawn_n forks and execs the N programs (its own session, so
        that kill_session() ends them all)."""
        work = tempfile.mkdtemp(prefix="bench-%s-" % self.name, dir=ctx.dir)
        rec = Records(os.path.join(work, "exec.rec"))
        argv = [helper(ctx, "spawn_n"), str(self.n), helper(ctx, "exit_after"),
                "-r", rec.path, "--", "-1", "0"]
        proc = None
        try:
            t0 = time.time() * 1000
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            rec.wait_count(self.n, UP_TIMEOUT, "%d programs" % self.n)
            return {"s": (max(t for _, t in rec.read()) - t0) / 1000}
        finally:
            if proc is not None:
                kill_session(proc.pid)
                proc.wait()
            shutil.rmtree(work, ignore_errors=True)


class MemoryWorkload(Workload):
    metrics = (("PSS MB", "daemon PSS, MB (10^6 bytes)", False),)

    def __init__(self, n, goal):
        self.n = n
        self.name = "memory-%d" % n
        self.title = "PSS with %d idle programs" % n
        self.goals = {"PSS MB": Goal("max", goal, "<= %g MB" % goal)} \
            if goal else {}

    def run(self, system, ctx):
        f = Fleet(system, ctx, self.n, self.name)
        try:
            f.up()
            f.settle()
            return {"PSS MB": pss_bytes(f.d.pid) / 1e6}
        finally:
            f.close()


def spawn_wait(argv):
    """Run argv with stdout and stderr on /dev/null; (seconds, status)."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=DEVNULL_ACTIONS)
    _, status = os.waitpid(pid, 0)
    return time.perf_counter() - t0, os.waitstatus_to_exitcode(status)


class StatusWorkload(Workload):
    metrics = (("ms", "wall time of one status call, median", False),)
    systems = ("ours", "supervisor", "baseline")
    note = ("status: `supctl -c FILE status` and `supervisorctl -c FILE "
            "status`, output to /dev/null, the median\n  of many calls; "
            "baseline: spawning /bin/true the same way (the floor of the "
            "measure).")

    def __init__(self, n, goal):
        self.n = n
        self.name = "status-%d" % n
        self.title = "a status call with %d programs" % n
        self.goals = {"ms": Goal("max", goal, "<= %g ms" % goal)} if goal \
            else {}

    def calls(self, argv, ctx, budget):
        """Median wall time of up to ctx.status_calls calls, fewer when
        they take longer than budget seconds in all."""
        times = []
        end = time.monotonic() + budget
        while len(times) < ctx.status_calls and (
                len(times) < 5 or time.monotonic() < end):
            t, code = spawn_wait(argv)
            if code not in (0, 3):
                raise RuntimeError("%s exited %d" % (argv[0], code))
            times.append(t)
        return statistics.median(times) * 1000

    def run(self, system, ctx):
        if system == "baseline":
            return {"ms": self.calls(["/bin/true"], ctx, 30)}
        f = Fleet(system, ctx, self.n, self.name)
        try:
            f.up()
            f.settle()
            argv = f.d.ctl_argv("status")
            # One call checked: it lists every program, each RUNNING.
            out = subprocess.run(argv, capture_output=True, text=True,
                                 timeout=120).stdout
            running = sum(1 for l in out.splitlines() if "RUNNING" in l)
            if running != self.n:
                raise RuntimeError("%s status lists %d RUNNING, not %d:\n%s"
                                   % (system, running, self.n, out[-1000:]))
            return {"ms": self.calls(argv, ctx, 30)}
        finally:
            f.close()


class IdleWorkload(Workload):
    metrics = (("wake-ups", "daemon context switches over the window",
                False),
               ("CPU ticks", "daemon utime+stime ticks over the window",
                False))
    goals = {"wake-ups": Goal("max", 0, "0")}

    def __init__(self, n, seconds):
        self.n = n
        self.seconds = seconds
        self.name = "idle-%d" % n
        self.title = "%g s with %d idle programs" % (seconds, n)
        self.note = ("idle: once the %d programs are RUNNING and %g s "
                     "passed, the daemon's voluntary +\n  involuntary "
                     "context switches (all threads) and CPU ticks "
                     "(1/%d s) over %g s, from /proc."
                     % (n, SETTLE, CLK_TCK, seconds))

    def run(self, system, ctx):
        f = Fleet(system, ctx, self.n, self.name)
        try:
            f.up()
            f.settle()
            sw0, t0 = ctx_switches(f.d.pid), cpu_ticks(f.d.pid)
            time.sleep(self.seconds)
            sw1, t1 = ctx_switches(f.d.pid), cpu_ticks(f.d.pid)
            f.d.check_alive()
            return {"wake-ups": sw1 - sw0, "CPU ticks": t1 - t0}
        finally:
            f.close()


def workloads(ctx):
    memory = {100: 2, 1000: 5}
    start = {100: 0.1, 1000: 0.6}
    status = {100: 2, 1000: 10}
    out = [MemoryWorkload(n, memory.get(n)) for n in ctx.fleet]
    out += [StartWorkload(n, start.get(n)) for n in ctx.fleet]
    out += [StatusWorkload(n, status.get(n)) for n in ctx.fleet]
    out.append(IdleWorkload(ctx.fleet[0], ctx.idle_secs))
    return out
