"""GET /metrics: the Prometheus text format on the Unix socket and on
[inet_http_server], checked by Prometheus's own promtool and scraped by a
real Prometheus server started by hand in the test's folder; the values
follow the programs (stop, crash, memory, CPU); Basic auth as on every
route.  promtool and prometheus come from Debian's package, unpacked under
build/prometheus by `make prometheus` (never installed: it would start a
service); without it those tests skip, saying why."""
import base64
import fcntl
import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import termios
import textwrap
import time
import urllib.parse
import urllib.request

import pytest

from conftest import BUILD, DEADLINE, helper, wait_for, free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROM_DIR = os.path.join(BUILD, "prometheus", "usr", "bin")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A Prometheus start, scrape and query on a loaded 2-core machine.
PROM_DEADLINE = max(DEADLINE, 90)

FAMILIES = {
    "supervisord_process_state": "gauge",
    "supervisord_process_up": "gauge",
    "supervisord_process_ready": "gauge",
    "supervisord_process_start_time_seconds": "gauge",
    "supervisord_process_restarts_total": "counter",
    "supervisord_process_exit_status": "gauge",
    "supervisord_process_log_dropped_bytes_total": "counter",
    "supervisord_process_cpu_seconds_total": "counter",
    "supervisord_process_resident_memory_bytes": "gauge",
    "supervisord_build_info": "gauge",
    "supervisord_clients_connected": "gauge",
    "supervisord_events_total": "counter",
    "process_cpu_seconds_total": "counter",
    "process_resident_memory_bytes": "gauge",
    "process_virtual_memory_bytes": "gauge",
    "process_open_fds": "gauge",
    "process_max_fds": "gauge",
    "process_start_time_seconds": "gauge",
}

# A program that holds MIB MiB written (resident), in itself and in a
# child of its process group: the group's sum is at least twice that.
HOLD = ("import os, time\n"
        "b = bytearray(os.urandom(1 << 20)) * {mib}\n"
        "time.sleep(100000)\n")

PROGRAMS = """\
    [program:sleeper]
    command = sleep 100000
    startsecs = 0

    [program:crasher]
    command = sh -c 'sleep 0.2; exit 3'
    startsecs = 0
    autorestart = true
    startretries = 100000

    [program:idle]
    command = sleep 100000
    autostart = false

    [group:pool]
    programs = worker

    [program:worker]
    command = sleep 100000
    startsecs = 0
    """


def prom_binary(name):
    """build/prometheus/usr/bin/NAME, unpacked by `make prometheus` when
    missing (once for all workers); None when it cannot be had."""
    path = os.path.join(PROM_DIR, name)
    if not os.access(path, os.X_OK):
        os.makedirs(BUILD, exist_ok=True)
        with open(os.path.join(BUILD, ".prometheus.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.access(path, os.X_OK):
                try:
                    subprocess.run(["make", "-s", "-C", ROOT,
                                    "BUILD=" + BUILD, "prometheus"],
                                   capture_output=True, timeout=300)
                except (OSError, subprocess.TimeoutExpired):
                    return None
    return path if os.access(path, os.X_OK) else None


def need(name):
    path = prom_binary(name)
    if path is None:
        pytest.skip("%s cannot be had: `make prometheus` could not unpack "
                    "Debian's prometheus package (see %s)" % (
                        name, os.path.join(BUILD, "prometheus-deb",
                                           "download.log")))
    return path


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=DEADLINE)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(DEADLINE)
        self.sock.connect(self.unix_path)


def get(daemon, path="/metrics", port=None, auth=None):
    """(status, headers, body) of a GET on the Unix socket or on TCP."""
    if port is None:
        conn = UnixHTTPConnection(daemon.sock)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port,
                                          timeout=DEADLINE)
    headers = {}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(
            ("%s:%s" % auth).encode()).decode()
    try:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        return r.status, r.headers, r.read().decode()
    finally:
        conn.close()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset of labels): value}, and the HELP/TYPE lines."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
        elif line:
            m = SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            labels = frozenset(LABEL.findall(m.group(2) or ""))
            samples[(m.group(1), labels)] = float(m.group(3))
    return samples, types, helps


