"""``python -m benchmarks NAME [--contacts N] [--file-mb MB]``, or ``--list`` them."""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks import discover


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run a Tandem benchmark; prints JSON lines."
    )
    parser.add_argument("name", nargs="?", help="the benchmark to run (see --list)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--contacts", type=int, default=None, help="data size, for benchmarks that generate data"
    )
    parser.add_argument(
        "--file-mb",
        type=float,
        default=None,
        help="file size in MB, for benchmarks that write a file (import-contacts pads its rows)",
    )
    options = parser.parse_args(argv)
    registry = discover()
    if options.list:
        width = max(len(name) for name in registry)
        for name in sorted(registry):
            print(f"{name.ljust(width)}  {registry[name].description}")
        return 0
    if not options.name:
        parser.error("name a benchmark, or use --list")
    if options.name not in registry:
        parser.error(f"no benchmark {options.name!r}; known: {', '.join(sorted(registry))}")
    for figure in registry[options.name].run(options):
        print(json.dumps(figure.as_dict()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
