"""The seeded simulator: determinism, schema, internal consistency, the truth it documents
(recovering the planted truths: tests/test_simulate_recovery.py)."""

from __future__ import annotations

import json
from argparse import Namespace
from datetime import date

import numpy as np
import polars as pl
import pytest

from helpers.data import schema
from helpers.sim.simulate import (
    TABLE_NAMES,
    SimulatedWeek,
    cli_simulate,
    session_id,
    simulate_week,
)

TABLES = TABLE_NAMES


def _per_session(df: pl.DataFrame, **aggs: pl.Expr) -> pl.DataFrame:
    return df.group_by("session_id").agg(**aggs).sort("session_id")


# ---------------------------------------------------------------------------------------------
# determinism and schema
# ---------------------------------------------------------------------------------------------


def test_same_seed_identical_different_seed_differs() -> None:
    a = simulate_week(seed=5, viewers=300, sessions=3)
    b = simulate_week(seed=5, viewers=300, sessions=3)
    c = simulate_week(seed=6, viewers=300, sessions=3)
    for name in TABLES:
        assert a.tables[name].equals(b.tables[name]), name
    assert json.dumps(a.truth, sort_keys=True) == json.dumps(b.truth, sort_keys=True)
    assert not a.tables["viewers"].equals(c.tables["viewers"])
    assert not a.tables["orders"].equals(c.tables["orders"])


def test_all_tables_present_and_valid(sim_week: SimulatedWeek) -> None:
    assert set(sim_week.tables) == set(TABLES)
    for name, df in sim_week.tables.items():
        assert df.height > 0, name
        assert schema.validate(name, df).equals(df), name
    json.dumps(sim_week.truth)  # JSON-able


def test_sessions_follow_the_room_schedule(sim_week: SimulatedWeek) -> None:
    s = sim_week.tables["sessions"]
    assert s.height == 7
    assert s["room"].unique().to_list() == ["暖阳服饰旗舰店"]
    for r in s.iter_rows(named=True):
        assert r["session_id"] == session_id("nuanyang88", r["start_ts"])
        assert date(2026, 11, 16) <= r["start_ts"].date() <= date(2026, 11, 22)
        hours = (r["end_ts"] - r["start_ts"]).total_seconds() / 3600
        assert 2 <= hours <= 4
    assert s["start_ts"].dt.hour().n_unique() >= 5
    assert s["host"].n_unique() >= 3
    assert session_id("nuanyang88", s["start_ts"][0]) == "dy-nuanyang88-20261116-2000"


def test_viewers_per_session_is_the_size_parameter(sim_week: SimulatedWeek) -> None:
    counts = _per_session(sim_week.tables["viewers"], n=pl.len())["n"].to_list()
    assert counts == [1500] * 7


def test_weeks_ending_at_week() -> None:
    sim = simulate_week(seed=3, viewers=300, sessions=2, weeks=2, week="2026-W47")
    days = sim.tables["sessions"]["start_ts"].dt.date().to_list()
    assert len(days) == 4
    assert days[0] >= date(2026, 11, 9) and days[1] < date(2026, 11, 16)
    assert days[2] >= date(2026, 11, 16) and days[3] <= date(2026, 11, 22)


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="week"):
        simulate_week(week="47")
    with pytest.raises(ValueError, match="sessions"):
        simulate_week(sessions=0)


# ---------------------------------------------------------------------------------------------
# internal consistency
# ---------------------------------------------------------------------------------------------


