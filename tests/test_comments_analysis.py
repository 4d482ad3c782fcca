"""Comment analyses on a small hand-built session with known answers, plus the simulated week."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from helpers.comments import analysis as A
from helpers.comments import charts as cc
from helpers.comments import classify_frame
from helpers.data.privacy import pseudonymise

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 16, 20, 0, tzinfo=TZ)
TS = pl.Datetime("us", "Asia/Shanghai")
COPY = "这家店衣服质量太好了，强烈推荐大家下单！"


def at(minute: float) -> datetime:
    return T0 + timedelta(seconds=minute * 60)


def _session() -> dict[str, pl.DataFrame]:
    rows: list[tuple[float, str, str]] = []
    # background: 2 interaction comments per minute for 30 minutes
    for m in range(30):
        rows += [(m + 0.1, "666", f"bg{m}a"), (m + 0.5, "来了", f"bg{m}b")]
    # explanation of P1 at minutes 10-15: size questions, asked again by new viewers at 14
    rows += [
        (10.2, "160斤穿什么码", "q1"),
        (10.4, "尺码怎么选", "q2"),
        (11.0, "什么码", "q3"),
        (14.0, "160斤穿什么码", "q4"),
        (14.5, "120斤穿什么码", "q5"),
    ]
    rows += [(12.0, "多少钱", "q6")]
    # one question outside explanations
    rows += [(3.0, "包邮吗", "q7")]
    # complaints
    rows += [
        (5.0, "质量太差了起球", "c1"),
        (6.0, "质量太差了起球", "c2"),
        (7.0, "太贵了", "c3"),
        (8.0, "<img src=x onerror=alert(1)> 太贵了", "c4"),
    ]
    # bought comments: 12 viewers paste the same long text within two minutes at minute 20
    rows += [(20 + i / 10, COPY, f"fake{i}") for i in range(12)]
    comments = pl.DataFrame(
        {
            "session_id": "s1",
            "ts": [at(m) for m, _, _ in rows],
            "text": [t for _, t, _ in rows],
            "viewer_id": [v for _, _, v in rows],
        },
        schema_overrides={"ts": TS},
    ).sort("ts")
    events = pl.DataFrame(
        {
            "session_id": "s1",
            "start_ts": [at(10), at(25)],
            "kind": ["explain", "lottery"],
            "end_ts": [at(15), None],
            "product_id": ["P1", None],
            "label": ["讲解 P1", "福袋"],
        },
        schema_overrides={"start_ts": TS, "end_ts": TS},
    )
    orders = [0] * 30
    for m in range(10, 20):
        orders[m] = 3  # orders follow the explanation (window + 5 minutes)
    trend = pl.DataFrame(
        {
            "session_id": "s1",
            "minute_ts": [at(m) for m in range(30)],
            "online": [100] * 30,
            "orders": orders,
        },
        schema_overrides={"minute_ts": TS},
    )
    products = pl.DataFrame({"session_id": "s1", "product_id": ["P1"], "name": ["羊毛大衣"]})
    return {"comments": comments, "events": events, "trend": trend, "products": products}


@pytest.fixture(scope="module")
def sess():
    s = _session()
    s["classified"] = classify_frame(s["comments"])
    return s


def test_intent_mix_counts_and_shares(sess):
    mix = A.intent_mix(sess["classified"])
    n = sess["classified"].height
    assert mix["comments"].sum() == n
    assert mix.filter(pl.col("intent") == "question_size")["comments"][0] == 5
    assert mix.filter(pl.col("intent") == "complaint_price")["comments"][0] == 2
    assert mix["share"].sum() == pytest.approx(1.0, abs=1e-3)
    assert mix["intent_group"][0] == "question"  # groups in their fixed order


def test_per_minute_aligns_with_trend_and_run_sheet(sess):
    pm = A.per_minute(sess["classified"], sess["trend"], sess["events"])
    assert pm.height == 30
    assert pm["minute"].to_list() == list(range(30))
    assert pm["comments"].sum() == sess["classified"].height
    row10 = pm.filter(pl.col("minute") == 10).row(0, named=True)
    assert row10["question"] == 2 and row10["product_id"] == "P1" and row10["orders"] == 3
    assert pm.filter(pl.col("minute") == 15)["product_id"][0] is None
    assert pm.filter(pl.col("minute") == 5)["sentiment"][0] < 0.5  # the complaint minute


def test_explanation_questions_rise_and_orders_follow(sess):
    ex = A.explanation_questions(
        sess["classified"], sess["events"], sess["trend"], sess["products"]
    )
    assert ex.height == 1
    r = ex.row(0, named=True)
    assert r["name"] == "羊毛大衣" and r["questions"] == 6 and r["minutes"] == 5.0
    # 6 questions in 5 minutes vs 1 in the other 25 minutes
    assert r["questions_per_min"] == pytest.approx(1.2)
    assert r["question_lift"] == pytest.approx(1.2 / (1 / 25), rel=1e-2)
    assert r["top_question"] == "question_size"
    # orders: 30 in the 10 minutes of window+5 against 0 elsewhere → lift undefined (no baseline)
    assert r["orders"] == 30 and r["orders_per_min"] == 3.0


def test_explanation_order_lift_against_baseline(sess):
    trend = sess["trend"].with_columns(pl.lit(1).alias("orders"))
    trend = trend.with_columns(
        pl.when(pl.col("minute_ts").is_between(at(10), at(19))).then(4).otherwise(1).alias("orders")
    )
    r = A.explanation_questions(sess["classified"], sess["events"], trend).row(0, named=True)
    # window 10-15 + 5 min → minutes 10..19 at 4/min; outside the window (25 minutes) minutes 15-19
    # are 4 and the rest 1: baseline (5*4 + 20*1)/25 = 1.6
    assert r["orders_per_min"] == 4.0
    assert r["order_lift"] == pytest.approx(4.0 / 1.6, rel=1e-2)
    assert r["orders_followed"] is True


def test_unanswered_questions_counts_new_askers_after_the_gap(sess):
    uq = A.unanswered_questions(sess["classified"], sess["events"], gap_minutes=3)
    top = uq.row(0, named=True)
    assert (top["intent"], top["product_id"]) == ("question_size", "P1")
    assert top["asks"] == 5 and top["askers"] == 5 and top["re_askers"] == 2  # q4, q5 at 14+
    assert top["examples"][0] == "160斤穿什么码"
    shipping = uq.filter(pl.col("intent") == "question_shipping").row(0, named=True)
    assert shipping["product_id"] is None and shipping["re_askers"] == 0


def test_complaint_themes_and_pseudonymised_examples(sess):
    th = A.complaint_themes(sess["classified"])
    assert th["intent"].to_list() == ["complaint_price", "complaint_quality"] or th[
        "comments"
    ].to_list() == [2, 2]
    assert th["comments"].sum() == 4
    q = th.filter(pl.col("intent") == "complaint_quality").row(0, named=True)
    assert "起球" in q["keywords"] and q["sentiment"] < 0.2
    ex = A.complaint_examples(sess["classified"], per_theme=3)
    quality = ex.filter(pl.col("intent") == "complaint_quality").row(0, named=True)
    assert quality["text"] == "质量太差了起球" and quality["times"] == 2
    assert quality["viewer"] == pseudonymise(pl.Series(["c1"]))[0]
    assert not ex["viewer"].str.contains("^c[0-9]$").any()


def test_duplicate_texts_find_the_pasted_comment_only(sess):
    dup = A.duplicate_texts(sess["classified"])
    assert dup["text"].to_list() == [COPY]
    assert (
        dup["viewers"][0] == 12
        and dup["peak_viewers"][0] == 12
        and dup["span_min"][0] == pytest.approx(1.1)
    )
    # background phrases ("666" from 30 viewers, 10 in any 10 minutes) are excluded only by the
    # length floor: lower it and they count
    assert "666" in A.duplicate_texts(sess["classified"], min_chars=2)["text"].to_list()


def test_comment_bursts_and_integrity(sess):
    b = A.comment_bursts(sess["classified"], z=4, min_comments=10)
    assert b["minute_ts"].to_list() == [at(20)]
    assert b["top_text"][0] == COPY and b["top_text_share"][0] == pytest.approx(10 / 12, abs=0.01)
    integ = A.integrity(sess["classified"])
    assert integ["duplicate_texts"] == 1 and integ["duplicate_comments"] == 12
    assert (
        integ["burst_minutes"] == 1 and integ["bursts_single_text"] == 1 and integ["flag"] is True
    )


def test_summary_keys(sess):
    s = A.summary(sess["classified"], sess["events"], sess["trend"])
    assert s["comments"] == sess["classified"].height
    assert s["top_question"] == "question_size"
    assert s["unanswered_themes"][0] == {
        "intent": "question_size",
        "product_id": "P1",
        "re_askers": 2,
    }
    assert s["explanations"] == 1 and s["explanations_questions_rose"] == 1
    assert set(s["intent_groups"]) == {
        "question",
        "purchase",
        "praise",
        "complaint",
        "interaction",
        "spam",
        "other",
    }
    assert s["integrity"]["flag"] is True


def test_keyword_trends_per_session():
    c = pl.DataFrame(
        {
            "session_id": ["a"] * 4 + ["b"] * 4,
            "ts": [T0] * 8,
            "text": [
                "质量好",
                "质量好",
                "尺码偏大",
                "链接",
                "尺码偏大",
                "尺码偏大",
                "尺码偏大",
                "质量好",
            ],
        },
        schema_overrides={"ts": TS},
    )
    kt = A.keyword_trends(c, top=3)
    assert set(kt["keyword"]) == {"尺码", "质量", "偏大"}
    assert kt.height == 6  # every session x every top keyword, zero-filled
    a = {r["keyword"]: r for r in kt.filter(pl.col("session_id") == "a").iter_rows(named=True)}
    b = {r["keyword"]: r for r in kt.filter(pl.col("session_id") == "b").iter_rows(named=True)}
    assert a["质量"]["count"] == 2 and a["质量"]["per_1k"] == 500.0 and a["质量"]["rank"] == 1
    assert b["尺码"]["count"] == 3 and b["尺码"]["change_per_1k"] == 500.0
    assert a["尺码"]["change_per_1k"] is None
    only_q = A.keyword_trends(c, top=5, intents=["complaint"])
    assert only_q.height == 0 or only_q["count"].sum() == 0


def test_empty_session_is_handled():
    empty = classify_frame(
        pl.DataFrame(
            schema={"session_id": pl.String, "ts": TS, "text": pl.String, "viewer_id": pl.String}
        )
    )
    assert A.intent_mix(empty).height == 0
    assert A.unanswered_questions(empty).height == 0
    assert A.duplicate_texts(empty).height == 0
    assert A.comment_bursts(empty).height == 0
    assert A.summary(empty)["comments"] == 0


def test_charts_build_from_aggregates(sess):
    pm = A.per_minute(sess["classified"], sess["trend"], sess["events"])
    fig = cc.minute_chart(pm, sess["events"], "en")
    assert len(fig.data) >= 3
    assert cc.intent_mix_chart(A.intent_mix(sess["classified"])).data[0].type == "bar"
    ex = A.explanation_questions(sess["classified"], sess["events"], sess["trend"])
    cc.explanation_chart(ex)
    kt = A.keyword_trends(sess["comments"], top=5)
    assert cc.keyword_chart(kt).data[0].type == "heatmap"


def test_simulated_week_agrees_with_generating_intent(sim_week):
    """Sanity check against the simulator's own labels (not the evaluation set)."""
    c = classify_frame(sim_week.tables["comments"], tokens=False)
    sim = c.filter(pl.col("sim_intent") != "fabricated").with_columns(
        pl.col("sim_intent").str.split("_").list.first().alias("sim_group")
    )
    agree = (sim["sim_group"] == sim["intent_group"]).mean()
    assert agree > 0.8
    fab = c.filter(pl.col("sim_intent") == "fabricated")
    if fab.height:
        flagged = [
            A.integrity(g)["duplicate_texts"]
            for _, g in c.group_by("session_id")
            if g["sim_intent"].eq("fabricated").any()
        ]
        assert all(n >= 1 for n in flagged)


