"""What every workload of the benchmark shares: reading /proc, running a
supervisor (ours or Python's) in a private folder, and the Workload type.

The figures come from the kernel (/proc) and from the programs themselves
(tests/helpers/exit_after records its pid and exec time), never from what
a supervisor says about itself.
"""
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import textwrap
import time

# The wrapper writer the tests use (tests/integration/pywrapper.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from pywrapper import write_wrapper                     # noqa: E402

# Python Supervisor 4.2: the copy `make pysupervisor` unpacks under
# BUILD/pysupervisor (as the differential tests run it), through shell
# wrappers running it with `python3 -S`; use_pysupervisor() points these
# at it.  Never the system's /usr/bin/supervisord.
PYTHON = "/usr/bin/python3"
PYSUPERVISOR_SITE = None
PYSUPERVISORD = None
PYSUPERVISORCTL = None
CLK_TCK = os.sysconf("SC_CLK_TCK")
KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30


def use_pysupervisor(build):
    """Point PYSUPERVISORD and PYSUPERVISORCTL at the copy under
    build/pysupervisor; False when `make pysupervisor` made none."""
    global PYSUPERVISOR_SITE, PYSUPERVISORD, PYSUPERVISORCTL
    top = os.path.join(build, "pysupervisor")
    site = os.path.join(top, "root", "usr", "lib", "python3",
                        "dist-packages")
    if not os.path.isdir(os.path.join(site, "supervisor")):
        return False
    bindir = os.path.join(top, "bin")
    os.makedirs(bindir, exist_ok=True)
    PYSUPERVISOR_SITE = site
    PYSUPERVISORD = os.path.join(bindir, "supervisord")
    PYSUPERVISORCTL = os.path.join(bindir, "supervisorctl")
    write_wrapper(PYSUPERVISORD, PYTHON, site, "supervisor.supervisord")
    write_wrapper(PYSUPERVISORCTL, PYTHON, site, "supervisor.supervisorctl")
    return True


def parse_size(text):
    """'1G', '256M', '64k' or a plain byte count."""
    units = {"k": KiB, "m": MiB, "g": GiB}
    t = text.strip().lower().rstrip("ib").rstrip("i")
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    return int(t)


def stat_fields(pid):
    """/proc/PID/stat after the command: [0] state, [1] ppid, [3] session,
    [11] utime, [12] stime (ticks)."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_ticks(pid):
    """utime + stime of a live process (its own, not its children's)."""
    fields = stat_fields(pid)
    return int(fields[11]) + int(fields[12])


def cpu_seconds(pid):
    return cpu_ticks(pid) / CLK_TCK


def ctx_switches(pid):
    """Voluntary + involuntary context switches of every thread of pid: a
    process that sleeps in the kernel and wakes counts one each time."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches",
                                        "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def pss_bytes(pid):
    """The proportional set size of pid, from /proc/PID/smaps_rollup."""
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * KiB
    raise RuntimeError("no Pss in /proc/%d/smaps_rollup" % pid)


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode(errors="replace")
                    for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def processes():
    """(pid, stat fields) of every live (not zombie) process."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = stat_fields(int(d))
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            out.append((int(d), fields))
    return out


def children(pid):
    """(pid, argv) of the live children of pid."""
    return [(p, cmdline(p)) for p, f in processes() if int(f[1]) == pid]


def live_children(pid, needle, pids=None):
    """How many live children of pid run a program whose argv[0] ends
    with needle (only among pids when given): the check in /proc that a
    supervisor really runs what it should."""
    found = 0
    for p, argv in children(pid):
        if argv and argv[0].endswith(needle) and (pids is None or
                                                  p in pids):
            found += 1
    return found


def wait_for(cond, timeout, what, step=0.002):
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(step)


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100): a value that was measured,
    for 50 samples p99 is the largest."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-len(s) * q // 100) - 1))
    return s[int(k)]


