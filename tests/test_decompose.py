"""GMV gap decomposition on hand-built sessions with known viewers, conversion and AOV."""

from __future__ import annotations

import math

import pytest

from helpers.metrics.decompose import decompose, gmv_of, method


def _by(parts):
    return {p["factor"]: p["contribution"] for p in parts}


def _session(viewers, conversion, aov):
    return {"viewers": viewers, "conversion": conversion, "aov": aov}


def test_gmv_of_both_identities():
    assert gmv_of(_session(1000, 0.05, 200)) == pytest.approx(10_000)
    assert gmv_of({"views": 2000, "gpm": 500}, ("views", "gpm")) == pytest.approx(1000)


def test_one_factor_moved_takes_the_whole_gap():
    parts = decompose(_session(1200, 0.05, 200), _session(1000, 0.05, 200))
    assert _by(parts) == pytest.approx({"viewers": 2000.0, "conversion": 0.0, "aov": 0.0})
    assert [p["factor"] for p in parts] == ["viewers", "conversion", "aov"]
    assert parts[0]["value"] == 1200 and parts[0]["reference"] == 1000


def test_offsetting_factors_known_lmdi_split():
    # GMV 10,000 both times: conversion −20% and AOV +25% cancel; LMDI gives ±10,000·ln(1.25)
    parts = decompose(_session(1000, 0.04, 250), _session(1000, 0.05, 200))
    by = _by(parts)
    assert by["viewers"] == pytest.approx(0.0)
    assert by["conversion"] == pytest.approx(10_000 * math.log(0.8))
    assert by["aov"] == pytest.approx(10_000 * math.log(1.25))
    assert math.fsum(by.values()) == pytest.approx(0.0, abs=1e-9)
    assert method(_session(1000, 0.04, 250), _session(1000, 0.05, 200)) == "lmdi"


def test_three_factors_sum_exactly_to_the_gap():
    cur, ref = _session(1108, 0.0583, 352.2), _session(1200, 0.0637, 332.1)
    parts = decompose(cur, ref)
    gap = gmv_of(cur) - gmv_of(ref)
    assert math.fsum(p["contribution"] for p in parts) == pytest.approx(gap, abs=1e-6)
    by = _by(parts)
    assert by["viewers"] < 0 and by["conversion"] < 0 and by["aov"] > 0
    # LMDI: each part is L(G1, G0) · ln(x1/x0)
    g1, g0 = gmv_of(cur), gmv_of(ref)
    w = (g1 - g0) / math.log(g1 / g0)
    assert by["viewers"] == pytest.approx(w * math.log(1108 / 1200))


def test_zero_factor_falls_back_to_shapley():
    # no buyers this time: Shapley over viewers and conversion (AOV unchanged), known by hand
    cur, ref = _session(1200, 0.0, 200), _session(1000, 0.05, 200)
    assert method(cur, ref) == "shapley"
    by = _by(decompose(cur, ref))
    assert by["viewers"] == pytest.approx(0.5 * (200 * 0.05 * 200 + 200 * 0.0 * 200))
    assert by["conversion"] == pytest.approx(0.5 * (-0.05 * 1000 * 200 - 0.05 * 1200 * 200))
    assert by["aov"] == pytest.approx(0.0)
    assert math.fsum(by.values()) == pytest.approx(-10_000.0)


def test_views_times_gpm():
    parts = decompose({"views": 2000, "gpm": 500}, {"views": 1000, "gpm": 500}, ("views", "gpm"))
    assert _by(parts) == pytest.approx({"views": 500.0, "gpm": 0.0})


def test_missing_factor_is_an_error():
    with pytest.raises(ValueError, match="aov"):
        decompose({"viewers": 1, "conversion": 0.1}, _session(1, 0.1, 1))
    with pytest.raises(ValueError, match="conversion"):
        gmv_of({"viewers": 1, "conversion": None, "aov": 3})
