"""Charts of the comment analysis (plotly, from aggregated frames only)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from helpers.comments.analysis import explain_windows
from helpers.comments.intent import GROUPS, label

GROUP_COLOURS = {
    "question": "#4C78A8",
    "purchase": "#54A24B",
    "praise": "#88D27A",
    "complaint": "#E45756",
    "interaction": "#B279A2",
    "spam": "#9D755D",
    "other": "#BAB0AC",
}


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
        title="弹幕意图分布" if lang == "zh" else "Comments by intent",
        xaxis_title="条数" if lang == "zh" else "comments",
        height=max(300, 22 * df.height + 120),
        margin={"l": 140},
    )
    return fig


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
    x = minutes["minute_ts"].to_list()
    for g in GROUPS:
        if g in minutes.columns and minutes[g].sum() > 0:
            fig.add_trace(
                go.Bar(
                    x=x, y=minutes[g].to_list(), name=label(g, lang), marker_color=GROUP_COLOURS[g]
                ),
                row=1,
                col=1,
                secondary_y=False,
            )
    if "orders" in minutes.columns:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=minutes["orders"].to_list(),
                name="订单" if lang == "zh" else "orders",
                mode="lines",
                line={"color": "black", "width": 2},
            ),
            row=1,
            col=1,
            secondary_y=True,
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=minutes["sentiment_smooth"].to_list(),
            name="情感(正向概率,5分钟)" if lang == "zh" else "sentiment (P positive, 5 min)",
            mode="lines",
            line={"color": "#F58518"},
            connectgaps=True,
        ),
        row=2,
        col=1,
    )
    if events is not None and not events.is_empty():
        for s, e in explain_windows(events).select("start_ts", "end_ts").iter_rows():
            fig.add_vrect(x0=s, x1=e, fillcolor="#4C78A8", opacity=0.08, line_width=0, row=1, col=1)
        marks = events.filter(pl.col("kind").is_in(["lottery", "coupon", "flash_sale"]))
        for kind, s in marks.select("kind", "start_ts").iter_rows():
            fig.add_vline(
                x=s,
                line_dash="dot",
                line_color="#B279A2" if kind == "lottery" else "#E45756",
                row=1,
                col=1,
            )
    fig.update_layout(
        barmode="stack",
        bargap=0,
        title="每分钟弹幕意图、情感与订单(阴影=讲解)"
        if lang == "zh"
        else "Comments per minute by intent, sentiment and orders (shaded: explanations)",
        height=560,
        legend={"orientation": "h", "y": -0.12},
    )
    fig.update_yaxes(
        title_text="弹幕" if lang == "zh" else "comments", row=1, col=1, secondary_y=False
    )
    fig.update_yaxes(
        title_text="订单" if lang == "zh" else "orders",
        row=1,
        col=1,
        secondary_y=True,
        rangemode="tozero",
        showgrid=False,
    )
    fig.update_yaxes(rangemode="tozero", row=1, col=1, secondary_y=False)
    fig.update_yaxes(
        range=[0, 1], title_text="P(正向)" if lang == "zh" else "P(positive)", row=2, col=1
    )
    return fig


def explanation_chart(expl: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Question lift against order lift per product explanation (1 = the session's outside rate)."""
    df = expl.filter(pl.col("question_lift").is_not_null() & pl.col("order_lift").is_not_null())
    labels = [
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
            text=labels,
            customdata=df["top_question"].to_list(),
            hovertemplate="%{text}<br>questions ×%{x}<br>orders ×%{y}<br>top: %{customdata}<extra></extra>",
        )
    )
    fig.add_hline(y=1, line_dash="dot", line_color="#888")
    fig.add_vline(x=1, line_dash="dot", line_color="#888")
    fig.update_layout(
        title="讲解期间:提问增幅 vs 订单增幅"
        if lang == "zh"
        else "During explanations: question lift vs order lift",
        xaxis_title="提问/分钟 ÷ 非讲解时段"
        if lang == "zh"
        else "questions/min ÷ outside explanations",
        yaxis_title="订单/分钟 ÷ 非讲解时段"
        if lang == "zh"
        else "orders/min ÷ outside explanations",
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
        title="关键词趋势(每千条弹幕)" if lang == "zh" else "Keywords per 1,000 comments",
        yaxis={"autorange": "reversed"},
        height=max(320, 20 * wide.height + 140),
    )
    return fig
