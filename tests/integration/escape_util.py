"""Helpers for the tests of what programs leave behind: the guardian,
stale process groups, daemonizing programs, and a real nginx."""
import fcntl
import json
import os
import shutil
import socket
import subprocess
import textwrap

import pytest

from conftest import BUILD, pid_alive, wait_for, free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def read_master_workers(path):
    """master_workers' file: (master pid, [worker pids]), or None."""
    try:
        with open(path) as f:
            lines = [line.split() for line in f.read().splitlines()]
    except FileNotFoundError:
        return None
    master = [int(p) for k, p in lines if k == "master"]
    workers = [int(p) for k, p in lines if k == "worker"]
    return (master[0], workers) if master and len(workers) == 2 else None


def wait_master_workers(path):
    return wait_for(lambda: read_master_workers(path),
                    what="master and workers in %s" % path)


def record(d):
    """The daemon's JSON record, beside its pidfile."""
    with open(d.pidfile + ".json") as f:
        return json.load(f)


def guardian_of(d):
    """The guardian's pid, once the record names a live one."""
    return wait_for(lambda: (os.path.exists(d.pidfile + ".json") and
                             pid_alive(record(d)["guardian"] or 0) and
                             record(d)["guardian"]),
                    what="a live guardian in the daemon's record")


def children(pid):
    """Live children of pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(d))
    return out


def nginx_binary():
    """A runnable nginx: on PATH, or unpacked under build/nginx by `make
    nginx` (Debian's package starts a service when installed, so it is
    never installed here); None when neither can be had."""
    candidates = [shutil.which("nginx"), "/usr/sbin/nginx",
                  os.path.join(BUILD, "nginx", "usr", "sbin", "nginx")]
    for path in candidates:
        if path and os.access(path, os.X_OK) and _runs(path):
            return path
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, ".nginx.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)    # one download for all workers
        path = candidates[-1]
        if not os.path.exists(path):
            try:
                subprocess.run(["make", "-s", "-C", ROOT, "BUILD=" + BUILD,
                                "nginx"], capture_output=True, timeout=180)
            except (OSError, subprocess.TimeoutExpired):
                return None
        return path if os.access(path, os.X_OK) and _runs(path) else None


def _runs(path):
    try:
        return subprocess.run([path, "-v"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture
def nginx(tmp_path):
    """(binary, prefix, port, command) for an nginx on a free loopback
    port with two workers, its files in a private prefix; the test adds
    -g 'daemon off;' or not."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip("nginx cannot be had: not on PATH, and `make nginx` "
                    "could not unpack Debian's package")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(textwrap.dedent("""\
        worker_processes 2;
        pid {p}/nginx.pid;
        error_log stderr notice;
        events {{ worker_connections 64; }}
        http {{
            access_log off;
            client_body_temp_path {p}/body;
            proxy_temp_path {p}/proxy;
            fastcgi_temp_path {p}/fastcgi;
            uwsgi_temp_path {p}/uwsgi;
            scgi_temp_path {p}/scgi;
            server {{ listen 127.0.0.1:{port}; return 200 "ok\\n"; }}
        }}
        """).format(p=prefix, port=port))
    cmd = "%s -p %s -c %s -e stderr" % (binary, prefix, conf)
    return binary, str(prefix), port, cmd


def http_ok(port):
    """True if something answers an HTTP GET on the port with 200."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
