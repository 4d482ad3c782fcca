"""Plotly figures of the session review, built from the aggregates :mod:`helpers.review` returns.

Every function takes small frames (minutes, groups, products, channels; never viewer rows) and a
language, and returns a ``go.Figure``. Data text (product names, comment text) goes through
:func:`safe` before it reaches a label or hover text, so a name like ``<img src=x onerror=...>`` is
shown as text, never parsed (plotly renders a subset of HTML tags in labels).
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from helpers.present.i18n import t
from helpers.present.labels import stage
from helpers.review import screen_label
from helpers.review.chart_style import COLORS, STRIP, layout, pct_axis, safe
from helpers.review.story_chart import minute_story_chart

__all__ = [
    "COLORS",
    "STRIP",
    "audience_chart",
    "explain_chart",
    "funnel_chart",
    "integrity_chart",
    "intents_chart",
    "leaving_chart",
    "minute_story_chart",
    "mix_chart",
    "products_chart",
    "retention_chart",
    "safe",
    "targets_chart",
    "traffic_chart",
]


def targets_chart(table: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Actual as a share of target (100% = met) with the 95% interval where known."""
    d = table.filter(
        pl.col("target").is_not_null() & pl.col("value").is_not_null() & (pl.col("target") != 0)
    )
    fig = go.Figure()
    if d.height:
        ratio = (d["value"] / d["target"]).to_list()
        lo = [
            (r["value"] - r["lo"]) / r["target"] if r["lo"] is not None else 0
            for r in d.iter_rows(named=True)
        ]
        hi = [
            (r["hi"] - r["value"]) / r["target"] if r["hi"] is not None else 0
            for r in d.iter_rows(named=True)
        ]
        names = [t(m, lang) for m in d["metric"]]
        colors = [
            COLORS["good"] if (f or "").startswith("met") else COLORS["bad"]
            for f in d["target_flag"]
        ]
        fig.add_bar(
            y=names,
            x=ratio,
            orientation="h",
            marker_color=colors,
            name=t("value", lang),
            error_x={"type": "data", "array": hi, "arrayminus": lo, "symmetric": False},
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
        )
        fig.add_vline(x=1.0, line_dash="dash", line_color="#444")
    fig.update_xaxes(tickformat=".0%", title=f"{t('value', lang)} / {t('target', lang)}")
    return layout(fig, t("sec_headline", lang), height=max(240, 60 + 45 * d.height))


