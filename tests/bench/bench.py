#!/usr/bin/python3
"""Side-by-side benchmark: our supervisord, Python Supervisor, a baseline.

Each workload is measured against every system it knows (our daemon,
Python Supervisor 4.2 run by hand with -n in a temporary folder, and a
baseline doing the same job without any supervisor); each figure is the
median of several runs.  The table shows the figures and the ratios, and
the same goes to a JSON file.

Adding a workload: subclass Workload (name, title, metrics, systems, and
run(system, ctx) returning {metric: value} for one run), and append an
instance to WORKLOADS.  Daemon() starts either supervisor on a config of
ours (both read the same supervisord.conf format).

    bench.py --build build [--quick | --size 256M] [--runs 3]
             [--only logs] [--json build/bench.json] [--dir DIR]
"""
import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

PYSUPERVISORD = "/usr/bin/supervisord"
PYTHON = "/usr/bin/python3"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MiB = 1 << 20
GiB = 1 << 30


def parse_size(text):
    """'1G', '256M', '64k' or a plain byte count."""
    units = {"k": 1 << 10, "m": MiB, "g": GiB}
    t = text.strip().lower().rstrip("ib").rstrip("i")
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    return int(t)


def cpu_seconds(pid):
    """utime + stime of a live process, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(pid):
    """(pid, argv) of the live children of pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != pid or fields[0] == "Z":
                continue
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except (OSError, IndexError):
            continue
        out.append((int(d), [a.decode(errors="replace") for a in argv if a]))
    return out


def wait_for(cond, timeout, what):
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(0.002)


def read_stats(path, ctx):
    """log_flood's stats, written once its last write returned."""
    def load():
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
    return wait_for(load, ctx.timeout, "the writer's stats")


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model,
            "kernel": platform.release(), "python": platform.python_version()}


class Daemon:
    """One supervisor (ours or Python's) in a private folder, run with -n."""

    def __init__(self, kind, ctx, workdir):
        self.kind = kind
        self.ctx = ctx
        self.dir = workdir
        self.conf = os.path.join(workdir, "supervisord.conf")
        self.pidfile = os.path.join(workdir, "supervisord.pid")
        self.proc = None

    def write_config(self, programs):
        """programs: {name: {key: value}} sections [program:name]."""
        text = textwrap.dedent("""\
            [supervisord]
            logfile = {d}/supervisord.log
            pidfile = {d}/supervisord.pid
            childlogdir = {d}
            loglevel = info
            nodaemon = true

            [unix_http_server]
            file = {d}/supervisord.sock

            [rpcinterface:supervisor]
            supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

            [supervisorctl]
            serverurl = unix://{d}/supervisord.sock
            """).format(d=self.dir)
        for name, keys in programs.items():
            text += "\n[program:%s]\n" % name
            for k, v in keys.items():
                text += "%s = %s\n" % (k, v)
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        if self.kind == "ours":
            argv = [os.path.join(self.ctx.build, "supervisord"), "-n",
                    "-c", self.conf]
        else:
            argv = [PYSUPERVISORD, "-n", "-c", self.conf]
        self.out = open(os.path.join(self.dir, "daemon.out"), "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.out,
                                     cwd=self.dir)
        wait_for(lambda: os.path.exists(self.pidfile) or
                 self.proc.poll() is not None, 30, "the pidfile")
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited at start-up: %s" % (
                self.kind, open(self.out.name, errors="replace").read()))
        return self

    @property
    def pid(self):
        return self.proc.pid

    def child(self, needle, timeout=30):
        """The pid of the daemon's child whose argv[0] ends with needle."""
        def find():
            for pid, argv in children(self.pid):
                if argv and argv[0].endswith(needle):
                    return pid
            return None
        return wait_for(find, timeout, "%s to run %s" % (self.kind, needle))

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()


class Workload:
    """One thing measured: run() does one run on one system."""
    name = ""
    title = ""
    # (metric, unit text, True when higher is better)
    metrics = ()
    systems = ("ours", "supervisor", "baseline")

    def run(self, system, ctx):
        raise NotImplementedError


class LogsWorkload(Workload):
    """A program writes SIZE bytes to stdout as fast as it can; the clock
    stops when every byte is in the log file.  CPU is the supervisor's
    (the copier's, for the baseline), per GiB moved."""
    metrics = (("MB/s", "MB/s (10^6 bytes)", True),
               ("CPU s/GiB", "daemon CPU seconds per GiB", False))

    def __init__(self, name, title, chunk):
        self.name = name
        self.title = title
        self.chunk = chunk

    def flood_argv(self, ctx, go, stats):
        return [os.path.join(ctx.build, "helpers", "log_flood"), "-r",
                "-c", str(self.chunk), "-w", go, "-s", stats,
                str(ctx.size)]

    def run(self, system, ctx):
        work = tempfile.mkdtemp(prefix="bench-%s-" % self.name, dir=ctx.dir)
        try:
            if system == "baseline":
                return self.run_baseline(ctx, work)
            return self.run_daemon(system, ctx, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            os.sync()

    def wait_size(self, path, ctx):
        def landed():
            try:
                return os.stat(path).st_size >= ctx.size
            except FileNotFoundError:
                return False
        wait_for(landed, ctx.timeout, "%d bytes in %s" % (ctx.size, path))
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
            "stdout_logfile": log, "stdout_logfile_maxbytes": "0",
            "stderr_logfile": os.path.join(work, "flood.err"),
        }})
        d.start()
        try:
            d.child("log_flood")
            cpu0 = cpu_seconds(d.pid)
            with open(go, "w"):
                pass
            t1 = self.wait_size(log, ctx)
            cpu1 = cpu_seconds(d.pid)
            st = read_stats(stats, ctx)
            size = os.stat(log).st_size
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
        with open(log, "wb") as out:
            writer = subprocess.Popen(self.flood_argv(ctx, go, stats),
                                      stdout=subprocess.PIPE)
            cat = subprocess.Popen(["cat"], stdin=writer.stdout, stdout=out)
            writer.stdout.close()
        with open(go, "w"):
            pass
        t1 = self.wait_size(log, ctx)
        writer.wait()
        _, status, ru = os.wait4(cat.pid, 0)
        cat.returncode = 0
        st = read_stats(stats, ctx)
        return self.figures(t1 - st["start"], ru.ru_utime + ru.ru_stime, ctx)


