"""The web page's scenarios run once in each browser: one adapter with
the few operations they need, on selenium for Chromium (browser_util.py)
and on WebDriver BiDi for Firefox ESR (bidi_util.py), and the `browser`
fixture, parametrized over both.  Each kind's browser is started once a
module (module scope: pytest runs a module's Chromium tests, then its
Firefox ones) and put back to a blank page and the default size before
each test.  A browser the machine lacks skips with the reason; one that
is installed but does not start fails."""
import json
import os

import pytest

import bidi_util
import browser_util
from conftest import BUILD, DEADLINE, wait_for

SHOTS = os.path.join(BUILD, "web")
WIDTH, HEIGHT = 1280, 900
KINDS = ("chromium", "firefox")

# WebDriver's key codes, the same in selenium and BiDi.
ENTER, ESCAPE, TAB = "\ue007", "\ue00c", "\ue004"


def css_string(s):
    """s as a double-quoted CSS string, for [data-name="..."]."""
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


class Page:
    """What the scenarios do with a browser; subclasses drive one."""

    kind = None

    def open(self, url):
        raise NotImplementedError

    def js(self, body, *args):
        """Run a function body (arguments[0]...) and return its value,
        which must be JSON (no DOM nodes)."""
        raise NotImplementedError

    def click(self, selector):
        """A real mouse click at the middle of the element."""
        raise NotImplementedError

    def keys(self, *keys):
        """Press and release each key, sent to the focused element."""
        raise NotImplementedError

    def set_size(self, width, height):
        raise NotImplementedError

    def save_png(self, path):
        raise NotImplementedError

    def errors(self):
        """The page's console errors since it was opened."""
        raise NotImplementedError

    def quit(self):
        raise NotImplementedError

    def texts(self, selector):
        return self.js("return Array.from(document.querySelectorAll("
                       "arguments[0])).map(e => e.textContent);", selector)

    def press(self, selector, *keys):
        """Focus the element, then press the keys."""
        assert self.js("const e = document.querySelector(arguments[0]);"
                       "if (!e) return false; e.focus();"
                       "return document.activeElement === e;", selector), \
            "cannot focus %s" % selector
        self.keys(*keys)

    def tab_to(self, selector, limit=60):
        """Press Tab from the top of the page until the element matching
        selector has the focus: it is reachable by keyboard alone."""
        self.js("document.activeElement && document.activeElement.blur();")
        for _ in range(limit):
            self.keys(TAB)
            if self.js("return document.activeElement.matches("
                       "arguments[0]);", selector):
                return
        raise AssertionError("%s not reached in %d Tabs" % (selector, limit))

    def screenshot(self, name):
        """build/web/NAME-KIND.png, for a person to look at."""
        os.makedirs(SHOTS, exist_ok=True)
        self.save_png(os.path.join(SHOTS, "%s-%s.png" % (name, self.kind)))

    def wait(self, cond, timeout=DEADLINE, what=None):
        wait_for(cond, timeout=timeout,
                 what="%s in %s" % (what or "the condition", self.kind))

    def reset(self):
        self.open("about:blank")
        self.set_size(WIDTH, HEIGHT)


class ChromiumPage(Page):
    kind = "chromium"

    def __init__(self, tmp_dir):
        self.d = browser_util.new_browser(tmp_dir, WIDTH, HEIGHT)
        self.d.set_page_load_timeout(60)
        self.d.set_script_timeout(60)
        self.console = []

    def open(self, url):
        self.console.clear()
        self.d.get(url)

    def js(self, body, *args):
        return self.d.execute_script(body, *args)

    def click(self, selector):
        # selenium scrolls it into view and refuses a covered element.
        self.d.find_element("css selector", selector).click()

    def keys(self, *keys):
        chain = browser_util.ActionChains(self.d)
        for k in keys:
            chain.send_keys(k)
        chain.perform()

    def set_size(self, width, height):
        self.d.set_window_size(width, height)

    def save_png(self, path):
        self.d.save_screenshot(path)

    def errors(self):
        # Reading the log empties it: keep what was read.
        self.console += [e["message"] for e in self.d.get_log("browser")
                         if e.get("level") == "SEVERE"]
        return list(self.console)

    def quit(self):
        self.d.quit()


class FirefoxPage(Page):
    kind = "firefox"

    def __init__(self, tmp_dir):
        self.f = bidi_util.Firefox(tmp_dir, WIDTH, HEIGHT)

    def open(self, url):
        self.f.events.clear()
        self.f.get(url)

    def js(self, body, *args):
        return self.f.js(body, *args)

    def _actions(self, source):
        self.f.cmd("input.performActions", {"context": self.f.context,
                                            "actions": [source]})

    def click(self, selector):
        # As selenium does: into view, then the element must be the one
        # under the pointer (not covered by another).
        at = self.js("""
            const e = document.querySelector(arguments[0]);
            if (!e) return null;
            e.scrollIntoView({block: 'center', inline: 'center'});
            const r = e.getBoundingClientRect();
            const x = Math.floor(r.left + r.width / 2);
            const y = Math.floor(r.top + r.height / 2);
            const hit = document.elementFromPoint(x, y);
            return [x, y, hit === e || e.contains(hit)];""", selector)
        assert at is not None, "no element %s" % selector
        assert at[2], "%s is covered by another element" % selector
        self._actions({"type": "pointer", "id": "mouse",
                       "parameters": {"pointerType": "mouse"},
                       "actions": [{"type": "pointerMove", "x": at[0],
                                    "y": at[1], "origin": "viewport"},
                                   {"type": "pointerDown", "button": 0},
                                   {"type": "pointerUp", "button": 0}]})

    def keys(self, *keys):
        acts = []
        for k in keys:
            acts += [{"type": "keyDown", "value": k},
                     {"type": "keyUp", "value": k}]
        self._actions({"type": "key", "id": "keyboard", "actions": acts})

    def set_size(self, width, height):
        self.f.cmd("browsingContext.setViewport", {
            "context": self.f.context,
            "viewport": {"width": width, "height": height}})

    def save_png(self, path):
        self.f.screenshot(path)

    def errors(self):
        self.js("return 0")     # reads the events sent before its answer
        return [json.dumps(e["params"].get("text")) for e in self.f.events
                if e.get("method") == "log.entryAdded" and
                e["params"].get("level") == "error"]

    def quit(self):
        self.f.quit()


OPEN = {"chromium": (browser_util.unavailable, ChromiumPage),
        "firefox": (bidi_util.unavailable, FirefoxPage)}


@pytest.fixture(scope="module", params=KINDS)
def browser_session(request, tmp_path_factory):
    unavailable, page_class = OPEN[request.param]
    why = unavailable()
    if why:
        pytest.skip(why)
    page = page_class(str(tmp_path_factory.mktemp(request.param)))
    yield page
    page.quit()


@pytest.fixture
def browser(browser_session):
    """The module's browser of one kind, on a blank page, default size."""
    browser_session.reset()
    return browser_session
