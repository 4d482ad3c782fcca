"""The minute story chart: online viewers, entries and exits, orders and GMV per minute, with the
run sheet drawn as shaded windows (讲解 blue, lottery yellow, coupon green, flash sale red; hover
the top strip for what it was) and peaks and troughs annotated with what was on screen.

One builder per layer, in the order they are drawn (plotly draws later traces on top).
"""

from __future__ import annotations

from typing import Any, cast

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from helpers.present.i18n import t
from helpers.review.chart_style import COLORS, STRIP, layout, safe
from helpers.review.story import screen_label

RUN_SHEET_KINDS = ("explain", "lottery", "coupon", "flash_sale", "note", "other")


def minute_story_chart(
    minutes: pl.DataFrame, events: pl.DataFrame, extrema: pl.DataFrame, lang: str = "zh"
) -> go.Figure:
    """The three rows of the minute story (see the module docstring)."""
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        row_heights=[0.45, 0.25, 0.30],
        specs=[[{}], [{}], [{"secondary_y": True}]],
    )
    add_minute_traces(fig, minutes, lang)
    add_run_sheet(fig, events, float(cast(float, minutes["online"].max()) or 1), lang)
    add_extrema(fig, extrema, lang)
    fig.update_yaxes(title_text=t("online", lang), row=1, col=1)
    fig.update_yaxes(title_text=f"{t('entries', lang)} / {t('exits', lang)}", row=2, col=1)
    fig.update_yaxes(title_text=t("orders", lang), row=3, col=1, rangemode="tozero")
    fig.update_yaxes(
        title_text=t("gmv", lang),
        row=3,
        col=1,
        secondary_y=True,
        showgrid=False,
        rangemode="tozero",
    )
    fig.update_layout(barmode="relative", bargap=0)
    return layout(fig, t("sec_story", lang), height=720)


def _has(minutes: pl.DataFrame, col: str) -> bool:
    return minutes[col].null_count() < minutes.height


def _hover(series: str, lang: str) -> str:
    """A minute's value and, below it, what was on screen (the trace's customdata)."""
    return (
        f"%{{x|%H:%M}} · {t(series, lang)} %{{y}}<br>"
        f"{t('on_screen', lang)}: %{{customdata}}<extra></extra>"
    )


def add_minute_traces(fig: go.Figure, minutes: pl.DataFrame, lang: str) -> None:
    """Online viewers (row 1), entries up and exits down (row 2), orders and GMV (row 3)."""
    x = minutes["minute_ts"].to_list()
    # hover names what was on screen that minute (讲解 of which product, lottery, coupon ...)
    screen = (
        [safe(screen_label(v, lang), 40) for v in minutes["on_screen"].to_list()]
        if "on_screen" in minutes.columns
        else [""] * minutes.height
    )
    fig.add_scatter(
        x=x,
        y=minutes["online"].to_list(),
        mode="lines",
        name=t("online", lang),
        line={"color": COLORS["online"], "width": 2},
        row=1,
        col=1,
        customdata=screen,
        hovertemplate=_hover("online", lang),
    )
    if _has(minutes, "entries"):
        y = minutes["entries"].to_list()
        fig.add_bar(x=x, y=y, name=t("entries", lang), marker_color=COLORS["entries"], row=2, col=1)
    if _has(minutes, "exits"):
        fig.add_bar(
            x=x,
            y=(-minutes["exits"]).to_list(),
            name=t("exits", lang),
            marker_color=COLORS["exits"],
            customdata=minutes["exits"].to_list(),
            hovertemplate="%{customdata}<extra>" + t("exits", lang) + "</extra>",
            row=2,
            col=1,
        )
    if _has(minutes, "orders"):
        fig.add_bar(
            x=x,
            y=minutes["orders"].to_list(),
            name=t("orders", lang),
            marker_color=COLORS["orders"],
            row=3,
            col=1,
            customdata=screen,
            hovertemplate=_hover("orders", lang),
        )
    if _has(minutes, "gmv"):
        fig.add_scatter(
            x=x,
            y=minutes["gmv"].to_list(),
            mode="lines",
            name=t("gmv", lang),
            line={"color": COLORS["gmv"], "width": 1},
            row=3,
            col=1,
            secondary_y=True,
        )


def window_shape(event: dict[str, Any]) -> dict[str, Any]:
    """One event's shaded window spanning all rows (add_vrect per row is quadratic in plotly)."""
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": event["start_ts"],
        "x1": event["end_ts"],
        "y0": 0,
        "y1": 1,
        "fillcolor": COLORS.get(event["kind"], COLORS["other"]),
        "line": {"width": 0},
        "layer": "below",
    }


def add_run_sheet(fig: go.Figure, events: pl.DataFrame, ymax: float, lang: str) -> None:
    """The run sheet: shaded windows on every row, a legend entry per kind of window, and a strip
    of markers above the online chart whose hover says what each window was."""
    rows = list(events.iter_rows(named=True))
    fig.update_layout(shapes=[window_shape(r) for r in rows])
    kinds = set(events["kind"].to_list())
    for kind in (k for k in RUN_SHEET_KINDS if k in kinds):
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=f"{t('legend_runsheet', lang)}: {t(kind, lang)}",
            marker={
                "symbol": "square",
                "size": 12,
                "color": STRIP.get(kind, "#bbbbbb"),
                "opacity": 0.5,
            },
            hoverinfo="skip",
            row=1,
            col=1,
        )
    if rows:
        fig.add_scatter(
            x=[r["start_ts"] + (r["end_ts"] - r["start_ts"]) / 2 for r in rows],
            y=[ymax * 1.08] * len(rows),
            mode="markers",
            name=t("review.chart_runsheet", lang),
            marker={
                "symbol": "triangle-down",
                "size": 8,
                "color": [STRIP.get(r["kind"], "#888888") for r in rows],
            },
            hovertext=[_window_text(r, lang) for r in rows],
            hoverinfo="text",
            showlegend=False,
            row=1,
            col=1,
        )


def _window_text(event: dict[str, Any], lang: str) -> str:
    what = t(event["kind"], lang)
    detail = event["name"] or event["label"] or ""
    return f"{safe(what)}: {safe(detail)}" if detail else safe(what)


def add_extrema(fig: go.Figure, extrema: pl.DataFrame, lang: str) -> None:
    """Peaks and troughs of online viewers (row 1) and orders (row 3), with what was on screen."""
    for r in extrema.iter_rows(named=True):
        label = f"{t(r['kind'], lang)} {r['minute_ts']:%H:%M}"
        screen = r.get("on_screen")
        if screen and screen != "none":
            label += "<br>" + safe(screen_label(screen, lang), 24)
        fig.add_annotation(
            x=r["minute_ts"],
            y=r["value"],
            text=label,
            showarrow=True,
            arrowhead=2,
            ay=-35 if r["kind"] == "peak" else 35,
            font={"size": 10},
            row=1 if r["series"] == "online" else 3,
            col=1,
            bgcolor="rgba(255,255,255,0.8)",
        )
