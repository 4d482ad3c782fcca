"""The weekly report's computations (``helpers.weekly``) on known inputs, and the weekly
command end to end with the real notebooks on a simulated store (one session's export corrupted: the
rest renders, exit 1). Each defect of issues 10/11 has its test in ``test_weekly_sections.py``."""

from __future__ import annotations

import json
import shutil
from argparse import Namespace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from helpers import weekly as wr
from helpers.data import schema
from helpers.data.store import write_session_tables
from helpers.pipeline import weekly

SH = ZoneInfo(schema.TZ)
W47 = datetime(2026, 11, 16, 20, tzinfo=SH)
W46 = W47 - timedelta(weeks=1)


def _kpis(rows: list[dict]) -> pl.DataFrame:
    """A KPI frame as helpers.metrics.definitions.kpi_frame returns it (only the columns used)."""
    base = {
        "host": "h",
        "viewers": 100.0,
        "views": 100.0,
        "gmv": 1000.0,
        "buyers": 10.0,
        "refund_amount": 0.0,
        "new_followers": 2.0,
        "avg_watch_s": 60.0,
        "week": "2026-W47",
    }
    out = []
    for i, r in enumerate(rows):
        r = {**base, "session_id": f"s{i}", **r}
        r.setdefault("uv_value", r["gmv"] / r["viewers"])
        r.setdefault("conversion_rate", r["buyers"] / r["viewers"])
        r.setdefault("follower_rate", r["new_followers"] / r["viewers"])
        r.setdefault("gpm", r["gmv"] * 1000 / r["views"])
        out.append(r)
    return pl.DataFrame(out)


def _data(kpis: pl.DataFrame, store: Path) -> wr.WeekData:
    return wr.WeekData(
        "2026-W47", store, ["2026-W46", "2026-W47"], pl.DataFrame(), kpis, {}, ["2026-W46"]
    )


def test_pooled_ratio_is_sum_over_sum() -> None:
    k = _kpis(
        [
            {"viewers": 100.0, "gmv": 1000.0, "buyers": 10.0},
            {"viewers": 300.0, "gmv": 600.0, "buyers": 3.0},
        ]
    )
    assert wr.pooled(k, "uv_value") == pytest.approx(1600 / 400)
    assert wr.pooled(k, "conversion_rate") == pytest.approx(13 / 400)
    agg = wr.aggregate(k)
    assert agg["gmv"] == 1600 and agg["viewers"] == 400 and agg["sessions"] == 2


def test_tier_cut_points() -> None:
    """Tiers by the slot index at the TIERS thresholds (at or above each in turn), else C."""
    got = [wr.tier(x) for x in (1.2, 1.19, 1.0, 0.99, 0.8, 0.79, None)]
    assert got == ["S", "A", "A", "B", "B", "C", None]


def test_alerts_gmv_swing_and_uv_benchmark(tmp_path: Path) -> None:
    k = _kpis(
        [
            {"week": "2026-W46", "gmv": 2000.0},
            {"week": "2026-W46", "gmv": 2000.0},  # trailing mean 2000
            {"gmv": 2800.0},  # +40%: info; UV 28 ok
            {"gmv": 1000.0},  # −50%: warning; UV 10 < 20: warning
            {"gmv": 2200.0},  # +10%: no swing alert; UV 22 ok
        ]
    )
    a = wr.alerts(_data(k, tmp_path), "general")
    got = sorted((r["rule"], r["subject"], r["level"]) for r in a.iter_rows(named=True))
    assert got == [
        ("gmv_vs_trailing", "s2", "info"),
        ("gmv_vs_trailing", "s3", "warning"),
        ("uv_value_below_benchmark", "s3", "warning"),
    ]
    swing = a.filter((pl.col("subject") == "s3") & (pl.col("rule") == "gmv_vs_trailing")).row(
        0, named=True
    )
    assert swing["change"] == pytest.approx(-0.5) and swing["reference"] == pytest.approx(2000)


