"""An event listener written with supervisor.childutils.listener, as
listeners are in the wild, run by both daemons under test.

    python3 -S listener_rec.py --python-path DIR OUT [MODE]

DIR holds the copy of Python Supervisor (tests/integration/pysupervisor.py).

Each event it gets is appended to OUT as one JSON line {"h": headers,
"p": payload, "pid": its own pid}.  MODE says how it answers:
  ok            RESULT 2\\nOK (the default)
  fail:N        FAIL to the first N events it gets, then OK
  exit:MARKER   exits (status 3) at its first event, before answering,
                unless the file MARKER exists (it creates it)
  hang:MARKER   the same, but never answers nor reads again
  pause:FILE    at its first event, waits until FILE exists, then OK
  garbage       writes a stray line instead of READY
  flood         writes 64 MiB of garbage instead of READY
  bigresult     answers RESULT 999999999
  shutdown      at each event, kill -QUIT $(cat PIDFILE) (MODE's
                argument after a colon), then OK
  rpcshutdown   at each event, supervisor.shutdown() through
                childutils.getRPCInterface (SUPERVISOR_SERVER_URL), then OK
  ctlshutdown   at each event, supervisorctl -c CONF shutdown, then OK
"""
import json
import os
import subprocess
import sys
import time

SITE = None
if len(sys.argv) > 2 and sys.argv[1] == "--python-path":
    SITE = sys.argv[2]
    sys.path.insert(0, SITE)
    del sys.argv[1:3]

from supervisor import childutils   # noqa: E402


def main():
    out = open(sys.argv[1], "a")
    mode = sys.argv[2] if len(sys.argv) > 2 else "ok"
    kind, _, arg = mode.partition(":")
    if kind == "garbage":
        sys.stdout.write("hello \x1b[31mworld\x00\n")
        sys.stdout.flush()
        time.sleep(3600)
    if kind == "flood":
        chunk = "x" * 65536
        for _ in range(1024):
            sys.stdout.write(chunk)
        sys.stdout.flush()
        time.sleep(3600)
    seen = 0
    while True:
        h, p = childutils.listener.wait(sys.stdin, sys.stdout)
        seen += 1
        out.write(json.dumps({"h": h, "p": p, "pid": os.getpid()}) + "\n")
        out.flush()
        if kind == "fail" and seen <= int(arg):
            childutils.listener.fail(sys.stdout)
        elif kind in ("exit", "hang") and not os.path.exists(arg):
            open(arg, "w").close()
            if kind == "exit":
                sys.exit(3)
            time.sleep(3600)
        elif kind == "pause" and seen == 1:
            while not os.path.exists(arg):
                time.sleep(0.05)
            childutils.listener.ok(sys.stdout)
        elif kind == "bigresult":
            sys.stdout.write("RESULT 999999999\n")
            sys.stdout.flush()
        elif kind == "shutdown":
            subprocess.run(["sh", "-c", "kill -QUIT $(cat %s)" % arg])
            childutils.listener.ok(sys.stdout)
        elif kind == "rpcshutdown":
            childutils.getRPCInterface(os.environ).supervisor.shutdown()
            childutils.listener.ok(sys.stdout)
        elif kind == "ctlshutdown":
            subprocess.run([sys.executable, "-S", "-c", "import sys; "
                            "sys.path.insert(0, %r); from supervisor."
                            "supervisorctl import main; main()" % SITE,
                            "-c", arg, "shutdown"], stdout=subprocess.DEVNULL)
            childutils.listener.ok(sys.stdout)
        else:
            childutils.listener.ok(sys.stdout)


main()
