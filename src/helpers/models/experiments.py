"""A/B tests between sessions or arms (two pitches, two prices), with honest power.

- :func:`ab_test`: conversion difference (two-proportion score test, Newcombe interval, from
  :mod:`helpers.metrics.stats`), AOV difference (bootstrap interval), the power the sample at hand
  had for a target lift, the minimum detectable effect (MDE) at 80% power, the exposures per arm a
  target lift needs, and a warning when the result was looked at more than once (peeking).
- :func:`sample_size` / :func:`mde`: planning figures (statsmodels ``NormalIndPower`` on Cohen's h).

Rule of thumb of live-commerce practice: at least ~5,000 exposures per arm for pitch or price tests.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.metrics.stats import bootstrap_ratio_diff, two_proportion
from helpers.present.i18n import t

RULE_OF_THUMB_EXPOSURES = 5000


def _h(p1: float, p2: float) -> float:
    from statsmodels.stats.proportion import proportion_effectsize

    return float(proportion_effectsize(p1, p2))


def sample_size(p_base: float, rel_lift: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Exposures per arm to detect ``p_base → p_base·(1+rel_lift)`` (two-sided, equal arms)."""
    from statsmodels.stats.power import NormalIndPower

    if not 0 < p_base < 1 or rel_lift == 0:
        return 0
    p2 = min(p_base * (1 + rel_lift), 0.999999)
    n = NormalIndPower().solve_power(
        effect_size=abs(_h(p2, p_base)), alpha=alpha, power=power, ratio=1.0
    )
    return math.ceil(float(n))


def power_at(p_base: float, rel_lift: float, n1: int, n2: int, *, alpha: float = 0.05) -> float:
    """Power of a two-sided two-proportion test with ``n1``, ``n2`` exposures for a relative
    lift."""
    from statsmodels.stats.power import NormalIndPower

    if not 0 < p_base < 1 or n1 <= 0 or n2 <= 0:
        return math.nan
    p2 = min(p_base * (1 + rel_lift), 0.999999)
    return float(
        NormalIndPower().power(
            effect_size=abs(_h(p2, p_base)), nobs1=n1, alpha=alpha, ratio=n2 / n1
        )
    )


