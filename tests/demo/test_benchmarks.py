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


def test_analytics_all_times_every_analysis_on_a_tiny_demo():
    # A 300-contact demo: too small for some fits, which then print `_failed`, not a crash.
    lines = _benchmarks("analytics-all", "--contacts", "300", timeout=600).splitlines()

    figures = {f["metric"]: f for f in map(json.loads, lines)}
    assert figures["touches"]["value"] > 300
    analyses = [
        "feed_journeys",
        *(
            f"attribution_{model}"
            for model in (
                "first_touch",
                "last_touch",
                "linear",
                "time_decay",
                "position_based",
                "w_shaped",
                "full_path",
                "markov",
                "shapley",
            )
        ),
        "attribution_report",
        "clv_fit",
        "lifetime_by_campaign",
        "lifetime_by_segment",
        "funnel_and_velocity",
        "forecast",
        "forecast_backtest",
        "mediamix",
        "profitability",
    ]
    for name in analyses:
        assert figures[f"{name}_seconds"]["value"] > 0, name
        assert figures[f"{name}_cpu_seconds"]["unit"] == "s", name
        assert figures[f"{name}_peak_memory"]["unit"] == "MB", name
