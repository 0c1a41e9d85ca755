"""Live reload applied to the real daemon: programs added, removed,
changed and unchanged (same pid), groups, environments, keys that apply
without a restart, the daemon's own keys, --dry-run, SIGHUP, and what
supctl prints."""
import json
import os
import signal

from conftest import pid_alive, wait_for
from reload_util import (cmdline, environ, exec_cmdline, pids, program, reload, sleeper,
                         wait_dead, wait_gone, wait_new_pid)


def start(d, programs, **kw):
    d.write_config(programs, **kw)
    d.start()
    for name in d.status():
        if d.status(name)["state"] != "STOPPED":
            d.wait_state(name, "RUNNING")
    return pids(d)


def test_add_remove_change_unchanged(daemon):
    d = daemon
    before = start(d, sleeper("keep", 1001) + sleeper("edit", 1002) +
                   sleeper("drop", 1003))
    d.write_config(sleeper("keep", 1001) + sleeper("edit", 1012) +
                   sleeper("new", 1004) +
                   sleeper("lazy", 1005, autostart="false"))
    res = reload(d)["result"]
    assert sorted(res["added"]) == ["lazy", "new"]
    assert res["changed"] == ["edit"]
    assert res["removed"] == ["drop"]
    assert res["unchanged"] == 1
    assert res["keys"] == {"edit": ["command"]}
    assert res["dry_run"] is False and res["restart_needed"] == []
    assert res["config"] == d.conf

    # The unchanged one was not touched; the changed one runs the new
    # command; the removed one is gone, process and all.
    assert d.status("keep")["pid"] == before["keep"]
    assert pid_alive(before["keep"])
    pid = wait_new_pid(d, "edit", before["edit"])
    assert exec_cmdline(pid) == [b"sleep", b"1012"]
    wait_dead(before["edit"])
    wait_dead(before["drop"])
    wait_gone(d, "drop")
    assert exec_cmdline(d.wait_state("new", "RUNNING")["pid"]) == [b"sleep",
                                                              b"1004"]
    assert d.status("lazy")["state"] == "STOPPED"
    assert sorted(d.status()) == ["edit", "keep", "lazy", "new"]
    d.wait_log("reload: drop is down and dropped from the configuration")
    log = d.log()
    assert "reload: edit changed (command)" in log
    assert "reload: 2 added, 1 changed, 1 removed, 1 unchanged" in log
    d.supctl("start", "lazy", check=0)
    d.supctl("status", "drop", check=4)


def test_unchanged_keeps_pid_and_takes_live_keys(daemon):
    d = daemon
    before = start(d, sleeper("svc", stopsignal="TERM", startretries=3) +
                   sleeper("other"))
    d.write_config(sleeper("svc", stopsignal="INT", startretries=7,
                           priority=5, stopwaitsecs=3) +
                   sleeper("other"))
    res = reload(d)["result"]
    assert (res["added"], res["changed"], res["removed"]) == ([], [], [])
    assert res["unchanged"] == 2
    assert res["updated"] == ["svc"]
    assert sorted(res["keys"]["svc"]) == ["priority", "startretries",
                                          "stopsignal", "stopwaitsecs"]
    assert pids(d) == before
    # The new stopsignal is the one the stop uses now.
    d.supctl("stop", "svc", check=0)
    assert "stopping: svc (pid %d) with SIGINT" % before["svc"] in d.log()
    assert d.status("other")["pid"] == before["other"]


def test_group_change_restarts_only_what_changed(daemon):
    d = daemon
    before = start(d, sleeper("a", 1001) + sleeper("b", 1002) +
                   sleeper("c", 1003),
                   extra="[group:g]\nprograms = a,b,c\n")
    assert sorted(before) == ["g:a", "g:b", "g:c"]
    d.write_config(sleeper("a", 1001) + sleeper("b", 1022) +
                   sleeper("c", 1003) + sleeper("e", 1005),
                   extra="[group:g]\nprograms = a,b,e\n")
    res = reload(d)["result"]
    assert res["changed"] == ["g:b"]
    assert sorted(res["added"]) == ["c", "g:e"]
    assert res["removed"] == ["g:c"]
    assert res["unchanged"] == 1
    assert d.status("g:a")["pid"] == before["g:a"]
    wait_new_pid(d, "g:b", before["g:b"])
    d.wait_state("g:e", "RUNNING")
    d.wait_state("c", "RUNNING")
    wait_dead(before["g:c"])
    wait_gone(d, "g:c")
    assert d.status("g:a")["pid"] == before["g:a"]


