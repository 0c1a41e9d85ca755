"""depends_on: a program starts once what it depends on is RUNNING
(ready), stops before it, and waits (not fails) behind a FATAL one;
cycles and unknown names are configuration errors with file:line."""
import json
import os
import re
import signal
import subprocess

from conftest import SUPERVISORD, helper, pid_alive, wait_for
from engine_util import exit_after, log_entries, wait_state
from ready_util import (cue, notify_ready, out_path, program, wait,
                        wait_desc, wait_spawned)


def spawn_time(d, name):
    """When the daemon logged the spawn of name (epoch seconds)."""
    for t, _, msg in log_entries(d):
        if msg.startswith("spawned: '%s' with pid" % name):
            return t
    raise AssertionError("%s never spawned\n%s" % (name, d.output()))


def first_index(d, needle):
    for i, (_, _, msg) in enumerate(log_entries(d)):
        if needle in msg:
            return i
    raise AssertionError("%r not in the log\n%s" % (needle, d.output()))


def test_start_waits_on_readiness(daemon):
    """web waits (not forked) while db is STARTING, however long; it is
    forked once db says READY=1; app, behind web, comes last."""
    daemon.write_config(
        program("db", notify_ready("-u"), ready="notify", startsecs=60,
                stdout_logfile=out_path(daemon, "db"), priority=900) +
        program("web", "sleep 1000", depends_on="db", startsecs=1,
                priority=100) +
        program("app", "sleep 1000", depends_on="web, db", startsecs=0,
                priority=1))
    daemon.start()
    db = wait_spawned(daemon, "db")
    st = wait_desc(daemon, "web", "waiting for db (STARTING)")
    assert st["state"] == "STARTING" and st["pid"] == 0
    assert st["waiting_for"] == ["db"]
    st = daemon.status("app")
    assert st["state"] == "STARTING" and st["pid"] == 0
    assert st["description"] == "waiting for web (STARTING), db (STARTING)"
    r = daemon.supctl("status", "web")
    assert re.search(r"^web +STARTING +waiting for db \(STARTING\)$",
                     r.stdout, re.M), r.stdout
    # Longer than startsecs would take: still nothing forked.
    wait(daemon, lambda: daemon.status("db")["now"] - db["start"] > 1.5,
         "1.5 s")
    assert daemon.status("web")["pid"] == 0
    assert cue(daemon, "db") == db["pid"]
    db = daemon.wait_state("db", "RUNNING")
    web = daemon.wait_state("web", "RUNNING")
    app = daemon.wait_state("app", "RUNNING")
    assert web["start"] >= db["since"] - 0.01
    assert app["start"] >= web["since"] - 0.01
    assert spawn_time(daemon, "db") <= spawn_time(daemon, "web") <= \
        spawn_time(daemon, "app")


def test_independent_dependents_start_together(daemon):
    """Two programs that need db start as soon as db is ready, without
    waiting for each other."""
    daemon.write_config(
        program("db", notify_ready("-d", 500), ready="notify", startsecs=30)
        + program("a", "sleep 1000", depends_on="db", startsecs=5) +
        program("b", "sleep 1000", depends_on="db", startsecs=5))
    daemon.start()
    db = daemon.wait_state("db", "RUNNING")
    a = wait_spawned(daemon, "a")
    b = wait_spawned(daemon, "b")
    # Both forked while the other was still STARTING (startsecs=5).
    assert abs(a["start"] - b["start"]) < 2.0, (a, b)
    assert a["start"] >= db["since"] - 0.01
    daemon.wait_state("a", "RUNNING")
    daemon.wait_state("b", "RUNNING")


def test_fatal_dependency_leaves_dependents_waiting(daemon):
    daemon.write_config(
        program("db", exit_after(0, 1), startretries=0) +
        program("web", "sleep 1000", depends_on="db", startsecs=0))
    daemon.start()
    daemon.wait_state("db", "FATAL")
    st = wait_desc(daemon, "web", "waiting for db (FATAL)")
    assert st["state"] == "STARTING" and st["pid"] == 0
    r = daemon.supctl("status")
    assert re.search(r"^web +STARTING +waiting for db \(FATAL\)$",
                     r.stdout, re.M), r.stdout
    # Not failing: it stays so (a transition would be in the log).
    wait_state(daemon, "db", "FATAL")
    assert not re.search(r"state: web STARTING -> ", daemon.log())
    # A supctl start of web while it waits: already started.
    r = daemon.supctl("start", "web")
    assert "web: ERROR (already started)" in r.stdout, r.stdout


