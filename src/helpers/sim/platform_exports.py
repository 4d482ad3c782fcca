"""Write a simulated week as Douyin-Compass-style export files, quirks included.

:func:`write_platform_exports` turns canonical tables into the files an analyst would download
after a week of shows, exercising the quirks of ``EXPORTS.md`` deterministically (seeded):

- ``直播间列表_<week>.xlsx``: the session list, one row per session; ratios as "12.34%"; "-"
  cells; columns the workbook does not map (kept as extras).
- ``整场数据_<sid>.xlsx``: 基本信息 vertical key/value sheet with the one-cell 直播时间 range,
  整体看板, 流量分析-渠道分析 with a 整体 total row, 商品分析-商品明细.
- ``分钟趋势_<sid>.csv``: GB18030; 累计成交订单数/累计成交金额 cumulative (must be
  differenced).
- ``直播商品_<sid>.xlsx``: a title row above the header; 讲解时段 windows "start-end; ...".
- ``场记_<sid>.csv``: run-sheet events (讲解/福袋/优惠券/秒杀).
- ``直播订单_<sid>.csv``: UTF-8 with BOM; ids as ="123" Excel wrappers; 19-digit ids;
  "¥1,234.50".
- ``评论_<sid>.csv``: comment times as unix seconds (API style).
- ``观众明细_<sid>.csv``: the simulator's OWN viewer-level format (not a real Compass export):
  GB18030, Chinese headers, mixed date forms, durations as seconds, "94分19.5秒" or
  "01:34:19.5", "3.06万" counts where exact, a stray repeated header row.
- ``targets.csv``: the team's targets in the canonical format.

Headers come from the same mapping files ingest reads (``helpers/resources/mappings``), so a renamed
column cannot drift between the writer and the reader. Columns starting with ``sim_`` (simulator
truth) are never written. The cells' formats are in :mod:`helpers.sim.export_cells`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from helpers.ingest.mapping import get_mapping
from helpers.sim.export_cells import (
    DEVICE_LABELS,
    DT,
    GENDER_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    china_time,
    percent,
    ratio,
    wan_count,
    write_csv,
    write_xlsx,
    yes_no,
)

log = logging.getLogger(__name__)


def _h(mapping: str, table: str, column: str) -> str:
    return get_mapping(mapping).header_of(table, column)


def _tag(sid: str) -> str:
    return sid.removeprefix("dy-")


def _kpis(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The platform-style totals of each session, from the workbook's own metric definitions."""
    from helpers.metrics.definitions import kpi_frame

    k = kpi_frame(
        {
            n: tables[n]
            for n in ("sessions", "viewers", "orders", "trend", "products", "traffic")
            if n in tables
        }
    )
    extra = (
        tables["viewers"]
        .group_by("session_id")
        .agg(
            (pl.col("product_clicks") > 0).sum().alias("product_clickers"),
            pl.col("comments").sum().alias("comment_count"),
        )
    )
    exposed = (
        tables["products"]
        .group_by("session_id")
        .agg(pl.col("exposures_uv").sum().alias("product_exposed"))
    )
    return k.join(extra, on="session_id", how="left").join(exposed, on="session_id", how="left")


