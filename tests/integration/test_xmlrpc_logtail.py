"""GET /logtail/NAME[/CHANNEL] and /mainlogtail: the chunked streams the
unmodified supervisorctl reads for `tail -f` and `maintail -f`, from
1024 bytes before the end, following the file as it grows and across
rotations; 404s; a reader that never reads stays bounded."""
import glob
import http.client
import os
import re
import select
import signal
import socket
import subprocess
import textwrap
import threading
import time

import pytest

import pysupervisor
from conftest import DEADLINE, helper, under_asan, wait_for

SLOW = 4 * DEADLINE
FLOOD = 50 * 1024 * 1024

pytestmark = pytest.mark.skipif(
    pysupervisor.unavailable() is not None,
    reason="no Python Supervisor: %s" % pysupervisor.unavailable())

# "out N" on stdout and "err N" on stderr, one pair every 0.05 s.
COUNTER = ("sh -c 'i=0; while :; do i=$((i+1)); echo \"out $i\"; "
           "echo \"err $i\" >&2; sleep 0.05; done'")

PROGRAMS = """\
    [program:counter]
    command = %s
    startsecs = 0
    stdout_logfile_maxbytes = %s
    stdout_logfile_backups = 3

    [program:joined]
    command = sleep 1000
    startsecs = 0
    redirect_stderr = true

    [program:never]
    command = sleep 1000
    autostart = false
    """


class Follower:
    """supervisorctl running a -f command; its stdout gathered by a
    thread, killed by pid at the end."""

    def __init__(self, conf, *args):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [pysupervisor.SUPERVISORCTL, "-c", conf] + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env)
        self.out = b""
        self.err = b""
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._gather, args=(
            self.proc.stdout, "out"), daemon=True), threading.Thread(
            target=self._gather, args=(self.proc.stderr, "err"),
            daemon=True)]
        for t in self.threads:
            t.start()

    def _gather(self, f, attr):
        while True:
            data = os.read(f.fileno(), 65536)
            if not data:
                return
            with self.lock:
                setattr(self, attr, getattr(self, attr) + data)

    def text(self):
        with self.lock:
            return self.out.decode(errors="replace")

    def numbers(self, tag):
        return [int(n) for n in re.findall(r"(?m)^%s (\d+)$" % tag,
                                           self.text())]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self.threads:
            t.join(DEADLINE)


def start(daemon, maxbytes="50MB"):
    daemon.write_config(PROGRAMS % (COUNTER, maxbytes))
    daemon.start()
    daemon.wait_state("counter", "RUNNING")
    daemon.wait_state("joined", "RUNNING")


def follows(daemon, tag, *args):
    """supervisorctl ARGS shows the lines TAG N written after it
    started, one after the other; returns the follower."""
    f = Follower(daemon.conf, *args)
    try:
        wait_for(lambda: len(f.numbers(tag)) >= 3, timeout=SLOW,
                 what="supervisorctl %s to show the end" % " ".join(args))
        first = f.numbers(tag)[-1]
        wait_for(lambda: f.numbers(tag)[-1] >= first + 20, timeout=SLOW,
                 what="lines written after supervisorctl started")
        seen = f.numbers(tag)
        assert seen == list(range(seen[0], seen[0] + len(seen))), seen
        assert f.text().startswith("==> Press Ctrl-C to exit <==\n")
        return f
    except BaseException:
        f.stop()
        raise


def test_tail_f_follows_stdout(daemon):
    start(daemon)
    follows(daemon, "out", "tail", "-f", "counter").stop()


def test_tail_f_follows_stderr(daemon):
    start(daemon)
    f = follows(daemon, "err", "tail", "-f", "counter", "stderr")
    f.stop()
    assert "out " not in f.text()


