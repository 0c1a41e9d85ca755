"""The daemon's layout is a tested rule: each folder of supervisord/ calls
only what supervisord/README.md's "may call" column lets it, and folders
call each other only in the circles its "Circles left" line lists
(tests/layout.py, nm on the build's objects); the check does catch a call
it forbids and a circle it was not told of."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import layout  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("nm") is None,
                                reason="no nm (binutils) on this machine")


def _readme():
    with open(layout.README) as f:
        return f.read()


def test_every_folder_calls_only_what_the_readme_allows():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tests",
                        "layout.py"), BUILD], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_control_names_no_symbol_of_http():
    """The circle this layout broke: control hands HTTP connections over
    through struct daemon's http_accept hook, naming nothing of http/."""
    found = [(obj, sym) for folder, obj, sym, target in layout.calls(BUILD)
             if folder == "control" and target == "http"]
    assert found == []
    assert "http" not in layout.allowed_calls(_readme())["control"]


def test_the_check_sees_a_forbidden_call():
    """Without output/ in the engine's column, the engine's calls into
    output/ (a spawn opens its log streams) are violations."""
    text = _readme()
    allowed = layout.allowed_calls(text)
    assert allowed["engine"] == {"lib", "output"}
    row = next(line for line in text.splitlines()
               if line.startswith("| `engine/` |"))
    cells = row.split("|")
    cells[3] = " `lib/` "
    bad = layout.violations(BUILD, text.replace(row, "|".join(cells)))
    assert bad and all(line.startswith("engine/ calls output/")
                       for line in bad), bad


def test_a_folder_missing_from_the_table_fails():
    text = "\n".join(line for line in _readme().splitlines()
                     if not line.startswith("| `reload/` |"))
    bad = layout.violations(BUILD, text)
    assert "supervisord/reload/: not in the README's table" in bad


def test_circles_found_around_any_loop():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"},
             "e": {"d"}, "f": {"a"}}
    assert layout.circles_of(graph) == {frozenset("abc"), frozenset("de")}
    assert layout.circles_of({"a": {"b"}, "b": {"c"}}) == set()


def test_circles_listed_are_the_circles_found():
    """Each circle of the build is on the README's line, and each circle
    on the line is still there: the line never hides one nor outlives it."""
    text = _readme()
    assert layout.listed_circles(text) == layout.circles(BUILD)
    gone = text.replace("Circles left: ", "Circles left: `a/` <-> `b/`, ")
    assert "circle listed in the README but gone: a <-> b" in \
        layout.violations(BUILD, gone)
    for c in layout.circles(BUILD):
        hidden = re.sub(r"^Circles left:.*?\n\n", "Circles left: none.\n\n",
                        text, flags=re.M | re.S)
        assert "circle not listed in the README: %s" % " <-> ".join(
            sorted(c)) in layout.violations(BUILD, hidden)