def session_list(tables: dict[str, pl.DataFrame], kpis: pl.DataFrame) -> pl.DataFrame:
    m = "douyin_session_list"
    s = (
        tables["sessions"]
        .join(kpis.drop("room", "host", "start_ts"), on="session_id", how="left")
        .sort("start_ts")
    )
    S = lambda c: _h(m, "sessions", c)  # noqa: E731
    T = lambda c: _h(m, "session_totals", c)  # noqa: E731
    return s.select(
        pl.col("room").alias(S("room")),
        pl.col("account").alias(S("account")),
        china_time(pl.col("start_ts")).alias(S("start_ts")),
        china_time(pl.col("end_ts")).alias(S("end_ts")),
        pl.col("host").alias(S("host")),
        pl.col("title").alias(S("title")),
        pl.col("category").alias(S("category")),
        pl.col("duration_min").round(1).alias(T("duration_min")),
        pl.col("viewers").cast(pl.Int64).alias(T("viewers")),
        pl.col("views").cast(pl.Int64).alias(T("views")),
        pl.col("pcu").cast(pl.Int64).alias(T("pcu")),
        pl.col("acu").round(1).alias(T("acu")),
        (pl.col("avg_watch_s") / 60).round(2).alias(T("avg_watch_s")),
        pl.col("comment_count").alias(T("comments")),
        pl.col("new_followers").cast(pl.Int64).alias(T("new_followers")),
        percent(pl.col("follower_share")).alias(T("follower_share")),
        pl.col("product_exposed").alias(T("product_exposed")),
        pl.col("product_clickers").alias(T("product_clickers")),
        pl.col("gmv").round(2).alias(T("gmv")),
        pl.col("paid_gmv").round(2).alias(T("paid_gmv")),
        pl.col("orders").cast(pl.Int64).alias(T("orders")),
        pl.col("units").cast(pl.Int64).alias(T("units")),
        pl.col("buyers").cast(pl.Int64).alias(T("buyers")),
        pl.col("refund_amount").round(2).alias(T("refund_amount")),
        percent(ratio(pl.col("product_clickers"), pl.col("product_exposed"))).alias(
            T("product_ctr")
        ),
        percent(ratio(pl.col("buyers"), pl.col("product_clickers"))).alias(T("click_to_order")),
        percent(ratio(pl.col("buyers"), pl.col("viewers"))).alias(T("conversion_rate")),
        pl.col("ad_spend").round(2).alias(T("ad_spend")),
        pl.col("net_gmv").round(2).alias(T("net_gmv")),
        # columns the workbook does not map: kept by ingest as extras
        pl.lit("-").alias("消费券引导支付金额"),
        pl.lit("-").alias("1小时退款率"),
    )


def _info_sheet(sess: dict[str, Any], k: dict[str, Any]) -> list[tuple[str, Any]]:
    """基本信息: vertical key/value pairs with the one-cell 直播时间 range."""
    i = "douyin_session_info"
    gpm = None if not k["views"] else round(k["paid_gmv"] * 1000 / k["views"], 2)
    return [
        (_h(i, "sessions", "room"), sess["room"]),
        (_h(i, "sessions", "account"), sess["account"]),
        ("直播时间", f"{sess['start_ts']:{DT}}-{sess['end_ts']:{DT}}"),
        (_h(i, "sessions", "host"), sess["host"]),
        (_h(i, "sessions", "title"), sess["title"]),
        (_h(i, "sessions", "category"), sess["category"]),
        (_h(i, "session_totals", "paid_gmv"), round(k["paid_gmv"], 2)),
        (_h(i, "session_totals", "views"), int(k["views"])),
        ("千次观看用户支付金额", gpm),
    ]


def _overview_sheet(k: dict[str, Any]) -> pl.DataFrame:
    """整体看板: the session's headline totals, watch time as "123秒"."""
    T = lambda c: _h("douyin_overview", "session_totals", c)  # noqa: E731
    return pl.DataFrame([k]).select(
        pl.col("viewers").cast(pl.Int64).alias(T("viewers")),
        pl.col("acu").round(1).alias(T("acu")),
        pl.format("{}秒", pl.col("avg_watch_s").round(0).cast(pl.Int64)).alias(T("avg_watch_s")),
        pl.col("buyers").cast(pl.Int64).alias(T("buyers")),
        pl.col("product_clickers").alias(T("product_clickers")),
        percent(ratio(pl.col("buyers"), pl.col("viewers"))).alias(T("conversion_rate")),
        percent(ratio(pl.col("buyers"), pl.col("product_clickers"))).alias(T("click_to_order")),
    )


def _channels_sheet(tr: pl.DataFrame) -> pl.DataFrame:
    """流量分析-渠道分析: one row per channel under a 整体 total row."""
    C = lambda col: _h("douyin_channels", "traffic", col)  # noqa: E731
    channels = tr.select(
        pl.col("channel").alias(C("channel")),
        pl.col("viewers").alias(C("viewers")),
        pl.col("views").alias(C("views")),
        pl.col("paid").alias(C("paid")),
        pl.col("gmv").round(2).alias(C("gmv")),
        pl.col("orders").alias(C("orders")),
        pl.col("spend").round(2).alias(C("spend")),
        pl.col("impressions").alias(C("impressions")),
    )
    total = tr.select(
        pl.lit("整体").alias(C("channel")),
        pl.col("viewers").sum().alias(C("viewers")),
        pl.col("views").sum().alias(C("views")),
        pl.lit(None, dtype=pl.Boolean).alias(C("paid")),
        pl.col("gmv").sum().round(2).alias(C("gmv")),
        pl.col("orders").sum().alias(C("orders")),
        pl.col("spend").sum().round(2).alias(C("spend")),
        pl.col("impressions").sum().alias(C("impressions")),
    )
    return pl.concat([total, channels], how="vertical_relaxed")


