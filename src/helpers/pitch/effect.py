"""Which pitch elements are followed by more orders than the host's baseline: a count model.

For each element, a Poisson GLM of orders per minute on the element's indicators at lags
0..``lags`` (heard in this minute, one minute before, ...) plus run-sheet controls (explanation,
lottery, coupon and flash-sale windows on air) and log online viewers when the trend has them.
Standard errors are scaled by Pearson's χ² (quasi-Poisson: orders per minute are overdispersed).
The rate ratio reported is exp(Σ lag coefficients): orders in the minutes following the element
against the minutes without it, with its 95% interval. Hosts say these words *because* the run
sheet moved on (a flash sale, a new link), so the controls take out the run sheet's own effect
only as far as it is recorded: the ratio is an association, not a causal effect.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from helpers.pitch.minutes import RUN_SHEET_KINDS
from helpers.pitch.rules import element_rules

LAGS = 2
MIN_MINUTES = 5  # an element heard in fewer minutes (or missing from fewer) is "too little data"
MAX_CI_RATIO = 10.0  # an interval wider than this (hi / lo) is "too little data"
EFFECT_COLUMNS = {
    "element": pl.String,
    "minutes_with": pl.Int64,
    "rate_ratio": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "p_value": pl.Float64,
    "status": pl.String,
}


def design(
    minutes: pl.DataFrame, element: str, lags: int = LAGS
) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Rows with orders, the lag columns of ``element`` and the control columns that vary."""
    heard = (pl.col(element) > 0).cast(pl.Float64)
    lag_cols = [f"{element}_lag{k}" for k in range(lags + 1)]
    df = minutes.sort("minute_ts").with_columns(
        [heard.shift(k).fill_null(0.0).alias(c) for k, c in enumerate(lag_cols)]
    )
    controls = [k for k in RUN_SHEET_KINDS if k in df.columns]
    df = df.with_columns(pl.col(controls).cast(pl.Float64))
    if "online" in df.columns and df["online"].null_count() == 0 and df.height:
        df = df.with_columns(pl.col("online").cast(pl.Float64).log1p().alias("log_online"))
        controls.append("log_online")
    df = df.filter(pl.col("orders").is_not_null())
    controls = [c for c in controls if df.height and df[c].n_unique() > 1]
    return df, lag_cols, controls


def fit_element(minutes: pl.DataFrame, element: str, lags: int = LAGS) -> dict:
    """Rate ratio of orders after ``element`` (Σ lags) with its interval, or ``too_little_data``."""
    import statsmodels.api as sm

    df, lag_cols, controls = design(minutes, element, lags)
    with_el = int((df[element] > 0).sum()) if df.height else 0
    row = {
        "element": element,
        "minutes_with": with_el,
        "rate_ratio": None,
        "lo": None,
        "hi": None,
        "p_value": None,
        "status": "too_little_data",
    }
    if with_el < MIN_MINUTES or df.height - with_el < MIN_MINUTES or df["orders"].sum() == 0:
        return row
    x = sm.add_constant(df.select(*lag_cols, *controls).to_numpy(), has_constant="add")
    y = df["orders"].to_numpy().astype(float)
    try:
        res = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    except Exception:  # perfect separation, singular design: the data cannot say
        return row
    w = np.zeros(x.shape[1])
    w[1 : 1 + len(lag_cols)] = 1.0
    est = float(w @ res.params)
    se = float(math.sqrt(max(w @ res.cov_params() @ w, 0.0)))
    if not (math.isfinite(est) and math.isfinite(se)) or se == 0:
        return row
    from scipy.stats import norm

    lo, hi = math.exp(est - 1.96 * se), math.exp(est + 1.96 * se)
    row |= {
        "rate_ratio": math.exp(est),
        "lo": lo,
        "hi": hi,
        "p_value": float(2 * norm.sf(abs(est / se))),
    }
    row["status"] = "too_little_data" if hi / lo > MAX_CI_RATIO else "ok"
    if row["status"] != "ok":
        row |= {"rate_ratio": None, "lo": None, "hi": None, "p_value": None}
    return row


def element_effects(minutes: pl.DataFrame, lags: int = LAGS) -> pl.DataFrame:
    """Per element: minutes_with, rate_ratio, lo, hi, p_value, status (ok / too_little_data)."""
    rows = [fit_element(minutes, k, lags) for k in element_rules().elements if k in minutes.columns]
    return pl.DataFrame(rows, schema=EFFECT_COLUMNS)