def retention_chart(curves: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Survival curves: share still watching by minutes since entry; by channel (left) and new vs
    returning (right), the overall curve on both."""
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=(t("channel", lang), f"{t('new', lang)} / {t('returning', lang)}"),
    )
    allc = curves.filter(pl.col("group_kind") == "all")
    for col in (1, 2):
        fig.add_scatter(
            x=allc["minute"].to_list(),
            y=allc["survival"].to_list(),
            mode="lines",
            name=t("all", lang),
            line={"color": "#000", "dash": "dash"},
            showlegend=col == 1,
            row=1,
            col=col,
        )
    for kind, col in (("channel", 1), ("newret", 2)):
        part = curves.filter(pl.col("group_kind") == kind)
        for (g,), d in sorted(part.partition_by("group", as_dict=True).items()):
            name = t(g, lang) if kind == "newret" else safe(g)
            fig.add_scatter(
                x=d["minute"].to_list(),
                y=d["survival"].to_list(),
                mode="lines",
                name=name,
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text=t("minutes_since_entry", lang))
    pct_axis(fig, title_text=t("still_watching", lang), row=1, col=1)
    return layout(fig, t("sec_retention", lang), height=420)


def leaving_chart(leaving: pl.DataFrame, lang: str = "zh", top: int = 12) -> go.Figure:
    """Exits by what was on screen, observed / expected from time in the room (1 = as expected),
    with 95% intervals widened for clustering."""
    d = leaving.head(top).reverse()
    fig = go.Figure()
    per = t("unit.分钟", lang)
    if d.height:
        names = [safe(screen_label(s, lang), 30) for s in d["on_screen"]]
        colors = [COLORS["bad"] if (lo or 0) > 1 else "#7f7f7f" for lo in d["lo"].to_list()]
        fig.add_bar(
            y=names,
            x=d["obs_exp"].to_list(),
            orientation="h",
            marker_color=colors,
            customdata=list(zip(d["minutes"].to_list(), d["exit_rate"].to_list(), strict=True)),
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (d["hi"] - d["obs_exp"]).to_list(),
                "arrayminus": (d["obs_exp"] - d["lo"]).to_list(),
            },
            hovertemplate=f"%{{y}}<br>×%{{x:.2f}} · %{{customdata[0]}} {per} · "
            f"%{{customdata[1]:.2%}}/{per}<extra></extra>",
            name=t("exit_rate", lang),
        )
        fig.add_vline(x=1.0, line_dash="dash")
    fig.update_xaxes(title_text=t("exit_rate", lang))
    return layout(fig, t("on_screen", lang), height=max(300, 60 + 28 * d.height))


def funnel_chart(stages: pl.DataFrame, lang: str = "zh") -> go.Figure:
    fig = go.Figure(
        go.Funnel(
            y=[stage(s, lang) for s in stages["stage"]],
            x=stages["count"].to_list(),
            textinfo="value+percent initial+percent previous",
            marker={"color": COLORS["online"]},
        )
    )
    return layout(fig, t("sec_funnel", lang), height=380)


def products_chart(ranking: pl.DataFrame, lang: str = "zh", top: int = 15) -> go.Figure:
    """Top products by GMV (bars coloured by role), with exposure→click and click→order in the
    hover."""
    d = ranking.head(top).reverse()
    fig = go.Figure()
    if d.height:
        roles = d["role"].fill_null("?").to_list()
        fig.add_bar(
            y=[f"{r}. {safe(n, 22)}" for r, n in zip(d["rank"], d["name"], strict=True)],
            x=d["gmv"].to_list(),
            orientation="h",
            marker_color=[COLORS.get(r, "#999") for r in roles],
            customdata=[
                [t(r, lang), c or 0, o or 0, g or 0]
                for r, c, o, g in zip(
                    roles,
                    d["ctr"].to_list(),
                    d["click_to_order"].to_list(),
                    d["gpm"].to_list(),
                    strict=True,
                )
            ],
            hovertemplate="%{y}<br>%{customdata[0]} · GMV %{x:,.0f}<br>CTR %{customdata[1]:.1%} · "
            + t("review.chart_click_to_order", lang)
            + " %{customdata[2]:.1%} · GPM %{customdata[3]:,.0f}<extra></extra>",
            name=t("gmv", lang),
        )
    fig.update_xaxes(title_text=t("gmv", lang))
    return layout(fig, t("sec_products", lang), height=max(320, 60 + 26 * d.height))


def explain_chart(explain: pl.DataFrame, lang: str = "zh", top: int = 20) -> go.Figure:
    """Explanation effect per product: orders per minute during vs outside its 讲解 windows (log
    scale, 95% interval; 1 = no effect)."""
    # lifts marked unreliable (interval wider than 10×, or under 5 orders of base) are "too little
    # data": not drawn
    ok = pl.col("reliable") if "reliable" in explain.columns else pl.lit(True)
    d = (
        explain.filter(
            pl.col("ratio").is_not_null() & (pl.col("ratio") > 0) & pl.col("ratio").is_finite() & ok
        )
        .head(top)
        .reverse()
    )
    fig = go.Figure()
    if d.height:
        lo = [
            r - (lo_ if lo_ and lo_ > 0 else r) for r, lo_ in zip(d["ratio"], d["lo"], strict=True)
        ]
        hi = [
            (hi_ if hi_ and math.isfinite(hi_) else r) - r
            for r, hi_ in zip(d["ratio"], d["hi"], strict=True)
        ]
        fig.add_scatter(
            y=[safe(n or p, 24) for n, p in zip(d["name"], d["product_id"], strict=True)],
            x=d["ratio"].to_list(),
            mode="markers",
            marker={"size": 9, "color": COLORS["online"]},
            error_x={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
            customdata=list(zip(d["orders_in"].to_list(), d["orders_out"].to_list(), strict=True)),
            hovertemplate=f"%{{y}}: ×%{{x:.2f}}<br>{t('review.chart_in', lang)} %{{customdata[0]}}"
            f" · {t('review.chart_out', lang)} %{{customdata[1]}}<extra></extra>",
            name=t("rate_ratio", lang),
        )
        fig.add_vline(x=1.0, line_dash="dash")
    fig.update_xaxes(type="log", title_text=t("rate_ratio", lang))
    return layout(fig, t("explain", lang), height=max(300, 60 + 24 * d.height))


def mix_chart(mix: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Role mix: share of products and of GMV per role, against the 3:5:2 norm."""
    fig = go.Figure()
    roles = [t(r, lang) for r in mix["role"]]
    fig.add_bar(x=roles, y=mix["share_products"].to_list(), name=t("product", lang))
    fig.add_bar(x=roles, y=mix["share_gmv"].to_list(), name=t("gmv", lang))
    fig.add_scatter(
        x=roles,
        y=mix["norm"].to_list(),
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 30, "line": {"width": 3}},
        name=t("planned", lang),
    )
    pct_axis(fig, title_text=t("share", lang))
    return layout(fig, t("role", lang), height=340)


