"""Load: 1000 clients, 200 at a time, issuing status, start, stop and
other requests while programs crash and restart.  Every reply is
well-formed, the events stream loses no transition (it agrees with the
final status), and afterwards the daemon's descriptors are back to where
they were and its memory does not grow from one round to the next.
With RELIABILITY_SOAK=1 the load goes on for 30 s instead."""
import asyncio
import json
import os
import random
import socket
import threading
import time

from conftest import helper, under_asan, wait_for, DEADLINE
from engine_util import program, wait, wait_count
from reliability_util import (SOAK, Client, fd_count, fd_targets, rss_kb,
                              pss_kb, sockets, well_formed)

CONCURRENCY = 200
CLIENTS = 1000
CRASHERS = ["crash%d" % i for i in range(8)]
STABLE = ["stable%d" % i for i in range(8)]
# Started and stopped by the clients; the other crashers crash alone.
TARGETS = STABLE + CRASHERS[:2]
STOPPED_STATES = ("STOPPED", "EXITED", "FATAL")


class Events(threading.Thread):
    """An events subscriber reading on its own thread."""

    def __init__(self, daemon):
        super().__init__(daemon=True)
        self.client = Client(daemon)
        self.client.send({"cmd": "events", "id": "ev"})
        first = self.client.reply()
        assert first["ok"] and first["result"] == {"subscribed": True}, first
        self.events = []
        self.error = None
        self.lock = threading.Lock()
        self.start()

    def run(self):
        try:
            while True:
                e = self.client.reply(timeout=120)
                assert e.get("stream") == "event", e
                with self.lock:
                    self.events.append(e)
        except (EOFError, OSError):
            pass
        except Exception as e:  # reported by check()
            self.error = e

    def by_process(self):
        with self.lock:
            evs = list(self.events)
        out = {}
        for e in evs:
            out.setdefault(e["fullname"], []).append(e)
        return out

    def close(self):
        # shutdown() wakes the reader; a bare close() would leave the
        # connection open under its blocked recv().
        self.client.sock.shutdown(socket.SHUT_RDWR)
        self.join(DEADLINE)
        self.client.close()


def request_mix(rng):
    """1 to 3 requests a client sends on its connection."""
    out = []
    for _ in range(rng.randint(1, 3)):
        k = rng.random()
        names = rng.sample(TARGETS, rng.randint(1, 3))
        if k < 0.35:
            out.append({"cmd": "status"})
        elif k < 0.45:
            out.append({"cmd": "status", "names": rng.sample(
                CRASHERS, 2) + names})
        elif k < 0.65:
            out.append({"cmd": "start", "names": names})
        elif k < 0.85:
            out.append({"cmd": "stop", "names": names})
        elif k < 0.9:
            out.append({"cmd": "pid", "names": names})
        elif k < 0.95:
            out.append({"cmd": "version"})
        else:
            out.append({"cmd": "stop", "names": ["no-such-program"]})
    for i, r in enumerate(out):
        r["id"] = i
    return out


async def one_client(path, rng, stats):
    reader, writer = await asyncio.open_unix_connection(path, limit=1 << 24)
    try:
        reqs = request_mix(rng)
        writer.write(b"".join((json.dumps(r) + "\n").encode()
                              for r in reqs))
        await writer.drain()
        for r in reqs:
            line = await reader.readline()
            assert line.endswith(b"\n"), (r, line)
            reply = well_formed(line[:-1])
            assert reply.get("id") == r["id"], (r, reply)
            if not reply["ok"]:
                assert reply["error"]["code"] in (
                    "already_started", "not_running", "no_such_process",
                    "spawn_error", "abnormal_termination"), (r, reply)
            stats[r["cmd"]] = stats.get(r["cmd"], 0) + 1
    finally:
        writer.close()
        await writer.wait_closed()


