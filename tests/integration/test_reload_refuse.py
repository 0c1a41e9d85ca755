"""A configuration that does not load is refused as a whole: every
process and the running configuration stay as they were, and the reply,
supctl and the daemon's log carry every file:line error."""
import os
import signal

from conftest import pid_alive
from reload_util import pids, reload, sleeper


def start(d, programs, **kw):
    d.write_config(programs, **kw)
    d.start()
    for name in d.status():
        d.wait_state(name, "RUNNING")
    return pids(d)


def line_of(path, needle):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if needle in line:
                return n
    raise AssertionError("%r not in %s" % (needle, path))


def broken_config(d):
    """The running programs, one more, one changed, one removed, and
    three errors: two in the main file, one in an include."""
    inc = os.path.join(d.dir, "more.conf")
    with open(inc, "w") as f:
        f.write("[program:inc]\ncommand = sleep 1\nstopsignal = NOPE\n")
    d.write_config(sleeper("keep") + sleeper("edit", 1077) +
                   sleeper("new") +
                   sleeper("bad1", startsecs="abc") +
                   sleeper("bad2", autorestart="maybe"),
                   extra="[include]\nfiles = %s\n" % inc)
    return [(d.conf, line_of(d.conf, "startsecs = abc"), "startsecs"),
            (d.conf, line_of(d.conf, "autorestart = maybe"), "autorestart"),
            (inc, 3, "stopsignal")]


def assert_untouched(d, before):
    assert pids(d) == before
    assert all(pid_alive(p) for p in before.values())
    assert sorted(d.status()) == sorted(before)


def test_broken_file_changes_nothing(daemon):
    d = daemon
    before = start(d, sleeper("keep") + sleeper("edit") + sleeper("drop"))
    errors = broken_config(d)
    reply = reload(d, ok=False)
    assert reply["error"]["code"] == "bad_config"
    msg = reply["error"]["message"]
    assert msg.startswith("cannot load %s: %s:%d: " % (d.conf, d.conf,
                                                       errors[0][1])), msg
    got = reply["result"]["errors"]
    for path, line, key in errors:
        assert any(e["file"] == path and e["line"] == line and
                   key in e["message"] and
                   e["text"].startswith("%s:%d: " % (path, line))
                   for e in got), (path, line, got)
    assert_untouched(d, before)
    log = d.log()
    for path, line, key in errors:
        assert "reload: %s:%d: " % (path, line) in log
    assert "the running configuration stays" in log

    # supctl: exit 1, every error on stderr, nothing on stdout.
    r = d.supctl("reload", check=1)
    assert r.stdout == ""
    for path, line, key in errors:
        assert "\n%s:%d: " % (path, line) in r.stderr, r.stderr
    assert r.stderr.startswith("supctl: cannot load %s" % d.conf)
    r = d.supctl("reload", "--dry-run", check=1)
    assert "%s:%d: " % errors[2][:2] in r.stderr
    assert_untouched(d, before)

    # Fixed, the same file applies.
    d.write_config(sleeper("keep") + sleeper("edit") + sleeper("new"))
    res = reload(d)["result"]
    assert (res["added"], res["removed"], res["unchanged"]) == (
        ["new"], ["drop"], 2)


def test_missing_file(daemon):
    d = daemon
    before = start(d, sleeper("keep"))
    os.rename(d.conf, d.conf + ".away")
    reply = reload(d, ok=False)
    assert reply["error"]["code"] == "bad_config"
    assert d.conf in reply["error"]["message"]
    assert_untouched(d, before)
    os.rename(d.conf + ".away", d.conf)
    assert reload(d)["result"]["unchanged"] == 1


def test_sighup_with_broken_file(daemon):
    d = daemon
    before = start(d, sleeper("keep") + sleeper("drop"))
    errors = broken_config(d)
    d.signal(signal.SIGHUP)
    for path, line, key in errors:
        d.wait_log("reload: %s:%d: " % (path, line))
    d.wait_log("the running configuration stays")
    assert_untouched(d, before)
    assert d.proc.poll() is None


def test_unusable_daemon_log_changes_nothing(daemon):
    d = daemon
    before = start(d, sleeper("keep") + sleeper("drop"))
    conf = open(d.conf).read().replace(
        "logfile = %s" % d.logfile, "logfile = %s/no/such/dir/x.log" % d.dir)
    conf = conf.replace("[program:drop]", "[program:new]")
    with open(d.conf, "w") as f:
        f.write(conf)
    reply = reload(d, ok=False)
    assert reply["error"]["code"] == "failed"
    assert reply["error"]["message"].startswith(
        "cannot switch the daemon's log: cannot open '%s/no/such/dir/x.log'"
        % d.dir), reply
    assert_untouched(d, before)
    d.supctl("stop", "keep", check=0)
    d.wait_log("stopped: keep")    # still logging where it was
