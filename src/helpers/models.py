"""What drives purchase: viewer-level logistic model, minute-level count model, price elasticity.

- :func:`viewer_design` turns the canonical ``viewers`` and ``orders`` tables into one row per
  (session, viewer) with the outcome ``bought`` and the covariates of the purchase model
  (:data:`NUMERIC`, :data:`CATEGORICAL`, reference levels :data:`REFERENCES`).
- :func:`fit_logit` is generic (outcome + numeric + categorical lists), so the same function runs on
  the UCI web-shop sessions (:func:`helpers.realdata.uci_design`). It returns odds ratios with 95%
  intervals, average marginal effects, separation and collinearity (VIF) checks, held-out AUC and a
  calibration table. Coefficient names follow patsy/statsmodels treatment coding
  (``channel[T.关注]``), the names of the simulator's truth.
- :func:`minute_design` / :func:`fit_counts`: orders per minute on run-sheet events with online
  viewers as exposure; Poisson or negative binomial chosen by a dispersion test.
- :func:`price_elasticity`: log-log elasticity per category across sessions, refusing when prices
  did not vary enough to identify it.

statsmodels does the inference, scikit-learn the predictive metrics; nothing here re-implements
either.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from .metrics import BUYING_STATUSES
from .schema import TZ

log = logging.getLogger(__name__)

#: Orders that count as a purchase: placed and paid (refunds later do not undo the decision).
CHANNELS = ("直播推荐", "短视频引流", "关注", "搜索", "商城推荐", "千川")
DEVICES = ("android", "ios", "pc")
REGIONS = ("一线", "新一线", "二线", "三线", "四线及以下")
NUMERIC = ["log_watch_min", "log_interactions", "was_follower", "returning", "prime_time"]
CATEGORICAL = ["channel", "device", "region"]
REFERENCES = {"channel": "直播推荐", "device": "android", "region": "三线"}
PRIME_HOURS = (20, 22)
OTHER = "other"


# --------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------


def buyers_of(orders: pl.DataFrame) -> pl.DataFrame:
    """(session_id, viewer_id, orders, gmv) of viewers with a paid or refunded order."""
    if orders.height == 0 or "viewer_id" not in orders.columns:
        return pl.DataFrame(
            schema={"session_id": pl.String, "viewer_id": pl.String, "n_orders": pl.Int64,
                    "gmv": pl.Float64}
        )
    return (
        orders.filter(pl.col("status").is_in(list(BUYING_STATUSES)) & pl.col("viewer_id").is_not_null())
        .group_by("session_id", "viewer_id")
        .agg(pl.len().cast(pl.Int64).alias("n_orders"), pl.col("amount").sum().alias("gmv"))
    )


def viewer_frame(viewers: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """Polars form of :func:`viewer_design`: viewers with outcome, GMV and model covariates.

    ``bought`` is 1 when the viewer placed at least one order in the session whose status is
    ``paid`` or ``refunded`` (a refund does not undo the decision to buy; ``unpaid`` and
    ``cancelled`` orders are not purchases). Covariates absent from the export are left out.
    """
    v = viewers
    cols: list[pl.Expr] = [
        pl.col("session_id"),
        pl.col("viewer_id"),
        (pl.col("watch_s").fill_null(0).clip(lower_bound=0) / 60).log1p().alias("log_watch_min"),
    ]
    inter = [c for c in ("likes", "comments", "shares") if c in v.columns]
    if inter:
        cols.append(
            pl.sum_horizontal([pl.col(c).fill_null(0) for c in inter]).cast(pl.Float64).log1p()
            .alias("log_interactions")
        )
    for b in ("was_follower", "returning"):
        if b in v.columns:
            cols.append(pl.col(b).fill_null(False).cast(pl.Float64).alias(b))
    hour = pl.col("enter_ts").dt.convert_time_zone(TZ).dt.hour()
    cols.append(((hour >= PRIME_HOURS[0]) & (hour < PRIME_HOURS[1])).cast(pl.Float64).alias("prime_time"))
    for name, src in (("channel", "source"), ("device", "device"), ("region", "region")):
        if src in v.columns:
            cols.append(pl.col(src).fill_null("unknown").alias(name))
    extra = [c for c in ("product_clicks", "gender", "age_band", "watch_s", "enter_ts", "sim_segment")
             if c in v.columns]
    out = v.select(*cols, *[pl.col(c) for c in extra])
    b = buyers_of(orders)
    out = out.join(b, on=["session_id", "viewer_id"], how="left").with_columns(
        pl.col("n_orders").fill_null(0),
        pl.col("gmv").fill_null(0.0),
    )
    return out.with_columns((pl.col("n_orders") > 0).cast(pl.Int64).alias("bought"))


def viewer_design(viewers: pl.DataFrame, orders: pl.DataFrame) -> pd.DataFrame:
    """One row per (session, viewer): ``bought`` and the purchase-model covariates, as pandas.

    Columns: session_id, viewer_id, bought, n_orders, gmv, log_watch_min = log1p(watch_s/60),
    log_interactions = log1p(likes+comments+shares), was_follower, returning (0/1),
    prime_time (entry hour in [20, 22) Asia/Shanghai), channel (= viewers.source), device, region.
    """
    return viewer_frame(viewers, orders).to_pandas()


def model_covariates(design: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The purchase-model covariates present in a design (numeric, categorical)."""
    return ([c for c in NUMERIC if c in design.columns], [c for c in CATEGORICAL if c in design.columns])