def _product_detail_sheet(products: pl.DataFrame) -> pl.DataFrame:
    """商品分析-商品明细: the session's products with GMV, units and funnel people."""
    P = lambda col: _h("douyin_product_sheet", "products", col)  # noqa: E731
    return products.select(
        pl.col("product_id").alias(P("product_id")),
        pl.col("name").alias(P("name")),
        pl.col("gmv").round(2).alias(P("gmv")),
        pl.col("units").alias(P("units")),
        pl.col("buyers").alias(P("buyers")),
        pl.col("exposures_uv").alias(P("exposures_uv")),
        pl.col("clicks_uv").alias(P("clicks_uv")),
    )


def session_workbook(
    sid: str, tables: dict[str, pl.DataFrame], kpis: pl.DataFrame
) -> list[tuple[str, Any]]:
    """The 整场数据 workbook of one session: its four sheets as :func:`write_xlsx` takes them."""
    sess = tables["sessions"].filter(pl.col("session_id") == sid).row(0, named=True)
    k = kpis.filter(pl.col("session_id") == sid).row(0, named=True)
    mine = pl.col("session_id") == sid
    return [
        ("基本信息", ("kv", _info_sheet(sess, k))),
        ("整体看板", _overview_sheet(k)),
        ("流量分析-渠道分析", _channels_sheet(tables["traffic"].filter(mine))),
        ("商品分析-商品明细", _product_detail_sheet(tables["products"].filter(mine))),
    ]


def _who(sess: dict) -> list[pl.Expr]:
    return [
        pl.lit(sess["account"]).alias("抖音号"),
        pl.lit(f"{sess['start_ts']:{DT}}").alias("开播时间"),
    ]


