"""Metrics on hand-computed cases, including the platform traps (PV vs UV, paid vs placed,
refunds)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from helpers.data import schema
from helpers.data.store import Session, load_session, write_session_tables
from helpers.metrics import definitions as metrics

SH = ZoneInfo(schema.TZ)
T0 = datetime(2026, 11, 16, 20, 0, tzinfo=SH)
SID = "dy-test-20261116-2000"


def _sessions() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "session_id": [SID],
            "platform": ["douyin"],
            "room": ["r"],
            "start_ts": [T0],
            "end_ts": [T0 + timedelta(minutes=90)],
            "host": ["h"],
        }
    )


def _viewers() -> pl.DataFrame:
    """5 viewers: a and b interact and buy, c only clicks, e leaves after 10 s."""
    return pl.DataFrame(
        {
            "session_id": [SID] * 5,
            "viewer_id": ["a", "b", "c", "d", "e"],
            "enter_ts": [T0 + timedelta(minutes=i) for i in range(5)],
            "watch_s": [600.0, 300.0, 60.0, 30.0, 10.0],
            "source": ["直播推荐", "千川", "关注", "直播推荐", "千川"],
            "was_follower": [True, False, True, False, False],
            "returning": [True, False, False, False, False],
            "followed": [False, True, False, False, False],
            "likes": [3, 0, 0, 1, 0],
            "comments": [1, 2, 0, 0, 0],
            "shares": [0, 0, 0, 0, 0],
            "product_clicks": [2, 1, 1, 1, 0],
        }
    )


def _orders() -> pl.DataFrame:
    """4 orders: a paid and refunded one, b a paid one of 2 units, c an unpaid one."""
    return pl.DataFrame(
        {
            "session_id": [SID] * 4,
            "order_id": ["1", "2", "3", "4"],
            "ts": [T0 + timedelta(minutes=m) for m in (10, 20, 30, 40)],
            "amount": [100.0, 50.0, 200.0, 30.0],
            "status": ["paid", "refunded", "paid", "unpaid"],
            "viewer_id": ["a", "a", "b", "c"],
            "units": [1, 1, 2, 1],
            "refund_amount": [None, 50.0, None, None],
        }
    )


def _trend_products_traffic() -> dict[str, pl.DataFrame]:
    """3 minutes with 8 entries (PV), 2 products, 3 channels (千川 paid)."""
    trend = pl.DataFrame(
        {
            "session_id": [SID] * 3,
            "minute_ts": [T0 + timedelta(minutes=i) for i in range(3)],
            "online": [2, 4, 3],
            "entries": [3, 3, 2],
        }
    )
    products = pl.DataFrame(
        {
            "session_id": [SID] * 2,
            "product_id": ["p1", "p2"],
            "name": ["x", "y"],
            "exposures_uv": [4, 4],
            "clicks_uv": [3, 1],
        }
    )
    traffic = pl.DataFrame(
        {
            "session_id": [SID] * 3,
            "channel": ["直播推荐", "千川", "关注"],
            "viewers": [2, 2, 1],
            "paid": [False, True, False],
            "spend": [None, 95.0, None],
            "impressions": [None, 10000, None],
            "gmv": [100.0, 200.0, 80.0],
        }
    )
    return {"trend": trend, "products": products, "traffic": traffic}


def _tables() -> dict[str, pl.DataFrame]:
    """A tiny session: 5 viewers, 2 buyers (c only left an unpaid order), 4 orders (1 unpaid, 1
    refunded), 8 entries (PV)."""
    return {
        "sessions": _sessions(),
        "viewers": _viewers(),
        "orders": _orders(),
        **_trend_products_traffic(),
    }


@pytest.fixture(scope="module")
def kpis() -> tuple[dict, dict]:
    row = metrics.kpi_frame(_tables(), with_sources=True).row(0, named=True)
    return {k: row[k] for k in metrics.KPI_KEYS}, {k: row[f"src_{k}"] for k in metrics.KPI_KEYS}


def test_traffic_pv_vs_uv(kpis):
    k, src = kpis
    assert k["viewers"] == 5 and src["viewers"] == "viewers"
    assert k["views"] == 8 and src["views"] == "trend"  # PV counts repeat entries: not 5
    assert k["pcu"] == 4 and k["acu"] == pytest.approx(3.0)
    assert k["avg_watch_s"] == pytest.approx(1000 / 5)
    assert k["duration_min"] == pytest.approx(90)


def test_money_placed_paid_refunds(kpis):
    k, src = kpis
    assert k["gmv"] == pytest.approx(380.0) and src["gmv"] == "orders"  # placed: every status
    assert k["paid_gmv"] == pytest.approx(350.0)  # paid + later refunded; unpaid excluded
    assert k["refund_amount"] == pytest.approx(50.0)
    assert k["net_gmv"] == pytest.approx(330.0)
    assert k["refund_rate"] == pytest.approx(50 / 380)
    assert k["buyers"] == 2 and k["orders"] == 4 and k["units"] == 5  # unpaid-only c is no buyer


def test_ratios(kpis):
    k, _ = kpis
    assert k["conversion_rate"] == pytest.approx(2 / 5)
    assert k["uv_value"] == pytest.approx(380 / 5)  # per viewer (UV)
    assert k["gpm"] == pytest.approx(380 * 1000 / 8)  # per 1000 views (PV), not viewers
    assert k["aov"] == pytest.approx(350 / 2)  # paid GMV per paying buyer, not per order
    assert k["unit_price"] == pytest.approx(380 / 5)
    assert k["follower_rate"] == pytest.approx(1 / 5)
    assert k["new_followers"] == 1
    assert k["interaction_rate"] == pytest.approx(3 / 5)  # a, b, d
    assert k["comment_rate"] == pytest.approx(2 / 5)
    assert k["returning_rate"] == pytest.approx(1 / 5)
    assert k["follower_share"] == pytest.approx(2 / 5)
    assert k["product_ctr"] == pytest.approx(4 / 8)
    assert k["click_to_order"] == pytest.approx(2 / 4)  # buyers / distinct clickers
    assert k["ad_spend"] == pytest.approx(95.0)
    assert k["roi"] == pytest.approx(380 / 95)
    assert k["ad_roi"] == pytest.approx(200 / 95)  # attributed to paid channels only
    assert k["cpm"] == pytest.approx(95 * 1000 / 10000)


def test_fallback_to_platform_totals_says_so():
    t = _tables()
    for name in ("viewers", "orders", "products", "traffic"):
        t.pop(name)
    t["session_totals"] = pl.DataFrame(
        {
            "session_id": [SID] * 5,
            "metric": ["viewers", "gmv", "buyers", "refund_amount", "interaction_rate"],
            "value": [1000.0, 5000.0, 40.0, 500.0, 0.12],
        }
    )
    row = metrics.kpi_frame(t, with_sources=True).row(0, named=True)
    assert row["viewers"] == 1000 and row["src_viewers"] == "platform"
    assert row["gmv"] == 5000 and row["src_gmv"] == "platform"
    assert row["views"] == 8 and row["src_views"] == "trend"
    assert row["uv_value"] == pytest.approx(5.0) and row["src_uv_value"] == "platform"
    assert row["gpm"] == pytest.approx(5000 * 1000 / 8) and row["src_gpm"] == "platform/trend"
    assert row["net_gmv"] == pytest.approx(4500)
    assert (
        row["interaction_rate"] == pytest.approx(0.12) and row["src_interaction_rate"] == "platform"
    )
    assert row["comment_rate"] is None and row["src_comment_rate"] is None
    assert row["avg_watch_s"] is None


def test_room_funnel_counts_come_from_the_room_not_from_products():
    """Without viewer rows, click→order divides by the platform's room-level clickers, not by the
    products' clickers summed (a viewer who clicked 3 products counts 3 times there)."""
    t = _tables()
    t.pop("viewers")
    t["session_totals"] = pl.DataFrame(
        {
            "session_id": [SID] * 2,
            "metric": ["product_clickers", "product_exposed"],
            "value": [3.0, 6.0],
        }
    )
    row = metrics.kpi_frame(t, with_sources=True).row(0, named=True)
    assert row["product_clickers"] == 3 and row["src_product_clickers"] == "platform"
    assert (
        row["click_to_order"] == pytest.approx(2 / 3)
        and row["src_click_to_order"] == "orders/platform"
    )
    assert row["product_ctr"] == pytest.approx(3 / 6) and row["src_product_ctr"] == "platform"
    t.pop(
        "session_totals"
    )  # no room-level counts: the products' sums, and no room-level count KPIs
    row = metrics.kpi_frame(t, with_sources=True).row(0, named=True)
    assert (
        row["click_to_order"] == pytest.approx(2 / 4)
        and row["src_click_to_order"] == "orders/products"
    )
    assert row["product_exposed"] is None and row["product_clickers"] is None


