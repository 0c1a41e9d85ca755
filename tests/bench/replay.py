"""A server that replays a daemon's recorded XML-RPC answers at once:
the baseline of `supervisorctl status` (xmlrpcbench.py).  What it
measures is the client's own time (Python's start, supervisorctl's
imports, parsing and printing the answer), the floor no daemon can go
under, so that superv/baseline says how much faster than Python
Supervisor any daemon could make `supervisorctl status`."""
import os
import re
import socket
import threading

METHOD = re.compile(rb"<methodName>([^<]+)</methodName>")


def _call(method):
    body = (b'<?xml version="1.0"?><methodCall><methodName>%s'
            b'</methodName><params></params></methodCall>' % method)
    return (b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
            b"text/xml\r\nContent-Length: %d\r\n\r\n" % len(body)) + body


def _read_message(conn, buf):
    """One HTTP message (headers and Content-Length body) from conn, and
    what follows it; (None, b"") at the end of the stream."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(m.group(1)) if m else 0
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise RuntimeError("replay: a message cut short")
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def record(sock_path, methods):
    """The daemon's whole HTTP answer to each method, by name."""
    answers = {}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    try:
        buf = b""
        for method in methods:
            s.sendall(_call(method))
            answer, buf = _read_message(s, buf)
            if answer is None or b" 200 " not in answer.split(b"\r\n")[0]:
                raise RuntimeError("replay: %s answered %r" % (
                    method, (answer or b"")[:200]))
            answers[method] = answer
    finally:
        s.close()
    return answers


class Replay:
    """Serve the recorded answers on a Unix socket, from a thread."""

    def __init__(self, sock_path, answers):
        self.answers = answers
        self.path = sock_path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(sock_path):
            os.unlink(sock_path)    # the stopped daemon's, if it left it
        self.sock.bind(sock_path)
        self.sock.listen(16)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return          # closed: the end
            with conn:
                self._answer_all(conn)

    def _answer_all(self, conn):
        buf = b""
        while True:
            try:
                request, buf = _read_message(conn, buf)
            except (OSError, RuntimeError):
                return
            if request is None:
                return
            m = METHOD.search(request)
            answer = self.answers.get(m.group(1) if m else None)
            if answer is None:
                return
            conn.sendall(answer)

    def close(self):
        self.sock.close()
        self.thread.join(5)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
