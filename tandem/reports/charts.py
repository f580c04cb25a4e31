"""The reports' charts: Altair specs, rendered to SVG by ``tandem.core.charts``."""

from __future__ import annotations

from typing import Literal

import altair as alt

from tandem.core.charts import chart_svg

# Nine models, nine colours that stay apart for colour-blind readers (Tableau 10).
PALETTE: Literal["tableau10"] = "tableau10"


def grouped_bars(
    rows: list[dict], *, category: str, series: str, value: str, title: str, money: bool = False
) -> str:
    """Horizontal bars per category, one per series (rows: category, series, value)."""
    if not rows:
        return ""
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=None, title=None),
            x=alt.X(f"{value}:Q", title=None, axis=alt.Axis(format=",.0f" if money else ",.3~f")),
            yOffset=alt.YOffset(f"{series}:N", sort=None),
            color=alt.Color(f"{series}:N", sort=None, title=None, scale=alt.Scale(scheme=PALETTE)),
            tooltip=[f"{category}:N", f"{series}:N", alt.Tooltip(f"{value}:Q", format=",.2f")],
        )
        .properties(width=560, height=alt.Step(7))
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12, labelLimit=240)
        .configure_legend(orient="top", labelFontSize=12)
    )
    return chart_svg(chart)


def bars(rows: list[dict], *, category: str, value: str, title: str, fmt: str = ",.0f") -> str:
    """One horizontal bar per category, in the order given; counts get whole-number ticks."""
    if not rows:
        return ""
    axis = alt.Axis(format=fmt)
    if fmt == "d":  # never 0, 0, 1, 1 for small counts
        largest = max(int(r[value] or 0) for r in rows)
        axis = alt.Axis(format="d", tickMinStep=1, tickCount=max(1, min(largest, 8)))
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_bar(color="#1f5fbf")
        .encode(
            y=alt.Y(f"{category}:N", sort=None, title=None),
            x=alt.X(f"{value}:Q", title=None, axis=axis),
            tooltip=[f"{category}:N", alt.Tooltip(f"{value}:Q", format=fmt)],
        )
        .properties(width=520, height=alt.Step(20))
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12, labelLimit=240)
    )
    return chart_svg(chart)
