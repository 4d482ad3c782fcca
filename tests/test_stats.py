"""Intervals on known answers: Wilson, difference of proportions, seeded bootstrap of ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.metrics import stats


def test_wilson_known_values():
    lo, hi = stats.wilson(10, 100)
    # Wilson 95% for 10/100 (textbook value): 0.0552 .. 0.1744
    assert lo == pytest.approx(0.05523, abs=1e-4) and hi == pytest.approx(0.17437, abs=1e-4)
    lo, hi = stats.wilson(0, 50)
    assert lo == pytest.approx(0.0, abs=1e-12) and 0 < hi < 0.08
    assert all(math.isnan(x) for x in stats.wilson(0, 0))
    with pytest.raises(ValueError):
        stats.wilson(5, 3)


def test_two_proportion():
    d = stats.two_proportion(60, 1000, 40, 1000)
    assert d.diff == pytest.approx(0.02)
    assert d.lo < 0.02 < d.hi
    assert 0.02 < d.p_value < 0.06  # z ≈ 1.99 on the pooled score test
    same = stats.two_proportion(50, 1000, 50, 1000)
    assert same.diff == 0 and same.p_value == pytest.approx(1.0) and not same.significant
    big = stats.two_proportion(600, 10000, 400, 10000)
    assert big.significant and big.p_value < 1e-6
    assert math.isnan(stats.two_proportion(1, 0, 1, 10).diff)


def test_bootstrap_ratio_seeded_and_covering():
    rng = np.random.default_rng(1)
    gmv = np.where(rng.random(5000) < 0.05, rng.gamma(2.0, 100.0, 5000), 0.0)
    a = stats.bootstrap_ratio(gmv, seed=3)
    b = stats.bootstrap_ratio(gmv, seed=3)
    assert a == b  # deterministic
    assert a.estimate == pytest.approx(gmv.mean())
    assert a.lo < a.estimate < a.hi
    se = gmv.std(ddof=1) / math.sqrt(gmv.size)
    assert (a.hi - a.lo) == pytest.approx(2 * 1.96 * se, rel=0.15)  # agrees with the normal approx


def test_bootstrap_ratio_of_sums_and_edge_cases():
    num, den = [10.0, 20.0, 30.0], [1.0, 1.0, 2.0]
    r = stats.bootstrap_ratio(num, den, n_boot=200, seed=0)
    assert r.estimate == pytest.approx(15.0)
    assert math.isnan(stats.bootstrap_ratio([], seed=0).estimate)
    with pytest.raises(ValueError):
        stats.bootstrap_ratio([1.0], [1.0, 2.0])


def test_bootstrap_ratio_diff():
    rng = np.random.default_rng(2)
    x = rng.normal(10, 2, 2000)
    y = rng.normal(9, 2, 2000)
    d = stats.bootstrap_ratio_diff(x, None, y, None, seed=1, n_boot=500)
    assert d.estimate == pytest.approx(x.mean() - y.mean())
    assert d.lo > 0.5 and d.hi < 1.5


def test_rate_ratio():
    r = stats.rate_ratio(30, 10, 40, 50)  # 3/min inside vs 0.8/min outside
    assert r.ratio == pytest.approx(3.75)
    assert r.lo < 3.75 < r.hi and r.significant and r.p_value < 1e-6
    flat = stats.rate_ratio(10, 10, 50, 50)
    assert flat.ratio == pytest.approx(1.0) and not flat.significant
    assert math.isnan(stats.rate_ratio(0, 10, 0, 20).ratio)
    zero = stats.rate_ratio(
        0, 4, 4, 116
    )  # no orders inside the window: interval from 0, not above 1
    assert (
        zero.ratio == 0
        and zero.lo == pytest.approx(0.0)
        and 1.0 < zero.hi < 100
        and not zero.significant
    )


def test_overdispersed_widens_on_the_log_scale():
    r = stats.rate_ratio(60, 30, 40, 40)
    w = stats.overdispersed(r, 4.0)
    assert w.ratio == r.ratio
    assert math.log(w.hi / w.ratio) == pytest.approx(2 * math.log(r.hi / r.ratio))
    assert math.log(w.ratio / w.lo) == pytest.approx(2 * math.log(r.ratio / r.lo))
    assert w.p_value > r.p_value
    assert stats.overdispersed(r, 0.5) == r


def test_poisson_count_exact_garwood_limits():
    # published exact 95% limits for a Poisson count (Garwood 1936)
    assert stats.poisson_count(0) == pytest.approx((0.0, 3.6889), abs=1e-4)
    assert stats.poisson_count(10) == pytest.approx((4.7954, 18.3904), abs=1e-4)
    lo, hi = stats.poisson_count(400)
    assert lo < 400 < hi and (hi - lo) == pytest.approx(
        2 * 1.96 * 20, rel=0.02
    )  # normal limit for large k
    with pytest.raises(ValueError):
        stats.poisson_count(-1)
