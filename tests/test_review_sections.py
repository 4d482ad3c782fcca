"""Every session-review section on what real users have: the store variants of the bundled sample
(no viewer rows, no comments, required columns only, the session list alone ...), hand-built
sessions with known answers (counts-only intervals, the platform's room funnel, new vs returning
buyers, the platform's audience portrait), random optional columns dropped, and one rendered
report without viewer rows."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from session_synth import make_session
from store_variants import make_variant, sample_store

from helpers import review
from helpers.data import schema
from helpers.data.store import Session, list_sessions, load_session, write_session_tables
from helpers.metrics import stats
from helpers.present import sections

SH = ZoneInfo(schema.TZ)
T0 = datetime(2026, 11, 16, 20, 0, tzinfo=SH)
SID = "dy-test-20261116-2000"
VARIANTS = (
    "full",
    "no_viewers",
    "no_viewers_comments",
    "required_only",
    "session_list_only",
    "orders_session_list",
)


def run_all(
    s: Session, store: str | None = None, targets: dict | None = None
) -> dict[str, sections.Outcome]:
    """Every session-review section in the notebook's order, each fed what the earlier ones gave."""
    fr = s.frames()
    out = {
        "review.headline": sections.run("review.headline", fr, s, targets or {}, "general", store)
    }
    head = out["review.headline"].value if out["review.headline"].ok else review.empty_headline(s)
    out["review.story"] = sections.run("review.story", fr, s)
    story = out["review.story"].value if out["review.story"].ok else None
    out["review.retention"] = sections.run("review.retention", fr, s)
    out["review.dropoff"] = sections.run("review.dropoff", fr, s, story)
    out["review.funnel"] = sections.run("review.funnel", fr, s, head.kpis, head.sources)
    for key in (
        "review.products",
        "review.explain",
        "review.traffic",
        "review.audience",
        "review.bursts",
        "review.duplicates",
        "review.integrity",
        "review.comments",
        "review.intents",
    ):
        out[key] = sections.run(key, fr, s)
    ranking = out["review.products"].value if out["review.products"].ok else pl.DataFrame()
    out["review.mix"] = sections.run("review.mix", fr, ranking)
    out["review.returning"] = sections.run("review.returning", fr, s, store)
    ret = (
        out["review.retention"].value if out["review.retention"].ok else out["review.dropoff"].value
    )
    prods = review.Products(
        ranking,
        out["review.explain"].value if out["review.explain"].ok else pl.DataFrame(),
        out["review.mix"].value if out["review.mix"].ok else pl.DataFrame(),
    )
    out["review.findings"] = sections.run(
        "review.findings",
        fr,
        head,
        story,
        ret,
        prods,
        out["review.traffic"].value,
        out["review.integrity"].value,
        lang="en",
    )
    return out


