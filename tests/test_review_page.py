"""The session review's page: its sentences from known inputs, and a whole review opened on the
simulated week (every section run once, every cell's display objects, summary.json)."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest

from helpers import review
from helpers.present import sections
from helpers.review import page
from helpers.review.comments import intent_totals
from helpers.review.funnel import Funnel
from helpers.review.page_people import audience_sentence, returning_sentence
from helpers.review.page_sales import coupon_sentence
from helpers.review.returning import Returning


def test_interval_text_formats_the_metric_in_the_language() -> None:
    iv = {"lo": 0.0512, "hi": 0.0587}
    assert review.interval_text("conversion_rate", iv, "zh") == "（95% 区间 5.12%–5.87%）"
    assert review.interval_text("conversion_rate", iv, "en") == " (95% interval 5.12%–5.87%)"


def _funnel(dropped: list[str]) -> Funnel:
    rates = pl.DataFrame(
        {"metric": ["click_to_order"], "rate": [0.25], "lo": [0.2], "hi": [0.3]},
    )
    return Funnel(pl.DataFrame(), pl.DataFrame(), rates, dropped)


def test_funnel_facts_name_the_steps_left_out() -> None:
    facts = page.funnel_facts(_funnel(["clicked", "paid"]), "zh")
    assert facts["c2o"] == "25.0%" and facts["c2o_iv"] == "（95% 区间 20.0%–30.0%）"
    assert facts["dropped"].startswith("未放入漏斗：商品点击人数、")
    en = page.funnel_facts(_funnel([]), "en")
    assert en["dropped"] == "" and en["c2o_iv"] == " (95% interval 20.0%–30.0%)"


def test_a_median_stay_longer_than_the_session_is_said_not_printed_as_nan() -> None:
    from types import SimpleNamespace

    def facts(median: float | None, lang: str) -> str:
        summary = pl.DataFrame({"median_min": [median], "still_5": [0.8], "still_30": [0.6]})
        return page._stay_facts(SimpleNamespace(summary=summary, leaving=pl.DataFrame()), lang)[
            "med"
        ]

    assert facts(12.34, "zh") == "观众中位停留 12.3 分钟"
    assert facts(float("nan"), "zh") == "过半观众看到了下播（中位停留长于本场，无法给出）"
    assert facts(None, "en").startswith("More than half the viewers stayed to the end")


def test_coupon_sentence_states_the_platform_figures_or_their_absence() -> None:
    text = coupon_sentence({"coupon_gmv": 12345.6, "coupon_gmv_share": 0.1234}, "zh").text
    assert text == "平台口径：消费券引导支付 12,346 元（占 12.3%），补贴 – 元，使用 – 张。"
    assert "no coupon claim" in coupon_sentence({}, "en").text


def test_returning_sentence_counts_buyers_and_commenters() -> None:
    table = pl.DataFrame(
        {
            "population": ["buyers", "commenters"],
            "people": [40, 10],
            "returning": [10, 5],
            "returning_share": [0.25, 0.5],
            "lo": [0.14, 0.24],
            "hi": [0.4, 0.76],
            "tagged_share": [None, 0.3],
        }
    )
    newret = Returning(table, 3, datetime(2026, 11, 9, 20))
    en = returning_sentence(newret, "en").text
    assert "3 earlier session(s) in this store (since 2026-11-09)" in en
    assert "10 of 40 buyers had been here before (25.0%, 95% interval 14.0%–40.0%)." in en
    assert "5 of 10 commenters" in en and en.endswith(
        "30.0% of commenters carry the platform&#x27;s 老客 tag."  # data is escaped
    )
    zh = returning_sentence(Returning(table.head(1), 0, None), "zh").text
    assert (
        zh == "本库没有该直播间更早的场次，无法区分新老客。"
        "买家 40 人中 10 人此前来过（25.0%，95% 区间 14.0%–40.0%）。"
    )


def test_audience_sentence_names_the_over_represented_group() -> None:
    aud = pl.DataFrame(
        {
            "dimension": ["gender", "gender"],
            "level": ["female", "male"],
            "viewers": [600, 400],
            "index": [1.4, 0.4],
            "source": ["viewers", "viewers"],
        }
    )
    text = audience_sentence(aud, "en").text
    assert "= female (buyer share / viewer share = 1.40)" in text
    assert "viewers table" in text
    assert audience_sentence(aud.head(0), "zh").text == "人群数据不足以比较观看与成交。"


def test_intent_totals_sum_minutes_most_frequent_first() -> None:
    per_minute = pl.DataFrame(
        {"intent": ["price", "size", "price", "other"], "comments": [2, 3, 2, 3]}
    )
    totals = intent_totals(per_minute)
    assert totals.rows() == [("price", 4), ("other", 3), ("size", 3)]


@pytest.fixture(scope="module")
def opened(sim_week, sim_store) -> review.Context:
    sections.reset()
    sid = sim_week.truth["integrity"]["session_id"]
    return review.open_review(sid, str(sim_store), "", "apparel", "en")


def test_open_review_runs_every_section_once_before_page_one(opened) -> None:
    keys = list(opened.out)
    assert keys[:7] == [
        "review.headline",
        "review.verdict",
        "review.windows",
        "review.traffic",
        "review.retention",
        "review.promotions",
        "review.actions",
    ]
    assert keys[-1] == "review.findings" and "review.dropoff" not in keys  # viewer rows present
    assert opened.ret is opened.value("review.retention")
    assert opened.found and opened.found == opened.value("review.findings")


def test_every_cell_shows_display_objects(opened) -> None:
    cells = (
        page.headline,
        page.story,
        page.retention,
        page.leaving,
        page.funnel,
        page.products,
        page.windows,
        page.mix,
        page.traffic,
        page.promotions,
        page.audience,
        page.returning,
        page.comments,
        page.integrity,
    )
    for cell in cells:
        shown = cell(opened)
        assert shown and all(
            hasattr(x, "_repr_html_") or hasattr(x, "_repr_markdown_") for x in shown
        )
        assert not any("failed" in repr(x) for x in shown), cell.__name__
    assert repr(page.opening(opened)).startswith("**")
    assert page.findings(opened).text.startswith("1. ")
    note = page.summary_note(opened).text
    assert note.startswith("summary.json: ") and f"{len(opened.found)} findings" in note


def test_build_summary_of_an_opened_review(opened) -> None:
    summary = review.build_summary(opened)
    assert summary["session_id"] == opened.session.session_id
    assert summary["lang"] == "en" and summary["category"] == "apparel"
    assert len(summary["findings"]) == len(opened.found)
    assert [a["text"] for a in summary["actions"]] == [a["text"] for a in opened.acts]
    assert summary["funnel"] == review.funnel_steps(opened.value("review.funnel").stages)
    json.dumps(summary, default=str)  # serialisable
