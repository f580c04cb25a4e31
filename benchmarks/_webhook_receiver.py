"""A webhook receiver for ``webhook-fanout``, run as its own process: a thread per
connection, HTTP/1.1 keep-alive, answers 204 to every POST and tells ``GET /stats`` how many
it got per path and when the first and last arrived (Unix seconds; ``GET /reset`` also
empties them). Prints its port on the first line.

It reads requests with a few lines of its own rather than ``http.server``, whose header
parsing cost more than the sender's whole request: the figure must be the sender's, not the
receiver's."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

lock = threading.Lock()
stats: dict[str, dict[str, float]] = {}
NO_CONTENT = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


def _count(path: str) -> None:
    now = time.time()
    with lock:
        seen = stats.get(path)
        if seen is None:
            stats[path] = {"count": 1, "first": now, "last": now}
        else:
            seen["count"] += 1
            seen["last"] = now


def _stats(path: str) -> bytes:
    with lock:
        body = json.dumps(stats).encode()
        if path == "/reset":
            stats.clear()
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)


def serve(conn: socket.socket) -> None:
    """Answer the requests of one connection until the client closes it."""
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = b""
    try:
        while True:
            end = data.find(b"\r\n\r\n")
            while end < 0:
                more = conn.recv(65536)
                if not more:
                    return
                data += more
                end = data.find(b"\r\n\r\n")
            head, data = data[:end], data[end + 4 :]
            lines = head.split(b"\r\n")
            method, path = lines[0].split(b" ", 2)[:2]
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            while len(data) < length:
                more = conn.recv(65536)
                if not more:
                    return
                data += more
            data = data[length:]
            if method == b"POST":
                _count(path.decode())
                conn.sendall(NO_CONTENT)
            else:
                conn.sendall(_stats(path.decode()))
    except OSError:
        return
    finally:
        conn.close()


if __name__ == "__main__":
    server = socket.create_server(("127.0.0.1", 0), backlog=1024)
    print(server.getsockname()[1], flush=True)
    sys.stdout.close()
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()
