"""A webhook receiver for ``webhook-fanout``, run as its own process: answers 204 to every
POST (HTTP/1.1 keep-alive) and tells ``GET /stats`` how many it got per path and when the
first and last arrived (Unix seconds). Prints its port on the first line."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
stats: dict[str, dict[str, float]] = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length") or 0))
        now = time.time()
        with lock:
            seen = stats.setdefault(self.path, {"count": 0, "first": now, "last": now})
            seen["count"] += 1
            seen["last"] = now
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        with lock:
            body = json.dumps(stats).encode()
            if self.path == "/reset":
                stats.clear()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 1024  # the default 5 refuses a burst of new keep-alive connections


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()
