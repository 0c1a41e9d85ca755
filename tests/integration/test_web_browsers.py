"""The browser adapter itself (web_browsers.py), in Chromium and in
Firefox, on a small page of its own: a click is a real one that a
covering element takes instead, keys reach the focused element and
activate a button, Tab moves the focus, the size is the viewport's, and
a console error is seen, so that a scenario of test_web_page.py cannot
pass in one browser because an operation does nothing there."""
import functools
import http.server
import threading

import pytest

from web_browsers import browser, browser_session  # noqa: F401 (fixtures)
from web_browsers import ENTER

# One worker runs the module (make check's --dist loadgroup): its
# browsers start once.
pytestmark = pytest.mark.xdist_group("web_browsers")

PAGE = b"""<!doctype html>
<html><head><meta name="viewport" content="width=device-width">
<link rel="icon" href="data:,"></head>
<body>
<button type="button" id="one">one</button>
<input id="text">
<button type="button" id="two">two</button>
<div style="position: relative">
  <button type="button" id="under">under</button>
  <div id="cover" style="position: absolute; inset: 0; background: #fff">
  </div>
</div>
<script>
window.clicks = [];
document.addEventListener('click', (e) => clicks.push(e.target.id));
</script>
</body></html>
"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGE if self.path == "/" else b""
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def page_url():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=functools.partial(server.serve_forever,
                                                  poll_interval=0.05),
                         daemon=True)
    t.start()
    yield "http://127.0.0.1:%d/" % server.server_port
    server.shutdown()
    server.server_close()


def clicks(b):
    return b.js("return window.clicks")


def test_click_is_a_real_pointer_click(browser, page_url):
    browser.open(page_url)
    browser.click("#two")
    browser.wait(lambda: clicks(browser) == ["two"], what="the click")
    # A covered button cannot be clicked: the cover would take it.
    with pytest.raises(Exception):
        browser.click("#under")
    assert clicks(browser) == ["two"]


def test_keys_type_tab_and_activate(browser, page_url):
    browser.open(page_url)
    browser.press("#text", "a", "b")
    assert browser.js("return document.getElementById('text').value") \
        == "ab"
    browser.tab_to("#two")
    assert browser.js("return document.activeElement.id") == "two"
    browser.keys(ENTER)
    browser.wait(lambda: clicks(browser) == ["two"],
                 what="Enter to click the focused button")
    with pytest.raises(AssertionError):
        browser.tab_to("#cover", limit=5)


def test_size_is_the_viewport_and_errors_are_seen(browser, page_url):
    browser.set_size(390, 844)
    browser.open(page_url)
    width = browser.js("return innerWidth")
    assert 300 <= width <= 400, width
    assert browser.errors() == []
    browser.js("console.error('adapter-test-error')")
    browser.wait(lambda: any("adapter-test-error" in e
                             for e in browser.errors()),
                 what="the console error")
    assert browser.texts("button") == ["one", "two", "under"]
