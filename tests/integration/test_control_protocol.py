"""The control protocol on the raw socket: every request's reply shape,
ids, name forms, and every kind of bad input, with the daemon still
answering status correctly afterwards.  Who may connect, the socket's
file and its limits: test_control_socket.py."""
import json
import os
import socket
import time

import pytest

from conftest import wait_for, DEADLINE
from control_util import PROGRAMS, Conn, assert_healthy, d  # noqa: F401


def test_status_shape(d):
    reply = d.request({"cmd": "status"})
    assert reply["ok"] is True
    procs = reply["result"]["processes"]
    # Lexical order by group, then name, as supervisorctl lists them.
    assert [p["fullname"] for p in procs] == [
        "idle", "sleeper", "web:web_00", "web:web_01"]
    web = procs[2]
    assert web["name"] == "web_00" and web["group"] == "web"
    assert web["state"] == "RUNNING" and web["statecode"] == 20
    assert web["pid"] > 0 and os.path.exists("/proc/%d" % web["pid"])
    assert web["description"].startswith("pid %d, uptime 0:00:" % web["pid"])
    for key in ("start", "uptime", "since", "now", "restarts", "exitstatus",
                "exit", "spawnerr", "log_dropped_bytes", "stdout_logfile",
                "stderr_logfile"):
        assert key in web, key
    assert web["restarts"] == 0 and web["log_dropped_bytes"] == 0
    assert web["exit"] is None and web["spawnerr"] == ""
    # AUTO logs: in childlogdir, named as Supervisor names them.
    assert web["stdout_logfile"].startswith(
        os.path.join(d.dir, "web_00-stdout---supervisor-"))
    assert web["stderr_logfile"].startswith(
        os.path.join(d.dir, "web_00-stderr---supervisor-"))
    assert abs(web["now"] - time.time()) < 5
    assert 0 <= web["uptime"] < 60
    idle = procs[0]
    assert idle["state"] == "STOPPED" and idle["statecode"] == 0
    assert idle["pid"] == 0 and idle["description"] == "Not started"


# Every member of a status entry, in the order the daemon writes them.
STATUS_FIELDS = [
    "name", "group", "fullname", "state", "statecode", "description", "pid",
    "start", "uptime", "since", "now", "restarts", "exitstatus", "exit",
    "spawnerr", "log_dropped_bytes", "stdout_logfile", "stderr_logfile",
    "ready", "status_text", "waiting_for", "stop_reason"]


def test_status_members_in_order(d):
    procs = d.request({"cmd": "status"})["result"]["processes"]
    assert [list(p) for p in procs] == [STATUS_FIELDS] * 4


def test_status_fields_each_alone_and_as_in_full(d):
    """Each field asked alone is the only member, with the value the full
    entry has (times and uptimes aside, which move)."""
    full = d.request({"cmd": "status", "names": ["sleeper"]})
    entry = full["result"]["processes"][0]
    for f in STATUS_FIELDS:
        reply = d.request({"id": f, "cmd": "status", "names": ["sleeper"],
                           "fields": [f]})
        assert reply["ok"] and reply["id"] == f, reply
        got = reply["result"]["processes"]
        assert len(got) == 1 and list(got[0]) == [f], got
        if f not in ("uptime", "now", "description"):
            assert got[0][f] == entry[f], (f, got[0][f], entry[f])


def test_status_fields_keep_their_order(d):
    reply = d.request({"cmd": "status", "fields": [
        "status_text", "state", "fullname", "description", "state"]})
    assert reply["ok"], reply
    procs = reply["result"]["processes"]
    assert [list(p) for p in procs] == [
        ["fullname", "state", "description", "status_text"]] * 4
    assert [(p["fullname"], p["state"]) for p in procs] == [
        ("idle", "STOPPED"), ("sleeper", "RUNNING"),
        ("web:web_00", "RUNNING"), ("web:web_01", "RUNNING")]
    assert procs[0]["description"] == "Not started"