def test_start_pulls_in_dependencies(daemon):
    """supctl start web starts db (autostart=false) first."""
    daemon.write_config(
        program("db", notify_ready("-d", 300), ready="notify", startsecs=30,
                autostart="false") +
        program("web", "sleep 1000", depends_on="db", startsecs=1,
                autostart="false"))
    daemon.start()
    daemon.status()
    r = daemon.supctl("start", "web", check=0)
    assert "web: started" in r.stdout, r.stdout
    assert daemon.status("db")["state"] == "RUNNING"
    assert daemon.status("web")["state"] == "RUNNING"
    daemon.wait_log("web: starting db, which it depends on")


def test_shutdown_stops_dependents_first(daemon):
    """Reverse priority would stop db (900) before web (100): the graph
    comes first.  db's stop begins only once web is down."""
    daemon.write_config(
        program("db", "sleep 1000", priority=900, startsecs=0) +
        program("web", helper_ignoring_term(daemon), depends_on="db",
                priority=100, startsecs=0, stopwaitsecs=1))
    daemon.start()
    daemon.wait_state("db", "RUNNING")
    daemon.wait_state("web", "RUNNING")
    wait_ignoring_term(daemon)
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert first_index(daemon, "stopped: web") < \
        first_index(daemon, "stopping: db")


def helper_ignoring_term(d):
    """A program that takes stopwaitsecs (then SIGKILL) to stop."""
    return helper("ignore_term") + " " + os.path.join(d.dir, "term.rec")


def wait_ignoring_term(d):
    """ignore_term's pid line: SIGTERM is ignored from then on (RUNNING
    with startsecs=0 comes at the fork, before it is set up)."""
    path = os.path.join(d.dir, "term.rec")

    def ready():
        if not os.path.exists(path):
            return False
        with open(path) as f:
            return f.read().startswith("pid ")
    wait_for(ready, what="ignore_term to ignore SIGTERM")


def test_stop_all_stops_dependents_first(daemon):
    """supctl stop all: db's stop waits for web (which takes 1 s)."""
    daemon.write_config(
        program("db", "sleep 1000", startsecs=0) +
        program("web", helper_ignoring_term(daemon), depends_on="db",
                startsecs=0, stopwaitsecs=1))
    daemon.start()
    daemon.wait_state("db", "RUNNING")
    daemon.wait_state("web", "RUNNING")
    wait_ignoring_term(daemon)
    r = daemon.supctl("stop", "all", check=0)
    assert "db: stopped" in r.stdout and "web: stopped" in r.stdout
    assert first_index(daemon, "db once its dependents are down") < \
        first_index(daemon, "stopped: web") < \
        first_index(daemon, "stopping: db (pid")


def test_stop_dependency_alone(daemon):
    """Stopping db alone does not stop web (compose's semantics); web,
    restarted after a crash, waits for db again (a crash does not start
    what the operator stopped); an operator start of db releases it."""
    daemon.write_config(
        program("db", "sleep 1000", startsecs=0) +
        program("web", "sleep 1000", depends_on="db", startsecs=0))
    daemon.start()
    daemon.wait_state("web", "RUNNING")
    web = daemon.status("web")["pid"]
    daemon.supctl("stop", "db", check=0)
    assert daemon.status("web")["state"] == "RUNNING"
    assert pid_alive(web)
    os.kill(web, signal.SIGKILL)
    st = wait_desc(daemon, "web", "waiting for db (STOPPED)")
    assert st["state"] == "STARTING" and st["pid"] == 0
    daemon.supctl("start", "db", check=0)
    st = daemon.wait_state("web", "RUNNING")
    assert st["pid"] not in (0, web)


def run_check(daemon, text):
    daemon.write_config(text)
    return subprocess.run([SUPERVISORD, "-t", "-c", daemon.conf],
                          capture_output=True, text=True)


def conf_line(daemon, needle):
    with open(daemon.conf) as f:
        for i, line in enumerate(f, 1):
            if needle in line:
                return i
    raise AssertionError(needle)


