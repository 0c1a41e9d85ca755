"""Headless Firefox ESR driven over WebDriver BiDi, the remote agent
built into Firefox (no geckodriver, which Debian does not package):
a small websocket client on the standard library, for the web page's
tests in Firefox."""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

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


def unavailable():
    if not os.access(FIREFOX, os.X_OK):
        return "%s is not installed (Debian package firefox-esr)" % FIREFOX
    return None


class WebSocket:
    """A client websocket: text frames only, masked as RFC 6455 asks."""

    def __init__(self, host, port, path, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n"
                           % (path, host, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake: closed")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError("websocket handshake: %r" % head[:200])

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("websocket closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, text):
        data = text.encode()
        n = len(data)
        if n < 126:
            head = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        mask = os.urandom(4)
        self.sock.sendall(head + mask +
                          bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        """The next whole text message (fragments joined, pings skipped)."""
        msg = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            data = self._read(n)
            op = b0 & 0x0F
            if op == 8:
                raise ConnectionError("websocket closed by the browser")
            if op in (9, 10):
                continue
            msg += data
            if b0 & 0x80:
                return msg.decode()

    def close(self):
        self.sock.close()


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
                 "--remote-debugging-port", "0",
                 "about:blank"],
                env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                stderr=subprocess.STDOUT, start_new_session=True)
        except OSError:
            self.log.close()
            raise
        try:
            port = self._port(prof)
            self.ws = WebSocket("127.0.0.1", port, "/session", timeout)
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


@pytest.fixture
def firefox(tmp_path):
    why = unavailable()
    if why:
        pytest.skip(why)
    try:
        b = Firefox(str(tmp_path))
    except (OSError, RuntimeError, TimeoutError) as e:
        pytest.skip("firefox-esr cannot run here: %s (see %s)" %
                    (e, tmp_path / "firefox.log"))
    yield b
    b.quit()