WORKLOADS = [
    LogsWorkload("logs-64k", "1 GiB to stdout in 64 KiB writes", 65536),
    LogsWorkload("logs-lines", "1 GiB to stdout as 100-byte lines", 100),
]


class Context:
    def __init__(self, args):
        self.build = os.path.abspath(args.build)
        self.size = parse_size(args.size) if args.size else (
            64 * MiB if args.quick else GiB)
        self.runs = args.runs or (1 if args.quick else 3)
        self.dir = args.dir or tempfile.gettempdir()
        # 1 GiB under Python Supervisor takes a while on a small machine.
        self.timeout = max(120.0, self.size / (5 * MiB))


def fmt(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.3g" % v


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--quick", action="store_true",
                    help="64 MiB and one run per figure")
    ap.add_argument("--size", help="bytes per logs run (e.g. 256M, 1G)")
    ap.add_argument("--runs", type=int, help="runs per figure (median)")
    ap.add_argument("--only", action="append",
                    help="workloads whose name starts with this")
    ap.add_argument("--no-supervisor", action="store_true",
                    help="skip Python Supervisor")
    ap.add_argument("--json", help="where the JSON goes "
                    "(default BUILD/bench.json)")
    ap.add_argument("--dir", help="folder for the runs' files (default "
                    "the system's temporary folder)")
    args = ap.parse_args()
    ctx = Context(args)

    for prog in ("supervisord", "helpers/log_flood"):
        if not os.access(os.path.join(ctx.build, prog), os.X_OK):
            sys.exit("bench: %s/%s is missing: run make all helpers"
                     % (ctx.build, prog))
    have_py = os.access(PYSUPERVISORD, os.X_OK) and not args.no_supervisor
    if not have_py and not args.no_supervisor:
        print("bench: %s is absent (apt-get install supervisor): "
              "skipping Python Supervisor" % PYSUPERVISORD)

    m = machine()
    print("machine: %d cores, %s, Linux %s; %s per logs run, median of %d"
          % (m["cores"], m["cpu"] or "unknown CPU", m["kernel"],
             "%.0f MiB" % (ctx.size / MiB), ctx.runs))
    results = {"machine": m, "size": ctx.size, "runs": ctx.runs,
               "workloads": []}
    for w in WORKLOADS:
        if args.only and not any(w.name.startswith(o) for o in args.only):
            continue
        entry = {"name": w.name, "title": w.title, "figures": {}}
        systems = [x for x in w.systems if x != "supervisor" or have_py]
        # A first run warms the machine (page cache, a VM's first touch
        # of memory); then the systems take turns, so that whatever
        # changes on the machine during the runs is shared fairly.
        try:
            w.run(systems[-1], ctx)
        except Exception as e:
            print("bench: %s warm-up failed: %s" % (w.name, e))
        runs = {x: [] for x in systems}
        failed = set()
        for i in range(ctx.runs):
            for system in systems:
                if system in failed:
                    continue
                try:
                    r = w.run(system, ctx)
                except Exception as e:          # a figure, not a crash
                    print("bench: %s on %s failed: %s" % (w.name, system, e))
                    failed.add(system)
                    continue
                runs[system].append(r)
                print("  %s %s run %d: %s" % (w.name, system, i + 1,
                      ", ".join("%s %s" % (fmt(v), k)
                                for k, v in r.items())), flush=True)
        for system, rs in runs.items():
            if rs:
                entry["figures"][system] = {
                    k: statistics.median(r[k] for r in rs) for k in rs[0]}
                entry["figures"][system]["runs"] = rs
        results["workloads"].append(entry)

    print()
    head = "%-12s %-10s %10s %11s %10s %10s %10s" % (
        "workload", "metric", "ours", "supervisor", "baseline",
        "ours/base", "vs superv")
    print(head)
    print("-" * len(head))
    for w, entry in zip([w for w in WORKLOADS if not args.only or any(
            w.name.startswith(o) for o in args.only)],
            results["workloads"]):
        f = entry["figures"]
        entry["ratios"] = {}
        for metric, _, higher in w.metrics:
            ours = f.get("ours", {}).get(metric)
            py = f.get("supervisor", {}).get(metric)
            base = f.get("baseline", {}).get(metric)
            vs_base = ratio(ours, base)
            # "times better than Supervisor", whichever way is better
            vs_py = ratio(ours, py) if higher else ratio(py, ours)
            entry["ratios"][metric] = {"ours/baseline": vs_base,
                                       "better than supervisor": vs_py}
            print("%-12s %-10s %10s %11s %10s %10s %10s" % (
                entry["name"], metric, fmt(ours), fmt(py), fmt(base),
                fmt(vs_base), (fmt(vs_py) + "x") if vs_py else "-"))
    print("\nours/base: our figure over the baseline's (a plain pipe into "
          "cat > file);\nvs superv: how many times better than Python "
          "Supervisor (throughput over, or CPU under).")
    path = args.json or os.path.join(ctx.build, "bench.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    print("wrote %s" % path)


if __name__ == "__main__":
    main()