def metrics(daemon, **kw):
    status, headers, body = get(daemon, **kw)
    assert status == 200, (status, body)
    assert headers["Content-Type"] == CONTENT_TYPE
    return parse(body)[0]


def value(samples, name, prog, group=None, **labels):
    key = frozenset([("name", prog), ("group", group or prog)] +
                    list(labels.items()))
    return samples.get((name, key))


def start(daemon, programs=PROGRAMS, extra=""):
    daemon.write_config(programs, extra=extra)
    daemon.start()
    daemon.wait_state("sleeper", "RUNNING")
    daemon.wait_state("pool:worker", "RUNNING")


def test_promtool_accepts_every_family(daemon):
    promtool = need("promtool")
    # A name with a quote and a backslash: escaped in its label values.
    start(daemon, PROGRAMS + """
    [program:q"uo\\te]
    command = sleep 100000
    autostart = false
    """)
    status, headers, body = get(daemon)
    assert status == 200 and headers["Content-Type"] == CONTENT_TYPE
    r = subprocess.run([promtool, "check", "metrics"], input=body,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout + r.stderr == "", (
        r.stdout, r.stderr, body)
    samples, types, helps = parse(body)
    assert types == FAMILIES
    assert helps == set(FAMILIES)
    for name, _ in samples:
        assert name in FAMILIES, name
    # One state series per state, 1 for the current one only.
    states = {dict(k)["state"]: v for (n, k), v in samples.items()
              if n == "supervisord_process_state" and
              dict(k)["name"] == "idle"}
    assert states == {"STOPPED": 1, "STARTING": 0, "RUNNING": 0,
                      "BACKOFF": 0, "STOPPING": 0, "EXITED": 0, "FATAL": 0,
                      "UNKNOWN": 0}
    assert value(samples, "supervisord_process_up", "worker", "pool") == 1
    assert samples[("supervisord_build_info",
                    frozenset([("version", "0.1.0")]))] == 1
    assert samples[("process_open_fds", frozenset())] > 3
    assert 'supervisord_process_up{name="q\\"uo\\\\te",' \
        'group="q\\"uo\\\\te"} 0\n' in body


def test_values_follow_the_programs(daemon):
    start(daemon)
    s = metrics(daemon)
    pid = daemon.status("sleeper")["pid"]
    assert value(s, "supervisord_process_up", "sleeper") == 1
    assert value(s, "supervisord_process_ready", "sleeper") == 1
    assert value(s, "supervisord_process_state", "sleeper",
                 state="RUNNING") == 1
    with open("/proc/%d/stat" % pid) as f:
        assert f.read()     # a live pid: its start time is recent
    assert abs(value(s, "supervisord_process_start_time_seconds",
                     "sleeper") - time.time()) < 600
    assert value(s, "supervisord_process_up", "idle") == 0
    assert value(s, "supervisord_process_start_time_seconds", "idle") is None
    assert value(s, "supervisord_process_cpu_seconds_total", "idle") is None

    daemon.supctl("stop", "sleeper", check=0)
    s = metrics(daemon)
    assert value(s, "supervisord_process_up", "sleeper") == 0
    assert value(s, "supervisord_process_ready", "sleeper") == 0
    assert value(s, "supervisord_process_state", "sleeper",
                 state="RUNNING") == 0
    assert value(s, "supervisord_process_state", "sleeper",
                 state="STOPPED") == 1
    # SIGTERM ended it: 128 + 15, as a shell says.
    assert value(s, "supervisord_process_exit_status", "sleeper") == 143

    # Crashes count as restarts; the last exit status is the program's.
    wait_for(lambda: value(metrics(daemon),
                           "supervisord_process_restarts_total",
                           "crasher") >= 3, what="three restarts")
    s = metrics(daemon)
    assert value(s, "supervisord_process_exit_status", "crasher") == 3
    events = samples_by_label(s, "supervisord_events_total", "type")
    assert events["PROCESS_STATE"] >= 6
    clients = samples_by_label(s, "supervisord_clients_connected",
                               "protocol")
    assert clients["http"] >= 1     # this scrape


def test_removed_process_is_exported_until_it_is_gone(daemon):
    # A program in a group of its own name, ignoring SIGTERM with a long
    # stopwaitsecs: a reload that removes it leaves it STOPPING, out of
    # the process list but alive.  Prometheus sees it until it is gone,
    # with the labels it had.
    marks = os.path.join(daemon.dir, "marks")
    stubborn = """
    [group:herd]
    programs = stubborn

    [program:stubborn]
    command = %s %s
    startsecs = 0
    stopwaitsecs = 1000
    """ % (helper("ignore_term"), marks)
    start(daemon, PROGRAMS + stubborn)
    daemon.wait_state("herd:stubborn", "RUNNING")
    wait_for(lambda: os.path.exists(marks) and "pid" in open(marks).read(),
             what="the program's SIGTERM handler")
    pid = daemon.status("herd:stubborn")["pid"]
    assert value(metrics(daemon), "supervisord_process_up", "stubborn",
                 "herd") == 1

    daemon.write_config(PROGRAMS)
    assert daemon.request({"cmd": "reload"})["ok"]
    wait_for(lambda: "TERM" in open(marks).read(), what="its SIGTERM")
    assert "herd:stubborn" not in daemon.status()
    s = metrics(daemon)
    assert value(s, "supervisord_process_state", "stubborn", "herd",
                 state="STOPPING") == 1
    assert value(s, "supervisord_process_state", "stubborn", "herd",
                 state="RUNNING") == 0
    assert value(s, "supervisord_process_up", "stubborn", "herd") == 1
    assert value(s, "supervisord_process_up", "sleeper") == 1

    # Gone: no longer exported.
    os.kill(pid, 9)
    wait_for(lambda: value(metrics(daemon), "supervisord_process_up",
                           "stubborn", "herd") is None,
             what="the removed process no longer exported")


def unread_by_peer(s):
    """Bytes of what s sent that its peer has not read yet."""
    return struct.unpack("i", fcntl.ioctl(s, termios.TIOCOUTQ,
                                          b"\0" * 4))[0]


def scrape_then_stop(daemon):
    """A scrape, the daemon told to stop as soon as it has read it: the
    whole answer (the connection read to its end)."""
    s = daemon.connect()
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_for(lambda: unread_by_peer(s) == 0, interval=0.0005,
                 what="the daemon to read the request")
        daemon.signal(signal.SIGTERM)
        got = b""
        while True:
            data = s.recv(1 << 16)
            if not data:
                return got.decode()
            got += data
    finally:
        s.close()


def crowd_size(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return len(f.read().split())


def test_shutdown_during_a_scrape_answers_it(daemon):
    # Thousands of processes in /proc: the scrape's pass takes dozens of
    # loop turns (METRICS_STEP a turn), and a daemon without programs
    # stops in a turn or two.  The scrape is answered, without the CPU
    # and memory figures it had not finished, instead of a closed
    # connection.  The timing is the machine's: up to three tries.
    crowd = subprocess.Popen([helper("spawn_n"), "3000", "/bin/sleep",
                              "100000"], start_new_session=True)
    try:
        wait_for(lambda: crowd_size(crowd.pid) >= 3000,
                 timeout=8 * DEADLINE, what="the crowd of processes")
        daemon.write_config("")
        for _ in range(3):
            daemon.start()
            answer = scrape_then_stop(daemon)
            assert daemon.wait_exit() == 0
            assert answer.startswith("HTTP/1.1 200 OK\r\n"), answer[:200]
            assert "\nsupervisord_build_info{" in answer
            assert answer.endswith("\n"), answer[-200:]
            if "a scrape answered without" in daemon.log():
                break
        else:
            pytest.fail("no scrape was under way when the daemon stopped")
        assert "\nsupervisord_events_total{" in answer
        assert "\nprocess_cpu_seconds_total " in answer
    finally:
        os.killpg(crowd.pid, signal.SIGKILL)
        crowd.wait()


def samples_by_label(samples, name, label):
    return {dict(k)[label]: v for (n, k), v in samples.items() if n == name}


def test_memory_and_cpu_of_the_process_group(daemon):
    mib = 40
    burn = ("import time\nt = time.process_time()\n"
            "while time.process_time() - t < 0.5: pass\n"
            "time.sleep(100000)\n")
    with open(os.path.join(daemon.dir, "hold.py"), "w") as f:
        f.write(HOLD.format(mib=mib))
    with open(os.path.join(daemon.dir, "burn.py"), "w") as f:
        f.write(burn)
    py = sys.executable
    start(daemon, textwrap.dedent(PROGRAMS) + textwrap.dedent("""
        [program:hog]
        command = sh -c '{py} {d}/hold.py & exec {py} {d}/hold.py'
        startsecs = 0

        [program:burner]
        command = {py} {d}/burn.py
        startsecs = 0
        """).format(py=py, d=daemon.dir))
    # Both members hold mib MiB: the group's sum is at least twice that.
    wait_for(lambda: (value(metrics(daemon),
                            "supervisord_process_resident_memory_bytes",
                            "hog") or 0) >= 2 * mib << 20,
             timeout=PROM_DEADLINE, what="hog's two members resident")
    wait_for(lambda: (value(metrics(daemon),
                            "supervisord_process_cpu_seconds_total",
                            "burner") or 0) >= 0.5,
             timeout=PROM_DEADLINE, what="burner's half second of CPU")
    s = metrics(daemon)
    assert value(s, "supervisord_process_resident_memory_bytes",
                 "sleeper") < 2 * mib << 20
    assert s[("process_resident_memory_bytes", frozenset())] > 0


def test_auth_required_when_set(daemon):
    port = free_port()
    start(daemon, extra="[inet_http_server]\nport = 127.0.0.1:%d\n"
          "username = admin\npassword = s3cret\n" % port)
    status, headers, _ = get(daemon, port=port)
    assert status == 401 and "Basic" in headers["WWW-Authenticate"]
    assert get(daemon, port=port, auth=("admin", "wrong"))[0] == 401
    s = metrics(daemon, port=port, auth=("admin", "s3cret"))
    assert value(s, "supervisord_process_up", "sleeper") == 1
    # A body, another method: refused as on every route.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    conn.request("POST", "/metrics", body=b"x", headers={
        "Authorization": "Basic " + base64.b64encode(b"admin:s3cret")
        .decode(), "Content-Type": "text/plain"})
    assert conn.getresponse().status == 405
    conn.close()


