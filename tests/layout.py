#!/usr/bin/env python3
"""The daemon's layout as a tested rule: every folder of supervisord/ calls
only what the "may call" column of supervisord/README.md lets it, as the
symbols of its objects show (nm on BUILD/obj), and lib/ calls none of the
daemon.  A function reached through a hook in struct daemon names no
symbol, so it does not count: that is how a lower folder calls back.
Folders that call each other, directly or around a longer loop, form a
circle: each must be listed on the README's "Circles left:" line.

    tests/layout.py [BUILD]     exit 0, or 1 with one line a violation
"""
import functools
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
README = os.path.join(ROOT, "supervisord", "README.md")
# nm's letters of a symbol an object defines (code, data, bss, common).
DEFINED = set("TDBRCVW")


def allowed_calls(readme_text):
    """{folder: set of folders it may call} from the README's table; "lib"
    may call no folder of the daemon.  "everything" in the column: all."""
    rows = {}
    for line in readme_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3:
            continue
        m = re.fullmatch(r"`([a-z_]+)/`", cells[0])
        if m is None:
            continue
        rows[m.group(1)] = cells[2]
    folders = set(rows) | {"lib"}
    allowed = {"lib": set()}
    for folder, column in rows.items():
        if "everything" in column:
            allowed[folder] = folders - {folder}
        else:
            allowed[folder] = set(re.findall(r"`([a-z_]+)/`", column))
    return allowed


def _folder(build, obj):
    """supervisord/engine/proc.o: "engine"; lib/config/x.o: "lib"."""
    parts = os.path.relpath(obj, os.path.join(build, "obj")).split(os.sep)
    return parts[1] if parts[0] == "supervisord" else "lib"


def _nm(objs):
    """(object, "U" or "D", symbol) for every object, in one nm run."""
    out = subprocess.run(["nm", "-A"] + objs, capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        obj, _, rest = line.partition(":")
        fields = rest.split()
        if len(fields) == 2 and fields[0] == "U":
            yield obj, "U", fields[1]
        elif len(fields) == 3 and fields[1] in DEFINED:
            yield obj, "D", fields[2]


@functools.lru_cache(maxsize=None)
def calls(build):
    """((folder, object, symbol, folder defining it), ...) for every
    symbol an object of the daemon or lib/ takes from another folder."""
    objs = glob.glob(os.path.join(build, "obj", "supervisord", "*", "*.o"))
    objs += glob.glob(os.path.join(build, "obj", "lib", "**", "*.o"),
                      recursive=True)
    # Only the objects of today's sources: a file moved or removed leaves
    # its old object in build/, which make no longer links.
    objs = [o for o in objs if os.path.exists(os.path.join(
        ROOT, os.path.relpath(o, os.path.join(build, "obj"))[:-2] + ".c"))]
    defined, used = {}, []
    for obj, kind, sym in _nm(sorted(objs)):
        if kind == "D":
            defined[sym] = _folder(build, obj)
        else:
            used.append((_folder(build, obj), obj, sym))
    return tuple((f, o, s, defined[s]) for f, o, s in used
                 if s in defined and defined[s] != f)


def listed_circles(readme_text):
    """The circles the README admits: {frozenset of folders}, from its
    line "Circles left: `a/` <-> `b/`, ..." (none: "Circles left: none")."""
    m = re.search(r"^Circles left:(.*?)(?:\n\n|\Z)", readme_text, re.M | re.S)
    if m is None:
        return set()
    return {frozenset(re.findall(r"`([a-z_]+)/`", part))
            for part in m.group(1).split(",") if "<->" in part}


def circles_of(graph):
    """{folder: folders it calls} -> the groups of folders that reach each
    other, {frozenset}: the graph's strongly connected components of two
    or more."""
    reach = {}
    for start in graph:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = seen
    return {frozenset(b for b in graph if b in reach[a] and a in reach[b])
            | {a} for a in graph if a in reach[a]}


def circles(build):
    """The circles of the build's call graph between folders."""
    graph = {}
    for folder, _, _, target in calls(build):
        graph.setdefault(folder, set()).add(target)
    return circles_of(graph)


def violations(build, readme_text):
    """One line for each call the README does not allow, each circle it
    does not list, and each folder of supervisord/ its table does not
    describe."""
    allowed = allowed_calls(readme_text)
    listed = listed_circles(readme_text)
    found = circles(build)
    out = ["circle not listed in the README: %s" % " <-> ".join(sorted(c))
           for c in found if c not in listed]
    out += ["circle listed in the README but gone: %s" % " <-> ".join(
        sorted(c)) for c in listed if c not in found]
    for d in sorted(glob.glob(os.path.join(ROOT, "supervisord", "*", ""))):
        name = os.path.basename(os.path.dirname(d))
        if name not in allowed:
            out.append("supervisord/%s/: not in the README's table" % name)
    for folder, obj, sym, target in calls(build):
        if target not in allowed.get(folder, set()):
            out.append("%s/ calls %s/: %s uses %s" % (
                folder, target, os.path.relpath(obj, build), sym))
    return out


def main(argv):
    build = os.path.abspath(argv[1] if len(argv) > 1 else
                            os.path.join(ROOT, "build"))
    if not glob.glob(os.path.join(build, "obj", "supervisord", "*", "*.o")):
        print("layout: no objects under %s/obj (make first)" % build)
        return 1
    with open(README) as f:
        bad = violations(build, f.read())
    for line in bad:
        print("layout: " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
