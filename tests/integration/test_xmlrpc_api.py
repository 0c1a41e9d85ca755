"""XML-RPC on the control socket, through Python's xmlrpc.client with
Supervisor's own transport: every method, its faults and the types of
its values, system.multicall, waiting calls, and the HTTP rules (one
socket for both protocols, keep-alive, bad requests, cross-site)."""
import http.client
import socket
import threading
import time
import xmlrpc.client

import pytest

import pysupervisor
from conftest import DEADLINE, wait_for

# The copy make pysupervisor unpacks, never the system's.
SupervisorTransport = pysupervisor.transport()
pytestmark = pysupervisor.needs_transport(SupervisorTransport)

PROGRAMS = """\
    [program:sleeper]
    command = sleep 1000
    startsecs = 0

    [program:slow]
    command = sleep 1000
    startsecs = 2
    autostart = false

    [group:g]
    programs = a,b

    [program:a]
    command = sleep 1000
    startsecs = 0

    [program:b]
    command = sleep 1000
    startsecs = 0

    [program:missing]
    command = /nonexistent/program
    autostart = false
    """


def proxy(daemon):
    t = SupervisorTransport(None, None, "unix://" + daemon.sock)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


@pytest.fixture
def d(daemon):
    daemon.write_config(PROGRAMS)
    daemon.start()
    for name in ("sleeper", "g:a", "g:b"):
        daemon.wait_state(name, "RUNNING")
    return daemon