@pytest.fixture(scope="session")
def variant_stores(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("variants")
    full = sample_store(root / "full")
    return {"full": full, **{v: make_variant(full, v, root / v) for v in VARIANTS if v != "full"}}


def _latest(store: Path) -> Session:
    return load_session(list_sessions(store)["session_id"][-1], store)


# what each variant cannot support, by section (every other section runs)
NEEDS: dict[str, dict[str, list[str]]] = {
    "full": {},
    "no_viewers": {
        "review.retention": ["viewers"],
        "review.audience": ["viewers|audience_profile"],
        "review.bursts": ["viewers"],
    },
    "no_viewers_comments": {
        "review.retention": ["viewers"],
        "review.audience": ["viewers|audience_profile"],
        "review.bursts": ["viewers"],
        "review.duplicates": ["comments.viewer_id"],
        "review.integrity": ["viewers|comments.viewer_id"],
        "review.comments": ["comments"],
        "review.intents": ["comments"],
    },
    "required_only": {
        "review.retention": ["viewers"],
        "review.dropoff": ["trend.exits"],
        "review.explain": ["events.product_id", "orders.product_id"],
        "review.mix": ["products.role"],
        "review.audience": ["viewers|audience_profile"],
        "review.returning": ["orders.viewer_id|comments.viewer_id"],
        "review.bursts": ["viewers"],
        "review.duplicates": ["comments.viewer_id"],
        "review.integrity": ["viewers|comments.viewer_id"],
    },
}
_BARE = {
    "review.retention": ["viewers"],
    "review.dropoff": ["trend.online", "trend.exits"],
    "review.products": ["products"],
    "review.mix": ["products.role"],
    "review.traffic": ["traffic|viewers.source"],
    "review.audience": ["viewers|audience_profile"],
    "review.bursts": ["viewers"],
    "review.duplicates": ["comments.viewer_id"],
    "review.integrity": ["viewers|comments.viewer_id"],
    "review.comments": ["comments"],
    "review.intents": ["comments"],
}
NEEDS["session_list_only"] = {
    **_BARE,
    "review.story": ["trend|orders|viewers"],
    "review.explain": ["events.product_id", "orders.product_id"],
    "review.returning": ["orders.viewer_id|comments.viewer_id"],
}
NEEDS["orders_session_list"] = {**_BARE, "review.explain": ["events.product_id"]}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_section_on_every_store_variant(variant_stores, variant):
    store = variant_stores[variant]
    outs = run_all(_latest(store), str(store))
    failed = {k: o.error for k, o in outs.items() if o.status == "failed"}
    assert not failed
    got = {k: [n.key() for n in o.missing] for k, o in outs.items() if o.status == "needs"}
    assert got == NEEDS[variant]
    for o in outs.values():  # every skipped section says why in one sentence
        if o.status == "needs":
            text = sections.needs_text(o, "zh")
            assert text.startswith("本节需要") and text.count("。") == 1


def test_counts_give_intervals_without_viewer_rows(variant_stores):
    s = _latest(variant_stores["no_viewers"])
    k0 = s.totals.filter(pl.col("metric") == "conversion_rate")["value"][0]
    head = review.headline(s, {"conversion_rate": k0 * 1.05}, "general")
    k, src = head.kpis, head.sources
    assert src["viewers"] == "platform" and src["buyers"] == "orders"
    iv = head.intervals["conversion_rate"]
    assert iv["method"] == "wilson" and (iv["lo"], iv["hi"]) == pytest.approx(
        stats.wilson(k["buyers"], k["viewers"])
    )
    assert iv["lo"] < k["conversion_rate"] < iv["hi"]
    assert iv["hi"] - iv["lo"] > 0.01  # 70 of 1,200: a real width, not a point
    for key in ("follower_rate", "click_to_order", "uv_value", "gpm"):
        assert head.intervals[key]["lo"] <= k[key] <= head.intervals[key]["hi"], key
    # a miss of 5% on the target sits inside the interval: flagged as noise, not as a real miss
    row = head.table.filter(pl.col("metric") == "conversion_rate").row(0, named=True)
    assert row["target_flag"] == "missed_noise"


def test_money_intervals_from_order_counts_alone():
    """No buyer ids: UV value and GPM from an exact Poisson interval on the order count × AOV."""
    s = _session(totals={"viewers": 1000, "views": 2000, "gmv": 5000.0, "orders": 50, "buyers": 40})
    head = review.headline(s)
    lo_k, hi_k = stats.poisson_count(50)
    uv = head.intervals["uv_value"]
    assert uv["method"].startswith("poisson") and (uv["lo"], uv["hi"]) == pytest.approx(
        (5000 * lo_k / 50 / 1000, 5000 * hi_k / 50 / 1000)
    )
    assert head.intervals["gpm"]["lo"] == pytest.approx(uv["lo"] * 1000 * 1000 / 2000)


def test_room_funnel_agrees_with_the_platform_without_viewers(variant_stores):
    s = _latest(variant_stores["no_viewers"])
    fun = review.funnel(s)
    rates = {r["metric"]: r for r in fun.rates.iter_rows(named=True)}
    platform = s.totals.filter(pl.col("metric") == "click_to_order")["value"][0]
    # the export rounds to 4 places
    assert rates["click_to_order"]["rate"] == pytest.approx(platform, abs=5e-4)
    src = dict(zip(fun.stages["stage"], fun.stages["source"], strict=True))
    assert src["viewers"] == "platform" and src["clicked"] == "platform"
    # the sample's 商品曝光人数 exceeds its viewers: not the same people, so it is left out and
    # said so
    assert fun.dropped == ["product_exposed"] and "product_exposed" not in src


def test_five_step_room_funnel_from_platform_totals():
    totals = {
        "impressions": 20000,
        "viewers": 2000,
        "product_exposed": 1500,
        "product_clickers": 300,
        "buyers": 60,
    }
    fun = review.funnel(_session(totals=totals))
    assert fun.stages["stage"].to_list() == [
        "impressions",
        "viewers",
        "product_exposed",
        "clicked",
        "paid",
    ]
    assert fun.stages["count"].to_list() == [20000, 2000, 1500, 300, 60]
    rates = {r["metric"]: r["rate"] for r in fun.rates.iter_rows(named=True)}
    assert rates == pytest.approx(
        {
            "impression_watch_rate": 0.1,
            "exposed_rate": 0.75,
            "product_ctr": 0.2,
            "click_to_order": 0.2,
            "conversion_rate": 0.03,
        }
    )
    lo, hi = fun.rates.filter(pl.col("metric") == "click_to_order").select("lo", "hi").row(0)
    assert (lo, hi) == pytest.approx(stats.wilson(60, 300))


def test_channel_orders_are_not_called_buyers(variant_stores):
    s = _latest(variant_stores["no_viewers"])
    tr = review.traffic_sources(s)
    assert "buyers" not in tr.columns and {"orders", "order_rate"} <= set(tr.columns)
    r = tr.filter(pl.col("channel") == "关注").row(0, named=True)
    lo, hi = stats.poisson_count(r["orders"])
    assert r["order_rate"] == pytest.approx(r["orders"] / r["viewers"])
    assert (r["conv_lo"], r["conv_hi"]) == pytest.approx((lo / r["viewers"], hi / r["viewers"]))
    assert tr.filter(pl.col("level") == "channel")["share"].sum() == pytest.approx(1.0)


def _session(
    minutes: int = 60,
    totals: dict | None = None,
    tables: dict | None = None,
    **frames: pl.DataFrame,
) -> Session:
    return make_session(SID, minutes, totals, tables, **frames)


def _store_of_two_sessions(root: Path) -> Path:
    """Room r: s1 (earlier) and s2; room other: s0 (earlier, must not count)."""

    def sess(sid, room, day):
        start = datetime(2026, 11, day, 20, 0, tzinfo=SH)
        return {
            "session_id": sid,
            "platform": "douyin",
            "room": room,
            "start_ts": start,
            "end_ts": start + timedelta(hours=2),
        }

    def ts(day):
        return datetime(2026, 11, day, 20, 30, tzinfo=SH)

    sessions = pl.DataFrame([sess("s0", "other", 1), sess("s1", "r", 2), sess("s2", "r", 9)])
    orders = pl.DataFrame(
        {
            "session_id": ["s0", "s1", "s1", "s1", "s2", "s2", "s2", "s2"],
            "order_id": [str(i) for i in range(8)],
            "ts": [ts(1), ts(2), ts(2), ts(2), ts(9), ts(9), ts(9), ts(9)],
            "amount": [10.0] * 8,
            "status": ["paid", "paid", "paid", "unpaid", "paid", "paid", "paid", "cancelled"],
            "viewer_id": ["e", "a", "b", "c", "a", "e", "c", "g"],
        }
    )
    comments = pl.DataFrame(
        {
            "session_id": ["s1", "s2", "s2", "s2", "s2"],
            "ts": [ts(2), ts(9), ts(9), ts(9), ts(9)],
            "text": ["来了", "好看", "多少钱", "链接", "好看"],
            "viewer_id": ["d", "d", "f", "a", "d"],
            "tag": [None, "老客", None, None, "老客"],
        }
    )
    write_session_tables({"sessions": sessions, "orders": orders, "comments": comments}, root)
    return root


def test_new_vs_returning_buyers_and_commenters(tmp_path):
    store = _store_of_two_sessions(tmp_path / "store")
    s = load_session("s2", store)
    out = sections.run("review.returning", s.frames(), s, str(store))
    assert out.ok
    res = out.value
    assert res.earlier_sessions == 1 and res.since.day == 2  # s0 is another room
    rows = {r["population"]: r for r in res.table.iter_rows(named=True)}
    # buyers of s2 (paid): a, c, e; seen in s1: a (bought), c (ordered, unpaid); e only in the
    # other room
    assert (rows["buyers"]["people"], rows["buyers"]["returning"], rows["buyers"]["new"]) == (
        3,
        2,
        1,
    )
    assert (rows["buyers"]["lo"], rows["buyers"]["hi"]) == pytest.approx(stats.wilson(2, 3))
    # commenters of s2: a, d, f; a bought in s1, d commented in s1; d carries the 老客 tag
    assert (rows["commenters"]["people"], rows["commenters"]["returning"]) == (3, 2)
    assert rows["commenters"]["tagged_returning"] == 1 and rows["commenters"][
        "tagged_share"
    ] == pytest.approx(1 / 3)
    s1 = load_session("s1", store)
    first = sections.run("review.returning", s1.frames(), s1, str(store)).value
    assert (
        first.earlier_sessions == 0 and first.table["returning"].null_count() == first.table.height
    )


def _profile(with_counts: bool) -> pl.DataFrame:
    rows = [
        ("watched", "gender", "female", 0.6, 600),
        ("watched", "gender", "male", 0.4, 400),
        ("bought", "gender", "female", 0.75, 30),
        ("bought", "gender", "male", 0.25, 10),
    ]
    df = pl.DataFrame(
        rows, schema=["population", "dimension", "bucket", "share", "count"], orient="row"
    )
    df = df.with_columns(pl.lit(SID).alias("session_id"), pl.lit("r").alias("room"))
    return df if with_counts else df.drop("count")


def test_audience_from_the_platform_portrait():
    s = _session(tables={"audience_profile": _profile(True)})
    out = sections.run("review.audience", s.frames(), s)
    assert out.ok
    fem = out.value.filter(pl.col("level") == "female").row(0, named=True)
    assert fem["source"] == "audience_profile" and fem["index"] == pytest.approx(0.75 / 0.6)
    assert (fem["viewers"], fem["buyers"]) == (600, 30) and fem["conversion"] == pytest.approx(0.05)
    assert (fem["lo"], fem["hi"]) == pytest.approx(stats.wilson(30, 600))
    assert (fem["buyer_share_lo"], fem["buyer_share_hi"]) == pytest.approx(stats.wilson(30, 40))
    shares_only = review.audience(_session(tables={"audience_profile": _profile(False)}))
    male = shares_only.filter(pl.col("level") == "male").row(0, named=True)
    assert (
        male["index"] == pytest.approx(0.25 / 0.4)
        and male["conversion"] is None
        and male["lo"] is None
    )
    assert review.top_over(shares_only)["level"] == "female"


def test_dropoff_from_the_trend_alone():
    trend = pl.DataFrame(
        {
            "session_id": SID,
            "minute_ts": [T0 + timedelta(minutes=i) for i in range(10)],
            "online": [10] * 10,
            "entries": [2] * 10,
            "exits": [2] * 10,
        }
    )
    s = _session(minutes=10, trend=trend)
    out = sections.run("review.dropoff", s.frames(), s)
    assert out.ok and out.value.curves.height == 0
    assert out.value.stay["mean_stay_min"] == pytest.approx(100 / 20)  # viewer-minutes / entries
    assert out.value.stay["exit_rate"] == pytest.approx(20 / 100)
    assert set(out.value.leaving["method"]) == {"trend"}


def test_minimal_products_table_breaks_nothing():
    products = pl.DataFrame(
        {
            "session_id": SID,
            "product_id": ["1", "2"],
            "name": ["衬衫", "围巾"],
            "price": [99.0, 49.0],
        }
    )
    outs = run_all(_session(products=products))
    assert not [k for k, o in outs.items() if o.status == "failed"]
    assert outs["review.products"].ok and outs["review.products"].value["name"].to_list() == [
        "衬衫",
        "围巾",
    ]
    assert outs["review.mix"].status == "needs"


def _rich_session() -> dict[str, pl.DataFrame]:
    """A small session with every table and most optional columns."""
    n = 40
    minutes = [T0 + timedelta(minutes=i) for i in range(30)]
    vid = [f"v{i}" for i in range(n)]
    return {
        "trend": pl.DataFrame(
            {
                "session_id": SID,
                "minute_ts": minutes,
                "online": [20 + i % 7 for i in range(30)],
                "entries": [3] * 30,
                "exits": [2 + i % 3 for i in range(30)],
                "orders": [i % 2 for i in range(30)],
                "gmv": [50.0 * (i % 2) for i in range(30)],
            }
        ),
        "events": pl.DataFrame(
            {
                "session_id": SID,
                "start_ts": [minutes[2], minutes[10]],
                "kind": ["explain", "lottery"],
                "end_ts": [minutes[8], None],
                "product_id": ["p1", None],
            }
        ),
        "products": pl.DataFrame(
            {
                "session_id": SID,
                "product_id": ["p1", "p2"],
                "name": ["a", "b"],
                "price": [50.0, 30.0],
                "role": ["hero", "traffic"],
                "exposures_uv": [30, 20],
                "clicks_uv": [10, 4],
                "buyers": [5, 2],
                "gmv": [250.0, 60.0],
            }
        ),
        "viewers": pl.DataFrame(
            {
                "session_id": SID,
                "viewer_id": vid,
                "enter_ts": [minutes[i % 30] for i in range(n)],
                "watch_s": [30.0 * (i % 9) for i in range(n)],
                "source": ["关注" if i % 3 else "千川" for i in range(n)],
                "gender": ["female" if i % 2 else "male" for i in range(n)],
                "returning": [i % 4 == 0 for i in range(n)],
                "product_clicks": [i % 3 for i in range(n)],
            }
        ),
        "orders": pl.DataFrame(
            {
                "session_id": SID,
                "order_id": [str(i) for i in range(8)],
                "ts": [minutes[3 + 3 * i] for i in range(8)],
                "amount": [50.0] * 8,
                "status": ["paid"] * 6 + ["refunded", "unpaid"],
                "viewer_id": vid[:8],
                "product_id": ["p1"] * 5 + ["p2"] * 3,
                "units": [1] * 8,
            }
        ),
        "comments": pl.DataFrame(
            {
                "session_id": SID,
                "ts": [minutes[i % 30] for i in range(20)],
                "text": ["多少钱" if i % 2 else "好看好看好看好看好看" for i in range(20)],
                "viewer_id": vid[:20],
                "tag": ["老客" if i % 5 == 0 else None for i in range(20)],
            }
        ),
        "traffic": pl.DataFrame(
            {
                "session_id": SID,
                "channel": ["关注", "千川"],
                "viewers": [27, 13],
                "paid": [False, True],
                "views": [30, 15],
                "gmv": [300.0, 100.0],
                "orders": [6, 2],
                "spend": [0.0, 80.0],
                "impressions": [None, 4000],
            }
        ),
    }


_OPTIONAL = {
    name: sorted(c.name for c in schema.table(name).columns if not c.required and c.name in cols)
    for name, cols in ((n, df.columns) for n, df in _rich_session().items())
}


@st.composite
def _cut(draw) -> dict[str, tuple[list[str], list[str]]]:
    """Per table: optional columns to drop and optional columns to null out."""
    out = {}
    for name, cols in _OPTIONAL.items():
        drop = draw(st.lists(st.sampled_from(cols), unique=True)) if cols else []
        rest = [c for c in cols if c not in drop]
        null = draw(st.lists(st.sampled_from(rest), unique=True, max_size=2)) if rest else []
        out[name] = (drop, null)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=_cut(), totals=st.booleans(), empty=st.sets(st.sampled_from(sorted(_OPTIONAL)), max_size=3)
)
def test_no_section_fails_whatever_optional_columns_are_missing(cut, totals, empty):
    frames = {}
    for name, df in _rich_session().items():
        if name in empty:
            continue
        drop, null = cut[name]
        df = df.drop(drop).with_columns(pl.lit(None, dtype=df.schema[c]).alias(c) for c in null)
        frames[name] = df
    tot = (
        {"viewers": 40, "buyers": 7, "product_clickers": 12, "product_exposed": 35}
        if totals
        else None
    )
    outs = run_all(_session(minutes=30, totals=tot, **frames))
    assert not {k: o.error for k, o in outs.items() if o.status == "failed"}


@pytest.mark.slow
def test_report_without_viewer_rows_renders_and_says_what_it_left_out(variant_stores, tmp_path):
    from argparse import Namespace

    from helpers.pipeline.commands import cli_report

    out = tmp_path / "session"
    args = Namespace(
        kind="session",
        session_id="",
        store=str(variant_stores["no_viewers"]),
        out=str(out),
        lang="en",
        targets="",
        category="apparel",
    )
    assert cli_report(args) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["report"]["status"] == "ok" and summary["sections_failed"] == []
    assert {x["section"] for x in summary["sections_skipped"]} == {
        "review.retention",
        "review.audience",
        "review.bursts",
    }
    html = (out / "report.html").read_text("utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))
    assert "Traceback" not in text and "section failed" not in text
    assert (
        text.count("This section needs viewer-level rows (viewers table), which") == 2
    )  # retention, bursts
    assert "viewer-level rows (viewers table) or the audience portrait" in text
    assert "Drop-off from the minute trend instead" in text and "gives orders only" in text