def test_session_kpis_and_kpi_table_agree(tmp_path):
    t = _tables()
    write_session_tables(t, tmp_path)
    s = load_session(SID, tmp_path)
    assert isinstance(s, Session)
    one = metrics.session_kpis(s)
    assert set(one) == set(metrics.KPI_KEYS)
    assert one["viewers"] == 5 and isinstance(one["viewers"], int)
    assert one["gmv"] == pytest.approx(380.0)
    table = metrics.kpi_table(tmp_path)
    assert table.height == 1 and table["session_id"][0] == SID
    for k in metrics.KPI_KEYS:
        v = table[k][0]
        assert (v is None and one[k] is None) or v == pytest.approx(one[k]), k
    _, sources = metrics.session_kpis_with_sources(s)
    assert sources["viewers"] == "viewers" and sources["gmv"] == "orders"


def test_registry_and_glossary():
    for key, m in metrics.METRICS.items():
        assert m.zh and m.en and m.formula, key
    assert "views" in metrics.METRICS["gpm"].formula
    md = metrics.markdown()
    assert "| `gpm` | 千次观看成交金额 |" in md
    g = metrics.glossary(["gmv", "gpm"], lang="en")
    assert g["name"].to_list() == ["GMV (placed)", "GPM"]


def test_views_prefer_channel_views_over_per_minute_entries():
    t = _tables()
    t["traffic"] = t["traffic"].with_columns(pl.Series("views", [5, 4, 3]))
    row = metrics.kpi_frame(t, with_sources=True).row(0, named=True)
    assert row["views"] == 12 and row["src_views"] == "traffic"
    assert row["gpm"] == pytest.approx(380 * 1000 / 12)


