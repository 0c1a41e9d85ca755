"""The control socket itself: who may connect (the daemon's user, root,
chown's owner and group, access_group; everyone else refused), the
socket's file (mode, stale or live, removed at exit), and its limits
(a thousand clients at once, out of descriptors)."""
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import wait_for, DEADLINE, SUPERVISORD, start_with_nofile
from control_util import PROGRAMS, assert_healthy, d  # noqa: F401


def public_socket(daemon, extra):
    """Move the socket where any user can reach it, with extra keys."""
    pub = tempfile.mkdtemp(prefix="ctl-")
    os.chmod(pub, 0o755)
    sock = os.path.join(pub, "s.sock")
    text = open(daemon.conf).read().replace(daemon.sock, sock).replace(
        "[unix_http_server]\n", "[unix_http_server]\n" + extra)
    open(daemon.conf, "w").write(text)
    daemon.sock = sock
    return pub


def test_forbidden_for_other_users(daemon):
    if os.geteuid() != 0:
        pytest.skip("needs root to connect as another user")
    daemon.write_config(PROGRAMS)
    pub = public_socket(daemon, "chmod = 0777\n")
    daemon.start()
    daemon.status()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgid(65534)
            os.setuid(65534)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(DEADLINE)
            s.connect(daemon.sock)
            s.sendall(b'{"cmd":"status"}\n')
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            os.write(w, data)
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    lines = data.splitlines()
    assert len(lines) == 1, data
    reply = json.loads(lines[0])
    assert reply["ok"] is False and reply["error"]["code"] == "forbidden"
    daemon.wait_log("refused a connection from uid 65534 pid %d" % pid)
    assert_healthy(daemon)
    daemon.kill()
    shutil.rmtree(pub)


def test_access_group_admits_its_members(daemon):
    if os.geteuid() != 0:
        pytest.skip("needs root to connect as another user")
    daemon.write_config(PROGRAMS)
    pub = public_socket(daemon, "chmod = 0777\naccess_group = 4242\n")
    daemon.start()
    daemon.status()

    def ask(gid, groups):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                os.setgroups(groups)
                os.setgid(gid)
                os.setuid(65534)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(DEADLINE)
                s.connect(daemon.sock)
                s.sendall(b'{"cmd":"version"}\n')
                data = b""
                while b"\n" not in data:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                os.write(w, data)
            finally:
                os._exit(0)
        os.close(w)
        data = b""
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            data += chunk
        os.close(r)
        os.waitpid(pid, 0)
        return json.loads(data.splitlines()[0])

    assert ask(4242, [])["ok"] is True           # primary group
    assert ask(65534, [4242])["ok"] is True      # supplementary group
    reply = ask(65534, [])
    assert reply["error"]["code"] == "forbidden"
    daemon.kill()
    shutil.rmtree(pub)


def ask_as(sock, uid, gid, groups):
    """A version request from a child running as uid, gid and groups
    (no passwd entry needed): the reply, or the connect() error's name."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(DEADLINE)
            try:
                s.connect(sock)
            except OSError as e:
                os.write(w, json.dumps({"connect": e.__class__.__name__})
                         .encode() + b"\n")
                os._exit(0)
            s.sendall(b'{"cmd":"version"}\n')
            data = b""
            while b"\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            os.write(w, data)
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data.splitlines()[0])


def test_chown_owner_and_group_admitted(daemon):
    """chmod 0770 and chown alice:ops: alice and the members of ops get
    in, as the file's permissions (and Python Supervisor) let them."""
    if os.geteuid() != 0:
        pytest.skip("needs root to connect as another user")
    daemon.write_config(PROGRAMS)
    pub = public_socket(daemon, "chmod = 0770\nchown = 12345:12346\n")
    daemon.start()
    daemon.status()
    st = os.stat(daemon.sock)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (12345, 12346,
                                                          0o770)
    assert ask_as(daemon.sock, 12345, 5555, [])["ok"] is True    # owner
    assert ask_as(daemon.sock, 22222, 12346, [])["ok"] is True   # group
    assert ask_as(daemon.sock, 22222, 5555, [12346])["ok"] is True
    # Anyone else: the file's permissions refuse them before we do.
    assert ask_as(daemon.sock, 22222, 5555, []) == {
        "connect": "PermissionError"}
    assert "refused a connection" not in daemon.log()
    assert_healthy(daemon)
    daemon.kill()
    shutil.rmtree(pub)


