"""Python Supervisor 4.2, the reference of the differential tests: the
copy `make pysupervisor` unpacks under build/pysupervisor (Debian's
package and pkg_resources, their Python code only).  Every machine runs
that same copy with `python3 -S`, so a Supervisor installed on the system
(or missing from it) changes nothing."""
import os
import subprocess
import sys

import pytest

from conftest import BUILD
from pywrapper import write_wrapper

PYTHON = "/usr/bin/python3"
DIR = os.path.join(BUILD, "pysupervisor")
SITE = os.path.join(DIR, "root", "usr", "lib", "python3", "dist-packages")


def _download_log():
    try:
        with open(os.path.join(DIR, "download.log"), errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return "no log: was `make pysupervisor` run?"
    return lines[-1] if lines else "empty log"


def unavailable():
    """Why Python Supervisor cannot run here, or None when it can."""
    if not os.path.isdir(os.path.join(SITE, "supervisor")):
        return ("no copy of Python Supervisor in %s: `make pysupervisor` "
                "could not fetch it (%s)" % (DIR, _download_log()))
    try:
        r = subprocess.run(python("import supervisor.options"),
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "cannot run %s: %s" % (PYTHON, e)
    if r.returncode != 0:
        return "the copy in %s does not import: %s" % (
            SITE, r.stderr.strip().splitlines()[-1:])
    return None


def python(code, *args):
    """argv running code with the copy first and nothing of the system's
    site-packages (-S)."""
    return [PYTHON, "-S", "-c",
            "import sys; sys.path.insert(0, %r); %s" % (SITE, code)] + \
        list(args)


def script(path, *args):
    """argv running a script of ours that imports supervisor: it takes
    --python-path DIR first (see supervisor_dump.py)."""
    return [PYTHON, "-S", path, "--python-path", SITE] + list(args)


def supervisord(*args):
    """argv of Python Supervisor's supervisord."""
    return python("from supervisor.supervisord import main; main()", *args)


# Programs for the tests that need a path to run (supervisorctl tail,
# a Python supervisord to compare with): shell wrappers running the copy.
BIN = os.path.join(DIR, "bin")
SUPERVISORD = os.path.join(BIN, "supervisord")
SUPERVISORCTL = os.path.join(BIN, "supervisorctl")


if os.path.isdir(os.path.join(SITE, "supervisor")):
    os.makedirs(BIN, exist_ok=True)
    write_wrapper(SUPERVISORD, PYTHON, SITE, "supervisor.supervisord")
    write_wrapper(SUPERVISORCTL, PYTHON, SITE, "supervisor.supervisorctl")


def use_in_process():
    """The copy first on this interpreter's path, for `from supervisor
    import ...` in a test; False when there is no copy."""
    if not os.path.isdir(os.path.join(SITE, "supervisor")):
        return False
    if SITE not in sys.path:
        sys.path.insert(0, SITE)
    return True


def transport():
    """Supervisor's own XML-RPC transport class (unix:// and http://, Basic
    auth), imported from the copy; None when there is no copy."""
    if not use_in_process():
        return None
    try:
        from supervisor.xmlrpc import SupervisorTransport
    except ImportError:     # pragma: no cover
        return None
    return SupervisorTransport


def needs_transport(transport_class):
    """A test module's pytestmark: skip, saying why, without the transport
    that transport() gave."""
    return pytest.mark.skipif(
        transport_class is None,
        reason="no Python Supervisor: %s" % unavailable())
