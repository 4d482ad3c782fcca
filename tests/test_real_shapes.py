"""The whole path on files in the shapes of real downloads (written here, values our own)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from helpers.data.store import list_sessions, load_table
from helpers.ingest import ingest_paths
from helpers.sim import real_shapes as rs

SHOWS = rs.week_shows(27, seed=3)
SHOW = SHOWS[5]


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> tuple[Path, Path]:
    """(raw folder, store) after ingesting the session list, daily overviews, a trend and a comment
    export without account, and 抖店 orders naming a numeric 达人ID (no rooms file yet)."""
    tmp = tmp_path_factory.mktemp("real")
    raw = tmp / "raw"
    rs.write_session_list(raw / "直播明细_达人_20261116_20261122.xlsx", SHOWS, seed=3)
    days = [SHOW.start + timedelta(days=i) for i in range(3)]
    rs.write_daily_overview(raw / "daily.csv", "阿强的店", days)
    rs.write_daily_overview(raw / "daily_resaved.csv", "阿强的店·二号", days, variant="serial")
    rs.write_trend_no_account(raw / "trend.csv", SHOW.start, 40)
    rs.write_comments_no_account(raw / "comments.csv", SHOW.start, ["多少钱", "1号链接", "好看"])
    (tmp / "shop").mkdir()
    rs.write_doudian_orders(tmp / "shop" / "orders.csv", "7001", SHOW.start, 6)
    store = tmp / "store"
    out = ingest_paths([raw, tmp / "shop"], store)
    assert out.ok, out.table()
    return tmp, store


def test_session_list_is_the_documented_shape(tmp_path):
    path = rs.session_list_week(27, seed=1, path=tmp_path / "w.xlsx")
    book = fastexcel.read_excel(str(path))
    assert book.sheet_names == ["直播间明细"]
    df = book.load_sheet(0, dtypes="string").to_polars()
    assert df.columns == list(rs.SESSION_LIST_COLUMNS) and len(df.columns) == 54 and df.height == 27
    assert df["主播抖音号"].str.contains(r"^\d{11}$").all() and df["主播抖音号"].n_unique() == 2
    assert df["直播开始时间"].str.contains(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$").all()
    assert (df["消费券补贴金额"] == "-").any() and (df["消费券补贴金额"] != "-").any()
    assert (
        df.with_columns(pl.col("直播开始时间").str.slice(0, 10).alias("d"))
        .group_by("d")
        .len()["len"]
        .max()
        > 1
    )
    assert isinstance(rs.session_list_week(3, seed=1), bytes)


def test_every_file_accounts_for_its_rows(week):
    _tmp, store = week
    out = ingest_paths([week[0] / "raw"], store)  # same files again: duplicates, nothing counted
    assert {f.status for f in out.files} == {"duplicate"}
    ledger = pl.read_ndjson(store / "_ledger.jsonl")
    assert (ledger["rows_in"] == ledger["rows_kept"] + ledger["rows_quarantined"]).all()


def test_session_list_rows_give_sessions_and_totals_with_coupon_metrics(week):
    _tmp, store = week
    sessions = list_sessions(store)
    assert sessions.height == 27
    sid = f"dy-{SHOW.account}-{SHOW.start:%Y%m%d-%H%M}"
    row = sessions.filter(pl.col("session_id") == sid).row(0, named=True)
    assert row["end_ts"] - row["start_ts"] == timedelta(minutes=SHOW.minutes)
    totals = load_table("session_totals", store)
    coupon = totals.filter(pl.col("metric") == "coupon_subsidy")
    assert coupon["session_id"].n_unique() == sum(s.coupon for s in SHOWS)  # "-" gives no row
    assert {"coupon_gmv", "coupon_uses", "gmv", "viewers", "conversion_rate"} <= set(
        totals["metric"]
    )
    checks = pl.concat([pl.read_parquet(p) for p in (store / "_checks").glob("*.parquet")])
    assert (checks.filter(pl.col("file").str.contains("直播明细"))["status"] == "ok").all()


def test_daily_overviews_with_percent_strings_and_resaved_dates(week):
    _tmp, store = week
    days = load_table("room_days", store)
    conv = days.filter(pl.col("metric") == "conversion_rate").sort("room", "date")
    assert conv.height == 6 and conv["value"].max() < 0.1  # "2.01%" and 0.0201 both fractions
    assert conv.filter(pl.col("room") == "阿强的店·二号")["date"].to_list() == [
        d.date() for d in (SHOW.start + timedelta(days=i) for i in range(3))
    ]


def test_trend_and_comments_without_account_attach_to_the_one_overlapping_session(week):
    _tmp, store = week
    sid = f"dy-{SHOW.account}-{SHOW.start:%Y%m%d-%H%M}"
    trend = load_table("trend", store)
    assert trend["session_id"].unique().to_list() == [sid] and trend.height == 40
    comments = load_table("comments", store)
    assert comments["session_id"].unique().to_list() == [sid] and comments.height == 3


def test_doudian_orders_attach_once_the_rooms_file_names_their_daren_id(week):
    tmp, store = week
    first = pl.read_ndjson(store / "_ledger.jsonl").filter(pl.col("name") == "orders.csv")
    assert first["rows_quarantined"].to_list() == [6]
    q = pl.concat([pl.read_parquet(p) for p in (store / "_quarantine").glob("*.parquet")])
    assert (
        q.filter(pl.col("file").str.ends_with("orders.csv"))["reason"]
        .str.contains("rooms file")
        .all()
    )
    rooms = tmp / "rooms.yaml"
    rooms.write_text(
        f'rooms:\n  - room: 阿强的店\n    platform: douyin\n    accounts: [aq002, "7001", '
        f'"{SHOW.account}"]\n',
        encoding="utf-8",
    )
    out = ingest_paths([tmp / "shop"], store, rooms=rooms)
    r = out.files[0]
    assert (r.status, r.rows_kept, r.rows_quarantined) == ("ingested", 6, 0)
    orders = load_table("orders", store)
    assert orders["session_id"].unique().to_list() == [
        f"dy-{SHOW.account}-{SHOW.start:%Y%m%d-%H%M}"
    ]


def test_capture_and_transcript_of_one_session_land_with_absolute_times(week):
    tmp, store = week
    cap = tmp / "capture"
    cap.mkdir()
    rec = SHOW.start + timedelta(minutes=10)
    rs.write_capture_tsv(
        cap / "chats.txt", rec, [("堂***", "0", "", "多少钱"), ("李", "88", "MS4wX", "[赞]")] * 3
    )
    (cap / "fromtime").write_text(str(int(rec.timestamp() * 1000)))
    (cap / "output.srt").write_text(
        rs.transcript_text([(1.5, 4.0, "一號鏈接"), (61.0, 65.0, "福利")], "srt"), encoding="utf-8"
    )
    out = ingest_paths([cap], store)
    assert out.ok and all(f.attached_by_time for f in out.files)
    sid = f"dy-{SHOW.account}-{SHOW.start:%Y%m%d-%H%M}"
    tr = load_table("transcript", store).filter(pl.col("session_id") == sid)
    assert tr["start_ts"].to_list() == [rec + timedelta(seconds=1.5), rec + timedelta(seconds=61)]
    assert tr["text"].to_list() == ["一號鏈接", "福利"]
    caps = next(f for f in out.files if f.path.endswith("chats.txt"))
    assert (caps.rows_in, caps.rows_kept, caps.rows_quarantined) == (8, 6, 2)  # two ##system lines