def fault(call, *args):
    with pytest.raises(xmlrpc.client.Fault) as e:
        call(*args)
    return e.value.faultCode, e.value.faultString


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout=DEADLINE):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def post(daemon, body, headers=None, method="POST", url="/RPC2"):
    h = {"Content-Type": "text/xml"}
    h.update(headers or {})
    c = UnixHTTP(daemon.sock)
    c.request(method, url, body, h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def call_xml(method, *params):
    return xmlrpc.client.dumps(params, method).encode()


def test_versions_state_pid(d):
    s = proxy(d).supervisor
    assert s.getAPIVersion() == "3.0"
    assert s.getVersion() == "3.0"
    assert isinstance(s.getSupervisorVersion(), str)
    assert s.getIdentification() == "supervisor"
    assert s.getState() == {"statecode": 1, "statename": "RUNNING"}
    assert s.getPID() == d.proc.pid


def test_process_info_types(d):
    s = proxy(d).supervisor
    infos = s.getAllProcessInfo()
    assert [(i["group"], i["name"]) for i in infos] == [
        ("g", "a"), ("g", "b"), ("missing", "missing"),
        ("sleeper", "sleeper"), ("slow", "slow")]
    ints = ("start", "stop", "now", "state", "exitstatus", "pid")
    strs = ("name", "group", "statename", "spawnerr", "logfile",
            "stdout_logfile", "stderr_logfile", "description")
    for info in infos:
        assert sorted(info) == sorted(ints + strs)
        for k in ints:
            assert type(info[k]) is int, (k, info)
        for k in strs:
            assert type(info[k]) is str, (k, info)
    info = s.getProcessInfo("sleeper")
    assert info["statename"] == "RUNNING" and info["state"] == 20
    assert info["pid"] == d.status("sleeper")["pid"]
    assert info["description"].startswith("pid %d, uptime 0:00:" %
                                           info["pid"])
    assert info["stdout_logfile"].startswith(d.dir)
    assert info["logfile"] == info["stdout_logfile"]
    missing = s.getProcessInfo("missing")
    assert (missing["statename"], missing["description"], missing["start"],
            missing["pid"]) == ("STOPPED", "Not started", 0, 0)
    assert fault(s.getProcessInfo, "nosuch") == (10, "BAD_NAME: nosuch")
    assert fault(s.getProcessInfo, "g:*") == (10, "BAD_NAME: g:*")
    # A program's bare name is no namespec when its group has another name.
    assert fault(s.getProcessInfo, "a") == (10, "BAD_NAME: a")
    assert s.getProcessInfo("g:a")["name"] == "a"


def test_introspection(d):
    sysns = proxy(d).system
    methods = sysns.listMethods()
    assert methods == sorted(methods)
    for m in ("supervisor.startProcess", "supervisor.getAllProcessInfo",
              "system.multicall", "system.methodHelp"):
        assert m in methods
    assert sysns.methodSignature("supervisor.startProcess") == [
        "boolean", "string", "boolean"]
    assert "Start a process" in sysns.methodHelp("supervisor.startProcess")
    assert fault(sysns.methodHelp, "nope.nope")[0] == 4
    assert fault(sysns.methodSignature, "nope.nope")[0] == 4


def test_faults(d):
    p = proxy(d)
    s = p.supervisor
    assert fault(s.nosuchMethod) == (1, "UNKNOWN_METHOD")
    assert fault(p.nosuch.getState) == (1, "UNKNOWN_METHOD")
    assert fault(s.getState, 1) == (2, "INCORRECT_PARAMETERS")
    assert fault(s.getProcessInfo)[0] == 2
    assert fault(s.getProcessInfo, 42)[0] == 2
    assert fault(s.startProcess, "sleeper", "yes")[0] == 2
    assert fault(s.startProcess, "sleeper") == (60,
                                                "ALREADY_STARTED: sleeper")
    assert fault(s.startProcess, "nosuch") == (10, "BAD_NAME: nosuch")
    assert fault(s.stopProcess, "missing") == (70, "NOT_RUNNING: missing")
    assert fault(s.signalProcess, "sleeper", "NOPE") == (11,
                                                         "BAD_SIGNAL: NOPE")
    assert fault(s.signalProcess, "missing", "HUP") == (
        70, "NOT_RUNNING: missing")
    assert fault(s.startProcess, "missing") == (
        20, "NO_FILE: can't find command '/nonexistent/program'")
    # Nothing was spawned for it: Supervisor's check comes first.
    assert s.getProcessInfo("missing")["statename"] == "STOPPED"


def test_start_stop_wait_and_int_booleans(d):
    s = proxy(d).supervisor
    # supervisord-monitor sends its booleans as <int>.
    assert s.stopProcess("sleeper", 1) is True
    assert s.getProcessInfo("sleeper")["statename"] == "STOPPED"
    t0 = time.monotonic()
    assert s.startProcess("slow", 0) is True
    assert s.getProcessInfo("slow")["statename"] == "STARTING"
    assert time.monotonic() - t0 < 1.5
    d.wait_state("slow", "RUNNING")
    assert s.stopProcess("slow") is True
    t0 = time.monotonic()
    assert s.startProcess("slow") is True
    assert time.monotonic() - t0 >= 1.9
    assert s.getProcessInfo("slow")["statename"] == "RUNNING"
    assert s.signalProcess("slow", 15) is True
    wait_for(lambda: s.getProcessInfo("slow")["pid"] !=
             d.status("slow")["pid"] or
             s.getProcessInfo("slow")["statename"] != "RUNNING",
             what="slow to go down on SIGTERM")


def test_group_and_all_results(d):
    s = proxy(d).supervisor
    res = s.stopProcessGroup("g")
    assert sorted(res, key=lambda r: r["name"]) == [
        {"name": "a", "group": "g", "status": 80, "description": "OK"},
        {"name": "b", "group": "g", "status": 80, "description": "OK"}]
    assert s.stopProcessGroup("g") == []        # nothing running
    assert fault(s.stopProcessGroup, "nosuch") == (10, "BAD_NAME: nosuch")
    assert len(s.startProcess("g:*")) == 2
    res = s.signalAllProcesses("HUP")
    assert sorted(r["name"] for r in res) == ["a", "b", "sleeper"]
    d.wait_state("sleeper", "RUNNING")
    res = s.startAllProcesses()
    by = {r["name"]: r for r in res}
    assert by["missing"]["status"] == 20
    assert by["missing"]["description"] == (
        "NO_FILE: can't find command '/nonexistent/program'")
    assert by["slow"] == {"name": "slow", "group": "slow", "status": 80,
                          "description": "OK"}
    assert s.getProcessInfo("slow")["statename"] == "RUNNING"
    res = s.stopAllProcesses()
    assert sorted(r["name"] for r in res) == ["a", "b", "sleeper", "slow"]
    assert all(r["status"] == 80 for r in res)


def test_multicall(d):
    m = xmlrpc.client.MultiCall(proxy(d))
    m.supervisor.getAPIVersion()
    m.supervisor.getProcessInfo("nosuch")
    m.supervisor.stopProcess("sleeper")          # waits
    m.supervisor.getProcessInfo("sleeper")
    res = m()
    assert res[0] == "3.0"
    with pytest.raises(xmlrpc.client.Fault) as e:
        res[1]
    assert e.value.faultCode == 10
    assert res[2] is True
    assert res[3]["statename"] == "STOPPED"
    raw = proxy(d).system.multicall([
        {"methodName": "system.multicall", "params": []},
        {"params": []},
        {"methodName": "supervisor.getPID"}])
    assert raw[0] == {"faultCode": 2, "faultString":
                      "INCORRECT_PARAMETERS: Recursive system.multicall "
                      "forbidden"}
    assert raw[1] == {"faultCode": 2,
                      "faultString": "INCORRECT_PARAMETERS: No methodName"}
    assert raw[2] == [d.proc.pid]


def test_wait_blocks_no_one(d):
    """A start waiting for startsecs holds its own connection only."""
    s = proxy(d).supervisor
    done = []
    th = threading.Thread(target=lambda: done.append(
        proxy(d).supervisor.startProcess("slow")))
    th.start()
    wait_for(lambda: d.status("slow")["state"] == "STARTING",
             what="slow STARTING")
    t0 = time.monotonic()
    assert s.getState()["statename"] == "RUNNING"
    assert d.request({"cmd": "version"})["ok"]
    assert time.monotonic() - t0 < 1.0
    assert not done
    th.join(DEADLINE)
    assert done == [True]


def test_keepalive_and_both_protocols(d):
    c = UnixHTTP(d.sock)
    for i in range(20):
        c.request("POST", "/RPC2", call_xml("supervisor.getPID"),
                  {"Content-Type": "text/xml"})
        r = c.getresponse()
        assert r.status == 200
        assert r.getheader("Content-Type") == "text/xml"
        assert xmlrpc.client.loads(r.read())[0][0] == d.proc.pid
        # A JSON client on the same socket meanwhile.
        assert d.request({"cmd": "version"})["ok"]
    c.close()
    # HTTP/1.0, "/" as well as /RPC2, Connection: close.
    s = d.connect()
    body = call_xml("supervisor.getAPIVersion")
    s.sendall(b"POST / HTTP/1.0\r\nContent-Type: text/xml\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.startswith(b"HTTP/1.0 200") or data.startswith(
        b"HTTP/1.1 200"), data
    assert b"<string>3.0</string>" in data


def test_response_bytes_are_pythons(d):
    r, data = post(d, call_xml("supervisor.getProcessInfo", "nosuch"))
    assert data == xmlrpc.client.dumps(
        xmlrpc.client.Fault(10, "BAD_NAME: nosuch"),
        methodresponse=True).encode()
    r, data = post(d, call_xml("supervisor.getState"))
    assert data == xmlrpc.client.dumps(
        ({"statecode": 1, "statename": "RUNNING"},),
        methodresponse=True).encode()


def test_bad_requests(d):
    r, _ = post(d, b"<methodCall><methodName>x</methodName>")
    assert r.status == 400
    r, _ = post(d, b"not xml at all")
    assert r.status == 400
    r, _ = post(d, b"<methodCall><params/></methodCall>")
    assert r.status == 400
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><methodCall>'
              b'<methodName>&b;</methodName></methodCall>')
    r, data = post(d, laughs)
    assert r.status == 400 and b"DOCTYPE" in data
    external = (b'<?xml version="1.0"?><methodCall><methodName>&ext;'
                b'</methodName></methodCall>')
    r, _ = post(d, external)
    assert r.status == 400
    # Refused from its Content-Length, before the body is read.
    s = d.connect()
    s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n"
              b"Content-Type: text/xml\r\nContent-Length: 1048577\r\n\r\n")
    assert s.recv(100).startswith(b"HTTP/1.1 413")
    s.close()
    r, _ = post(d, call_xml("supervisor.getState"),
                {"Content-Type": "text/plain"})
    assert r.status == 415
    r, _ = post(d, b"", method="GET")
    assert r.status == 405
    r, _ = post(d, b"", method="GET", url="/nothing")
    assert r.status == 404
    r, _ = post(d, call_xml("supervisor.stopProcess", "sleeper"),
                {"Origin": "http://evil.example"})
    assert r.status == 403
    assert r.getheader("Access-Control-Allow-Origin") is None
    r, _ = post(d, call_xml("supervisor.stopProcess", "sleeper"),
                {"Sec-Fetch-Site": "cross-site"})
    assert r.status == 403
    assert d.status("sleeper")["state"] == "RUNNING"
    assert proxy(d).supervisor.getState()["statename"] == "RUNNING"


