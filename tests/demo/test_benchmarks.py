"""``python -m benchmarks``: the list, and a tiny demo-generate run printing JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _benchmarks(*args: str, timeout: int) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "benchmarks", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return done.stdout


def test_list_names_demo_generate():
    output = _benchmarks("--list", timeout=30)

    names = {line.split()[0] for line in output.splitlines() if line.strip()}
    assert "demo-generate" in names
    assert any(
        line.startswith("demo-generate ") and "seconds" in line for line in output.splitlines()
    )


def test_tiny_demo_generate_prints_json_figures():
    # Must stay under 30 s: migrate plus 200 contacts.
    lines = _benchmarks("demo-generate", "--contacts", "200", timeout=180).splitlines()

    figures = {f["metric"]: f for f in map(json.loads, lines)}
    for figure in figures.values():
        assert {"bench", "metric", "value", "unit"} <= set(figure)
        assert figure["bench"] == "demo-generate"
    assert figures["rows_contacts"]["value"] == 200
    assert figures["seconds"]["unit"] == "s" and figures["seconds"]["value"] > 0
    assert figures["contacts_per_second"]["value"] > 0
    assert figures["peak_memory"]["unit"] == "MB" and figures["peak_memory"]["value"] > 10
    assert figures["rows_touches"]["value"] > 200
