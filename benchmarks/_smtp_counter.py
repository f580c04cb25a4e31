"""An SMTP server on loopback that only counts what it receives (for ``email-send``).

``python -m benchmarks._smtp_counter`` prints its port, then serves until its standard input
closes, and prints ``<messages> <distinct recipients>`` as its last line.
"""

from __future__ import annotations

import sys

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self) -> None:
        self.messages = 0
        self.recipients: set[str] = set()
        self.duplicates = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.messages += 1
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.recipients:
                self.duplicates += 1
            self.recipients.add(rcpt)
        return "250 Message accepted for delivery"


def main() -> None:
    import socket

    with socket.socket() as probe:  # aiosmtpd needs a fixed port to check it is up
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    sys.stdin.read()  # serve until the benchmark closes our stdin
    controller.stop()
    print(counter.messages, len(counter.recipients), counter.duplicates, flush=True)


if __name__ == "__main__":
    main()