def test_shutdown(d):
    assert proxy(d).supervisor.shutdown() is True
    assert d.wait_exit() == 0


def ctxt_switches(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches",
                                "nonvoluntary_ctxt_switches")):
                yield int(line.split()[1])


def test_idle_after_http_does_not_wake(d):
    p = proxy(d)
    p.supervisor.getAllProcessInfo()
    p("close")()
    d.request({"cmd": "version"})
    time.sleep(0.3)     # let the closes settle
    before = sum(ctxt_switches(d.proc.pid))
    time.sleep(2)
    assert sum(ctxt_switches(d.proc.pid)) == before


def test_log_methods(d):
    s = proxy(d).supervisor
    out = s.getProcessInfo("sleeper")["stdout_logfile"]
    with open(out, "wb") as f:
        f.write(b"0123456789" * 300 + b"caf\xc3\xa9 \xff end")
    data = open(out, "rb").read()
    size = len(data)
    assert s.readProcessStdoutLog("sleeper", -10, 0) == "af\xe9 \ufffd end"
    assert s.readProcessStdoutLog("sleeper", 0, 5) == "01234"
    assert s.readProcessStdoutLog("sleeper", 2995, 0) == (
        "56789caf\xe9 \ufffd end")
    assert s.readProcessLog("sleeper", 5, 3) == "567"
    assert fault(s.readProcessStdoutLog, "sleeper", -5, 3)[0] == 3
    assert fault(s.readProcessStdoutLog, "sleeper", 0, -3)[0] == 3
    assert fault(s.readProcessStdoutLog, "nosuch", 0, 0)[0] == 10
    assert fault(s.readProcessStderrLog, "missing", 0, 0)[0] == 20
    # tailFile's window: fits, then overflows, then nothing new.
    assert s.tailProcessStdoutLog("sleeper", 0, 10) == [
        data[-10:].decode(errors="replace"), size, True]
    # Within the window: the last length bytes, as tailFile() reads.
    assert s.tailProcessStdoutLog("sleeper", size - 4, 100) == [
        data[-100:].decode(errors="replace"), size, False]
    assert s.tailProcessStdoutLog("sleeper", size, 100) == ["", size, False]
    assert s.tailProcessLog("sleeper", size, 100) == ["", size, False]
    assert s.tailProcessStderrLog("missing", 0, 100) == ["", 0, False]
    assert fault(s.tailProcessStdoutLog, "g:*", 0, 1)[0] == 10
    main = s.readLog(0, 0)
    assert "control: listening on" in main
    # The log grows with each call (loglevel debug): its last line.
    assert s.readMainLog(-25, 0).endswith(": supervisor.readMainLog\n")


