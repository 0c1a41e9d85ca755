"""The web page on [inet_http_server], driven in headless Chromium: the
table, actions and their results, live states, the log view, escaping,
phone width and keyboard, reconnection after a restart, 1000 programs,
and pages of other origins that try to act on the daemon (issue 13's
cross-site test).  Screenshots go to build/web/."""
import http.server
import os
import signal
import threading

import pytest

from browser_util import browser  # noqa: F401 (a fixture)
from conftest import BUILD, DEADLINE, wait_for
from web_util import PASSWORD, USER, fetch, free_port, start_web

SHOTS = os.path.join(BUILD, "web")

PROGRAMS = """\
    [program:sleeper]
    command = sleep 1000
    startsecs = 0

    [program:other]
    command = sleep 1000
    startsecs = 0
    """


def shot(b, name):
    os.makedirs(SHOTS, exist_ok=True)
    b.save_screenshot(os.path.join(SHOTS, name))


def open_page(b, port):
    # The operator logs in once: the browser keeps the credentials.
    b.get("http://%s:%s@127.0.0.1:%d/" % (USER, PASSWORD, port))
    wait_for(lambda: b.execute_script(
        "return window.supervisordPage && supervisordPage.live && "
        "supervisordPage.renders > 0"), what="the page to load")


def row_state(b, name):
    return b.execute_script(
        "for (const tr of document.querySelectorAll('#rows tr'))"
        "  if (tr.dataset.name === arguments[0]) return tr.dataset.state;"
        "return null;", name)


def click(b, name, act):
    b.execute_script(
        "for (const tr of document.querySelectorAll('#rows tr'))"
        "  if (tr.dataset.name === arguments[0])"
        "    tr.querySelector('button[data-act=' + arguments[1] + ']')"
        "      .click();", name, act)


def result_text(b):
    return b.execute_script("return document.getElementById('result')"
                            ".textContent")


