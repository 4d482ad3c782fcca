"""Compliance scan: forbidden absolute terms (《广告法》第九条) and restricted claims are found with
their time, rule and severity; allowed uses that are not claims (第一次, 最后3分钟) never hit."""

from __future__ import annotations

import polars as pl
import pytest
from test_pitch import TS, comments, hms, products, transcript

from helpers.pitch import compliance
from helpers.pitch.compliance import clause_hits
from helpers.pitch.rules import compliance_rules


def _rules(text: str) -> list[tuple[str, str]]:
    return [(rule, term) for rule, term, _ in clause_hits(text)]


def test_hit_at_a_known_time_and_allowed_uses_in_the_same_transcript() -> None:
    hits = compliance.scan(transcript(), "transcript", ts_col="start_ts")
    assert hits.select("ts", "source", "term", "rule", "severity").rows() == [
        (hms(20, 5, 0), "transcript", "全网最低价", "price_absolute", "high")
    ]
    assert (
        hits["text"].item() == "这是全网最低价，第一次来直播间的宝贝可以放心拍"
    )  # the clause around the hit
    assert "广告法第九条" in hits["law"].item()


@pytest.mark.parametrize(
    "text",
    [
        "第一次来直播间",
        "最后3分钟",
        "最后一件了",
        "最近很火的款",
        "第一个下单的宝贝",
        "100%纯棉面料",
        "买的最多能拍3单",
    ],
)
def test_allowed_uses_do_not_hit(text: str) -> None:
    assert _rules(text) == []


def test_absolute_terms_and_claims() -> None:
    assert _rules("这是最好的面霜") == [("superlative", "最好")]
    assert _rules("我们是行业第一") == [("rank_first", "第一")]
    assert _rules("國家級工艺") == [("state_level", "国家级")]  # Traditional characters normalised
    assert _rules("用了立即美白") == [
        ("cosmetic_instant", "立即美白")
    ]  # not also the registered-claim rule
    assert _rules("美白淡斑精华") == [("cosmetic_special", "美白"), ("cosmetic_special", "淡斑")]
    assert _rules("喝了能降血压还能抗癌") == [
        ("medical_claim", "降血压"),
        ("medical_claim", "抗癌"),
    ]
    assert _rules("100%有效，永久不掉色") == [
        ("guarantee_absolute", "100%"),
        ("guarantee_absolute", "永久"),
    ]
    assert _rules("今天最低价") == [("price_absolute", "最低价")]  # one price claim, not also 最低


def test_severity_order_of_the_rules() -> None:
    sev = [r.severity for r in compliance_rules().rules]
    assert sev == sorted(sev, key=("high", "medium", "low").index)


def test_scan_all_products_and_comments() -> None:
    hits = compliance.scan_all(transcript(), products(), comments())
    assert hits["source"].to_list() == [
        "product",
        "comment",
        "transcript",
    ]  # titles have no time: first
    product = hits.row(0, named=True)
    assert product["ts"] is None and product["text"] == "全网最低价"
    assert hits.row(1, named=True)["ts"] == hms(20, 4, 30)
    table = compliance.by_rule(hits, "en")
    assert table.select("name", "source", "hits").rows() == [
        ("absolute price claim", s, 1) for s in ("comment", "product", "transcript")
    ]


def test_scan_tolerates_empty_and_missing_text() -> None:
    empty = pl.DataFrame(schema={"ts": TS, "text": pl.String})
    assert compliance.scan(empty, "comment").height == 0
    nulls = pl.DataFrame(
        {"ts": [hms(20, 0, 0)], "text": [None]}, schema={"ts": TS, "text": pl.String}
    )
    assert compliance.scan(nulls, "comment").height == 0
    assert compliance.scan_all().height == 0
