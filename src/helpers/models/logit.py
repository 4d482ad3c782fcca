"""Logistic model of purchase: odds ratios, average marginal effects, checks, held-out AUC."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from helpers.models.design import OTHER, REFERENCES, _q, _r, model_covariates


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

    def coef(self, term: str) -> dict[str, Any]:
        row = self.table.loc[self.table["term"] == term]
        if row.empty:
            raise KeyError(f"no term {term!r}; terms: {', '.join(self.table['term'])}")
        return cast(dict[str, Any], row.iloc[0].to_dict())

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
        return (
            pick.sort_values(["abs_ame", "term"], ascending=[False, True])
            .head(k)
            .drop(columns="abs_ame")
        )

    def summary(self) -> dict[str, Any]:
        """JSON-able estimates (documented in docs/summary-models.md)."""
        coefs = {
            r["term"]: {
                k: _r(r[k])
                for k in (
                    "coef",
                    "se",
                    "lo",
                    "hi",
                    "p",
                    "odds_ratio",
                    "or_lo",
                    "or_hi",
                    "ame",
                    "ame_lo",
                    "ame_hi",
                    "unit",
                )
            }
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
        rare = sorted(str(lv) for lv, n in counts.items() if n < min_level_n and lv != ref)
        if len(rare) > 0:
            s = s.where(~s.isin(rare), OTHER)
            pooled[c] = rare
        # separation: a level (not the reference) whose rows all bought or none did
        rates = d[outcome].groupby(s).agg(["mean", "size"])
        sep = sorted(str(lv) for lv, r in rates.iterrows() if lv != ref and r["mean"] in (0.0, 1.0))
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


@dataclass
class _Design:
    """The cleaned design as the fit sees it: outcome vector, patsy matrix and what cleaning did."""

    formula: str
    y: np.ndarray
    X: pd.DataFrame
    events: int
    pooled: dict[str, list[str]]
    separated: list[str]
    dropped: list[str]
    notes: list[str]


def _design(
    df: pd.DataFrame,
    outcome: str,
    numeric: list[str],
    categorical: list[str],
    references: dict[str, str] | None,
    min_level_n: int,
) -> _Design:
    """:func:`prepare_design`, then the treatment-coded matrix; both outcomes must occur."""
    from patsy import dmatrices

    d, num, cat, pooled, separated, dropped = prepare_design(
        df, outcome, numeric, categorical, references, min_level_n=min_level_n
    )
    notes = []
    if separated:
        notes.append(f"excluded levels with all or no events (separation): {', '.join(separated)}")
    events = int(d[outcome].sum())
    if len(d) == 0 or events == 0 or events == len(d):
        raise ValueError(f"fit_logit: need both outcomes; {events} events in {len(d)} rows")
    formula = _formula(outcome, num, cat)
    y, X = dmatrices(formula, d, return_type="dataframe")
    return _Design(formula, y.iloc[:, 0].to_numpy(), X, events, pooled, separated, dropped, notes)


def _fit(yv: np.ndarray, X: pd.DataFrame) -> tuple[Any, list[str]]:
    """The maximum-likelihood fit on all rows and the notes its warnings leave (separation,
    convergence)."""
    import statsmodels.api as sm

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sm.Logit(yv, X).fit(disp=0, maxiter=100)
    notes = []
    for w in caught:
        msg = str(w.message)
        if "separation" in msg.lower() or "converge" in msg.lower():
            notes.append(msg.splitlines()[0])
    return res, notes


def _unidentified(res: Any) -> tuple[list[str], list[str]]:
    """Terms whose huge standard error betrays (quasi-)separation the level check cannot see
    (numeric covariates), and a note for each."""
    terms, notes = [], []
    for term, se in res.bse.items():
        if term != "Intercept" and (not np.isfinite(se) or se > 50):
            terms.append(term)
            notes.append(f"{term}: standard error {se:.3g}, estimate not identified (separation)")
    return terms, notes


AME = tuple[float, float, float]


def _marginal_effects(
    res: Any, yv: np.ndarray, X: pd.DataFrame, alpha: float, max_rows: int, seed: int
) -> tuple[dict[str, AME], list[str]]:
    """Average marginal effect (estimate, lo, hi) per non-intercept term; a note instead when the
    covariance is singular."""
    try:
        me = _margeff(res, yv, X, max_rows, seed)
    except Exception as exc:  # singular covariance: report without AMEs
        return {}, [f"average marginal effects unavailable: {exc}"]
    mci = me.conf_int(alpha)
    names = [n for n in X.columns if n != "Intercept"]
    return {
        n: (float(me.margeff[i]), float(mci[i, 0]), float(mci[i, 1])) for i, n in enumerate(names)
    }, []


def _coefficients(res: Any, X: pd.DataFrame, ame: dict[str, AME], alpha: float) -> pd.DataFrame:
    """One row per term: coefficient, Wald interval, p, odds ratio, AME and its unit (1 for a 0/1
    term, one standard deviation otherwise)."""
    ci = res.conf_int(alpha)
    rows = []
    for term in X.columns:
        b, lo, hi = float(res.params[term]), float(ci.loc[term, 0]), float(ci.loc[term, 1])
        a = ame.get(term, (math.nan, math.nan, math.nan))
        col = X[term].to_numpy()
        unit = 1.0 if bool(np.isin(col, (0.0, 1.0)).all()) else float(col.std())
        rows.append(
            {
                "term": term,
                "coef": b,
                "se": float(res.bse[term]),
                "lo": lo,
                "hi": hi,
                "p": float(res.pvalues[term]),
                "odds_ratio": math.exp(b),
                "or_lo": math.exp(lo),
                "or_hi": math.exp(hi),
                "ame": a[0],
                "ame_lo": a[1],
                "ame_hi": a[2],
                "unit": unit,
                "ame_unit": a[0] * unit,
            }
        )
    return pd.DataFrame(rows)


def _collinearity(X: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The VIF table and a note naming the terms above :data:`VIF_LIMIT`."""
    vif = _vif(X)
    high = vif.loc[vif["vif"] > VIF_LIMIT, "term"].tolist()
    return vif, [f"collinearity: VIF > {VIF_LIMIT:g} for {', '.join(high)}"] if high else []


