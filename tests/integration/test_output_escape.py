"""Control bytes from a configuration file or a program never reach the
operator's terminal raw: every byte below 0x20 but tab, and 0x7f, is
written \\xNN in the daemon's log, in -t's output and in supctl's."""
import subprocess

from conftest import DEADLINE, SUPCTL, SUPERVISORD, wait_for

# A terminal title change: ESC ] 0 ; ... BEL.
TITLE = "\x1b]0;pwned\x07"
TITLE_ESCAPED = "\\x1b]0;pwned\\x07"


def raw_controls(text):
    return [c for c in text if (ord(c) < 0x20 and c not in "\t\n") or
            ord(c) == 0x7f]


def test_check_config_escapes_values(daemon):
    daemon.write_config("""\
        [program:x]
        command = /bin/sleep 1000
        startsecs = %s
        """ % TITLE)
    r = subprocess.run([SUPERVISORD, "-t", "-c", daemon.conf],
                       capture_output=True, text=True, timeout=DEADLINE)
    assert r.returncode == 1
    assert "startsecs" in r.stderr and TITLE_ESCAPED in r.stderr, r.stderr
    assert raw_controls(r.stdout + r.stderr) == [], repr(r.stderr)


def test_log_and_supctl_escape_a_spawn_error(daemon):
    cmd = "/nonexistent/%sbin\x7f" % TITLE
    daemon.write_config("""\
        [program:bad]
        command = %s
        startretries = 0
        startsecs = 0
        autostart = false
        """ % cmd)
    daemon.start()
    r = daemon.supctl("start", "bad", check=1)
    assert "ERROR" in r.stdout
    assert TITLE_ESCAPED + "bin\\x7f" in r.stdout, repr(r.stdout)
    assert raw_controls(r.stdout + r.stderr) == [], repr(r.stdout)
    daemon.wait_state("bad", "FATAL")
    r = daemon.supctl("status", "bad", check=3)
    assert TITLE_ESCAPED in r.stdout, repr(r.stdout)
    assert raw_controls(r.stdout) == [], repr(r.stdout)
    # The daemon's log says the same, escaped.
    wait_for(lambda: TITLE_ESCAPED in daemon.log(), what="the escaped path")
    assert raw_controls(daemon.log()) == [], repr(daemon.log())
    # --json is JSON: the string is there, escaped the JSON way.
    r = daemon.supctl("--json", "status", "bad", check=3)
    assert "\\u001b]0;pwned\\u0007" in r.stdout, r.stdout


def test_supctl_escapes_its_arguments(daemon):
    daemon.write_config("")
    daemon.start()
    r = subprocess.run([SUPCTL, "-c", daemon.conf, "nope" + TITLE],
                       capture_output=True, text=True, timeout=DEADLINE)
    assert r.returncode == 2
    assert "unknown command 'nope%s'" % TITLE_ESCAPED in r.stderr, r.stderr
    assert raw_controls(r.stderr) == []
    r = subprocess.run([SUPCTL, "-s", daemon.dir + "/x" + TITLE, "status"],
                       capture_output=True, text=True, timeout=DEADLINE)
    assert r.returncode == 5
    assert TITLE_ESCAPED in r.stderr and raw_controls(r.stderr) == [], \
        r.stderr