def test_tail_f_follows_across_rotation(daemon):
    # Rotated every ~60 lines (about 3 s): nothing lost, nothing twice.
    start(daemon, maxbytes="600")
    log = daemon.status("counter")["stdout_logfile"]
    f = follows(daemon, "out", "tail", "-f", "counter")
    try:
        first = f.numbers("out")[-1]
        wait_for(lambda: f.numbers("out")[-1] >= first + 150, timeout=SLOW,
                 what="lines across two rotations")
        seen = f.numbers("out")
        assert seen == list(range(seen[0], seen[0] + len(seen))), seen
        assert os.path.exists(log + ".2")
    finally:
        f.stop()


def test_tail_f_over_tcp_with_credentials(daemon):
    # [inet_http_server] serves the same streams behind Basic auth.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    daemon.write_config(PROGRAMS % (COUNTER, "50MB"), extra=(
        "[inet_http_server]\nport = 127.0.0.1:%d\nusername = admin\n"
        "password = s3cret\n" % port))
    daemon.start()
    daemon.wait_state("counter", "RUNNING")
    url = ["-s", "http://127.0.0.1:%d" % port, "-u", "admin"]
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=SLOW)
    c.request("GET", "/logtail/counter")
    assert c.getresponse().status == 401
    c.close()
    f = Follower(daemon.conf, *(url + ["-p", "s3cret", "tail", "-f",
                                       "counter", "stderr"]))
    try:
        wait_for(lambda: len(f.numbers("err")) >= 10, timeout=SLOW,
                 what="tail -f over TCP")
    finally:
        f.stop()


def test_tail_f_says_when_the_log_is_cleared(daemon):
    # Emptied in place (supervisorctl clear): Supervisor's notice, then
    # the lines written since, from the file's start.
    start(daemon)
    f = follows(daemon, "out", "tail", "-f", "counter")
    try:
        r = subprocess.run([pysupervisor.SUPERVISORCTL, "-c", daemon.conf,
                            "clear", "counter"], capture_output=True,
                           text=True, timeout=SLOW)
        assert r.returncode == 0, r
        wait_for(lambda: "==> File truncated <==\n" in f.text(),
                 timeout=SLOW, what="the truncation notice")
        last = f.numbers("out")[-1]
        wait_for(lambda: f.numbers("out")[-1] >= last + 10, timeout=SLOW,
                 what="lines after the clear")
    finally:
        f.stop()


def test_shutdown_ends_the_streams(daemon):
    # Suspended streams (a quiet log) and a busy one: the daemon ends
    # each and exits; supervisorctl sees the end of its stream.
    start(daemon)
    quiet = Follower(daemon.conf, "tail", "-f", "joined")
    busy = follows(daemon, "out", "tail", "-f", "counter")
    try:
        wait_for(lambda: quiet.text().startswith("==> Press"),
                 timeout=SLOW, what="the quiet stream")
        c, r = request(daemon, "/logtail/joined")
        assert r.status == 200
        daemon.signal(signal.SIGTERM)
        assert daemon.wait_exit(timeout=SLOW) == 0
        for f in (quiet, busy):
            f.proc.wait(timeout=SLOW)
        c.close()
    finally:
        quiet.stop()
        busy.stop()


def test_maintail_f_follows_the_daemon_log(daemon):
    start(daemon)
    f = Follower(daemon.conf, "maintail", "-f")
    try:
        # The last 1024 bytes: whatever the daemon logged last (under
        # ASan, the clients' lines may have pushed "counter" out).
        wait_for(lambda: f.text().strip(), timeout=SLOW,
                 what="the end of the daemon's log")
        assert "never" not in f.text()
        daemon.supctl("start", "never", check=0)
        wait_for(lambda: "never" in f.text(), timeout=SLOW,
                 what="maintail -f to show the new lines")
    finally:
        f.stop()