def mde(p_base: float, n1: int, n2: int, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest relative lift over ``p_base`` detectable with this power (nan if not computable)."""
    from statsmodels.stats.power import NormalIndPower

    if not 0 < p_base < 1 or n1 <= 0 or n2 <= 0:
        return math.nan
    h = float(NormalIndPower().solve_power(nobs1=n1, alpha=alpha, power=power, ratio=n2 / n1))
    # invert Cohen's h: h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p1))
    x = math.asin(math.sqrt(p_base)) + h / 2
    if x >= math.pi / 2:
        return math.nan
    return math.sin(x) ** 2 / p_base - 1


@dataclass
class ABResult:
    """The reading of one A/B comparison (arm A minus arm B)."""

    arm_a: str
    arm_b: str
    n_a: int
    n_b: int
    buyers_a: int
    buyers_b: int
    conv_a: float
    conv_b: float
    conv_diff: float
    conv_lo: float
    conv_hi: float
    p_value: float
    aov_a: float
    aov_b: float
    aov_diff: float
    aov_lo: float
    aov_hi: float
    target_lift: float
    power_for_target: float
    mde_rel: float
    needed_per_arm: int
    looks: int
    warnings: list[str] = field(default_factory=list)  # in English (summary.json)
    notices: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # the same, as keys

    def warning_texts(self, lang: str = "zh") -> list[str]:
        """The warnings in the report language."""
        return [t(key, lang, **values) for key, values in self.notices]

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05 and self.looks <= 1

    def as_dict(self) -> dict[str, Any]:
        """Every field but ``notices`` (the warnings as catalogue keys)."""
        out = asdict(self)
        out.pop("notices")
        return out


def _aov(a: Any, b: Any, alpha: float, seed: int) -> dict[str, float]:
    """Mean per-buyer amount of each arm (``aov_a``, ``aov_b``) and their difference with a
    bootstrap interval (no interval below two buyers in an arm)."""
    a = np.asarray(a if a is not None else [], dtype=float)
    b = np.asarray(b if b is not None else [], dtype=float)
    aov_a = float(a.mean()) if a.size else math.nan
    aov_b = float(b.mean()) if b.size else math.nan
    diff, lo, hi = aov_a - aov_b, math.nan, math.nan
    if a.size >= 2 and b.size >= 2:
        iv = bootstrap_ratio_diff(a, None, b, None, alpha=alpha, seed=seed)
        diff, lo, hi = iv.estimate, iv.lo, iv.hi
    return {"aov_a": aov_a, "aov_b": aov_b, "aov_diff": diff, "aov_lo": lo, "aov_hi": hi}


Notice = tuple[str, dict[str, Any]]


def _notices(
    p_value: float,
    smaller: int,
    pw: float,
    needed: int,
    looks: int,
    target_lift: float,
    alpha: float,
    power: float,
) -> list[Notice]:
    """The warnings a reading carries, as (catalogue key, values): peeking, a test smaller than
    the rule of thumb, too little power for the target lift."""
    out: list[Notice] = []
    if looks > 1:
        out.append(("models.ab_peeking", {"looks": looks, "p": p_value, "bound": alpha / looks}))
    if smaller < RULE_OF_THUMB_EXPOSURES:
        out.append(("models.ab_small", {"n": smaller, "rule": RULE_OF_THUMB_EXPOSURES}))
    if math.isfinite(pw) and pw < power:
        out.append(("models.ab_underpowered", {"power": pw, "lift": target_lift, "needed": needed}))
    return out


def ab_test(
    buyers_a: int,
    n_a: int,
    buyers_b: int,
    n_b: int,
    amounts_a: np.ndarray | list[float] | None = None,
    amounts_b: np.ndarray | list[float] | None = None,
    *,
    arm_a: str = "A",
    arm_b: str = "B",
    target_lift: float = 0.10,
    looks: int = 1,
    alpha: float = 0.05,
    power: float = 0.8,
    seed: int = 0,
) -> ABResult:
    """Compare two arms: conversion (buyers / exposures) and AOV (per-buyer order amounts).

    ``target_lift`` is the relative conversion lift the test should detect (default +10%);
    ``looks`` is how many times the result was inspected before this reading: more than one makes
    the nominal p-value too optimistic, so the result carries a peeking warning and a Bonferroni
    bound ``alpha / looks`` to compare against instead.
    """
    d = two_proportion(buyers_a, n_a, buyers_b, n_b, alpha=alpha)
    p_base = d.p2 if 0 < d.p2 < 1 else (buyers_a + buyers_b) / max(1, n_a + n_b)
    needed = sample_size(p_base, target_lift, alpha=alpha, power=power)
    pw = power_at(p_base, target_lift, n_a, n_b, alpha=alpha)
    smaller = min(n_a, n_b)
    notices = _notices(d.p_value, smaller, pw, needed, looks, target_lift, alpha, power)
    return ABResult(
        arm_a=arm_a,
        arm_b=arm_b,
        n_a=n_a,
        n_b=n_b,
        buyers_a=buyers_a,
        buyers_b=buyers_b,
        conv_a=d.p1,
        conv_b=d.p2,
        conv_diff=d.diff,
        conv_lo=d.lo,
        conv_hi=d.hi,
        p_value=d.p_value,
        **_aov(amounts_a, amounts_b, alpha, seed),
        target_lift=target_lift,
        power_for_target=pw,
        mde_rel=mde(p_base, n_a, n_b, alpha=alpha, power=power),
        needed_per_arm=needed,
        looks=looks,
        warnings=[t(key, "en", **values) for key, values in notices],
        notices=notices,
    )


def ab_from_design(
    design: pd.DataFrame, arm_of: dict[str, str], *, arm_a: str, arm_b: str, **kw: Any
) -> ABResult:
    """:func:`ab_test` on a viewer design (``helpers.models.viewer_design``), arms given per
    session.

    ``arm_of`` maps session_id → arm name. Exposures are viewers; AOV uses per-buyer GMV.
    """
    arm = design["session_id"].map(arm_of)
    ga, gb = design[arm == arm_a], design[arm == arm_b]
    amt_a = ga.loc[ga["bought"] == 1, "gmv"].to_numpy()
    amt_b = gb.loc[gb["bought"] == 1, "gmv"].to_numpy()
    return ab_test(
        int(ga["bought"].sum()),
        len(ga),
        int(gb["bought"].sum()),
        len(gb),
        amt_a,
        amt_b,
        arm_a=arm_a,
        arm_b=arm_b,
        **kw,
    )


def planning_table(
    p_base: float,
    lifts: tuple[float, ...] = (0.05, 0.10, 0.20, 0.30),
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """Exposures per arm needed for each relative lift at a baseline conversion."""
    return pd.DataFrame(
        {
            "rel_lift": list(lifts),
            "per_arm": [sample_size(p_base, lift, alpha=alpha, power=power) for lift in lifts],
        }
    )
