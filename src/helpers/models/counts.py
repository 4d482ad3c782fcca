"""Count models: orders per minute on run-sheet events, and the timing of buyers' orders."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
import polars as pl

from helpers.models.design import _q, _r

#: A lottery without an end time is taken to act for this many minutes from its start.
LOTTERY_WINDOW_MIN = 5
#: Run-sheet events whose lift on the order rate the count models estimate.
EVENT_KINDS = ("explain", "lottery", "coupon", "flash_sale")


def _windows(
    events: pl.DataFrame, s: pl.DataFrame, ts_type: pl.DataType, lottery_window_min: int
) -> pl.DataFrame:
    """The run sheet's modelled events with an end for each: its own, else a lottery's window,
    a coupon's session end, or one minute."""
    ev = events.filter(pl.col("kind").is_in(list(EVENT_KINDS)))
    if "end_ts" not in ev.columns:
        ev = ev.with_columns(pl.lit(None, dtype=ts_type).alias("end_ts"))
    if "product_id" not in ev.columns:
        ev = ev.with_columns(pl.lit(None, dtype=pl.String).alias("product_id"))
    return ev.join(s, on="session_id", how="left").with_columns(
        pl.when(pl.col("end_ts").is_not_null())
        .then(pl.col("end_ts"))
        .when(pl.col("kind") == "lottery")
        .then(pl.col("start_ts") + pl.duration(minutes=lottery_window_min))
        .when(pl.col("kind") == "coupon")
        .then(pl.col("s_end"))
        .otherwise(pl.col("start_ts") + pl.duration(minutes=1))
        .alias("end_ts")
    )


def _indicators(ev: pl.DataFrame, per_product: bool) -> list[tuple[str, pl.Expr]]:
    """(column, which events) of each indicator: one per event kind, and per explained product."""
    groups: list[tuple[str, pl.Expr]] = [(k, pl.col("kind") == k) for k in EVENT_KINDS]
    if not per_product:
        return groups
    explained = ev.filter((pl.col("kind") == "explain") & pl.col("product_id").is_not_null())
    return groups + [
        (f"explain_{p}", (pl.col("kind") == "explain") & (pl.col("product_id") == p))
        for p in sorted(explained["product_id"].unique().to_list())
    ]


def _inside(t: pl.DataFrame, win: pl.DataFrame, name: str) -> pl.DataFrame:
    """The (session, minute) keys of ``t`` whose start lies in a window [w0, w1), flagged 1."""
    return (
        t.select("session_id", "minute_ts")
        .join(win, on="session_id", how="inner")
        .filter((pl.col("minute_ts") >= pl.col("w0")) & (pl.col("minute_ts") < pl.col("w1")))
        .select("session_id", "minute_ts")
        .unique()
        .with_columns(pl.lit(1.0).alias(name))
    )


def minute_design(
    trend: pl.DataFrame,
    events: pl.DataFrame,
    sessions: pl.DataFrame,
    *,
    lottery_window_min: int = LOTTERY_WINDOW_MIN,
    per_product: bool = False,
) -> pd.DataFrame:
    """Session × minute frame: orders, online (exposure), minutes since start and event indicators.

    Indicators: ``explain`` (any product being explained), ``lottery`` (start to end, or
    ``lottery_window_min`` minutes when the run sheet has no end), ``coupon`` (start to end, or to
    the end of the session when open), ``flash_sale`` (start to end, else one minute). With
    ``per_product`` also ``explain_<product_id>``. A minute is inside a window when its start lies
    in [start, end).
    """
    t = trend.select("session_id", "minute_ts", "online", "orders").filter(pl.col("online") > 0)
    s = sessions.select(
        "session_id", pl.col("start_ts").alias("s_start"), pl.col("end_ts").alias("s_end")
    )
    t = t.join(s, on="session_id", how="left").with_columns(
        ((pl.col("minute_ts") - pl.col("s_start")).dt.total_seconds() / 60).alias("minute")
    )
    ev = _windows(events, s, t.schema["minute_ts"], lottery_window_min)
    out = t
    for name, cond in _indicators(ev, per_product):
        win = ev.filter(cond).select(
            "session_id", pl.col("start_ts").alias("w0"), pl.col("end_ts").alias("w1")
        )
        out = out.join(_inside(t, win, name), on=["session_id", "minute_ts"], how="left")
        out = out.with_columns(pl.col(name).fill_null(0.0))
    return out.drop("s_start", "s_end").sort("session_id", "minute_ts").to_pandas()


