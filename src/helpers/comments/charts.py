"""Charts of the comment analysis (plotly, from aggregated frames only)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from helpers.comments.intent import GROUPS, label
from helpers.comments.series import explain_windows
from helpers.present.i18n import t

GROUP_COLOURS = {
    "question": "#4C78A8",
    "purchase": "#54A24B",
    "praise": "#88D27A",
    "complaint": "#E45756",
    "interaction": "#B279A2",
    "spam": "#9D755D",
    "other": "#BAB0AC",
}
#: run-sheet moments marked with a dotted line on the minute chart, and their colour
MARKS = {"lottery": "#B279A2", "coupon": "#E45756", "flash_sale": "#E45756"}


def intent_mix_chart(mix: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Horizontal bars: comments per fine intent, coloured by group."""
    df = mix.sort("comments")
    fig = go.Figure(
        go.Bar(
            x=df["comments"].to_list(),
            y=[label(i, lang) for i in df["intent"].to_list()],
            orientation="h",
            marker_color=[GROUP_COLOURS.get(g, "#888") for g in df["intent_group"].to_list()],
            customdata=df["share"].to_list(),
            hovertemplate="%{y}: %{x} (%{customdata:.1%})<extra></extra>",
        )
    )
    fig.update_layout(
        title=t("comments.chart.mix_title", lang),
        xaxis_title=t("comments.chart.comments_axis", lang),
        height=max(300, 22 * df.height + 120),
        margin={"l": 140},
    )
    return fig


def _add_counts(fig: go.Figure, minutes: pl.DataFrame, lang: str) -> None:
    """Stacked bars of the intent groups heard, and orders as a line on the second axis."""
    x = minutes["minute_ts"].to_list()
    for g in GROUPS:
        if g in minutes.columns and minutes[g].sum() > 0:
            bar = go.Bar(
                x=x, y=minutes[g].to_list(), name=label(g, lang), marker_color=GROUP_COLOURS[g]
            )
            fig.add_trace(bar, row=1, col=1, secondary_y=False)
    if "orders" in minutes.columns:
        line = go.Scatter(
            x=x,
            y=minutes["orders"].to_list(),
            name=t("comments.chart.orders", lang),
            mode="lines",
            line={"color": "black", "width": 2},
        )
        fig.add_trace(line, row=1, col=1, secondary_y=True)


def _add_run_sheet(fig: go.Figure, events: pl.DataFrame | None) -> None:
    """Explanations shaded; lotteries, coupons and flash sales as dotted lines."""
    if events is None or events.is_empty():
        return
    for s, e in explain_windows(events).select("start_ts", "end_ts").iter_rows():
        fig.add_vrect(x0=s, x1=e, fillcolor="#4C78A8", opacity=0.08, line_width=0, row=1, col=1)
    marks = events.filter(pl.col("kind").is_in(list(MARKS)))
    for kind, s in marks.select("kind", "start_ts").iter_rows():
        fig.add_vline(x=s, line_dash="dot", line_color=MARKS[kind], row=1, col=1)


def _minute_axes(fig: go.Figure, lang: str) -> None:
    fig.update_layout(
        barmode="stack",
        bargap=0,
        title=t("comments.chart.minute_title", lang),
        height=560,
        legend={"orientation": "h", "y": -0.12},
    )
    comments, orders = t("comments.chart.comments", lang), t("comments.chart.orders", lang)
    fig.update_yaxes(title_text=comments, row=1, col=1, secondary_y=False)
    fig.update_yaxes(
        title_text=orders, row=1, col=1, secondary_y=True, rangemode="tozero", showgrid=False
    )
    fig.update_yaxes(rangemode="tozero", row=1, col=1, secondary_y=False)
    fig.update_yaxes(range=[0, 1], title_text=t("comments.chart.positive_axis", lang), row=2, col=1)


def minute_chart(
    minutes: pl.DataFrame, events: pl.DataFrame | None = None, lang: str = "zh"
) -> go.Figure:
    """Intent groups per minute (stacked bars), mean sentiment, and orders on a second axis;
    product explanations shaded, lotteries and coupons marked."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.7, 0.3],
        vertical_spacing=0.05,
        specs=[[{"secondary_y": True}], [{}]],
    )
    _add_counts(fig, minutes, lang)
    sentiment = go.Scatter(
        x=minutes["minute_ts"].to_list(),
        y=minutes["sentiment_smooth"].to_list(),
        name=t("comments.chart.sentiment", lang),
        mode="lines",
        line={"color": "#F58518"},
        connectgaps=True,
    )
    fig.add_trace(sentiment, row=2, col=1)
    _add_run_sheet(fig, events)
    _minute_axes(fig, lang)
    return fig


def explanation_chart(expl: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Question lift against order lift per product explanation (1 = the session's outside rate)."""
    df = expl.filter(pl.col("question_lift").is_not_null() & pl.col("order_lift").is_not_null())
    names = [
        f"{n or p}" for n, p in zip(df["name"].to_list(), df["product_id"].to_list(), strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=df["question_lift"].to_list(),
            y=df["order_lift"].to_list(),
            mode="markers",
            marker={
                "size": [6 + min(q, 60) / 3 for q in df["questions"].to_list()],
                "color": "#4C78A8",
                "opacity": 0.7,
            },
            text=names,
            customdata=[label(i, lang) for i in df["top_question"].to_list()],
            hovertemplate=t("comments.chart.expl_hover", lang),
        )
    )
    fig.add_hline(y=1, line_dash="dot", line_color="#888")
    fig.add_vline(x=1, line_dash="dot", line_color="#888")
    fig.update_layout(
        title=t("comments.chart.expl_title", lang),
        xaxis_title=t("comments.chart.expl_x", lang),
        yaxis_title=t("comments.chart.expl_y", lang),
        height=420,
    )
    return fig


def keyword_chart(trends: pl.DataFrame, by: str = "session_id", lang: str = "zh") -> go.Figure:
    """Heatmap of keywords (rows) per group (columns), per 1,000 comments."""
    wide = trends.pivot(
        on=by, index="keyword", values="per_1k", aggregate_function="first", sort_columns=True
    )
    order = (
        trends.group_by("keyword")
        .agg(pl.col("count").sum())
        .sort(["count", "keyword"], descending=[True, False])
    )
    wide = order.select("keyword").join(wide, on="keyword", how="left")
    cols = [c for c in wide.columns if c != "keyword"]
    fig = go.Figure(
        go.Heatmap(
            z=wide.select(cols).to_numpy(),
            x=cols,
            y=wide["keyword"].to_list(),
            colorscale="Blues",
            colorbar={"title": "‰"},
        )
    )
    fig.update_layout(
        title=t("comments.chart.keywords_title", lang),
        yaxis={"autorange": "reversed"},
        height=max(320, 20 * wide.height + 140),
    )
    return fig
