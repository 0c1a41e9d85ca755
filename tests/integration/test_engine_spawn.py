"""What a spawned program inherits: descriptors 0-2 only, default signal
dispositions and an empty mask, its own process group, umask, directory,
the environment as Supervisor builds it, and the configured user."""
import os
import pwd
import shutil
import signal
import tempfile

import pytest

from conftest import helper, pid_alive
from engine_util import program, wait, wait_dead, wait_state


def _probe(path):
    """probe's file: {key: value}, env as a dict."""
    info, env = {}, {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition(" ")
            if key == "env":
                k, _, v = value.partition("=")
                env[k] = v
            else:
                info[key] = value
    info["env"] = env
    return info


def _wait_probe(daemon, path):
    wait(daemon, lambda: os.path.exists(path), "probe's file %s" % path)
    return _probe(path)


@pytest.mark.parametrize("how", ["clone", "fork"])
def test_child_hygiene(daemon, tmp_path, how):
    """Both ways of starting a child (clone sharing the daemon's memory
    until exec, and fork for environment_file=, user= and watchdog=)
    give it the same clean state."""
    work = tmp_path / "work"
    work.mkdir()
    out = os.path.join(daemon.dir, "probe.out")
    keys = {}
    if how == "fork":
        envfile = tmp_path / "env"
        envfile.write_text("FROM_FILE=1\n")
        keys["environment_file"] = str(envfile)
    daemon.write_config(
        program("probe", "%s %s" % (helper("probe"), out), startsecs=0,
                umask="027", directory=str(work),
                environment='FOO="program",ONLY_PROGRAM="1"', **keys),
        supervisord_extra='environment = FOO="global",ONLY_GLOBAL="1"')
    daemon.start(env={"ENGINE_TEST_INHERITED": "yes", "FOO": "daemon"})
    info = _wait_probe(daemon, out)
    pid = int(info["pid"])
    # only stdin, stdout and stderr: nothing of the daemon leaks
    assert sorted(os.listdir("/proc/%d/fd" % pid)) == ["0", "1", "2"]
    assert info["fds"].split() == ["0", "1", "2"]
    # stdin: a pipe the daemon holds (sendstdin), as in Supervisor
    assert os.readlink("/proc/%d/fd/0" % pid).startswith("pipe:")
    # its own process group, a child of the daemon
    assert int(info["pgid"]) == pid
    assert int(info["ppid"]) == daemon.proc.pid
    assert int(info["sid"]) == os.getsid(daemon.proc.pid)
    # signals: nothing blocked, nothing ignored (the daemon ignores SIGPIPE)
    assert int(info["SigBlk"], 16) == 0
    assert int(info["SigIgn"], 16) == 0
    assert info["umask"] == "0027"
    assert info["cwd"] == str(work)
    env = info["env"]
    assert env["SUPERVISOR_ENABLED"] == "1"
    assert env["SUPERVISOR_PROCESS_NAME"] == "probe"
    assert env["SUPERVISOR_GROUP_NAME"] == "probe"
    assert env["SUPERVISOR_SERVER_URL"] == "unix://" + daemon.sock
    assert env["ENGINE_TEST_INHERITED"] == "yes"
    assert env["ONLY_GLOBAL"] == "1"
    assert env["ONLY_PROGRAM"] == "1"
    assert env["FOO"] == "program"      # program > [supervisord] > daemon
    assert env.get("FROM_FILE") == ("1" if how == "fork" else None)


@pytest.mark.parametrize("how", ["clone", "fork"])
def test_signals_the_daemon_inherited_ignored_are_reset(daemon, tmp_path,
                                                        how):
    """A daemon started with signals ignored (nohup, GNU make's 32 and 33:
    dispositions survive exec) resets them in its children; only the
    signals the daemon catches or ignores are reset (spawn.c reads them
    from /proc/self/status), so this is what proves the list complete."""
    out = os.path.join(daemon.dir, "probe.out")
    keys = {}
    if how == "fork":
        envfile = tmp_path / "env"
        envfile.write_text("X=1\n")
        keys["environment_file"] = str(envfile)
    daemon.write_config(program("probe", "%s %s" % (helper("probe"), out),
                                startsecs=0, **keys))
    inherited = (signal.SIGUSR1, signal.SIGWINCH, signal.SIGRTMIN + 2)
    old = {s: signal.signal(s, signal.SIG_IGN) for s in inherited}
    try:
        daemon.start()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    with open("/proc/%d/status" % daemon.proc.pid) as f:
        ign = int([l.split()[1] for l in f if l.startswith("SigIgn:")][0],
                  16)
    for s in inherited:
        assert ign & (1 << (s - 1)), "the daemon did not inherit %d" % s
    info = _wait_probe(daemon, out)
    assert int(info["SigIgn"], 16) == 0
    assert int(info["SigBlk"], 16) == 0


def test_group_names_in_environment(daemon):
    out = os.path.join(daemon.dir, "probe.out")
    daemon.write_config(
        program("p", "%s %s" % (helper("probe"), out), startsecs=0),
        extra="[group:pool]\nprograms = p\n")
    daemon.start()
    env = _wait_probe(daemon, out)["env"]
    assert env["SUPERVISOR_PROCESS_NAME"] == "p"
    assert env["SUPERVISOR_GROUP_NAME"] == "pool"


@pytest.fixture
def open_dir():
    """A folder any user can write to (pytest's tmp_path is root's only)."""
    path = tempfile.mkdtemp(prefix="engine-user-")
    os.chmod(path, 0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_user_switch_and_death_signal(daemon, open_dir):
    nobody = pwd.getpwnam("nobody")
    out = os.path.join(open_dir, "probe.out")
    daemon.write_config(program("asnobody", "%s %s" % (helper("probe"), out),
                                startsecs=0, user="nobody"))
    daemon.start()
    info = _wait_probe(daemon, out)
    assert int(info["uid"]) == nobody.pw_uid
    assert int(info["gid"]) == nobody.pw_gid
    groups = {int(g) for g in info["groups"].split()}
    assert groups <= set(os.getgrouplist("nobody", nobody.pw_gid))
    assert 0 not in groups
    pid = int(info["pid"])
    # setuid() clears the parent-death signal: it was set again after it
    daemon.proc.send_signal(signal.SIGKILL)
    daemon.proc.wait()
    wait_dead([pid])


def test_stdout_and_stderr_are_open(daemon):
    out = os.path.join(daemon.dir, "probe.out")
    daemon.write_config(program("p", "%s %s" % (helper("probe"), out),
                                startsecs=0))
    daemon.start()
    pid = int(_wait_probe(daemon, out)["pid"])
    for fd in ("1", "2"):
        assert os.readlink("/proc/%d/fd/%s" % (pid, fd))
    assert pid_alive(pid)
    wait_state(daemon, "p", "RUNNING")


def _soft_limit(pid, name):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith(name):
                return line[len(name):].split()[0]
    raise AssertionError("no %s in limits" % name)


def test_minfds_raises_the_limits(daemon):
    """minfds raises the daemon's soft limit (its programs inherit it);
    the test starts it with a lower soft limit of its own to see that."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    out = os.path.join(daemon.dir, "probe.out")
    daemon.write_config(program("p", "%s %s" % (helper("probe"), out),
                                startsecs=0),
                        supervisord_extra="minfds = %d" % want)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want - 1000, hard))
    try:
        daemon.start()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    pid = int(_wait_probe(daemon, out)["pid"])
    assert int(_soft_limit(daemon.proc.pid, "Max open files")) == want
    assert int(_soft_limit(pid, "Max open files")) == want


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become nobody")
def test_switching_user_needs_root(open_dir):
    """A daemon that is not root runs a program as its own user, and
    refuses any other with a clear spawn error."""
    import subprocess
    from conftest import SUPERVISORD, Daemon
    nobody = pwd.getpwnam("nobody")
    d = Daemon(open_dir)
    out = os.path.join(open_dir, "probe.out")
    d.write_config(
        program("self", "%s %s" % (helper("probe"), out), startsecs=0,
                user="nobody") +
        program("other", "%s %s.root" % (helper("probe"), out),
                startsecs=0, user="root", startretries=0))
    d.stderr = open(d.stderr_path, "ab")
    d.proc = subprocess.Popen(
        ["setpriv", "--reuid=%d" % nobody.pw_uid,
         "--regid=%d" % nobody.pw_gid, "--clear-groups",
         SUPERVISORD, "-n", "-c", d.conf],
        stdin=subprocess.DEVNULL, stdout=d.stderr, stderr=d.stderr,
        cwd=open_dir)
    try:
        info = _wait_probe(d, out)
        assert int(info["uid"]) == nobody.pw_uid
        wait(d, lambda: "gave up: other entered FATAL state" in d.log(),
             "other to give up")
        assert "other: spawn error: cannot switch to user 'root': the " \
            "daemon is not running as root" in d.log()
        assert not os.path.exists(out + ".root")
    finally:
        d.kill()
        d.stderr.close()
    assert d.proc.returncode == 0
