"""The web page on [inet_http_server], in headless Chromium and in
headless Firefox ESR (each scenario once a browser: web_browsers.py):
the table, actions and their results, live states, the log view,
escaping, phone width and keyboard, reconnection after a restart, 1000
programs, and pages of other origins that try to act on the daemon
(issue 13's cross-site test).  Screenshots go to build/web/."""
import http.server
import threading

import pytest

from conftest import DEADLINE
from web_browsers import browser, browser_session  # noqa: F401 (fixtures)
from web_browsers import ENTER, ESCAPE, css_string
from web_util import PASSWORD, USER, fetch, free_port, start_web

# One worker runs the module (make check's --dist loadgroup): its
# browsers start once.
pytestmark = pytest.mark.xdist_group("web_page")

PROGRAMS = """\
    [program:sleeper]
    command = sleep 1000
    startsecs = 0

    [program:other]
    command = sleep 1000
    startsecs = 0
    """


def row(name, act=None):
    """The selector of a program's row, or of one of its buttons."""
    sel = "#rows tr[data-name=%s]" % css_string(name)
    return sel + (" button[data-act=%s]" % act if act else "")


def open_page(b, port):
    # The operator logs in once: the browser keeps the credentials.
    b.open("http://%s:%s@127.0.0.1:%d/" % (USER, PASSWORD, port))
    b.wait(lambda: b.js(
        "return !!(window.supervisordPage && supervisordPage.live && "
        "supervisordPage.renders > 0)"), what="the page to load")


def row_state(b, name):
    return b.js(
        "for (const tr of document.querySelectorAll('#rows tr'))"
        "  if (tr.dataset.name === arguments[0]) return tr.dataset.state;"
        "return null;", name)


def row_names(b):
    return b.js("return Array.from(document.querySelectorAll('#rows tr'))"
                ".map(tr => tr.dataset.name)")


def click(b, name, act):
    b.click(row(name, act))


def text(b, id):
    return b.js("return document.getElementById(arguments[0])"
                ".textContent", id)


def result_text(b):
    return text(b, "result")


def test_table_lists_programs_and_stop_turns_row_stopped(daemon, browser):
    port = start_web(daemon, PROGRAMS + """
    [program:broken]
    command = /nonexistent/program
    autostart = false
    """)
    daemon.wait_state("sleeper", "RUNNING")
    daemon.wait_state("other", "RUNNING")
    open_page(browser, port)
    assert row_names(browser) == ["broken", "other", "sleeper"]
    assert row_state(browser, "sleeper") == "RUNNING"
    pid = daemon.status("sleeper")["pid"]
    assert str(pid) in browser.texts(row("sleeper") + " td.pid")
    assert "pid %d" % daemon.proc.pid in text(browser, "daemon")
    browser.screenshot("page")
    browser.js("window.noReload = 1")
    click(browser, "sleeper", "stop")
    browser.wait(lambda: row_state(browser, "sleeper") == "STOPPED")
    browser.wait(lambda: "sleeper: stopped" in result_text(browser))
    assert daemon.status("sleeper")["state"] == "STOPPED"
    assert daemon.status("other")["state"] == "RUNNING"
    # A change made elsewhere shows within a second, without a reload.
    assert daemon.request({"cmd": "stop", "names": ["other"]})["ok"]
    browser.wait(lambda: row_state(browser, "other") == "STOPPED")
    lag = browser.js("return supervisordPage.eventLag")
    assert lag is not None and lag < 1.0, lag
    # A failed action says why, as supctl does, without a reload.
    click(browser, "broken", "start")
    browser.wait(lambda: "broken: ERROR (spawn error" in result_text(browser))
    assert browser.js("return window.noReload") == 1
    browser.screenshot("page-error")
    assert browser.errors() == []


def test_crash_shows_backoff_then_running(daemon, browser, tmp_path):
    count = tmp_path / "count"
    port = start_web(daemon, """
    [program:crasher]
    command = sh -c 'n=$(cat %s 2>/dev/null || echo 0); echo $((n+1)) > %s;
        [ "$n" -ge 1 ] && exec sleep 1000; exit 3'
    startsecs = 1
    autostart = false
    """ % (count, count))
    open_page(browser, port)
    browser.js("""
        window.noReload = 1;
        window.seen = [];
        new MutationObserver(() => {
          for (const tr of document.querySelectorAll('#rows tr'))
            if (tr.dataset.name === 'crasher' &&
                seen[seen.length - 1] !== tr.dataset.state)
              seen.push(tr.dataset.state);
        }).observe(document.getElementById('rows'),
                   {subtree: true, attributes: true, childList: true});
    """)
    # (Through the socket: supctl -c cannot read a line over 200 bytes,
    # which this command becomes under a long temporary path.)
    assert daemon.request({"cmd": "start", "names": ["crasher"],
                           "wait": False})["ok"]
    browser.wait(lambda: row_state(browser, "crasher") == "RUNNING",
                 timeout=2 * DEADLINE)
    seen = browser.js("return window.seen")
    assert "BACKOFF" in seen and seen[-1] == "RUNNING", seen
    assert seen.index("BACKOFF") < len(seen) - 1
    assert browser.js("return window.noReload") == 1


