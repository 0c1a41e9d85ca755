#!/usr/bin/python3
"""Side-by-side benchmark: our supervisord, Python Supervisor, a baseline.

Each workload of issue 7 is measured on every system it knows (our
daemon, Python Supervisor 4.2 run by hand with -n in a temporary folder
from the copy `make pysupervisor` unpacks under BUILD/pysupervisor,
and for some a baseline doing the same job without a supervisor); each
figure is the median of several runs.  The table shows the figures, the
ratios, the goal and whether it is met; the same goes to a JSON file.

Workloads live in one module per family (fleet.py: memory, start, status,
idle; lifecycle.py: respawn, crash loop, stop; logs.py; xmlrpcbench.py:
supervisorctl status, getAllProcessInfo; metricsbench.py: GET
/metrics); benchlib.py has
what they share.  Adding one: subclass benchlib.Workload and return an
instance from the module's workloads(ctx).

    bench.py --build build [--quick] [--runs 3] [--only memory ...]
             [--size 256M] [--no-supervisor] [--json FILE] [--dir DIR]
"""
import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fleet                                            # noqa: E402
import lifecycle                                        # noqa: E402
import logs                                             # noqa: E402
import metricsbench                                     # noqa: E402
import xmlrpcbench                                      # noqa: E402
import benchlib                                         # noqa: E402
from benchlib import MiB, loadavg, machine, parse_size  # noqa: E402


class Context:
    """What the runs are given: sizes, counts and durations, full or quick."""

    def __init__(self, args):
        q = args.quick
        self.build = os.path.abspath(args.build)
        self.quick = q
        self.size = parse_size(args.size) if args.size else (
            64 * MiB if q else 1 << 30)
        self.size_text = ("%g GiB" % (self.size / (1 << 30))
                          if self.size >= 1 << 30 else
                          "%g MiB" % (self.size / MiB))
        self.runs = args.runs or (1 if q else 3)
        self.dir = args.dir or tempfile.gettempdir()
        # 1 GiB under Python Supervisor takes a while on a small machine.
        self.timeout = max(120.0, self.size / (5 * MiB))
        self.fleet = (20,) if q else (100, 1000)
        self.kills = 10 if q else 50
        self.idle_secs = 3 if q else 10
        self.crash_secs = 8 if q else 20
        self.stop_n = 20 if q else 100
        self.status_calls = 10 if q else 50


def ensure_supervisor(args, ctx):
    """Whether Python Supervisor can run: the copy `make pysupervisor`
    unpacks under the build folder (nothing installed on the system)."""
    # Its supervisorctl and XML-RPC transport are the client of ours too.
    found = benchlib.use_pysupervisor(ctx.build)
    if args.no_supervisor:
        return False
    if found:
        return True
    print("bench: no Python Supervisor under %s/pysupervisor: run make "
          "pysupervisor" % ctx.build, flush=True)
    return False


def fmt(v):
    if v is None:
        return "-"
    if v == float("inf"):
        return "inf"
    if isinstance(v, int) or v == int(v) and abs(v) >= 10:
        return "%d" % v
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.3g" % v


def ratio(a, b):
    if a is None or b is None:
        return None
    if b == 0:
        return float("inf") if a > 0 else None
    return a / b


def median(values):
    m = statistics.median(values)
    return int(m) if all(isinstance(v, int) for v in values) and \
        m == int(m) else m


def measure(w, systems, ctx):
    """Every run of w, the systems taking turns so that whatever changes
    on the machine meanwhile is shared fairly; {system: [figures]}."""
    if getattr(w, "warmup", None) in systems:
        try:
            w.run(w.warmup, ctx)
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
            except Exception as e:              # a figure, not a crash
                print("bench: %s on %s failed: %s" % (w.name, system, e))
                failed.add(system)
                continue
            runs[system].append(r)
            print("  %s %s run %d: %s" % (w.name, system, i + 1,
                  ", ".join("%s %s" % (fmt(v), k) for k, v in r.items())),
                  flush=True)
    return runs


