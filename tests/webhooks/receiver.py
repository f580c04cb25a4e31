"""A real HTTP server on loopback that receives webhooks, in a thread of the test process."""

from __future__ import annotations

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


@dataclass
class Receiver:
    """What the server answers (``status``, after ``delay`` seconds) and what it received."""

    url: str = ""
    status: int = 200
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def start(status: int = 200, delay: float = 0.0) -> Receiver:
    """Start a receiver on 127.0.0.1 at a free port."""
    receiver = Receiver(status=status, delay=delay)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
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
                    )
                )
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(receiver.status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.server = server
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
