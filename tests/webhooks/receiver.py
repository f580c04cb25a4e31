"""A real HTTP server on loopback that receives webhooks, in a thread of the test process."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops a burst of eight lanes' connections on a busy machine; a
    # dropped SYN is retried after a second, past the tests' short connect timeout.
    request_queue_size = 128
    daemon_threads = True


@dataclass
class Received:
    """One request as it arrived: headers (lower-case names), raw body, when."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    # The sender's end of the connection: the same on messages that shared a connection.
    peer: tuple = ()


@dataclass
class Receiver:
    """What the server answers (``status``, after ``delay`` seconds) and what it received."""

    url: str = ""
    status: int = 200
    delay: float = 0.0
    # Each request waits for this to be set before it is answered (an endpoint that hangs
    # for as long as the test says); ``held`` counts the requests waiting.
    hold: threading.Event | None = None
    held: int = 0
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    server: ThreadingHTTPServer | None = None

    def wait_for(self, count: int, *, timeout: float = 60) -> bool:
        """Wait until ``count`` requests arrived (the timeout only keeps a broken test from
        hanging); whether they did."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.received) >= count, timeout)

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def start(
    status: int = 200,
    delay: float = 0.0,
    hold: threading.Event | None = None,
    *,
    keep_alive: bool = False,
    tls: ssl.SSLContext | None = None,
    host: str = "127.0.0.1",
) -> Receiver:
    """Start a receiver on 127.0.0.1 at a free port (HTTP/1.1 with connections kept alive if
    ``keep_alive``; https with ``tls``, its URL naming ``host``)."""
    receiver = Receiver(status=status, delay=delay, hold=hold)
    lock = receiver.arrived

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

        def do_POST(self) -> None:  # noqa: N802 — the http.server name
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            with lock:
                receiver.received.append(
                    Received(
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.monotonic(),
                        tuple(self.client_address),
                    )
                )
                lock.notify_all()
            if receiver.hold is not None:
                with lock:
                    receiver.held += 1
                receiver.hold.wait()
            if receiver.delay:
                time.sleep(receiver.delay)
            try:
                self.send_response(receiver.status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender stopped waiting (a held request past its read timeout)

        def log_message(self, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.server = server
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    receiver.url = f"{scheme}://{host}:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