@dataclass
class CountResult:
    """A fitted minute-level count model (see :func:`fit_counts`)."""

    family: str  # "poisson" or "negative_binomial"
    formula: str
    n_minutes: int
    dispersion_ratio: float  # Pearson chi2 / df of the Poisson fit
    dispersion_p: float  # p-value of the dispersion test (H0: equidispersion)
    alpha_nb: float  # NB2 dispersion parameter (nan for Poisson)
    lifts: pd.DataFrame  # term, lift, lo, hi, p
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    result: Any = None

    def lift(self, term: str) -> dict[str, Any]:
        row = self.lifts.loc[self.lifts["term"] == term]
        if row.empty:
            raise KeyError(f"no lift {term!r}; terms: {', '.join(self.lifts['term'])}")
        return cast(dict[str, Any], row.iloc[0].to_dict())

    def summary(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "formula": self.formula,
            "n_minutes": self.n_minutes,
            "dispersion_ratio": _r(self.dispersion_ratio),
            "dispersion_p": _r(self.dispersion_p),
            "alpha_nb": _r(self.alpha_nb),
            "lifts": {
                r["term"]: {k: _r(r[k]) for k in ("lift", "lo", "hi", "p")}
                for r in self.lifts.to_dict("records")
            },
            "dropped": self.dropped,
            "notes": self.notes,
        }


def _count_formula(d: pd.DataFrame, ev: list[str], time_df: int) -> str:
    """Orders on the events, a centred spline of minutes since start when there are enough
    distinct minutes, and session effects when there are several sessions."""
    rhs = [_q(e) for e in ev]
    if d["minute"].nunique() > time_df + 2:
        rhs.append(f"cr(minute, df={time_df}, constraints='center')")
    if d["session_id"].nunique() > 1:
        rhs.append("C(session_id)")
    return "orders ~ " + (" + ".join(rhs) if rhs else "1")


def _dispersion(
    pois: Any, yv: np.ndarray, X: pd.DataFrame, offset: np.ndarray
) -> tuple[float, float, list[str]]:
    """Pearson chi2 / df of the Poisson fit, the p-value of statsmodels' first dispersion test
    (Dean's) and, when the diagnostic fails, a note instead (p nan)."""
    mu = pois.predict(X, offset=offset)
    df_resid = max(1.0, len(yv) - X.shape[1])
    ratio = float(((yv - mu) ** 2 / mu).sum() / df_resid)
    try:
        disp = pois.get_diagnostic().test_dispersion()
        pvals = np.atleast_1d(np.asarray(disp.pvalue, dtype=float))
        return ratio, float(pvals[0]), []
    except Exception as exc:  # pragma: no cover - diagnostic failure
        return ratio, math.nan, [f"dispersion test unavailable: {exc}"]


def _lifts(res: Any, ev: list[str], alpha: float) -> pd.DataFrame:
    """exp(coefficient) of each event with its Wald interval and p-value."""
    ci = res.conf_int(alpha)
    rows = []
    for e in ev:
        term = _q(e)
        rows.append(
            {
                "term": e,
                "lift": math.exp(float(res.params[term])),
                "lo": math.exp(float(ci.loc[term, 0])),
                "hi": math.exp(float(ci.loc[term, 1])),
                "p": float(res.pvalues[term]),
            }
        )
    return pd.DataFrame(rows, columns=["term", "lift", "lo", "hi", "p"])