class Records:
    """The file exit_after -r appends "PID REALTIME_MS" to at each exec."""

    def __init__(self, path):
        self.path = path
        self.size = -1
        self.lines = []

    def read(self):
        """Every record so far, [(pid, ms)], rereading only on growth."""
        try:
            size = os.stat(self.path).st_size
        except FileNotFoundError:
            return self.lines
        if size != self.size:
            with open(self.path) as f:
                text = f.read()
            self.size = size
            self.lines = [(int(p), float(t)) for p, t in
                          (l.split() for l in text.splitlines()
                           if l.count(" ") == 1)]
        return self.lines

    def wait_count(self, n, timeout, what):
        return wait_for(lambda: len(self.read()) >= n and self.lines,
                        timeout, what, step=0.001)


def helper(ctx, name):
    return os.path.join(ctx.build, "helpers", name)


DEVNULL_ACTIONS = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]


def spawn_plain(argv):
    """posix_spawn(3) (vfork and exec) from this small process, stdio on
    /dev/null, in a process group of its own: how fast a program can be
    started at all, the floor the baselines measure."""
    return os.posix_spawn(argv[0], argv, os.environ,
                          file_actions=DEVNULL_ACTIONS, setpgroup=0)


def reap_all(pids):
    """SIGKILL and reap each of our own children in pids."""
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for p in pids:
        try:
            os.waitpid(p, 0)
        except ChildProcessError:
            pass


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


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