def test_cycle_is_a_configuration_error(daemon):
    r = run_check(daemon,
                  program("a", "sleep 1", depends_on="b") +
                  program("b", "sleep 1", depends_on="c") +
                  program("c", "sleep 1", depends_on="a") +
                  program("d", "sleep 1", depends_on="d"))
    assert r.returncode == 1
    line_c = conf_line(daemon, "depends_on = a")
    assert "%s:%d: [program:c] depends_on: dependency cycle: a -> b -> "\
        "c -> a" % (daemon.conf, line_c) in r.stderr, r.stderr
    line_d = conf_line(daemon, "depends_on = d")
    assert "%s:%d: [program:d] depends_on: 'd' depends on itself" % (
        daemon.conf, line_d) in r.stderr, r.stderr
    # The daemon refuses to start with it, saying the same.
    p = subprocess.run([SUPERVISORD, "-n", "-c", daemon.conf],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "dependency cycle: a -> b -> c -> a" in p.stderr


def test_unknown_name_is_a_configuration_error(daemon):
    r = run_check(daemon, program("web", "sleep 1", depends_on="db, cache")
                  + program("db", "sleep 1"))
    assert r.returncode == 1
    line = conf_line(daemon, "depends_on = db, cache")
    assert "%s:%d: [program:web] depends_on: no such program 'cache' (no "\
        "[program:cache] section)" % (daemon.conf, line) in r.stderr, \
        r.stderr
    assert "'db'" not in r.stderr


def test_print_config_shows_the_keys(daemon):
    daemon.write_config(
        program("db", "sleep 1", ready="notify", watchdog=30) +
        program("web", "sleep 1", depends_on="db"))
    r = subprocess.run([SUPERVISORD, "--print-config", "-c", daemon.conf],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    procs = {p["name"]: p for g in json.loads(r.stdout)["groups"]
             for p in g["processes"]}
    assert procs["db"]["ready"] == "notify"
    assert procs["db"]["watchdog"] == 30
    assert procs["db"]["depends_on"] == []
    assert procs["web"]["ready"] == "startsecs"
    assert procs["web"]["watchdog"] == 0
    assert procs["web"]["depends_on"] == ["db"]


def test_numprocs_dependency_waits_for_every_process(daemon):
    """depends_on names a program: all its processes must be RUNNING."""
    daemon.write_config(
        program("w", notify_ready("-u"), ready="notify", startsecs=60,
                numprocs=2, process_name="w_%(process_num)d",
                stdout_logfile=os.path.join(daemon.dir,
                                            "w_%(process_num)d.out")) +
        program("web", "sleep 1000", depends_on="w", startsecs=0))
    daemon.start()
    w0 = wait_spawned(daemon, "w:w_0")
    assert cue(daemon, "w:w_0", "w_0") == w0["pid"]
    daemon.wait_state("w:w_0", "RUNNING")
    st = wait_desc(daemon, "web", "waiting for w (STARTING)")
    assert st["pid"] == 0
    cue(daemon, "w:w_1", "w_1")
    daemon.wait_state("web", "RUNNING")


def test_reload_changes_dependencies_live(daemon):
    """depends_on applies live: no restart of a running program, and one
    that waited for a dependency it no longer has starts at once."""
    fatal_db = program("db", exit_after(0, 1), startretries=0)
    daemon.write_config(
        fatal_db +
        program("web", "sleep 1000", depends_on="db", startsecs=0) +
        program("api", "sleep 1000", startsecs=0))
    daemon.start()
    wait_desc(daemon, "web", "waiting for db (FATAL)")
    api = daemon.wait_state("api", "RUNNING")["pid"]
    daemon.write_config(
        fatal_db +
        program("web", "sleep 1000", startsecs=0) +
        program("api", "sleep 1000", depends_on="db", startsecs=0))
    r = daemon.request({"cmd": "reload"})
    assert r["ok"], r
    daemon.wait_state("web", "RUNNING")
    st = daemon.status("api")
    assert st["state"] == "RUNNING" and st["pid"] == api
    assert daemon.status("db")["state"] == "FATAL"


def test_restart_dependency_alone(daemon):
    """supctl restart db: db gets a new process, web keeps its own."""
    daemon.write_config(
        program("db", "sleep 1000", startsecs=0) +
        program("web", "sleep 1000", depends_on="db", startsecs=0))
    daemon.start()
    db = daemon.wait_state("db", "RUNNING")["pid"]
    web = daemon.wait_state("web", "RUNNING")["pid"]
    r = daemon.supctl("restart", "db", check=0)
    assert "db: started" in r.stdout, r.stdout
    st = daemon.status("db")
    assert st["state"] == "RUNNING" and st["pid"] not in (0, db)
    assert not pid_alive(db)
    st = daemon.status("web")
    assert st["state"] == "RUNNING" and st["pid"] == web


def test_held_stop_is_described(daemon):
    """While web takes its time to stop, db (stopped with it) says what
    it waits for."""
    daemon.write_config(
        program("db", "sleep 1000", startsecs=0) +
        program("web", helper_ignoring_term(daemon), depends_on="db",
                startsecs=0, stopwaitsecs=3))
    daemon.start()
    daemon.wait_state("web", "RUNNING")
    wait_ignoring_term(daemon)
    r = daemon.supctl("stop", "--no-wait", "web", "db", check=0)
    st = wait_desc(daemon, "db", "stopping after web (STOPPING)")
    assert st["state"] == "STOPPING" and st["pid"] != 0
    assert pid_alive(st["pid"])
    daemon.wait_state("db", "STOPPED")
    assert r.returncode == 0
