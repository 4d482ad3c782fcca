"""Charts of the segment and model reports (plotly, built from small aggregated tables only).

Every function returns a ``go.Figure``; none takes a viewer-level frame.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from helpers.models import CountResult, LogitResult
from helpers.models.experiments import ABResult
from helpers.models.sessions import SessionModel
from helpers.models.terms import term_label
from helpers.present.i18n import t


def chart_text(key: str, lang: str) -> str:
    """An axis or title of the model charts in the report language (``models.chart_<key>``)."""
    return t(f"models.chart_{key}", lang)


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


def ab_chart(ab: ABResult, lang: str = "zh") -> go.Figure:
    """Conversion of the two arms of an :class:`helpers.models.experiments.ABResult` with Wilson
    intervals."""
    from helpers.metrics.stats import wilson

    arms = [(ab.arm_a, ab.buyers_a, ab.n_a), (ab.arm_b, ab.buyers_b, ab.n_b)]
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


def session_chart(model: SessionModel, lang: str = "zh") -> go.Figure:
    """Each session's conversion (buyers / viewers) with its Wilson interval, in start order."""
    per = model.per_session
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
