"""A program whose output the listener tests watch: writes pieces with
pauses between them, so that each is one read under both daemons, then
sleeps.

    python3 -S talker.py MODE

MODE:
  log    a line on stdout, bytes that are not UTF-8 on stderr, UTF-8
         that is not ASCII on stdout
  ansi   colour sequences on stdout (for strip_ansi)
  comm   capture mode: text, a capture in three pieces (the middle one
         beyond stdout_capture_maxbytes=40), text; then a capture on
         stderr
"""
import os
import sys
import time

BEGIN = b"<!--XSUPERVISOR:BEGIN-->"
END = b"<!--XSUPERVISOR:END-->"

PIECES = {
    "log": [(1, b"hello from the talker\n"),
            (2, b"a bad \xff byte and a 'quote'\n"),
            (1, "caf\u00e9 cr\u00e8me \u2603\n".encode())],
    "ansi": [(1, b"\x1b[1;31mred\x1b[0m and \x1b[32mgreen\x1b[0m\n")],
    "split": [(1, b"x" * 30 + BEGIN[:10]),
              (1, BEGIN[10:] + b"payload" + END[:5]),
              (1, END[5:] + b"short"),
              (1, b" and the rest of the line\n")],
    "comm": [(1, b"before" + BEGIN + b"A" * 30),
             (1, b"B" * 30),
             (1, b"C" * 30 + END + b"after the end of the capture\n"),
             (2, BEGIN + b"err payload" + END + b"\n")],
}


def main():
    for fd, data in PIECES[sys.argv[1]]:
        os.write(fd, data)
        time.sleep(0.5)
    time.sleep(3600)


main()
