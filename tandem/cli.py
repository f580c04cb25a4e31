"""The ``tandem`` command: serve, migrate, demo, worker, createuser, and every Django command."""

from __future__ import annotations

import os
import sys

from tandem.config import ConfigurationError

ALIASES = {"worker": "db_worker"}
USAGE = """usage: tandem COMMAND [options]

  serve        run the web server (and a task worker) at http://127.0.0.1:8000
  migrate      create or update the database
  demo         fill the database with a believable demo company (--seed, --contacts)
  worker       run background tasks (emails, rebuilds)
  createuser   add a user with a role and team
  import       import accounts, contacts or deals from a CSV or XLSX file (tandem import --help)
  permissions  print the permission matrix
  export       the whole company as one zip: tandem export --all [--out FILE]
  backup       database, secret and uploads in one zip, while serving: tandem backup [--out FILE]
  restore      a backup into an empty database and data folder: tandem restore FILE [--force]
  analytics    run an analysis on a CSV or Parquet file (tandem analytics --help)
  check        check the configuration (add --deploy in production)

Any other Django management command works too (tandem help lists them).
"""


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return
    if args[0] == "analytics":
        # The analytics need no Django: run them on files without settings or a database.
        from tandem.analytics.cli import main as analytics_main

        sys.exit(analytics_main(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    from django.core.management import execute_from_command_line

    args[0] = ALIASES.get(args[0], args[0])
    try:
        execute_from_command_line(["tandem", *args])
    except ConfigurationError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