async def load(path, clients, seconds, seed):
    """clients connections (or as many as fit in seconds), CONCURRENCY
    at a time; returns the number of requests answered by command."""
    rng = random.Random(seed)
    sem = asyncio.Semaphore(CONCURRENCY)
    stats = {}
    end = time.monotonic() + seconds if seconds else None

    async def run(i):
        async with sem:
            await one_client(path, random.Random(rng.random()), stats)

    done = 0
    while True:
        batch = clients if end is None else CONCURRENCY
        await asyncio.wait_for(
            asyncio.gather(*(run(i) for i in range(batch))),
            timeout=DEADLINE * 4)
        done += batch
        if end is None or time.monotonic() >= end:
            break
    stats["clients"] = done
    return stats


def quiesce(daemon):
    """Stop everything and wait for it: no pipe of a child is open."""
    r = daemon.request({"cmd": "stop", "names": CRASHERS + STABLE,
                        "wait": True}, timeout=DEADLINE * 2)
    assert r["ok"] or r["error"]["code"] == "not_running", r
    final = daemon.status()
    for n in CRASHERS + STABLE:
        assert final[n]["state"] in STOPPED_STATES, final[n]
    return final


def test_many_clients_while_programs_crash(daemon):
    text = ""
    for n in CRASHERS:
        text += program(n, "%s -- 150 1" % helper("exit_after"), startsecs=0,
                        autorestart="true", startretries=1000,
                        backoff_max=1, backoff_reset=1, autostart="false")
    for n in STABLE:
        text += program(n, "sleep 1000", startsecs=0, autostart="false")
    daemon.write_config(text)
    daemon.start()
    pid = daemon.proc.pid
    # Every program has run once (its log files are open from then on),
    # and nothing runs: the descriptors to come back to.
    r = daemon.request({"cmd": "start", "names": CRASHERS + STABLE,
                        "wait": True})
    assert r["ok"], r
    quiesce(daemon)
    fds0 = settle(daemon, pid, fd_count, None)
    socks0 = sockets(pid)
    targets0 = fd_targets(pid)

    ev = Events(daemon)
    r = daemon.request({"cmd": "start", "names": CRASHERS + STABLE})
    assert r["ok"], r
    # A warm-up round: buffers, hash tables and the heap reach their
    # working size; then the figure to compare with.
    asyncio.run(load(daemon.sock, CONCURRENCY, 0, 1))
    settle(daemon, pid, sockets, socks0 + 1)
    rss0 = rss_kb(pid)

    stats = asyncio.run(load(daemon.sock, CLIENTS, 30 if SOAK else 0, 2))
    assert stats["clients"] >= CLIENTS
    assert sum(v for k, v in stats.items() if k != "clients") >= CLIENTS
    assert stats.get("start", 0) > 100 and stats.get("stop", 0) > 100
    settle(daemon, pid, sockets, socks0 + 1)
    rss1 = rss_kb(pid)
    # Three more full rounds must not need more memory than the first,
    # 512 kB a round at most on average: the heap's high-water mark may
    # still step up once (seen: +876 kB in one round, then flat for three),
    # a leak grows at every round.
    rss = []
    for rnd in range(3):
        asyncio.run(load(daemon.sock, CLIENTS, 0, 3 + rnd))
        settle(daemon, pid, sockets, socks0 + 1)
        rss.append(rss_kb(pid))
    rss2 = rss[-1]
    if not under_asan(pid):
        assert rss2 - rss1 <= 3 * 512, (rss0, rss1, rss)
        assert rss2 - rss0 <= 4096, (rss0, rss1, rss)
        assert pss_kb(pid) <= 16384, pss_kb(pid)

    # Quiesce: then the events must end where the status is, each
    # process's transitions chained without a gap.
    final = quiesce(daemon)

    def caught_up():
        evs = ev.by_process()
        return all(evs.get(n) and evs[n][-1]["to"] == final[n]["state"]
                   for n in CRASHERS + STABLE) and evs
    evs = wait(daemon, caught_up, "events to agree with the status")
    assert ev.error is None, ev.error
    total = 0
    for n in CRASHERS + STABLE:
        chain = evs[n]
        total += len(chain)
        for a, b in zip(chain, chain[1:]):
            assert a["to"] == b["from"], (n, a, b)
            assert a["time"] <= b["time"] + 0.001, (n, a, b)
    # The crashers left alone crashed and restarted all along.
    for n in CRASHERS[2:]:
        assert sum(1 for e in evs[n] if e["to"] == "EXITED" or
                   e["to"] == "BACKOFF") >= 2, (n, evs[n])
    assert total > 100
    ev.close()
    settle(daemon, pid, fd_count, fds0, targets0)