@pytest.mark.parametrize("fields,needle", [
    (["bogus"], "unknown name 'bogus'"),
    ([], "'fields' must hold 1 to 22 names"),
    ("state", "must be an array"),
])
def test_status_bad_fields(d, fields, needle):
    reply = d.request({"cmd": "status", "fields": fields})
    assert reply["ok"] is False
    assert reply["error"]["code"] == "bad_request"
    assert needle in reply["error"]["message"], reply
    assert_healthy(d)


def test_status_fields_with_unknown_names(d):
    reply = d.request({"cmd": "status", "names": ["sleeper", "nope"],
                       "fields": ["state"]})
    assert reply["error"]["code"] == "no_such_process"
    assert reply["result"]["unknown"] == ["nope"]


@pytest.mark.parametrize("names,want", [
    (["sleeper"], ["sleeper"]),
    (["web:web_01"], ["web:web_01"]),
    (["web:*"], ["web:web_00", "web:web_01"]),
    (["web:"], ["web:web_00", "web:web_01"]),
    (["web"], ["web:web_00", "web:web_01"]),
    (["all"], ["sleeper", "web:web_00", "web:web_01", "idle"]),
    (["web:web_01", "sleeper", "web:*"], ["web:web_01", "sleeper",
                                          "web:web_00"]),
])
def test_name_forms(d, names, want):
    reply = d.request({"cmd": "status", "names": names})
    assert reply["ok"], reply
    got = [p["fullname"] for p in reply["result"]["processes"]]
    if names == ["all"]:
        assert sorted(got) == sorted(want)
    else:
        assert got == want


def test_unknown_names(d):
    reply = d.request({"id": 5, "cmd": "status",
                       "names": ["sleeper", "nope", "web:zzz", "g:*"]})
    assert reply["id"] == 5
    assert reply["ok"] is False
    assert reply["error"]["code"] == "no_such_process"
    assert "nope" in reply["error"]["message"]
    assert reply["result"]["unknown"] == ["nope", "web:zzz", "g:*"]
    # Actions on unknown names do nothing at all.
    reply = d.request({"cmd": "stop", "names": ["sleeper", "nope"]})
    assert reply["error"]["code"] == "no_such_process"
    assert d.status("sleeper")["state"] == "RUNNING"


@pytest.mark.parametrize("request_obj", [
    {"cmd": "stop", "names": ["sleeper\u0000junk"]},
    {"cmd": "stop", "names": ["sleeper\u0000"]},
    {"cmd": "stop\u0000", "names": ["sleeper"]},
    {"cmd": "stop", "names\u0000x": ["sleeper"]},
    {"cmd": "signal", "names": ["sleeper"], "signal": "KILL\u0000x"},
    {"cmd": "stop", "names": ["sleeper\u001b[2J"]},
    {"cmd": "tail", "name": "sleeper\u0007"},
    {"cmd": "tail", "name": "sleeper\t"},
    {"cmd": "tail", "name": "sleeper\u007f"},
])
def test_control_characters_refused(d, request_obj):
    """A NUL would cut "sleeper\\u0000junk" to "sleeper": any control
    character in a name or argument is a bad_request, and nothing moves."""
    pid = d.status("sleeper")["pid"]
    reply = d.request(request_obj)
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == "bad_request", reply
    assert d.status("sleeper")["state"] == "RUNNING"
    assert d.status("sleeper")["pid"] == pid


def test_ids_echoed_and_pipelined_in_order(d):
    c = Conn(d)
    c.send(b"".join((json.dumps(r) + "\n").encode() for r in [
        {"id": "a", "cmd": "version"},
        {"id": 2, "cmd": "pid"},
        {"cmd": "nope", "id": [1]},
        {"id": None, "cmd": "status", "names": ["sleeper"]},
        {"cmd": "status", "names": ["sleeper"]},
    ]))
    r1, r2, r3, r4, r5 = (c.recv() for _ in range(5))
    assert r1["id"] == "a" and r1["result"]["protocol"] == 1
    assert r2["id"] == 2 and r2["result"]["pid"] == d.proc.pid
    assert "id" not in r3 and r3["error"]["code"] == "bad_request"
    assert r4["id"] is None and r4["ok"]
    assert "id" not in r5 and r5["ok"]
    c.close()


