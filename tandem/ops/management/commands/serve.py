"""Serve Tandem with waitress, with a background worker and the clock of recurring jobs beside
it unless told otherwise; both are supervised (restarted if they die, see
``tandem.ops.supervisor``)."""

from __future__ import annotations

import atexit
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application

from tandem.ops.supervisor import Child, Supervisor


class Command(BaseCommand):
    help = "Serve Tandem on HOST:PORT (migrating first) with a task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a task worker (run `tandem worker` elsewhere).",
        )
        parser.add_argument(
            "--no-clock",
            action="store_true",
            help="Do not start the clock of recurring jobs (run `tandem clock` elsewhere).",
        )
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, **opts):
        from waitress import serve

        application = get_wsgi_application()

        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        children = []
        if not opts["no_worker"]:
            children.append(Child("worker", [sys.executable, "-m", "tandem.cli", "worker"]))
        if not opts["no_clock"]:
            children.append(
                Child(
                    "clock",
                    [sys.executable, "-m", "tandem.cli", "clock", "--stop-with-parent"],
                    stdout=subprocess.DEVNULL,
                )
            )
        supervisor = Supervisor(children)
        supervisor.start()
        atexit.register(supervisor.stop)
        # A stop by SIGTERM (systemd, a container, a test) exits through Python, so the atexit
        # hook above stops the worker and the clock instead of leaving them behind.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        url = f"http://{opts['host']}:{opts['port']}"
        self.stdout.write(self.style.SUCCESS(f"Tandem is running at {url}  (Ctrl+C stops it)"))
        serve(
            application,
            host=opts["host"],
            port=opts["port"],
            threads=opts["threads"],
            ident="tandem",
            # Waitress drops X-Forwarded-* unless told which single proxy to trust; Tandem
            # decides itself, from TANDEM_TRUSTED_PROXIES (tandem.access.proxy), so it gets
            # them all and ignores them from anyone else.
            clear_untrusted_proxy_headers=False,
        )