# --------------------------------------------------------------------------------------------
# Logistic model
# --------------------------------------------------------------------------------------------


@dataclass
class LogitResult:
    """A fitted logistic model with its checks (see :func:`fit_logit`)."""

    formula: str
    n: int
    events: int
    # term, coef, se, lo, hi, p, odds_ratio, or_lo, or_hi, ame, ame_lo, ame_hi, unit, ame_unit
    # (unit: 1 for 0/1 terms, one standard deviation otherwise; ame_unit = ame × unit)
    table: pd.DataFrame
    vif: pd.DataFrame  # term, vif
    calibration: pd.DataFrame  # bin, predicted, observed, n
    auc: float
    brier: float
    n_test: int
    converged: bool
    pseudo_r2: float
    separation: list[str] = field(default_factory=list)
    pooled: dict[str, list[str]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    result: Any = None  # the statsmodels results (full data)

    def coef(self, term: str) -> dict[str, float]:
        row = self.table.loc[self.table["term"] == term]
        if row.empty:
            raise KeyError(f"no term {term!r}; terms: {', '.join(self.table['term'])}")
        return row.iloc[0].to_dict()

    @property
    def high_vif(self) -> list[str]:
        return self.vif.loc[self.vif["vif"] > VIF_LIMIT, "term"].tolist()

    def top_effects(self, k: int = 3) -> pd.DataFrame:
        """The ``k`` terms with the largest significant effect on the probability scale: |AME| of a
        0/1 change for dummies, of a one-standard-deviation change for continuous terms."""
        t = self.table[self.table["term"] != "Intercept"].copy()
        t["abs_ame"] = t["ame_unit"].abs()
        sig = t[t["p"] < 0.05]
        pick = sig if len(sig) else t
        return pick.sort_values(["abs_ame", "term"], ascending=[False, True]).head(k).drop(columns="abs_ame")

    def summary(self) -> dict[str, Any]:
        """JSON-able estimates (documented in docs/summary-models.md)."""
        coefs = {
            r["term"]: {k: _r(r[k]) for k in ("coef", "se", "lo", "hi", "p", "odds_ratio", "or_lo",
                                              "or_hi", "ame", "ame_lo", "ame_hi", "unit")}
            for r in self.table.to_dict("records")
        }
        return {
            "formula": self.formula,
            "n": self.n,
            "events": self.events,
            "converged": self.converged,
            "pseudo_r2": _r(self.pseudo_r2),
            "auc_holdout": _r(self.auc),
            "brier_holdout": _r(self.brier),
            "n_holdout": self.n_test,
            "coefficients": coefs,
            "vif": {r["term"]: _r(r["vif"]) for r in self.vif.to_dict("records")},
            "high_vif": self.high_vif,
            "separation": self.separation,
            "pooled_levels": self.pooled,
            "dropped": self.dropped,
            "notes": self.notes,
        }


VIF_LIMIT = 5.0


def _r(x: Any, nd: int = 6) -> Any:
    if x is None:
        return None
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return x
    return round(xf, nd) if math.isfinite(xf) else None


def _q(name: str) -> str:
    """Quote a column name for a patsy formula."""
    return name if name.isidentifier() else f"Q('{name}')"


def prepare_design(
    df: pd.DataFrame,
    outcome: str,
    numeric: list[str],
    categorical: list[str],
    references: dict[str, str] | None = None,
    *,
    min_level_n: int = 20,
) -> tuple[pd.DataFrame, list[str], list[str], dict[str, list[str]], list[str], list[str]]:
    """Clean a design for fitting: drop incomplete rows and constant columns, pool rare levels,
    exclude levels that separate the outcome (all or no events).

    Returns (frame, numeric, categorical, pooled, separated, dropped). Categorical columns become
    pandas Categoricals with the reference level first (patsy treats the first as reference).
    """
    references = dict(references or {})
    cols = [outcome, *numeric, *categorical]
    d = df[cols].dropna().copy()
    d[outcome] = d[outcome].astype(float)
    pooled: dict[str, list[str]] = {}
    separated: list[str] = []
    dropped: list[str] = []
    num = []
    for c in numeric:
        d[c] = d[c].astype(float)
        if d[c].nunique() < 2:
            dropped.append(c)
        else:
            num.append(c)
    cat = []
    for c in categorical:
        s = d[c].astype(str)
        counts = s.value_counts()
        ref = references.get(c)
        if ref not in counts.index:
            ref = sorted(counts.index, key=lambda x: (-counts[x], x))[0] if len(counts) else None
        rare = sorted(lv for lv, n in counts.items() if n < min_level_n and lv != ref)
        if len(rare) > 0:
            s = s.where(~s.isin(rare), OTHER)
            pooled[c] = rare
        # separation: a level (not the reference) whose rows all bought or none did
        rates = d[outcome].groupby(s).agg(["mean", "size"])
        sep = sorted(lv for lv, r in rates.iterrows() if lv != ref and r["mean"] in (0.0, 1.0))
        if sep:
            separated += [f"{c}[{lv}]" for lv in sep]
            keep = ~s.isin(sep)
            d, s = d[keep], s[keep]
        levels = [ref, *sorted(lv for lv in s.unique() if lv != ref)]
        if len(levels) < 2:
            dropped.append(c)
            d = d.drop(columns=c)
            continue
        d[c] = pd.Categorical(s, categories=levels)
        cat.append(c)
    for c in list(cat):  # rows excluded for a later column may empty a level of an earlier one
        d[c] = d[c].cat.remove_unused_categories()
        if len(d[c].cat.categories) < 2:
            cat.remove(c)
            dropped.append(c)
    return d, num, cat, pooled, separated, dropped


def _formula(outcome: str, numeric: list[str], categorical: list[str]) -> str:
    rhs = [_q(c) for c in numeric] + [_q(c) for c in categorical]
    return f"{_q(outcome)} ~ " + (" + ".join(rhs) if rhs else "1")


def _margeff(res: Any, y: np.ndarray, X: pd.DataFrame, max_rows: int, seed: int) -> Any:
    """statsmodels average marginal effects, averaged over at most ``max_rows`` rows."""
    import copy

    import statsmodels.api as sm

    if len(X) <= max_rows:
        return res.get_margeff(at="overall", method="dydx", dummy=True)
    idx = np.sort(np.random.default_rng(seed).choice(len(X), max_rows, replace=False))
    sub = copy.copy(res._results)
    sub.model = sm.Logit(y[idx], X.iloc[idx])
    sub.nobs = max_rows
    sub._cache = {}
    return sub.get_margeff(at="overall", method="dydx", dummy=True)


def _vif(X: pd.DataFrame) -> pd.DataFrame:
    """Variance inflation factors of the non-intercept columns: VIF_j = 1 / (1 - R²_j) of column j
    regressed on the others with an intercept, which is the j-th diagonal element of the inverse
    correlation matrix (the same numbers as statsmodels' ``variance_inflation_factor`` on a
    design with a constant, in one small k × k inversion instead of k regressions)."""
    cols = [c for c in X.columns if c != "Intercept"]
    if not cols:
        return pd.DataFrame(columns=["term", "vif"])
    arr = X[cols].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.corrcoef(arr, rowvar=False)
        corr = np.atleast_2d(corr)
        try:
            inv = np.linalg.inv(corr)
            vif = np.diag(inv)
        except np.linalg.LinAlgError:
            vif = np.full(len(cols), np.inf)
    vif = np.where(np.isfinite(vif) & (vif > 0), vif, np.inf)
    return pd.DataFrame({"term": cols, "vif": vif.astype(float)})


def fit_logit(
    df: pd.DataFrame,
    outcome: str,
    numeric: list[str],
    categorical: list[str],
    references: dict[str, str] | None = None,
    *,
    test_size: float = 0.25,
    seed: int = 0,
    min_level_n: int = 20,
    calibration_bins: int = 10,
    alpha: float = 0.05,
    ame_max_rows: int = 20_000,
    marginal_effects: bool = True,
    holdout_max_rows: int = 400_000,
) -> LogitResult:
    """Logistic regression of ``outcome`` (0/1) on numeric and treatment-coded categorical columns.

    Inference (coefficients, odds ratios, Wald 95% intervals, average marginal effects with
    discrete changes for dummies) uses all rows; the held-out AUC, Brier score and calibration
    table come from a refit on a stratified ``1 - test_size`` split scored on the rest. Rare levels
    (< ``min_level_n`` rows) are pooled into ``other``; levels with all or no events (quasi-complete
    separation) are excluded and named in ``separation``; VIF above :data:`VIF_LIMIT` is reported.
    Above ``ame_max_rows`` rows the AMEs average over a seeded random subsample of that size (with
    the full-data coefficients and covariance), which keeps a million-viewer fit fast; likewise
    the held-out check splits a seeded sample of at most ``holdout_max_rows`` rows.
    """
    import statsmodels.api as sm
    from patsy import dmatrices
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    d, num, cat, pooled, separated, dropped = prepare_design(
        df, outcome, numeric, categorical, references, min_level_n=min_level_n
    )
    notes: list[str] = []
    if separated:
        notes.append(f"excluded levels with all or no events (separation): {', '.join(separated)}")
    events = int(d[outcome].sum())
    if len(d) == 0 or events == 0 or events == len(d):
        raise ValueError(f"fit_logit: need both outcomes; {events} events in {len(d)} rows")
    formula = _formula(outcome, num, cat)
    y, X = dmatrices(formula, d, return_type="dataframe")
    yv = y.iloc[:, 0].to_numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sm.Logit(yv, X).fit(disp=0, maxiter=100)
    for w in caught:
        msg = str(w.message)
        if "separation" in msg.lower() or "converge" in msg.lower():
            notes.append(msg.splitlines()[0])
    converged = bool(res.mle_retvals.get("converged", True))
    params, bse = res.params, res.bse
    # huge standard errors betray (quasi-)separation the level check cannot see (numeric covariates)
    for term in params.index:
        if term != "Intercept" and (not np.isfinite(bse[term]) or bse[term] > 50):
            separated.append(term)
            notes.append(f"{term}: standard error {bse[term]:.3g}, estimate not identified (separation)")
    ci = res.conf_int(alpha)
    z_ame = {}
    if marginal_effects:
        try:
            me = _margeff(res, yv, X, ame_max_rows, seed)
            mci = me.conf_int(alpha)
            names = [n for n in X.columns if n != "Intercept"]
            for i, n in enumerate(names):
                z_ame[n] = (float(me.margeff[i]), float(mci[i, 0]), float(mci[i, 1]))
        except Exception as exc:  # singular covariance: report without AMEs
            notes.append(f"average marginal effects unavailable: {exc}")
    rows = []
    for term in X.columns:
        b, lo, hi = float(params[term]), float(ci.loc[term, 0]), float(ci.loc[term, 1])
        ame = z_ame.get(term, (math.nan, math.nan, math.nan))
        col = X[term].to_numpy()
        binary = bool(np.isin(col, (0.0, 1.0)).all())
        unit = 1.0 if binary else float(col.std())
        rows.append({
            "term": term, "coef": b, "se": float(bse[term]), "lo": lo, "hi": hi,
            "p": float(res.pvalues[term]), "odds_ratio": math.exp(b),
            "or_lo": math.exp(lo), "or_hi": math.exp(hi),
            "ame": ame[0], "ame_lo": ame[1], "ame_hi": ame[2],
            "unit": unit, "ame_unit": ame[0] * unit,
        })
    table = pd.DataFrame(rows)
    vif = _vif(X)
    high = vif.loc[vif["vif"] > VIF_LIMIT, "term"].tolist()
    if high:
        notes.append(f"collinearity: VIF > {VIF_LIMIT:g} for {', '.join(high)}")

    # held-out predictive check
    auc = brier = math.nan
    n_test = 0
    calib = pd.DataFrame(columns=["bin", "predicted", "observed", "n"])
    if 0 < test_size < 1 and min(events, len(d) - events) >= 10:
        pool = np.arange(len(yv))
        if len(pool) > holdout_max_rows:
            pool = np.sort(np.random.default_rng(seed).choice(len(pool), holdout_max_rows, replace=False))
        idx_train, idx_test = train_test_split(
            pool, test_size=test_size, random_state=seed, stratify=yv[pool]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res_tr = sm.Logit(yv[idx_train], X.iloc[idx_train]).fit(disp=0, maxiter=100)
        p = np.asarray(res_tr.predict(X.iloc[idx_test]))
        yt = yv[idx_test]
        n_test = len(idx_test)
        auc = float(roc_auc_score(yt, p))
        brier = float(brier_score_loss(yt, p))
        obs, pred = calibration_curve(yt, p, n_bins=calibration_bins, strategy="quantile")
        bins = pd.qcut(p, calibration_bins, duplicates="drop")
        counts = pd.Series(p).groupby(bins, observed=True).size().to_numpy()
        if len(counts) != len(obs):
            counts = np.full(len(obs), np.nan)
        calib = pd.DataFrame({"bin": np.arange(1, len(obs) + 1), "predicted": pred, "observed": obs,
                              "n": counts})
    return LogitResult(
        formula=formula, n=len(d), events=events, table=table, vif=vif, calibration=calib,
        auc=auc, brier=brier, n_test=n_test, converged=converged,
        pseudo_r2=float(res.prsquared), separation=separated, pooled=pooled, dropped=dropped,
        notes=notes, result=res,
    )


def fit_viewer_logit(design: pd.DataFrame, **kw: Any) -> LogitResult:
    """:func:`fit_logit` with the purchase-model covariates present in a :func:`viewer_design`."""
    numeric, categorical = model_covariates(design)
    return fit_logit(design, "bought", numeric, categorical, REFERENCES, **kw)


def describe_term(term: str) -> str:
    """A readable name for a coefficient (``channel[T.关注]`` → ``channel = 关注``)."""
    if "[T." in term:
        var, lv = term.split("[T.", 1)
        var = var.removeprefix("Q('").removesuffix("')")
        return f"{var} = {lv.rstrip(']')}"
    return term.removeprefix("Q('").removesuffix("')")


def reading(result: LogitResult, k: int = 3, lang: str = "en") -> list[str]:
    """Plain-words sentences for the top effects (AME of a 0/1 change, or of one standard deviation
    for continuous terms, in percentage points with the 95% interval)."""
    out = []
    for r in result.top_effects(k).to_dict("records"):
        name = describe_term(r["term"])
        u = r["unit"]
        pp, lo, hi = (r[c] * u * 100 for c in ("ame", "ame_lo", "ame_hi"))
        binary = u == 1.0
        if lang == "zh":
            what = "" if binary else f"（每增加一个标准差 {u:.3g}）"
            out.append(
                f"{name}{what}：购买概率平均变化 {pp:+.2f} 个百分点（95% 区间 {lo:+.2f} 至 {hi:+.2f}），"
                f"优势比 {r['odds_ratio']:.2f}（{r['or_lo']:.2f}–{r['or_hi']:.2f}{'' if binary else '，每单位'}）。"
            )
        else:
            what = "" if binary else f" (per standard deviation, {u:.3g})"
            out.append(
                f"{name}{what}: purchase probability changes by {pp:+.2f} points on average (95% interval "
                f"{lo:+.2f} to {hi:+.2f}); odds ratio {r['odds_ratio']:.2f} ({r['or_lo']:.2f}–{r['or_hi']:.2f})"
                + ("." if binary else " per unit.")
            )
    return out


# --------------------------------------------------------------------------------------------
# Minute-level count model
# --------------------------------------------------------------------------------------------

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
    s = sessions.select("session_id", pl.col("start_ts").alias("s_start"), pl.col("end_ts").alias("s_end"))
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
        pids = sorted(ev.filter((pl.col("kind") == "explain") & pl.col("product_id").is_not_null())
                      ["product_id"].unique().to_list())
        groups += [(f"explain_{p}", (pl.col("kind") == "explain") & (pl.col("product_id") == p)) for p in pids]
    for name, cond in groups:
        win = ev.filter(cond).select("session_id", pl.col("start_ts").alias("w0"), pl.col("end_ts").alias("w1"))
        hit = (
            t.select("session_id", "minute_ts")
            .join(win, on="session_id", how="inner")
            .filter((pl.col("minute_ts") >= pl.col("w0")) & (pl.col("minute_ts") < pl.col("w1")))
            .select("session_id", "minute_ts").unique()
            .with_columns(pl.lit(1.0).alias(name))
        )
        out = out.join(hit, on=["session_id", "minute_ts"], how="left").with_columns(pl.col(name).fill_null(0.0))
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
            "lifts": {r["term"]: {k: _r(r[k]) for k in ("lift", "lo", "hi", "p")}
                      for r in self.lifts.to_dict("records")},
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

    events = events if events is not None else [c for c in md.columns if c in EVENT_KINDS
                                                 or c.startswith("explain_")]
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
        rows.append({"term": e, "lift": math.exp(b), "lo": math.exp(float(ci.loc[term, 0])),
                     "hi": math.exp(float(ci.loc[term, 1])), "p": float(res.pvalues[term])})
    return CountResult(
        family=family, formula=formula, n_minutes=len(d), dispersion_ratio=ratio, dispersion_p=disp_p,
        alpha_nb=alpha_nb, lifts=pd.DataFrame(rows, columns=["term", "lift", "lo", "hi", "p"]),
        dropped=dropped, notes=notes, result=res,
    )


def order_timing_design(
    viewers: pl.DataFrame, orders: pl.DataFrame, md: pd.DataFrame, sessions: pl.DataFrame,
    *, max_buyers: int = 20_000, seed: int = 0,
) -> pd.DataFrame:
    """Buyer × minute-of-stay rows: orders the buyer placed in the minute, the share of the minute
    the buyer was in the room (``cover``, the exposure) and the minute's event indicators.

    Buyers are viewers with at least one order line (any status) in the session; above
    ``max_buyers`` a seeded random sample of buyers is kept.
    """
    ev_cols = [c for c in md.columns if c in EVENT_KINDS]
    leave = pl.col("leave_ts") if "leave_ts" in viewers.columns else (
        pl.col("enter_ts") + pl.duration(microseconds=(pl.col("watch_s") * 1e6).cast(pl.Int64)))
    o = orders.filter(pl.col("viewer_id").is_not_null())
    starts = sessions.select("session_id", pl.col("start_ts").alias("s0"))
    b = (
        o.select("session_id", "viewer_id").unique()
        .join(viewers.select("session_id", "viewer_id", "enter_ts", leave.alias("leave_ts")),
              on=["session_id", "viewer_id"], how="inner")
        .join(starts, on="session_id")
        .sort("session_id", "viewer_id")
    )
    if b.height > max_buyers:
        b = b.sample(max_buyers, seed=seed).sort("session_id", "viewer_id")
    b = b.with_columns(
        ((pl.col("enter_ts") - pl.col("s0")).dt.total_microseconds() / 6e7).alias("a"),
        ((pl.col("leave_ts") - pl.col("s0")).dt.total_microseconds() / 6e7).alias("z"),
    ).with_columns(pl.int_ranges(pl.col("a").floor().cast(pl.Int64),
                                 pl.col("z").ceil().cast(pl.Int64).clip(lower_bound=pl.col("a").floor().cast(pl.Int64) + 1))
                   .alias("m"))
    rows = b.explode("m").with_columns(
        (pl.min_horizontal(pl.col("z"), pl.col("m") + 1) - pl.max_horizontal(pl.col("a"), pl.col("m")))
        .clip(lower_bound=0).alias("cover")
    ).filter(pl.col("cover") > 0)
    oc = (
        o.join(starts, on="session_id")
        .with_columns(((pl.col("ts") - pl.col("s0")).dt.total_microseconds() / 6e7).floor().cast(pl.Int64).alias("m"))
        .group_by("session_id", "viewer_id", "m").agg(pl.len().cast(pl.Int64).alias("orders"))
    )
    ind = pl.from_pandas(md[["session_id", "minute", *ev_cols]]).with_columns(
        pl.col("minute").round().cast(pl.Int64).alias("m")).drop("minute")
    out = (
        rows.select("session_id", "viewer_id", "m", "cover")
        .join(oc, on=["session_id", "viewer_id", "m"], how="left")
        .with_columns(pl.col("orders").fill_null(0))
        .join(ind, on=["session_id", "m"], how="inner")
        .sort("session_id", "viewer_id", "m")
    )
    return out.to_pandas()


def fit_order_timing(td: pd.DataFrame, events: list[str] | None = None, *, alpha: float = 0.05) -> CountResult:
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
        model = ConditionalPoisson(d["orders"].to_numpy(dtype=float), d[varied].to_numpy(dtype=float),
                                   groups=groups[keep], offset=np.log(d["cover"].to_numpy(dtype=float)))
        res = model.fit(disp=0)
    ci = np.asarray(res.conf_int(alpha))
    rows = [{"term": e, "lift": math.exp(float(res.params[i])), "lo": math.exp(float(ci[i, 0])),
             "hi": math.exp(float(ci[i, 1])), "p": float(res.pvalues[i])} for i, e in enumerate(varied)]
    return CountResult(
        family="conditional_poisson", formula="orders ~ " + " + ".join(varied) + " | buyer, offset log(cover)",
        n_minutes=len(d), dispersion_ratio=math.nan, dispersion_p=math.nan, alpha_nb=math.nan,
        lifts=pd.DataFrame(rows, columns=["term", "lift", "lo", "hi", "p"]), dropped=dropped,
        notes=[f"{n_buyers} buyers"], result=res,
    )


# --------------------------------------------------------------------------------------------
# Price elasticity
# --------------------------------------------------------------------------------------------

#: Minimum relative price spread (max/min − 1) within a product for it to inform an elasticity.
MIN_PRICE_SPREAD = 0.03
MIN_OBS = 6
#: Widest 95% interval of an elasticity the report still shows as an estimate.
MAX_ELASTICITY_WIDTH = 2.5


def price_observations(products: pl.DataFrame, events: pl.DataFrame | None = None,
                       sessions: pl.DataFrame | None = None) -> pd.DataFrame:
    """Product × session rows: category, price, units (orders when units are absent) and, from the
    run sheet, the share of the session the product was explained (``explain_share``) and whether
    it had a flash sale (``flash``): the two run-sheet pushes that move sales besides price."""
    cols = ["session_id", "product_id", "category", "price", "units", "explain_share", "flash"]
    if not {"session_id", "product_id", "price"} <= set(products.columns):
        return pd.DataFrame(columns=cols)
    units = pl.col("units") if "units" in products.columns else pl.col("orders")
    p = products.select(
        "session_id", "product_id",
        (pl.col("category") if "category" in products.columns else pl.lit("all")).fill_null("all").alias("category"),
        pl.col("price"), units.cast(pl.Float64).alias("units"),
    ).filter(pl.col("price") > 0)
    share = pl.DataFrame(schema={"session_id": pl.String, "product_id": pl.String,
                                 "explain_share": pl.Float64, "flash": pl.Float64})
    if events is not None and sessions is not None and events.height and "end_ts" in events.columns:
        dur = sessions.select("session_id", ((pl.col("end_ts") - pl.col("start_ts")).dt.total_seconds()
                                             .cast(pl.Float64)).alias("dur"))
        e = events.filter(pl.col("product_id").is_not_null() & pl.col("end_ts").is_not_null()).with_columns(
            (pl.col("end_ts") - pl.col("start_ts")).dt.total_seconds().cast(pl.Float64).alias("len"))
        share = (
            e.group_by("session_id", "product_id").agg(
                pl.col("len").filter(pl.col("kind") == "explain").sum().alias("explained"),
                (pl.col("kind") == "flash_sale").any().cast(pl.Float64).alias("flash"))
            .join(dur, on="session_id").with_columns((pl.col("explained") / pl.col("dur")).alias("explain_share"))
            .select("session_id", "product_id", "explain_share", "flash")
        )
    p = p.join(share, on=["session_id", "product_id"], how="left").with_columns(
        pl.col("explain_share").fill_null(0.0), pl.col("flash").fill_null(0.0))
    return p.select(cols).sort("category", "product_id", "session_id").to_pandas()


def price_elasticity(obs: pd.DataFrame, *, alpha: float = 0.05, min_spread: float = MIN_PRICE_SPREAD,
                     min_obs: int = MIN_OBS, min_units: int = 20,
                     max_width: float = MAX_ELASTICITY_WIDTH) -> pd.DataFrame:
    """Log-log price elasticity per category from product × session observations.

    Within each category: Poisson regression (quasi-likelihood, Pearson-scaled standard errors) of
    units on log(price) with product fixed effects (each product's appeal), session fixed effects
    (each session's audience and its spending on the category) and the run-sheet pushes
    (``explain_share``, ``flash``). The elasticity is ``-coef`` of log(price): positive means sales
    fall as the price rises. It is identified only by products whose price varied across sessions
    by at least ``min_spread``, and reported only when its interval is narrower than
    ``max_width``; otherwise the row says ``identified = False`` with the reason (the interval of a
    too-imprecise estimate is kept for transparency, the estimate is not).
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    rows = []
    for cat, g in obs.groupby("category", sort=True):
        g = g[g["units"].notna()]
        spread = g.groupby("product_id")["price"].agg(lambda s: s.max() / s.min() - 1)
        varied = spread[spread >= min_spread].index
        gv = g[g["product_id"].isin(varied)].copy()
        base = {"category": cat, "n_obs": len(gv), "n_products": len(varied),
                "price_spread": float(spread.max()) if len(spread) else math.nan}
        reason = None
        if len(varied) == 0:
            reason = f"no product's price varied by {min_spread:.0%} or more across sessions"
        elif len(gv) < min_obs:
            reason = f"only {len(gv)} product-session observations with varying prices (< {min_obs})"
        elif gv["units"].sum() < min_units:
            reason = f"fewer than {min_units} units sold at varying prices"
        if reason:
            rows.append({**base, "identified": False, "elasticity": math.nan, "lo": math.nan,
                         "hi": math.nan, "p": math.nan, "reason": reason})
            continue
        gv["log_price"] = np.log(gv["price"])
        rhs = ["log_price"]
        rhs += [c for c in ("explain_share", "flash") if c in gv.columns and gv[c].nunique() > 1]
        if gv["product_id"].nunique() > 1:
            rhs.append("C(product_id)")
        if gv["session_id"].nunique() > 1:
            rhs.append("C(session_id)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = smf.glm("units ~ " + " + ".join(rhs), gv, family=sm.families.Poisson()).fit(scale="X2")
        b = float(res.params["log_price"])
        lo, hi = (float(x) for x in res.conf_int(alpha).loc["log_price"])
        if not (math.isfinite(lo) and math.isfinite(hi)):
            rows.append({**base, "identified": False, "elasticity": math.nan, "lo": math.nan,
                         "hi": math.nan, "p": math.nan, "reason": "price not separable from the fixed effects"})
            continue
        if hi - lo > max_width:
            rows.append({**base, "identified": False, "elasticity": math.nan, "lo": -hi, "hi": -lo,
                         "p": float(res.pvalues["log_price"]),
                         "reason": f"too imprecise: 95% interval {-hi:.2f} to {-lo:.2f} is wider than {max_width:g}"})
            continue
        rows.append({**base, "identified": True, "elasticity": -b, "lo": -hi, "hi": -lo,
                     "p": float(res.pvalues["log_price"]), "reason": ""})
    cols = ["category", "identified", "elasticity", "lo", "hi", "p", "n_obs", "n_products",
            "price_spread", "reason"]
    return pd.DataFrame(rows, columns=cols)