def log_text(b):
    return text(b, "logtext")


def test_log_view_follows_new_lines(daemon, browser):
    port = start_web(daemon, """
    [program:ticker]
    command = sh -c 'i=0; while :; do i=$((i+1));
        printf "\\033[31mtick\\033[0m %%d\\n" $i; sleep 0.2; done'
    startsecs = 0
    """)
    daemon.wait_state("ticker", "RUNNING")
    open_page(browser, port)
    click(browser, "ticker", "log")
    browser.wait(lambda: "tick 1\n" in log_text(browser), what="the log")
    shown = log_text(browser)
    assert "\x1b" not in shown and "[31m" not in shown
    last = int(shown.strip().split("\n")[-1].split()[1])
    browser.wait(lambda: "tick %d\n" % (last + 5) in log_text(browser),
                 what="new lines in the log view")
    browser.screenshot("page-log")
    # Escape closes it.
    browser.press("#logtext", ESCAPE)
    browser.wait(lambda: browser.js(
        "return document.getElementById('logview').hidden"))


def test_names_and_output_are_escaped(daemon, browser):
    name = "web&<b>x"
    port = start_web(daemon, """
    [program:%s]
    command = sh -c 'echo "<script>window.pwned=1</script>";
        echo "<img src=x onerror=window.pwned2=1>"; exec sleep 1000'
    startsecs = 0
    """ % name)
    daemon.wait_state(name, "RUNNING")
    open_page(browser, port)
    assert browser.js(
        "return document.querySelector('#rows td.name').textContent") == name
    click(browser, name, "log")
    browser.wait(lambda: "<img src=x" in log_text(browser), what="the log")
    assert "<script>window.pwned=1</script>" in log_text(browser)
    click(browser, name, "stop")
    browser.wait(lambda: name + ": stopped" in result_text(browser))
    assert browser.js(
        "return [typeof window.pwned, typeof window.pwned2, "
        "document.querySelectorAll('main script, main img, main b').length]"
    ) == ["undefined", "undefined", 0]
    browser.screenshot("page-escaped")


def test_phone_width_and_keyboard(daemon, browser):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("sleeper", "RUNNING")
    browser.set_size(390, 844)
    open_page(browser, port)
    assert browser.js("return innerWidth") <= 400
    assert browser.js(
        "return document.documentElement.scrollWidth <= innerWidth + 1")
    browser.screenshot("page-phone")
    # Tab from the top to sleeper's Stop button and press Enter.
    browser.tab_to(row("sleeper", "stop"))
    browser.keys(ENTER)
    browser.wait(lambda: row_state(browser, "sleeper") == "STOPPED")
    assert daemon.status("sleeper")["state"] == "STOPPED"


def test_group_all_signal_and_clear_actions(daemon, browser):
    port = start_web(daemon, """
    [program:trapper]
    command = sh -c 'trap "echo got-usr1" USR1; echo started;
        while :; do sleep 0.1; done'
    startsecs = 0

    [program:w]
    command = sleep 1000
    numprocs = 2
    process_name = w_%(process_num)d
    startsecs = 0
    """)
    daemon.wait_state("trapper", "RUNNING")
    daemon.wait_state("w:w_1", "RUNNING")
    open_page(browser, port)
    assert row_names(browser) == ["trapper", "w:*", "w:w_0", "w:w_1"]
    # The group's Stop, then Start all.
    click(browser, "w:*", "stop")
    browser.wait(lambda: row_state(browser, "w:w_0") == "STOPPED" and
                 row_state(browser, "w:w_1") == "STOPPED")
    assert daemon.status("trapper")["state"] == "RUNNING"
    browser.click("button[data-all=start]")
    browser.wait(lambda: row_state(browser, "w:w_0") == "RUNNING" and
                 row_state(browser, "w:w_1") == "RUNNING")
    browser.wait(lambda: "w:w_1: started" in result_text(browser))
    # Signal: the chosen one.
    browser.js("document.getElementById('allsig').value = 'USR1'")
    click(browser, "trapper", "signal")
    browser.wait(lambda: "got-usr1" in daemon.supctl("tail", "trapper").stdout,
                 what="the program to get USR1")
    assert daemon.status("trapper")["state"] == "RUNNING"
    # Clear log.
    click(browser, "trapper", "clear")
    browser.wait(lambda: "trapper: cleared" in result_text(browser))
    assert "started" not in daemon.supctl("tail", "trapper").stdout


def test_page_comes_back_after_daemon_restart(daemon, browser):
    port = start_web(daemon, PROGRAMS)
    open_page(browser, port)
    old = daemon.proc.pid
    daemon.kill()
    browser.wait(lambda: not browser.js("return supervisordPage.live"),
                 what="the page to see it go")
    daemon.start()
    browser.wait(lambda: browser.js("return supervisordPage.live"),
                 timeout=2 * DEADLINE, what="the page to reconnect")
    browser.wait(lambda: "pid %d" % daemon.proc.pid in
                 text(browser, "daemon"))
    assert daemon.proc.pid != old