def _negative_binomial(pois: Any, yv: np.ndarray, X: pd.DataFrame, offset: np.ndarray) -> Any:
    """The NB2 refit, started from the Poisson estimates."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.NegativeBinomial(yv, X, offset=offset, loglike_method="nb2").fit(
            disp=0, maxiter=300, start_params=np.append(pois.params.to_numpy(), 0.1)
        )


def fit_counts(
    md: pd.DataFrame,
    events: list[str] | None = None,
    *,
    time_df: int = 4,
    alpha: float = 0.05,
    dispersion_alpha: float = 0.05,
) -> CountResult:
    """Orders per minute ~ events + spline(minutes since start) [+ session effects], log(online)
    offset.

    Fits Poisson first and tests for over-dispersion (statsmodels' Dean–Lawless/Cameron–Trivedi
    tests via ``get_diagnostic().test_dispersion()``); if rejected at ``dispersion_alpha`` the model
    is refitted as an NB2 negative binomial. Lifts are ``exp(coef)`` with Wald intervals: the
    multiplicative change in the per-viewer order rate while the event is on.
    """
    import statsmodels.api as sm
    from patsy import dmatrices

    events = (
        events
        if events is not None
        else [c for c in md.columns if c in EVENT_KINDS or c.startswith("explain_")]
    )
    notes: list[str] = []
    dropped = [e for e in events if md[e].nunique() < 2]
    if dropped:
        notes.append(f"no variation (never or always on): {', '.join(dropped)}")
    ev = [e for e in events if e not in dropped]
    d = md[md["online"] > 0].copy()
    formula = _count_formula(d, ev, time_df)
    y, X = dmatrices(formula, d, return_type="dataframe")
    offset = np.log(d["online"].to_numpy(dtype=float))
    yv = y.iloc[:, 0].to_numpy()
    pois = sm.Poisson(yv, X, offset=offset).fit(disp=0, maxiter=200)
    ratio, disp_p, disp_notes = _dispersion(pois, yv, X, offset)
    # over-dispersion needs the ratio above 1 as well as a rejected test
    over = ratio > 1 and (disp_p < dispersion_alpha if math.isfinite(disp_p) else ratio > 1.5)
    res = _negative_binomial(pois, yv, X, offset) if over else pois
    return CountResult(
        family="negative_binomial" if over else "poisson",
        formula=formula,
        n_minutes=len(d),
        dispersion_ratio=ratio,
        dispersion_p=disp_p,
        alpha_nb=float(res.params.iloc[-1]) if over else math.nan,
        lifts=_lifts(res, ev, alpha),
        dropped=dropped,
        notes=notes + disp_notes,
        result=res,
    )


def _minutes_since(ts: str) -> pl.Expr:
    """Minutes from the session's start ``s0`` to the column ``ts``."""
    return (pl.col(ts) - pl.col("s0")).dt.total_microseconds() / 6e7


def _buyer_stays(
    viewers: pl.DataFrame,
    orders: pl.DataFrame,
    starts: pl.DataFrame,
    max_buyers: int,
    seed: int,
) -> pl.DataFrame:
    """One row per buyer (a viewer with an order line in the session): the stay in minutes since
    the session's start, ``a`` (entry) to ``z`` (exit); a seeded sample above ``max_buyers``."""
    leave = (
        pl.col("leave_ts")
        if "leave_ts" in viewers.columns
        else (
            pl.col("enter_ts") + pl.duration(microseconds=(pl.col("watch_s") * 1e6).cast(pl.Int64))
        )
    )
    b = (
        orders.select("session_id", "viewer_id")
        .unique()
        .join(
            viewers.select("session_id", "viewer_id", "enter_ts", leave.alias("leave_ts")),
            on=["session_id", "viewer_id"],
            how="inner",
        )
        .join(starts, on="session_id")
        .sort("session_id", "viewer_id")
    )
    if b.height > max_buyers:
        b = b.sample(max_buyers, seed=seed).sort("session_id", "viewer_id")
    return b.with_columns(
        _minutes_since("enter_ts").alias("a"), _minutes_since("leave_ts").alias("z")
    )


def _stay_minutes(b: pl.DataFrame) -> pl.DataFrame:
    """Each buyer's minutes of stay ``m`` with the share of the minute spent in the room."""
    first = pl.col("a").floor().cast(pl.Int64)
    last = pl.col("z").ceil().cast(pl.Int64).clip(lower_bound=first + 1)
    cover = pl.min_horizontal(pl.col("z"), pl.col("m") + 1) - pl.max_horizontal(
        pl.col("a"), pl.col("m")
    )
    return (
        b.with_columns(pl.int_ranges(first, last).alias("m"))
        .explode("m")
        .with_columns(cover.clip(lower_bound=0).alias("cover"))
        .filter(pl.col("cover") > 0)
        .select("session_id", "viewer_id", "m", "cover")
    )


