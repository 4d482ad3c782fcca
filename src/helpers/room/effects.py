"""Time slot, day of week and duration: what a show's timing does to its GMV.

With at least :data:`MIN_MODEL` units a regression of log GMV on slot, weekend and hours on air
(OLS with HC3 robust errors) gives each effect as a % change with its 95% interval; with fewer,
each group's mean GMV per hour with a t interval is shown instead, and no effect is claimed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats as st

from helpers.metrics.slots import SLOTS, slot_of
from helpers.present import sections
from helpers.room.units import RoomUnits

MIN_MODEL = 20


@dataclass
class Effects:
    """``groups``: descriptive per slot / weekday; ``model``: regression terms or empty."""

    groups: pl.DataFrame
    model: pl.DataFrame
    n: int
    method: str  # "ols_hc3" or "descriptive"


def _frame(units: RoomUnits) -> pl.DataFrame:
    df = units.frame.filter(pl.col("gmv").is_not_null() & (pl.col("gmv") > 0))
    return df.with_columns(
        slot_of(pl.col("hour")).alias("slot")
        if units.grain == "session"
        else pl.lit(None, pl.String).alias("slot"),
        (pl.col("weekday") >= 6).alias("weekend"),
        (pl.col("gmv") / pl.col("duration_h")).alias("gmv_per_hour"),
    )


def _describe(df: pl.DataFrame, by: str) -> pl.DataFrame:
    rows = []
    for (key,), part in df.filter(pl.col(by).is_not_null()).group_by([by], maintain_order=True):
        vals = part["gmv_per_hour"].drop_nulls().to_numpy()
        n = len(vals)
        mean = float(vals.mean()) if n else None
        half = float(st.t.ppf(0.975, n - 1) * vals.std(ddof=1) / math.sqrt(n)) if n >= 3 else None
        rows.append(
            {
                "dimension": by,
                "group": str(key),
                "units": n,
                "gmv_per_hour": mean,
                "lo": mean - half if mean is not None and half is not None else None,
                "hi": mean + half if mean is not None and half is not None else None,
            }
        )
    schema = {
        "dimension": pl.String,
        "group": pl.String,
        "units": pl.Int64,
        "gmv_per_hour": pl.Float64,
        "lo": pl.Float64,
        "hi": pl.Float64,
    }
    order = {key: i for i, (_, key) in enumerate(SLOTS)}
    return (
        pl.DataFrame(rows, schema=schema)
        .with_columns(pl.col("group").replace_strict(order, default=None).alias("_o"))
        .sort("dimension", "_o", "group", nulls_last=True)
        .drop("_o")
    )


def _model(df: pl.DataFrame, grain: str) -> pl.DataFrame:
    import statsmodels.formula.api as smf

    pdf = (
        df.select(
            np.log(pl.col("gmv")).alias("log_gmv"),
            "slot",
            pl.col("weekend").cast(pl.Int8),
            "duration_h",
        )
        .drop_nulls(["log_gmv", "duration_h"])
        .to_pandas()
    )
    terms = [
        c for c in ("weekend", "duration_h") if pdf[c].nunique() > 1
    ]  # a constant says nothing
    if grain == "session" and pdf["slot"].nunique() > 1:
        base = pdf["slot"].value_counts().sort_index().idxmax()
        terms.insert(0, f"C(slot, Treatment('{base}'))")
    fit = smf.ols("log_gmv ~ " + " + ".join(terms), data=pdf).fit(cov_type="HC3")
    ci = fit.conf_int()
    rows = []
    for name in fit.params.index:
        if name == "Intercept":
            continue
        b, (lo, hi) = fit.params[name], ci.loc[name]
        rows.append(
            {
                "term": _term_key(name),
                "effect": math.expm1(b),
                "lo": math.expm1(lo),
                "hi": math.expm1(hi),
                "p_value": float(fit.pvalues[name]),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "term": pl.String,
            "effect": pl.Float64,
            "lo": pl.Float64,
            "hi": pl.Float64,
            "p_value": pl.Float64,
        },
    )


def _term_key(name: str) -> str:
    """``C(slot, Treatment('evening'))[T.noon]`` → ``slot:noon``; plain names stay."""
    if name.startswith("C(slot"):
        return "slot:" + name.split("[T.", 1)[1].rstrip("]")
    return name


@sections.section("room_effects", needs=["units.gmv", "units.duration_min"])
def slot_effects(units: RoomUnits) -> Effects:
    """Descriptive GMV per hour by slot and weekday, and the regression when there are enough
    units."""
    df = _frame(units).with_columns(pl.col("weekday").cast(pl.String))
    groups = (
        pl.concat([_describe(df, "slot"), _describe(df, "weekday")])
        if df.height
        else _describe(df, "slot")
    )
    n = df.drop_nulls(["duration_h"]).height
    if n >= MIN_MODEL:
        return Effects(groups, _model(df, units.grain), n, "ols_hc3")
    return Effects(groups, pl.DataFrame(), n, "descriptive")