def _store_with_products(root: Path) -> Path:
    """Two sessions (W46, W47) with products whose stages are known."""
    ids = ["dy-t-20261109-2000", "dy-t-20261116-2000"]
    starts = [W46, W47]
    sessions = pl.DataFrame(
        {
            "session_id": ids,
            "platform": "douyin",
            "room": "t",
            "start_ts": starts,
            "end_ts": [s + timedelta(hours=2) for s in starts],
            "host": "h",
        }
    )
    prods = [  # product, last week gmv/units, this week gmv/units
        (
            "hero",
            5000.0,
            50,
            4800.0,
            35,
        ),  # 48% share → hero; daily units 50 → 35: −30% → hero alert
        ("up", 1000.0, 10, 2000.0, 20),  # +100% → rising
        ("down", 2000.0, 20, 1000.0, 10),  # −50% → fading
        ("same", 1000.0, 10, 1050.0, 10),  # +5%, 10% share → hero by share
        ("fresh", None, None, 1150.0, 11),  # new
    ]
    rows = []
    for pid, g0, u0, g1, u1 in prods:
        if g0 is not None:
            rows.append(
                {"session_id": ids[0], "product_id": pid, "name": pid, "gmv": g0, "units": u0}
            )
        rows.append({"session_id": ids[1], "product_id": pid, "name": pid, "gmv": g1, "units": u1})
    write_session_tables({"sessions": sessions, "products": pl.DataFrame(rows)}, root)
    return root


def test_product_lifecycle_and_hero_drop(tmp_path: Path) -> None:
    store = _store_with_products(tmp_path / "store")
    data = wr.load_week(store, "2026-W47")
    stages = dict(wr.product_lifecycle(data).select("product_id", "stage").iter_rows())
    assert stages == {
        "hero": "hero",
        "up": "rising",
        "down": "fading",
        "same": "hero",
        "fresh": "new",
    }
    drops = wr.hero_drops(data)
    # "down" was 22% of its previous session's GMV, so it counted as a hero too; biggest drop first
    assert drops["product_id"].to_list() == ["down", "hero"]
    assert drops["change"].to_list() == pytest.approx([-0.50, -0.30])
    table = wr.alert_table(wr.run("week_alerts", data), wr.run("week_hero_alerts", data))
    assert table.filter(pl.col("rule") == "hero_product_down")["subject"].to_list() == [
        "down down",
        "hero hero",
    ]


def test_week_figures_match_the_raw_tables(sim_store: Path, sim_week) -> None:
    data = wr.load_week(sim_store, "2026-W47")
    orders, viewers, trend = (
        sim_week.tables["orders"],
        sim_week.tables["viewers"],
        sim_week.tables["trend"],
    )
    g = {r["metric"]: r for r in wr.glance(data, n_boot=200).iter_rows(named=True)}
    assert g["gmv"]["this_week"] == pytest.approx(orders["amount"].sum())
    n_viewers = (
        viewers.group_by("session_id").agg(pl.col("viewer_id").n_unique())["viewer_id"].sum()
    )
    assert g["viewers"]["this_week"] == n_viewers
    assert g["uv_value"]["this_week"] == pytest.approx(orders["amount"].sum() / n_viewers)
    # a single simulated week: nothing to compare with, said as missing rather than zero
    assert (
        g["gmv"]["last_week"] is None
        and g["gmv"]["trailing_mean"] is None
        and g["gmv"]["trailing_weeks"] == 0
    )
    assert data.trailing == []
    board = wr.leaderboard(data)
    assert board["rank"].to_list() == list(range(1, 8))
    assert board["gmv"].to_list() == sorted(board["gmv"].to_list(), reverse=True)
    # the heat map's cells add up to the week's minute trend (every minute on air in one cell)
    cells = wr.heatmap(data)
    assert cells["minutes"].sum() == trend.height
    assert (cells["gmv_per_hour"] * cells["minutes"] / 60).sum() == pytest.approx(
        trend["gmv"].sum()
    )
    best, worst = wr.best_worst_hours(cells, n=2)
    ranked = cells.filter(pl.col("enough"))["gmv_per_hour"]
    assert best["gmv_per_hour"][0] == ranked.max() and worst["gmv_per_hour"][0] == ranked.min()


