"""Helpers for the web page and JSON API tests: a daemon with
[inet_http_server] on a free loopback port with a username and password,
and small HTTP clients (http.client, no third-party library)."""
import base64
import http.client
import json

from conftest import DEADLINE, free_port

USER = "admin"
PASSWORD = "s3cret"


def start_web(daemon, programs, supervisord_extra=""):
    """Start the daemon with [inet_http_server]; its port."""
    port = free_port()
    daemon.write_config(programs, supervisord_extra=supervisord_extra,
                        extra="[inet_http_server]\nport = 127.0.0.1:%d\n"
                        "username = %s\npassword = %s\n"
                        % (port, USER, PASSWORD))
    daemon.start()
    daemon.wait_log("listening on 127.0.0.1:%d" % port)
    return port


def auth_header(user=USER, password=PASSWORD):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return {"Authorization": "Basic " + token}


def fetch(port, method, path, body=None, headers=None, auth=True,
         timeout=DEADLINE):
    """(status, headers dict with lowercase names, body bytes)."""
    h = dict(auth_header() if auth else {})
    h.update(headers or {})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def api(port, request, **kw):
    """POST /api with a request object: (status, reply object)."""
    status, _, body = fetch(port, "POST", "/api", body=request, **kw)
    return status, json.loads(body)
