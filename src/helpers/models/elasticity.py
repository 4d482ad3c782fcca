"""Price elasticity per category across sessions, refused when prices did not vary enough."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import polars as pl

#: Minimum relative price spread (max/min − 1) within a product for it to inform an elasticity.
MIN_PRICE_SPREAD = 0.03
MIN_OBS = 6
#: Widest 95% interval of an elasticity the report still shows as an estimate.
MAX_ELASTICITY_WIDTH = 2.5


_PUSH_SCHEMA = {
    "session_id": pl.String,
    "product_id": pl.String,
    "explain_share": pl.Float64,
    "flash": pl.Float64,
}


def _pushes(events: pl.DataFrame | None, sessions: pl.DataFrame | None) -> pl.DataFrame:
    """Per session and product, from the run sheet: the share of the session the product was
    explained and whether it had a flash sale (empty without timed, product-level events)."""
    if (
        events is None
        or sessions is None
        or not events.height
        or not {"end_ts", "product_id"} <= set(events.columns)
    ):
        return pl.DataFrame(schema=_PUSH_SCHEMA)
    seconds = (pl.col("end_ts") - pl.col("start_ts")).dt.total_seconds().cast(pl.Float64)
    dur = sessions.select("session_id", seconds.alias("dur"))
    e = events.filter(
        pl.col("product_id").is_not_null() & pl.col("end_ts").is_not_null()
    ).with_columns(seconds.alias("len"))
    return (
        e.group_by("session_id", "product_id")
        .agg(
            pl.col("len").filter(pl.col("kind") == "explain").sum().alias("explained"),
            (pl.col("kind") == "flash_sale").any().cast(pl.Float64).alias("flash"),
        )
        .join(dur, on="session_id")
        .with_columns((pl.col("explained") / pl.col("dur")).alias("explain_share"))
        .select("session_id", "product_id", "explain_share", "flash")
    )


def price_observations(
    products: pl.DataFrame, events: pl.DataFrame | None = None, sessions: pl.DataFrame | None = None
) -> pd.DataFrame:
    """Product × session rows: category, price, units (orders when units are absent) and, from the
    run sheet, the share of the session the product was explained (``explain_share``) and whether
    it had a flash sale (``flash``): the two run-sheet pushes that move sales besides price."""
    cols = ["session_id", "product_id", "category", "price", "units", "explain_share", "flash"]
    filled = [
        c
        for c in ("units", "orders")
        if c in products.columns and products[c].null_count() < products.height
    ]
    if not {"session_id", "product_id", "price"} <= set(products.columns) or not filled:
        return pd.DataFrame(columns=cols)
    category = pl.col("category") if "category" in products.columns else pl.lit("all")
    p = products.select(
        "session_id",
        "product_id",
        category.fill_null("all").alias("category"),
        pl.col("price"),
        pl.col(filled[0]).cast(pl.Float64).alias("units"),
    ).filter(pl.col("price") > 0)
    p = p.join(_pushes(events, sessions), on=["session_id", "product_id"], how="left")
    p = p.with_columns(pl.col("explain_share").fill_null(0.0), pl.col("flash").fill_null(0.0))
    return p.select(cols).sort("category", "product_id", "session_id").to_pandas()


def _refusal(
    g: pd.DataFrame, varied: pd.Index, min_spread: float, min_obs: int, min_units: int
) -> tuple[str, dict] | None:
    """Why a category's prices cannot identify an elasticity, as (label key, values); None when
    they can."""
    if len(varied) == 0:
        return "el_no_variation", {"spread": min_spread}
    if len(g) < min_obs:
        return "el_few_obs", {"n": len(g), "min": min_obs}
    if g["units"].sum() < min_units:
        return "el_few_units", {"min": min_units}
    return None


def _fit_log_price(gv: pd.DataFrame, alpha: float) -> tuple[float, float, float, float]:
    """Coefficient of log(price), its interval and p-value in the fixed-effects Poisson GLM."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    gv = gv.assign(log_price=np.log(gv["price"]))
    rhs = ["log_price"]
    rhs += [c for c in ("explain_share", "flash") if c in gv.columns and gv[c].nunique() > 1]
    if gv["product_id"].nunique() > 1:
        rhs.append("C(product_id)")
    if gv["session_id"].nunique() > 1:
        rhs.append("C(session_id)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = smf.glm("units ~ " + " + ".join(rhs), gv, family=sm.families.Poisson()).fit(
            scale="X2"
        )
    lo, hi = (float(x) for x in res.conf_int(alpha).loc["log_price"])
    return float(res.params["log_price"]), lo, hi, float(res.pvalues["log_price"])