def test_numprocs_grows(daemon):
    d = daemon
    before = start(d, sleeper("w", numprocs=2,
                              process_name="w_%(process_num)d"))
    d.write_config(sleeper("w", numprocs=3, process_name="w_%(process_num)d"))
    res = reload(d)["result"]
    assert res["added"] == ["w:w_2"] and res["unchanged"] == 2
    d.wait_state("w:w_2", "RUNNING")
    assert {k: v for k, v in pids(d).items() if k != "w:w_2"} == before


def test_environment_change(daemon, tmp_path):
    d = daemon
    sx = "environment = COLOR=blue,SHAPE=round"
    before = start(d, sleeper("plain") + sleeper("own", environment="COLOR=red"),
                   supervisord_extra=sx)
    assert environ(before["plain"])["COLOR"] == "blue"
    d.write_config(sleeper("plain") + sleeper("own", environment="COLOR=red"),
                   supervisord_extra="environment = COLOR=green,SHAPE=round")
    res = reload(d)["result"]
    assert res["changed"] == ["plain"]
    assert res["keys"]["plain"] == ["environment"]
    assert res["applied"] == ["supervisord.environment"]
    assert res["unchanged"] == 1
    pid = wait_new_pid(d, "plain", before["plain"])
    assert environ(pid)["COLOR"] == "green"
    assert d.status("own")["pid"] == before["own"]


def test_dry_run_changes_nothing(daemon):
    d = daemon
    before = start(d, sleeper("keep") + sleeper("edit", 1002) +
                   sleeper("drop"))
    d.write_config(sleeper("keep") + sleeper("edit", 1012) + sleeper("new"),
                   supervisord_extra="loglevel = info")
    res = reload(d, dry_run=True)["result"]
    assert res["dry_run"] is True
    assert (res["added"], res["changed"], res["removed"], res["unchanged"]) \
        == (["new"], ["edit"], ["drop"], 1)
    assert res["applied"] == ["supervisord.loglevel"]
    r = d.supctl("reload", "--dry-run", check=0)
    assert r.stdout.splitlines() == [
        "new: would be added",
        "edit: would be changed and restarted (command)",
        "drop: would be removed",
        "supervisord.loglevel: would be applied",
        "dry run, nothing done: %s: 1 added, 1 changed, 1 removed, "
        "1 unchanged" % d.conf]
    assert pids(d) == before
    assert all(pid_alive(p) for p in before.values())
    # Still at debug level: a state change is logged as before.
    d.supctl("stop", "keep", check=0)
    d.wait_log("state: keep STOPPING -> STOPPED")
    assert "reload (dry run): edit changed (command)" in d.log()


def test_sighup(daemon):
    d = daemon
    before = start(d, sleeper("keep") + sleeper("drop"))
    d.write_config(sleeper("keep") + sleeper("new"))
    d.signal(signal.SIGHUP)
    d.wait_state("new", "RUNNING")
    wait_gone(d, "drop")
    wait_dead(before["drop"])
    assert d.status("keep")["pid"] == before["keep"]
    log = d.wait_log("reload: 1 added, 0 changed, 1 removed, 1 unchanged")
    assert log
    assert "received SIGHUP indicating reload request" in d.log()


def test_supctl_output_and_json(daemon):
    d = daemon
    start(d, sleeper("keep") + sleeper("edit", 1002) + sleeper("drop"))
    d.write_config(sleeper("keep", priority=3) + sleeper("edit", 1012) +
                   sleeper("new"))
    r = d.supctl("reload", check=0)
    lines = r.stdout.splitlines()
    assert lines[:4] == ["new: added", "edit: changed, restarted (command)",
                         "drop: removed",
                         "keep: updated without a restart (priority)"]
    assert lines[4] == ("reloaded %s: 1 added, 1 changed, 1 removed, "
                        "1 unchanged" % d.conf)
    # The reply leaves once the new configuration is in force; what is
    # still starting or stopping is named.
    if len(lines) > 5:
        assert lines[5].startswith("still starting or stopping: ")
    d.wait_state("new", "RUNNING")
    d.write_config(sleeper("keep", priority=3) + sleeper("edit", 1012))
    doc = json.loads(d.supctl("--json", "reload", check=0).stdout)
    assert doc["removed"] == ["new"] and doc["unchanged"] == 2
    for key in ("added", "changed", "removed", "unchanged", "updated",
                "keys", "applied", "restart_needed", "in_transition",
                "warnings", "config", "dry_run"):
        assert key in doc, key