def test_targets_files_and_precedence(tmp_path):
    from datetime import date

    from helpers.metrics.targets import read_targets, session_targets

    csv = tmp_path / "t.csv"
    csv.write_text(
        "metric,target,session_id\ngmv,500,\ngmv,900," + SID + "\nuv_value,20,\n", encoding="utf-8"
    )
    df = read_targets(csv)
    assert df.height == 3 and df.schema["target"] == pl.Float64
    yml = tmp_path / "t.yaml"
    yml.write_text("conversion_rate: 0.07\nviewers: 3000\n", encoding="utf-8")
    assert dict(
        zip(
            *read_targets(yml).select("metric", "target").to_dict(as_series=False).values(),
            strict=True,
        )
    ) == {"conversion_rate": 0.07, "viewers": 3000.0}
    info = {"session_id": SID, "room": "r", "start_ts": T0}
    assert session_targets(info, csv, tmp_path / "empty-store") == {"gmv": 900.0, "uv_value": 20.0}
    write_session_tables(
        {
            **_tables(),
            "targets": pl.DataFrame(
                {
                    "metric": ["gmv", "aov"],
                    "target": [700.0, 150.0],
                    "session_id": [SID, SID],
                    "room": ["r", "r"],
                    "date": [date(2026, 11, 16)] * 2,
                }
            ),
        },
        tmp_path / "store",
    )
    got = session_targets(info, csv, tmp_path / "store")
    assert got == {"gmv": 900.0, "uv_value": 20.0, "aov": 150.0}  # the file wins over the store
    bad = tmp_path / "bad.csv"
    bad.write_text("metric,target\nnot_a_metric,1\n", encoding="utf-8")
    with pytest.raises(schema.SchemaError, match="not_a_metric"):
        read_targets(bad)


def test_benchmarks_by_category():
    from helpers.metrics.benchmarks import benchmarks

    general, apparel = benchmarks("general"), benchmarks("apparel")
    assert general["conversion_rate"].flag(0.05) == "below" and general["conversion_rate"].is_bad(
        0.05
    )
    assert general["refund_rate"].flag(0.20) == "within"
    assert apparel["refund_rate"].high == 0.30 and apparel["refund_rate"].is_bad(0.35)
    assert not apparel["refund_rate"].is_bad(0.10)  # below a lower-is-better range is good
    assert "follower_rate" in apparel and "follower_rate" not in general
    assert apparel["uv_value"].source == "rule_of_thumb" and apparel["uv_value"].cite
    with pytest.raises(ValueError, match="unknown benchmark category"):
        benchmarks("cars")


def test_docs_metrics_page_is_generated_from_the_registry():
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
    assert page.read_text("utf-8") == metrics.markdown(), (
        "run: python -m helpers.metrics.definitions > docs/metrics.md"
    )
