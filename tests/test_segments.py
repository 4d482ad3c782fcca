"""helpers.audience on small frames with known answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import polars as pl
import pytest

from helpers import audience as sg
from helpers.data.weeks import in_week
from helpers.metrics.stats import wilson

TZ = ZoneInfo("Asia/Shanghai")


def _orders(rows: list[tuple[str, str, str, float, str]]) -> pl.DataFrame:
    """(viewer, session, day, amount, status) → canonical-ish orders."""
    return pl.DataFrame(
        {
            "session_id": [r[1] for r in rows],
            "order_id": [str(i) for i in range(len(rows))],
            "ts": [datetime.fromisoformat(r[2]).replace(hour=20, tzinfo=TZ) for r in rows],
            "amount": [r[3] for r in rows],
            "status": [r[4] for r in rows],
            "viewer_id": [r[0] for r in rows],
        }
    )


ORDERS = _orders(
    [
        ("a", "s1", "2026-11-16", 100.0, "paid"),
        ("a", "s2", "2026-11-20", 100.0, "paid"),
        ("a", "s3", "2026-11-22", 100.0, "refunded"),
        ("b", "s1", "2026-11-16", 50.0, "paid"),
        ("c", "s3", "2026-11-22", 30.0, "paid"),
        ("d", "s2", "2026-11-20", 500.0, "paid"),
        ("e", "s1", "2026-11-16", 999.0, "cancelled"),  # not a purchase
    ]
)


def test_rfm_scores_and_segments() -> None:
    t = sg.rfm(ORDERS, date(2026, 11, 22)).set_index("viewer_id")
    assert list(t.index) == ["a", "b", "c", "d"]  # e only has a cancelled order
    assert t.loc["a", ["recency_days", "frequency", "monetary"]].tolist() == [0, 3, 300.0]
    assert t.loc["b", "recency_days"] == 6 and t.loc["d", "recency_days"] == 2
    # score = 1 + floor(5 × share of buyers strictly worse); ties share a score: a and c both
    # bought on the reference day, 2 of 4 buyers are strictly less recent → 3
    assert t.loc["a", "r"] == t.loc["c", "r"] == 3
    assert t.loc["d", "r"] == 2 and t.loc["b", "r"] == 1 and t.loc["b", "f"] == 1
    assert t.loc["a", "f"] == 4 and t.loc["a", "segment"] == "loyal"
    assert t.loc["c", "segment"] == "needs_attention"
    assert t.loc["b", "segment"] == "lost" and t.loc["d", "segment"] == "lost"
    seg = sg.rfm_segments(sg.rfm(ORDERS, date(2026, 11, 22))).set_index("segment")
    assert seg["buyers"].sum() == 4
    assert seg.loc["loyal", "gmv_share"] == pytest.approx(300 / 880)
    assert seg.loc["lost", "buyers"] == 2
    assert list(seg.index) == list(sg.RFM_SEGMENTS)


def test_rfm_respects_reference_date_and_migration() -> None:
    t = sg.rfm(ORDERS, date(2026, 11, 17))
    assert set(t["viewer_id"]) == {"a", "b"} and t["frequency"].tolist() == [1, 1]
    mig = sg.rfm_migration(ORDERS, date(2026, 11, 17), date(2026, 11, 22))
    assert mig["buyers"].sum() == 4
    assert (
        mig.loc[mig["from_segment"] == "none", "buyers"].sum() == 2
    )  # c and d are new since the 17th


def _design() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "returning": [1.0] * 10 + [0.0] * 30,
            "bought": [1] * 4 + [0] * 6 + [1] * 3 + [0] * 27,
            "gmv": [100.0, 200.0, 300.0, 400.0] + [0.0] * 6 + [50.0, 60.0, 70.0] + [0.0] * 27,
        }
    )


def test_group_table_intervals_and_labels() -> None:
    g = sg.group_table(_design(), "returning", labels={1: "returning", 0: "new"}).set_index(
        "returning"
    )
    assert list(g.index) == ["new", "returning"]  # larger group first
    assert g.loc["returning", "conversion"] == pytest.approx(0.4)
    lo, hi = wilson(4, 10)
    assert (
        g.loc["returning", "conversion_lo"],
        g.loc["returning", "conversion_hi"],
    ) == pytest.approx((lo, hi))
    assert g.loc["returning", "buyer_share"] == pytest.approx(4 / 7)
    assert g.loc["returning", "gmv_share"] == pytest.approx(1000 / 1180)
    assert g.loc["returning", "aov"] == pytest.approx(250.0)
    assert g.loc["returning", "aov_lo"] <= 250 <= g.loc["returning", "aov_hi"]
    plain = sg.group_table(_design(), "returning")
    assert set(plain["returning"]) == {"yes", "no"}


def test_first_order_aov_gap() -> None:
    o = ORDERS.with_columns(pl.Series("first_order", [True, False, False, True, True, True, True]))
    fo = sg.first_order_aov(o).set_index("kind")
    # first (paid/refunded): a 100, b 50, c 30, d 500 → 170; repeat: a 100, 100 → 100
    assert fo.loc["first", "aov"] == pytest.approx(170.0)
    assert fo.loc["repeat", "aov"] == pytest.approx(100.0)
    assert fo.loc["first", "gap"] == pytest.approx(0.7)
    assert sg.first_order_aov(ORDERS).empty  # no first_order flag


def test_retention_counts_viewers_seen_later() -> None:
    t0 = datetime(2026, 11, 16, 20, tzinfo=TZ)
    sessions = pl.DataFrame(
        {
            "session_id": ["s1", "s2", "s3"],
            "start_ts": [t0, t0 + timedelta(days=1), t0 + timedelta(days=2)],
        }
    )
    viewers = pl.DataFrame(
        {
            "session_id": ["s1", "s1", "s1", "s2", "s2", "s3"],
            "viewer_id": ["a", "b", "c", "a", "d", "d"],
            "returning": [False, False, True, True, False, True],
        }
    )
    r = sg.retention(viewers, sessions, "returning").set_index("returning")
    # s1 and s2 viewers can come back: new = a,b (s1), d (s2) → a and d came back;
    # returning = c (s1), a (s2) → none
    assert r.loc["false", ["viewers", "came_back"]].tolist() == [3, 2]
    assert r.loc["true", ["viewers", "came_back"]].tolist() == [2, 0]
    named = sg.retention(viewers, sessions, "returning", {True: "returning", False: "new"})
    assert named["returning"].tolist() == ["new", "returning"]


def test_cluster_viewers_finds_separated_groups() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0, 0], [4, 4, 0], [0, 4, 4]])
    truth = np.repeat([0, 1, 2], 400)
    X = centres[truth] + rng.normal(0, 0.5, (1200, 3))
    df = pd.DataFrame(X, columns=["log_watch_min", "log_interactions", "log_clicks"])
    cl = sg.cluster_viewers(df, list(df.columns), k_range=(2, 6), seed=0)
    from sklearn.metrics import adjusted_rand_score

    assert cl.k == 3 and adjusted_rand_score(truth, cl.labels) == pytest.approx(1.0)
    assert cl.stability_ari == pytest.approx(1.0)
    assert set(cl.silhouette) == set(cl.scores) == {2, 3, 4, 5, 6}
    # labels are canonical (ordered by the first feature's mean, high first): stable across seeds
    again = sg.cluster_viewers(df, list(df.columns), k=3, seed=7)
    assert (again.labels == cl.labels).all()
    design = pd.DataFrame({"bought": (truth == 1).astype(int), "gmv": (truth == 1) * 100.0})
    prof = sg.cluster_profiles(design, cl, df)
    top = prof.sort_values("conversion").iloc[-1]
    assert top["conversion"] == 1.0 and top["gmv_share"] == 1.0
    assert "long watchers" in top["description"] and "active interactors" in top["description"]
    with pytest.raises(ValueError, match="criterion"):
        sg.cluster_viewers(df, list(df.columns), criterion="bic")


def test_describe_cluster_words() -> None:
    c = pd.Series({"log_watch_min": -1.2, "log_interactions": 0.1, "log_clicks": 0.7})
    assert sg.describe_cluster(c, "en") == "brief visitors, heavy product clickers"
    assert sg.describe_cluster(c * 0, "en") == "average viewers"
    assert (
        sg.describe_cluster(c, "zh", channel_share={"搜索": 0.6, "关注": 0.4})
        == "短暂停留、频繁点商品、多来自搜索"
    )


def test_in_week_and_demographic_cuts() -> None:
    t = [
        datetime(2026, 11, 15, 20, tzinfo=TZ),
        datetime(2026, 11, 16, 0, 30, tzinfo=TZ),
        datetime(2026, 11, 22, 23, tzinfo=TZ),
        datetime(2026, 11, 23, 1, tzinfo=TZ),
    ]
    s = pl.DataFrame({"session_id": ["a", "b", "c", "d"], "start_ts": t})
    assert in_week(s, "2026-W47")["session_id"].to_list() == ["b", "c"]
    with pytest.raises(ValueError, match="2026-W47"):
        in_week(s, "47")
    d = pd.DataFrame(
        {
            "gender": ["female"] * 6 + ["male"] * 4,
            "device": ["ios"] * 10,
            "bought": [1, 1, 0, 0, 0, 0, 1, 0, 0, 0],
            "gmv": [1.0, 1, 0, 0, 0, 0, 1, 0, 0, 0],
        }
    )
    cuts = sg.demographic_cuts(d)
    assert set(cuts["dimension"]) == {"gender", "device"}
    f = cuts[(cuts["dimension"] == "gender") & (cuts["level"] == "female")].iloc[0]
    assert f["viewer_share"] == pytest.approx(0.6) and f["buyer_share"] == pytest.approx(2 / 3)
    assert f["viewer_share_lo"] < 0.6 < f["viewer_share_hi"]


def test_channel_shares_from_aggregates() -> None:
    traffic = pl.DataFrame(
        {
            "session_id": ["s1", "s1", "s2"],
            "channel": ["关注", "搜索", "关注"],
            "viewers": [60, 20, 20],
            "orders": [6, 4, 0],
        }
    )
    c = sg.channel_shares(traffic).set_index("channel")
    assert c.loc["关注", "viewers"] == 80 and c.loc["关注", "viewer_share"] == pytest.approx(0.8)
    assert c.loc["搜索", "order_share"] == pytest.approx(0.4)
    assert (c.loc["搜索", "order_share_lo"], c.loc["搜索", "order_share_hi"]) == pytest.approx(
        wilson(4, 10)
    )
    assert sg.channel_shares(traffic.head(0)).empty


def test_load_scope(sim_store) -> None:
    scope = sg.load_scope(str(sim_store), week="2026-W47")
    assert len(scope.session_ids) == 7 and scope.has_viewers and scope.has_buyer_ids
    one = sg.load_scope(str(sim_store), session_id=scope.session_ids[2])
    assert one.session_ids == [scope.session_ids[2]]
    assert one.all_sessions.height == 3  # history up to the session's end
    with pytest.raises(KeyError, match="known sessions"):
        sg.load_scope(str(sim_store), session_id="nope")
    with pytest.raises(ValueError):
        sg.load_scope(str(sim_store))


@pytest.mark.slow
def test_segments_report_end_to_end(sim_store, tmp_path) -> None:
    from helpers.pipeline.commands import run_report

    res = run_report(
        "segments",
        {"store": str(sim_store), "session_id": "", "week": "2026-W47"},
        "2026-W47",
        out=str(tmp_path / "seg"),
        lang="zh",
    )
    assert res.ok, res.error
    s = res.data
    assert s["clusters"]["k"] == 4 and s["clusters"]["stability_ari"] > 0.9
    assert sum(v["buyers"] for v in s["rfm"]["segments"].values()) == s["rfm"]["buyers"]
    assert -0.45 < s["first_order_aov"]["gap"] < -0.2
    assert {"new_vs_returning", "followers", "demographics"} <= set(s)
    html = (tmp_path / "seg" / "report.html").read_text("utf-8")
    assert "RFM" in html and "<script" in html


def _hand_store(path) -> str:
    """Three sessions of one room, order lines with buyer ids (masked, as exported), comments
    with ids and the 老客 tag, and no viewer rows."""
    from helpers.data.store import write_session_tables

    days = {"s1": "2026-11-02", "s2": "2026-11-09", "s3": "2026-11-10"}  # s2, s3: week 2026-W46
    starts = [datetime.fromisoformat(d).replace(hour=20, tzinfo=TZ) for d in days.values()]
    sessions = pl.DataFrame(
        {
            "session_id": list(days),
            "platform": ["douyin"] * 3,
            "room": ["r"] * 3,
            "start_ts": starts,
            "end_ts": [s + timedelta(hours=2) for s in starts],
        }
    )
    orders = _orders(
        [
            ("12****01", "s1", days["s1"], 100.0, "paid"),
            ("12****02", "s1", days["s1"], 50.0, "paid"),
            ("12****01", "s2", days["s2"], 200.0, "paid"),
            ("12****03", "s2", days["s2"], 80.0, "paid"),
            ("12****01", "s3", days["s3"], 50.0, "paid"),
            ("12****04", "s3", days["s3"], 30.0, "paid"),
            ("12****02", "s3", days["s3"], 40.0, "refunded"),
            ("12****05", "s3", days["s3"], 70.0, "unpaid"),
        ]
    )
    ts = [
        datetime.fromisoformat(d).replace(hour=20, minute=5, tzinfo=TZ)
        for d in ("2026-11-02", "2026-11-09", "2026-11-09", "2026-11-10")
    ]
    comments = pl.DataFrame(
        {
            "session_id": ["s1", "s2", "s2", "s3"],
            "ts": ts,
            "text": ["来了", "多少钱", "好看", "链接"],
            "viewer_id": ["c1", "c1", "c2", "c3"],
            "tag": [None, "老客", None, "老客"],
        }
    )
    write_session_tables({"sessions": sessions, "orders": orders, "comments": comments}, path)
    return str(path)


def test_segments_without_viewers_from_order_buyer_ids(tmp_path) -> None:
    from helpers.present import sections

    scope = sg.load_scope(_hand_store(tmp_path / "store"), week="2026-W46")
    assert scope.session_ids == ["s2", "s3"] and not scope.has_viewers
    outs = sg.run_all(scope)
    assert {k for k, o in outs.items() if o.ok} == {
        "segments.rfm",
        "segments.buyers_new_returning",
        "segments.commenters",
    }
    assert [n.key() for n in outs["segments.clusters"].missing] == ["viewers"]
    assert "观众明细" in sections.needs_text(outs["segments.demographics"], "zh")
    rfm = outs["segments.rfm"].value["table"].set_index("viewer_id")
    # ids across all three sessions up to 2026-11-10; the unpaid order is not a purchase
    assert sorted(rfm.index) == ["12****01", "12****02", "12****03", "12****04"]
    assert rfm.loc["12****01", ["frequency", "monetary", "recency_days"]].tolist() == [3, 350.0, 0]
    assert rfm.loc["12****02", ["frequency", "monetary", "recency_days"]].tolist() == [2, 90.0, 0]
    assert rfm.loc["12****03", "recency_days"] == 1
    nr = outs["segments.buyers_new_returning"].value.set_index("kind")
    # bought before s2 began: 01 and 02 (returning); 03 and 04 are new buyers
    assert nr.loc["returning", "buyers"] == 2 and nr.loc["new", "buyers"] == 2
    assert nr.loc["returning", "gmv_share"] == pytest.approx(290 / 400)
    assert nr.loc["returning", "orders"] == 3
    cm = outs["segments.commenters"].value.set_index("method")
    # ids c1, c2, c3 commented in scope; only c1 commented before; tagged 老客: c1 and c3
    assert cm.loc["earlier_comments", ["commenters", "returning"]].tolist() == [3, 1]
    assert cm.loc["tag", ["commenters", "returning"]].tolist() == [3, 2]


def test_demographics_fall_back_to_the_audience_portrait() -> None:
    profile = pl.DataFrame(
        {
            "session_id": ["s1"] * 4 + ["s2"] * 4,
            "dimension": ["gender"] * 8,
            "bucket": ["female", "male"] * 4,
            "population": (["watched"] * 2 + ["bought"] * 2) * 2,
            "share": [0.6, 0.4, 0.8, 0.2] * 2,
            "count": [60, 40, 8, 2, 120, 80, 16, 4],
        }
    )
    cuts = sg.profile_cuts(profile).set_index("level")
    assert cuts.loc["female", "viewer_share"] == pytest.approx(180 / 300)
    assert cuts.loc["female", "buyer_share"] == pytest.approx(24 / 30)
    assert cuts.loc["female", "index"] == pytest.approx(0.8 / 0.6)
    lo, hi = wilson(24, 30)
    assert cuts.loc["female", "buyer_share_lo"] == pytest.approx(lo)
    assert cuts.loc["female", "buyer_share_hi"] == pytest.approx(hi)


def test_demographics_section_reads_the_room_level_portrait_of_the_scope(tmp_path) -> None:
    from helpers.data import schema
    from helpers.data.store import atomic_write_parquet

    store = _hand_store(tmp_path / "store")
    prof = schema.validate(
        "audience_profile",
        pl.DataFrame(
            {
                "room": ["r"] * 6,
                "date_from": [date(2026, 11, 9)] * 4 + [date(2026, 10, 1)] * 2,
                "date_to": [date(2026, 11, 15)] * 4 + [date(2026, 10, 7)] * 2,
                "population": ["watched", "watched", "bought", "bought", "watched", "watched"],
                "dimension": ["gender"] * 6,
                "bucket": ["female", "male"] * 3,
                "share": [0.7, 0.3, 0.9, 0.1, 0.5, 0.5],
                "count": [None] * 6,
            },
            schema_overrides={"count": pl.Int64},
        ),
    )
    atomic_write_parquet(
        prof, Path(store) / "audience_profile" / "platform=douyin" / "date=2026-11-09" / "r.parquet"
    )
    out = sg.run_all(sg.load_scope(store, week="2026-W46"))["segments.demographics"]
    assert out.ok, out.missing
    cuts = out.value.set_index("level")  # October's portrait lies outside the scope: left out
    assert set(out.value["source"]) == {"audience_profile"}
    assert cuts.loc["female", ["viewer_share", "buyer_share"]].tolist() == [0.7, 0.9]
    assert np.isnan(cuts.loc["female", "viewer_share_lo"])  # shares without counts: no interval
