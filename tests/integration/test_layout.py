"""The daemon's layout is a tested rule: each folder of supervisord/ calls
only what supervisord/README.md's "may call" column lets it (tests/layout.py,
nm on the build's objects), and the check does catch a call it forbids."""
import os
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