def test_trend_sums_match_viewer_and_order_totals(sim_week: SimulatedWeek) -> None:
    t, v, o = (sim_week.tables[k] for k in ("trend", "viewers", "orders"))
    ts = _per_session(
        t,
        entries=pl.col("entries").sum(),
        exits=pl.col("exits").sum(),
        likes=pl.col("likes").sum(),
        comments=pl.col("comments").sum(),
        shares=pl.col("shares").sum(),
        follows=pl.col("new_followers").sum(),
        clicks=pl.col("product_clicks").sum(),
        orders=pl.col("orders").sum(),
        gmv=pl.col("gmv").sum(),
        paid=pl.col("paid_gmv").sum(),
    )
    vs = _per_session(
        v,
        entries=pl.len(),
        likes=pl.col("likes").sum(),
        comments=pl.col("comments").sum(),
        shares=pl.col("shares").sum(),
        follows=pl.col("followed").sum(),
        clicks=pl.col("product_clicks").sum(),
    )
    os_ = _per_session(
        o,
        orders=pl.len(),
        gmv=pl.col("amount").sum(),
        paid=pl.col("amount").filter(pl.col("status").is_in(["paid", "refunded"])).sum(),
    )
    for col in ("entries", "likes", "comments", "shares", "clicks"):
        assert ts[col].to_list() == vs[col].to_list(), col
    assert ts["exits"].to_list() == vs["entries"].to_list()
    assert ts["follows"].to_list() == vs["follows"].cast(pl.Int64).to_list()
    assert ts["orders"].to_list() == os_["orders"].to_list()
    np.testing.assert_allclose(ts["gmv"], os_["gmv"], atol=0.05)
    np.testing.assert_allclose(ts["paid"], os_["paid"], atol=0.05)
    assert (ts["paid"] < ts["gmv"]).all()


def test_online_is_viewers_present_in_the_minute(sim_week: SimulatedWeek) -> None:
    sid = sim_week.session_ids[2]
    v = sim_week.tables["viewers"].filter(pl.col("session_id") == sid)
    t = sim_week.tables["trend"].filter(pl.col("session_id") == sid)
    m = t["minute_ts"][30], t["minute_ts"][31]
    present = v.filter((pl.col("enter_ts") < m[1]) & (pl.col("leave_ts") > m[0])).height
    assert t["online"][30] == present
    assert t["online"].max() < v.height


def test_comments_table_matches_viewer_counts(sim_week: SimulatedWeek) -> None:
    c, v = sim_week.tables["comments"], sim_week.tables["viewers"]
    per = c.group_by("session_id", "viewer_id").agg(n=pl.len())
    j = v.filter(pl.col("comments") > 0).join(per, on=["session_id", "viewer_id"], how="left")
    assert (j["n"] == j["comments"]).all()
    assert c.height == v["comments"].sum()
    assert 0.5 <= c.height / v.height <= 2.0
    inside = c.join(v, on=["session_id", "viewer_id"]).filter(
        (pl.col("ts") >= pl.col("enter_ts")) & (pl.col("ts") <= pl.col("leave_ts"))
    )
    assert inside.height == c.height
    assert c["tag"].drop_nulls().unique().to_list() == ["老客"]


def test_traffic_matches_viewers_and_orders(sim_week: SimulatedWeek) -> None:
    tr, v, o = (sim_week.tables[k] for k in ("traffic", "viewers", "orders"))
    by_channel = v.group_by("session_id", pl.col("source").alias("channel")).agg(n=pl.len())
    j = tr.join(by_channel, on=["session_id", "channel"], how="full", coalesce=True)
    assert (j["viewers"] == j["n"]).all()
    assert (tr["views"] >= tr["viewers"]).all()
    assert (
        _per_session(tr, o=pl.col("orders").sum())["o"].to_list()
        == _per_session(o, o=pl.len())["o"].to_list()
    )
    qc = tr.filter(pl.col("channel") == "千川")
    assert qc["paid"].all() and not tr.filter(pl.col("channel") != "千川")["paid"].any()
    cpm = qc["spend"] * 1000 / qc["impressions"]
    assert cpm.min() >= 29.9 and cpm.max() <= 60.1
    spend = _per_session(sim_week.tables["trend"], s=pl.col("ad_spend").sum())["s"]
    np.testing.assert_allclose(spend, _per_session(tr, s=pl.col("spend").sum())["s"], atol=0.05)