def test_explain_windows_from_a_run_sheet_with_only_required_columns() -> None:
    # events cut to session_id, start_ts, kind (no end, no product): windows end at the next start
    ev = pl.DataFrame(
        {
            "session_id": ["s1"] * 3,
            "start_ts": [at(0), at(3), at(20)],
            "kind": ["explain", "explain", "explain"],
        },
        schema_overrides={"start_ts": TS},
    )
    w = A.explain_windows(ev)
    assert w.schema["end_ts"] == TS and w["product_id"].null_count() == 3
    assert w["end_ts"].to_list() == [at(3), at(8), at(25)]


def test_comment_sections_without_viewer_ids_skip_only_the_per_viewer_part() -> None:
    from helpers.present import sections

    raw = pl.DataFrame(
        {
            "session_id": ["s1"] * 4,
            "ts": [at(1), at(2), at(2.5), at(9)],
            "text": ["多少钱", "M码有吗", "质量太差了", "已拍"],
        },
        schema_overrides={"ts": TS},
    )

    class _S:  # the frames a Session gives, comments without viewer ids
        def frames(self):
            return {"comments": raw}

    ctx = A.CommentsContext("s1", _S(), classify_frame(raw))
    outs = A.run_all(ctx)
    assert {k for k, o in outs.items() if not o.ok} == {
        "comments.unanswered",
        "comments.explanations",
    }
    assert [n.key() for n in outs["comments.unanswered"].missing] == ["comments.viewer_id"]
    assert outs["comments.intents"].value["summary"]["comments"] == 4
    assert outs["comments.integrity"].value["figures"]["repeating_viewers"] == 0
    assert "viewer_id" in sections.needs_text(outs["comments.unanswered"], "en")


