"""The session-review defects found in review, each on a hand-built session with a known answer:
free channels, explanation lifts, ROI on tiny spend, observed peaks, one AOV basis, percentages, no
raw keys in tables, the minute chart's legend and hover, findings' thresholds stated once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from session_synth import make_session

from helpers import review
from helpers.data import schema
from helpers.data.store import Session
from helpers.metrics import definitions as metrics
from helpers.present.labels import heading
from helpers.review import charts

SH = ZoneInfo(schema.TZ)
T0 = datetime(2026, 11, 16, 20, 0, tzinfo=SH)
SID = "dy-defects-20261116-2000"


def _ts(minute: float) -> datetime:
    return T0 + timedelta(seconds=minute * 60)


def _session(minutes: int = 60, **tables: pl.DataFrame) -> Session:
    return make_session(SID, minutes, **tables)


def _orders(rows: list[tuple[float, float, str, str, str]]) -> pl.DataFrame:
    """(minute, amount, status, viewer, product) → order lines."""
    return pl.DataFrame(
        {
            "session_id": SID,
            "order_id": [f"o{i}" for i in range(len(rows))],
            "ts": [_ts(m) for m, *_ in rows],
            "amount": [a for _, a, *_ in rows],
            "status": [st for _, _, st, _, _ in rows],
            "viewer_id": [v for *_, v, _ in rows],
            "product_id": [p for *_, p in rows],
            "units": [1] * len(rows),
        }
    )


def test_free_channel_never_gets_a_budget_cut():
    s = _session()
    traffic = pl.DataFrame(
        {
            "channel": ["直播推荐", "关注"],
            "paid": [False, False],
            "viewers": [500, 500],
            "buyers": [5, 60],
            "gmv": [500.0, 6000.0],
            "conversion": [0.01, 0.12],
            "conv_lo": [0.004, 0.09],
            "conv_hi": [0.023, 0.15],
            "level": ["channel", "channel"],
            "spend": [0.0, 0.0],
            "impressions": [None, None],
            "cpm": [None, None],
        }
    )
    for lang in ("zh", "en"):
        found = review.findings(review.empty_headline(s), traffic=traffic, lang=lang)
        weak = [f for f in found if f["figure"] == "traffic"]
        assert weak and "直播推荐" in weak[0]["text"]
        assert "预算" not in weak[0]["text"] and "budget" not in weak[0]["text"]


def _costly_traffic() -> pl.DataFrame:
    # average CPM: 1,100 yuan over 30,000 impressions = 36.7; 千川 pays 90 (2.45×), the rest 10
    return pl.DataFrame(
        {
            "channel": ["千川", "直播推荐", "关注"],
            "paid": [True, False, False],
            "viewers": [500, 500, 500],
            "buyers": [5, 6, 60],
            "conversion": [0.01, 0.012, 0.12],
            "conv_lo": [0.004, 0.005, 0.09],
            "conv_hi": [0.023, 0.02, 0.15],
            "level": ["channel"] * 3,
            "spend": [900.0, 100.0, 100.0],
            "impressions": [10000, 10000, 10000],
            "cpm": [90.0, 10.0, 10.0],
        }
    )


def test_a_findings_threshold_is_the_rule_and_its_sentence(monkeypatch: pytest.MonkeyPatch):
    import importlib

    F = importlib.import_module(
        "helpers.review.findings"
    )  # the package's `findings` is the function

    s = _session()

    def cpm(lang: str) -> list[str]:
        found = review.findings(review.empty_headline(s), traffic=_costly_traffic(), lang=lang)
        return [f["text"] for f in found if f["kind"] == "cpm_high"]

    assert cpm("en") == ["Channel “千川” costs 90.0 yuan CPM, more than 20% over the average."]
    assert cpm("zh") == ["渠道「千川」千次展示费用 90.0 元，高于平均 20% 以上。"]
    monkeypatch.setattr(F, "CPM_HIGH", 2.0)  # 90 is still over 2 × 36.7, and the text says so
    assert cpm("en") == ["Channel “千川” costs 90.0 yuan CPM, more than 100% over the average."]
    monkeypatch.setattr(F, "CPM_HIGH", 2.5)  # ... but not over 2.5 × 36.7 = 91.7
    assert cpm("en") == []


def test_findings_state_the_mix_norm_and_the_short_watch_from_their_constants():
    s = _session()
    mix = pl.DataFrame(
        {"role": ["hero", "profit"], "share_gmv": [0.7, 0.3], "norm": [0.3, 0.5]}
    )  # hero 40 points over its norm, profit 20 under: both beyond the 15-point tolerance
    integ = review.Integrity(
        pl.DataFrame(),
        {"burst_minutes": 2, "suspect_viewers": 40, "suspect_share": 0.05},
        pl.DataFrame(),
        {},
    )
    prods = review.Products(pl.DataFrame(), pl.DataFrame(), mix)
    found = review.findings(review.empty_headline(s), prods=prods, integ=integ, lang="en")
    assert [f["kind"] for f in found] == ["burst", "mix_off", "mix_off"]
    assert found[0]["score"] == pytest.approx(1.05) and found[1]["score"] == pytest.approx(0.4)
    assert "watched under 10 s" in found[0]["text"]
    assert found[1]["text"] == "hero products make 70.0% of GMV against the 3:5:2 norm (30%)."


def test_every_finding_kind_has_its_sentence_in_both_languages():
    from helpers.present import i18n
    from helpers.review.findings import FINDING_TEXT, RULES

    assert {r.kind for r in RULES} <= set(FINDING_TEXT)
    assert "channel_weak_orders_free" in FINDING_TEXT
    for lang in i18n.LANGS:
        assert set(FINDING_TEXT.values()) <= set(i18n.catalogue(lang))


def _explained_session() -> Session:
    # product A: 6 orders while explained (minutes 0-5), 1 outside: a huge lift on a base of 1 order
    # product B: 10 orders while explained (minutes 20-30), 20 over the other 50 minutes
    a = [(0.5 + i * 0.7, 100.0, "paid", f"a{i}", "A") for i in range(6)] + [
        (40.0, 100.0, "paid", "a9", "A")
    ]
    b = [(20.5 + i, 50.0, "paid", f"b{i}", "B") for i in range(10)]
    b += [(31.0 + i * 1.4, 50.0, "paid", f"c{i}", "B") for i in range(20)]
    events = pl.DataFrame(
        {
            "session_id": SID,
            "start_ts": [_ts(0), _ts(20)],
            "end_ts": [_ts(5), _ts(30)],
            "kind": ["explain", "explain"],
            "product_id": ["A", "B"],
            "label": ["讲解 A", "讲解 B"],
        }
    )
    products = pl.DataFrame({"session_id": SID, "product_id": ["A", "B"], "name": ["甲", "乙"]})
    return _session(orders=_orders(a + b), events=events, products=products)


def test_explanation_lift_on_a_tiny_base_is_too_little_data():
    s = _explained_session()
    eff = {r["product_id"]: r for r in review.explanation_effect(s).iter_rows(named=True)}
    assert eff["A"]["ratio"] > 50 and eff["A"]["reliable"] is False  # base: 1 order outside
    assert eff["B"]["reliable"] is True and 2 < eff["B"]["ratio"] < 5
    win = review.explanation_windows(s)
    assert win.filter(pl.col("product_id") == "A")["reliable"].to_list() == [False]
    shown = review.with_lift_text(win, "zh")
    assert shown.filter(pl.col("product_id") == "A")["lift"][0] == "数据太少"
    assert shown.filter(pl.col("product_id") == "B")["lift"][0].endswith(")")
    assert (
        review.with_lift_text(win, "en").filter(pl.col("product_id") == "A")["lift"][0]
        == "too little data"
    )
    prods = review.Products(pl.DataFrame(), review.explanation_effect(s), pl.DataFrame())
    found = review.findings(review.empty_headline(s), prods=prods, lang="zh")
    assert not any("甲" in f["text"] for f in found)  # no "lifted 114×" finding from one order


def test_roi_on_tiny_spend_is_not_a_headline():
    o = _orders([(m, 800.0, "paid", f"v{m}", "A") for m in range(0, 50, 2)])
    traffic = pl.DataFrame(
        {
            "session_id": SID,
            "channel": ["千川", "直播推荐"],
            "viewers": [100, 400],
            "paid": [True, False],
            "gmv": [300.0, 19700.0],
            "orders": [1, 24],
            "spend": [225.7, 0.0],
        }
    )
    s = _session(orders=o, traffic=traffic)
    head = review.headline(s)
    assert head.kpis["roi"] == pytest.approx(20_000 / 225.7)  # the KPI itself is computed ...
    table = review.headline_table(head, "zh")
    roi_row = table.filter(pl.col("指标").str.starts_with(metrics.label("roi", "zh"))).row(
        0, named=True
    )
    assert roi_row["实际"] == "数据太少"  # ... but not shown as a headline figure
    tr = review.traffic_sources(s).filter(pl.col("channel") == "千川").row(0, named=True)
    assert tr["roi"] is None and tr["roi_reliable"] is False


def test_peak_table_shows_the_observed_value():
    minute_ts = pl.datetime_range(T0, _ts(59), "1m", eager=True, time_zone=schema.TZ)
    orders = [0] * 60
    orders[30], orders[29], orders[31] = 4, 1, 1
    mins = pl.DataFrame({"minute_ts": minute_ts, "orders": orders})
    peak = (
        review.find_extrema(mins, "orders", smooth=3)
        .filter(pl.col("kind") == "peak")
        .row(0, named=True)
    )
    assert peak["minute_ts"] == _ts(30) and peak["value"] == 4.0  # not the smoothed 2.0


def test_aov_is_paid_gmv_per_paying_buyer():
    o = _orders(
        [
            (1, 100.0, "paid", "a", "A"),
            (2, 50.0, "unpaid", "a", "A"),
            (3, 200.0, "paid", "b", "A"),
            (4, 90.0, "cancelled", "c", "A"),
        ]
    )
    k = metrics.session_kpis(_session(orders=o))
    assert (
        k["gmv"] == pytest.approx(440.0)
        and k["paid_gmv"] == pytest.approx(300.0)
        and k["buyers"] == 2
    )
    assert k["aov"] == pytest.approx(150.0)  # paid 300 / 2 paying buyers, not placed 440 / 2
    assert k["unit_price"] == pytest.approx(440.0 / 4)  # 件单价 stays on the GMV basis
    assert metrics.METRICS["aov"].formula == "paid GMV / paying buyers"


def test_shares_print_as_percentages():
    df = pl.DataFrame({"name": ["x"], "share_gmv": [0.437], "ctr": [0.0882], "gmv": [1234.5]})
    text = repr(review.show(df, None, "zh", decimals={"gmv": 0}))
    assert "43.7%" in text and "8.8%" in text and "0.437" not in text and "1,234" in text


@pytest.mark.parametrize(
    ("lang", "want"),
    [
        ("zh", ["是", "否", "女", "安卓", "讲解", "付费", "粉丝"]),
        ("en", ["yes", "no", "female", "Android", "explain", "paid", "followers"]),
    ],
)
def test_tables_show_no_raw_keys(lang, want):
    df = pl.DataFrame(
        {
            "paid": [True, False],
            "dimension": ["gender", "device"],
            "level": ["female", "android"],
            "kind": ["explain", "lottery"],
            "traffic_type": ["paid", "free"],
            "audience": ["followers", "non_followers"],
        }
    )
    out = review.display_frame(df, lang)
    cells = [v for col in out.columns for v in out[col].to_list()]
    for w in want:
        assert w in cells
    assert "True" not in cells and "False" not in cells and (lang == "en" or "female" not in cells)


def test_minute_chart_has_a_legend_for_each_shaded_kind_and_says_what_was_on_screen():
    s = _explained_session()
    ev = pl.DataFrame(
        {
            "session_id": SID,
            "start_ts": [_ts(0), _ts(20), _ts(40)],
            "end_ts": [_ts(5), _ts(30), _ts(43)],
            "kind": ["explain", "explain", "lottery"],
            "product_id": ["A", "B", None],
            "label": ["讲解 A", "讲解 B", "福袋"],
        }
    )
    s = _session(orders=s.orders, events=ev, products=s.products)
    story = review.minute_story(s)
    fig = charts.minute_story_chart(story.minutes, story.events, story.extrema, "zh")
    names = [tr.name for tr in fig.data if tr.showlegend is not False]
    assert "场控: 讲解" in names and "场控: 福袋/抽奖" in names
    orders = next(tr for tr in fig.data if tr.name == "订单数")
    assert "当时在播" in orders.hovertemplate
    assert orders.customdata[2] == "讲解 甲" and orders.customdata[41] == "福袋/抽奖"


def test_evidence_anchors_exist_on_section_headings():
    assert 'id="sec_traffic"' in heading("traffic", "zh")._repr_html_()
    assert 'id="section-traffic"' in heading("traffic", "en")._repr_html_()