def test_orders_belong_to_viewers_within_their_stay(sim_week: SimulatedWeek) -> None:
    o, v = sim_week.tables["orders"], sim_week.tables["viewers"]
    j = o.join(v, on=["session_id", "viewer_id"], how="left")
    assert j["enter_ts"].null_count() == 0
    assert ((j["ts"] >= j["enter_ts"]) & (j["ts"] <= j["leave_ts"])).all()
    assert set(o["status"].unique()) == {"paid", "unpaid", "cancelled", "refunded"}
    assert o["order_id"].n_unique() == o.height
    assert o["units"].is_between(1, 3).all()
    refunded = o.filter(pl.col("status") == "refunded")
    assert (refunded["refund_amount"] > 0).all()
    assert (o.filter(pl.col("status") != "refunded")["refund_amount"] == 0).all()
    # every buyer has an order line that was paid (possibly refunded later)
    kinds = o.group_by("session_id", "viewer_id").agg(
        ok=pl.col("status").is_in(["paid", "refunded"]).any()
    )
    assert kinds["ok"].all()


def test_products_funnel_consistent(sim_week: SimulatedWeek) -> None:
    p, o = sim_week.tables["products"], sim_week.tables["orders"]
    assert ((p["buyers"] <= p["clicks_uv"]) & (p["clicks_uv"] <= p["exposures_uv"])).all()
    agg = o.group_by("session_id", "product_id").agg(
        n=pl.len(), g=pl.col("amount").sum(), u=pl.col("units").sum()
    )
    j = p.join(agg, on=["session_id", "product_id"], how="left").fill_null(0)
    assert (j["orders"] == j["n"]).all() and (j["units"] == j["u"]).all()
    np.testing.assert_allclose(j["gmv"], j["g"], atol=0.05)
    per = p.group_by("session_id").agg(n=pl.len())
    assert per["n"].is_between(15, 25).all()
    assert set(p["role"].unique()) == {"hero", "profit", "traffic"}
    varying = p.group_by("product_id").agg(pl.col("price").n_unique()).filter(pl.col("price") > 1)
    assert varying.height >= 10
    assert (p["price"] <= p["list_price"]).all()


def test_returning_and_follower_state_carry_across_sessions(sim_week: SimulatedWeek) -> None:
    v = sim_week.tables["viewers"].join(
        sim_week.tables["sessions"].select("session_id", "start_ts"), on="session_id"
    )
    v = v.sort("start_ts", "viewer_id").with_columns(
        seen_before=pl.col("session_id").cum_count().over("viewer_id") > 1,
        followed_before=pl.col("followed").cum_sum().over("viewer_id")
        - pl.col("followed").cast(pl.UInt32)
        > 0,
    )
    assert v.filter(pl.col("seen_before"))["returning"].all()
    assert v.filter(pl.col("followed_before"))["was_follower"].all()
    assert 0.2 < v["returning"].mean() < 0.7
    assert 0.02 < v["followed"].mean() < 0.04
    assert v["viewer_id"].n_unique() < v.height


def test_first_orders_smaller_and_refund_rates(sim_week: SimulatedWeek) -> None:
    o = sim_week.tables["orders"]
    first = o.filter(pl.col("first_order"))["amount"].mean()
    later = o.filter(~pl.col("first_order"))["amount"].mean()
    assert 0.2 <= 1 - first / later <= 0.45
    assert 0.2 <= o["refund_amount"].sum() / o["amount"].sum() <= 0.33
    assert 0.04 <= o["status"].is_in(["unpaid", "cancelled"]).mean() <= 0.11
    # a buyer's first order in the room is flagged once at most
    assert o.filter(pl.col("first_order"))["viewer_id"].n_unique() == o["first_order"].sum()


def test_targets_near_but_not_equal(sim_week: SimulatedWeek) -> None:
    tg = sim_week.tables["targets"]
    v = _per_session(sim_week.tables["viewers"], actual=pl.len().cast(pl.Float64))
    j = tg.filter(pl.col("metric") == "viewers").join(v, on="session_id")
    ratio = j["target"] / j["actual"]
    assert ratio.is_between(0.8, 1.3).all() and (ratio != 1).all()
    assert set(tg["metric"]) == {"gmv", "uv_value", "conversion_rate", "viewers"}