def trend_csv(sess: dict, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    m = "douyin_trend"
    H = lambda col: _h(m, "trend", col)  # noqa: E731
    t = tables["trend"].filter(pl.col("session_id") == sess["session_id"]).sort("minute_ts")
    return t.select(
        *_who(sess),
        china_time(pl.col("minute_ts"), "%Y/%m/%d %H:%M").alias(H("minute_ts")),
        pl.col("online").alias(H("online")),
        pl.col("entries").alias(H("entries")),
        pl.col("exits").alias(H("exits")),
        pl.col("likes").alias(H("likes")),
        pl.col("comments").alias(H("comments")),
        pl.col("shares").alias(H("shares")),
        pl.col("new_followers").alias(H("new_followers")),
        pl.col("product_clicks").alias(H("product_clicks")),
        pl.col("orders").cum_sum().alias("累计成交订单数"),
        pl.col("buyers").alias(H("buyers")),
        pl.col("gmv").cum_sum().round(2).alias("累计成交金额"),
        pl.col("paid_gmv").round(2).alias(H("paid_gmv")),
        pl.col("ad_spend").round(2).alias(H("ad_spend")),
    )


def products_sheet(sess: dict, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    m = "douyin_products"
    H = lambda col: _h(m, "products", col)  # noqa: E731
    sid = sess["session_id"]
    ev = tables["events"].filter(
        (pl.col("session_id") == sid)
        & (pl.col("kind") == "explain")
        & pl.col("product_id").is_not_null()
    )
    windows = (
        ev.sort("start_ts")
        .group_by("product_id", maintain_order=True)
        .agg(
            pl.len().alias("讲解次数"),
            pl.concat_str(
                [china_time(pl.col("start_ts")), pl.lit("-"), china_time(pl.col("end_ts"))]
            )
            .str.join("; ")
            .alias("讲解时段"),
        )
    )
    p = (
        tables["products"]
        .filter(pl.col("session_id") == sid)
        .join(windows, on="product_id", how="left")
    )
    return p.select(
        *_who(sess),
        pl.col("product_id").alias(H("product_id")),
        pl.col("name").alias(H("name")),
        pl.col("category").alias(H("category")),
        pl.col("role").replace_strict(ROLE_LABELS, default=pl.col("role")).alias(H("role")),
        pl.col("price").round(2).alias(H("price")),
        pl.col("list_price").round(2).alias(H("list_price")),
        pl.col("exposures_uv").alias(H("exposures_uv")),
        pl.col("clicks_uv").alias(H("clicks_uv")),
        percent(ratio(pl.col("clicks_uv"), pl.col("exposures_uv"))).alias("曝光-点击转化率"),
        percent(ratio(pl.col("buyers"), pl.col("clicks_uv"))).alias("点击-成交转化率"),
        pl.col("orders").alias(H("orders")),
        pl.col("units").alias(H("units")),
        pl.col("buyers").alias(H("buyers")),
        pl.col("gmv").round(2).alias(H("gmv")),
        pl.col("refund_amount").round(2).alias(H("refund_amount")),
        pl.col("讲解次数").fill_null(0),
        pl.col("讲解时段").fill_null("-"),
    )


def events_csv(sess: dict, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    m = "douyin_events"
    H = lambda col: _h(m, "events", col)  # noqa: E731
    e = tables["events"].filter(pl.col("session_id") == sess["session_id"]).sort("start_ts", "kind")
    return e.select(
        *_who(sess),
        pl.col("kind").replace_strict(KIND_LABELS).alias(H("kind")),
        china_time(pl.col("start_ts")).alias(H("start_ts")),
        china_time(pl.col("end_ts")).alias(H("end_ts")),
        pl.col("product_id").alias(H("product_id")),
        pl.col("label").alias(H("label")),
    )


def orders_csv(
    sess: dict, tables: dict[str, pl.DataFrame], rng: np.random.Generator
) -> pl.DataFrame:
    m = "douyin_live_orders"
    H = lambda col: _h(m, "orders", col)  # noqa: E731
    o = tables["orders"].filter(pl.col("session_id") == sess["session_id"]).sort("ts", "order_id")
    style = pl.Series(rng.integers(0, 3, o.height))
    amount = pl.col("amount").round(2)
    money = (
        pl.when(style == 0)
        .then(pl.format("¥{}", amount.cast(pl.String)))
        .when(style == 1)
        .then(amount.cast(pl.String))
        .otherwise(pl.format("{}", amount.cast(pl.String)))
    )
    return o.select(
        *_who(sess),
        pl.format('="{}"', pl.col("order_id")).alias(H("order_id")),
        china_time(pl.col("ts")).alias(H("ts")),
        money.alias(H("amount")),
        pl.col("status").replace_strict(STATUS_LABELS).alias(H("status")),
        pl.col("viewer_id").alias(H("viewer_id")),
        pl.format('="{}"', pl.col("product_id")).alias(H("product_id")),
        pl.col("units").alias(H("units")),
        pl.col("refund_amount").round(2).alias(H("refund_amount")),
        yes_no(pl.col("first_order")).alias(H("first_order")),
    )


def comments_csv(sess: dict, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    m = "douyin_comments"
    H = lambda col: _h(m, "comments", col)  # noqa: E731
    c = tables["comments"].filter(pl.col("session_id") == sess["session_id"]).sort("ts")
    epoch = pl.col("ts").dt.epoch("us")
    unix = pl.format(
        "{}.{}",
        (epoch // 1_000_000).cast(pl.String),
        (epoch % 1_000_000).cast(pl.String).str.pad_start(6, "0"),
    )
    return c.select(
        *_who(sess),
        pl.col("viewer_id").alias(H("viewer_id")),
        unix.alias(H("ts")),
        pl.col("text").alias(H("text")),
        pl.col("tag").alias(H("tag")),
    )


def viewers_frame(v: pl.DataFrame, sess: dict, rng: np.random.Generator) -> pl.DataFrame:
    """The 观众明细 rows of one session, mixed formats chosen per row by ``rng``."""
    m = "sim_viewers"
    H = lambda col: _h(m, "viewers", col)  # noqa: E731
    n = v.height
    fmt = pl.Series("__f", rng.integers(0, 10, n), dtype=pl.Int8)
    v = v.with_columns(fmt)
    f = pl.col("__f")
    w = pl.col("watch_s")
    minutes = (w // 60).cast(pl.Int64)
    secs = (w - minutes * 60).round(6)
    hours = (w // 3600).cast(pl.Int64)
    hsecs = (w - hours * 3600 - ((w - hours * 3600) // 60) * 60).round(6)
    dur = (
        pl.when(f == 0)
        .then(pl.format("{}分{}秒", minutes, secs))
        .when(f == 1)
        .then(
            pl.format(
                "{}:{}:{}",
                hours.cast(pl.String).str.pad_start(2, "0"),
                ((w - hours * 3600) // 60).cast(pl.Int64).cast(pl.String).str.pad_start(2, "0"),
                hsecs.cast(pl.String),
            )
        )
        .otherwise(w.round(6).cast(pl.String))
    )
    enter = (
        pl.when(f == 2)
        .then(china_time(pl.col("enter_ts"), "%Y-%m-%d %H:%M:%S"))
        .otherwise(china_time(pl.col("enter_ts")))
    )
    return v.select(
        *_who(sess),
        pl.col("viewer_id").alias(H("viewer_id")),
        enter.alias(H("enter_ts")),
        china_time(pl.col("leave_ts")).alias(H("leave_ts")),
        dur.alias(H("watch_s")),
        pl.col("source").alias(H("source")),
        pl.col("device").replace_strict(DEVICE_LABELS, default=pl.col("device")).alias(H("device")),
        pl.col("region").alias(H("region")),
        pl.col("gender").replace_strict(GENDER_LABELS, default=pl.col("gender")).alias(H("gender")),
        pl.col("age_band").alias(H("age_band")),
        yes_no(pl.col("was_follower")).alias(H("was_follower")),
        yes_no(pl.col("returning")).alias(H("returning")),
        yes_no(pl.col("followed")).alias(H("followed")),
        wan_count(pl.col("likes")).alias(H("likes")),
        pl.col("comments").cast(pl.String).fill_null("-").alias(H("comments")),
        pl.col("shares").cast(pl.String).fill_null("-").alias(H("shares")),
        pl.col("product_clicks").cast(pl.String).fill_null("-").alias(H("product_clicks")),
    )


def write_viewers_csv(v: pl.DataFrame, sess: dict, path: Path, rng: np.random.Generator) -> Path:
    """The 观众明细 CSV (GB18030) with one stray repeated header row in the middle."""
    df = viewers_frame(v, sess, rng)
    at = 1 + int(rng.integers(1, max(2, df.height)))
    return write_csv(df, path, "gb18030", extra_rows=[(at, df.columns)])


def write_platform_exports(
    tables: dict[str, pl.DataFrame], out_dir: Path, *, seed: int = 0
) -> list[Path]:
    """Write canonical tables (a simulated week) as Douyin-Compass-style exports; returns the paths.

    Deterministic for a given ``seed``. See the module docstring for the files and their quirks.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tables = {
        k: v.select([c for c in v.columns if not c.startswith("sim_")]) for k, v in tables.items()
    }
    if "account" not in tables["sessions"].columns:
        tables["sessions"] = tables["sessions"].with_columns(
            pl.col("session_id").str.extract(r"^dy-(.+)-\d{8}-\d{4}$", 1).alias("account")
        )
    kpis = _kpis(tables)
    sessions = tables["sessions"].sort("start_ts")
    paths: list[Path] = []
    first = cast(datetime | None, sessions["start_ts"].min())
    week = f"{first:%G-W%V}" if first is not None else "week"
    paths.append(
        write_xlsx(out / f"直播间列表_{week}.xlsx", [("直播间列表", session_list(tables, kpis))])
    )
    for sess in sessions.iter_rows(named=True):
        sid, tag = sess["session_id"], _tag(sess["session_id"])
        paths.append(write_xlsx(out / f"整场数据_{tag}.xlsx", session_workbook(sid, tables, kpis)))
        paths.append(write_csv(trend_csv(sess, tables), out / f"分钟趋势_{tag}.csv", "gb18030"))
        title = f"{sess['room']} 直播商品数据 {sess['start_ts']:{DT}} (导出)"
        paths.append(
            write_xlsx(
                out / f"直播商品_{tag}.xlsx",
                [("商品", ("title", title, products_sheet(sess, tables)))],
            )
        )
        paths.append(write_csv(events_csv(sess, tables), out / f"场记_{tag}.csv", "utf-8"))
        paths.append(
            write_csv(orders_csv(sess, tables, rng), out / f"直播订单_{tag}.csv", "utf-8-sig")
        )
        paths.append(write_csv(comments_csv(sess, tables), out / f"评论_{tag}.csv", "utf-8"))
        v = tables["viewers"].filter(pl.col("session_id") == sid).sort("enter_ts", "viewer_id")
        paths.append(write_viewers_csv(v, sess, out / f"观众明细_{tag}.csv", rng))
    if "targets" in tables and tables["targets"].height:
        t = tables["targets"]
        paths.append(
            write_csv(
                t.with_columns(pl.col("date").cast(pl.String)) if "date" in t.columns else t,
                out / "targets.csv",
                "utf-8",
            )
        )
    log.info("wrote %d export files to %s", len(paths), out)
    return paths