def test_version_and_pid(d):
    reply = d.request({"cmd": "version"})
    assert reply["result"] == {"protocol": 1, "version": "0.1.0",
                               "daemon": "supervisord"}
    reply = d.request({"cmd": "pid"})
    assert reply["result"]["pid"] == d.proc.pid
    # The daemon's start and the time now: its uptime (the web page's).
    assert 0 < reply["result"]["start"] <= reply["result"]["now"]
    reply = d.request({"cmd": "pid", "names": ["web:*", "idle"]})
    procs = reply["result"]["processes"]
    assert [p["fullname"] for p in procs] == ["web:web_00", "web:web_01",
                                              "idle"]
    assert procs[0]["pid"] == d.status("web:web_00")["pid"] > 0
    assert procs[2]["pid"] == 0


def test_reload_unchanged_file(d):
    # The reload itself is tested in test_reload_*.py: here its reply shape.
    pid = d.status("sleeper")["pid"]
    reply = d.request({"cmd": "reload", "id": 1})
    assert reply["id"] == 1 and reply["ok"] is True, reply
    res = reply["result"]
    assert (res["added"], res["changed"], res["removed"], res["unchanged"],
            res["restart_needed"]) == ([], [], [], 4, [])
    reply = d.request({"cmd": "reload", "dry_run": "yes"})
    assert reply["error"]["code"] == "bad_request"
    assert d.status("sleeper")["pid"] == pid
    assert_healthy(d)


def test_signal(d):
    pid = d.status("sleeper")["pid"]
    reply = d.request({"cmd": "signal", "names": ["sleeper"],
                       "signal": "SIGSTOP"})
    assert reply["ok"], reply
    assert reply["result"]["processes"][0]["result"] == "signalled"
    wait_for(lambda: open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1]
             .split()[0] == "T", what="the process stopped by SIGSTOP")
    reply = d.request({"cmd": "signal", "names": ["sleeper"], "signal": 18})
    assert reply["ok"], reply
    wait_for(lambda: open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1]
             .split()[0] == "S", what="the process continued by SIGCONT")
    for bad in ("FOO", "SIGNOPE", "0x1"):
        reply = d.request({"cmd": "signal", "names": ["sleeper"],
                           "signal": bad})
        assert reply["error"]["code"] == "bad_signal", reply
    reply = d.request({"cmd": "signal", "names": ["idle", "sleeper"],
                       "signal": "hup"})
    assert reply["ok"] is False and reply["error"]["code"] == "not_running"
    res = {p["fullname"]: p for p in reply["result"]["processes"]}
    assert res["idle"]["error"]["code"] == "not_running"
    assert res["sleeper"]["ok"] is True
    # SIGHUP kills sleep: it is restarted (autorestart=unexpected).
    wait_for(lambda: d.status("sleeper")["pid"] not in (0, pid),
             what="sleeper restarted after SIGHUP")


BAD_REQUESTS = [
    (b"hello\n", "bad_request", "not JSON"),
    (b"{\"cmd\":\n", "bad_request", "not JSON"),
    (b"[1,2]\n", "bad_request", "not a JSON object"),
    (b"\"status\"\n", "bad_request", "not a JSON object"),
    (b"{}\n", "bad_request", "missing 'cmd'"),
    (b"{\"cmd\":1}\n", "bad_request", "'cmd' must be a string"),
    (b"{\"cmd\":\"frob\"}\n", "unknown_command", "unknown command 'frob'"),
    (b"{\"cmd\":\"status\",\"names\":\"web\"}\n", "bad_request",
     "array of names"),
    (b"{\"cmd\":\"status\",\"names\":[1]}\n", "bad_request", "names"),
    (b"{\"cmd\":\"start\"}\n", "bad_request", "'start' needs 'names'"),
    (b"{\"cmd\":\"start\",\"names\":[\"web\"],\"wait\":\"yes\"}\n",
     "bad_request", "boolean"),
    (b"{\"cmd\":\"tail\",\"name\":\"web:web_00\",\"bytes\":-5}\n",
     "bad_request", "integer"),
    (b"{\"cmd\":\"status\",\"bogus\":1}\n", "bad_request",
     "unknown argument 'bogus'"),
    (b"{\"cmd\":\"status\"} trailing\n", "bad_request", "text after"),
    (b"\xff\xfe\x00garbage\n", "bad_request", "not JSON"),
]