def elasticity_verdict(
    b: float, lo: float, hi: float, max_width: float = MAX_ELASTICITY_WIDTH
) -> tuple[str, dict] | None:
    """Why an estimated elasticity ``b`` (interval ``lo``–``hi``) is not identified, as (label
    key, values); None when it is.

    Demand falls as the price rises, so an elasticity is negative: a positive estimate (sales rise
    with the price: the price moved with something else that sold, e.g. a better slot) and an
    interval that includes zero (no detectable price response) are not identified, nor is an
    interval wider than ``max_width``.
    """
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(b)):
        return "el_not_separable", {}
    if hi - lo > max_width:
        return "el_too_wide", {"lo": lo, "hi": hi, "width": max_width}
    if b > 0:
        return "el_wrong_sign", {"b": b}
    if hi >= 0:
        return "el_includes_zero", {"lo": lo, "hi": hi}
    return None


def reason_text(verdict: tuple[str, dict] | None, lang: str = "en") -> str:
    """A refusal in words ('' when identified)."""
    from helpers.present.i18n import t

    return "" if verdict is None else t(verdict[0], lang).format(**verdict[1])


def judge_elasticity(
    b: float, lo: float, hi: float, max_width: float = MAX_ELASTICITY_WIDTH
) -> str:
    """:func:`elasticity_verdict` in English words ('' when identified)."""
    return reason_text(elasticity_verdict(b, lo, hi, max_width))


ELASTICITY_COLUMNS = [
    "category",
    "identified",
    "elasticity",
    "lo",
    "hi",
    "p",
    "n_obs",
    "n_products",
    "price_spread",
    "reason",
    "verdict",
]


def price_elasticity(
    obs: pd.DataFrame,
    *,
    alpha: float = 0.05,
    min_spread: float = MIN_PRICE_SPREAD,
    min_obs: int = MIN_OBS,
    min_units: int = 20,
    max_width: float = MAX_ELASTICITY_WIDTH,
) -> pd.DataFrame:
    """Log-log price elasticity per category from product × session observations.

    Within each category: Poisson regression (quasi-likelihood, Pearson-scaled standard errors) of
    units on log(price) with product fixed effects (each product's appeal), session fixed effects
    (each session's audience and its spending on the category) and the run-sheet pushes
    (``explain_share``, ``flash``). The elasticity is the coefficient of log(price): the % change
    in units for a 1% higher price, negative when sales fall as the price rises. It is identified
    only by products whose price varied across sessions by at least ``min_spread``, and reported
    only when :func:`judge_elasticity` accepts it (negative, interval excluding zero and narrower
    than ``max_width``); otherwise ``identified = False`` with the reason (the interval is kept
    for transparency, the estimate is not); ``reason`` in English, ``verdict`` the same as
    (catalogue key, values) for :func:`reason_text` in another language.
    """
    rows = []
    for cat, g in obs.groupby("category", sort=True):
        g = g[g["units"].notna()]
        spread = g.groupby("product_id")["price"].agg(lambda s: s.max() / s.min() - 1)
        varied = spread[spread >= min_spread].index
        gv = g[g["product_id"].isin(varied)].copy()
        base = {
            "category": cat,
            "n_obs": len(gv),
            "n_products": len(varied),
            "price_spread": float(spread.max()) if len(spread) else math.nan,
        }
        verdict = _refusal(gv, varied, min_spread, min_obs, min_units)
        b = lo = hi = p = math.nan
        if verdict is None:
            b, lo, hi, p = _fit_log_price(gv, alpha)
            verdict = elasticity_verdict(b, lo, hi, max_width)
        ok = verdict is None
        rows.append(
            {
                **base,
                "identified": ok,
                "elasticity": b if ok else math.nan,
                "lo": lo,
                "hi": hi,
                "p": p,
                "reason": reason_text(verdict, "en"),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows, columns=ELASTICITY_COLUMNS)
