"""Starting and restarting: autostart, startsecs, backoff, FATAL,
autorestart, crash loops and spawn errors, seen through the daemon's log
and the records the helper programs write."""
import os

from conftest import helper, pid_alive
from engine_util import (barrier, count, exit_after, messages, program,
                         read_records, wait, wait_count, wait_records,
                         wait_state)

# A timer must never fire early; late by this much at most on a loaded
# 2-core machine (an upper bound, generous on purpose).
SLACK = 1.5


def test_autostart_n_programs_in_priority_order(daemon):
    rec = os.path.join(daemon.dir, "starts")
    progs = ""
    for name, prio in (("p300", 300), ("a100", 100), ("p200", 200),
                       ("b100", 100), ("p050", 50)):
        progs += program(name, exit_after(-1, 0, rec), priority=prio,
                         startsecs=0)
    progs += program("idle", exit_after(-1, 0, rec), autostart="false")
    daemon.write_config(progs)
    daemon.start()
    for name in ("p300", "a100", "p200", "b100", "p050"):
        wait_state(daemon, name, "RUNNING")
    records = wait_records(rec, 5)
    assert len(read_records(rec)) == 5
    assert all(pid_alive(pid) for pid, _ in records)
    spawned = [e[2].split("'")[1] for e in messages(daemon, "spawned: '")]
    assert spawned == ["p050", "a100", "b100", "p200", "p300"]
    assert count(daemon, "spawned: 'idle'") == 0
    assert count(daemon, "state: idle") == 0


def test_startsecs_success_is_timed(daemon):
    daemon.write_config(program("slow", exit_after(-1), startsecs=2))
    daemon.start()
    ok = wait_count(daemon, "success: slow entered RUNNING state, process "
                    "has stayed up for > than 2 seconds (startsecs)")[0]
    spawned = messages(daemon, "spawned: 'slow'")[0]
    took = ok[0] - spawned[0]
    assert 2.0 - 0.002 <= took <= 2.0 + SLACK, took


def test_startsecs_failure_backs_off(daemon):
    daemon.write_config(program("quick", exit_after(300, 1), startsecs=2,
                                startretries=0))
    daemon.start()
    wait_count(daemon, "exited: quick (exit status 1; not expected)")
    wait_state(daemon, "quick", "BACKOFF")
    wait_count(daemon, "gave up: quick entered FATAL state, too many start "
               "retries too quickly")
    assert count(daemon, "success: quick") == 0


def _gaps(records):
    return [b[1] - a[1] for a, b in zip(records, records[1:])]


def test_backoff_grows_then_fatal(daemon):
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(program("crash", exit_after(0, 1, rec),
                                startretries=3))
    daemon.start()
    wait_count(daemon, "gave up: crash entered FATAL state", timeout=30)
    records = read_records(rec)
    assert len(records) == 4, records          # startretries + 1
    for i, gap in enumerate(_gaps(records), 1):   # 1 s, 2 s, 3 s
        assert i - 0.05 <= gap <= i + SLACK, (i, gap)
    assert count(daemon, "spawned: 'crash'") == 4
    barrier(daemon)
    assert len(read_records(rec)) == 4


def test_backoff_exponential(daemon):
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(program("crash", exit_after(0, 1, rec),
                                startretries=3,
                                backoff_growth="exponential"))
    daemon.start()
    wait_count(daemon, "gave up: crash entered FATAL state", timeout=30)
    gaps = _gaps(read_records(rec))
    assert len(gaps) == 3
    for want, gap in zip((1, 2, 4), gaps):
        assert want - 0.05 <= gap <= want + SLACK, (want, gap)


def test_autorestart_true_restarts_at_once(daemon):
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(program("again", exit_after(1200, 0, rec),
                                startsecs=1, autorestart="true"))
    daemon.start()
    records = wait_records(rec, 2)
    wait_count(daemon, "exited: again (exit status 0; expected)")
    exited = messages(daemon, "exited: again")[0][0]
    # the first exit after a stable RUNNING: restarted at once
    assert records[1][1] - exited < 0.5
    assert count(daemon, "success: again") >= 1


def test_autorestart_false_leaves_it_exited(daemon):
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(program("once", exit_after(1200, 1, rec),
                                startsecs=1, autorestart="false"))
    daemon.start()
    wait_state(daemon, "once", "EXITED")
    wait_count(daemon, "exited: once (exit status 1; not expected)")
    barrier(daemon)
    assert len(read_records(rec)) == 1
    assert count(daemon, "spawned: 'once'") == 1


