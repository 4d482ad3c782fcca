"""Charts of the segment and model reports (plotly, built from small aggregated tables only).

Every function returns a ``go.Figure``; none takes a viewer-level frame.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .models import CountResult, LogitResult
from .models.terms import term_label, value_label

_T = {
    "or": ("优势比（对数轴，95% 区间）", "odds ratio (log scale, 95% interval)"),
    "coef": ("购买的驱动因素", "What drives purchase"),
    "cal_x": ("预测购买概率", "predicted probability"),
    "cal_y": ("实际购买比例", "observed share buying"),
    "cal": ("校准（留出样本）", "Calibration (held-out viewers)"),
    "lift": ("每分钟下单强度的倍数（95% 区间）", "multiplier of the per-minute order rate (95% interval)"),
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


def _t(key: str, lang: str) -> str:
    zh, en = _T[key]
    return zh if lang == "zh" else en


def coefficient_chart(result: LogitResult, lang: str = "zh") -> go.Figure:
    """Odds ratios with 95% intervals, one row per term (intercept left out), log x axis."""
    t = result.table[result.table["term"] != "Intercept"].sort_values("odds_ratio")
    labels = [term_label(x, lang) for x in t["term"]]
    fig = go.Figure(go.Scatter(
        x=t["odds_ratio"], y=labels, mode="markers",
        error_x={"type": "data", "symmetric": False, "array": t["or_hi"] - t["odds_ratio"],
                 "arrayminus": t["odds_ratio"] - t["or_lo"]},
        hovertemplate="%{y}: OR %{x:.2f}<extra></extra>",
    ))
    fig.add_vline(x=1, line_dash="dot", line_color="grey")
    fig.update_xaxes(type="log", title=_t("or", lang))
    fig.update_layout(title=_t("coef", lang), height=max(320, 26 * len(t) + 120))
    return fig


def calibration_chart(result: LogitResult, lang: str = "zh") -> go.Figure:
    """Observed vs predicted purchase share per predicted-probability bin (held-out data)."""
    c = result.calibration
    top = float(max(c["predicted"].max(), c["observed"].max(), 0.01)) if len(c) else 1.0
    fig = go.Figure([
        go.Scatter(x=[0, top], y=[0, top], mode="lines", line={"dash": "dot", "color": "grey"},
                   showlegend=False, hoverinfo="skip"),
        go.Scatter(x=c["predicted"], y=c["observed"], mode="markers+lines", showlegend=False),
    ])
    fig.update_layout(title=f"{_t('cal', lang)} · AUC {result.auc:.3f}", xaxis_title=_t("cal_x", lang),
                      yaxis_title=_t("cal_y", lang))
    return fig


def lift_chart(result: CountResult, lang: str = "zh") -> go.Figure:
    """Event lifts (multiplicative) with 95% intervals."""
    t = result.lifts
    fig = go.Figure(go.Bar(
        x=[term_label(x, lang) for x in t["term"]], y=t["lift"],
        error_y={"type": "data", "symmetric": False, "array": t["hi"] - t["lift"],
                 "arrayminus": t["lift"] - t["lo"]},
    ))
    fig.add_hline(y=1, line_dash="dot", line_color="grey")
    fig.update_layout(title=f"{_t('lifts', lang)} ({result.family})", yaxis_title=_t("lift", lang))
    return fig


def group_chart(table: pd.DataFrame, by: str, lang: str = "zh", title: str | None = None) -> go.Figure:
    """Conversion with its Wilson interval per group (a :func:`helpers.segments.group_table`)."""
    fig = go.Figure(go.Bar(
        x=[value_label(v, lang) for v in table[by]], y=table["conversion"],
        error_y={"type": "data", "symmetric": False, "array": table["conversion_hi"] - table["conversion"],
                 "arrayminus": table["conversion"] - table["conversion_lo"]},
        customdata=table[["viewers", "buyers"]],
        hovertemplate="%{x}: %{y:.2%} (%{customdata[1]:,}/%{customdata[0]:,})<extra></extra>",
    ))
    fig.update_yaxes(tickformat=".1%", title=_t("conv", lang))
    fig.update_layout(title=title or by)
    return fig


def rfm_chart(segments: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Share of buyers and share of GMV per RFM segment."""
    names = segments["segment_zh"] if lang == "zh" else segments["segment"]
    fig = go.Figure([
        go.Bar(x=names, y=segments["buyer_share"], name=_t("buyers", lang)),
        go.Bar(x=names, y=segments["gmv_share"], name=_t("gmv", lang)),
    ])
    fig.update_yaxes(tickformat=".0%", title=_t("share", lang))
    fig.update_layout(title=_t("rfm", lang), barmode="group")
    return fig


