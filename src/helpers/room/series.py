"""The room's KPIs per session or day, each against a trailing band of the units before it."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.present import sections
from helpers.room.units import KEYS, RoomUnits

TRAILING = 5  # units in the trailing window
MIN_TRAILING = 3  # fewer earlier units than this: no band (too little data)


@sections.section("room_history", needs=["units"])
def history(units: RoomUnits, keys: tuple[str, ...] = KEYS, window: int = TRAILING) -> pl.DataFrame:
    """Long frame: unit_id, start_ts, metric, value, band_mean, band_lo, band_hi, outside.

    The band is the mean ± one standard deviation of the previous ``window`` units that have the
    metric (the unit itself excluded); with fewer than :data:`MIN_TRAILING` of them it is null.
    """
    df = units.frame
    rows = []
    for key in keys:
        if key not in df.columns:
            continue
        s = df.select("unit_id", "start_ts", pl.col(key).cast(pl.Float64).alias("value"))
        prev = pl.col("value").shift(1)
        s = s.with_columns(
            prev.rolling_mean(window, min_samples=MIN_TRAILING).alias("band_mean"),
            prev.rolling_std(window, min_samples=MIN_TRAILING).alias("_sd"),
        ).with_columns(
            (pl.col("band_mean") - pl.col("_sd")).alias("band_lo"),
            (pl.col("band_mean") + pl.col("_sd")).alias("band_hi"),
            pl.lit(key).alias("metric"),
        )
        rows.append(s.drop("_sd"))
    out = pl.concat(rows) if rows else pl.DataFrame()
    if out.height:
        out = out.with_columns(
            ((pl.col("value") < pl.col("band_lo")) | (pl.col("value") > pl.col("band_hi")))
            .fill_null(False)
            .alias("outside")
        )
    return (
        out.select(
            "unit_id", "start_ts", "metric", "value", "band_mean", "band_lo", "band_hi", "outside"
        )
        if out.height
        else out
    )


def history_chart(
    hist: pl.DataFrame,
    lang: str = "zh",
    keys: tuple[str, ...] = ("gmv", "viewers", "conversion_rate", "uv_value"),
) -> Any:
    """Small multiples: each KPI per unit with its trailing band."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from helpers.present.i18n import t
    from helpers.present.labels import metric_header

    keys = tuple(k for k in keys if hist.filter(pl.col("metric") == k)["value"].is_not_null().any())
    fig = make_subplots(
        rows=max(len(keys), 1),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[metric_header(k, lang) for k in keys],
    )
    for i, key in enumerate(keys, start=1):
        h = hist.filter(pl.col("metric") == key)
        x = h["start_ts"].to_list()
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=h["band_hi"].to_list() + h["band_lo"].to_list()[::-1],
                fill="toself",
                line={"width": 0},
                fillcolor="rgba(91,155,213,0.18)",
                name=t("room_band", lang),
                showlegend=i == 1,
                hoverinfo="skip",
            ),
            row=i,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=h["value"].to_list(),
                mode="lines+markers",
                name=t("value", lang),
                line={"color": "#1f4e79"},
                showlegend=i == 1,
            ),
            row=i,
            col=1,
        )
    fig.update_layout(
        height=220 * max(len(keys), 1) + 80,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": 1.04, "x": 0},
    )
    fig.update_xaxes(title_text=t("room_date", lang), row=max(len(keys), 1), col=1)
    return fig
