"""The same model and segment functions, unchanged, on real data the simulator did not make:
12,330 UCI web-shop sessions (a session plays the part of a viewer). Reading in docs/models.md."""

from __future__ import annotations

import pytest
from realdata import UCI_PATH, uci_design

from helpers import audience as sg
from helpers import models as md
from helpers.paths import project_root


@pytest.fixture(scope="module")
def uci():
    return uci_design()


def test_dataset_is_bundled_with_attribution() -> None:
    path = project_root() / UCI_PATH
    assert path.stat().st_size > 1_000_000  # the data, not an LFS pointer
    assert path.read_text("utf-8").splitlines()[0].startswith("Administrative,")
    readme = (path.parent / "README.md").read_text("utf-8")
    assert "CC BY 4.0" in readme and "Sakar" in readme and "UCI" in readme


def test_design_shape(uci) -> None:
    f = uci.frame
    assert len(f) == 12_330 and int(f["bought"].sum()) == 1_908
    assert f[uci.numeric + uci.categorical].notna().all().all()


def test_logit_runs_unchanged_and_reads_sensibly(uci) -> None:
    r = md.fit_logit(uci.frame, uci.outcome, uci.numeric, uci.categorical, uci.references)
    assert r.converged and r.n_test > 3000
    assert r.auc > 0.88, r.auc  # held-out
    pv = r.coef("log_page_value")
    assert pv["lo"] > 0 and pv["or_lo"] > 2.5  # page value dominates the continuous effects
    top_terms = r.top_effects(4)["term"].tolist()
    assert "log_page_value" in top_terms and "month[T.Nov]" in top_terms
    assert r.coef("month[T.Nov]")["or_lo"] > 2  # November converts far better than May
    assert (
        r.coef("visitor_type[T.New_Visitor]")["lo"] > 0
    )  # new visitors buy more, other things equal
    assert r.coef("exit_rate")["hi"] < 0
    # the checks fire on real data: sparse traffic types pooled, one separated, rates collinear
    assert "traffic_type" in r.pooled and r.separation
    assert {"bounce_rate", "exit_rate"} <= set(r.high_vif)
    assert abs(r.calibration["observed"].mean() - r.calibration["predicted"].mean()) < 0.03


def test_segmentation_runs_unchanged(uci) -> None:
    cl = sg.cluster_viewers(uci.frame, uci.behaviour, seed=0)
    assert 2 <= cl.k <= 8 and cl.stability_ari > 0.9
    prof = sg.cluster_profiles(
        uci.frame,
        cl,
        uci.frame[uci.behaviour],
        words={
            "log_page_value": ("high page value", "no page value"),
            "exit_rate": ("high exit rate", "low exit rate"),
        },
    )
    assert prof["viewers"].sum() == 12_330
    assert prof["conversion"].max() > 3 * prof["conversion"].min()
    best = prof.sort_values("conversion").iloc[-1]
    # the buying cluster is the engaged one: above-average page value, below-average exit rate
    assert best["z_log_page_value"] > 0 > best["z_exit_rate"]
    assert prof.loc[prof["conversion"].idxmin(), "description"] == "high exit rate"
    g = sg.group_table(uci.frame, "visitor_type")
    assert set(g["visitor_type"]) == {"Returning_Visitor", "New_Visitor", "Other"}
