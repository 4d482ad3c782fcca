"""The actions engine: rules as data over computed results, confidence from intervals, the
free-channel and ROI-floor guards, ranking; and actions that follow the data of each session."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.review import actions as A


def _channel(name, paid, viewers, buyers, conversion, lo, hi, spend=0.0, gmv=0.0):
    return {
        "channel": name,
        "paid": paid,
        "viewers": viewers,
        "buyers": buyers,
        "conversion": conversion,
        "conv_lo": lo,
        "conv_hi": hi,
        "overall": 0.06,
        "share": 0.3,
        "lost": (0.06 - conversion) * viewers * 300,
        "spend": spend,
        "gmv": gmv,
        "roi": gmv / spend if spend else None,
        "roi_reliable": A.roi_reliable(spend, buyers),
        "roi_lo": 0.3,
        "roi_hi": 0.7,
        "loss": spend - gmv if spend else None,
        "rate_label": "观看-成交率",
        "rate_text": f"{conversion:.2%}",
        "overall_text": "6.00%",
    }


def test_matches_conditions_and_field_references():
    row = {"a": 3, "b": 5, "paid": False}
    assert A.matches(row, {"a": {"lt": "$b"}, "paid": False})
    assert not A.matches(row, {"a": {"gt": "$b"}})
    assert not A.matches(row, {"missing": {"lt": 1}})  # a missing value never matches
    assert A.matches(row, {"a": {"ge": 3, "le": 3}})


def test_confidence_from_the_interval():
    assert A.confidence(0.5, 0.4, 0.6, 1.0) == "high"  # excludes 1, spans 1.5×
    assert A.confidence(0.2, 0.05, 0.6, 1.0) == "medium"  # excludes 1, spans 12×
    assert A.confidence(0.9, 0.5, 1.4, 1.0) == "low"  # contains 1
    assert A.confidence(0.9, None, None, 1.0) == "low"


def test_free_channel_gets_content_never_a_budget_cut():
    rows = {"channels": [_channel("直播推荐", False, 400, 10, 0.025, 0.014, 0.045)]}
    acts = A.evaluate(rows, "zh")
    assert [a["kind"] for a in acts] == ["content"]
    assert acts[0]["channel"] == "直播推荐" and acts[0]["paid"] is False
    assert "预算" not in acts[0]["text"]
    en = A.evaluate(rows, "en")[0]["text"]
    assert "budget" not in en and "直播推荐" in en


def test_a_budget_rule_on_a_free_channel_is_dropped_by_the_engine():
    rule = {
        "id": "bad",
        "kind": "paid_budget",
        "source": "channels",
        "when": {"roi": {"lt": 1}},
        "impact": "loss",
        "interval": {},
        "evidence": "sec_traffic",
        "text": {"zh": "减少 {channel} 预算"},
    }
    free = _channel("直播推荐", False, 400, 40, 0.1, 0.07, 0.13, spend=5000, gmv=1000)
    paid = _channel("千川", True, 400, 40, 0.1, 0.07, 0.13, spend=5000, gmv=1000)
    acts = A.evaluate({"channels": [free, paid]}, "zh", [rule])
    assert [a["channel"] for a in acts] == ["千川"]


def test_roi_floor_tiny_spend_is_never_acted_on():
    tiny = _channel("千川", True, 143, 1, 0.007, 0.001, 0.04, spend=225.7, gmv=68.9)
    big = _channel("千川PC", True, 900, 40, 0.044, 0.03, 0.06, spend=8000, gmv=4000)
    assert not tiny["roi_reliable"] and big["roi_reliable"]
    acts = [a for a in A.evaluate({"channels": [tiny, big]}, "zh") if a["kind"] == "paid_budget"]
    assert [a["channel"] for a in acts] == ["千川PC"]
    assert acts[0]["impact_yuan"] == pytest.approx(4000.0) and acts[0]["paid"] is True


def test_rank_orders_by_weighted_impact_and_caps_kinds():
    acts = [
        {
            "kind": k,
            "rule": f"r{i}",
            "text": str(i),
            "impact_yuan": imp,
            "confidence": c,
            "evidence": "x",
        }
        for i, (k, imp, c) in enumerate(
            [
                ("a", 1000, "low"),
                ("a", 900, "high"),
                ("a", 800, "high"),
                ("b", 500, "medium"),
                ("c", 100, "high"),
                ("d", 50, "high"),
                ("e", 10, "high"),
            ]
        )
    ]
    out = A.rank(acts)
    assert [a["text"] for a in out] == ["1", "2", "3", "4", "5"]  # 900, 800, 1000×.3=300, 100, 50
    assert [a["rank"] for a in out] == [1, 2, 3, 4, 5]
    assert sum(a["kind"] == "a" for a in out) == 2


def test_actions_are_never_templates_every_session_gets():
    rows = {
        "decomposition": [
            {
                "factor": "viewers",
                "value": 1300,
                "reference": 1200,
                "contribution": 800,
                "lo": 1230,
                "hi": 1370,
                "lost": -800,
                "change": 0.083,
                "best_window": "–",
                "worst_cell": "–",
            }
        ]
    }
    assert A.evaluate(rows, "zh") == []  # viewers above the reference: no traffic action


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    from store_variants import sample_store

    return sample_store(tmp_path_factory.mktemp("actions") / "store")


def _session_actions(store: Path, sid: str) -> tuple[list[dict], list[dict]]:
    from helpers import review
    from helpers.data.store import load_session
    from helpers.metrics.targets import session_targets
    from helpers.review import verdict as V

    s = load_session(sid, store)
    tg = session_targets(s.info, None, store)
    head = review.headline(s, tg, "apparel", store)
    v = V.verdict(s, tg, store, kpis=head.kpis)
    res = review.candidates(
        v,
        head.kpis,
        head.intervals,
        windows=review.explanation_windows(s),
        traffic=review.traffic_sources(s),
        leaving=review.retention(s).leaving,
        category="apparel",
        lang="zh",
    )
    return A.evaluate(res, "zh"), A.actions(res, "zh")


def test_actions_differ_between_sessions_whose_data_differ(store):
    all_a, a = _session_actions(store, "dy-nuanyang88-20261118-1900")
    all_b, b = _session_actions(store, "dy-nuanyang88-20261120-2000")
    assert 3 <= len(a) <= 5 and 3 <= len(b) <= 5
    assert "refund_above_benchmark" in {
        x["rule"] for x in all_a
    }  # 34% refunds, above apparel's 30%
    assert "refund_above_benchmark" not in {x["rule"] for x in all_b}
    rules_a, rules_b = {x["rule"] for x in a}, {x["rule"] for x in b}
    assert "repeat_explanation_flopped" in rules_b and "repeat_explanation_flopped" not in rules_a
    assert rules_a != rules_b
    assert [x["text"] for x in a] != [x["text"] for x in b]
    for x in a + b:
        assert x["evidence"].startswith("sec_") and x["impact_yuan"] > 0
        assert x["confidence"] in ("high", "medium", "low")
        assert not (x["kind"] == "paid_budget" and not x.get("paid"))
