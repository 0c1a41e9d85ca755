"""environment_file=: KEY=VALUE files as systemd's EnvironmentFile= reads
them, in [supervisord] and per program, read at each start, each below the
environment= of its own section, errors with file:line at load (-t, and
start-up) and at spawn."""
import os
import subprocess

from conftest import SUPERVISORD, helper
from engine_util import program, wait
from host_util import probe_env, wait_file


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _probe(d, name="p", **keys):
    out = os.path.join(d.dir, name + ".env.out")
    return program(name, "%s %s" % (helper("probe"), out), startsecs="0",
                   **keys), out


def test_check_reports_bad_lines_with_file_and_line(daemon):
    envf = os.path.join(daemon.dir, "app.env")
    _write(envf, "# settings\nGOOD=1\nNOT AN ASSIGNMENT\n"
           "export PATH=/x\nQUOTE='never closed\n")
    text, _ = _probe(daemon, environment_file=envf)
    daemon.write_config(text)
    r = subprocess.run([SUPERVISORD, "-t", "-c", daemon.conf],
                       capture_output=True, text=True, timeout=15)
    assert r.returncode == 1
    assert ("%s:3: [program:p] environment_file: no '=' in 'NOT AN "
            "ASSIGNMENT'" % envf) in r.stderr, r.stderr
    assert ("%s:4: [program:p] environment_file: 'export' is not part of "
            "the format: write 'PATH=...' alone" % envf) in r.stderr
    assert ("%s:5: [program:p] environment_file: unterminated single "
            "quote" % envf) in r.stderr
    assert "3 errors" in r.stderr
    # The daemon refuses to start on it too, with the same errors.
    r = subprocess.run([SUPERVISORD, "-n", "-c", daemon.conf],
                       capture_output=True, text=True, timeout=15)
    assert r.returncode == 1
    assert "%s:3: [program:p] environment_file" % envf in r.stderr


def test_missing_file_is_an_error_unless_optional(daemon):
    missing = os.path.join(daemon.dir, "missing.env")
    daemon.write_config("", supervisord_extra="environment_file = %s\n"
                        % missing)
    r = subprocess.run([SUPERVISORD, "-t", "-c", daemon.conf],
                       capture_output=True, text=True, timeout=15)
    assert r.returncode == 1
    assert ("[supervisord] environment_file: cannot read '%s': No such "
            "file or directory" % missing) in r.stderr, r.stderr
    assert r.stderr.startswith(daemon.conf + ":")
    daemon.write_config("", supervisord_extra="environment_file = -%s\n"
                        % missing)
    r = subprocess.run([SUPERVISORD, "-t", "-c", daemon.conf],
                       capture_output=True, text=True, timeout=15)
    assert r.returncode == 0, r.stderr


def test_values_and_precedence(daemon):
    sdf = os.path.join(daemon.dir, "global.env")
    pf = os.path.join(daemon.dir, "web.env")
    _write(sdf, "A=global-file\nB=global-file\nC=global-file\n"
           "D=global-file\n")
    _write(pf, "# the program's own\nC=program-file\nD=program-file\n"
           "E=program-file\nQUOTED=\"two  words\"  \nPLAIN=  a b  c  \n"
           "JOINED=one\\\n-two\nHOME=/srv/web\n")
    text, out = _probe(daemon, environment_file=pf,
                       environment="D=program-env")
    daemon.write_config(text, supervisord_extra="environment_file = %s\n"
                        "environment = B=global-env,C=global-env\n" % sdf)
    daemon.start()
    wait_file(daemon, out)
    env = probe_env(out)
    assert env["A"] == "global-file"	# nothing above it
    assert env["B"] == "global-env"	# [supervisord] environment= wins
    assert env["C"] == "program-file"	# the program's file wins
    assert env["D"] == "program-env"	# the program's environment= wins
    assert env["E"] == "program-file"
    assert env["QUOTED"] == "two  words"
    assert env["PLAIN"] == "a b  c"
    assert env["JOINED"] == "one-two"
    assert env["HOME"] == "/srv/web"	# the daemon's own is overridden
    assert env["SUPERVISOR_PROCESS_NAME"] == "p"


def test_read_again_at_each_start(daemon):
    envf = os.path.join(daemon.dir, "app.env")
    _write(envf, "VERSION=1\n")
    text, out = _probe(daemon, environment_file=envf)
    daemon.write_config(text)
    daemon.start()
    wait_file(daemon, out)
    assert probe_env(out)["VERSION"] == "1"
    os.unlink(out)
    _write(envf, "VERSION=2\nADDED=yes\n")
    daemon.supctl("restart", "p", check=0)
    wait_file(daemon, out)
    env = probe_env(out)
    assert env["VERSION"] == "2" and env["ADDED"] == "yes"


def test_bad_line_at_spawn_is_a_spawn_error(daemon):
    envf = os.path.join(daemon.dir, "app.env")
    _write(envf, "OK=1\n")
    text, out = _probe(daemon, environment_file=envf, startretries="0")
    daemon.write_config(text)
    daemon.start()
    wait_file(daemon, out)
    # Broken after the daemon loaded it: the next start fails, saying where.
    _write(envf, "OK=1\n1BAD=2\n")
    daemon.supctl("restart", "p")
    st = daemon.wait_state("p", "FATAL")
    want = ("spawn error: %s:2: environment_file: invalid variable name "
            "'1BAD'" % envf)
    assert st["description"] == want, st
    wait(daemon, lambda: want in daemon.log(), "the spawn error in the log")
    # Fixed: it starts again.
    _write(envf, "OK=3\n")
    os.unlink(out)
    daemon.supctl("start", "p", check=0)
    wait_file(daemon, out)
    assert probe_env(out)["OK"] == "3"


def test_file_removed_after_load(daemon):
    envf = os.path.join(daemon.dir, "app.env")
    opt = os.path.join(daemon.dir, "optional.env")
    _write(envf, "OK=1\n")
    _write(opt, "OPT=1\n")
    text, out = _probe(daemon, environment_file="%s, -%s" % (envf, opt),
                       startretries="0", autostart="false")
    daemon.write_config(text)
    daemon.start()
    daemon.connect().close()
    # The optional one may go; the other may not.
    os.unlink(opt)
    daemon.supctl("start", "p", check=0)
    wait_file(daemon, out)
    assert "OPT" not in probe_env(out)
    daemon.supctl("stop", "p", check=0)
    os.unlink(envf)
    daemon.supctl("start", "p")
    st = daemon.wait_state("p", "FATAL")
    assert st["description"] == ("spawn error: environment_file: cannot "
                                 "read '%s': No such file or directory"
                                 % envf), st