def traffic_chart(traffic: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Viewers per channel (bars, free vs paid) and conversion (buyers per viewer, or orders per
    viewer where the export gives channel orders only) with its 95% interval (points)."""
    d = traffic.filter(pl.col("level") == "channel")
    rate = "conversion" if "conversion" in d.columns else "order_rate"
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if d.height:
        names = [safe(c) for c in d["channel"]]
        fig.add_bar(
            x=names,
            y=d["viewers"].to_list(),
            name=t("viewers", lang),
            marker_color=[COLORS["bad"] if p else COLORS["viewers"] for p in d["paid"].to_list()],
        )
        conv = d[rate].to_list()
        up = [
            (h - c) if h is not None and c is not None else 0
            for h, c in zip(d["conv_hi"], conv, strict=True)
        ]
        down = [
            (c - lo) if lo is not None and c is not None else 0
            for lo, c in zip(d["conv_lo"], conv, strict=True)
        ]
        fig.add_scatter(
            x=names,
            y=conv,
            mode="markers",
            name=t(rate, lang),
            marker={"size": 10, "color": "#000"},
            error_y={"type": "data", "symmetric": False, "array": up, "arrayminus": down},
            secondary_y=True,
        )
    fig.update_yaxes(title_text=t("viewers", lang), secondary_y=False)
    fig.update_yaxes(title_text=t(rate, lang), tickformat=".0%", secondary_y=True, showgrid=False)
    return layout(fig, t("sec_traffic", lang), height=400)


def audience_chart(aud: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Share of viewers vs share of buyers per level, one panel per dimension."""
    dims = list(dict.fromkeys(aud["dimension"].to_list()))
    cols = 4
    rows = max(1, math.ceil(len(dims) / cols))
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=[t(d, lang) for d in dims], vertical_spacing=0.18
    )
    for i, dim in enumerate(dims):
        d = aud.filter(pl.col("dimension") == dim)
        r, c = i // cols + 1, i % cols + 1
        levels = [safe(x) for x in d["level"]]
        fig.add_bar(
            x=levels,
            y=d["viewer_share"].to_list(),
            name=t("viewers_share", lang),
            marker_color=COLORS["viewers"],
            showlegend=i == 0,
            row=r,
            col=c,
        )
        fig.add_bar(
            x=levels,
            y=d["buyer_share"].to_list(),
            name=t("buyers_share", lang),
            marker_color=COLORS["buyers"],
            showlegend=i == 0,
            row=r,
            col=c,
        )
    fig.update_yaxes(tickformat=".0%")
    return layout(fig, t("sec_audience", lang), height=300 * rows + 80)


def integrity_chart(per_minute: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Entries per minute split into near-zero-watch and other entrants; burst minutes marked."""
    fig = go.Figure()
    if per_minute.height:
        x = per_minute["minute_ts"].to_list()
        fig.add_bar(
            x=x,
            y=(per_minute["entries"] - per_minute["short_entries"]).to_list(),
            name=t("entries", lang),
            marker_color=COLORS["entries"],
        )
        fig.add_bar(
            x=x,
            y=per_minute["short_entries"].to_list(),
            name=t("short_watch_share", lang),
            marker_color=COLORS["bad"],
        )
        fig.add_scatter(
            x=x,
            y=per_minute["baseline"].to_list(),
            mode="lines",
            name=t("review.chart_baseline", lang),
            line={"color": "#444", "dash": "dot"},
        )
        b = per_minute.filter(pl.col("burst"))
        if b.height:
            fig.add_scatter(
                x=b["minute_ts"].to_list(),
                y=(b["entries"] * 1.05).to_list(),
                mode="markers",
                marker={"symbol": "x", "size": 11, "color": COLORS["bad"]},
                name=t("burst", lang),
            )
    fig.update_layout(barmode="stack", bargap=0)
    fig.update_yaxes(title_text=t("entries", lang))
    return layout(fig, t("sec_integrity", lang), height=360)


def intents_chart(intents: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Comments per minute by intent (stacked)."""
    fig = go.Figure()
    for (name,), d in sorted(intents.partition_by("intent", as_dict=True).items()):
        fig.add_scatter(
            x=d["minute_ts"].to_list(),
            y=d["comments"].to_list(),
            mode="lines",
            stackgroup="one",
            name=safe(name),
        )
    fig.update_yaxes(title_text=t("comments_per_min", lang))
    return layout(fig, t("sec_comments", lang), height=360)
