"""Count models: orders per minute on run-sheet events, and the timing of buyers' orders."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from helpers.models.design import _q, _r

#: A lottery without an end time is taken to act for this many minutes from its start.
LOTTERY_WINDOW_MIN = 5
#: Run-sheet events whose lift on the order rate the count models estimate.
EVENT_KINDS = ("explain", "lottery", "coupon", "flash_sale")


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
    ``lottery_window_min`` minutes when the run sheet has no end), ``coupon`` (start to end, or to the
    end of the session when open), ``flash_sale`` (start to end, else one minute). With ``per_product`` also ``explain_<product_id>``. A minute is
    inside a window when its start lies in [start, end).
    """
    t = trend.select("session_id", "minute_ts", "online", "orders").filter(pl.col("online") > 0)
    s = sessions.select(
        "session_id", pl.col("start_ts").alias("s_start"), pl.col("end_ts").alias("s_end")
    )
    t = t.join(s, on="session_id", how="left").with_columns(
        ((pl.col("minute_ts") - pl.col("s_start")).dt.total_seconds() / 60).alias("minute")
    )
    ev = events.filter(pl.col("kind").is_in(list(EVENT_KINDS)))
    if "end_ts" not in ev.columns:
        ev = ev.with_columns(pl.lit(None, dtype=t.schema["minute_ts"]).alias("end_ts"))
    if "product_id" not in ev.columns:
        ev = ev.with_columns(pl.lit(None, dtype=pl.String).alias("product_id"))
    ev = ev.join(s, on="session_id", how="left").with_columns(
        pl.when(pl.col("end_ts").is_not_null())
        .then(pl.col("end_ts"))
        .when(pl.col("kind") == "lottery")
        .then(pl.col("start_ts") + pl.duration(minutes=lottery_window_min))
        .when(pl.col("kind") == "coupon")
        .then(pl.col("s_end"))
        .otherwise(pl.col("start_ts") + pl.duration(minutes=1))
        .alias("end_ts")
    )
    out = t
    groups: list[tuple[str, pl.Expr]] = [(k, pl.col("kind") == k) for k in EVENT_KINDS]
    if per_product:
        pids = sorted(
            ev.filter((pl.col("kind") == "explain") & pl.col("product_id").is_not_null())[
                "product_id"
            ]
            .unique()
            .to_list()
        )
        groups += [
            (f"explain_{p}", (pl.col("kind") == "explain") & (pl.col("product_id") == p))
            for p in pids
        ]
    for name, cond in groups:
        win = ev.filter(cond).select(
            "session_id", pl.col("start_ts").alias("w0"), pl.col("end_ts").alias("w1")
        )
        hit = (
            t.select("session_id", "minute_ts")
            .join(win, on="session_id", how="inner")
            .filter((pl.col("minute_ts") >= pl.col("w0")) & (pl.col("minute_ts") < pl.col("w1")))
            .select("session_id", "minute_ts")
            .unique()
            .with_columns(pl.lit(1.0).alias(name))
        )
        out = out.join(hit, on=["session_id", "minute_ts"], how="left").with_columns(
            pl.col(name).fill_null(0.0)
        )
    out = out.drop("s_start", "s_end").sort("session_id", "minute_ts")
    return out.to_pandas()


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

    def lift(self, term: str) -> dict[str, float]:
        row = self.lifts.loc[self.lifts["term"] == term]
        if row.empty:
            raise KeyError(f"no lift {term!r}; terms: {', '.join(self.lifts['term'])}")
        return row.iloc[0].to_dict()

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