class Daemon:
    """One supervisor (ours or Python's) in a private folder, run with -n
    as the leader of its own session: every program it starts stays in
    that session, so stop() can find and kill whatever is left."""

    def __init__(self, kind, ctx, workdir):
        self.kind = kind
        self.ctx = ctx
        self.dir = workdir
        self.conf = os.path.join(workdir, "supervisord.conf")
        self.pidfile = os.path.join(workdir, "supervisord.pid")
        self.sock = os.path.join(workdir, "supervisord.sock")
        self.proc = None
        self.out = None

    def write_config(self, programs, extra=""):
        """programs: {name: {key: value}}, each a [program:name]; extra:
        more sections, as text."""
        text = textwrap.dedent("""\
            [supervisord]
            logfile = {d}/supervisord.log
            pidfile = {d}/supervisord.pid
            childlogdir = {d}
            loglevel = info
            nodaemon = true

            [unix_http_server]
            file = {s}

            [rpcinterface:supervisor]
            supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

            [supervisorctl]
            serverurl = unix://{s}
            """).format(d=self.dir, s=self.sock)
        for name, keys in programs.items():
            text += "\n[program:%s]\n" % name
            for k, v in keys.items():
                text += "%s = %s\n" % (k, v)
        text += extra
        with open(self.conf, "w") as f:
            f.write(text)

    def launch(self):
        """Start the daemon and return at once."""
        if self.kind == "ours":
            argv = [os.path.join(self.ctx.build, "supervisord"), "-n",
                    "-c", self.conf]
        else:
            argv = [PYSUPERVISORD, "-n", "-c", self.conf]
        self.out = open(os.path.join(self.dir, "daemon.out"), "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.out,
                                     cwd=self.dir, start_new_session=True)
        return self

    def start(self):
        """Start the daemon and wait until it wrote its pidfile."""
        self.launch()
        wait_for(lambda: os.path.exists(self.pidfile) or
                 self.proc.poll() is not None, 60, "the pidfile")
        self.check_alive()
        return self

    def check_alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited (status %s): %s" % (
                self.kind, self.proc.returncode,
                open(self.out.name, errors="replace").read()[-2000:]))

    def check_programs(self):
        """Raise when a program gave up (FATAL): a bench that waits for
        it would wait for nothing.  Both daemons log "gave up: NAME"."""
        self.check_alive()
        now = time.monotonic()
        if now - getattr(self, "checked", 0) < 0.5:
            return
        self.checked = now
        try:
            with open(os.path.join(self.dir, "supervisord.log"),
                      errors="replace") as f:
                for line in f:
                    if "gave up:" in line:
                        raise RuntimeError("%s: %s" % (self.kind,
                                                       line.strip()))
        except FileNotFoundError:
            pass

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

    def ctl_argv(self, *args):
        """The operator's client for this daemon, reading the same file."""
        if self.kind == "ours":
            return [os.path.join(self.ctx.build, "supctl"), "-c",
                    self.conf] + list(args)
        return [PYSUPERVISORCTL, "-c", self.conf] + list(args)

    def connect(self):
        """A connected control socket, for requests sent by hand."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        return s

    def stop_all_request(self):
        """The bytes of "stop every program" in this daemon's protocol:
        a JSON line for ours, an XML-RPC POST for Supervisor."""
        if self.kind == "ours":
            return b'{"cmd":"stop","names":["all"]}\n'
        body = (b"<?xml version='1.0'?>\n<methodCall><methodName>"
                b"supervisor.stopAllProcesses</methodName><params>"
                b"</params></methodCall>\n")
        return (b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
                % len(body)) + body

    def read_reply(self, s, timeout):
        """Read one reply (a JSON line, or an HTTP response) to its end."""
        s.settimeout(timeout)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
            if self.kind == "ours" and data.endswith(b"\n"):
                return data
            if self.kind != "ours" and b"</methodResponse>" in data:
                return data

    def stop(self):
        """SIGTERM, then SIGKILL after a minute; then SIGKILL whatever is
        left in its session (a program it failed to stop)."""
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    print("bench: %s did not stop within 60 s: killed"
                          % self.kind)
                    self.proc.kill()
                    self.proc.wait()
        finally:
            kill_session(self.proc.pid)
            if self.out:
                self.out.close()


def kill_session(sid):
    """SIGKILL each process of session sid, by pid, until none is left."""
    for _ in range(100):
        left = [p for p, f in processes() if int(f[3]) == sid]
        if not left:
            return
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    print("bench: processes of session %d survive SIGKILL" % sid)


class Workload:
    """One thing measured: run() does one run on one system and returns
    {metric: value}.  metrics: (metric, description, higher is better);
    goals: {metric: Goal} for the goals of issue 7 this workload checks."""
    name = ""
    title = ""
    metrics = ()
    systems = ("ours", "supervisor")
    goals = {}
    # what each system is set to do, printed under the table
    note = ""

    def run(self, system, ctx):
        raise NotImplementedError


class Goal:
    """A goal of issue 7 on one metric: ours <= value ("max"), >= value
    ("min"), ours/baseline >= value ("base"), == value ("eq"), or (a
    lower-is-better metric) Supervisor's at least value times ours
    ("vs")."""

    def __init__(self, kind, value, text):
        self.kind = kind
        self.value = value
        self.text = text

    def verdict(self, ours, base, py=None):
        """("met" | "missed", how far off as text), or None."""
        if ours is None:
            return None
        if self.kind == "vs":
            if py is None or ours == 0:
                return None
            v = py / ours
            return (("met", "") if v >= self.value else
                    ("missed", "%.1fx" % v))
        if self.kind == "base":
            if base is None or base == 0:
                return None
            v = ours / base
            return (("met", "") if v >= self.value else
                    ("missed", "%.0f%% of base" % (100 * v)))
        v = ours
        if self.kind == "max":
            if v <= self.value:
                return ("met", "")
            if self.value == 0:
                return ("missed", "%g over" % v)
            return ("missed", "%.1fx" % (v / self.value))
        if self.kind == "min":
            return (("met", "") if v >= self.value else
                    ("missed", "%.0f%%" % (100 * v / self.value)))
        if self.kind == "eq":
            return (("met", "") if v == self.value else
                    ("missed", "%+g" % (v - self.value)))
        raise ValueError(self.kind)


def read_json_when_there(path, timeout):
    def load():
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
    return wait_for(load, timeout, path)
