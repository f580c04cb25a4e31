"""Charts as inline SVG: Altair builds the Vega-Lite spec, vl-convert renders it offline."""

from __future__ import annotations

import json
from functools import lru_cache

import altair as alt
import vl_convert as vlc

# One colour per series, up to eight, each at least 4.5:1 against white and told apart by hue
# (three colours repeated made "Candidate" and "Prospect" the same purple).
SERIES_COLOURS = [
    "#7a3fb0",
    "#1f5fbf",
    "#0f7a55",
    "#b3541e",
    "#a3195b",
    "#5f6b00",
    "#00708a",
    "#4d4d4d",
]


@lru_cache(maxsize=64)
def _render(spec_json: str) -> str:
    return vlc.vegalite_to_svg(json.loads(spec_json))


def grouped_bars_svg(
    rows: list[dict], *, category: str, series: str, value: str, title: str
) -> str:
    """Horizontal grouped bars (e.g. leads and MQLs per campaign) as an SVG string."""
    if not rows:
        return ""
    # Whole-number ticks only: never more ticks than the largest count (0, 1 — not 0, 1, 1).
    largest = max(int(r[value]) for r in rows)
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=None, title=None),
            # Counts: whole-number ticks; series in the order the rows give them (the funnel).
            x=alt.X(
                f"{value}:Q",
                title=None,
                axis=alt.Axis(tickMinStep=1, format="d", tickCount=max(1, min(largest, 8))),
            ),
            yOffset=alt.YOffset(f"{series}:N", sort=None),
            color=alt.Color(
                f"{series}:N",
                sort=None,
                title=None,
                scale=alt.Scale(range=SERIES_COLOURS),
            ),
            tooltip=[f"{category}:N", f"{series}:N", f"{value}:Q"],
        )
        .properties(width=520, height=alt.Step(12))
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12, labelLimit=220)
    )
    return _render(json.dumps(chart.to_dict(), sort_keys=True, default=str))


def monthly_lines_svg(rows: list[dict], *, title: str) -> str:
    """Lines per measure over months (rows: month, measure, count) as an SVG string."""
    if not rows:
        return ""
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "measure:N",
                sort=None,
                title=None,
                scale=alt.Scale(range=SERIES_COLOURS),
            ),
            tooltip=["month:O", "measure:N", "count:Q"],
        )
        .properties(width=640, height=220)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12)
    )
    return _render(json.dumps(chart.to_dict(), sort_keys=True, default=str))


def chart_svg(chart: alt.Chart | alt.LayerChart) -> str:
    """Any Altair chart as an SVG string (rendered once per distinct spec)."""
    return _render(json.dumps(chart.to_dict(), sort_keys=True, default=str))
