"""Uncertainty for the review's ratios, so a report can say whether a difference is noise.

- :func:`wilson`: Wilson score interval of a proportion (statsmodels ``proportion_confint``);
- :func:`two_proportion`: difference of two proportions with a Newcombe interval and a score-test
  p-value (statsmodels ``confint_proportions_2indep`` / ``test_proportions_2indep``);
- :func:`poisson_count`: exact interval of an event count (orders), for money ratios from counts;
- :func:`bootstrap_ratio`: percentile bootstrap of a ratio of sums (AOV = GMV / buyers, UV value =
  GMV / viewers), resampling units (viewers, buyers) with a seeded generator. Identical units are
  pooled and resampled with multinomial counts, which is the same bootstrap and keeps a
  million-viewer session cheap;
- :func:`bootstrap_ratio_diff`: the same for the difference of two groups' ratios;
- :func:`rate_ratio`: ratio of two Poisson rates (orders per minute inside vs outside a product's
  讲解 window) with a MOVER interval and exact conditional p-value (statsmodels
  ``confint_poisson_2indep``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    test_proportions_2indep,
)
from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

NAN = float("nan")


@dataclass(frozen=True)
class Interval:
    """An estimate with its (lo, hi) interval at level ``1 - alpha``."""

    estimate: float
    lo: float
    hi: float
    method: str
    alpha: float = 0.05

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def as_dict(self) -> dict[str, float | str]:
        return asdict(self)


@dataclass(frozen=True)
class Difference:
    """Difference of two proportions (first minus second) with interval and p-value."""

    diff: float
    lo: float
    hi: float
    p_value: float
    p1: float
    p2: float
    method: str = "newcomb/score"

    @property
    def significant(self) -> bool:
        return not (self.lo <= 0.0 <= self.hi)

    def as_dict(self) -> dict[str, float | str]:
        return asdict(self)


def wilson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson interval of ``k`` successes in ``n`` trials; ``(nan, nan)`` when ``n`` is 0."""
    if n <= 0:
        return (NAN, NAN)
    if k < 0 or k > n:
        raise ValueError(f"wilson: need 0 <= k <= n, got k={k}, n={n}")
    lo, hi = proportion_confint(int(k), int(n), alpha=alpha, method="wilson")
    return (float(lo), float(hi))


def proportion(k: int, n: int, alpha: float = 0.05) -> Interval:
    """A proportion with its Wilson interval."""
    lo, hi = wilson(k, n, alpha)
    return Interval(k / n if n else NAN, lo, hi, "wilson", alpha)


def two_proportion(k1: int, n1: int, k2: int, n2: int, alpha: float = 0.05) -> Difference:
    """``k1/n1 - k2/n2`` with a Newcombe (Wilson-based) interval and a score-test p-value."""
    if n1 <= 0 or n2 <= 0:
        return Difference(NAN, NAN, NAN, NAN, k1 / n1 if n1 else NAN, k2 / n2 if n2 else NAN)
    p1, p2 = k1 / n1, k2 / n2
    lo, hi = confint_proportions_2indep(
        k1, n1, k2, n2, method="newcomb", compare="diff", alpha=alpha
    )
    if (k1 + k2) in (0, n1 + n2):
        p_value = 1.0  # both all-success or all-failure: no evidence of a difference
    else:
        p_value = float(
            test_proportions_2indep(k1, n1, k2, n2, method="score", compare="diff").pvalue
        )
    return Difference(p1 - p2, float(lo), float(hi), p_value, p1, p2)


def poisson_count(k: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson count ``k``: chi-square quantiles, lower bound 0 at
    ``k = 0``. Scaling it by a fixed amount per event (AOV per order) gives a count-based interval
    of a money total when no per-unit rows exist."""
    from scipy.stats import chi2

    if k < 0:
        raise ValueError(f"poisson_count: need k >= 0, got {k}")
    lo = 0.0 if k == 0 else float(chi2.ppf(alpha / 2, 2 * k) / 2)
    hi = float(chi2.ppf(1 - alpha / 2, 2 * (k + 1)) / 2)
    return (lo, hi)


def _pooled(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (num, den) pairs and their frequencies, in a fixed (sorted) order."""
    import polars as pl

    g = pl.DataFrame({"n": num, "d": den}).group_by("n", "d").len().sort("n", "d")
    return g["n"].to_numpy(), g["d"].to_numpy(), g["len"].to_numpy()


def _boot_sums(
    num: np.ndarray,
    den: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    chunk_cells: int = 5_000_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates of (sum num, sum den), resampling the units with replacement."""
    n = num.size
    vals_n, vals_d, counts = _pooled(num, den)
    p = counts / n
    chunk = max(1, min(n_boot, chunk_cells // max(1, p.size)))
    sn, sd = np.empty(n_boot), np.empty(n_boot)
    done = 0
    while done < n_boot:
        m = min(chunk, n_boot - done)
        w = rng.multinomial(n, p, size=m)
        sn[done : done + m] = w @ vals_n
        sd[done : done + m] = w @ vals_d
        done += m
    return sn, sd


def bootstrap_ratio(
    num: np.ndarray | list[float],
    den: np.ndarray | list[float] | None = None,
    *,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval of ``sum(num) / sum(den)`` over units (rows).

    ``den`` defaults to ones (a mean per unit: UV value with one row per viewer and the viewer's
    GMV, zero for non-buyers). For AOV pass one row per buyer. Seeded: the same data and seed give
    the same interval.
    """
    a = np.asarray(num, dtype=float)
    b = np.ones_like(a) if den is None else np.asarray(den, dtype=float)
    if a.shape != b.shape:
        raise ValueError("bootstrap_ratio: num and den must have the same length")
    if a.size == 0 or b.sum() == 0:
        return Interval(NAN, NAN, NAN, "bootstrap", alpha)
    est = float(a.sum() / b.sum())
    sn, sd = _boot_sums(a, b, n_boot, np.random.default_rng(seed))
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = sn / sd
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return Interval(est, NAN, NAN, "bootstrap", alpha)
    lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2])
    return Interval(est, float(lo), float(hi), "bootstrap", alpha)