def test_table_lists_programs_and_stop_turns_row_stopped(daemon, browser):
    port = start_web(daemon, PROGRAMS + """
    [program:broken]
    command = /nonexistent/program
    autostart = false
    """)
    daemon.wait_state("sleeper", "RUNNING")
    daemon.wait_state("other", "RUNNING")
    open_page(browser, port)
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('#rows tr'))"
        ".map(tr => tr.dataset.name)")
    assert names == ["broken", "other", "sleeper"]
    assert row_state(browser, "sleeper") == "RUNNING"
    pid = daemon.status("sleeper")["pid"]
    assert str(pid) in browser.execute_script(
        "return document.getElementById('rows').textContent")
    assert "pid %d" % daemon.proc.pid in browser.execute_script(
        "return document.getElementById('daemon').textContent")
    shot(browser, "page.png")
    browser.execute_script("window.noReload = 1")
    click(browser, "sleeper", "stop")
    wait_for(lambda: row_state(browser, "sleeper") == "STOPPED")
    wait_for(lambda: "sleeper: stopped" in result_text(browser))
    assert daemon.status("sleeper")["state"] == "STOPPED"
    assert daemon.status("other")["state"] == "RUNNING"
    # A change made elsewhere shows within a second, without a reload.
    assert daemon.request({"cmd": "stop", "names": ["other"]})["ok"]
    wait_for(lambda: row_state(browser, "other") == "STOPPED")
    lag = browser.execute_script("return supervisordPage.eventLag")
    assert lag is not None and lag < 1.0, lag
    # A failed action says why, as supctl does, without a reload.
    click(browser, "broken", "start")
    wait_for(lambda: "broken: ERROR (spawn error" in result_text(browser))
    assert browser.execute_script("return window.noReload") == 1
    shot(browser, "page-error.png")


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
    browser.execute_script("""
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
    wait_for(lambda: row_state(browser, "crasher") == "RUNNING",
             timeout=2 * DEADLINE)
    seen = browser.execute_script("return window.seen")
    assert "BACKOFF" in seen and seen[-1] == "RUNNING", seen
    assert seen.index("BACKOFF") < len(seen) - 1
    assert browser.execute_script("return window.noReload") == 1


def log_text(b):
    return b.execute_script("return document.getElementById('logtext')"
                            ".textContent")


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
    wait_for(lambda: "tick 1\n" in log_text(browser), what="the log")
    text = log_text(browser)
    assert "\x1b" not in text and "[31m" not in text
    last = int(text.strip().split("\n")[-1].split()[1])
    wait_for(lambda: "tick %d\n" % (last + 5) in log_text(browser),
             what="new lines in the log view")
    shot(browser, "page-log.png")
    # Escape closes it.
    browser.find_element("id", "logtext").send_keys("\ue00c")
    wait_for(lambda: browser.execute_script(
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
    assert browser.execute_script(
        "return document.querySelector('#rows td.name').textContent") == name
    click(browser, name, "log")
    wait_for(lambda: "<img src=x" in log_text(browser), what="the log")
    assert "<script>window.pwned=1</script>" in log_text(browser)
    click(browser, name, "stop")
    wait_for(lambda: name + ": stopped" in result_text(browser))
    assert browser.execute_script(
        "return [typeof window.pwned, typeof window.pwned2, "
        "document.querySelectorAll('main script, main img, main b').length]"
    ) == ["undefined", "undefined", 0]
    shot(browser, "page-escaped.png")


def test_phone_width_and_keyboard(daemon, browser):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("sleeper", "RUNNING")
    browser.set_window_size(390, 844)
    open_page(browser, port)
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= innerWidth + 1")
    shot(browser, "page-phone.png")
    # Tab to a Stop button and press Enter.
    stop = browser.execute_script(
        "for (const tr of document.querySelectorAll('#rows tr'))"
        "  if (tr.dataset.name === 'sleeper')"
        "    return tr.querySelector('button[data-act=stop]');")
    stop.send_keys("\ue007")
    wait_for(lambda: row_state(browser, "sleeper") == "STOPPED")
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
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('#rows tr'))"
        ".map(tr => tr.dataset.name)")
    assert names == ["trapper", "w:*", "w:w_0", "w:w_1"]
    # The group's Stop, then Start all.
    click(browser, "w:*", "stop")
    wait_for(lambda: row_state(browser, "w:w_0") == "STOPPED" and
             row_state(browser, "w:w_1") == "STOPPED")
    assert daemon.status("trapper")["state"] == "RUNNING"
    browser.execute_script(
        "document.querySelector('button[data-all=start]').click()")
    wait_for(lambda: row_state(browser, "w:w_0") == "RUNNING" and
             row_state(browser, "w:w_1") == "RUNNING")
    wait_for(lambda: "w:w_1: started" in result_text(browser))
    # Signal: the chosen one.
    browser.execute_script("document.getElementById('allsig').value = 'USR1'")
    click(browser, "trapper", "signal")
    wait_for(lambda: "got-usr1" in daemon.supctl("tail", "trapper").stdout,
             what="the program to get USR1")
    assert daemon.status("trapper")["state"] == "RUNNING"
    # Clear log.
    click(browser, "trapper", "clear")
    wait_for(lambda: "trapper: cleared" in result_text(browser))
    assert "started" not in daemon.supctl("tail", "trapper").stdout


def test_page_comes_back_after_daemon_restart(daemon, browser):
    port = start_web(daemon, PROGRAMS)
    open_page(browser, port)
    old = daemon.proc.pid
    daemon.kill()
    wait_for(lambda: not browser.execute_script(
        "return supervisordPage.live"), what="the page to see it go")
    daemon.start()
    wait_for(lambda: browser.execute_script("return supervisordPage.live"),
             timeout=2 * DEADLINE, what="the page to reconnect")
    wait_for(lambda: "pid %d" % daemon.proc.pid in browser.execute_script(
        "return document.getElementById('daemon').textContent"))
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
        browser.get("http://127.0.0.1:%d/" % server.server_port)
        wait_for(lambda: len(browser.execute_script(
            "return window.results || []")) == 4, what="the four fetches")
        results = browser.execute_script("return window.results")
    finally:
        server.shutdown()
        server.server_close()
        # Both forms' answers came (403: Origin names another site).
        wait_for(lambda: len(browser.execute_script(
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
    wait_for(lambda: browser.execute_script(
        "return document.querySelectorAll('#rows tr').length") == n)
    ms = browser.execute_script("return supervisordPage.renderMs")
    print("rendered %d programs in %.0f ms" % (n, ms))
    assert ms < 1000, ms
    shot(browser, "page-1000.png")
