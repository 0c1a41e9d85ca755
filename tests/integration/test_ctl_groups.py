"""reread, avail, update [GROUP...], add and remove: supervisorctl's
commands on the configuration file's groups, with the real daemon and
real programs, the file rewritten between commands."""
import os

import pytest

from conftest import wait_for
from reload_util import pids, sleeper, wait_dead, wait_gone

BASE = {
    "keep": sleeper("keep"),
    "chg": sleeper("chg"),
    "old": sleeper("old"),
    "pool": "[group:pool]\nprograms = a, b\n\n" + sleeper("a") +
            sleeper("b"),
}


def write(d, sections):
    d.write_config("".join(sections.values()))


@pytest.fixture
def d(daemon):
    write(daemon, BASE)
    daemon.start()
    for name in ("keep", "chg", "old", "pool:a", "pool:b"):
        daemon.wait_state(name, "RUNNING")
    return daemon


def edited(**changes):
    """BASE with sections replaced (a value) or dropped (None)."""
    s = dict(BASE)
    for k, v in changes.items():
        if v is None:
            s.pop(k, None)
        else:
            s[k] = v
    return s


def test_reread_reports_by_group_and_changes_nothing(d):
    r = d.supctl("reread", check=0)
    assert r.stdout == "No config updates to processes\n"
    before = pids(d)
    write(d, edited(chg=sleeper("chg", 1001), old=None,
                    new=sleeper("new"),
                    # priority applies in place: not "changed"
                    keep=sleeper("keep", priority=5),
                    pool="[group:pool]\nprograms = a\n\n" + sleeper("a")))
    r = d.supctl("reread", check=0)
    assert r.stdout == ("chg: changed\nnew: available\nold: disappeared\n"
                        "pool: changed\n"), r.stdout
    assert pids(d) == before
    reply = d.request({"cmd": "reread"})
    assert reply["ok"], reply
    assert reply["result"]["groups"] == {
        "added": ["new"], "changed": ["chg", "pool"], "removed": ["old"]}


def test_reread_and_avail_refuse_a_bad_file_and_keep_running(d):
    before = pids(d)
    with open(d.conf, "a") as f:
        f.write("[program:bad]\ncommand = sleep 1\nstartsecs = nope\n")
    for cmd in ("reread", "avail", "update"):
        r = d.supctl(cmd, check=1)
        assert "cannot load" in r.stderr and "startsecs" in r.stderr, r
    r = d.supctl("add", "bad", check=1)
    assert "cannot load" in r.stderr
    assert pids(d) == before


def test_avail_lists_the_file_with_in_use(d):
    write(d, edited(old=None, new=sleeper("new", autostart="false",
                                          priority=7)))
    r = d.supctl("avail", check=0)
    lines = r.stdout.splitlines()
    assert "new                              avail     manual    7:7" in lines
    assert "chg                              in use    auto      999:999" \
        in lines
    assert "pool:a                           in use    auto      999:999" \
        in lines
    assert not any(line.startswith("old ") for line in lines)
    reply = d.request({"cmd": "avail"})
    entry = [p for p in reply["result"]["processes"]
             if p["fullname"] == "new"][0]
    assert entry == {"name": "new", "group": "new", "fullname": "new",
                     "in_use": False, "autostart": False,
                     "group_priority": 7, "priority": 7}


def test_update_one_group_leaves_the_others(d):
    before = pids(d)
    write(d, edited(chg=sleeper("chg", 1001), old=None,
                    new=sleeper("new")))
    r = d.supctl("update", "chg", check=0)
    assert r.stdout == "chg: updated process group\n"
    wait_for(lambda: d.status("chg")["pid"] not in (0, before["chg"]) and
             d.status("chg")["state"] == "RUNNING")
    wait_dead(before["chg"])
    now = pids(d)
    # old is no longer in the file but was not named: it runs on; new
    # was not named: not added.
    assert now["old"] == before["old"] and now["keep"] == before["keep"]
    assert "new" not in now
    r = d.supctl("reread", check=0)
    assert r.stdout == "new: available\nold: disappeared\n"
    # The rest, then: update without names is the whole file.
    r = d.supctl("update", check=0)
    assert r.stdout == "old: removed process group\nnew: added process group\n"
    wait_gone(d, "old")
    d.wait_state("new", "RUNNING")
    assert d.supctl("reread", check=0).stdout == \
        "No config updates to processes\n"


