"""Charts of the segment and model reports (plotly, built from small aggregated tables only).

Every function returns a ``go.Figure``; none takes a viewer-level frame.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from helpers.models import CountResult, LogitResult
from helpers.models.terms import term_label

_T = {
    "or": ("优势比（对数轴，95% 区间）", "odds ratio (log scale, 95% interval)"),
    "coef": ("购买的驱动因素", "What drives purchase"),
    "cal_x": ("预测购买概率", "predicted probability"),
    "cal_y": ("实际购买比例", "observed share buying"),
    "cal": ("校准（留出样本）", "Calibration (held-out viewers)"),
    "lift": (
        "每分钟下单强度的倍数（95% 区间）",
        "multiplier of the per-minute order rate (95% interval)",
    ),
    "lifts": ("运营动作的提升", "Lift of run-sheet events"),
    "conv": ("转化率（95% 区间）", "conversion (95% interval)"),
    "share": ("占比", "share"),
    "buyers": ("买家占比", "share of buyers"),
    "gmv": ("GMV 占比", "share of GMV"),
    "rfm": ("RFM 分层", "RFM segments"),
    "mig": ("RFM 分层迁移（买家数）", "RFM migration (buyers)"),
    "from": ("起始分层", "from"),
    "to": ("结束分层", "to"),
    "clusters": ("互动分群", "Engagement clusters"),
    "el": ("价格弹性（95% 区间）", "price elasticity (95% interval)"),
    "els": ("各品类价格弹性", "Price elasticity by category"),
    "ab": ("A/B 转化率（95% 区间）", "A/B conversion (95% interval)"),
    "sessions": ("各场次转化率（95% 区间）", "Conversion per session (95% interval)"),
}


def chart_text(key: str, lang: str) -> str:
    """An axis or title of the segment and model charts in the report language."""
    zh, en = _T[key]
    return zh if lang == "zh" else en


def coefficient_chart(result: LogitResult, lang: str = "zh") -> go.Figure:
    """Odds ratios with 95% intervals, one row per term (intercept left out), log x axis."""
    t = result.table[result.table["term"] != "Intercept"].sort_values("odds_ratio")
    labels = [term_label(x, lang) for x in t["term"]]
    fig = go.Figure(
        go.Scatter(
            x=t["odds_ratio"],
            y=labels,
            mode="markers",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": t["or_hi"] - t["odds_ratio"],
                "arrayminus": t["odds_ratio"] - t["or_lo"],
            },
            hovertemplate="%{y}: OR %{x:.2f}<extra></extra>",
        )
    )
    fig.add_vline(x=1, line_dash="dot", line_color="grey")
    fig.update_xaxes(type="log", title=chart_text("or", lang))
    fig.update_layout(title=chart_text("coef", lang), height=max(320, 26 * len(t) + 120))
    return fig


def calibration_chart(result: LogitResult, lang: str = "zh") -> go.Figure:
    """Observed vs predicted purchase share per predicted-probability bin (held-out data)."""
    c = result.calibration
    top = float(max(c["predicted"].max(), c["observed"].max(), 0.01)) if len(c) else 1.0
    fig = go.Figure(
        [
            go.Scatter(
                x=[0, top],
                y=[0, top],
                mode="lines",
                line={"dash": "dot", "color": "grey"},
                showlegend=False,
                hoverinfo="skip",
            ),
            go.Scatter(x=c["predicted"], y=c["observed"], mode="markers+lines", showlegend=False),
        ]
    )
    fig.update_layout(
        title=f"{chart_text('cal', lang)} · AUC {result.auc:.3f}",
        xaxis_title=chart_text("cal_x", lang),
        yaxis_title=chart_text("cal_y", lang),
    )
    return fig


def lift_chart(result: CountResult, lang: str = "zh") -> go.Figure:
    """Event lifts (multiplicative) with 95% intervals."""
    t = result.lifts
    fig = go.Figure(
        go.Bar(
            x=[term_label(x, lang) for x in t["term"]],
            y=t["lift"],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": t["hi"] - t["lift"],
                "arrayminus": t["lift"] - t["lo"],
            },
        )
    )
    fig.add_hline(y=1, line_dash="dot", line_color="grey")
    fig.update_layout(
        title=f"{chart_text('lifts', lang)} ({result.family})", yaxis_title=chart_text("lift", lang)
    )
    return fig


def elasticity_chart(table: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Identified category elasticities with intervals (unidentified ones are left out)."""
    t = table[table["identified"]]
    fig = go.Figure(
        go.Scatter(
            x=t["elasticity"],
            y=t["category"],
            mode="markers",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": t["hi"] - t["elasticity"],
                "arrayminus": t["elasticity"] - t["lo"],
            },
        )
    )
    fig.add_vline(x=0, line_dash="dot", line_color="grey")
    fig.update_layout(title=chart_text("els", lang), xaxis_title=chart_text("el", lang))
    return fig


def ab_chart(ab: object, lang: str = "zh") -> go.Figure:
    """Conversion of the two arms of an :class:`helpers.models.experiments.ABResult` with Wilson intervals."""
    from helpers.metrics.stats import wilson

    arms = [(ab.arm_a, ab.buyers_a, ab.n_a), (ab.arm_b, ab.buyers_b, ab.n_b)]  # type: ignore[attr-defined]
    ys, lo, hi = [], [], []
    for _, k, n in arms:
        p = k / n if n else float("nan")
        w = wilson(k, n)
        ys.append(p)
        lo.append(p - w[0])
        hi.append(w[1] - p)
    fig = go.Figure(
        go.Bar(
            x=[a[0] for a in arms],
            y=ys,
            error_y={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
        )
    )
    fig.update_yaxes(tickformat=".1%", title=chart_text("conv", lang))
    fig.update_layout(title=chart_text("ab", lang))
    return fig


def session_chart(model: object, lang: str = "zh") -> go.Figure:
    """Each session's conversion (buyers / viewers) with its Wilson interval, in start order."""
    per = model.per_session  # type: ignore[attr-defined]
    fig = go.Figure(
        go.Scatter(
            x=per["session_id"],
            y=per["conversion"],
            mode="markers",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": per["hi"] - per["conversion"],
                "arrayminus": per["conversion"] - per["lo"],
            },
        )
    )
    fig.update_yaxes(tickformat=".1%", title=chart_text("conv", lang))
    fig.update_layout(title=chart_text("sessions", lang))
    return fig
