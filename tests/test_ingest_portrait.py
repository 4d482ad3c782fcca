"""Audience portraits (人群画像): long layout and wide per-dimension sheets → audience_profile."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import xlsxwriter

from helpers.data.store import load_session, load_table
from helpers.ingest import ingest_paths
from helpers.sim import real_shapes as rs

LONG = (
    "直播间,开始日期,结束日期,维度,人群类型,分布,占比,人数\n"
    "阿强的店,2026/11/16,2026/11/22,性别,观看人群,男,35.20%,3520\n"
    "阿强的店,2026/11/16,2026/11/22,性别,成交人群,男,28.1%,281\n"
    "阿强的店,2026/11/16,2026/11/22,年龄,看播,18-23,0.12,\n"
    "阿强的店,2026/11/16,2026/11/22,星座,成交人群,狮子座,1%,2\n"
)


def test_long_layout_gives_one_row_per_bucket_and_quarantines_unknown_dimensions(tmp_path):
    f = tmp_path / "画像.csv"
    f.write_text(LONG, encoding="utf-8-sig")
    r = ingest_paths([f], tmp_path / "s").files[0]
    assert (r.export_type, r.rows_in, r.rows_kept, r.rows_quarantined) == (
        "douyin_audience",
        4,
        3,
        1,
    )
    assert r.quarantined[0]["value"] == "星座"
    p = load_table("audience_profile", tmp_path / "s").sort("dimension", "population")
    assert p.select("room", "date_from", "date_to").unique().rows() == [
        ("阿强的店", date(2026, 11, 16), date(2026, 11, 22))
    ]
    assert p.with_columns(pl.col("share").round(6)).select(
        "population", "dimension", "bucket", "share", "count"
    ).rows() == [
        ("watched", "age", "18-23", 0.12, None),
        ("bought", "gender", "男", 0.281, 281),
        ("watched", "gender", "男", 0.352, 3520),
    ]
    assert p["session_id"].null_count() == p.height


def test_wide_sheets_per_dimension_attach_to_a_session(tmp_path):
    rs.write_session_list(
        tmp_path / "list.xlsx",
        [rs.Show("阿强的店", "70010000001", datetime(2026, 11, 18, 20, 0, tzinfo=rs.CN), 120)],
    )
    book = xlsxwriter.Workbook(str(tmp_path / "画像.xlsx"))
    ws = book.add_worksheet("年龄")
    ws.write_row(0, 0, ["年龄", "观看人群占比", "成交人群占比"])
    ws.write_row(1, 0, ["18-23", "12%", "8%"])
    ws.write_row(2, 0, ["24-30", "30%", "35%"])
    ws = book.add_worksheet("城市等级")
    ws.write_row(0, 0, ["城市等级", "看播人数", "成交人数"])
    ws.write_row(1, 0, ["一线", "1200", "80"])
    book.close()
    (tmp_path / "设备.csv").write_text("设备,观看占比,成交占比\niPhone,40%,50%\n", encoding="utf-8")
    store = tmp_path / "s"
    sid = "dy-70010000001-20261118-2000"
    assert ingest_paths([tmp_path / "list.xlsx"], store).ok
    out = ingest_paths([tmp_path / "画像.xlsx", tmp_path / "设备.csv"], store, session=sid)
    assert out.ok and [f.rows_kept for f in out.files] == [6, 2]
    p = load_session(sid, store).audience_profile
    assert p["room"].unique().to_list() == [sid]  # no room column: the session names it
    got = (
        p.group_by("dimension")
        .agg(pl.len(), pl.col("share").sum().round(6), pl.col("count").sum())
        .sort("dimension")
        .rows()
    )
    assert got == [("age", 4, 0.85, 0), ("city_tier", 2, 0.0, 1280), ("device", 2, 0.9, 0)]
