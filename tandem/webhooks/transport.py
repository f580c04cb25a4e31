"""One kept-alive HTTP/1.1 connection to a checked address, posting one message at a time.

The sender posts tens of thousands of small messages and reads back only the status code, so
this is the little HTTP it needs and nothing more: the request goes out in one ``sendall``
(request line, headers and body together), the answer's status line and headers are read
with a plain ``recv``, and a short body with a ``content-length`` is read and dropped so the
connection can carry the next message. An answer that is long, chunked or of unknown length
is not read: the connection is closed instead (its status code is all that counts). A kept
connection the receiver closed meanwhile is opened again once, for a message it never saw.
TLS checks the certificate against the endpoint's host name, while the connection goes to
the address that was checked (``addresses.target_resolve``). Every wait has a timeout: one to
connect, one for each read.
"""

from __future__ import annotations

import socket
import ssl
from functools import cache

from tandem.webhooks.addresses import Target

MAX_HEAD = 16 * 1024
MAX_BODY = 64 * 1024


class AnswerError(Exception):
    """The receiver answered with something that is not HTTP/1.x."""


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


class Connection:
    """A connection to ``target``, opened on the first post and kept while the receiver
    keeps it. Not shared between threads: each lane of the sender has its own."""

    def __init__(self, target: Target, *, connect_timeout: float, read_timeout: float) -> None:
        self.target = target
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self._sock: socket.socket | None = None
        port = "" if target.port in (80, 443) else f":{target.port}"
        host = target.host if ":" not in target.host else f"[{target.host}]"
        self._start = (
            f"POST {target.path} HTTP/1.1\r\nhost: {host}{port}\r\n"
            "content-type: application/json\r\nuser-agent: Tandem-Webhooks/1\r\n"
        ).encode("latin-1")

    def _open(self) -> socket.socket:
        sock = socket.create_connection(
            (self.target.address, self.target.port), timeout=self.connect_timeout
        )
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.target.scheme == "https":
                sock = _tls().wrap_socket(sock, server_hostname=self.target.host)
            sock.settimeout(self.read_timeout)
        except BaseException:
            sock.close()
            raise
        return sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def post(self, headers: dict[str, str], body: bytes) -> int:
        """POST ``body`` with ``headers`` (besides host, content type and length); the
        answer's status code. Raises ``OSError`` (timeouts included) or ``AnswerError``."""
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = b"".join(
            (self._start, lines.encode("latin-1"), b"content-length: %d\r\n\r\n" % len(body), body)
        )
        if self._sock is not None:
            try:
                return self._exchange(self._sock, request)
            except _Closed:
                self.close()  # closed while idle: the receiver never saw this message
        self._sock = self._open()
        try:
            return self._exchange(self._sock, request)
        except _Closed:
            self.close()
            raise ConnectionResetError("the connection closed without an answer") from None
        except BaseException:
            self.close()
            raise

    def _exchange(self, sock: socket.socket, request: bytes) -> int:
        try:
            sock.sendall(request)
            data = sock.recv(MAX_HEAD)
        except (BrokenPipeError, ConnectionResetError) as closed:
            raise _Closed from closed
        if not data:
            raise _Closed
        try:
            status, keep = self._answer(sock, data)
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return status

    def _answer(self, sock: socket.socket, data: bytes) -> tuple[int, bool]:
        while True:
            while b"\r\n\r\n" not in data:
                if len(data) > MAX_HEAD:
                    raise AnswerError("the answer's headers are too long")
                more = sock.recv(MAX_HEAD)
                if not more:
                    raise AnswerError("the connection closed in the answer's headers")
                data += more
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            parts = lines[0].split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
                raise AnswerError(f"not an HTTP answer: {lines[0][:60]!r}")
            status = int(parts[1])
            if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
                data = rest
                continue
            break
        fields: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        keep = parts[0] == b"HTTP/1.1" and fields.get(b"connection") != b"close"
        if status in (204, 304):
            return status, keep and not rest
        length = fields.get(b"content-length")
        if b"transfer-encoding" in fields or length is None or not length.isdigit():
            return status, False
        wanted = int(length)
        if wanted > MAX_BODY:
            return status, False
        while len(rest) < wanted:
            more = sock.recv(wanted - len(rest))
            if not more:
                return status, False
            rest += more
        return status, keep and len(rest) == wanted


class _Closed(Exception):
    """The kept connection was closed before any answer."""
