"""The lifecycle workloads: how fast a killed program comes back, how a
crash loop is paced and what it costs, and how long a stop takes."""
import os
import select
import shutil
import signal
import tempfile
import time

from benchlib import (Daemon, Goal, Records, Workload, cmdline, cpu_seconds,
                      helper, live_children, percentile, reap_all,
                      spawn_plain, stat_fields, wait_for)


def child_of(pid, parent, needle):
    """Whether pid is a live child of parent running needle (from /proc)."""
    try:
        fields = stat_fields(pid)
    except OSError:
        return False
    argv = cmdline(pid)
    return (fields[0] != "Z" and int(fields[1]) == parent and
            bool(argv) and argv[0].endswith(needle))


class RespawnWorkload(Workload):
    metrics = (("p50 ms", "kill to successor's exec, median", False),
               ("p99 ms", "kill to successor's exec, 99th percentile",
                False))
    systems = ("ours", "supervisor", "baseline")
    goals = {"p50 ms": Goal("max", 1, "<= 1 ms"),
             "p99 ms": Goal("max", 3, "<= 3 ms")}

    def __init__(self, kills):
        self.kills = kills
        self.name = "respawn"
        self.title = "SIGKILL %d times, until the successor exec'd" % kills
        self.note = (
            "respawn: `exit_after -r FILE -1 0` with startsecs=0 "
            "autorestart=true, SIGKILLed %d times\n  (50 ms apart); the "
            "delay runs from just before kill(2) to the successor's own "
            "exec record\n  (CLOCK_REALTIME), which /proc must show as "
            "the daemon's child; p99 is nearest-rank (the\n  worst of %d). "
            "Both restart a RUNNING program that exits at once, without "
            "backoff:\n  Supervisor spawns it on its next loop pass, after "
            "its 1 s poll() timeout; ours spawns it\n  from the SIGCHLD "
            "watcher.  Ours also gets backoff_reset=0, which turns off "
            "its own delay\n  for programs that keep exiting soon after "
            "a start (default: growing from the 2nd exit\n  within 60 s), "
            "which Supervisor does not have.  Baseline: the bench kills, "
            "reaps (waitpid)\n  and posix_spawn()s the successor itself, "
            "the floor of any supervisor." % (kills, kills))

    def run_baseline(self, ctx):
        work = tempfile.mkdtemp(prefix="bench-respawn-", dir=ctx.dir)
        rec = Records(os.path.join(work, "exec.rec"))
        argv = [helper(ctx, "exit_after"), "-r", rec.path, "--", "-1", "0"]
        delays, pids = [], []
        try:
            pids.append(spawn_plain(argv))
            rec.wait_count(1, 60, "the first exec")
            for i in range(self.kills):
                n = len(rec.read())
                time.sleep(0.05)
                t_kill = time.time() * 1000
                os.kill(pids[-1], signal.SIGKILL)
                os.waitpid(pids.pop(), 0)
                pids.append(spawn_plain(argv))
                wait_for(lambda: len(rec.read()) > n, 30, "a successor",
                         step=0.0005)
                delays.append(rec.lines[n][1] - t_kill)
        finally:
            reap_all(pids)
            shutil.rmtree(work, ignore_errors=True)
        return {"p50 ms": percentile(delays, 50),
                "p99 ms": percentile(delays, 99)}

    def run(self, system, ctx):
        if system == "baseline":
            return self.run_baseline(ctx)
        work = tempfile.mkdtemp(prefix="bench-respawn-", dir=ctx.dir)
        rec = Records(os.path.join(work, "exec.rec"))
        d = Daemon(system, ctx, work)
        keys = {"command": "%s -r %s -- -1 0" % (helper(ctx, "exit_after"),
                                              rec.path),
                "startsecs": "0", "autorestart": "true",
                "startretries": "1000"}
        if system == "ours":
            keys["backoff_reset"] = "0"
        d.write_config({"victim": keys})
        delays = []
        try:
            d.start()
            rec.wait_count(1, 60, "the first exec")
            for i in range(self.kills):
                n = len(rec.read())
                pid = rec.lines[-1][0]
                if not child_of(pid, d.pid, "exit_after"):
                    raise RuntimeError("%s: pid %d is not the daemon's live "
                                       "exit_after" % (system, pid))
                time.sleep(0.05)
                t_kill = time.time() * 1000
                os.kill(pid, signal.SIGKILL)

                def successor():
                    d.check_programs()
                    return len(rec.read()) > n
                wait_for(successor, 30, "a successor", step=0.0005)
                npid, t_exec = rec.lines[n]
                delays.append(t_exec - t_kill)
                if npid == pid:
                    raise RuntimeError("the successor has the same pid")
        finally:
            d.stop()
            shutil.rmtree(work, ignore_errors=True)
        return {"p50 ms": percentile(delays, 50),
                "p99 ms": percentile(delays, 99)}


def backoff_schedule(seconds):
    """Start times of a program that fails every start, under linear
    backoff 1 s, 2 s, 3 s...: 0, 1, 3, 6, 10... while below seconds."""
    t, k, out = 0, 0, []
    while t < seconds:
        out.append(t)
        k += 1
        t += k
    return out


