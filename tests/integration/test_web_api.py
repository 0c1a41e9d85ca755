"""POST /api: the control socket's JSON requests over HTTP, run by the
same command table and answered with the same reply objects; requests
that wait do not block the daemon; bad bodies get 400 with a JSON error;
the gate (Basic auth, cross-site refusal) applies."""
import json
import threading
import time

from conftest import DEADLINE, wait_for
from web_util import api, fetch, start_web

PROGRAMS = """\
    [program:sleeper]
    command = sleep 1000
    startsecs = 0

    [program:slow]
    command = sleep 1000
    startsecs = 2
    autostart = false
    """


def test_status_is_the_socket_reply(daemon):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("sleeper", "RUNNING")
    status, reply = api(port, {"cmd": "status", "id": 7,
                               "fields": ["name", "state", "pid"]})
    sock = daemon.request({"cmd": "status", "id": 7,
                           "fields": ["name", "state", "pid"]})
    assert status == 200
    assert reply == sock
    status, reply = api(port, {"cmd": "version"})
    assert reply["ok"] and reply["result"]["daemon"] == "supervisord"


def test_errors_are_reply_objects(daemon):
    port = start_web(daemon, PROGRAMS)
    status, reply = api(port, {"cmd": "stop", "names": ["nosuch"], "id": 1})
    assert status == 200
    assert reply["ok"] is False and reply["id"] == 1
    assert reply["error"]["code"] == "no_such_process"
    assert reply == daemon.request({"cmd": "stop", "names": ["nosuch"],
                                    "id": 1})


def test_bad_bodies_get_400_with_json(daemon):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("sleeper", "RUNNING")
    for body, code in (("{", "bad_request"), ("[1]", "bad_request"),
                       ('{"cmd": "nosuch"}', "unknown_command"),
                       ('{"cmd": "status"} x', "bad_request"),
                       ('{"cmd": "events"}', "bad_request"),
                       ('{"cmd": "tail", "name": "sleeper", "follow": true}',
                        "bad_request")):
        status, headers, data = fetch(port, "POST", "/api", body=body,
                                      headers={"Content-Type":
                                               "application/json"})
        assert status == 400, (body, status, data)
        assert headers["content-type"] == "application/json"
        reply = json.loads(data)
        assert reply["ok"] is False and reply["error"]["code"] == code, body
    # Only application/json; no GET; no CORS header ever.
    status, headers, _ = fetch(port, "POST", "/api", body='{"cmd":"stop",'
                               '"names":["sleeper"]}',
                               headers={"Content-Type": "text/plain"})
    assert status == 415
    assert fetch(port, "GET", "/api")[0] == 405
    assert not any(h.startswith("access-control") for h in headers)
    assert daemon.status("sleeper")["state"] == "RUNNING"


def test_start_with_wait_does_not_block(daemon):
    port = start_web(daemon, PROGRAMS)
    result = {}

    def start():
        t0 = time.monotonic()
        result["reply"] = api(port, {"cmd": "start", "names": ["slow"],
                                     "wait": True})
        result["took"] = time.monotonic() - t0

    t = threading.Thread(target=start)
    t.start()
    wait_for(lambda: daemon.status("slow")["state"] == "STARTING")
    # The daemon answers others while the start waits.
    status, reply = api(port, {"cmd": "status", "names": ["slow"]})
    assert status == 200 and reply["ok"]
    assert "reply" not in result
    t.join(DEADLINE)
    status, reply = result["reply"]
    assert status == 200 and reply["ok"], reply
    assert result["took"] >= 1.5
    assert daemon.status("slow")["state"] == "RUNNING"


def test_gate_auth_and_cross_site(daemon):
    port = start_web(daemon, PROGRAMS)
    daemon.wait_state("sleeper", "RUNNING")
    stop = {"cmd": "stop", "names": ["sleeper"]}
    status, _, _ = fetch(port, "POST", "/api", body=stop, auth=False)
    assert status == 401
    status, _, _ = fetch(port, "POST", "/api", body=stop,
                         headers={"Authorization": "Basic YWRtaW46eA=="},
                         auth=False)
    assert status == 401
    status, _, _ = fetch(port, "POST", "/api", body=stop,
                         headers={"Origin": "http://127.0.0.1:1"})
    assert status == 403
    status, _, _ = fetch(port, "POST", "/api", body=stop,
                         headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    assert daemon.status("sleeper")["state"] == "RUNNING"
    # The page's own origin is welcome.
    status, reply = api(port, stop, headers={
        "Origin": "http://127.0.0.1:%d" % port,
        "Sec-Fetch-Site": "same-origin"})
    assert status == 200 and reply["ok"], reply
    assert daemon.status("sleeper")["state"] == "STOPPED"


def test_on_the_unix_socket(daemon):
    start_web(daemon, PROGRAMS)
    body = b'{"cmd":"pid"}'
    s = daemon.connect()
    s.sendall(b"POST /api HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), data
    reply = json.loads(payload)
    assert reply["ok"] and reply["result"]["pid"] == daemon.proc.pid