def migration_chart(migration: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Heat map of buyers moving between RFM segments (long table from ``rfm_migration``)."""
    wide = migration.pivot_table(index="from_segment", columns="to_segment", values="buyers",
                                 aggfunc="sum", fill_value=0, sort=False)
    from .segments import RFM_ZH

    def name(seg: str) -> str:
        if seg == "none":
            return "此前未购买" if lang == "zh" else "no purchase before"
        return RFM_ZH.get(seg, seg) if lang == "zh" else seg.replace("_", " ")

    fig = go.Figure(go.Heatmap(z=wide.to_numpy(), x=[name(c) for c in wide.columns],
                               y=[name(i) for i in wide.index],
                               colorscale="Blues", texttemplate="%{z}"))
    fig.update_layout(title=_t("mig", lang), xaxis_title=_t("to", lang), yaxis_title=_t("from", lang))
    return fig


def cluster_chart(profiles: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Cluster size share vs conversion (with interval), labelled by the plain-words description."""
    fig = go.Figure(go.Scatter(
        x=profiles["share"], y=profiles["conversion"], mode="markers+text",
        text=[f"{c}: {d}" for c, d in zip(profiles["cluster"], profiles["description"], strict=True)],
        textposition="top center",
        marker={"size": 12 + 40 * profiles["gmv_share"].fillna(0)},
        error_y={"type": "data", "symmetric": False,
                 "array": profiles["conversion_hi"] - profiles["conversion"],
                 "arrayminus": profiles["conversion"] - profiles["conversion_lo"]},
    ))
    fig.update_xaxes(tickformat=".0%", title=_t("share", lang))
    fig.update_yaxes(tickformat=".1%", title=_t("conv", lang))
    fig.update_layout(title=_t("clusters", lang))
    return fig


def elasticity_chart(table: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Identified category elasticities with intervals (unidentified ones are left out)."""
    t = table[table["identified"]]
    fig = go.Figure(go.Scatter(
        x=t["elasticity"], y=t["category"], mode="markers",
        error_x={"type": "data", "symmetric": False, "array": t["hi"] - t["elasticity"],
                 "arrayminus": t["elasticity"] - t["lo"]},
    ))
    fig.add_vline(x=0, line_dash="dot", line_color="grey")
    fig.update_layout(title=_t("els", lang), xaxis_title=_t("el", lang))
    return fig


def ab_chart(ab: object, lang: str = "zh") -> go.Figure:
    """Conversion of the two arms of an :class:`helpers.experiments.ABResult` with Wilson intervals."""
    from .stats import wilson

    arms = [(ab.arm_a, ab.buyers_a, ab.n_a), (ab.arm_b, ab.buyers_b, ab.n_b)]  # type: ignore[attr-defined]
    ys, lo, hi = [], [], []
    for _, k, n in arms:
        p = k / n if n else float("nan")
        w = wilson(k, n)
        ys.append(p)
        lo.append(p - w[0])
        hi.append(w[1] - p)
    fig = go.Figure(go.Bar(x=[a[0] for a in arms], y=ys,
                           error_y={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo}))
    fig.update_yaxes(tickformat=".1%", title=_t("conv", lang))
    fig.update_layout(title=_t("ab", lang))
    return fig


def session_chart(model: object, lang: str = "zh") -> go.Figure:
    """Each session's conversion (buyers / viewers) with its Wilson interval, in start order."""
    per = model.per_session  # type: ignore[attr-defined]
    fig = go.Figure(go.Scatter(
        x=per["session_id"], y=per["conversion"], mode="markers",
        error_y={"type": "data", "symmetric": False, "array": per["hi"] - per["conversion"],
                 "arrayminus": per["conversion"] - per["lo"]},
    ))
    fig.update_yaxes(tickformat=".1%", title=_t("conv", lang))
    fig.update_layout(title=_t("sessions", lang))
    return fig
