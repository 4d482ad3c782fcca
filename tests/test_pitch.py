"""The pitch report: elements per minute, speaking rate and silences, answers to viewers' questions,
the golden 30 seconds, the count model, sections without a transcript, and one render.

One hand-written session (below) with known answers: the host's nine lines, eight comments, two
explanations in the run sheet, two products and a ten-minute trend. Texts are written for the
tests (the real captures in shared/ were only used to develop the rules)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from helpers.pitch import analysis as pa
from helpers.pitch import answers, effect, elements, minutes, opening
from helpers.pitch.text import chinese_number, link_numbers, to_simplified
from helpers.present import sections

TS = pl.Datetime("us", "Asia/Shanghai")
T0 = datetime(2026, 11, 20, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SID = "dy-pitch-1"
MARKUP = "<img src=x onerror=alert(1)>多少钱？"


def at(minutes: float) -> datetime:
    return T0 + timedelta(seconds=round(minutes * 60, 3))


def hms(h: int, m: int, s: int) -> datetime:
    return T0.replace(hour=h, minute=m, second=s)


# (start, end, text): starts and ends as HH:MM:SS of 2026-11-20
LINES = [
    ((20, 0, 5), (20, 0, 12), "姐妹们是不是一到冬天就嘴唇干燥起皮？"),
    ((20, 0, 15), (20, 0, 25), "这款润唇膏专柜价一百二，今天直播间到手价只要39元"),
    ((20, 0, 30), (20, 0, 36), "库存不多了，最后3分钟，赶紧拍"),
    ((20, 1, 10), (20, 1, 20), "3号链接已经上了，点赞关注扣1"),
    ((20, 2, 0), (20, 2, 8), "福袋马上开奖，大家点点关注"),
    ((20, 2, 40), (20, 2, 50), "问尺码的宝贝，身高160体重100斤拍S码就可以"),
    ((20, 5, 0), (20, 5, 10), "这是全网最低价，第一次来直播间的宝贝可以放心拍"),
    ((20, 6, 0), (20, 6, 8), "一号链接下播就恢复原价了"),
    ((20, 7, 0), (20, 7, 6), "19號鏈接馬上下單"),
]

# (time, viewer, text)
COMMENTS = [
    ((20, 0, 50), "v9", "主播好"),
    ((20, 2, 0), "v1", "160斤穿什么码？"),
    ((20, 3, 0), "v2", "什么时候发货？"),
    ((20, 3, 30), "v3", "几天能发货啊"),
    ((20, 4, 0), "v4", "发货要多久？"),
    ((20, 4, 30), "v5", "全网最低价吗"),
    ((20, 6, 30), "v6", "19号链接在哪"),
    ((20, 7, 30), "v7", MARKUP),
]


def transcript() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "session_id": SID,
            "start_ts": [hms(*a) for a, _, _ in LINES],
            "end_ts": [hms(*b) for _, b, _ in LINES],
            "text": [t for _, _, t in LINES],
        },
        schema_overrides={"start_ts": TS, "end_ts": TS},
    )


def comments() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "session_id": SID,
            "ts": [hms(*a) for a, _, _ in COMMENTS],
            "text": [t for _, _, t in COMMENTS],
            "viewer_id": [v for _, v, _ in COMMENTS],
        },
        schema_overrides={"ts": TS},
    )


def events() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "session_id": SID,
            "start_ts": [at(0), at(1 + 5 / 60)],
            "end_ts": [at(1), at(4)],
            "kind": ["explain", "explain"],
            "product_id": ["p1", "p3"],
        },
        schema_overrides={"start_ts": TS, "end_ts": TS},
    )


def products() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "session_id": SID,
            "product_id": ["p1", "p3"],
            "name": ["保湿润唇膏 全网最低价", "第一次用也不踩雷的护手霜"],
        }
    )


def trend() -> pl.DataFrame:
    orders = [5, 2, 3, 1, 0, 1, 2, 4, 1, 0]
    return pl.DataFrame(
        {
            "session_id": SID,
            "minute_ts": [at(i) for i in range(10)],
            "online": [100 + 10 * i for i in range(10)],
            "orders": orders,
        },
        schema_overrides={"minute_ts": TS},
    )


def sessions() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "session_id": [SID],
            "platform": ["douyin"],
            "room": ["测试直播间"],
            "start_ts": [at(0)],
            "end_ts": [at(10)],
        },
        schema_overrides={"start_ts": TS, "end_ts": TS},
    )


def frames() -> dict[str, pl.DataFrame]:
    return {
        "sessions": sessions(),
        "transcript": transcript(),
        "comments": comments(),
        "events": events(),
        "products": products(),
        "trend": trend(),
    }


@pytest.fixture(scope="module")
def det() -> pl.DataFrame:
    return pa.context(frames()).detected


def test_numbers_links_and_traditional_characters() -> None:
    assert [chinese_number(x) for x in ("3", "十九", "二十", "二十三", "一百零五", "两")] == [
        3,
        19,
        20,
        23,
        105,
        2,
    ]
    assert to_simplified("19號鏈接馬上下單") == "19号链接马上下单"
    assert link_numbers("6号和8号链接再补一点") == [6, 8]
    assert link_numbers("一号链接，十九号链接") == [1, 19]
    assert link_numbers("4月15号都可以用") == []  # a date, not a link
    assert link_numbers("一号二号都没了") == []  # no link word: not a link call in speech
    assert link_numbers("19号哪里点", need_link_word=False) == [19]


def test_elements_per_line_and_minute(det) -> None:
    by_line = {r["text"]: r for r in det.iter_rows(named=True)}
    assert by_line["姐妹们是不是一到冬天就嘴唇干燥起皮？"]["pain_point"]
    assert by_line["这款润唇膏专柜价一百二，今天直播间到手价只要39元"]["price_discount"]
    assert by_line["库存不多了，最后3分钟，赶紧拍"]["scarcity_urgency"]
    assert by_line["库存不多了，最后3分钟，赶紧拍"]["closing_push"]
    assert by_line["福袋马上开奖，大家点点关注"]["giveaway"]
    assert by_line["19號鏈接馬上下單"]["links"] == [19]  # Traditional normalised first
    assert by_line["一号链接下播就恢复原价了"]["links"] == [1]
    m = minutes.speech_per_minute(det)
    first = m.row(0, named=True)
    assert first["minute_ts"] == at(0)
    assert (
        first["pain_point"],
        first["price_discount"],
        first["scarcity_urgency"],
        first["closing_push"],
    ) == (1, 1, 1, 1)
    assert first["link_call"] == 0 and first["giveaway"] == 0
    assert m.filter(pl.col("minute_ts") == at(1)).select("link_call", "interaction_prompt").row(
        0
    ) == (1, 1)
    # 17 + 24 + 13 characters spoken in 7 + 10 + 6 seconds; pauses of 5 s (00:25–00:30) and 34 s
    assert (first["chars_per_min"], first["spoken_s"], first["silent_s"], first["gaps"]) == (
        54.0,
        23.0,
        37.0,
        2,
    )
    assert m.filter(pl.col("minute_ts") == at(3))["silent_s"].item() == 60.0
    hits = elements.element_hits(det)
    assert hits.filter(pl.col("element") == "link_call")["ts"].to_list() == [
        hms(20, 1, 10),
        hms(20, 6, 0),
        hms(20, 7, 0),
    ]


def test_minute_table_joins_trend_and_run_sheet(det) -> None:
    fr = frames()
    mt = minutes.minute_table(det, fr["trend"], None, fr["events"])
    assert mt.height == 10 and mt["orders"].to_list() == fr["trend"]["orders"].to_list()
    assert mt.filter(pl.col("explain"))["minute_ts"].to_list() == [at(i) for i in range(4)]
    # without a trend, orders come from order lines and minutes without one count zero
    orders = pl.DataFrame(
        {
            "session_id": SID,
            "order_id": ["o1", "o2", "o3"],
            "ts": [at(0.2), at(0.5), at(2.1)],
            "amount": [39.0, 39.0, 78.0],
            "status": "paid",
        },
        schema_overrides={"ts": TS},
    )
    mo = minutes.minute_table(det, None, orders, None)
    assert mo.select("orders").to_series().to_list()[:3] == [2, 0, 1]
    assert mo["gmv"][0] == 78.0 and not mo["explain"].any()


def test_questions_answered_in_order_with_delay(det) -> None:
    m = answers.match(answers.questions(comments()), det)
    assert m["intent"].to_list() == [
        "question_size",
        "question_shipping",
        "question_shipping",
        "question_shipping",
        "question_link",
        "question_price",
    ]
    size = m.filter(pl.col("intent") == "question_size").row(0, named=True)
    assert size["delay_s"] == 40.0 and size["answer"].startswith("问尺码的宝贝")
    link = m.filter(pl.col("intent") == "question_link").row(0, named=True)
    assert link["nums"] == [19] and link["delay_s"] == 30.0  # the line naming link 19, not any link
    themes = answers.unanswered_themes(m)
    assert themes.row(0, named=True)["intent"] == "question_shipping"
    assert themes.row(0, named=True)["askers"] == 3 and themes.row(0, named=True)["asks"] == 3
    assert themes["intent"].to_list() == ["question_shipping", "question_price"]
    topics = answers.by_topic(m)
    assert dict(zip(topics["intent"], topics["median_delay_s"], strict=True)) == {
        "question_price": None,
        "question_size": 40.0,
        "question_shipping": None,
        "question_link": 30.0,
    }
    s = answers.summary(m, themes)
    assert (s["asked"], s["answered"], s["median_delay_s"]) == (6, 2, 35.0)
    assert s["unanswered_themes"][0] == {
        "theme": "question_shipping",
        "intent": "question_shipping",
        "link": None,
        "asks": 3,
        "askers": 3,
    }


def test_answer_must_come_within_the_window(det) -> None:
    late = pl.DataFrame(
        {
            "session_id": SID,
            "ts": [hms(19, 58, 0)],
            "text": ["160斤穿什么码？"],
            "viewer_id": ["x"],
        },
        schema_overrides={"ts": TS},
    )
    m = answers.match(answers.questions(late), det, window_s=180)
    assert m["answer_ts"].to_list() == [None]  # the size answer came 4 min 40 s later
    assert answers.match(answers.questions(late), det, window_s=300)["delay_s"].to_list() == [280.0]


def test_golden_30_seconds_from_run_sheet_and_from_link_calls(det) -> None:
    ops = opening.golden_30s(det, events())
    assert ops["product_id"].to_list() == ["p1", "p3"]
    assert ops["elements"].to_list() == [
        ["pain_point", "price_discount"],
        ["interaction_prompt", "link_call"],
    ]
    assert ops["hook"].to_list() == [True, False]
    by_link = opening.golden_30s(det)
    assert by_link["link"].to_list() == [3, 1, 19]
    assert by_link["hook"].to_list() == [False, True, False]


def _minutes(n: int, seed: int, rr: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    d: dict = {"minute_ts": [at(i) for i in range(n)]}
    for k in pa.element_rules().elements:
        d[k] = (rng.random(n) < 0.2).astype(int)
    said = np.asarray(d["scarcity_urgency"])
    d["orders"] = rng.poisson(
        2 * np.exp(np.log(rr) * np.r_[0, said[:-1]])
    )  # the effect comes a minute later
    d["explain"] = rng.random(n) < 0.5
    d["pain_point"] = np.r_[np.ones(3, int), np.zeros(n - 3, int)]  # heard in 3 minutes only
    return pl.DataFrame(d)


def test_count_model_recovers_a_lagged_rate_ratio() -> None:
    m = _minutes(1500, 3, 2.0)
    sc = effect.fit_element(m, "scarcity_urgency")
    assert sc["status"] == "ok" and sc["lo"] < 2.0 < sc["hi"] and sc["lo"] > 1.5
    null = effect.fit_element(m, "giveaway")  # no effect simulated
    assert null["status"] == "ok" and null["lo"] < 1.0 < null["hi"]
    pain = effect.fit_element(m, "pain_point")
    assert pain["status"] == "too_little_data" and pain["rate_ratio"] is None


def test_count_model_says_too_little_data_on_a_short_show() -> None:
    eff = effect.element_effects(_minutes(12, 1, 2.0))
    assert set(eff["status"]) == {"too_little_data"}


def test_sections_say_what_they_need() -> None:
    fr = frames()
    no_transcript = pa.context({k: v for k, v in fr.items() if k != "transcript"})
    out = pa.run_all(no_transcript)
    assert {k for k, o in out.items() if o.ok} == {
        "pitch.compliance"
    }  # titles and comments still checked
    q = out["pitch.questions"]
    assert q.status == "needs" and [n.key() for n in q.missing] == ["transcript"]
    assert "主播话术转写" in sections.needs_text(q, "zh")
    assert set(out["pitch.compliance"].value["source"]) == {"product", "comment"}
    no_orders = pa.context({k: v for k, v in fr.items() if k != "trend"})
    assert pa.run_all(no_orders)["pitch.effect"].missing[0].key() == "trend.orders|orders"
    no_ids = pa.context(
        {**fr, "comments": fr["comments"].drop("viewer_id")}
    )  # optional column absent
    q = sections.run("pitch.questions", no_ids.frames(), no_ids)
    assert q.ok and q.value["themes"].row(0, named=True)["askers"] == 3  # asks stand in for askers
    assert all(o.status in ("ok", "needs") for o in pa.run_all(pa.context(fr)).values())
    empty = pa.open_pitch("", str(Path(__file__).parent / "no-such-store"))
    assert {o.status for o in pa.run_all(empty).values()} == {"needs"}
    sections.reset()


def test_sections_show_their_tables_then_one_sentence() -> None:
    from helpers.pitch import display as pd_

    ctx = pa.context(frames(), SID)
    questions = ctx.run("pitch.questions")
    shown = pd_.section(questions, "en")
    assert len(shown) == 4  # topics, answered, unanswered themes, then the sentence
    assert repr(shown[-1]) == (
        "2 of 6 questions were answered by the host within 3 minutes (same topic, same link "
        "number); median delay 35 s."
    )
    assert repr(pd_.section(ctx.run("pitch.openings"), "zh")[-1]) == (
        "2 次开场中 1 次在前 30 秒有钩子（痛点、价格/优惠、稀缺或福利）。"
    )
    assert pd_.spoken_minutes(ctx.detected) == pytest.approx(
        (ctx.detected["end_ts"] - ctx.detected["start_ts"]).dt.total_seconds().sum() / 60
    )
    summary = pa.build_summary(ctx)  # the sections run so far
    assert summary["session_id"] == SID and summary["questions"]["answered"] == 2
    assert summary["openings"] == {"count": 2, "with_hook": 1}
    assert summary["compliance"] == []  # not run: empty, as when it cannot run
    blind = pa.context({k: v for k, v in frames().items() if k != "transcript"})
    needs = pd_.section(blind.run("pitch.minutes"), "zh")
    assert len(needs) == 1 and "主播话术转写" in repr(needs[0])
    sections.reset()


@pytest.fixture(scope="module")
def pitch_store(tmp_path_factory):
    from helpers.data.store import write_session_tables

    store = tmp_path_factory.mktemp("pitch-store")
    write_session_tables(frames(), store)
    return store


@pytest.mark.slow
def test_pitch_report_renders_and_writes_summary(pitch_store, tmp_path) -> None:
    from helpers.pipeline.render import render

    res = render(
        "pitch", {"session_id": SID, "store": str(pitch_store)}, tmp_path / "out", lang="en"
    )
    assert res.ok, res.error
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert summary["report"]["status"] == "ok" and summary["sections_failed"] == []
    said = [c for c in summary["compliance"] if c["source"] == "transcript"]
    assert [(c["ts"][:19], c["term"], c["rule"], c["severity"]) for c in said] == [
        ("2026-11-20T20:05:00", "全网最低价", "price_absolute", "high")
    ]
    assert {c["source"] for c in summary["compliance"]} == {"transcript", "product", "comment"}
    assert summary["questions"]["asked"] == 6 and summary["questions"]["answered"] == 2
    assert summary["questions"]["unanswered_themes"][0]["intent"] == "question_shipping"
    assert {"ts", "element", "text"} <= set(summary["pitch_elements"][0])
    assert summary["openings"] == {"count": 2, "with_hook": 1}
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert ">v1<" not in html  # viewer ids never shown
