"""supervisord -t and --print-config as a user runs them, and the example
configuration conf/supervisord.conf (checked, then run for real)."""
import json
import os
import shutil
import subprocess

from conftest import SUPERVISORD, Daemon, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "conf", "supervisord.conf")


def run(args, cwd=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([SUPERVISORD] + args, capture_output=True,
                          text=True, cwd=cwd, env=e, timeout=30)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def test_check_ok(tmp_path):
    conf = write(tmp_path / "s.conf", """\
[supervisord]
logfile = %(here)s/sd.log
[unix_http_server]
file = %(here)s/s.sock
[program:a]
command = /bin/sleep 1
[program:b]
command = sh -c true
numprocs = 2
process_name = b%(process_num)d
""")
    r = run(["-c", str(conf), "-t"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "%s: configuration OK (2 groups, 3 processes)\n" % conf
    assert r.stderr == ""


def test_check_reports_every_error_with_file_and_line(tmp_path):
    inc = tmp_path / "conf.d"
    inc.mkdir()
    write(inc / "x.conf", "[program:x]\ncommand = /no/such/binary\n"
          "user = no-such-user-here\n")
    conf = write(tmp_path / "s.conf", """\
[supervisord]
logfile = %(here)s/sd.log
[unix_http_server]
file = %(here)s/s.sock
[include]
files = conf.d/*.conf
[program:a]
command = /bin/true
startsecs = soon
""")
    r = run(["-c", str(conf), "-t"])
    assert r.returncode == 1
    assert r.stdout == ""
    assert "%s:9: [program:a] startsecs: not an integer: 'soon'\n" % conf \
        in r.stderr
    assert r.stderr.endswith("%s: 1 error\n" % conf)
    # A file that loads, checked on this machine: both problems of x.conf.
    write(conf, open(conf).read().replace("startsecs = soon\n", ""))
    r = run(["-c", str(conf), "-t"])
    assert r.returncode == 1
    assert "%s/x.conf:2: [program:x] command: cannot run '/no/such/binary'" \
        % inc in r.stderr
    assert "%s/x.conf:3: [program:x] user: no such user " \
        "'no-such-user-here'" % inc in r.stderr
    assert r.stderr.endswith("%s: 2 errors\n" % conf)


def test_check_prints_in_file_and_line_order(tmp_path):
    """Errors and warnings come by file (in the order read: the main file,
    then its includes), then by line, whichever check found them."""
    os.mkdir(str(tmp_path / "inc"))
    write(tmp_path / "inc" / "b.conf", """\
[program:b]
command = /bin/true
autostart = maybe
[program:c]
stopsignal = BOGUS
""")
    conf = write(tmp_path / "s.conf", """\
[supervisord]
colour = blue
[include]
files = inc/*.conf
[program:a]
command = /bin/true
startsecs = soon
[unix_http_server]
file = %(here)s/s.sock
chmod = 9999
""")
    r = run(["-c", str(conf), "-t"])
    assert r.returncode == 1
    inc = str(tmp_path / "inc" / "b.conf")
    want = [(str(conf), 2, "warning: [supervisord] unknown key 'colour'"),
            (str(conf), 7, "[program:a] startsecs: "),
            (str(conf), 10, "[unix_http_server] chmod: "),
            (inc, 3, "[program:b] autostart: "),
            (inc, 4, "[program:c] command: missing"),
            (inc, 5, "[program:c] stopsignal: ")]
    lines = r.stderr.splitlines()
    at = [next(i for i, l in enumerate(lines)
               if l.startswith("%s:%d: %s" % w)) for w in want]
    assert at == sorted(at), r.stderr
    assert lines[-1] == "%s: 5 errors" % conf


def test_warnings_do_not_fail(tmp_path):
    conf = write(tmp_path / "s.conf", "[supervisord]\nlogfile = %(here)s/l\n"
                 "colour = blue\n[unix_http_server]\nfile = %(here)s/s\n"
                 "[eventlistener:e]\ncommand = x\n")
    r = run(["-c", str(conf), "-t"])
    assert r.returncode == 0
    assert "%s:3: warning: [supervisord] unknown key 'colour': ignored" \
        % conf in r.stderr
    assert "%s:6: warning: [eventlistener:e] event listeners are not " \
        "supported: section skipped" % conf in r.stderr


def test_print_config(tmp_path):
    conf = write(tmp_path / "s.conf", """\
[supervisord]
logfile = %(here)s/sd.log
[program:web]
command = /usr/sbin/nginx -g 'daemon off;' ; not part of it
environment = A="1,2"
""")
    r = run(["-c", str(conf), "--print-config"])
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert sorted(doc) == ["groups", "inet_http_server", "supervisorctl",
                           "supervisord", "unix_http_server"]
    assert doc["inet_http_server"] == {}    # no section: no TCP listener
    assert doc["supervisord"]["logfile"] == str(tmp_path / "sd.log")
    (group,) = doc["groups"]
    (web,) = group["processes"]
    assert web["argv"] == ["/usr/sbin/nginx", "-g", "daemon off;"]
    assert web["environment"] == {"A": "1,2"}
    assert web["stdout_logfile"] == "AUTO"
    assert web["stopsignal"] == "TERM"


def test_print_config_does_not_check_the_machine(tmp_path):
    """A file written for another machine still prints."""
    conf = write(tmp_path / "s.conf", "[supervisord]\nuser = nobody-here\n"
                 "directory = /no/such\n[program:x]\ncommand = /no/such/x\n"
                 "user = nobody-here\ndirectory = /no/such\n")
    r = run(["-c", str(conf), "--print-config"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["groups"][0]["processes"][0]["user"] == \
        "nobody-here"


def test_print_config_refuses_a_broken_file(tmp_path):
    conf = write(tmp_path / "s.conf", "[supervisord]\n[program:x]\n")
    r = run(["-c", str(conf), "--print-config"])
    assert r.returncode == 1
    assert r.stdout == ""
    assert "%s:2: [program:x] command: missing" % conf in r.stderr


def test_default_file_in_working_folder(tmp_path):
    write(tmp_path / "supervisord.conf", "[supervisord]\n"
          "[program:here]\ncommand = /bin/true\n")
    r = run(["--print-config"], cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["groups"][0]["name"] == "here"


def test_missing_file(tmp_path):
    r = run(["-c", str(tmp_path / "nope.conf"), "-t"])
    assert r.returncode == 1
    assert "nope.conf: cannot read the configuration: No such file or " \
        "directory" in r.stderr


def test_example_passes_check():
    """conf/supervisord.conf, as `make run` uses it (run/ exists then)."""
    os.makedirs(os.path.join(ROOT, "run"), exist_ok=True)
    r = run(["-c", EXAMPLE, "-t"])
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""


def test_example_runs(tmp_path):
    """The example's demo programs do what its comments say."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "run").mkdir()
    conf = str(tmp_path / "conf" / "supervisord.conf")
    shutil.copy(EXAMPLE, conf)
    d = Daemon(tmp_path)
    d.conf = conf
    d.sock = str(tmp_path / "run" / "supervisord.sock")
    d.pidfile = str(tmp_path / "run" / "supervisord.pid")
    d.logfile = str(tmp_path / "run" / "supervisord.log")
    try:
        d.start()
        d.wait_state("ticker", "RUNNING")
        d.wait_state("pool:worker_00", "RUNNING")
        d.wait_state("pool:worker_01", "RUNNING")
        d.wait_state("once", "EXITED")
        log = str(tmp_path / "run" / "worker_01.log")
        wait_for(lambda: os.path.exists(log) and
                 "worker 1 of 2 ready" in open(log).read(),
                 what="worker_01's line in its log")
        first = d.wait_state("crasher", "RUNNING")["pid"]
        # It crashes after 5 s and is started again.
        wait_for(lambda: d.status("crasher")["state"] == "RUNNING" and
                 d.status("crasher")["pid"] != first, timeout=60,
                 what="crasher to be restarted")
    finally:
        d.kill()
