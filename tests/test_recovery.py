"""Recovery of the simulator's planted truth (helpers.sim.simulate): logistic coefficients, event
lifts, audience segments, price elasticity. The figures are recorded in docs/models.md.

20 seeds × (3 sessions × 3,000 viewers) are simulated once per module (~10 s) and shared.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from helpers import audience as sg
from helpers import models as md
from helpers.sim.simulate import simulate_week

SEEDS = range(100, 120)


@pytest.fixture(scope="module")
def fits():
    """Per seed: the truth and the fitted logistic, minute-level and order-timing models."""
    out = []
    for seed in SEEDS:
        w = simulate_week(seed=seed, viewers=3000, sessions=3)
        t = w.tables
        design = md.viewer_design(t["viewers"], t["orders"])
        logit = md.fit_viewer_logit(design, test_size=0, marginal_effects=False)
        mdf = md.minute_design(t["trend"], t["events"], t["sessions"])
        counts = md.fit_counts(mdf)
        timing = md.fit_order_timing(
            md.order_timing_design(t["viewers"], t["orders"], mdf, t["sessions"])
        )
        out.append((w.truth, logit, counts, timing))
    return out


def _coverage(pairs: list[tuple[float, float, float]]) -> float:
    return float(np.mean([lo <= true <= hi for true, lo, hi in pairs]))


def test_logit_intervals_cover_the_true_coefficients(fits) -> None:
    pairs = []
    for truth, logit, _, _ in fits:
        coefs = truth["purchase_model"]["coefficients"]
        assert set(logit.table["term"]) == set(coefs)  # same names as the truth
        for term, true in coefs.items():
            row = logit.coef(term)
            pairs.append((true, row["lo"], row["hi"]))
    rate = _coverage(pairs)
    # 17 coefficients × 20 seeds = 340 intervals; binomial sd of the rate at 95% is 1.2 points
    assert 0.91 <= rate <= 0.99, (
        f"95% intervals covered the true coefficients in {rate:.1%} of {len(pairs)}"
    )
    print(f"logit coverage {rate:.3f} over {len(pairs)} intervals")


def test_order_timing_lifts_cover_the_planted_lifts(fits) -> None:
    pairs = []
    for truth, _, _, timing in fits:
        for term, true in truth["event_lifts"].items():
            row = timing.lift(term)
            pairs.append((true, row["lo"], row["hi"]))
    rate = _coverage(pairs)
    assert rate >= 0.88, (
        f"order-timing lift intervals covered the planted lifts in {rate:.1%} of {len(pairs)}"
    )
    print(f"order-timing lift coverage {rate:.3f} over {len(pairs)} intervals")


def test_minute_level_lifts_are_recovered(fits) -> None:
    pairs, estimates = [], {k: [] for k in ("explain", "lottery", "coupon", "flash_sale")}
    for truth, _, counts, _ in fits:
        for term, true in truth["event_lifts"].items():
            row = counts.lift(term)
            pairs.append((true, row["lo"], row["hi"]))
            estimates[term].append(row["lift"])
    rate = _coverage(pairs)
    # orders per online viewer is a population-level lift, diluted by short stays inside an event
    # (see fit_order_timing): its intervals hold the planted lifts less often than nominal
    assert rate >= 0.70, (
        f"minute-level lift intervals covered the planted lifts in {rate:.1%} of {len(pairs)}"
    )
    med = {k: float(np.median(v)) for k, v in estimates.items()}
    truth = fits[0][0]["event_lifts"]
    for k, v in med.items():
        assert 1.0 < v <= truth[k] * 1.1, (k, v, truth[k])
    print(f"minute-level lift coverage {rate:.3f}; median lifts {med}")


def test_planted_segments_are_recovered(sim_week) -> None:
    t = sim_week.tables
    design = md.viewer_design(t["viewers"], t["orders"])
    feats, _, _ = sg.engagement_features(design)
    truth = design["sim_segment"].to_numpy()
    aris = []
    for seed in (0, 1, 2):
        cl = sg.cluster_viewers(feats, sg.CLUSTER_FEATURES, seed=seed)
        assert cl.k == 4
        aris.append(adjusted_rand_score(truth, cl.labels))
        if seed == 0:
            first = cl.labels
        else:
            assert adjusted_rand_score(first, cl.labels) > 0.95  # stable across clustering seeds
    assert min(aris) >= 0.8, f"adjusted Rand index vs planted segments: {aris}"
    print(f"segment ARI {aris}")


def test_apparel_elasticities_are_recovered(sim_week) -> None:
    t = sim_week.tables
    el = md.price_elasticity(md.price_observations(t["products"], t["events"], t["sessions"]))
    truth = sim_week.truth["elasticity"]
    assert set(el["category"]) == set(truth)
    # intervals (also of estimates too imprecise to report) hold the truth at about the nominal
    # rate: 92% over 10 seeds × 5 categories in docs/models.md; here at least 4 of 5
    held = [
        r["lo"] <= -truth[r["category"]] <= r["hi"] for r in el.to_dict("records")
    ]  # demand falls
    assert sum(held) >= 4, el
    # too-wide intervals are refused, not reported
    wide = el["hi"] - el["lo"] > md.MAX_ELASTICITY_WIDTH
    assert not el.loc[wide, "identified"].any() and el.loc[wide, "elasticity"].isna().all()