def request(daemon, path, method="GET"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(SLOW)
    s.connect(daemon.sock)
    c = http.client.HTTPConnection("localhost")
    c.sock = s
    c.request(method, path)
    r = c.getresponse()
    return c, r


def test_logtail_starts_1024_bytes_before_the_end(daemon):
    start(daemon)
    wait_for(lambda: daemon.status("counter")["pid"], what="counter")
    c, r = request(daemon, "/logtail/counter")
    try:
        assert r.status == 200
        assert r.getheader("Transfer-Encoding") == "chunked"
        assert r.getheader("Content-Type") == "text/plain;charset=utf-8"
        assert r.getheader("X-Accel-Buffering") == "no"
        assert r.getheader("Last-Modified").endswith(" GMT")
        first = r.read1(65536)
        assert 0 < len(first) <= 1024 + 64
    finally:
        c.close()


@pytest.mark.parametrize("path", [
    "/logtail/nosuch", "/logtail/nosuch/stderr", "/logtail/g:counter",
    "/logtail/counter/stdin", "/logtail/counter/stdout/x",
    "/logtail/joined/stderr", "/logtail/never",
])
def test_logtail_404(daemon, path):
    start(daemon)
    c, r = request(daemon, path)
    try:
        assert r.status == 404, (path, r.status)
    finally:
        c.close()


def test_quiet_stream_closed_by_its_reader_is_freed(daemon):
    # Suspended on a log that does not grow, the stream still sees its
    # reader go: the daemon lets the connection go at once.
    start(daemon)
    c, r = request(daemon, "/logtail/joined")
    assert r.status == 200
    held = fds(daemon.proc.pid)
    c.close()
    r.close()
    wait_for(lambda: fds(daemon.proc.pid) < held,
             what="the daemon to close the stream")
    assert daemon.status("joined")["state"] == "RUNNING"


def test_quiet_tail_f_left_by_supervisorctl_is_freed(daemon):
    # supervisorctl sends a blank line after its request: behind it, its
    # close is still seen while the stream waits.
    start(daemon)
    f = Follower(daemon.conf, "tail", "-f", "joined")
    try:
        wait_for(lambda: sockets_of(daemon) == 2, timeout=SLOW,
                 what="supervisorctl connected")
    finally:
        f.proc.kill()
        f.stop()
    wait_for(lambda: sockets_of(daemon) == 1, what="the stream let go")


def sockets_of(daemon):
    """The daemon's sockets: the listening one, and its clients'."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % daemon.proc.pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (daemon.proc.pid, fd)
                           ).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def test_logtail_is_get_only(daemon):
    start(daemon)
    c, r = request(daemon, "/logtail/counter", "POST")
    try:
        assert r.status == 405
    finally:
        c.close()


def test_tail_f_unknown_name_as_supervisorctl(daemon):
    start(daemon)
    r = subprocess.run([pysupervisor.SUPERVISORCTL, "-c", daemon.conf,
                        "tail", "-f", "nosuch"], capture_output=True,
                       text=True, timeout=SLOW)
    assert r.stdout == "==> Press Ctrl-C to exit <==\n"
    assert "Cannot read, status code 404" in r.stderr


def test_mainlogtail_404_without_a_log_file(daemon):
    daemon.write_config(PROGRAMS % (COUNTER, "1MB"),
                        supervisord_extra="logfile = syslog\n")
    # The last logfile line wins in inih only when allowed: rewrite.
    with open(daemon.conf) as f:
        text = f.read()
    text = re.sub(r"(?m)^logfile = .*supervisord\.log\n", "", text)
    with open(daemon.conf, "w") as f:
        f.write(text)
    daemon.start()
    daemon.wait_state("counter", "RUNNING")
    c, r = request(daemon, "/mainlogtail")
    try:
        assert r.status == 404
    finally:
        c.close()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stuck_reader(daemon):
    """A connection asking for the flood's stream that never reads."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(daemon.sock)
    s.sendall(b"GET /logtail/flood HTTP/1.1\r\nHost: x\r\n\r\n")
    return s


def test_reader_that_never_reads_is_bounded_then_dropped(daemon):
    go = os.path.join(daemon.dir, "go")
    daemon.write_config("""\
        [program:flood]
        command = %s -l -w %s %d
        startsecs = 0
        stdout_logfile_maxbytes = 0

        [program:sleeper]
        command = sleep 1000
        startsecs = 0
        """ % (helper("log_flood"), go, FLOOD))
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "5"})
    daemon.wait_state("flood", "RUNNING")
    daemon.wait_state("sleeper", "RUNNING")
    log = daemon.status("flood")["stdout_logfile"]
    wait_for(lambda: os.path.exists(log), what="the flood's log file")
    readers = [stuck_reader(daemon) for _ in range(5)]
    for s in readers:
        wait_for(lambda: b"200 OK" in s.recv(64, socket.MSG_PEEK),
                 what="a stream to start")
    # Each stream holds its socket and the log file open.
    held = streams_held(daemon, log)
    try:
        before = rss_kb(daemon.proc.pid)
        peak = before
        open(go, "w").close()
        end = time.monotonic() + SLOW * 3
        while os.path.getsize(log) < FLOOD and time.monotonic() < end:
            peak = max(peak, rss_kb(daemon.proc.pid))
            # Other clients are served meanwhile.
            assert daemon.status("sleeper")["state"] == "RUNNING"
            time.sleep(0.1)
        assert os.path.getsize(log) >= FLOOD, "the flood did not finish"
        if not under_asan(daemon.proc.pid):
            assert peak - before < 16 * 1024, (before, peak)
        # No progress: the daemon closes each reader's connection, not
        # read from meanwhile (reading would let the stream go on), once
        # it has taken nothing for the timeout, whether the daemon still
        # had bytes for it (libmicrohttpd's timeout) or had sent all and
        # waited at the file's end (stall.c).
        for s in readers:
            wait_for(lambda: closed_by_peer(s), timeout=SLOW * 2,
                     what="the daemon to close a stuck reader")
        # Each had what the socket buffers held, not the 50 MB; the
        # daemon's descriptors are back to what they were.
        for s in readers:
            assert drained(s) < 8 * 1024 * 1024
        wait_for(lambda: released(daemon, log, held, len(readers)),
                 timeout=SLOW, what="the streams' descriptors closed")
        assert daemon.log().count("output not read in time") <= len(
            readers)
    finally:
        for s in readers:
            s.close()