def test_update_applies_live_keys_without_a_restart(d):
    before = pids(d)
    write(d, edited(keep=sleeper("keep", priority=5)))
    assert d.supctl("update", "keep", check=0).stdout == ""
    assert pids(d)["keep"] == before["keep"]
    reply = d.request({"cmd": "avail"})
    keep = [p for p in reply["result"]["processes"]
            if p["fullname"] == "keep"][0]
    assert keep["priority"] == 5


def test_update_dry_run_and_bad_names(d):
    before = pids(d)
    write(d, edited(chg=sleeper("chg", 1001)))
    r = d.supctl("update", "--dry-run", "chg", check=0)
    assert r.stdout == "chg: would be updated\n"
    r = d.supctl("update", "chg", "nope", check=1)
    assert r.stdout == "ERROR: no such group: nope\n"
    reply = d.request({"cmd": "update", "names": ["nope"]})
    assert reply["error"]["code"] == "bad_name", reply
    assert pids(d) == before      # a bad name changed nothing
    d.supctl("update", "all", check=0)
    wait_dead(before["chg"])


def test_add_a_new_group_and_its_errors(d):
    write(d, edited(new=sleeper("new"),
                    extra="[group:extra]\nprograms = x\n\n" + sleeper("x")))
    r = d.supctl("add", "new", "extra", check=0)
    assert r.stdout == ("new: added process group\n"
                        "extra: added process group\n")
    d.wait_state("new", "RUNNING")
    d.wait_state("extra:x", "RUNNING")
    r = d.supctl("add", "new", check=0)
    assert r.stdout == "ERROR: process group already active\n"
    r = d.supctl("add", "zzz", "chg", check=1)
    assert r.stdout == ("ERROR: no such process/group: zzz\n"
                        "ERROR: process group already active\n")
    reply = d.request({"cmd": "add", "names": ["chg"]})
    assert reply["error"]["code"] == "already_added", reply


def test_remove_a_stopped_group_only(d):
    r = d.supctl("remove", "pool", check=1)
    assert r.stdout == "ERROR: process/group still running: pool\n"
    reply = d.request({"cmd": "remove", "names": ["pool"]})
    assert reply["error"]["code"] == "still_running", reply
    r = d.supctl("remove", "nope", check=1)
    assert r.stdout == "ERROR: no such process/group: nope\n"
    d.supctl("stop", "pool:*", check=0)
    before = pids(d)
    r = d.supctl("remove", "pool", check=0)
    assert r.stdout == "pool: removed process group\n"
    wait_gone(d, "pool:a")
    assert "pool:b" not in d.status()
    now = pids(d)
    assert {k: v for k, v in before.items() if not k.startswith("pool")} \
        == now
    # Still in the file: available again, and add brings it back.
    assert d.supctl("reread", check=0).stdout == "pool: available\n"
    r = d.supctl("avail", check=0)
    assert any(line.startswith("pool:a ") and " avail " in line
               for line in r.stdout.splitlines())
    d.supctl("add", "pool", check=0)
    d.wait_state("pool:a", "RUNNING")
    d.wait_state("pool:b", "RUNNING")


def test_group_commands_keep_a_later_reload_consistent(d):
    """After add/remove the running configuration differs from the file;
    a reload then brings the two together."""
    d.supctl("stop", "old", check=0)
    d.supctl("remove", "old", check=0)
    wait_gone(d, "old")
    r = d.request({"cmd": "reload"})
    assert r["ok"] and r["result"]["added"] == ["old"], r
    d.wait_state("old", "RUNNING")
    log = open(d.logfile).read()
    assert "control: uid" in log and "remove old" in log
    assert os.path.exists(d.conf)