@pytest.mark.parametrize("line,code,needle", BAD_REQUESTS)
def test_bad_input_answered_and_connection_kept(d, line, code, needle):
    c = Conn(d)
    reply = c.call(line)
    assert reply["ok"] is False
    assert reply["error"]["code"] == code
    assert needle in reply["error"]["message"]
    # The same connection still works, and so does the daemon.
    assert c.call({"cmd": "status", "names": ["sleeper"]})["ok"]
    c.close()
    assert_healthy(d)


def test_blank_lines_and_crlf(d):
    c = Conn(d)
    c.send(b"\n  \r\n{\"cmd\":\"version\",\"id\":1}\r\n")
    assert c.recv()["id"] == 1
    c.close()


def test_request_without_newline_before_eof(d):
    s = d.connect()
    s.sendall(b'{"cmd":"version","id":9}')
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    assert json.loads(data)["id"] == 9
    s.close()


def test_line_too_long_then_closed(d):
    c = Conn(d)
    big = b'{"cmd":"status","pad":"' + b"x" * (70 * 1024) + b'"}\n'
    try:
        c.sock.sendall(big)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the daemon may close before it has read everything
    reply = c.recv()
    assert reply["ok"] is False
    assert reply["error"]["code"] == "line_too_long"
    wait_for(c.closed, what="the connection closed after a too long line")
    c.close()
    assert_healthy(d)


def test_line_of_exactly_64k_is_fine(d):
    c = Conn(d)
    head = b'{"cmd":"version","id":"'
    tail = b'"}'
    pad = 64 * 1024 - len(head) - len(tail)
    c.send(head + b"y" * pad + tail + b"\n")
    reply = c.recv()
    assert reply["ok"] and len(reply["id"]) == pad
    c.close()


def test_idle_client_closed_after_timeout(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "1"})
    silent = daemon.connect()
    t0 = time.monotonic()
    # A client that talks is not idle while it talks.
    busy = Conn(daemon)
    for _ in range(3):
        assert busy.call({"cmd": "version"})["ok"]
        time.sleep(0.3)
    silent.settimeout(DEADLINE)
    assert silent.recv(100) == b""
    assert time.monotonic() - t0 >= 0.9
    busy.close()
    daemon.wait_log("idle timeout")
    assert daemon.status("sleeper")["state"] == "RUNNING"


def test_default_idle_timeout_is_not_short(d):
    """Without the override, an idle client stays connected for a while."""
    c = Conn(d)
    time.sleep(2)
    assert c.call({"cmd": "version"})["ok"]
    c.close()


def test_client_that_never_reads_is_dropped(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start(env={"SUPERVISORD_CTL_TIMEOUT": "2"})
    s = daemon.connect()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # Many requests, never a read: the replies pile up in the daemon.
    req = (json.dumps({"cmd": "status"}) + "\n").encode()
    s.setblocking(False)
    sent = 0
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            sent += s.send(req * 100)
        except BlockingIOError:
            break
        except (BrokenPipeError, ConnectionResetError):
            break
    daemon.wait_log("dropping client")
    # Meanwhile and afterwards everyone else is served.
    assert_healthy(daemon)
    s.close()


def test_disconnect_mid_reply(d):
    for _ in range(20):
        s = d.connect()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.sendall(b'{"cmd":"status"}\n' * 50)
        s.close()  # reset with unread replies
    assert_healthy(d)


def test_shutdown_request(d):
    c = Conn(d)
    reply = c.call({"cmd": "shutdown", "id": "bye"})
    assert reply == {"id": "bye", "ok": True,
                     "result": {"pid": d.proc.pid, "already": False}}
    assert d.wait_exit() == 0
    assert not os.path.exists(d.sock)
    c.close()