class CrashLoopWorkload(Workload):
    metrics = (("CPU %", "daemon CPU over the window", False),
               ("starts", "execs within the window", False),
               ("off ms", "worst gap between two starts off its backoff",
                False))

    def __init__(self, seconds):
        self.seconds = seconds
        self.expected = len(backoff_schedule(seconds))
        self.name = "crashloop"
        self.title = "exit 1 at once, for %g s" % seconds
        self.goals = {"CPU %": Goal("max", 2, "< 2 %"),
                      "starts": Goal("eq", self.expected,
                                     "= %d" % self.expected),
                      "off ms": Goal("max", 100, "<= 100 ms")}
        self.note = (
            "crashloop: `exit_after -r FILE 0 1` (exits 1 at once) with "
            "autorestart=true startretries=1000,\n  startsecs=1 (each exit "
            "is a failed start): both back off 1 s, 2 s, 3 s... so %d "
            "starts fit\n  in %g s (at 0, %s s); off ms: the worst "
            "|interval between two starts minus\n  its backoff|; CPU: the "
            "daemon's own utime+stime from the first exec over %g s."
            % (self.expected, seconds,
               ", ".join(str(t) for t in backoff_schedule(seconds)[1:]),
               seconds))

    def run(self, system, ctx):
        work = tempfile.mkdtemp(prefix="bench-crash-", dir=ctx.dir)
        rec = Records(os.path.join(work, "exec.rec"))
        d = Daemon(system, ctx, work)
        d.write_config({"crash": {
            "command": "%s -r %s 0 1" % (helper(ctx, "exit_after"),
                                         rec.path),
            "autorestart": "true", "startretries": "1000",
            "startsecs": "1"}})
        try:
            d.start()
            rec.wait_count(1, 60, "the first exec")
            cpu0 = cpu_seconds(d.pid)
            first = rec.lines[0][1]
            # Until the window's end by the programs' own clock.
            time.sleep(max(0, first / 1000 + self.seconds - time.time()))
            cpu1 = cpu_seconds(d.pid)
            d.check_alive()
            times = [t for _, t in rec.read() if t - first <
                     self.seconds * 1000]
        finally:
            d.stop()
            shutil.rmtree(work, ignore_errors=True)
        off = max([abs((times[k] - times[k - 1]) - k * 1000)
                   for k in range(1, len(times))] or [0])
        return {"CPU %": 100 * (cpu1 - cpu0) / self.seconds,
                "starts": len(times), "off ms": off}


class StopWorkload(Workload):
    metrics = (("gone s", "stop request to the last program's exit",
                False),
               ("reply s", "stop request to the daemon's reply", False))
    goals = {"gone s": Goal("max", 1.05, "<= 1.05 s")}

    def __init__(self, n, ignore):
        self.n = n
        self.ignore = ignore
        self.name = "stop-kill" if ignore else "stop-term"
        self.title = "stop %d programs that %s SIGTERM" % (
            n, "ignore" if ignore else "exit on")
        if ignore:
            self.note = (
                "stop-term, stop-kill: %d programs (exit_after, which "
                "dies of SIGTERM; ignore_term, which\n  only records it) "
                "with startsecs=0 stopwaitsecs=1, RUNNING for 1.5 s; one "
                "stop-all request sent\n  by hand on the socket (JSON for "
                "ours, XML-RPC stopAllProcesses for Supervisor); gone:\n"
                "  until every pidfd of the %d polled readable (exited); "
                "goal: the escalation deadline\n  (1 s) + 50 ms."
                % (n, n))

    def run(self, system, ctx):
        work = tempfile.mkdtemp(prefix="bench-%s-" % self.name, dir=ctx.dir)
        rec_path = os.path.join(work, "rec")
        d = Daemon(system, ctx, work)
        if self.ignore:
            cmd, needle = "%s %s" % (helper(ctx, "ignore_term"),
                                     rec_path), "ignore_term"
        else:
            cmd, needle = "%s -r %s -- -1 0" % (helper(ctx, "exit_after"),
                                             rec_path), "exit_after"
        d.write_config({"p%03d" % i: {"command": cmd, "startsecs": "0",
                                      "stopwaitsecs": "1"}
                        for i in range(self.n)})
        fds = []
        s = None
        try:
            d.start()

            def pids():
                d.check_programs()
                try:
                    with open(rec_path) as f:
                        got = [int(l.split()[1] if self.ignore else
                                   l.split()[0])
                               for l in f.read().splitlines()
                               if not self.ignore or l.startswith("pid ")]
                except FileNotFoundError:
                    return None
                return got if len(got) >= self.n else None
            got = set(wait_for(pids, 120, "%d programs" % self.n))
            time.sleep(1.5)
            if live_children(d.pid, needle, got) != self.n:
                raise RuntimeError("%s: not all %d programs run"
                                   % (system, self.n))
            fds = [os.pidfd_open(p) for p in got]
            poll = select.poll()
            for fd in fds:
                poll.register(fd, select.POLLIN)
            s = d.connect()
            left = len(fds)
            t0 = time.monotonic()
            s.sendall(d.stop_all_request())
            while left:
                ev = poll.poll(30000)
                if not ev:
                    raise RuntimeError("%s: %d programs still up after 30 "
                                       "s" % (system, left))
                for fd, _ in ev:
                    poll.unregister(fd)
                    left -= 1
            t_gone = time.monotonic()
            reply = d.read_reply(s, 60)
            t_reply = time.monotonic()
            if not reply:
                raise RuntimeError("%s: no reply to the stop" % system)
            if self.ignore:
                with open(rec_path) as f:
                    terms = f.read().count("TERM ")
                if terms != self.n:
                    raise RuntimeError("%s: %d programs got SIGTERM, not %d"
                                       % (system, terms, self.n))
        finally:
            for fd in fds:
                os.close(fd)
            if s is not None:
                s.close()
            d.stop()
            shutil.rmtree(work, ignore_errors=True)
        return {"gone s": t_gone - t0, "reply s": t_reply - t0}


def workloads(ctx):
    return [RespawnWorkload(ctx.kills),
            CrashLoopWorkload(ctx.crash_secs),
            StopWorkload(ctx.stop_n, False),
            StopWorkload(ctx.stop_n, True)]
