"""The shell wrappers that run the copy of Python Supervisor under
build/pysupervisor with `python3 -S` (its own site folder first): shared
by the tests (pysupervisor.py) and the benchmark (tests/bench), without
pytest."""
import os


def write_wrapper(path, python, site, module):
    """path: a script running module's main() from site; rewritten only
    when it differs, atomically (xdist workers write it at once)."""
    text = ("#!/bin/sh\nexec %s -S -c 'import sys; sys.path.insert(0, "
            "\"%s\"); from %s import main; main()' \"$@\"\n"
            % (python, site, module))
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    tmp = "%s.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)