def test_every_route_needs_credentials(daemon):
    port = start_web(daemon, PROGRAMS)
    for method, path in (("GET", "/"), ("GET", "/static/app.js"),
                         ("GET", "/static/style.css"),
                         ("GET", "/api/events"), ("GET", "/api/log/sleeper"),
                         ("POST", "/api"), ("POST", "/RPC2")):
        assert fetch(port, method, path, auth=False)[0] == 401, path
    status, headers, body = fetch(port, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert not any(h.startswith("access-control") for h in headers)
    total = len(body)
    for path in ("/static/app.js", "/static/style.css"):
        total += len(fetch(port, "GET", path)[2])
    assert total < 100 * 1024
    assert fetch(port, "GET", "/static/nosuch")[0] == 404


HOSTILE = """<!doctype html>
<html><body>
<iframe name="sink1" style="display:none"></iframe>
<iframe name="sink2" style="display:none"></iframe>
<form id="f1" method="POST" action="%(t)s/RPC2" enctype="text/plain"
      target="sink1">
<input type="hidden" name='<?xml version="1.0"?><methodCall><methodName>supervisor.stopProcess</methodName><params><param><value><string>sleeper</string></value></param></params></methodCall><!--' value="-->">
</form>
<form id="f2" method="POST" action="%(t)s/api" enctype="text/plain"
      target="sink2">
<input type="hidden" name='{"cmd":"stop","names":["sleeper"],"x":"' value='"}'>
</form>
<script>
window.results = [];
const xml = '<?xml version="1.0"?><methodCall><methodName>' +
  'supervisor.stopProcess</methodName><params><param><value><string>' +
  'other</string></value></param></params></methodCall>';
function note(what) { return (r) => results.push(what + ": " +
  (r && r.status !== undefined ? r.status + " " + r.type : String(r))); }
window.forms = [];
for (const n of ['sink1', 'sink2']) {
  const f = document.querySelector('iframe[name=' + n + ']');
  f.addEventListener('load', () => forms.push(n));
}
document.getElementById('f1').submit();
document.getElementById('f2').submit();
fetch('%(t)s/RPC2', {method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: {'Content-Type': 'text/plain'}, body: xml})
  .then(note('no-cors rpc'), note('no-cors rpc'));
fetch('%(t)s/RPC2', {method: 'POST', credentials: 'include',
  headers: {'Content-Type': 'text/xml'}, body: xml})
  .then(note('cors rpc'), note('cors rpc'));
fetch('%(t)s/api', {method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: {'Content-Type': 'text/plain'},
  body: '{"cmd":"stop","names":["all"]}'})
  .then(note('no-cors api'), note('no-cors api'));
fetch('%(t)s/api', {method: 'POST', credentials: 'include',
  headers: {'Content-Type': 'application/json'},
  body: '{"cmd":"stop","names":["all"]}'})
  .then(note('cors api'), note('cors api'));
</script>
</body></html>
"""


class Hostile(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


def test_other_origin_cannot_act(daemon, browser):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("sleeper", "RUNNING")
    daemon.wait_state("other", "RUNNING")
    pids = {n: daemon.status(n)["pid"] for n in ("sleeper", "other")}
    open_page(browser, port)        # the credentials are in the browser
    Hostile.page = (HOSTILE % {"t": "http://127.0.0.1:%d" % port}).encode()
    server = http.server.HTTPServer(("127.0.0.1", free_port()), Hostile)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        browser.open("http://127.0.0.1:%d/" % server.server_port)
        browser.wait(lambda: len(browser.js(
            "return window.results || []")) == 4, what="the four fetches")
        results = browser.js("return window.results")
    finally:
        server.shutdown()
        server.server_close()
        # Both forms' answers came (403: Origin names another site).
        browser.wait(lambda: len(browser.js(
            "return window.forms")) == 2, what="the forms' answers")
    for n, pid in pids.items():
        st = daemon.status(n)
        assert st["state"] == "RUNNING" and st["pid"] == pid, (n, results)
    # The cors ones could not even read an answer: no CORS header is sent.
    assert any(r.startswith("cors api: TypeError") for r in results), results
    assert any(r.startswith("cors rpc: TypeError") for r in results), results
    assert "stop" not in daemon.log().split("listening on")[-1], \
        daemon.log()


@pytest.mark.parametrize("n", [1000])
def test_thousand_programs_render_fast(daemon, browser, n):
    programs = "".join("""
    [program:p%04d]
    command = sleep 1000
    autostart = false
    """ % i for i in range(n))
    port = start_web(daemon, programs)
    open_page(browser, port)
    browser.wait(lambda: browser.js(
        "return document.querySelectorAll('#rows tr').length") == n)
    ms = browser.js("return supervisordPage.renderMs")
    print("%s rendered %d programs in %.0f ms" % (browser.kind, n, ms))
    assert ms < 1000, ms
    browser.screenshot("page-1000")