def test_chown_others_still_refused(daemon):
    """A user neither chown's owner nor in its group is refused even where
    the file lets others write (chmod 0757)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to connect as another user")
    daemon.write_config(PROGRAMS)
    pub = public_socket(daemon, "chmod = 0757\nchown = 12345:12346\n")
    daemon.start()
    daemon.status()
    assert ask_as(daemon.sock, 12345, 5555, [])["ok"] is True
    reply = ask_as(daemon.sock, 22222, 5555, [])
    assert reply["error"]["code"] == "forbidden", reply
    daemon.wait_log("refused a connection from uid 22222")
    daemon.kill()
    shutil.rmtree(pub)


def test_check_config_warns_when_only_root_can_connect(daemon):
    daemon.write_config(PROGRAMS)
    text = open(daemon.conf).read()

    def check(extra):
        with open(daemon.conf, "w") as f:
            f.write(text.replace("[unix_http_server]\n",
                                 "[unix_http_server]\n" + extra))
        return subprocess.run([SUPERVISORD, "-t", "-c", daemon.conf],
                              capture_output=True, text=True,
                              timeout=DEADLINE)

    r = check("chmod = 0500\n")
    assert r.returncode == 0, r.stderr
    assert re.search(r"supervisord.conf:\d+: warning: \[unix_http_server\] "
                     r"chmod 0500: no one but root can connect", r.stderr), \
        r.stderr
    r = check("chmod = 0700\naccess_group = root\n")
    assert "access_group 'root' cannot connect (neither the group nor " \
        "others have write permission)" in r.stderr, r.stderr
    r = check("chmod = 0770\nchown = root:daemon\naccess_group = root\n")
    assert "access_group 'root' cannot connect (the socket's group is " \
        "'daemon'" in r.stderr, r.stderr
    r = check("chmod = 0070\nchown = daemon:root\n")
    assert "chown's user 'daemon' cannot connect" in r.stderr, r.stderr
    # What can work says nothing.
    for ok in ("chmod = 0700\n", "chmod = 0770\nchown = daemon:root\n",
               "chmod = 0770\nchown = root:root\naccess_group = root\n",
               "chmod = 0777\naccess_group = daemon\n"):
        r = check(ok)
        assert r.returncode == 0 and "warning" not in r.stderr, (ok,
                                                                 r.stderr)


def daemon_fds(daemon):
    return len(os.listdir("/proc/%d/fd" % daemon.proc.pid))


def test_thousand_clients_at_once(d):
    d.status()
    before = daemon_fds(d)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    t0 = time.monotonic()
    socks = []
    try:
        for _ in range(1000):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(DEADLINE * 2)
            s.connect(d.sock)
            socks.append(s)
        for i, s in enumerate(socks):
            s.sendall((json.dumps({"id": i, "cmd": "status",
                                   "names": ["sleeper"]}) + "\n").encode())
        for i, s in enumerate(socks):
            buf = b""
            while b"\n" not in buf:
                chunk = s.recv(65536)
                assert chunk, "client %d got no reply" % i
                buf += chunk
            reply = json.loads(buf.split(b"\n")[0])
            assert reply["id"] == i and reply["ok"]
            s.close()
    finally:
        for s in socks:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert time.monotonic() - t0 < DEADLINE * 2
    assert_healthy(d)
    # Every connection's descriptor is closed again.
    wait_for(lambda: daemon_fds(d) <= before, what="descriptors released")


def test_out_of_descriptors_pauses_accept(daemon):
    """The daemon with few descriptors: EMFILE on accept, everyone is
    still served (in turn), without a busy loop."""
    daemon.write_config(PROGRAMS, supervisord_extra="minfds = 16")
    soft, hard = start_with_nofile(daemon, 64)
    try:
        daemon.status()
        socks = []
        for _ in range(150):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(DEADLINE * 2)
            s.connect(daemon.sock)
            s.sendall(b'{"cmd":"version"}\n')
            socks.append(s)
        cpu0 = sum(os.times()[:2])
        for i, s in enumerate(socks):
            buf = b""
            while b"\n" not in buf:
                chunk = s.recv(65536)
                assert chunk, "client %d got no reply" % i
                buf += chunk
            assert json.loads(buf.split(b"\n")[0])["ok"]
            s.close()
        daemon.wait_log("cannot accept, pausing")
        # Said once per episode, with its count at the end, not at every
        # 100 ms pause: one more connection ends the episode.
        assert daemon.request({"cmd": "version"})["ok"]
        daemon.wait_log("accepting again after")
        log = daemon.log()
        assert log.count("cannot accept, pausing") == \
            log.count("accepting again after"), log
        assert re.search(r"accepting again after \d+ pauses? over "
                         r"[0-9.]+ s out of descriptors", log), log
        with open("/proc/%d/stat" % daemon.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        # A busy loop on EMFILE would burn seconds of CPU here.
        assert ticks / os.sysconf("SC_CLK_TCK") < 5, ticks
        assert_healthy(daemon)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_stale_socket_replaced(daemon):
    daemon.write_config(PROGRAMS)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(daemon.sock)
    s.close()  # a socket file nobody listens on
    daemon.start()
    assert daemon.status("sleeper")
    daemon.wait_log("removing stale socket")


def test_live_socket_not_stolen(daemon, tmp_path):
    daemon.write_config(PROGRAMS)
    daemon.start()
    daemon.status()
    # A second daemon, its own pidfile, the same socket: it must refuse.
    other = str(tmp_path / "other.conf")
    text = open(daemon.conf).read().replace("supervisord.pid", "other.pid")
    text = text.replace("logfile = %s/supervisord.log" % daemon.dir,
                        "logfile = %s/other.log" % daemon.dir)
    open(other, "w").write(text.replace("[program:", "[program:x"))
    p = subprocess.run([SUPERVISORD, "-n", "-c", other], capture_output=True,
                       text=True, timeout=DEADLINE)
    assert p.returncode != 0
    out = p.stderr + (open(str(tmp_path / "other.log")).read()
                      if os.path.exists(str(tmp_path / "other.log")) else "")
    assert "another daemon is answering" in out, out
    assert_healthy(daemon)


def test_socket_mode_and_removal(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start()
    daemon.status()
    st = os.stat(daemon.sock)
    assert st.st_mode & 0o777 == 0o700
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert not os.path.exists(daemon.sock)