def test_auth_on_the_unix_socket_when_set(daemon):
    daemon.write_config(PROGRAMS)
    with open(daemon.conf) as f:
        text = f.read()
    with open(daemon.conf, "w") as f:
        f.write(text.replace("[unix_http_server]\n", "[unix_http_server]\n"
                             "username = admin\npassword = s3cret\n", 1))
    daemon.start()
    daemon.wait_state("sleeper", "RUNNING")
    assert get(daemon)[0] == 401
    s = metrics(daemon, auth=("admin", "s3cret"))
    assert value(s, "supervisord_process_up", "sleeper") == 1


def test_scrapes_go_on_while_a_program_floods_its_log(daemon):
    """The /proc pass goes a step a loop turn at the highest priority: a
    program whose output never stops neither starves it nor waits for
    it, and a client that leaves in the middle of a pass costs nothing."""
    start(daemon, textwrap.dedent(PROGRAMS) + textwrap.dedent("""
        [program:flood]
        command = {h} -c 100 -r 100000000000
        startsecs = 0
        stdout_logfile_maxbytes = 1MB
        stdout_logfile_backups = 1
        """).format(h=helper("log_flood")))
    daemon.wait_state("flood", "RUNNING")
    for _ in range(5):
        s = metrics(daemon)
        assert value(s, "supervisord_process_up", "flood") == 1
    # Leave during the pass: ten requests, each connection closed at once.
    for _ in range(10):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(daemon.sock)
        c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        c.close()
    assert daemon.request({"cmd": "version"})["ok"]
    assert value(metrics(daemon), "supervisord_process_up", "sleeper") == 1
    assert daemon.proc.poll() is None


