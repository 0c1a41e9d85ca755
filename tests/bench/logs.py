"""The logs workloads: a program floods stdout, the clock stops when every
byte is in its log file; against a plain pipe into cat > file.  The
logs-events row does the same with stdout_events_enabled and a PROCESS_LOG
listener (bench_listener.py) that reads every event it gets: capture must
keep its speed (the pool drops what the listener cannot take)."""
import os
import shutil
import sys
import subprocess
import tempfile
import time

from benchlib import (GiB, Daemon, Goal, Workload, cpu_seconds, helper,
                      read_json_when_there, wait_for)


class LogsWorkload(Workload):
    """A program writes SIZE bytes to stdout as fast as it can; the clock
    stops when every byte is in the log file.  CPU is the supervisor's
    (the copier's, for the baseline), per GiB moved."""
    metrics = (("MB/s", "MB/s (10^6 bytes)", True),
               ("CPU s/GiB", "daemon CPU seconds per GiB", False))
    systems = ("ours", "supervisor", "baseline")
    goals = {"MB/s": Goal("base", 0.9, ">= 90% base"),
             "CPU s/GiB": Goal("max", 0.3, "<= 0.3")}
    note = ("logs: log_flood -r writes SIZE bytes to stdout; the clock runs "
            "from its first write until the\n  log files hold every byte; "
            "baseline: the same writer piped into cat > file; "
            "stdout_logfile_maxbytes=0\n  but for logs-rotate (50 MB, "
            "rotated at line boundaries).")

    def __init__(self, name, title, chunk, maxbytes=0, events=False):
        self.name = name
        self.title = title
        self.chunk = chunk
        self.maxbytes = maxbytes
        self.events = events

    def listener(self):
        """The [eventlistener:x] section of logs-events, or ""."""
        if not self.events:
            return ""
        here = os.path.dirname(os.path.abspath(__file__))
        return ("\n[eventlistener:listen]\ncommand = %s -S %s\n"
                "events = PROCESS_LOG\nbuffer_size = 10\n" % (
                    sys.executable, os.path.join(here, "bench_listener.py")))

    def flood_argv(self, ctx, go, stats):
        return [helper(ctx, "log_flood"), "-r", "-c", str(self.chunk),
                "-w", go, "-s", stats, str(ctx.size)]

    def run(self, system, ctx):
        work = tempfile.mkdtemp(prefix="bench-%s-" % self.name, dir=ctx.dir)
        try:
            if system == "baseline":
                return self.run_baseline(ctx, work)
            return self.run_daemon(system, ctx, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            os.sync()

    @staticmethod
    def logged(path):
        """Bytes in path and its rotated files path.1, path.2..."""
        n, i, p = 0, 0, path
        while True:
            try:
                n += os.stat(p).st_size
            except FileNotFoundError:
                if i > 0:
                    return n
            i += 1
            p = "%s.%d" % (path, i)

    def wait_size(self, path, ctx):
        wait_for(lambda: self.logged(path) >= ctx.size, ctx.timeout,
                 "%d bytes in %s" % (ctx.size, path))
        return time.monotonic()

    def figures(self, seconds, cpu, ctx):
        return {"MB/s": ctx.size / 1e6 / seconds,
                "CPU s/GiB": cpu / (ctx.size / GiB)}

    def run_daemon(self, system, ctx, work):
        go = os.path.join(work, "go")
        stats = os.path.join(work, "stats.json")
        log = os.path.join(work, "flood.log")
        d = Daemon(system, ctx, work)
        d.write_config({"flood": {
            "command": " ".join(self.flood_argv(ctx, go, stats)),
            "autostart": "true", "autorestart": "false", "startsecs": "0",
            "stdout_logfile": log,
            "stdout_logfile_maxbytes": str(self.maxbytes),
            "stdout_logfile_backups": str(ctx.size // max(self.maxbytes,
                                                          1) + 2),
            "stderr_logfile": os.path.join(work, "flood.err"),
            "stdout_events_enabled": "true" if self.events else "false",
        }}, extra=self.listener())
        try:
            d.start()
            d.child("log_flood")
            cpu0 = cpu_seconds(d.pid)
            with open(go, "w"):
                pass
            t1 = self.wait_size(log, ctx)
            cpu1 = cpu_seconds(d.pid)
            st = read_json_when_there(stats, ctx.timeout)
            size = self.logged(log)
            if size != ctx.size:
                raise RuntimeError("%s: %d bytes in the log, not %d"
                                   % (system, size, ctx.size))
        finally:
            d.stop()
        return self.figures(t1 - st["start"], cpu1 - cpu0, ctx)

    def run_baseline(self, ctx, work):
        """The same writer through a pipe into cat, writing the file."""
        go = os.path.join(work, "go")
        stats = os.path.join(work, "stats.json")
        log = os.path.join(work, "flood.log")
        writer = cat = None
        try:
            with open(log, "wb") as out:
                writer = subprocess.Popen(self.flood_argv(ctx, go, stats),
                                          stdout=subprocess.PIPE)
                cat = subprocess.Popen(["cat"], stdin=writer.stdout,
                                       stdout=out)
                writer.stdout.close()
            with open(go, "w"):
                pass
            t1 = self.wait_size(log, ctx)
            writer.wait()
            _, _, ru = os.wait4(cat.pid, 0)
            cat.returncode = 0
            st = read_json_when_there(stats, ctx.timeout)
        finally:
            for p in (writer, cat):
                if p is not None and p.returncode is None:
                    p.kill()
                    p.wait()
        return self.figures(t1 - st["start"], ru.ru_utime + ru.ru_stime, ctx)


def workloads(ctx):
    return [
        LogsWorkload("logs-64k", "%s to stdout in 64 KiB writes"
                     % ctx.size_text, 65536),
        LogsWorkload("logs-lines", "%s to stdout as 100-byte lines"
                     % ctx.size_text, 100),
        LogsWorkload("logs-rotate", "%s to stdout in 64 KiB writes, rotated "
                     "every 50 MB" % ctx.size_text, 65536, 50 * 1000 * 1000),
        LogsWorkload("logs-events", "%s to stdout in 64 KiB writes, with a "
                     "PROCESS_LOG listener" % ctx.size_text, 65536,
                     events=True),
    ]
