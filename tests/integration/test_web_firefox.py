"""The web page in headless Firefox ESR, driven over WebDriver BiDi
(bidi_util.py): logged in with Basic auth, the table lists the programs
with their states, the live event stream turns a row STOPPED without a
reload, and an action's result shows.  The Chromium tests
(test_web_page.py) cover the rest; this one proves the page's fetch and
EventSource work in the other engine.  A screenshot goes to build/web/."""
import os

from bidi_util import firefox  # noqa: F401 (a fixture)
from conftest import BUILD, wait_for
from web_util import PASSWORD, USER, start_web

SHOTS = os.path.join(BUILD, "web")

ROWS = ("return Array.from(document.querySelectorAll('#rows tr'))"
        ".map(tr => [tr.dataset.name, tr.dataset.state || null]);")


def row_state(b, name):
    return dict(b.js(ROWS)).get(name)


def test_firefox_lists_programs_and_follows_states(daemon, firefox):
    port = start_web(daemon, """
    [program:sleeper]
    command = sleep 1000
    startsecs = 0

    [program:other]
    command = sleep 1000
    startsecs = 0

    [program:idle]
    command = sleep 1000
    autostart = false
    """)
    daemon.wait_state("sleeper", "RUNNING")
    daemon.wait_state("other", "RUNNING")
    b = firefox
    b.get("http://%s:%s@127.0.0.1:%d/" % (USER, PASSWORD, port))
    wait_for(lambda: b.js("return window.supervisordPage && "
                          "supervisordPage.live && "
                          "supervisordPage.renders > 0"),
             what="the page to load and go live in Firefox")
    assert b.js(ROWS) == [["idle", "STOPPED"], ["other", "RUNNING"],
                          ["sleeper", "RUNNING"]]
    pid = daemon.status("sleeper")["pid"]
    assert str(pid) in b.js(
        "return document.getElementById('rows').textContent;")
    os.makedirs(SHOTS, exist_ok=True)
    b.screenshot(os.path.join(SHOTS, "page-firefox.png"))
    b.js("window.noReload = 1;")
    # A change made elsewhere arrives over the event stream.
    assert daemon.request({"cmd": "stop", "names": ["other"]})["ok"]
    wait_for(lambda: row_state(b, "other") == "STOPPED",
             what="the row to turn STOPPED in Firefox")
    # A button's JSON POST acts, and its result shows.
    b.js("for (const tr of document.querySelectorAll('#rows tr'))"
         "  if (tr.dataset.name === arguments[0])"
         "    tr.querySelector('button[data-act=stop]').click();",
         "sleeper")
    wait_for(lambda: row_state(b, "sleeper") == "STOPPED",
             what="the clicked row to turn STOPPED in Firefox")
    wait_for(lambda: "sleeper: stopped" in b.js(
        "return document.getElementById('result').textContent;"))
    assert daemon.status("sleeper")["state"] == "STOPPED"
    assert b.js("return window.noReload;") == 1
    assert not [t for t in b.console() if t and "rror" in t], b.console()