def test_supervisorctl_tail(d):
    import subprocess
    out = proxy(d).supervisor.getProcessInfo("sleeper")["stdout_logfile"]
    with open(out, "w") as f:
        f.write("x" * 2000 + "the end\n")
    r = subprocess.run([pysupervisor.SUPERVISORCTL, "-c", d.conf, "tail",
                        "sleeper"], capture_output=True, text=True,
                       timeout=DEADLINE)
    assert r.returncode == 0
    assert r.stdout == "x" * 1592 + "the end\n\n"
    r = subprocess.run([pysupervisor.SUPERVISORCTL, "-c", d.conf, "tail",
                        "-5", "sleeper"], capture_output=True, text=True,
                       timeout=DEADLINE)
    assert r.stdout == " end\n\n"


def test_group_stdin_and_clear_methods(daemon):
    daemon.write_config(PROGRAMS + """
    [program:echo]
    command = cat
    startsecs = 0
    """)
    daemon.start()
    daemon.wait_state("echo", "RUNNING")
    s = proxy(daemon).supervisor
    assert s.reloadConfig() == [[[], [], []]]
    with open(daemon.conf, "a") as f:
        f.write("\n[program:extra]\ncommand = sleep 1000\nstartsecs = 0\n")
    assert s.reloadConfig() == [[["extra"], [], []]]
    assert fault(s.removeProcessGroup, "extra") == (10, "BAD_NAME: extra")
    assert s.addProcessGroup("extra") is True
    assert fault(s.addProcessGroup, "extra") == (90, "ALREADY_ADDED: extra")
    daemon.wait_state("extra", "RUNNING")
    assert fault(s.removeProcessGroup, "extra") == (91,
                                                    "STILL_RUNNING: extra")
    assert s.stopProcessGroup("extra")[0]["status"] == 80
    assert s.removeProcessGroup("extra") is True
    assert fault(s.getProcessInfo, "extra")[0] == 10
    # stdin: what cat reads comes back in its log.
    assert s.sendProcessStdin("echo", "hello stdin\n") is True
    assert s.sendProcessStdin("echo", "") is True
    wait_for(lambda: "hello stdin" in s.readProcessStdoutLog("echo", 0, 0),
             what="cat's echo")
    assert fault(s.sendProcessStdin, "missing", "x")[0] == 70
    assert fault(s.sendProcessStdin, "nosuch", "x")[0] == 10
    assert fault(s.sendProcessStdin, "echo", 5)[0] == 2
    assert s.clearProcessLogs("echo") is True
    assert s.readProcessStdoutLog("echo", 0, 0) == ""
    assert s.clearProcessLog("echo") is True
    res = s.clearAllProcessLogs()
    assert {r["name"] for r in res} >= {"echo", "sleeper", "a", "b"}
    assert all(r["status"] == 80 and r["description"] == "OK" for r in res)
    assert s.clearLog() is True
    with open(daemon.conf, "a") as f:
        f.write("\n[program:bad2]\nstartsecs = soon\n")
    code, text = fault(s.reloadConfig)
    assert code == 92 and text.startswith("CANT_REREAD: ")


