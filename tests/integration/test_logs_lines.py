"""Line destinations: /dev/stdout and /dev/stderr (the daemon's own
streams, where lines of different programs never interleave mid-line),
and syslog (one datagram per line, tagged with the program's name)."""
import os
import re
import socket

from logs_util import helper, program, program_pid, read, wait_for

LINE = re.compile(rb"^(\w+) (\d+) ([a-z])\3{39}$")


def _lines(daemon, tags):
    """Lines of the given tags in the daemon's stdout/stderr, in order."""
    out = {t: [] for t in tags}
    bad = []
    for line in (read(daemon.stderr_path) or b"").split(b"\n"):
        if not any(t.encode() in line for t in tags):
            continue
        m = LINE.match(line)
        if m is None or m.group(1).decode() not in tags:
            bad.append(line)
            continue
        n = int(m.group(2))
        assert m.group(3)[0] == 97 + n % 26, line
        out[m.group(1).decode()].append(n)
    return out, bad


def test_dev_stdout_lines_never_interleave(daemon):
    """Three programs write lines in pieces to /dev/stdout and
    /dev/stderr at once: every line comes out whole."""
    daemon.write_config(
        program("alpha", "%s -n 150 -p 3 -u 300 alpha" % helper("log_lines"),
                stdout_logfile="/dev/stdout", stdout_logfile_maxbytes=0) +
        program("bravo", "%s -n 150 -p 5 -u 200 bravo" % helper("log_lines"),
                stdout_logfile="/dev/stdout", stdout_logfile_maxbytes=0) +
        program("carol", "%s -a -n 150 -p 2 -u 500 carol"
                % helper("log_lines"),
                stdout_logfile="/dev/stdout", stdout_logfile_maxbytes=0,
                stderr_logfile="/dev/stderr", stderr_logfile_maxbytes=0))
    daemon.start()
    tags = ("alpha", "bravo", "carol")
    wait_for(lambda: all(len(v) == 150 for v in _lines(daemon, tags)[0]
                         .values()), what="150 whole lines of each")
    got, bad = _lines(daemon, tags)
    assert bad == []
    assert got["alpha"] == list(range(150))
    assert got["bravo"] == list(range(150))
    assert sorted(got["carol"]) == list(range(150))


def test_dev_stdout_partial_last_line_ends_the_line(daemon):
    """A partial last line goes out when the program exits, ended with a
    newline so that the next program's line starts on its own."""
    daemon.write_config(
        program("part", "%s -n 2 -x part" % helper("log_lines"),
                stdout_logfile="/dev/stdout", stdout_logfile_maxbytes=0))
    daemon.start()
    wait_for(lambda: b"part end\n" in (read(daemon.stderr_path) or b""),
             what="the partial line, ended")
    data = read(daemon.stderr_path)
    assert re.search(rb"(^|\n)part 1 b{40}\npart end\n", data), data


def test_syslog_one_datagram_per_line_tagged(daemon):
    sock_path = os.path.join(daemon.dir, "log.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(15)
    try:
        daemon.write_config(program(
            "sl", "%s -a -l -n 6 -p 3 -u 1000 -x sl" % helper("log_lines"),
            stdout_logfile="NONE", stderr_logfile="NONE",
            stdout_syslog=True, stderr_syslog=True))
        daemon.start(env={"SUPERVISORD_SYSLOG_SOCKET": sock_path})
        pid = program_pid(daemon, "log_lines")
        got = []
        while len(got) < 6:
            got.append(s.recv(65536))
    finally:
        s.close()
    msg = re.compile(rb"^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d sl\[(\d+)\]: "
                     rb"(.*)$")
    seen = {}
    for g in got:
        m = msg.match(g)
        assert m, g
        assert int(m.group(2)) == pid
        seen[m.group(3)] = int(m.group(1))
    for i in range(6):
        line = b"sl %d %s" % (i, bytes([97 + i]) * 40)
        # stdout at user.info (14), stderr at user.err (11)
        assert seen[line] == (11 if i % 2 else 14), (line, seen)


def test_syslog_unreachable_drops_are_reported_once(daemon):
    """No syslog listening: lines are dropped and counted, the program is
    not held up, and the daemon says so once."""
    daemon.write_config(program(
        "nosl", "%s -n 0 -i 1000 nosl" % helper("log_lines"),
        stdout_logfile="NONE", stdout_syslog=True))
    daemon.start(env={"SUPERVISORD_SYSLOG_SOCKET":
                      os.path.join(daemon.dir, "absent.sock")})
    pid = program_pid(daemon, "log_lines")
    daemon.wait_log("cannot send to syslog")

    def written():
        with open("/proc/%d/io" % pid) as f:
            return int([l for l in f if l.startswith("wchar:")][0].split()[1])
    start = written()
    wait_for(lambda: written() > start + 20000, what="the program writing")
    assert daemon.log().count("cannot send to syslog") == 1
