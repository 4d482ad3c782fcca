"""Where a GMV gap came from: GMV as a product of factors, each factor's share of the gap in yuan.

Two identities are supported (any product of named factors works):

- ``GMV = viewers × conversion × aov`` (观看人数 × 观看-成交率 × 客单价), the default;
- ``GMV = views × gpm / 1000`` (观看次数 × 千次观看成交金额).

The split is the additive LMDI (log-mean Divisia index, Ang 2005): with ``L(a, b) = (a − b) /
(ln a − ln b)`` the logarithmic mean of the two GMVs, factor ``i`` contributes
``L(GMV₁, GMV₀) · ln(xᵢ₁ / xᵢ₀)``. The contributions sum to ``GMV₁ − GMV₀`` exactly (no residual),
and a factor that did not move contributes nothing. LMDI needs every value positive; when a factor
is zero (no buyers, no spend) the split falls back to the Shapley value (the contribution of a
factor averaged over every order of switching the factors from reference to current), which also
sums exactly. Pure functions: no dependency on the review package (the weekly report uses them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations

DEFAULT_FACTORS: tuple[str, ...] = ("viewers", "conversion", "aov")
#: Factors carried in a scaled unit: GPM is GMV per 1,000 views.
SCALE: dict[str, float] = {"gpm": 1e-3}


def _values(values: Mapping[str, float | None], factors: Sequence[str]) -> list[float]:
    out = []
    for f in factors:
        v = values.get(f)
        if v is None or not math.isfinite(float(v)):
            raise ValueError(f"factor {f!r} is missing or not a finite number: {v!r}")
        out.append(float(v))
    return out


def gmv_of(values: Mapping[str, float | None], factors: Sequence[str] = DEFAULT_FACTORS) -> float:
    """The GMV the factors imply: their product (GPM scaled by 1/1000)."""
    out = 1.0
    for f, v in zip(factors, _values(values, factors), strict=True):
        out *= v * SCALE.get(f, 1.0)
    return out


def _log_mean(a: float, b: float) -> float:
    return a if a == b else (a - b) / (math.log(a) - math.log(b))


def _lmdi(cur: list[float], ref: list[float], g1: float, g0: float) -> list[float]:
    w = _log_mean(g1, g0)
    return [w * math.log(c / r) for c, r in zip(cur, ref, strict=True)]


def _shapley(cur: list[float], ref: list[float], scale: float) -> list[float]:
    n = len(cur)

    def gmv(switched: frozenset[int]) -> float:
        p = scale
        for i in range(n):
            p *= cur[i] if i in switched else ref[i]
        return p

    out = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        total = 0.0
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for subset in combinations(others, k):
                s = frozenset(subset)
                total += weight * (gmv(s | {i}) - gmv(s))
        out.append(total)
    return out


def decompose(
    current: Mapping[str, float | None],
    reference: Mapping[str, float | None],
    factors: Sequence[str] = DEFAULT_FACTORS,
) -> list[dict[str, float | str]]:
    """Each factor's contribution (yuan) to ``gmv_of(current) − gmv_of(reference)``.

    Returns ``[{"factor", "value", "reference", "contribution"}]`` in the order of ``factors``;
    the contributions sum to the gap (LMDI; Shapley when a value is not positive). Raises
    ValueError when a factor is missing from either mapping."""
    factors = tuple(factors)
    cur, ref = _values(current, factors), _values(reference, factors)
    scale = math.prod(SCALE.get(f, 1.0) for f in factors)
    g1, g0 = gmv_of(current, factors), gmv_of(reference, factors)
    positive = all(v > 0 for v in cur + ref)
    parts = _lmdi(cur, ref, g1, g0) if positive else _shapley(cur, ref, scale)
    # rounding: put the float residual (a few ulps) on the largest part so the sum is the gap
    residual = (g1 - g0) - math.fsum(parts)
    big = max(range(len(parts)), key=lambda i: abs(parts[i]))
    parts[big] += residual
    return [
        {"factor": f, "value": c, "reference": r, "contribution": p}
        for f, c, r, p in zip(factors, cur, ref, parts, strict=True)
    ]


def method(
    current: Mapping[str, float | None],
    reference: Mapping[str, float | None],
    factors: Sequence[str] = DEFAULT_FACTORS,
) -> str:
    """Which split :func:`decompose` uses for these values: ``lmdi`` or ``shapley``."""
    vals = _values(current, factors) + _values(reference, factors)
    return "lmdi" if all(v > 0 for v in vals) else "shapley"
