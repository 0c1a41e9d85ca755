"""GET /metrics with N programs (issue 15): the daemon's CPU time for one
scrape (its /proc pass, one stat file per process on the machine, and the
text), the longest wall time of one scrape seen by the client, and the
longest wait of a JSON request sent meanwhile on another connection: how
long a scrape holds the loop from everything else (the pass goes in
steps, one a loop turn)."""
import http.client
import json
import socket
import threading
import time

from benchlib import Goal, Workload
from fleet import Fleet
from xmlrpcbench import cpu_ns


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def scrape(conn):
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise RuntimeError("GET /metrics: %d %s" % (r.status, body[:200]))
    return body


def nprocs_on_machine():
    import os
    return sum(1 for d in os.listdir("/proc") if d.isdigit())


def ping_while(sock_path, running, worst):
    """JSON version requests one after another until running is cleared;
    worst[0]: the longest answer, in seconds."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(sock_path)
    f = s.makefile("rb")
    while running.is_set():
        t0 = time.monotonic()
        s.sendall(b'{"cmd":"version"}\n')
        if not json.loads(f.readline()).get("ok"):
            raise RuntimeError("version refused")
        worst[0] = max(worst[0], time.monotonic() - t0)
    s.close()


class Scrape(Workload):
    metrics = (("ms", "daemon CPU time of one scrape", False),
               ("wall_ms", "longest scrape, wall time", False),
               ("ping_ms", "longest JSON request during the scrapes",
                False),
               ("kib", "size of one scrape, KiB", False))
    systems = ("ours",)
    note = ("metrics: GET /metrics over the Unix socket on one connection, "
            "20 scrapes;\n  ms: the daemon's CPU time (schedstat) divided "
            "by 20; wall_ms: the slowest\n  scrape as the client saw it "
            "(request to last byte); ping_ms: during 20 more,\n  the "
            "slowest of JSON version requests sent one after another on "
            "another connection.")

    def __init__(self, n, goal):
        self.n = n
        self.name = "metrics-%d" % n
        self.title = "GET /metrics with %d programs" % n
        self.goals = {"ms": Goal("max", goal, "<= %g ms" % goal)} if goal \
            else {}

    def run(self, system, ctx):
        f = Fleet(system, ctx, self.n, self.name)
        try:
            f.up()
            f.settle()
            conn = UnixHTTPConnection(f.d.sock)
            body = scrape(conn)
            up = body.count(b"supervisord_process_up{")
            if up != self.n:
                raise RuntimeError("%d up series, not %d" % (up, self.n))
            calls, slowest = 20, 0.0
            before = cpu_ns(f.d.pid)
            for _ in range(calls):
                t0 = time.monotonic()
                scrape(conn)
                slowest = max(slowest, time.monotonic() - t0)
            used = cpu_ns(f.d.pid) - before
            # Then again with a JSON client asking all along.
            running, worst = threading.Event(), [0.0]
            running.set()
            pinger = threading.Thread(target=ping_while,
                                      args=(f.d.sock, running, worst))
            pinger.start()
            for _ in range(calls):
                scrape(conn)
            running.clear()
            pinger.join()
            conn.close()
            print("  metrics: %d processes on the machine" %
                  nprocs_on_machine(), flush=True)
            return {"ms": used / calls / 1e6, "wall_ms": slowest * 1000,
                    "ping_ms": worst[0] * 1000, "kib": len(body) / 1024}
        finally:
            f.close()


def workloads(ctx):
    n = ctx.fleet[-1]
    return [Scrape(n, 20 if n >= 1000 else None)]