def test_daemon_keys(daemon, tmp_path):
    d = daemon
    before = start(d, sleeper("keep"))
    other_pid = os.path.join(d.dir, "other.pid")
    new_log = os.path.join(d.dir, "new.log")
    conf = open(d.conf).read()
    conf = conf.replace("pidfile = %s" % d.pidfile,
                        "pidfile = %s\nminfds = 64" % other_pid)
    conf = conf.replace("logfile = %s" % d.logfile,
                        "logfile = %s" % new_log)
    conf = conf.replace("loglevel = debug", "loglevel = info")
    conf = conf.replace("file = %s" % d.sock, "file = %s\nchmod = 0770"
                        % d.sock)
    with open(d.conf, "w") as f:
        f.write(conf)
    res = reload(d)["result"]
    assert sorted(res["restart_needed"]) == [
        "supervisord.minfds", "supervisord.pidfile",
        "unix_http_server.chmod"]
    assert sorted(res["applied"]) == ["supervisord.logfile",
                                      "supervisord.loglevel"]
    assert res["unchanged"] == 1 and d.status("keep")["pid"] == before["keep"]
    # Not half-applied: the pidfile stays where it was, the socket too.
    assert os.path.exists(d.pidfile) and not os.path.exists(other_pid)
    assert oct(os.stat(d.sock).st_mode & 0o777) == oct(0o700)
    # Applied: the log moved, at the new level.
    d.supctl("restart", "keep", check=0)
    wait_for(lambda: os.path.exists(new_log) and
             "spawned: 'keep'" in open(new_log).read(),
             what="the daemon's log in its new file")
    assert "state: keep" not in open(new_log).read()
    assert ("reload: the daemon's log continues in %s" % new_log
            in d.log())
    assert ("supervisord.pidfile changed: kept as it is until the daemon "
            "restarts" in open(new_log).read())
    r = d.supctl("reload", check=0)
    assert "supervisord.pidfile: changed, needs a restart of the daemon" \
        in r.stdout
    # Still the same running values after a second reload.
    assert os.path.exists(d.pidfile) and not os.path.exists(other_pid)


def test_events_follow_a_reload(daemon):
    """An events stream sees the removed program stop (it is freed only
    after), the changed one restart and the new one start."""
    d = daemon
    before = start(d, sleeper("keep") + sleeper("edit", 1002) +
                   sleeper("drop"))
    sock = d.connect()
    sock.sendall(b'{"cmd":"events"}\n')
    buf = b""

    def next_event():
        nonlocal buf
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            assert chunk, "events stream closed"
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        return json.loads(line)

    assert next_event()["result"] == {"subscribed": True}
    d.write_config(sleeper("keep") + sleeper("edit", 1012) + sleeper("new"))
    reload(d)
    seen = {}
    while not (("drop", "STOPPED") in seen and ("edit", "RUNNING") in seen
               and ("new", "RUNNING") in seen):
        e = next_event()
        seen[(e["fullname"], e["to"])] = e
    assert seen[("drop", "STOPPING")]["pid"] == before["drop"]
    assert seen[("drop", "STOPPED")]["exit"]["signal"] == "TERM"
    assert seen[("edit", "STOPPING")]["pid"] == before["edit"]
    assert seen[("edit", "RUNNING")]["pid"] == d.status("edit")["pid"]
    assert not any(name == "keep" for name, _ in seen)
    sock.close()
    wait_gone(d, "drop")
    assert d.status("keep")["pid"] == before["keep"]


def test_http_server_keys_need_a_restart(daemon):
    """[inet_http_server] and the socket's username/password are only
    taken at the daemon's start: a reload reports them, touches nothing."""
    d = daemon
    before = start(d, sleeper("keep"))
    conf = open(d.conf).read()
    conf = conf.replace("file = %s" % d.sock, "file = %s\nusername = u\n"
                        "password = p" % d.sock)
    conf += "\n[inet_http_server]\nport = 127.0.0.1:9\n"
    with open(d.conf, "w") as f:
        f.write(conf)
    res = reload(d)["result"]
    assert sorted(res["restart_needed"]) == [
        "inet_http_server.host", "inet_http_server.password",
        "inet_http_server.port", "inet_http_server.username",
        "unix_http_server.password", "unix_http_server.username"]
    assert res["applied"] == [] and res["unchanged"] == 1
    assert d.status("keep")["pid"] == before["keep"]
    r = d.supctl("reload", check=0)
    assert "inet_http_server.port: changed, needs a restart of the " \
        "daemon" in r.stdout