def test_all_config_info(d):
    infos = proxy(d).supervisor.getAllConfigInfo()
    assert [i["name"] for i in infos] == ["a", "b", "missing", "sleeper",
                                          "slow"]
    a = infos[0]
    assert a["group"] == "g" and a["inuse"] is True
    assert a["command"] == "sleep 1000" and a["exitcodes"] == [0]
    assert a["stdout_logfile"] == "auto" and a["uid"] == "none"
    assert a["stopsignal"] == 15 and a["startsecs"] == 0
    for k in ("autostart", "killasgroup", "redirect_stderr",
              "stdout_events_enabled", "stderr_syslog", "inuse"):
        assert type(a[k]) is bool, k
    for k in ("group_prio", "process_prio", "startretries", "stopwaitsecs",
              "stdout_logfile_maxbytes", "stderr_logfile_backups",
              "stdout_capture_maxbytes"):
        assert type(a[k]) is int, k
    # The file as last read: at start-up, then by reloadConfig.
    with open(d.conf, "a") as f:
        f.write("\n[program:later]\ncommand = sleep 5\n")
    s = proxy(d).supervisor
    assert "later" not in [i["name"] for i in s.getAllConfigInfo()]
    assert s.reloadConfig() == [[["later"], [], []]]
    later = [i for i in s.getAllConfigInfo() if i["name"] == "later"]
    assert later[0]["inuse"] is False


def test_reload_config_applies_in_place_keys(d):
    """A change every key of which applies in place is not reported as
    changed (supervisorctl update would restart the group): reloadConfig
    applies it, and the process keeps running."""
    pid = d.status("sleeper")["pid"]
    with open(d.conf) as f:
        text = f.read()
    text = text.replace("[program:sleeper]\n",
                        "[program:sleeper]\nstopwaitsecs = 7\n", 1)
    with open(d.conf, "w") as f:
        f.write(text)
    before = d.request({"cmd": "reread"})
    assert before["ok"] and before["result"]["updated"] == ["sleeper"], \
        before
    assert proxy(d).supervisor.reloadConfig() == [[[], [], []]]
    after = d.request({"cmd": "reread"})
    assert after["result"]["updated"] == [], after
    assert d.status("sleeper")["pid"] == pid