def tabulate(done, results):
    head = "%-11s %-9s %9s %10s %9s %9s %9s %10s  %s" % (
        "workload", "metric", "ours", "superv", "baseline", "ours/base",
        "vs superv", "goal", "verdict")
    lines = [head, "-" * (len(head) + 12)]
    for w, entry in done:
        f = entry["figures"]
        entry["ratios"] = {}
        entry["goals"] = {}
        for metric, _, higher in w.metrics:
            ours = f.get("ours", {}).get(metric)
            py = f.get("supervisor", {}).get(metric)
            base = f.get("baseline", {}).get(metric)
            vs_base = ratio(ours, base)
            # "times better than Supervisor", whichever way is better
            vs_py = ratio(ours, py) if higher else ratio(py, ours)
            entry["ratios"][metric] = {"ours/baseline": vs_base,
                                       "better than supervisor": vs_py}
            goal = w.goals.get(metric)
            verdict = goal.verdict(ours, base, py) if goal else None
            if goal:
                entry["goals"][metric] = {
                    "goal": goal.text, "verdict": verdict and verdict[0],
                    "off": verdict and verdict[1]}
            lines.append("%-11s %-9s %9s %10s %9s %9s %9s %10s  %s" % (
                entry["name"], metric, fmt(ours), fmt(py), fmt(base),
                fmt(vs_base),
                (fmt(vs_py) + "x") if vs_py is not None else "-",
                goal.text if goal else "",
                (" ".join(x for x in verdict if x) if verdict else "")))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--quick", action="store_true",
                    help="smaller N, shorter windows, 64 MiB of logs, "
                    "one run per figure")
    ap.add_argument("--size", help="bytes per logs run (e.g. 256M, 1G)")
    ap.add_argument("--runs", type=int, help="runs per figure (median)")
    ap.add_argument("--only", action="append",
                    help="workloads whose name starts with this "
                    "(repeatable): memory, start, status, respawn, idle, "
                    "crashloop, stop, logs")
    ap.add_argument("--no-supervisor", action="store_true",
                    help="skip Python Supervisor")
    ap.add_argument("--json", help="where the JSON goes "
                    "(default BUILD/bench.json)")
    ap.add_argument("--dir", help="folder for the runs' files (default "
                    "the system's temporary folder)")
    args = ap.parse_args()
    ctx = Context(args)
    # A SIGTERM ends the runs through their finally: clauses, which stop
    # every daemon and program they started.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(
        "bench: terminated"))

    for prog in ("supervisord", "supctl", "helpers/log_flood",
                 "helpers/exit_after", "helpers/ignore_term",
                 "helpers/spawn_n"):
        if not os.access(os.path.join(ctx.build, prog), os.X_OK):
            sys.exit("bench: %s/%s is missing: run make all helpers"
                     % (ctx.build, prog))
    have_py = ensure_supervisor(args, ctx)
    if not have_py and not args.no_supervisor:
        print("bench: Python Supervisor is absent: only our figures")

    m = machine()
    m["load_before"] = loadavg()
    print("machine: %d cores (nproc), %s, Linux %s; load average %s"
          % (m["cores"], m["cpu"] or "unknown CPU", m["kernel"],
             " ".join("%.2f" % x for x in m["load_before"])))
    print("each figure: the median of %d run%s%s" % (
        ctx.runs, "s" if ctx.runs > 1 else "",
        " (--quick: smaller N and windows)" if ctx.quick else ""),
        flush=True)
    all_w = fleet.workloads(ctx) + lifecycle.workloads(ctx) + \
        logs.workloads(ctx) + xmlrpcbench.workloads(ctx) + \
        metricsbench.workloads(ctx)
    for w in all_w:
        if w.name.startswith("logs"):
            w.warmup = "baseline"
    chosen = [w for w in all_w if not args.only or
              any(w.name.startswith(o) for o in args.only)]
    if not chosen:
        sys.exit("bench: no workload starts with %s" % ", ".join(args.only))
    results = {"machine": m, "quick": ctx.quick, "runs": ctx.runs,
               "size": ctx.size, "workloads": []}
    done = []
    started = time.monotonic()
    for w in chosen:
        systems = [x for x in w.systems if x != "supervisor" or have_py]
        print("%s: %s" % (w.name, w.title), flush=True)
        runs = measure(w, systems, ctx)
        entry = {"name": w.name, "title": w.title, "figures": {}}
        for system, rs in runs.items():
            if rs:
                entry["figures"][system] = {
                    k: median([r[k] for r in rs]) for k in rs[0]}
                entry["figures"][system]["runs"] = rs
        results["workloads"].append(entry)
        done.append((w, entry))
    m["load_after"] = loadavg()
    m["minutes"] = (time.monotonic() - started) / 60

    print()
    print("machine: %d cores, %s; load average %s before, %s after; "
          "median of %d run%s" % (
              m["cores"], m["cpu"] or "unknown CPU",
              " ".join("%.2f" % x for x in m["load_before"]),
              " ".join("%.2f" % x for x in m["load_after"]),
              ctx.runs, "s" if ctx.runs > 1 else ""))
    print("\n".join(tabulate(done, results)))
    print("\nvs superv: how many times better than Python Supervisor "
          "(its figure over ours, or ours over\nits for throughput); "
          "ours/base: our figure over the baseline's (no supervisor).")
    seen = set()
    for w, _ in done:
        if w.note and w.note not in seen:
            seen.add(w.note)
            print(w.note)
    path = args.json or os.path.join(ctx.build, "bench.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    print("wrote %s" % path)


if __name__ == "__main__":
    main()