@dataclass
class _Holdout:
    """The held-out predictive check: AUC, Brier score, test rows, calibration table."""

    auc: float = math.nan
    brier: float = math.nan
    n_test: int = 0
    calibration: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["bin", "predicted", "observed", "n"])
    )


def _holdout(
    yv: np.ndarray, X: pd.DataFrame, test_size: float, seed: int, bins: int, max_rows: int
) -> _Holdout:
    """Refit on a stratified split of (a seeded sample of at most ``max_rows``) rows and score the
    rest: AUC, Brier score and a quantile calibration table."""
    import statsmodels.api as sm
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    pool = np.arange(len(yv))
    if len(pool) > max_rows:
        pool = np.sort(np.random.default_rng(seed).choice(len(pool), max_rows, replace=False))
    idx_train, idx_test = train_test_split(
        pool, test_size=test_size, random_state=seed, stratify=yv[pool]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res_tr = sm.Logit(yv[idx_train], X.iloc[idx_train]).fit(disp=0, maxiter=100)
    p = np.asarray(res_tr.predict(X.iloc[idx_test]))
    yt = yv[idx_test]
    obs, pred = calibration_curve(yt, p, n_bins=bins, strategy="quantile")
    ps = pd.Series(p)
    counts = ps.groupby(pd.qcut(ps, bins, duplicates="drop"), observed=True).size()
    n = counts.to_numpy() if len(counts) == len(obs) else np.full(len(obs), np.nan)
    calib = pd.DataFrame(
        {"bin": np.arange(1, len(obs) + 1), "predicted": pred, "observed": obs, "n": n}
    )
    return _Holdout(
        float(roc_auc_score(yt, p)), float(brier_score_loss(yt, p)), len(idx_test), calib
    )


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
    m = _design(df, outcome, numeric, categorical, references, min_level_n)
    yv, X, events = m.y, m.X, m.events
    res, fit_notes = _fit(yv, X)
    terms, se_notes = _unidentified(res)
    ame, ame_notes = (
        _marginal_effects(res, yv, X, alpha, ame_max_rows, seed) if marginal_effects else ({}, [])
    )
    vif, vif_notes = _collinearity(X)
    checked = 0 < test_size < 1 and min(events, len(yv) - events) >= 10
    held = (
        _holdout(yv, X, test_size, seed, calibration_bins, holdout_max_rows)
        if checked
        else _Holdout()
    )
    return LogitResult(
        formula=m.formula,
        n=len(yv),
        events=events,
        table=_coefficients(res, X, ame, alpha),
        vif=vif,
        calibration=held.calibration,
        auc=held.auc,
        brier=held.brier,
        n_test=held.n_test,
        converged=bool(res.mle_retvals.get("converged", True)),
        pseudo_r2=float(res.prsquared),
        separation=m.separated + terms,
        pooled=m.pooled,
        dropped=m.dropped,
        notes=m.notes + fit_notes + se_notes + ame_notes + vif_notes,
        result=res,
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
    from helpers.models.terms import term_label
    from helpers.present.i18n import t

    out = []
    for r in result.top_effects(k).to_dict("records"):
        u = r["unit"]
        pp, lo, hi = (r[c] * u * 100 for c in ("ame", "ame_lo", "ame_hi"))
        key = "models.effect_binary" if u == 1.0 else "models.effect_sd"
        values = {"or_": r["odds_ratio"], "or_lo": r["or_lo"], "or_hi": r["or_hi"]}
        out.append(
            t(key, lang, name=term_label(r["term"], lang), u=u, pp=pp, lo=lo, hi=hi, **values)
        )
    return out
