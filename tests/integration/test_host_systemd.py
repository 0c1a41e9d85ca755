"""systemd/supervisord.service: clean under `systemd-analyze verify` with
@BINDIR@ pointing at the build (or at a real `make install`), and the
settings the daemon relies on."""
import os
import shutil
import subprocess

import pytest

from conftest import BUILD, DEADLINE

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNIT = os.path.join(ROOT, "systemd", "supervisord.service")


def _verify(path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package "
                    "systemd): the unit is not verified")
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", path],
                       capture_output=True, text=True, timeout=60)
    # Any output is a warning about the unit (unknown key, bad value...).
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    return r


def _unit_with(bindir, tmp_path):
    with open(UNIT) as f:
        text = f.read()
    assert "@BINDIR@" in text
    path = os.path.join(str(tmp_path), "supervisord.service")
    with open(path, "w") as f:
        f.write(text.replace("@BINDIR@", bindir))
    return path


def _settings(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", "[")):
                key, _, value = line.partition("=")
                out[key] = value
    return out


def test_verify_against_the_build(tmp_path):
    _verify(_unit_with(BUILD, tmp_path))


def test_verify_catches_a_bad_unit(tmp_path):
    """The check can fail: a missing binary and an unknown key."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    path = _unit_with("/nonexistent/bin", tmp_path)
    with open(path, "a") as f:
        f.write("[Service]\nNoSuchSetting=1\n")
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", path],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 or r.stderr != ""
    assert "not executable" in r.stderr + r.stdout


def test_settings_the_daemon_relies_on():
    s = _settings(UNIT)
    assert s["Type"] == "notify"		# the daemon's own READY=1
    assert s["NotifyAccess"] == "main"
    assert s["ExecStart"].endswith("/supervisord -c /etc/supervisord.conf")
    assert s["ExecReload"].endswith("/supctl -c /etc/supervisord.conf "
                                    "reload")
    assert s["KillMode"] == "mixed"		# it stops its programs itself
    assert s["Restart"] == "on-failure"
    assert s["RuntimeDirectory"] == "supervisord"
    assert s["WorkingDirectory"] == "/run/supervisord"
    # Above the default stopwaitsecs (10 s) of several priorities.
    assert int(s["TimeoutStopSec"]) >= 60


def test_make_install_substitutes_bindir(tmp_path):
    prefix = os.path.join(str(tmp_path), "usr")
    r = subprocess.run(["make", "-C", ROOT, "--no-print-directory",
                        "BUILD=%s" % BUILD, "PREFIX=%s" % prefix, "install"],
                       capture_output=True, text=True, timeout=DEADLINE * 4)
    assert r.returncode == 0, r.stdout + r.stderr
    unit = os.path.join(prefix, "lib", "systemd", "system",
                        "supervisord.service")
    with open(unit) as f:
        text = f.read()
    assert "@BINDIR@" not in text
    assert "ExecStart=%s/bin/supervisord " % prefix in text
    for page in ("man1/supctl.1", "man5/supervisord.conf.5",
                 "man8/supervisord.8"):
        assert os.path.exists(os.path.join(prefix, "share", "man", page)), \
            page
    _verify(unit)