# ---------------------------------------------------------------------------------------------
# planted truths
# ---------------------------------------------------------------------------------------------


def test_conversion_and_audience_in_range(sim_week: SimulatedWeek) -> None:
    v, o = sim_week.tables["viewers"], sim_week.tables["orders"]
    buyers = o.select("session_id", "viewer_id").unique()
    assert 0.05 <= buyers.height / v.height <= 0.09
    b = buyers.join(v, on=["session_id", "viewer_id"])
    # rule of thumb: 18-35 women are > 65% of live shoppers; 18-30 alone already clears it here
    young_women = ((b["gender"] == "female") & b["age_band"].is_in(["18-23", "24-30"])).mean()
    assert young_women > 0.65
    tier34 = v["region"].is_in(["三线", "四线及以下"]).mean()
    assert 0.42 <= tier34 <= 0.52


def test_truth_documents_the_model(sim_week: SimulatedWeek) -> None:
    t = sim_week.truth
    for key in (
        "purchase_model",
        "event_lifts",
        "elasticity",
        "segments",
        "integrity",
        "hosts",
        "sessions",
        "first_order",
    ):
        assert key in t, key
    pm = t["purchase_model"]
    assert pm["reference_levels"] == {"channel": "直播推荐", "device": "android", "region": "三线"}
    assert {
        "Intercept",
        "log_watch_min",
        "log_interactions",
        "was_follower",
        "returning",
        "prime_time",
        "channel[T.关注]",
        "device[T.ios]",
        "region[T.一线]",
    } <= set(pm["coefficients"])
    assert len(t["sessions"]) == 7 and all("seed" in s for s in t["sessions"])
    assert 1.2 <= t["elasticity"]["外套"] <= 1.8 and t["elasticity"]["配饰"] < 1


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def test_cli_simulate_writes_truth_and_canonical(tmp_path, capsys) -> None:
    args = Namespace(
        out=str(tmp_path),
        seed=4,
        viewers=200,
        sessions=2,
        week="2026-W47",
        weeks=1,
        formats="canonical",
    )
    assert cli_simulate(args) == 0
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["params"]["seed"] == 4
    for name in TABLES:
        df = pl.read_parquet(tmp_path / "canonical" / f"{name}.parquet")
        schema.validate(name, df)
    assert pl.read_parquet(tmp_path / "canonical" / "sessions.parquet").height == 2
    out = capsys.readouterr().out
    assert "2 sessions" in out and "truth.json" in out
    with pytest.raises(ValueError, match="format"):
        cli_simulate(Namespace(**{**vars(args), "formats": "xml"}))


# ---------------------------------------------------------------------------------------------
# sampling helpers (known answers)
# ---------------------------------------------------------------------------------------------


def test_sample_in_windows_follows_the_lift() -> None:
    from helpers.sim.sampling import lift_exposure, sample_in_windows

    lift = np.array([1.0, 3.0, 1.0, 1.0])
    assert lift_exposure(lift, np.array([0.0, 60.0, 90.0, 240.0])).tolist() == [0.0, 1.0, 2.5, 6.0]
    rng = np.random.default_rng(0)
    a = np.zeros(60_000)
    b = np.full(60_000, 180.0)  # minutes 0-2: weights 1, 3, 1
    t = sample_in_windows(rng, lift, a, b)
    assert (t >= a).all() and (t <= b).all()
    share = np.bincount((t // 60).astype(int), minlength=4) / len(t)
    np.testing.assert_allclose(share[:3], [0.2, 0.6, 0.2], atol=0.01)
    assert share[3] == 0


def test_distinct_pairs_and_take() -> None:
    from helpers.sim.sampling import distinct_pairs, take

    rows = np.array([0, 0, 1, 2, 2, 2])
    cols = np.array([1, 1, 1, 0, 2, 2])
    assert distinct_pairs(rows, cols, 3, 3).tolist() == [1, 2, 1]
    assert take(("a", "b"), np.array([1, 0, 1])).to_list() == ["b", "a", "b"]
