"""Python Supervisor 4.2, the reference of the differential tests: the
copy `make pysupervisor` unpacks under build/pysupervisor (Debian's
package and pkg_resources, their Python code only).  Every machine runs
that same copy with `python3 -S`, so a Supervisor installed on the system
(or missing from it) changes nothing."""
import os
import subprocess

from conftest import BUILD

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
