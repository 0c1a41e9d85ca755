"""Headless Firefox ESR driven over WebDriver BiDi, the remote agent
built into Firefox (no geckodriver, which Debian does not package):
Debian's python3-websocket speaks the websocket, for the web page's
tests in Firefox (web_browsers.py's adapter)."""
import base64
import json
import os
import shutil
import subprocess
import time

try:
    import websocket
except ImportError:     # pragma: no cover
    websocket = None

FIREFOX = shutil.which("firefox-esr") or "/usr/bin/firefox-esr"

# A quiet profile: no first-run pages, updates or telemetry traffic.
PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "extensions.update.enabled": False,
    "remote.active-protocols": 1,
    # user:password@ in the address loads the page without a prompt.
    "network.auth.confirmAuth.enabled": False,
}


# The first page.  On about:blank Firefox puts the focus in its address
# bar, where it stays across navigations made over BiDi: the page would
# get key events but no document focus, so Enter or Space on a focused
# button would not click it.  Any other page puts the focus in the page,
# as after a person typed the address and pressed Enter.
START = "data:text/html,<title>tests</title>"


def unavailable():
    if websocket is None:
        return "python3-websocket is not installed"
    if not os.access(FIREFOX, os.X_OK):
        return "%s is not installed (Debian package firefox-esr)" % FIREFOX
    return None


class Firefox:
    """A headless Firefox on a private profile and a BiDi session."""

    def __init__(self, tmp_dir, width=1280, height=900, timeout=90):
        self.timeout = timeout
        self.events = []
        self.next_id = 0
        prof = os.path.join(tmp_dir, "firefox-profile")
        os.makedirs(prof, exist_ok=True)
        with open(os.path.join(prof, "user.js"), "w") as f:
            for k, v in PREFS.items():
                f.write("user_pref(%s, %s);\n" % (json.dumps(k),
                                                   json.dumps(v)))
        env = dict(os.environ, HOME=tmp_dir, MOZ_HEADLESS="1")
        self.log = open(os.path.join(tmp_dir, "firefox.log"), "wb")
        try:
            self.proc = subprocess.Popen(
                [FIREFOX, "--headless", "--no-remote", "--profile", prof,
                 "--remote-debugging-port", "0", START],
                env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                stderr=subprocess.STDOUT, start_new_session=True)
        except OSError:
            self.log.close()
            raise
        try:
            port = self._port(prof)
            self.ws = websocket.create_connection(
                "ws://127.0.0.1:%d/session" % port, timeout=timeout,
                suppress_origin=True)
            self.cmd("session.new", {"capabilities": {}})
            tree = self.cmd("browsingContext.getTree", {})
            self.context = tree["contexts"][0]["context"]
            self.cmd("browsingContext.setViewport", {
                "context": self.context,
                "viewport": {"width": width, "height": height}})
            self.cmd("session.subscribe", {"events": ["log.entryAdded"]})
        except BaseException:
            self.quit()
            raise

    def _port(self, prof):
        """The port Firefox chose, from WebDriverBiDiServer.json."""
        path = os.path.join(prof, "WebDriverBiDiServer.json")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("firefox exited with %s" %
                                   self.proc.returncode)
            try:
                with open(path) as f:
                    return int(json.load(f)["ws_port"])
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise TimeoutError("firefox did not start its remote agent")

    def cmd(self, method, params):
        """Send one command and return its result (events kept aside)."""
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method,
                                 "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("type") == "event":
                self.events.append(m)
            elif m.get("id") == my:
                if m.get("type") == "error":
                    raise RuntimeError("%s: %s: %s" % (method, m["error"],
                                                       m.get("message")))
                return m["result"]

    def get(self, url):
        self.cmd("browsingContext.navigate", {"context": self.context,
                                              "url": url,
                                              "wait": "complete"})

    def js(self, body, *args):
        """Run a function body in the page with JSON arguments (as
        selenium's execute_script: arguments[0]...); its JSON value.  A
        promise is awaited."""
        r = self.cmd("script.evaluate", {
            "expression": "(function () { return Promise.resolve("
            "(function () { %s }).apply(null, %s)).then("
            "(v) => JSON.stringify(v === undefined ? null : v)); })()"
            % (body, json.dumps(list(args))),
            "awaitPromise": True, "target": {"context": self.context}})
        if r.get("type") == "exception":
            raise RuntimeError("script: %s" %
                               r["exceptionDetails"].get("text"))
        return json.loads(r["result"]["value"])

    def console(self):
        return [e["params"].get("text") for e in self.events
                if e.get("method") == "log.entryAdded"]

    def screenshot(self, path):
        r = self.cmd("browsingContext.captureScreenshot",
                     {"context": self.context})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def quit(self):
        try:
            if getattr(self, "ws", None):
                try:
                    self.next_id += 1
                    self.ws.send(json.dumps({"id": self.next_id,
                                             "method": "browser.close",
                                             "params": {}}))
                except OSError:
                    pass
                self.ws.close()
            self.proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self.log.close()