def _buyer_orders(orders: pl.DataFrame, starts: pl.DataFrame) -> pl.DataFrame:
    """Order lines per buyer and minute since the session's start."""
    return (
        orders.join(starts, on="session_id")
        .with_columns(_minutes_since("ts").floor().cast(pl.Int64).alias("m"))
        .group_by("session_id", "viewer_id", "m")
        .agg(pl.len().cast(pl.Int64).alias("orders"))
    )


def order_timing_design(
    viewers: pl.DataFrame,
    orders: pl.DataFrame,
    md: pd.DataFrame,
    sessions: pl.DataFrame,
    *,
    max_buyers: int = 20_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Buyer × minute-of-stay rows: orders the buyer placed in the minute, the share of the minute
    the buyer was in the room (``cover``, the exposure) and the minute's event indicators.

    Buyers are viewers with at least one order line (any status) in the session; above
    ``max_buyers`` a seeded random sample of buyers is kept.
    """
    ev_cols = [c for c in md.columns if c in EVENT_KINDS]
    o = orders.filter(pl.col("viewer_id").is_not_null())
    starts = sessions.select("session_id", pl.col("start_ts").alias("s0"))
    stays = _stay_minutes(_buyer_stays(viewers, o, starts, max_buyers, seed))
    ind = (
        pl.from_pandas(md[["session_id", "minute", *ev_cols]])
        .with_columns(pl.col("minute").round().cast(pl.Int64).alias("m"))
        .drop("minute")
    )
    out = (
        stays.join(_buyer_orders(o, starts), on=["session_id", "viewer_id", "m"], how="left")
        .with_columns(pl.col("orders").fill_null(0))
        .join(ind, on=["session_id", "m"], how="inner")
        .sort("session_id", "viewer_id", "m")
    )
    return out.to_pandas()


def fit_order_timing(
    td: pd.DataFrame, events: list[str] | None = None, *, alpha: float = 0.05
) -> CountResult:
    """Lift of each run-sheet event on *when* buyers order: conditional Poisson (statsmodels
    ``ConditionalPoisson``, one group per buyer, log(cover) offset) of orders per buyer-minute.

    Conditioning on each buyer's total orders removes who buys and how often; what remains is how
    the order rate moves with the events during the buyer's stay. This is the simulator's planted
    mechanism (``EVENT_LIFTS``); the minute-level :func:`fit_counts` instead estimates the lift of
    orders per online viewer, which short stays inside an event dilute.
    """
    from statsmodels.discrete.conditional_models import ConditionalPoisson

    events = events if events is not None else [c for c in td.columns if c in EVENT_KINDS]
    g = td.groupby(["session_id", "viewer_id"], sort=False)
    varied = [e for e in events if td[e].nunique() > 1]
    dropped = [e for e in events if e not in varied]
    groups = g.ngroup().to_numpy()
    keep = g["orders"].transform("sum").to_numpy() > 0
    d = td[keep]
    n_buyers = len(np.unique(groups[keep]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # groups with a single minute carry no timing information
        model = ConditionalPoisson(
            d["orders"].to_numpy(dtype=float),
            d[varied].to_numpy(dtype=float),
            groups=groups[keep],
            offset=np.log(d["cover"].to_numpy(dtype=float)),
        )
        res = model.fit(disp=0)
    ci = np.asarray(res.conf_int(alpha))
    rows = [
        {
            "term": e,
            "lift": math.exp(float(res.params[i])),
            "lo": math.exp(float(ci[i, 0])),
            "hi": math.exp(float(ci[i, 1])),
            "p": float(res.pvalues[i]),
        }
        for i, e in enumerate(varied)
    ]
    return CountResult(
        family="conditional_poisson",
        formula="orders ~ " + " + ".join(varied) + " | buyer, offset log(cover)",
        n_minutes=len(d),
        dispersion_ratio=math.nan,
        dispersion_p=math.nan,
        alpha_nb=math.nan,
        lifts=pd.DataFrame(rows, columns=["term", "lift", "lo", "hi", "p"]),
        dropped=dropped,
        notes=[f"{n_buyers} buyers"],
        result=res,
    )