def test_reader_stuck_at_the_end_of_the_file_is_dropped(daemon):
    # 50 kB, then nothing: all of it fits in the socket's queue, so the
    # daemon sends it all and waits at the file's end, with the reader's
    # queue full of bytes it never takes.  The daemon closes that stream
    # after the timeout, says so once, and keeps the one that reads.
    go = os.path.join(daemon.dir, "go")
    daemon.write_config("""\
        [program:flood]
        command = %s -l -w %s 50000
        startsecs = 0
        """ % (helper("log_flood"), go))
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "2"})
    daemon.wait_state("flood", "RUNNING")
    log = daemon.status("flood")["stdout_logfile"]
    wait_for(lambda: os.path.exists(log), what="the flood's log file")
    stuck, reading = stuck_reader(daemon), stuck_reader(daemon)
    got = b""
    try:
        for s in (stuck, reading):
            wait_for(lambda: b"200 OK" in s.recv(64, socket.MSG_PEEK),
                     what="the stream to start")
        # Each stream holds its socket and the log file open.
        held = streams_held(daemon, log)
        open(go, "w").close()
        reading.setblocking(False)
        end = time.monotonic() + SLOW
        while not closed_by_peer(stuck):
            assert time.monotonic() < end, "the stuck reader is still open"
            try:
                got += reading.recv(1 << 16)
            except BlockingIOError:
                time.sleep(0.01)
        assert got.count(b"\n") >= 400, len(got)
        assert daemon.log().count("output not read in time") == 1
        assert "dropping the stream of '%s'" % log in daemon.log()
        # The reader that reads is still served; the stuck one's
        # descriptor is gone from the daemon.
        assert not closed_by_peer(reading)
        wait_for(lambda: released(daemon, log, held, 1),
                 what="the stuck stream's descriptors closed")
    finally:
        stuck.close()
        reading.close()
    wait_for(lambda: released(daemon, log, held, 2),
             what="the reading stream's descriptors closed")


