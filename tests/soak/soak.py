#!/usr/bin/python3
"""Soak: 100 crash-looping programs for a given time, under each of
AddressSanitizer (build-asan), valgrind (memcheck, --leak-check=full
--error-exitcode=1) and the plain build, the three daemons side by side.

The programs crash in every way a program can: exit codes, signals, a
leader leaving children behind, spawn errors, log output with rotation.
A client asks for status, restarts programs, reads logs and follows the
events stream all along.  Every few seconds /proc says how many
descriptors and how much memory each daemon holds.  At the end all is
stopped (the descriptors must be exactly those of the quiet start), the
daemon is shut down cleanly (exit 0), and neither sanitizer may report
anything.  Prints the figures, writes them as JSON, and exits non-zero
when a bound is broken.

    soak.py --build build --asan-build build-asan [--minutes 10]
            [--json build/soak.json] [--keep] [--only asan,valgrind]
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
NPROGS = 100
DEADLINE = 60.0
STARTED = []		# every daemon started, to kill if the run breaks

# Memory a daemon may gain between the middle and the last third of the
# run (kB): flat, with room for the allocator's and the tools' noise.
GROWTH_KB = {"plain": 1024, "asan": 8192, "valgrind": 8192}


def log(msg):
    print("soak: %s" % msg, flush=True)


def wait_for(cond, timeout=DEADLINE, what="a condition", interval=0.05):
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.0fs waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


def programs(helpers, d):
    """The 100 programs: (name, keys)."""
    rng = random.Random(7)
    out = []
    for i in range(60):
        out.append(("exit%02d" % i, {
            "command": "%s/exit_after %d %d" % (
                helpers, rng.randint(100, 1500), rng.choice([1, 2, 70]))}))
    for i in range(15):
        out.append(("signal%02d" % i, {
            "command": "%s/exit_after -k %d %d 0" % (
                helpers, rng.choice([15, 9, 10]), rng.randint(100, 1500))}))
    for i in range(10):
        out.append(("forker%02d" % i, {
            "command": "%s/forker -n 2 -x %d %s/forker%02d.pids" % (
                helpers, rng.randint(200, 1500), d, i),
            "stopwaitsecs": "1"}))
    for i in range(10):
        out.append(("logger%02d" % i, {
            "command": "sh -c 'i=0; while [ $i -lt 50 ]; do echo out $i; "
                       "echo err $i >&2; i=$((i+1)); done; sleep 0.%d; "
                       "exit 3'" % rng.randint(1, 9),
            "stdout_logfile": "%s/logger%02d.log" % (d, i),
            "stdout_logfile_maxbytes": "4KB",
            "stdout_logfile_backups": "2"}))
    for i in range(5):
        out.append(("spawnerr%02d" % i, {
            "command": "/nonexistent/soak-program-%d" % i}))
    assert len(out) == NPROGS
    return out


def write_config(d, helpers):
    text = ("[supervisord]\nlogfile = %(d)s/supervisord.log\n"
            "logfile_maxbytes = 1MB\nlogfile_backups = 3\n"
            "pidfile = %(d)s/supervisord.pid\nchildlogdir = %(d)s\n"
            "loglevel = info\nminfds = 0\n\n"
            "[unix_http_server]\nfile = %(d)s/supervisord.sock\n\n"
            % {"d": d})
    for name, keys in programs(helpers, d):
        text += "[program:%s]\n" % name
        keys = dict({"startsecs": "0", "autostart": "false",
                     "autorestart": "true", "startretries": "1000000",
                     "backoff_max": "1", "exitcodes": "0"}, **keys)
        for k, v in keys.items():
            text += "%s = %s\n" % (k, v)
        text += "\n"
    path = os.path.join(d, "supervisord.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


class Daemon:
    def __init__(self, kind, supervisord, helpers, root):
        self.kind = kind
        self.dir = os.path.join(root, kind)
        os.makedirs(self.dir)
        self.conf = write_config(self.dir, helpers)
        self.sock = os.path.join(self.dir, "supervisord.sock")
        self.stderr_path = os.path.join(self.dir, "daemon.stderr")
        cmd = [supervisord, "-n", "-c", self.conf]
        env = dict(os.environ)
        if kind == "valgrind":
            cmd = ["valgrind", "--leak-check=full", "--error-exitcode=1",
                   "--child-silent-after-fork=yes",
                   "--log-file=%s/valgrind.%%p.log" % self.dir] + cmd
        if kind == "asan":
            env["ASAN_OPTIONS"] = ("detect_leaks=1:quarantine_size_mb=16:"
                                   "malloc_context_size=8")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self.stderr, stderr=self.stderr,
                                     env=env, cwd=self.dir)
        self.pid = self.proc.pid
        STARTED.append(self.proc)
        self.samples = []
        self.names = [n for n, _ in programs(helpers, self.dir)]

    def request(self, obj, timeout=DEADLINE):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.sock)
        try:
            s.sendall((json.dumps(obj) + "\n").encode())
            buf = b""
            while b"\n" not in buf:
                try:
                    chunk = s.recv(1 << 20)
                except socket.timeout:
                    raise AssertionError("%s: no reply in %.0f s to %s" % (
                        self.kind, timeout, obj)) from None
                if not chunk:
                    raise EOFError("%s: connection closed" % self.kind)
                buf += chunk
            r = json.loads(buf.split(b"\n", 1)[0].decode("utf-8"))
            assert r.get("ok") in (True, False), r
            return r
        finally:
            s.close()

    def up(self):
        def answers():
            if self.proc.poll() is not None:
                raise AssertionError("%s: daemon exited: %s" % (
                    self.kind, self.output()))
            try:
                return self.request({"cmd": "version"}, 5)["ok"]
            except (OSError, EOFError):
                return False
        wait_for(answers, DEADLINE * 2, "%s to answer" % self.kind, 0.2)

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def sockets(self):
        n = 0
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            try:
                n += os.readlink("/proc/%d/fd/%s" % (
                    self.pid, fd)).startswith("socket:")
            except OSError:
                pass
        return n

    def mem(self):
        rss = pss = 0
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        try:
            with open("/proc/%d/smaps_rollup" % self.pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1])
        except OSError:
            pss = rss
        return rss, pss

    def cpu(self):
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def sample(self, t):
        rss, pss = self.mem()
        self.samples.append({"t": round(t, 1), "fds": self.fds(),
                             "rss_kb": rss, "pss_kb": pss,
                             "cpu_s": round(self.cpu(), 2)})

    def quiesce(self):
        """Stop everything, wait, and count descriptors with no client."""
        r = self.request({"cmd": "stop", "names": ["all"], "wait": True},
                         DEADLINE * 4)
        assert r["ok"] or r["error"]["code"] == "not_running", r
        st = self.request({"cmd": "status"})["result"]["processes"]
        bad = [p for p in st if p["state"] not in ("STOPPED", "EXITED",
                                                   "FATAL")]
        assert not bad, (self.kind, bad[:3])
        wait_for(lambda: self.sockets() == 1, what="%s: no client left"
                 % self.kind)
        return self.fds()

    def output(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()[-4000:]

    def spawned(self):
        n = 0
        for path in os.listdir(self.dir):
            if path.startswith("supervisord.log"):
                with open(os.path.join(self.dir, path),
                          errors="replace") as f:
                    n += sum(1 for line in f if "spawned: '" in line)
        return n


class Events(threading.Thread):
    """A subscriber reading the events stream all along."""

    def __init__(self, d):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(d.sock)
        self.sock.sendall(b'{"cmd": "events"}\n')
        self.count = 0
        self.starts = 0		# transitions to STARTING: spawns
        self.error = None
        self.start()

    def run(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    return
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    r = json.loads(line.decode("utf-8"))
                    assert r["ok"] is True, r
                    self.count += r.get("stream") == "event"
                    self.starts += r.get("to") == "STARTING"
        except OSError:
            pass
        except Exception as e:
            self.error = e

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.join(DEADLINE)
        self.sock.close()


def client_work(d, rng):
    """What an operator does now and then."""
    k = rng.random()
    names = rng.sample(d.names, 3)
    if k < 0.5:
        r = d.request({"cmd": "status"})
        assert r["ok"] and len(r["result"]["processes"]) == NPROGS, r
    elif k < 0.7:
        d.request({"cmd": "restart", "names": names, "wait": False})
    elif k < 0.85:
        r = d.request({"cmd": "tail", "name": "logger%02d" % rng.randint(
            0, 9), "bytes": 2000})
        assert r["ok"] or r["error"]["code"] in ("no_log", "log_error"), r
    else:
        d.request({"cmd": "signal", "names": names, "signal": "USR1"})


def thirds(values):
    n = len(values)
    return values[:n // 3], values[n // 3:2 * n // 3], values[2 * n // 3:]


def check(d, fds0, fds1, code, events):
    """The bounds; a list of what broke."""
    broken = []
    if code != 0:
        broken.append("exit status %s" % code)
    if fds1 != fds0:
        broken.append("descriptors when quiet: %d at the start, %d at "
                      "the end" % (fds0, fds1))
    _, mid, last = thirds([s["rss_kb"] for s in d.samples])
    if mid and last and max(last) - max(mid) > GROWTH_KB[d.kind]:
        broken.append("memory grew: %d kB (middle) to %d kB (last third)"
                      % (max(mid), max(last)))
    top = max(s["fds"] for s in d.samples)
    if top > fds0 + 4 * NPROGS + 20:
        broken.append("descriptors peaked at %d (quiet: %d)" % (top, fds0))
    out = d.output()
    if re.search(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:",
                 out):
        broken.append("sanitizer report:\n" + out)
    if d.kind == "valgrind":
        vlog = os.path.join(d.dir, "valgrind.%d.log" % d.pid)
        text = open(vlog, errors="replace").read()
        m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
        if not m or m.group(1) != "0":
            broken.append("valgrind:\n" + text[-4000:])
        if "definitely lost:" in text or "indirectly lost:" in text:
            broken.append("valgrind leaks:\n" + text[-4000:])
    if events.error is not None:
        broken.append("events stream: %r" % events.error)
    return broken


def run(args):
    root = args.dir or tempfile.mkdtemp(prefix="soak.")
    helpers = os.path.join(args.build, "helpers")
    kinds = [("plain", os.path.join(args.build, "supervisord")),
             ("asan", os.path.join(args.asan_build, "supervisord")),
             ("valgrind", os.path.join(args.build, "supervisord"))]
    if args.only:
        kinds = [k for k in kinds if k[0] in args.only.split(",")]
    log("%d programs for %g minute(s) under %s, in %s (%d cores)" % (
        NPROGS, args.minutes, ", ".join(k for k, _ in kinds), root,
        os.cpu_count()))
    daemons = [Daemon(k, exe, helpers, root) for k, exe in kinds]
    for d in daemons:
        d.up()
    # Every program runs once (its log files stay open from then on),
    # then all is quiet: the descriptors to come back to.
    base = {}
    for d in daemons:
        d.request({"cmd": "start", "names": ["all"], "wait": False})
    for d in daemons:
        wait_for(lambda: d.spawned() >= NPROGS - 5, DEADLINE * 2,
                 "%s: every program spawned once" % d.kind, 0.2)
        base[d.kind] = d.quiesce()
    events = {d.kind: Events(d) for d in daemons}
    for d in daemons:
        r = d.request({"cmd": "start", "names": ["all"], "wait": False})
        assert r["ok"] or r["error"]["code"] == "spawn_error", r
    t0 = time.monotonic()
    end = t0 + args.minutes * 60
    interval = max(2.0, min(15.0, args.minutes * 60 / 24))
    rng = random.Random(1)
    next_sample = t0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_sample:
            for d in daemons:
                assert d.proc.poll() is None, (d.kind, d.output())
                d.sample(now - t0)
            next_sample = now + interval
        for d in daemons:
            client_work(d, rng)
        time.sleep(0.2)
    for d in daemons:
        d.sample(time.monotonic() - t0)
    results, failed = {}, False
    for d in daemons:
        events[d.kind].close()
        fds1 = d.quiesce()
        d.proc.send_signal(signal.SIGTERM)
        try:
            code = d.proc.wait(DEADLINE * 4)
        except subprocess.TimeoutExpired:
            d.proc.kill()
            code = "timeout"
        broken = check(d, base[d.kind], fds1, code, events[d.kind])
        rss = [s["rss_kb"] for s in d.samples]
        results[d.kind] = {
            "starts": events[d.kind].starts, "events": events[d.kind].count,
            "fds_quiet_start": base[d.kind], "fds_quiet_end": fds1,
            "fds_max": max(s["fds"] for s in d.samples),
            "rss_kb_first": rss[0], "rss_kb_max": max(rss),
            "rss_kb_last": rss[-1],
            "pss_kb_last": d.samples[-1]["pss_kb"],
            "cpu_s": d.samples[-1]["cpu_s"], "exit": code,
            "broken": broken, "samples": d.samples}
        failed |= bool(broken)
    print()
    print("%-9s %8s %8s %12s %8s %10s %10s %10s %8s %5s" % (
        "daemon", "starts", "events", "fds quiet", "fds max", "RSS first",
        "RSS max", "RSS last", "CPU s", "exit"))
    for k, r in results.items():
        print("%-9s %8d %8d %5d -> %-4d %8d %8d kB %7d kB %7d kB %8.1f %5s"
              % (k, r["starts"], r["events"], r["fds_quiet_start"],
                 r["fds_quiet_end"], r["fds_max"], r["rss_kb_first"],
                 r["rss_kb_max"], r["rss_kb_last"], r["cpu_s"], r["exit"]))
    for k, r in results.items():
        for b in r["broken"]:
            print("FAIL %s: %s" % (k, b))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"minutes": args.minutes, "programs": NPROGS,
                       "cores": os.cpu_count(), "results": results}, f,
                      indent=1)
    if not failed and not args.keep and not args.dir:
        shutil.rmtree(root, ignore_errors=True)
    else:
        log("files kept in %s" % root)
    log("FAILED" if failed else "passed")
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--asan-build", required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--json")
    ap.add_argument("--dir")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--only", help="plain,asan,valgrind: some of them")
    args = ap.parse_args()
    try:
        return run(args)
    finally:
        for proc in STARTED:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(DEADLINE)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


if __name__ == "__main__":
    sys.exit(main())