def bootstrap_ratio_diff(
    num1: np.ndarray | list[float],
    den1: np.ndarray | list[float] | None,
    num2: np.ndarray | list[float],
    den2: np.ndarray | list[float] | None,
    *,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Interval:
    """Bootstrap interval of ``ratio(group 1) - ratio(group 2)`` (groups resampled
    independently)."""
    a1 = np.asarray(num1, dtype=float)
    a2 = np.asarray(num2, dtype=float)
    b1 = np.ones_like(a1) if den1 is None else np.asarray(den1, dtype=float)
    b2 = np.ones_like(a2) if den2 is None else np.asarray(den2, dtype=float)
    if min(a1.size, a2.size) == 0 or b1.sum() == 0 or b2.sum() == 0:
        return Interval(NAN, NAN, NAN, "bootstrap", alpha)
    est = float(a1.sum() / b1.sum() - a2.sum() / b2.sum())
    rng = np.random.default_rng(seed)
    s1n, s1d = _boot_sums(a1, b1, n_boot, rng)
    s2n, s2d = _boot_sums(a2, b2, n_boot, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = s1n / s1d - s2n / s2d
    reps = reps[np.isfinite(reps)]
    lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2]) if reps.size else (NAN, NAN)
    return Interval(est, float(lo), float(hi), "bootstrap", alpha)


@dataclass(frozen=True)
class RateRatio:
    """Ratio of two event rates (``k1/t1`` over ``k2/t2``) with interval and p-value."""

    ratio: float
    lo: float
    hi: float
    p_value: float
    rate1: float
    rate2: float

    @property
    def significant(self) -> bool:
        return not (self.lo <= 1.0 <= self.hi)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def rate_ratio(k1: int, t1: float, k2: int, t2: float, alpha: float = 0.05) -> RateRatio:
    """Poisson rate ratio ``(k1/t1) / (k2/t2)`` with a MOVER interval (sound when a count is zero)
    and the exact conditional test's p-value (statsmodels ``confint_poisson_2indep`` /
    ``test_poisson_2indep``).

    ``t`` is exposure (minutes). NaN where an exposure is zero or both counts are zero.
    """
    if t1 <= 0 or t2 <= 0 or (k1 + k2) == 0:
        r1 = k1 / t1 if t1 > 0 else NAN
        r2 = k2 / t2 if t2 > 0 else NAN
        return RateRatio(NAN, NAN, NAN, NAN, r1, r2)
    r1, r2 = k1 / t1, k2 / t2
    ratio = r1 / r2 if r2 > 0 else math.inf
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = confint_poisson_2indep(
            k1, t1, k2, t2, method="mover", compare="ratio", alpha=alpha
        )
        p = float(test_poisson_2indep(k1, t1, k2, t2, method="exact-cond", compare="ratio").pvalue)
    return RateRatio(float(ratio), float(lo), float(hi), p, r1, r2)


def overdispersed(r: RateRatio, phi: float) -> RateRatio:
    """A rate ratio's interval and p-value widened for overdispersion ``phi`` (quasi-Poisson: the
    log-scale standard error times sqrt(phi)); unchanged when ``phi <= 1`` or the interval is
    open."""
    if phi <= 1.0 or not (
        r.lo > 0 and math.isfinite(r.hi) and r.ratio > 0 and math.isfinite(r.ratio)
    ):
        return r
    k = math.sqrt(phi)
    lr = math.log(r.ratio)
    lo = math.exp(lr - (lr - math.log(r.lo)) * k)
    hi = math.exp(lr + (math.log(r.hi) - lr) * k)
    se = (math.log(r.hi) - math.log(r.lo)) / (2 * 1.959963984540054) * k
    from scipy.stats import norm

    p = float(2 * norm.sf(abs(lr) / se)) if se > 0 else r.p_value
    return RateRatio(r.ratio, lo, hi, p, r.rate1, r.rate2)