def test_autorestart_unexpected_uses_exitcodes(daemon):
    rec_ok = os.path.join(daemon.dir, "ok")
    rec_bad = os.path.join(daemon.dir, "bad")
    daemon.write_config(
        program("fine", exit_after(1100, 3, rec_ok), startsecs=1,
                autorestart="unexpected", exitcodes="0,3") +
        program("wrong", exit_after(1100, 4, rec_bad), startsecs=1,
                autorestart="unexpected", exitcodes="0,3"))
    daemon.start()
    wait_records(rec_bad, 2)
    wait_count(daemon, "exited: wrong (exit status 4; not expected)")
    wait_count(daemon, "exited: fine (exit status 3; expected)")
    wait_state(daemon, "fine", "EXITED")
    barrier(daemon)
    assert len(read_records(rec_ok)) == 1


def test_killed_by_signal_is_unexpected(daemon):
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(program(
        "sig", "%s -r %s -k 9 -- 1100 0" % (helper("exit_after"), rec),
        startsecs=1, autorestart="unexpected", exitcodes="0"))
    daemon.start()
    wait_count(daemon, "exited: sig (terminated by SIGKILL; not expected)")
    wait_records(rec, 2)


def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_crash_loop_is_delayed_and_costs_nothing(daemon):
    rec = os.path.join(daemon.dir, "starts")
    daemon.write_config(program("loop", exit_after(100, 1, rec),
                                startsecs=0, autorestart="true",
                                backoff_reset=60))
    daemon.start()
    records = wait_records(rec, 4, timeout=30)
    gaps = _gaps(records)
    # at once after the first exit, then 1 s, then 2 s (plus the 0.1 s run)
    assert gaps[0] < 0.1 + 0.8, gaps
    assert 1.1 - 0.05 <= gaps[1] <= 1.1 + SLACK, gaps
    assert 2.1 - 0.05 <= gaps[2] <= 2.1 + SLACK, gaps
    wait_count(daemon, "loop: exited 2 times within 60 seconds of starting;"
               " restarting in 1.0 seconds")
    wait_state(daemon, "loop", "BACKOFF")
    assert _cpu_seconds(daemon.proc.pid) < 1.0


def test_spawn_errors_are_reported(daemon, tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("not a program\n")
    plain.chmod(0o644)
    daemon.write_config(
        program("missing", "/nonexistent/prog", startretries=0) +
        program("notexec", str(plain), startretries=0) +
        program("baddir", exit_after(-1), directory="/nonexistent/dir",
                startretries=0) +
        program("baduser", exit_after(-1), user="no_such_user_xyz",
                startretries=0) +
        program("notfound", "no_such_command_xyz", startretries=0))
    daemon.start()
    for name in ("missing", "notexec", "baddir", "baduser", "notfound"):
        wait_count(daemon, "gave up: %s entered FATAL state" % name)
    for needle in (
            "missing: spawn error: /nonexistent/prog: "
            "No such file or directory",
            "notexec: spawn error: %s: Permission denied" % plain,
            "baddir: spawn error: cannot change directory to "
            "'/nonexistent/dir': No such file or directory",
            "baduser: spawn error: cannot find user 'no_such_user_xyz'",
            "notfound: spawn error: can't find command "
            "'no_such_command_xyz'"):
        assert count(daemon, needle) == 1, (needle, daemon.output())
    assert count(daemon, "success:") == 0


def test_path_search_for_a_bare_name(daemon):
    daemon.write_config(program(
        "bare", "exit_after -- -1 0", startsecs=0,
        environment="PATH=\"/nonexistent:%s:/usr/bin\"" % helper("")[:-1]))
    daemon.start()
    wait_state(daemon, "bare", "RUNNING")
    assert count(daemon, "spawn error") == 0


def test_many_programs(daemon):
    n = 200
    daemon.write_config(program(
        "many", exit_after(-1), process_name="many_%(process_num)03d",
        numprocs=n, startsecs=0))
    daemon.start()
    wait(daemon, lambda: count(daemon, "success: many_") >= n,
         "%d programs RUNNING" % n, timeout=60)
    pids = [int(e[2].rsplit(" ", 1)[1])
            for e in messages(daemon, "spawned: 'many_")]
    assert len(set(pids)) == n
    daemon.signal(15)
    assert daemon.wait_exit(timeout=60) == 0
    assert not any(pid_alive(p) for p in pids)
