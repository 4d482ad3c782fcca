"""The verdict: reference (target or the room's history), the gap, its decomposition, the 2×2 of
paid/free × followers, the funnel steps; on the bundled sample store and its variants."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from helpers.data.store import list_sessions, load_session
from helpers.metrics import definitions as metrics
from helpers.present import sections
from helpers.review import verdict as V
from helpers.review.verdict_cells import cells

EVENING = "dy-nuanyang88-20261121-2100"


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    from store_variants import sample_store

    return sample_store(tmp_path_factory.mktemp("verdict") / "store")


def test_slots_are_one_definition_for_every_report():
    from helpers.metrics.slots import slot_key, slot_of

    hours = [0, 4, 5, 10, 11, 13, 14, 17, 18, 21, 22, 23]
    want = [
        "night",
        "night",
        "morning",
        "morning",
        "noon",
        "noon",
        "afternoon",
        "afternoon",
        "evening",
        "evening",
        "night",
        "night",
    ]
    assert [slot_key(h) for h in hours] == want
    assert pl.DataFrame({"h": hours}).select(slot_of(pl.col("h")))["literal"].to_list() == want


def test_verdict_against_the_target_sums_to_the_gap(store):
    s = load_session(EVENING, store)
    k = metrics.session_kpis(s)
    v = V.verdict(s, {"gmv": 42_900.0, "viewers": 1300.0, "conversion_rate": 0.0996}, store, kpis=k)
    assert v.reference_kind == "target" and v.basis == "target_scaled"
    assert v.gmv == pytest.approx(k["paid_gmv"])  # the verdict is on paid GMV
    assert v.reference == pytest.approx(42_900.0 * k["paid_gmv"] / k["gmv"])
    assert v.gap == pytest.approx(v.gmv - v.reference)
    assert math.fsum(p["contribution"] for p in v.decomposition) == pytest.approx(v.gap, abs=1e-6)
    by = {p["factor"]: p for p in v.decomposition}
    assert by["viewers"]["reference"] == 1300.0 and by["conversion"]["reference"] == pytest.approx(
        0.0996
    )
    assert by["conversion"]["value"] == pytest.approx(k["buyers"] / k["viewers"])
    assert by["aov"]["value"] == pytest.approx(k["paid_gmv"] / k["buyers"])
    assert v.lo < v.gap < v.hi


def test_verdict_against_history_uses_same_slot_sessions(store):
    s = load_session(EVENING, store)
    v = V.verdict(s, {}, store)
    assert v.reference_kind == "history"
    prev = list_sessions(store).filter(pl.col("start_ts") < s.info["start_ts"])
    evening = [r["session_id"] for r in prev.iter_rows(named=True) if r["start_ts"].hour >= 18]
    assert len(evening) >= V.MIN_SAME_SLOT and v.basis == "same_slot"
    assert v.sessions == evening[-5:]
    hist = metrics.kpi_table(store, v.sessions)
    assert v.reference == pytest.approx(
        hist["paid_gmv"].mean()
    )  # pooled factors multiply to the mean
    assert math.fsum(p["contribution"] for p in v.decomposition) == pytest.approx(v.gap, abs=1e-6)
    assert v.summary()["gap_pct"] == pytest.approx(v.gap / v.reference)


def test_first_session_without_target_is_skipped_with_its_reason(store):
    first = list_sessions(store)["session_id"][0]
    s = load_session(first, store)
    out = sections.run("review.verdict", s.frames(), s, {}, store)
    assert out.status == "needs" and out.error is None  # not a failure: the run stays ok
    assert sections.needs_text(out, "en").startswith(
        "No target, and no earlier session of this room"
    )


def test_cells_from_viewers_add_up(store):
    s = load_session(EVENING, store)
    k = metrics.session_kpis(s)
    c = cells(s)
    assert set(c["traffic_type"]) == {"paid", "free"} and set(c["audience"]) == {
        "followers",
        "non_followers",
    }
    assert c["viewers"].sum() == k["viewers"] and c["buyers"].sum() == k["buyers"]
    assert c["gmv"].sum() == pytest.approx(k["paid_gmv"])
    paid = c.filter(pl.col("traffic_type") == "paid")["viewers"].sum()
    assert (
        paid
        == s.viewers.filter(
            pl.col("source").is_in(["千川", "品牌投放", "其他投放", "随心推", "千川PC"])
        ).height
    )


def test_cells_without_viewers_use_traffic_and_follower_share(store, tmp_path):
    from store_variants import make_variant

    nv = make_variant(store, "no_viewers", tmp_path / "nv")
    s = load_session(EVENING, nv)
    c = cells(s)
    free = c.filter((pl.col("traffic_type") == "free") & (pl.col("audience") == "all"))
    assert free["viewers"][0] == s.traffic.filter(~pl.col("paid"))["viewers"].sum()
    share = s.totals.filter(pl.col("metric") == "follower_share")["value"][0]
    fans = c.filter(pl.col("audience") == "followers")
    assert fans["viewers"][0] == pytest.approx(share * metrics.session_kpis(s)["viewers"])
    assert fans["buyers"].null_count() == 1  # unknown there, not zero


@pytest.mark.parametrize("variant", ["session_list_only", "required_only"])
def test_verdict_never_raises_on_thin_stores(store, tmp_path, variant):
    from store_variants import make_variant

    thin = make_variant(store, variant, tmp_path / variant)
    s = load_session(EVENING, thin)
    out = sections.run("review.verdict", s.frames(), s, {}, thin)
    assert out.status in ("ok", "needs", "failed")
    if out.ok:
        assert math.fsum(p["contribution"] for p in out.value.decomposition) == pytest.approx(
            out.value.gap, abs=1e-6
        )


def test_funnel_steps_are_the_five_compass_steps():
    stages = pl.DataFrame({"stage": ["viewers", "clicked", "paid"], "count": [1000.0, 400.0, 50.0]})
    steps = V.funnel_steps(stages)
    assert [s["step"] for s in steps] == [
        "impressions",
        "viewers",
        "product_exposed",
        "clicked",
        "paid",
    ]
    assert steps[0]["count"] is None and steps[1]["rate"] is None
    assert steps[3]["rate"] == pytest.approx(0.4) and steps[4]["rate"] == pytest.approx(0.125)


def test_funnel_comparison_flags_history_outside_the_interval():
    rates = pl.DataFrame(
        {
            "metric": ["conversion_rate"],
            "numerator": ["paid"],
            "denominator": ["viewers"],
            "rate": [0.05],
            "lo": [0.04],
            "hi": [0.06],
        }
    )
    hist = pl.DataFrame({"buyers": [80.0, 90.0], "viewers": [1000.0, 1000.0]})
    out = V.funnel_comparison(rates, hist, "general").row(0, named=True)
    assert out["history"] == pytest.approx(0.085) and out["vs_history"] == "below"
    assert out["benchmark_low"] == 0.06 and out["benchmark_flag"] == "below"


def test_decision_summary_has_exactly_the_documented_keys(store):
    import json

    from helpers import review

    s = load_session(EVENING, store)
    k = metrics.session_kpis(s)
    v = V.verdict(s, {}, store, kpis=k)
    windows = review.explanation_windows(s)
    res = review.candidates(v, k, {}, windows=windows, traffic=review.traffic_sources(s), lang="en")
    acts = sections.run("review.actions", s.frames(), res, "en").value
    fun = review.funnel(s)
    out = json.loads(
        json.dumps(review.decision_summary(v, acts, windows, V.funnel_steps(fun.stages)))
    )
    assert set(out) == {"verdict", "decomposition", "actions", "explanations", "funnel"}
    assert set(out["verdict"]) == {
        "gmv",
        "reference",
        "reference_kind",
        "gap",
        "gap_pct",
        "lo",
        "hi",
    }
    assert [d["factor"] for d in out["decomposition"]] == ["viewers", "conversion", "aov"]
    assert math.fsum(d["contribution"] for d in out["decomposition"]) == pytest.approx(
        out["verdict"]["gap"]
    )
    assert 3 <= len(out["actions"]) <= 5
    for a in out["actions"]:
        assert (
            {"kind", "text", "impact_yuan", "confidence", "evidence"}
            <= set(a)
            <= {"kind", "text", "impact_yuan", "confidence", "evidence", "channel", "paid"}
        )
        assert ("channel" in a) == ("paid" in a)
    assert len(out["explanations"]) == windows.height
    for e in out["explanations"]:
        assert set(e) == {"product_id", "start", "lift", "lo", "hi", "reliable"}
        assert e["reliable"] or e["lift"] is None
    assert [f["step"] for f in out["funnel"]] == [
        "impressions",
        "viewers",
        "product_exposed",
        "clicked",
        "paid",
    ]


def test_page_one_escapes_data_and_links_evidence():
    from helpers import review

    v = V.Verdict(
        900.0,
        1000.0,
        "history",
        -100.0,
        -0.1,
        -300.0,
        100.0,
        [
            {"factor": "viewers", "value": 90.0, "reference": 100.0, "contribution": -100.0},
            {"factor": "conversion", "value": 0.1, "reference": 0.1, "contribution": 0.0},
            {"factor": "aov", "value": 100.0, "reference": 100.0, "contribution": 0.0},
        ],
        "lmdi",
        "recent",
        ["s1", "s2"],
    )
    acts = [
        {
            "kind": "explanation",
            "rule": "x",
            "text": "讲解「<img src=x onerror=alert(1)>」",
            "impact_yuan": 120.0,
            "confidence": "high",
            "evidence": "sec_products",
        }
    ]
    page = review.PageOne(v, acts, "zh")
    html = page._repr_html_()
    assert "<img" not in html and "&lt;img" in html
    assert 'href="#sec_products"' in html and "¥−100" in html and "近 2 场" in html
    text = repr(page)
    assert "少了" in text and "1. 讲解" in text and "s1, s2" in text
    empty = review.PageOne(None, [], "en", missing="This section needs x.")
    assert "This section needs x." in repr(empty) and "No action" in repr(empty)