def test_report_display_sentences_from_known_results(sess) -> None:
    """The sentences the report shows are computed from the section results, words from the
    catalogue; a section that could not run says what it needs instead."""
    from helpers.comments import display as cd
    from helpers.comments.intent import label
    from helpers.present import sections

    ctx = A.CommentsContext("s1", None, sess["classified"], {"P1": "半身裙"})
    minutes = A.per_minute(sess["classified"], None, sess["events"])
    row = cd.busiest_minute(minutes)  # minutes 10 and 14 both have two questions: the first wins
    assert row is not None and row["question"] == 2 and row["product_id"] == "P1"
    assert cd.busiest_minute(minutes.with_columns(pl.lit(0).alias("question"))) is None
    out = sections.Outcome("comments.minutes", "ok", value=minutes)
    assert repr(cd.minutes(out, ctx, "en")) == (
        "The minute with most questions was 20:10 (2 questions; product being explained: 半身裙)."
    )
    assert label("question_size", "zh") == "尺码/颜色提问" and label("question_size", "en") == (
        "question size"
    )
    assert label("no_such_code", "zh") == "no_such_code" and label(None) == "–"
    need = [sections.Need.parse("comments.viewer_id")]
    missing = sections.Outcome("comments.unanswered", "needs", missing=need)
    lines = cd.left_out([out, missing], "en")
    assert len(lines) == 1 and repr(lines[0]).startswith("- **")
    assert [repr(x) for x in cd.left_out([out], "zh")] == ["全部分析均已运行。"]