def settle(daemon, pid, sample, want, before=None):
    """sample(pid) once clients are gone: equal to want when given
    (closing takes a loop turn), else stable for a moment."""
    if want is not None:
        try:
            wait(daemon, lambda: sample(pid) == want, "%d %s" % (
                want, sample.__name__))
        except AssertionError:
            now = fd_targets(pid)
            raise AssertionError("%s: want %d, have %d; new %s, gone %s" % (
                sample.__name__, want, sample(pid),
                [t for t in now if t not in (before or [])],
                [t for t in (before or []) if t not in now]))
        return want
    last = [sample(pid), time.monotonic()]

    def stable():
        n = sample(pid)
        if n != last[0]:
            last[:] = [n, time.monotonic()]
        return time.monotonic() - last[1] >= 0.3 and n
    return wait(daemon, stable, "a stable %s" % sample.__name__)


def test_start_waiting_then_stopped_again_answers(daemon):
    """A start that waits for a process still stopping (it comes back up
    once down) is answered when another stop cancels that wish: the
    race the load test found, made deterministic."""
    daemon.write_config(program("slow", "%s %s/slow.txt" % (
        helper("ignore_term"), daemon.dir), startsecs=0, stopwaitsecs=5))
    # stopwaitsecs is the window for the two stops and the start between
    # them (a loaded machine under ASan took over a second).
    daemon.start()
    daemon.wait_state("slow", "RUNNING")
    # RUNNING comes at exec (startsecs=0); the helper writes "pid N" once
    # its SIGTERM handler is in, and only then may the stop be sent (an
    # ASan build starts slowly enough for a TERM to arrive before).
    marker = os.path.join(daemon.dir, "slow.txt")
    wait_for(lambda: os.path.exists(marker) and "pid" in open(marker).read(),
             what="ignore_term's handler")
    r = daemon.request({"cmd": "stop", "names": ["slow"], "wait": False})
    assert r["ok"] and daemon.status("slow")["state"] == "STOPPING", r
    waiter = Client(daemon)
    waiter.send({"cmd": "start", "names": ["slow"], "id": "w"})
    # The start is in: the stop after it cancels the wish to come back.
    wait_count(daemon, ": start slow", 1)
    r = daemon.request({"cmd": "stop", "names": ["slow"], "wait": False})
    assert r["ok"], r
    reply = waiter.reply()
    assert reply["id"] == "w" and reply["ok"] is False, reply
    assert reply["error"]["code"] == "abnormal_termination", reply
    assert daemon.status("slow")["state"] == "STOPPED"
    waiter.close()


def test_restart_of_a_process_in_backoff_answers(daemon):
    """Restarting a process in BACKOFF (its stop is immediate) together
    with others is answered, waiting or not: the soak test found it hung
    (the stop counted as the target's outcome, then the start again)."""
    daemon.write_config(
        program("crashy", "%s -- 0 1" % helper("exit_after"), startsecs=1,
                startretries=100, backoff_max=30) +
        program("other", "sleep 1000", startsecs=0))
    daemon.start()
    daemon.wait_state("other", "RUNNING")
    for wait_for_it in (False, True):
        daemon.wait_state("crashy", "BACKOFF")
        r = daemon.request({"cmd": "restart", "names": ["crashy", "other"],
                            "wait": wait_for_it})
        procs = {p["name"]: p for p in r["result"]["processes"]}
        assert procs["other"]["ok"], r
        assert procs["crashy"]["stopped"] is True, r
