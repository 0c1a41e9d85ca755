"""The daemon's own log: its file rotates and reopens like the programs'
logs; without a file it goes to stderr; under systemd (stderr is the
journal's stream) it also goes to stderr with journal priorities."""
import os
import re
import signal

from logs_util import helper, program, read, wait_for


def test_daemon_log_rotates_and_reopens(daemon):
    """The daemon's own log rotates by logfile_maxbytes, at line
    boundaries, with logfile_backups, and SIGUSR2 reopens it too."""
    programs = "".join(
        program("p%02d" % i, "%s -n 1 x" % helper("log_lines"),
                stdout_logfile="NONE") for i in range(40))
    daemon.write_config(
        programs,
        supervisord_extra="logfile_maxbytes = 2000\nlogfile_backups = 2")
    daemon.start()
    main = daemon.logfile
    # 40 programs that start and exit log far more than 3 * 2000 bytes.
    # Once all have exited the log is quiet, so no rotation is under way
    # while the sizes are read.
    wait_for(lambda: all(p["state"] == "EXITED"
                         for p in daemon.status().values()),
             what="every program to have exited")
    wait_for(lambda: os.path.exists(main + ".2"), what="two backups")
    # Whole lines up to the limit: a line that would cross it begins the
    # next file.
    for p in (main + ".1", main + ".2"):
        data = read(p)
        assert 1000 < len(data) <= 2000 and data.endswith(b"\n"), p
    assert os.path.getsize(main) <= 2000
    assert not os.path.exists(main + ".3")
    # Moved away by hand, then reopened on SIGUSR2.
    os.rename(main, main + ".old")
    daemon.signal(signal.SIGUSR2)
    # Lines logged after the reopen may rotate it on, so look in all three.
    wait_for(lambda: any(b"reopened" in (read(p) or b"")
                         for p in (main, main + ".1", main + ".2")),
             what="the reopened daemon log")


def test_daemon_log_to_stderr_without_logfile(daemon):
    daemon.write_config(program("one", "%s -n 1 x" % helper("log_lines"),
                                stdout_logfile="NONE"))
    with open(daemon.conf) as f:
        text = f.read()
    with open(daemon.conf, "w") as f:
        f.write(re.sub(r"(?m)^logfile = .*$", "", text))
    daemon.start()
    wait_for(lambda: re.search(
        rb"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO spawned: 'one'",
        read(daemon.stderr_path) or b""), what="the log on stderr")
    assert not os.path.exists(daemon.logfile)


def test_daemon_log_to_the_journal_under_systemd(daemon):
    """JOURNAL_STREAM names stderr: lines also go there, "<N>"-prefixed
    for the journal's priorities, without our timestamp."""
    daemon.write_config(program("one", "%s -n 1 x" % helper("log_lines"),
                                stdout_logfile="NONE"))
    open(daemon.stderr_path, "ab").close()
    st = os.stat(daemon.stderr_path)
    daemon.start(env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
    wait_for(lambda: re.search(rb"(?m)^<6>spawned: 'one' with pid \d+$",
                               read(daemon.stderr_path) or b""),
             what="the journal's line on stderr")
    daemon.wait_log("INFO spawned: 'one'")
