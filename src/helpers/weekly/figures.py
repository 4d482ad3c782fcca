"""The weekly report's figures: the window's weekly totals and the weekday × hour heat maps, built
from the sections' aggregates (never from raw rows)."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.present import sections
from helpers.present.i18n import t
from helpers.weekly.fmt import col, day_name


def fig_weeks(
    totals: pl.DataFrame, lang: str = "zh", keys: tuple[str, str] = ("gmv", "uv_value")
) -> Any:
    """Weekly totals of the window: the first key as bars, the second as a line (right axis)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if keys[0] in totals.columns:
        fig.add_bar(x=totals["week"].to_list(), y=totals[keys[0]].to_list(), name=t(keys[0], lang))
    if keys[1] in totals.columns:
        fig.add_scatter(
            x=totals["week"].to_list(),
            y=totals[keys[1]].to_list(),
            name=t(keys[1], lang),
            yaxis="y2",
            mode="lines+markers",
        )
    fig.update_layout(
        yaxis2={"overlaying": "y", "side": "right"},
        height=360,
        title=t("wr_weeks_title", lang),
        legend={"orientation": "h"},
        xaxis={"type": "category"},
    )
    return fig


def _grid(
    cells: pl.DataFrame, key: str, lang: str
) -> tuple[list[list[float | None]], list[list[str]]]:
    """Values (blank where the cell had too little air time) and hover notes, weekday × hour."""
    z: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    text = [[""] * 24 for _ in range(7)]
    for r in cells.iter_rows(named=True):
        z[r["day"] - 1][r["hour"]] = r[key] if r["enough"] else None
        text[r["day"] - 1][r["hour"]] = "" if r["enough"] else t("wr_too_little", lang)
    return z, text


def fig_heatmap(cells: pl.DataFrame, key: str = "gmv_per_hour", lang: str = "zh") -> Any:
    """Weekday × clock hour heat map of one column of :func:`helpers.weekly.heatmap`; cells
    with too little air time are left blank and say so on hover."""
    import plotly.graph_objects as go

    z, text = _grid(cells, key, lang)
    name = col(key, lang)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(24)),
            y=[day_name(d, lang) for d in range(1, 8)],
            text=text,
            colorscale="YlOrRd",
            colorbar={"title": name},
            hoverongaps=True,
            hovertemplate="%{y} %{x}:00<br>%{z:,.1f} %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=330, title=name, xaxis={"title": col("hour", lang)}, yaxis={"autorange": "reversed"}
    )
    return fig


def figure(out: sections.Outcome, lang: str = "zh", key: str = "") -> Any:
    """The figure of a section that ran (weeks trend, or the hour heat map of ``key``); else None
    (nothing shown: the section's sentence already says why)."""
    if not out.ok:
        return None
    if out.key == "week_trend":
        return sections.guard(out.key, lambda: fig_weeks(out.value, lang))
    if (
        out.key == "week_hours"
        and out.value.height
        and out.value[key].null_count() < out.value.height
    ):
        return sections.guard(out.key, lambda: fig_heatmap(out.value, key, lang))
    return None