def test_scrapes_do_not_leave_the_daemon_awake(daemon):
    start(daemon)
    for _ in range(3):
        metrics(daemon)
    daemon.supctl("stop", "crasher", check=0)
    time.sleep(0.3)     # let the closes settle
    before = ctxt_switches(daemon.proc.pid)
    time.sleep(2)       # an observation window, not a wait
    assert ctxt_switches(daemon.proc.pid) == before


def ctxt_switches(pid):
    total = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches",
                                "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


class Prometheus:
    """A Prometheus server run by hand: its files in the test's folder, on
    a free loopback port, scraping the daemon every second."""

    def __init__(self, binary, workdir, target_port, auth):
        self.port = free_port()
        self.dir = os.path.join(workdir, "prometheus")
        os.makedirs(self.dir)
        conf = os.path.join(self.dir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n"
                    "  scrape_timeout: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: supervisord\n"
                    "    basic_auth:\n"
                    "      username: %s\n      password: %s\n"
                    "    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n"
                    % (auth[0], auth[1], target_port))
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            [binary, "--config.file=" + conf,
             "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            cwd=self.dir)

    def api(self, path, **params):
        url = "http://127.0.0.1:%d/api/v1/%s?%s" % (
            self.port, path, urllib.parse.urlencode(params))
        try:
            with urllib.request.urlopen(url, timeout=DEADLINE) as r:
                return json.load(r)
        except OSError:
            assert self.proc.poll() is None, self.output()
            return None

    def query(self, q):
        """{(name, group): value} of an instant query's vector."""
        reply = self.api("query", query=q)
        if not reply or reply.get("status") != "success":
            return {}
        return {(r["metric"].get("name"), r["metric"].get("group")):
                float(r["value"][1]) for r in reply["data"]["result"]}

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-3000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=PROM_DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def test_real_prometheus_scrapes_the_daemon(daemon):
    binary = need("prometheus")
    port = free_port()
    auth = ("scraper", "s3cret")
    start(daemon, extra="[inet_http_server]\nport = 127.0.0.1:%d\n"
          "username = %s\npassword = %s\n" % (port, auth[0], auth[1]))
    prom = Prometheus(binary, daemon.dir, port, auth)
    try:
        want = {("sleeper", "sleeper"): 1, ("worker", "pool"): 1,
                ("idle", "idle"): 0}

        def up_series():
            got = prom.query("supervisord_process_up")
            return got if all(got.get(k) == v for k, v in want.items()) \
                else None
        got = wait_for(up_series, timeout=PROM_DEADLINE, interval=0.5,
                       what="Prometheus to scrape supervisord_process_up")
        assert ("crasher", "crasher") in got
        health = prom.api("targets")["data"]["activeTargets"][0]
        assert health["health"] == "up", health

        daemon.supctl("stop", "sleeper", check=0)
        wait_for(lambda: prom.query("supervisord_process_up").get(
            ("sleeper", "sleeper")) == 0, timeout=PROM_DEADLINE,
            interval=0.5, what="Prometheus to see sleeper down")
        wait_for(lambda: prom.query(
            'supervisord_process_state{state="STOPPED"} == 1').get(
            ("sleeper", "sleeper")) == 1, timeout=PROM_DEADLINE,
            interval=0.5, what="Prometheus to see sleeper STOPPED")
    finally:
        prom.stop()
