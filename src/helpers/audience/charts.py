"""Charts of the audience-segments report: conversion per group, RFM shares and migration, and
engagement clusters (plotly, from small aggregated tables only)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from helpers.audience.rfm import segment_name
from helpers.present.i18n import t
from helpers.present.labels import value_label


def chart_text(key: str, lang: str) -> str:
    """An axis or title of the segment charts in the report language (``audience.chart_<key>``)."""
    return t(f"audience.chart_{key}", lang)


def group_chart(
    table: pd.DataFrame, by: str, lang: str = "zh", title: str | None = None
) -> go.Figure:
    """Conversion with its Wilson interval per group (a :func:`helpers.audience.group_table`)."""
    fig = go.Figure(
        go.Bar(
            x=[value_label(v, lang) for v in table[by]],
            y=table["conversion"],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": table["conversion_hi"] - table["conversion"],
                "arrayminus": table["conversion"] - table["conversion_lo"],
            },
            customdata=table[["viewers", "buyers"]],
            hovertemplate="%{x}: %{y:.2%} (%{customdata[1]:,}/%{customdata[0]:,})<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=".1%", title=chart_text("conv", lang))
    fig.update_layout(title=title or by)
    return fig


def rfm_chart(segments: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Share of buyers and share of GMV per RFM segment."""
    names = [segment_name(s, lang) for s in segments["segment"]]
    fig = go.Figure(
        [
            go.Bar(x=names, y=segments["buyer_share"], name=chart_text("buyers", lang)),
            go.Bar(x=names, y=segments["gmv_share"], name=chart_text("gmv", lang)),
        ]
    )
    fig.update_yaxes(tickformat=".0%", title=chart_text("share", lang))
    fig.update_layout(title=chart_text("rfm", lang), barmode="group")
    return fig


def migration_chart(migration: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Heat map of buyers moving between RFM segments (long table from ``rfm_migration``)."""
    wide = migration.pivot_table(
        index="from_segment",
        columns="to_segment",
        values="buyers",
        aggfunc="sum",
        fill_value=0,
        sort=False,
    )

    fig = go.Figure(
        go.Heatmap(
            z=wide.to_numpy(),
            x=[segment_name(c, lang) for c in wide.columns],
            y=[segment_name(i, lang) for i in wide.index],
            colorscale="Blues",
            texttemplate="%{z}",
        )
    )
    fig.update_layout(
        title=chart_text("mig", lang),
        xaxis_title=chart_text("to", lang),
        yaxis_title=chart_text("from", lang),
    )
    return fig


def cluster_chart(profiles: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Cluster size share vs conversion (with interval), labelled by the plain-words description."""
    fig = go.Figure(
        go.Scatter(
            x=profiles["share"],
            y=profiles["conversion"],
            mode="markers+text",
            text=[
                f"{c}: {d}"
                for c, d in zip(profiles["cluster"], profiles["description"], strict=True)
            ],
            textposition="top center",
            marker={"size": 12 + 40 * profiles["gmv_share"].fillna(0)},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": profiles["conversion_hi"] - profiles["conversion"],
                "arrayminus": profiles["conversion"] - profiles["conversion_lo"],
            },
        )
    )
    fig.update_xaxes(tickformat=".0%", title=chart_text("share", lang))
    fig.update_yaxes(tickformat=".1%", title=chart_text("conv", lang))
    fig.update_layout(title=chart_text("clusters", lang))
    return fig