def closed_by_peer(s):
    """The other end of the Unix socket s is closed (s not read)."""
    p = select.poll()
    p.register(s, select.POLLHUP | select.POLLRDHUP)
    return any(ev & (select.POLLHUP | select.POLLRDHUP)
               for _, ev in p.poll(0))


def released(daemon, log, held, n):
    """n streams' descriptors are gone since held (streams_held()): the
    log's exactly (only streams open it, but its writer); the sockets at
    least (one of held may have been a request's, closing)."""
    sockets, files = streams_held(daemon, log)
    return files == held[1] - n and sockets <= held[0] - n


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def streams_held(daemon, log):
    """The daemon's sockets, and its descriptors of the file log."""
    files = 0
    for fd in os.listdir("/proc/%d/fd" % daemon.proc.pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (daemon.proc.pid, fd)) == log:
                files += 1
        except OSError:
            pass
    return sockets_of(daemon), files


def drained(s):
    """Read s to its end: how many bytes it held."""
    got = 0
    s.settimeout(SLOW)
    try:
        while True:
            data = s.recv(1 << 16)
            if not data:
                return got
            got += len(data)
    except ConnectionResetError:
        return got


class Reference:
    """Python Supervisor's supervisord in a folder of its own."""

    def __init__(self, root, programs):
        self.dir = os.path.join(root, "reference")
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "supervisord.conf")
        with open(self.conf, "w") as f:
            f.write("[supervisord]\nlogfile = {d}/supervisord.log\n"
                    "pidfile = {d}/supervisord.pid\nchildlogdir = {d}\n\n"
                    "[unix_http_server]\nfile = {d}/s.sock\n\n"
                    "[rpcinterface:supervisor]\nsupervisor.rpcinterface_"
                    "factory = supervisor.rpcinterface:make_main_rpc"
                    "interface\n\n[supervisorctl]\nserverurl = "
                    "unix://{d}/s.sock\n\n".format(d=self.dir))
            f.write(textwrap.dedent(programs))
        self.proc = subprocess.Popen(
            [pysupervisor.SUPERVISORD, "-n", "-c", self.conf],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=self.dir)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


SEQ = """\
    [program:seq]
    command = sh -c 'seq 1 400; exec sleep 1000'
    startsecs = 0
    """


def test_tail_f_first_bytes_as_python_supervisor(daemon, tmp_path):
    daemon.write_config(SEQ)
    daemon.start()
    ref = Reference(str(tmp_path), SEQ)
    shown = []
    whole = sum(len("%d\n" % i) for i in range(1, 401))
    try:
        for where in (daemon.dir, ref.dir):
            # Python Supervisor writes the log as it reads the pipe.
            wait_for(lambda: [p for p in glob.glob(os.path.join(
                where, "seq-stdout*.log")) if os.path.getsize(p) == whole],
                timeout=SLOW, what="seq's whole log in %s" % where)
        for conf in (daemon.conf, ref.conf):
            f = Follower(conf, "tail", "-f", "seq")
            try:
                wait_for(lambda: f.text().endswith("\n400\n"),
                         timeout=SLOW, what="tail -f seq to show 400")
            finally:
                f.stop()
            text = f.text().split("\n", 1)[1]
            # supervisorctl prints a newline at Ctrl-C, unless the signal
            # comes while it is between reads (seen under load): not ours.
            if text.endswith("\n\n"):
                text = text[:-1]
            shown.append(text)
    finally:
        ref.kill()
    assert shown[0] == shown[1]
    # The last 1024 bytes.
    assert len(shown[0]) == 1024