def fit_counts(
    md: pd.DataFrame,
    events: list[str] | None = None,
    *,
    time_df: int = 4,
    alpha: float = 0.05,
    dispersion_alpha: float = 0.05,
) -> CountResult:
    """Orders per minute ~ events + spline(minutes since start) [+ session effects], log(online) offset.

    Fits Poisson first and tests for over-dispersion (statsmodels' Dean–Lawless/Cameron–Trivedi
    tests via ``get_diagnostic().test_dispersion()``); if rejected at ``dispersion_alpha`` the model is
    refitted as an NB2 negative binomial. Lifts are ``exp(coef)`` with Wald intervals: the
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
    rhs = [_q(e) for e in ev]
    if d["minute"].nunique() > time_df + 2:
        rhs.append(f"cr(minute, df={time_df}, constraints='center')")
    if d["session_id"].nunique() > 1:
        rhs.append("C(session_id)")
    formula = "orders ~ " + (" + ".join(rhs) if rhs else "1")
    y, X = dmatrices(formula, d, return_type="dataframe")
    offset = np.log(d["online"].to_numpy(dtype=float))
    yv = y.iloc[:, 0].to_numpy()
    pois = sm.Poisson(yv, X, offset=offset).fit(disp=0, maxiter=200)
    mu = pois.predict(X, offset=offset)
    df_resid = max(1.0, len(yv) - X.shape[1])
    ratio = float(((yv - mu) ** 2 / mu).sum() / df_resid)
    try:
        disp = pois.get_diagnostic().test_dispersion()
        pvals = np.atleast_1d(np.asarray(disp.pvalue, dtype=float))
        # the first test (Dean's) is one-sided-ish two-sided; over-dispersion needs ratio > 1 too
        disp_p = float(pvals[0])
    except Exception as exc:  # pragma: no cover - diagnostic failure
        notes.append(f"dispersion test unavailable: {exc}")
        disp_p = math.nan
    over = ratio > 1 and (disp_p < dispersion_alpha if math.isfinite(disp_p) else ratio > 1.5)
    family, alpha_nb, res = "poisson", math.nan, pois
    if over:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = sm.NegativeBinomial(yv, X, offset=offset, loglike_method="nb2").fit(
                disp=0, maxiter=300, start_params=np.append(pois.params.to_numpy(), 0.1)
            )
        family, alpha_nb, res = "negative_binomial", float(nb.params.iloc[-1]), nb
    ci = res.conf_int(alpha)
    rows = []
    for e in ev:
        term = _q(e)
        b = float(res.params[term])
        rows.append(
            {
                "term": e,
                "lift": math.exp(b),
                "lo": math.exp(float(ci.loc[term, 0])),
                "hi": math.exp(float(ci.loc[term, 1])),
                "p": float(res.pvalues[term]),
            }
        )
    return CountResult(
        family=family,
        formula=formula,
        n_minutes=len(d),
        dispersion_ratio=ratio,
        dispersion_p=disp_p,
        alpha_nb=alpha_nb,
        lifts=pd.DataFrame(rows, columns=["term", "lift", "lo", "hi", "p"]),
        dropped=dropped,
        notes=notes,
        result=res,
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
    leave = (
        pl.col("leave_ts")
        if "leave_ts" in viewers.columns
        else (
            pl.col("enter_ts") + pl.duration(microseconds=(pl.col("watch_s") * 1e6).cast(pl.Int64))
        )
    )
    o = orders.filter(pl.col("viewer_id").is_not_null())
    starts = sessions.select("session_id", pl.col("start_ts").alias("s0"))
    b = (
        o.select("session_id", "viewer_id")
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
    b = b.with_columns(
        ((pl.col("enter_ts") - pl.col("s0")).dt.total_microseconds() / 6e7).alias("a"),
        ((pl.col("leave_ts") - pl.col("s0")).dt.total_microseconds() / 6e7).alias("z"),
    ).with_columns(
        pl.int_ranges(
            pl.col("a").floor().cast(pl.Int64),
            pl.col("z")
            .ceil()
            .cast(pl.Int64)
            .clip(lower_bound=pl.col("a").floor().cast(pl.Int64) + 1),
        ).alias("m")
    )
    rows = (
        b.explode("m")
        .with_columns(
            (
                pl.min_horizontal(pl.col("z"), pl.col("m") + 1)
                - pl.max_horizontal(pl.col("a"), pl.col("m"))
            )
            .clip(lower_bound=0)
            .alias("cover")
        )
        .filter(pl.col("cover") > 0)
    )
    oc = (
        o.join(starts, on="session_id")
        .with_columns(
            ((pl.col("ts") - pl.col("s0")).dt.total_microseconds() / 6e7)
            .floor()
            .cast(pl.Int64)
            .alias("m")
        )
        .group_by("session_id", "viewer_id", "m")
        .agg(pl.len().cast(pl.Int64).alias("orders"))
    )
    ind = (
        pl.from_pandas(md[["session_id", "minute", *ev_cols]])
        .with_columns(pl.col("minute").round().cast(pl.Int64).alias("m"))
        .drop("minute")
    )
    out = (
        rows.select("session_id", "viewer_id", "m", "cover")
        .join(oc, on=["session_id", "viewer_id", "m"], how="left")
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
