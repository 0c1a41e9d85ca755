"""Headless Chromium driven by Selenium (Debian's chromium,
chromium-driver and python3-selenium), for the web page's tests
(web_browsers.py's adapter)."""
import os
import shutil

try:
    from selenium import webdriver
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
except ImportError:     # pragma: no cover
    webdriver = ActionChains = None

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def unavailable():
    if webdriver is None:
        return "python3-selenium is not installed"
    for p in (CHROMIUM, CHROMEDRIVER):
        if not os.access(p, os.X_OK):
            return "%s is not installed" % p
    return None


def new_browser(tmp_dir, width=1280, height=900):
    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--no-first-run",
              "--disable-extensions", "--disable-background-networking",
              "--user-data-dir=%s" % os.path.join(tmp_dir, "chromium"),
              "--window-size=%d,%d" % (width, height)):
        opts.add_argument(a)
    # The console's messages, for Page.errors() (web_browsers.py).
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)