def test_damaged_session_is_left_out_and_named(sim_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(sim_store, store)
    victim = sorted(store.glob("viewers/*/*/*.parquet"))[2]
    victim.write_bytes(victim.read_bytes()[:100])
    data = wr.load_week(store, "2026-W47")
    assert list(data.unreadable) == [victim.stem]
    assert "viewers/" in data.unreadable[victim.stem]
    assert data.kpis.height == 6 and victim.stem not in data.kpis["session_id"].to_list()
    links = wr.review_links(data, [])
    assert links.filter(pl.col("status") == "failed")["session_id"].to_list() == [victim.stem]


def test_store_reads_only_the_asked_sessions_files(sim_store: Path, tmp_path: Path) -> None:
    """A damaged file of one session does not break loading another (store.load_table prunes by
    file)."""
    from helpers.data.store import load_table

    store = tmp_path / "store"
    shutil.copytree(sim_store, store)
    files = sorted(store.glob("orders/*/*/*.parquet"))
    files[0].write_bytes(b"not parquet")
    other = files[1].stem
    orders = load_table("orders", store, session_ids=other)
    assert orders.height > 0 and orders["session_id"].unique().to_list() == [other]
    with pytest.raises(Exception, match=r"(?i)parquet"):
        load_table("orders", store)


def test_describe_glance_in_both_languages(sim_store: Path) -> None:
    g = wr.glance(wr.load_week(sim_store, "2026-W47"), n_boot=100)
    zh, en = wr.describe_glance(g, "zh"), wr.describe_glance(g, "en")
    gmv = g.filter(pl.col("metric") == "gmv")["this_week"][0]
    assert f"{gmv:,.0f}" in zh and f"{gmv:,.0f}" in en
    md = wr.links_markdown(
        pl.DataFrame(
            {
                "session_id": ["<b>x</b>"],
                "host": ["h"],
                "status": ["failed"],
                "error": ["boom"],
                "href": ["sessions/x/report.html"],
            }
        )
    )
    assert "&lt;b&gt;" in md and "<b>" not in md


@pytest.mark.slow
def test_weekly_command_with_real_notebooks(sim_store: Path, tmp_path: Path) -> None:
    """The real 20 and 90 templates: a corrupted session fails alone (exit 1, reported in the weekly
    report); after the export is fixed, the next run re-renders only that session and exits 0."""
    store = tmp_path / "store"
    shutil.copytree(sim_store, store)
    # a truncated comments export: only this session's own review reads it (the reviews of later
    # sessions read earlier sessions' viewers/orders for their trailing comparison)
    victim = sorted(store.glob("comments/*/*/*.parquet"))[1]
    good = victim.read_bytes()
    victim.write_bytes(good[: len(good) // 3])
    out = tmp_path / "reports" / "weekly" / "2026-W47"
    args = Namespace(week="2026-W47", jobs=2, params="", store=str(store), out=str(out), lang="zh")
    assert weekly.cli_weekly(args) == weekly.EXIT_FAILED
    run = json.loads((out / "run.json").read_text())
    assert [s["target"] for s in run["sessions"] if not s["ok"]] == [victim.stem]
    assert run["weekly"]["ok"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed_sessions"] == [victim.stem]
    assert (out / "sessions" / victim.stem / "20-session-review.ipynb").exists()
    html = (out / "report.html").read_text("utf-8")
    assert f"<strong>{victim.stem}</strong>" in html  # marked as failed in the links section

    victim.write_bytes(good)  # the export is fixed: only that review is stale
    assert weekly.cli_weekly(args) == weekly.EXIT_OK
    run2 = json.loads((out / "run.json").read_text())
    assert [s["target"] for s in run2["sessions"] if not s["reused"]] == [victim.stem]
    assert json.loads((out / "summary.json").read_text())["failed_sessions"] == []
    assert (out.parent / "latest").resolve() == out.resolve()
