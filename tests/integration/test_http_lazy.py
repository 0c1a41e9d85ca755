"""libmicrohttpd is loaded when HTTP is first needed (supervisord(8),
"HTTP"): a daemon spoken to only in JSON never maps it (nor GnuTLS,
which Debian's build drags in), the first supervisorctl call loads it,
[inet_http_server] loads it at start, and a library that cannot be
loaded refuses HTTP, said once in the log, while JSON keeps working."""
import os
import socket
import subprocess

import pytest

import pysupervisor
from conftest import DEADLINE, free_port, wait_for

PY_SUPERVISORCTL = pysupervisor.SUPERVISORCTL

PROGRAMS = """\
    [program:sleeper]
    command = sleep 1000
    startsecs = 0
    """

GETSTATE = (b'POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\n'
            b'Content-Length: 98\r\n\r\n<?xml version="1.0"?><methodCall>'
            b'<methodName>supervisor.getState</methodName></methodCall>')


def mapped(pid, lib):
    with open("/proc/%d/maps" % pid) as f:
        return lib in f.read()


def supervisorctl(daemon, *args):
    return subprocess.run([PY_SUPERVISORCTL, "-c", daemon.conf] + list(args),
                          capture_output=True, text=True, timeout=DEADLINE)


def http_exchange(daemon, request):
    """The whole answer to one request on the Unix socket ("" when the
    daemon closes it without a word: a reset, as the request is unread)."""
    s = daemon.connect()
    data = b""
    try:
        s.sendall(request)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return data.decode(errors="replace")


@pytest.mark.skipif(not os.path.exists(PY_SUPERVISORCTL),
                    reason="no supervisorctl: `make pysupervisor` failed")
def test_json_only_daemon_never_maps_libmicrohttpd(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start()
    daemon.wait_state("sleeper", "RUNNING")
    daemon.supctl("status", check=0)
    pid = daemon.proc.pid
    assert not mapped(pid, "libmicrohttpd"), "loaded before any HTTP"
    assert not mapped(pid, "libgnutls")
    r = supervisorctl(daemon, "status", "sleeper")
    assert r.returncode == 0 and "RUNNING" in r.stdout, (r.stdout, r.stderr)
    assert mapped(pid, "libmicrohttpd")
    # Loaded once: the next call and JSON go on as before.
    r = supervisorctl(daemon, "pid", "sleeper")
    assert r.returncode == 0 and r.stdout.strip().isdigit(), r
    daemon.supctl("status", check=0)


def resident_read_only_kb(pid, lib):
    """Resident kB of lib's file pages in mappings that are not writable
    (code, constants): what mhd.c gives back once GnuTLS is initialised.
    RELRO is not writable either, but its pages are private copies
    (Anonymous), made by relocation, and kept."""
    kb, current = 0, False
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:
                current = (len(fields) >= 6 and lib in fields[5]
                           and "w" not in fields[1])
            elif current and fields[0] == "Rss:":
                kb += int(fields[1])
            elif current and fields[0] == "Anonymous:":
                kb -= int(fields[1])
    return kb


@pytest.mark.skipif(not os.path.exists(PY_SUPERVISORCTL),
                    reason="no supervisorctl: `make pysupervisor` failed")
def test_gnutls_pages_given_back_once_loaded(daemon):
    """Its initialisation touched about 1 MB of GnuTLS's code; none of
    it stays resident, as serving HTTP never calls GnuTLS."""
    daemon.write_config(PROGRAMS)
    daemon.start()
    daemon.wait_state("sleeper", "RUNNING")
    for _ in range(3):
        r = supervisorctl(daemon, "status")
        assert r.returncode == 0, (r.stdout, r.stderr)
    pid = daemon.proc.pid
    assert mapped(pid, "libgnutls")
    assert resident_read_only_kb(pid, "libgnutls") <= 64
    # libmicrohttpd's own code is kept: it serves every request.
    assert resident_read_only_kb(pid, "libmicrohttpd") > 0


def test_inet_http_server_loads_it_at_start(daemon):
    port = free_port()
    daemon.write_config(PROGRAMS, extra="[inet_http_server]\nport = "
                        "127.0.0.1:%d\n" % port)
    daemon.start()
    daemon.wait_log("http: listening on 127.0.0.1:%d" % port)
    # Loaded right after that line, before the loop serves anything.
    wait_for(lambda: mapped(daemon.proc.pid, "libmicrohttpd"),
             what="libmicrohttpd mapped")


def fake_library(tmp_path):
    """A libmicrohttpd.so.12 first in the search path, with none of the
    functions the daemon needs."""
    d = tmp_path / "fakelib"
    d.mkdir()
    src = d / "empty.c"
    src.write_text("int not_microhttpd;\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o",
                    str(d / "libmicrohttpd.so.12"), str(src)], check=True)
    return {"LD_LIBRARY_PATH": str(d)}


def test_library_that_cannot_load_refuses_http_only(daemon, tmp_path):
    env = fake_library(tmp_path)
    daemon.write_config(PROGRAMS)
    daemon.start(env=env)
    daemon.wait_state("sleeper", "RUNNING")
    assert http_exchange(daemon, GETSTATE) == ""
    daemon.wait_log("cannot load libmicrohttpd.so.12")
    daemon.wait_log("HTTP connections are refused")
    # Told once, not per connection; JSON is served throughout.
    assert http_exchange(daemon, GETSTATE) == ""
    assert daemon.log().count("HTTP connections are refused") == 1
    assert daemon.status("sleeper")["state"] == "RUNNING"
    daemon.supctl("stop", "sleeper", check=0)
    daemon.wait_state("sleeper", "STOPPED")


def test_inet_http_server_without_library_fails_to_start(daemon, tmp_path):
    env = fake_library(tmp_path)
    daemon.write_config(PROGRAMS, extra="[inet_http_server]\nport = "
                        "127.0.0.1:%d\n" % free_port())
    daemon.start(env=env, wait=False)
    assert daemon.proc.wait(timeout=DEADLINE) != 0
    out = daemon.output()
    assert "cannot load libmicrohttpd.so.12" in out, out
    assert "[inet_http_server] cannot be served" in out, out
    wait_for(lambda: not os.path.exists(daemon.sock), what="socket removed")
