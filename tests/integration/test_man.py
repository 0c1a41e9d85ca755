"""The man pages: clean under `mandoc -T lint -W warning`, and complete
against the code: every option, state, handled signal and exit status of
the daemon in supervisord(8); every supctl command, exit status, protocol
request and error code in supctl(1).  The lists come from the programs'
help and the source tables, so a command added without its documentation
fails here.  Every configuration key, with its default, is held to
supervisord.conf(5) and conf/supervisord.conf by the option tables' unit
test (tests/unit/test_config_table.c)."""
import os
import re
import shutil
import signal
import subprocess

import pytest

from conftest import SUPCTL, SUPERVISORD
from engine_util import program

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MAN = os.path.join(ROOT, "man")
PAGES = ("supervisord.8", "supctl.1", "supervisord.conf.5")


def _page(name):
    with open(os.path.join(MAN, name)) as f:
        return f.read()


def _source(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def _section(text, title):
    """The mdoc source of one .Sh section."""
    m = re.search(r"^\.Sh %s\n(.*?)(?=^\.Sh |\Z)" % re.escape(title), text,
                  re.M | re.S)
    assert m, "no section %s" % title
    return m.group(1)


def _macro_has(text, macro, word):
    """A macro line (.It, .Cm ...) where macro is followed, somewhere on
    the line, by word as a whole word."""
    pat = r"^\.[^\n]*\b%s\b[^\n]*(?<![\w-])%s(?![\w])" % (
        re.escape(macro), re.escape(word))
    return re.search(pat, text, re.M) is not None


@pytest.mark.parametrize("page", PAGES)
def test_lint_clean(page):
    if shutil.which("mandoc") is None:
        pytest.skip("mandoc is not installed (Debian package mandoc)")
    r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning",
                        os.path.join(MAN, page)],
                       capture_output=True, text=True, timeout=60)
    assert r.stdout + r.stderr == "", r.stdout + r.stderr


def test_every_daemon_option_documented():
    page = _page("supervisord.8")
    usage = subprocess.run([SUPERVISORD, "-h"], capture_output=True,
                           text=True, timeout=15).stdout
    shorts = re.findall(r"^\s+-(\w),", usage, re.M)
    longs = re.findall(r"--([a-z-]+)", usage)
    assert len(shorts) >= 6 and len(longs) >= 7
    for opt in shorts:
        assert _macro_has(page, "Fl", opt), "-" + opt
    for opt in longs:
        assert _macro_has(page, "Fl", "-" + opt), "--" + opt


def test_every_state_documented():
    states = re.findall(r'\{ PROC_\w+, "([A-Z]+)" \}',
                        _source("supervisord/engine/procinfo.c"))
    assert len(states) == 8
    page = _page("supervisord.8")
    for state in states:
        assert _macro_has(page, "Dv", state), state


def test_every_handled_signal_documented(daemon):
    """The signals the daemon really has handlers for (SigCgt)."""
    daemon.write_config(program("x", "/bin/sleep 1000"))
    daemon.start()
    daemon.connect().close()
    with open("/proc/%d/status" % daemon.proc.pid) as f:
        mask = int(re.search(r"^SigCgt:\s+(\w+)", f.read(), re.M).group(1),
                   16)
    # Fault signals are caught by the sanitizers' runtime under make asan.
    faults = {"SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGTRAP", "SIGABRT"}
    caught = [signal.Signals(s).name for s in range(1, 32)
              if mask & (1 << (s - 1)) and
              signal.Signals(s).name not in faults]
    assert "SIGTERM" in caught and "SIGCHLD" in caught
    section = _section(_page("supervisord.8"), "SIGNALS")
    for name in caught:
        assert _macro_has(section, "Dv", name) or \
            re.search(r"^\.It Dv [^\n]*\b%s\b" % name[3:], section, re.M), \
            name


def test_every_daemon_exit_status_documented():
    section = _section(_page("supervisord.8"), "EXIT STATUS")
    statuses = {0, 1, 2}
    statuses.add(int(re.search(r"#define EXIT_SHUTDOWN_ON\s+(\d+)",
                               _source("supervisord/host/host.h"))
                     .group(1)))
    for st in statuses:
        assert re.search(r"^\.It %d$" % st, section, re.M), st


def _supctl_help():
    return subprocess.run([SUPCTL, "help"], capture_output=True, text=True,
                          timeout=15).stdout


def test_every_supctl_command_documented():
    help_text = _supctl_help()
    cmds = re.findall(r"^  ([a-z]+)\b", help_text.split("commands:", 1)[1],
                      re.M)
    assert len(cmds) >= 10
    page = _page("supctl.1")
    for cmd in cmds:
        assert _macro_has(page, "Ic", cmd), cmd


def test_every_supctl_option_documented():
    usage = _supctl_help().splitlines()[0]
    opts = re.findall(r"(--?[a-z-]+)", usage)
    assert {"-c", "-s", "--json", "--timeout"} <= set(opts), usage
    page = _page("supctl.1")
    for opt in opts:
        assert _macro_has(page, "Fl", opt[1:]), opt


def test_every_supctl_exit_status_documented():
    line = re.search(r"^exit status: (.*?); see", _supctl_help(),
                     re.M | re.S).group(1)
    codes = [int(c) for c in re.findall(r"(\d+) ", line)]
    assert codes[:2] == [0, 1]
    section = _section(_page("supctl.1"), "EXIT STATUS")
    for code in codes:
        assert re.search(r"^\.It %d$" % code, section, re.M), code


def test_every_protocol_request_argument_and_error_documented():
    src = _source("lib/proto.c")
    requests = re.findall(r'\{ PROTO_CMD_\w+, "([a-z]+)",', src)
    codes = re.findall(r'\[PROTO_\w+\] = "([a-z_]+)"', src)
    assert len(requests) >= 10 and len(codes) >= 10
    page = _page("supctl.1")
    for req in requests:
        assert '{"cmd":"%s"' % req in page, req
    args = set(re.findall(r'\{ "([a-z_]+)", PROTO_T_\w+,', src))
    assert {"names", "wait", "signal", "follow"} <= args
    for arg in args:
        assert '"%s":' % arg in page, arg
    errors = _section(page, "PROTOCOL")
    for code in codes:
        if code == "ok":
            continue
        assert re.search(r"^\.It Li %s$" % code, errors, re.M), code
