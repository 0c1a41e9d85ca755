"""Which socket supctl uses (-s, -c's serverurl or file, $SUPCTL_SOCKET,
the default), and what it says when the daemon cannot be reached."""
import os
import socket
import subprocess

import pytest

from conftest import SUPCTL, DEADLINE

DEFAULT_CONFIGS = ("/etc/supervisord.conf", "/etc/supervisor/supervisord.conf")


@pytest.fixture
def d(daemon):
    daemon.write_config("""\
        [program:p]
        command = sleep 1000
        """)
    daemon.start()
    daemon.wait_state("p", "RUNNING")
    return daemon


def run(args, cwd, env=None):
    e = {k: v for k, v in os.environ.items()
         if k not in ("SUPCTL_SOCKET", "NO_COLOR")}
    e.update(env or {})
    return subprocess.run([SUPCTL] + args, capture_output=True, text=True,
                          timeout=DEADLINE, env=e, cwd=cwd)


def test_socket_option(d, tmp_path):
    r = run(["-s", d.sock, "status", "p"], str(tmp_path))
    assert r.returncode == 0 and "RUNNING" in r.stdout


def test_config_serverurl_wins_over_file(d, tmp_path):
    conf = tmp_path / "client.conf"
    conf.write_text("[unix_http_server]\nfile = %s/nothing.sock\n\n"
                    "[supervisorctl]\nserverurl = unix://%s\n"
                    % (tmp_path, d.sock))
    r = run(["-c", str(conf), "status", "p"], str(tmp_path))
    assert r.returncode == 0, r.stderr


def test_config_file_without_serverurl(d, tmp_path):
    conf = tmp_path / "client.conf"
    conf.write_text("[unix_http_server]\nfile = %s\n" % d.sock)
    r = run(["-c", str(conf), "status", "p"], str(tmp_path))
    assert r.returncode == 0, r.stderr


def test_environment_socket(d, tmp_path):
    r = run(["status", "p"], str(tmp_path), {"SUPCTL_SOCKET": d.sock})
    assert r.returncode == 0, r.stderr


def test_unreadable_config_falls_back(d, tmp_path):
    r = run(["-c", str(tmp_path / "missing.conf"), "status", "p"],
            str(tmp_path), {"SUPCTL_SOCKET": d.sock})
    assert r.returncode == 0, r.stderr
    assert "missing.conf" in r.stderr


def test_config_in_the_current_folder(d, tmp_path):
    (tmp_path / "supervisord.conf").write_text(
        "[unix_http_server]\nfile = %s\n" % d.sock)
    r = run(["status", "p"], str(tmp_path))
    assert r.returncode == 0, r.stderr


def test_unreachable_names_the_socket(tmp_path):
    sock = str(tmp_path / "none.sock")
    r = run(["-s", sock, "status"], str(tmp_path))
    assert r.returncode == 5
    assert sock in r.stderr and "No such file or directory" in r.stderr
    # A socket file nobody listens on: refused.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock)
    s.close()
    r = run(["-s", sock, "start", "p"], str(tmp_path))
    assert r.returncode == 5
    assert sock in r.stderr and "Connection refused" in r.stderr
    r = run(["-s", sock, "version"], str(tmp_path))
    assert r.returncode == 5 and r.stdout == "supctl 0.1.0 (protocol 1)\n"


def test_default_socket(tmp_path):
    if any(os.path.exists(p) for p in DEFAULT_CONFIGS):
        pytest.skip("a system configuration names the socket here")
    r = run(["status"], str(tmp_path), {"XDG_RUNTIME_DIR": str(tmp_path)})
    assert r.returncode == 5
    want = ("/run/supervisord.sock" if os.geteuid() == 0
            else str(tmp_path / "supervisord.sock"))
    assert want in r.stderr, r.stderr


def test_daemon_gone_mid_stream(d, tmp_path):
    p = subprocess.Popen([SUPCTL, "-s", d.sock, "events"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    d.wait_log("pid %d) subscribed to events" % p.pid)
    d.kill()
    out, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 5
    assert "closed the connection" in err
