"""Ingest: one test per export type and per file-level quirk, with fixtures written by the tests."""

from __future__ import annotations

import codecs
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import xlsxwriter

from helpers.cli import main as cli_main
from helpers.data.store import load_table
from helpers.ingest import ingest_paths, load_checks, load_quarantine
from helpers.ingest.mapping import detect, get_mapping, load_mappings

CN = ZoneInfo("Asia/Shanghai")
SID = "dy-nuanyang88-20261116-2000"


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    text = "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if v is None:
                    continue
                if isinstance(v, int | float):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v))
    wb.close()
    return path


SESSION_LIST = [
    [
        "主播昵称",
        "主播抖音号",
        "直播开始时间",
        "直播结束时间",
        "直播间观看人数",
        "直播间观看次数",
        "直播间成交金额",
        "直播间成交人数",
        "直播间商品点击人数",
        "直播间商品曝光人数",
        "观看-成交率(人数)",
        "商品点击-成交率(人数)",
        "未知的新列",
    ],
    [
        "暖阳服饰旗舰店",
        "nuanyang88",
        "2026/11/16 20:00:00",
        "2026/11/16 23:00:00",
        "1,000",
        "1500",
        "¥12,345.60",
        "60",
        "300",
        "900",
        "6.00%",
        "20.00%",
        "abc",
    ],
    [
        "暖阳服饰旗舰店",
        "nuanyang88",
        "2026/11/17 14:00:00",
        "2026/11/17 16:00:00",
        "3.06万",
        "40000",
        "23456",
        "1530",
        "6000",
        "20000",
        "25.50%",
        "25.50%",
        "-",
    ],
]


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


def one(outcome):
    assert len(outcome.files) == 1
    return outcome.files[0]


# --------------------------------------------------------------------------- mappings


def test_every_mapping_file_loads_and_detects_its_own_headers():
    for m in load_mappings():
        headers = [g[0] for g in m.detect] + [s.header for s in m.specs()]
        headers += list(m.session.get("account", ())[:1]) + list(m.session.get("start", ())[:1])
        got = detect(headers, layout=m.layout)
        assert got is not None, m.id
        assert got.id == m.id or got.platform == m.platform, (m.id, got.id)


def test_writer_headers_come_from_mappings():
    assert get_mapping("douyin_trend").header_of("trend", "online") == "在线人数"


# ------------------------------------------------------------------------ export types


def test_session_list_sessions_totals_extras_and_cross_check_mislabel(tmp_path, store):
    f = write_xlsx(tmp_path / "直播间列表.xlsx", {"Sheet1": SESSION_LIST})
    r = one(ingest_paths([f], store))
    assert (r.status, r.export_type, r.rows_in, r.rows_kept, r.rows_quarantined) == (
        "ingested",
        "douyin_session_list",
        2,
        2,
        0,
    )
    s = load_table("sessions", store)
    assert s["session_id"].to_list() == [SID, "dy-nuanyang88-20261117-1400"]
    assert s["room"][0] == "暖阳服饰旗舰店"
    assert s["start_ts"][0] == datetime(2026, 11, 16, 20, tzinfo=CN)
    assert s["未知的新列"].to_list() == ["abc", "-"]  # unknown columns are kept
    t = load_table("session_totals", store).filter(
        pl.col("session_id") == "dy-nuanyang88-20261117-1400"
    )
    vals = dict(zip(t["metric"], t["value"], strict=True))
    assert (
        vals["viewers"] == 30600
        and vals["gmv"] == 23456
        and vals["conversion_rate"] == pytest.approx(0.255)
    )
    checks = load_checks(store)
    bad = checks.filter(pl.col("status") == "mismatch")
    # second row: 观看-成交率 = 25.5% = buyers / product clickers, not buyers / viewers (5%)
    assert bad.select("session_id", "metric").rows() == [
        ("dy-nuanyang88-20261117-1400", "conversion_rate")
    ]
    assert "mislabeled" in bad["note"][0]
    assert r.checks["mismatch"] == 1
    assert checks.filter(pl.col("status") == "ok").height == 3


def test_session_workbook_vertical_sheet_total_row_and_context(tmp_path, store):
    f = write_xlsx(
        tmp_path / "整场数据.xlsx",
        {
            "基本信息": [
                ["达人昵称", "暖阳服饰旗舰店"],
                ["抖音号", "nuanyang88"],
                ["直播时间", "2026/11/16 20:00:00-2026/11/16 23:00:00"],
                ["直播间用户支付金额", "¥1,000.00"],
                ["直播间观看次数", 2000],
                ["千次观看用户支付金额", 500],
            ],
            "整体看板": [
                [
                    "直播间观看人数",
                    "平均在线人数",
                    "人均观看时长",
                    "成交人数",
                    "直播间观看-成交率(人数)",
                ],
                [1000, 55.5, "1分5秒", 50, "5%"],
            ],
            "流量分析-渠道分析": [
                ["渠道名称", "观看人数", "成交金额", "成交订单数", "千川消耗"],
                ["整体", 1000, 3000, 30, 200],
                ["直播推荐", 700, 2000, 20, "-"],
                ["千川", 300, 1000, 10, 200],
            ],
            "商品分析-商品明细": [
                ["商品ID", "商品名称", "用户支付金额", "成交件数", "成交人数"],
                ['="3701087276940114534"', "暖阳 毛衣", 1000, 10, 9],
            ],
            "说明": [["本表由系统生成"]],
        },
    )
    r = one(ingest_paths([f], store))
    assert r.status == "ingested" and r.export_type == "douyin_session_workbook"
    assert r.rows_skipped == 1  # the 整体 total row
    assert any(x["reason"].startswith("total row") for x in r.skipped)
    assert any("说明" in n for n in r.notes)  # the unknown sheet is reported, not fatal
    s = load_table("sessions", store)
    assert s.row(0, named=True)["end_ts"] == datetime(2026, 11, 16, 23, tzinfo=CN)
    tr = load_table("traffic", store)
    assert tr.select("channel", "spend").rows() == [("千川", 200.0), ("直播推荐", None)]
    assert load_table("products", store)["product_id"].to_list() == ["3701087276940114534"]
    tot = load_table("session_totals", store)
    assert dict(zip(tot["metric"], tot["value"], strict=True))["avg_watch_s"] == 65
    gpm = load_checks(store).filter(pl.col("metric") == "gpm")
    assert gpm["status"].to_list() == ["ok"] and gpm["recomputed"][0] == pytest.approx(500)


def test_minute_trend_gb18030_cumulative_columns_are_differenced(tmp_path, store):
    rows = [["抖音号", "开播时间", "时间", "在线人数", "累计成交订单数", "累计成交金额"]]
    cum = [(0, 0.0), (2, 100.5), (5, 300.0), (5, 300.0)]
    for i, (o, g) in enumerate(cum):
        rows.append(["nuanyang88", "2026/11/16 20:00:00", f"2026/11/16 20:0{i}", 100 + i, o, g])
    f = write_csv(tmp_path / "trend.csv", rows, "gb18030")
    r = one(ingest_paths([f], store))
    assert r.export_type == "douyin_trend" and r.rows_kept == 4
    t = load_table("trend", store)
    assert t["orders"].to_list() == [0, 2, 3, 0]
    assert t["gmv"].to_list() == pytest.approx([0.0, 100.5, 199.5, 0.0])
    # a detail export alone still gives its session a (stub) sessions row
    s = load_table("sessions", store)
    assert s["session_id"].to_list() == [SID] and s["room"][0] == "nuanyang88"


def test_products_title_row_and_explain_windows(tmp_path, store):
    f = write_xlsx(
        tmp_path / "商品.xlsx",
        {
            "商品": [
                ["暖阳服饰旗舰店 直播商品数据 导出于 2026/11/17"],
                [],
                [
                    "抖音号",
                    "开播时间",
                    "商品ID",
                    "商品名称",
                    "到手价",
                    "商品角色",
                    "商品曝光人数",
                    "商品点击人数",
                    "曝光-点击转化率",
                    "讲解时段",
                ],
                [
                    "nuanyang88",
                    "2026/11/16 20:00:00",
                    "A1",
                    "毛衣",
                    "¥99.00",
                    "主推款",
                    1000,
                    100,
                    "10.00%",
                    "2026/11/16 20:05:00-2026/11/16 20:10:00; 2026/11/16 21:00:00-21:06:00",
                ],
                [
                    "nuanyang88",
                    "2026/11/16 20:00:00",
                    "A2",
                    "裤子",
                    59,
                    "引流款",
                    500,
                    50,
                    "20.00%",
                    "-",
                ],
            ]
        },
    )
    r = one(ingest_paths([f], store))
    assert r.sheets[0]["header_row"] == 3
    p = load_table("products", store)
    assert p["role"].to_list() == ["hero", "traffic"] and p["price"].to_list() == [99.0, 59.0]
    e = load_table("events", store)
    assert e["kind"].to_list() == ["explain", "explain"]
    assert e["end_ts"][1] == datetime(2026, 11, 16, 21, 6, tzinfo=CN)
    ck = load_checks(store)
    assert ck.filter(pl.col("product_id") == "A2")["status"].to_list() == [
        "mismatch"
    ]  # 50/500 is 10%, not 20%


def test_events_run_sheet(tmp_path, store):
    f = write_csv(
        tmp_path / "场记.csv",
        [
            ["抖音号", "开播时间", "事件类型", "开始时间", "结束时间", "商品ID", "说明"],
            [
                "nuanyang88",
                "2026/11/16 20:00:00",
                "福袋",
                "2026/11/16 20:30:00",
                "2026/11/16 20:35:00",
                "-",
                "整点福袋",
            ],
            [
                "nuanyang88",
                "2026/11/16 20:00:00",
                "优惠券",
                "2026/11/16 20:40:00",
                "-",
                "",
                "满199减30",
            ],
            ["nuanyang88", "2026/11/16 20:00:00", "跳舞", "2026/11/16 20:50:00", "", "", "?"],
        ],
    )
    r = one(ingest_paths([f], store))
    assert (r.rows_in, r.rows_kept, r.rows_quarantined) == (3, 2, 1)
    assert r.quarantined[0]["column"] == "事件类型" and "one of" in r.quarantined[0]["expected"]
    assert load_table("events", store)["kind"].to_list() == ["lottery", "coupon"]


def test_live_orders_bom_excel_wrapped_ids_and_statuses(tmp_path, store):
    f = write_csv(
        tmp_path / "订单.csv",
        [
            [
                "抖音号",
                "开播时间",
                "订单编号",
                "订单时间",
                "订单金额",
                "订单状态",
                "买家ID",
                "商品ID",
                "商品数量",
            ],
            [
                "nuanyang88",
                "2026/11/16 20:00:00",
                '"=""6938345900000000001"""',
                "2026/11/16 20:10:47",
                '"¥1,234.50"',
                "已支付",
                "u1",
                '"=""3701087276940114534"""',
                1,
            ],
            [
                "nuanyang88",
                "2026/11/16 20:00:00",
                '"=""6938345900000000002"""',
                "2026/11/16 20:11:00",
                "23.9",
                "超时未支付",
                "u2",
                "A2",
                2,
            ],
            [
                "nuanyang88",
                "2026/11/16 20:00:00",
                '"=""6938345900000000002"""',
                "2026/11/16 20:11:00",
                "23.9",
                "超时未支付",
                "u2",
                "A2",
                2,
            ],
        ],
        "utf-8-sig",
    )
    assert f.read_bytes().startswith(codecs.BOM_UTF8)
    r = one(ingest_paths([f], store))
    o = load_table("orders", store)
    assert o["order_id"].to_list() == ["6938345900000000001", "6938345900000000002"]
    assert o["status"].to_list() == ["paid", "cancelled"] and o["amount"].to_list() == [
        1234.5,
        23.9,
    ]
    assert o["product_id"][0] == "3701087276940114534"
    # the repeated order is quarantined as a duplicate key, the accounting still adds up
    assert (r.rows_in, r.rows_kept, r.rows_quarantined) == (3, 2, 1)


def test_doudian_orders_find_their_session_by_time(tmp_path, store):
    sl = write_xlsx(tmp_path / "list.xlsx", {"s": SESSION_LIST})
    f = write_csv(
        tmp_path / "抖店订单.csv",
        [
            [
                "主订单编号",
                "子订单编号",
                "订单提交时间",
                "达人ID",
                "商品ID",
                "商品数量",
                "订单应付金额",
                "订单状态",
                "售后状态",
            ],
            ["P1", "C1", "2026/11/16 21:00:00", "nuanyang88", "A1", 1, "99.00", "已完成", "-"],
            ["P2", "C2", "2026/11/17 15:00:00", "nuanyang88", "A1", 1, "99.00", "已完成", "-"],
            ["P3", "C3", "2026/11/18 09:00:00", "nuanyang88", "A1", 1, "99.00", "已完成", "-"],
        ],
        "utf-8-sig",
    )
    out = ingest_paths([f, sl], store)  # the session list is ingested first whatever the order
    r = next(x for x in out.files if x.path == str(f))
    assert (r.rows_in, r.rows_kept, r.rows_quarantined) == (3, 2, 1)
    assert "no known live session" in r.quarantined[0]["reason"]
    o = load_table("orders", store)
    assert o.select("order_id", "session_id").rows() == [
        ("C1", SID),
        ("C2", "dy-nuanyang88-20261117-1400"),
    ]


def test_comments_unix_seconds_and_text_kept(tmp_path, store):
    f = write_csv(
        tmp_path / "评论.csv",
        [
            ["抖音号", "开播时间", "用户ID", "评论时间", "评论内容", "标签"],
            ["nuanyang88", "2026/11/16 20:00:00", "u1", "1794830656", "<b>多少钱</b>", "老客"],
            ["nuanyang88", "2026/11/16 20:00:00", "u2", "1794830700.5", "链接呢", "-"],
        ],
    )
    one(ingest_paths([f], store))
    c = load_table("comments", store).sort("ts")
    assert c["text"].to_list() == ["<b>多少钱</b>", "链接呢"] and c["tag"].to_list() == [
        "老客",
        None,
    ]
    assert c["ts"][0] == datetime(2026, 11, 16, 20, 4, 16, tzinfo=CN)


def test_daily_room_overview_87_columns_keeps_unmapped(tmp_path, store):
    head = [
        "直播间名称",
        "日期",
        "直播时长(小时)",
        "成交金额",
        "成交人数",
        "直播间观看人数",
        "直播间观看人次",
        "GPM",
        "看播成交转化率(人数)",
    ]
    extra = [f"指标{i}" for i in range(78)]
    row = [
        "暖阳服饰旗舰店",
        "2026/11/16",
        "3",
        '"10,000"',
        "50",
        "1000",
        "2000",
        "5000",
        "5.00%",
    ] + [str(i) for i in range(78)]
    f = write_csv(tmp_path / "日报.csv", [head + extra, row], "utf-8-sig")
    r = one(ingest_paths([f], store))
    assert r.export_type == "douyin_room_daily" and r.rows_kept == 1
    d = load_table("room_days", store)
    vals = dict(zip(d["metric"], d["value"], strict=True))
    assert (
        vals["gmv"] == 10000 and vals["指标77"] == 77 and len(vals) == 8 + 78 - 1
    )  # 直播时长 + 7 mapped + 78 kept
    assert d["date"][0].isoformat() == "2026-11-16"
    assert set(load_checks(store)["status"]) == {"ok"}


def test_simulator_viewer_export_repeated_header_and_mixed_formats(tmp_path, store):
    head = ["抖音号", "开播时间", "用户ID", "进入时间", "观看时长", "设备", "是否粉丝", "点赞次数"]
    rows = [
        head,
        [
            "nuanyang88",
            "2026/11/16 20:00:00",
            "v1",
            "2026/11/16 20:01:00.5",
            "1分5秒",
            "苹果",
            "是",
            "3.06万",
        ],
        head,
        [
            "nuanyang88",
            "2026/11/16 20:00:00",
            "v2",
            "2026-11-16 20:02:00",
            "00:01:05",
            "安卓",
            "否",
            "12",
        ],
        [
            "nuanyang88",
            "2026/11/16 20:00:00",
            "v3",
            "2026/11/16 20:03:00",
            "65.5",
            "电脑",
            "-",
            "-",
        ],
        ["nuanyang88", "2026/11/16 20:00:00", "v4", "昨天", "65", "电脑", "否", "1"],
    ]
    f = write_csv(tmp_path / "观众明细.csv", rows, "gb18030")
    r = one(ingest_paths([f], store))
    assert (r.rows_in, r.rows_kept, r.rows_quarantined, r.rows_skipped) == (4, 3, 1, 1)
    assert r.skipped[0]["reason"] == "repeated header row" and r.skipped[0]["row"] == 3
    q = r.quarantined[0]
    assert (q["row"], q["column"], q["value"]) == (6, "进入时间", "昨天")
    v = load_table("viewers", store)
    assert v["watch_s"].to_list() == [65.0, 65.0, 65.5] and v["likes"].to_list() == [
        30600,
        12,
        None,
    ]
    assert v["device"].to_list() == ["ios", "android", "pc"] and v["was_follower"].to_list() == [
        True,
        False,
        None,
    ]
    assert load_quarantine(store, action="quarantined")["reason"].to_list() == ["unreadable value"]


def test_taobao_session_results_with_header_on_row_6_and_orders(tmp_path, store):
    f = write_xlsx(
        tmp_path / "直播分场次效果.xlsx",
        {
            "Sheet1": [
                ["淘宝直播 分场次效果"],
                ["统计时间 2026-11-16"],
                [],
                ["说明: 数据仅供参考"],
                [],
                [
                    "场次信息",
                    "场次id",
                    "直播开播时间",
                    "开播时长",
                    "观看人数",
                    "成交金额（元）",
                    "成交人数",
                    "成交转化率",
                ],
                [
                    "双11返场",
                    "123456789",
                    "2026-11-16 19:30:00",
                    7200,
                    2000,
                    "50,000.00",
                    100,
                    "5.00%",
                ],
            ]
        },
    )
    o = write_xlsx(
        tmp_path / "直播间成交订单明细.xlsx",
        {
            "Sheet1": [
                [
                    "直播标题",
                    "开播时间",
                    "场次ID",
                    "支付时间",
                    "支付金额",
                    "商品ID",
                    "父订单",
                    "子订单",
                    "下单时间",
                ],
                [
                    "双11返场",
                    "2026-11-16 19:30:00",
                    "123456789",
                    "2026-11-16 19:40:00",
                    99,
                    "T1",
                    "F1",
                    "S1",
                    "2026-11-16 19:39:00",
                ],
            ]
        },
    )
    out = ingest_paths([f, o], store)
    assert [x.export_type for x in out.files] == ["taobao_sessions", "taobao_orders"]
    assert out.files[0].sheets[0]["header_row"] == 6
    s = load_table("sessions", store)
    assert s.select("session_id", "platform", "title").rows() == [
        ("tb-123456789", "taobao", "双11返场")
    ]
    assert s["end_ts"][0] == datetime(2026, 11, 16, 21, 30, tzinfo=CN)
    assert load_table("orders", store).select("session_id", "order_id", "status").rows() == [
        ("tb-123456789", "S1", "paid")
    ]


def test_kuaishou_partial_mapping(tmp_path, store):
    f = write_xlsx(
        tmp_path / "ks.xlsx",
        {
            "Sheet1": [
                [
                    "主播昵称",
                    "快手号",
                    "开播时间",
                    "下播时间",
                    "成交金额",
                    "成交订单数",
                    "成交件数",
                    "退款金额",
                ],
                [
                    "暖阳",
                    "ks_nuanyang",
                    "2026/11/16 20:00",
                    "2026/11/16 22:00",
                    "8,000",
                    80,
                    90,
                    "500",
                ],
            ]
        },
    )
    r = one(ingest_paths([f], store))
    assert r.export_type == "kuaishou_sessions"
    assert load_table("sessions", store)["session_id"].to_list() == ["ks-ks_nuanyang-20261116-2000"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_canonical_csv_and_parquet(tmp_path, store, fmt):
    sessions = pl.DataFrame(
        {
            "session_id": ["x-1"],
            "platform": ["canonical"],
            "room": ["r"],
            "start_ts": ["2026-11-16 20:00:00"],
            "end_ts": ["2026-11-16 22:00:00"],
        }
    )
    orders = pl.DataFrame(
        {
            "session_id": ["x-1", "x-1"],
            "order_id": ["1", "2"],
            "ts": ["2026-11-16 20:10:00"] * 2,
            "amount": [10.0, 20.0],
            "status": ["paid", "refunded"],
        }
    )
    if fmt == "parquet":
        sessions = sessions.with_columns(
            pl.col("start_ts", "end_ts").str.to_datetime().dt.replace_time_zone("Asia/Shanghai")
        )
        sessions.write_parquet(tmp_path / "sessions.parquet")
        orders.write_parquet(tmp_path / "orders.parquet")
    else:
        sessions.write_csv(tmp_path / "sessions.csv")
        orders.write_csv(tmp_path / "orders.csv")
    out = ingest_paths([tmp_path], store)
    assert sorted(f.export_type for f in out.files) == ["canonical_orders", "canonical_sessions"]
    assert load_table("orders", store)["amount"].to_list() == [10.0, 20.0]
    assert load_table("sessions", store)["start_ts"][0] == datetime(2026, 11, 16, 20, tzinfo=CN)


# ----------------------------------------------------------------------- file-level quirks


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_are_detected(tmp_path, store, encoding):
    f = write_csv(
        tmp_path / "c.csv",
        [
            ["抖音号", "开播时间", "评论时间", "评论内容"],
            ["nuanyang88", "2026/11/16 20:00:00", "2026/11/16 20:01:00", "质量好，好看"],
        ],
        encoding,
    )
    r = one(ingest_paths([f], store))
    assert r.status == "ingested"
    assert load_table("comments", store)["text"].to_list() == ["质量好，好看"]


def test_unreadable_and_unknown_files_are_rejected_with_one_line_and_others_still_ingest(
    tmp_path, store
):
    good = write_csv(
        tmp_path / "c.csv",
        [
            ["抖音号", "开播时间", "评论时间", "评论内容"],
            ["nuanyang88", "2026/11/16 20:00:00", "2026/11/16 20:01:00", "好"],
        ],
    )
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    unknown = write_csv(tmp_path / "other.csv", [["a", "b"], ["1", "2"]])
    before = {p: p.read_bytes() for p in (good, broken, unknown)}
    out = ingest_paths([good, broken, unknown, tmp_path / "missing.csv"], store)
    status = {Path(f.path).name: (f.status, len(f.errors)) for f in out.files}
    assert status == {
        "c.csv": ("ingested", 0),
        "broken.xlsx": ("rejected", 1),
        "other.csv": ("rejected", 1),
        "missing.csv": ("rejected", 1),
    }
    assert (
        "no known export type"
        in next(f for f in out.files if f.path.endswith("other.csv")).errors[0]
    )
    assert not out.ok
    assert {p: p.read_bytes() for p in before} == before  # raw files are never modified


def test_rows_without_account_and_no_known_session_are_quarantined_with_the_reason(tmp_path, store):
    f = write_csv(tmp_path / "c.csv", [["评论时间", "评论内容"], ["2026/11/16 20:01:00", "好"]])
    r = one(ingest_paths([f], store))
    assert (r.status, r.rows_in, r.rows_kept, r.rows_quarantined) == ("ingested", 1, 0, 1)
    assert "no known session at this time" in r.quarantined[0]["reason"]


def test_rows_in_equals_kept_plus_quarantined_for_every_file(tmp_path, store):
    write_xlsx(tmp_path / "l.xlsx", {"s": SESSION_LIST})
    write_csv(
        tmp_path / "v.csv",
        [
            ["抖音号", "开播时间", "用户ID", "进入时间", "观看时长"],
            ["nuanyang88", "2026/11/16 20:00:00", "v1", "bad", "1"],
            ["", "", "", "", ""],
            ["nuanyang88", "2026/11/16 20:00:00", "v2", "2026/11/16 20:01", "x"],
        ],
    )
    out = ingest_paths([tmp_path], store)
    for f in out.files:
        assert f.rows_in == f.rows_kept + f.rows_quarantined
    v = next(f for f in out.files if f.path.endswith("v.csv"))
    assert (v.rows_in, v.rows_quarantined, v.rows_skipped) == (2, 2, 1)


# ------------------------------------------------------------------------------- the CLI


def test_cli_json_fields_and_exit_codes(tmp_path, capsys):
    f = write_xlsx(tmp_path / "l.xlsx", {"s": SESSION_LIST})
    store = tmp_path / "st"
    assert cli_main(["ingest", str(f), "--store", str(store), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = data["files"][0]
    for key in (
        "path",
        "export_type",
        "status",
        "rows_in",
        "rows_kept",
        "rows_quarantined",
        "errors",
    ):
        assert key in row
    assert row["status"] == "ingested" and data["ok"] is True
    assert cli_main(["ingest", str(f), "--store", str(store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["status"] == "duplicate"
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    assert cli_main(["ingest", str(bad), "--store", str(store)]) == 1
    text = capsys.readouterr().out
    assert "rejected" in text and "TOTAL" in text


def test_large_files_are_read_in_chunks_and_streamed_with_the_same_result(tmp_path, monkeypatch):
    """Chunked reading, threaded parsing and streamed Parquet (a 10M-row export's path) change
    nothing."""
    from helpers.ingest import apply, readers, sink

    head = ["抖音号", "开播时间", "用户ID", "进入时间", "观看时长", "点赞次数"]
    rows = [head] + [
        [
            "nuanyang88",
            "2026/11/16 20:00:00",
            f"v{i}",
            f"2026/11/16 20:{i % 60:02d}:00",
            str(i),
            str(i % 7),
        ]
        for i in range(500)
    ]
    rows.insert(200, head)  # a repeated header in the middle of a chunk
    rows.append(
        ["nuanyang88", "2026/11/16 20:00:00", "v3", "2026/11/16 20:03:00", "3", "3"]
    )  # duplicate viewer
    f = write_csv(tmp_path / "v.csv", rows, "gb18030")
    whole = ingest_paths([f], tmp_path / "a")
    monkeypatch.setattr(readers, "CHUNK_BYTES", 2000)
    monkeypatch.setattr(sink, "STREAM_ROWS", 50)
    monkeypatch.setattr(apply, "PARALLEL_ROWS", 10)  # columns parsed in threads
    chunked = ingest_paths([f], tmp_path / "b")
    a, b = whole.files[0], chunked.files[0]
    assert (a.rows_in, a.rows_kept, a.rows_quarantined, a.rows_skipped) == (501, 500, 1, 1)
    assert (b.rows_in, b.rows_kept, b.rows_quarantined, b.rows_skipped) == (501, 500, 1, 1)
    va, vb = load_table("viewers", tmp_path / "a"), load_table("viewers", tmp_path / "b")
    assert va.equals(vb) and va.height == 500
    assert load_table("sessions", tmp_path / "b").height == 1


def test_large_gb18030_files_are_decoded_in_a_child_with_the_same_cells(tmp_path, monkeypatch):
    from helpers.ingest import readers, transcode

    lines = ["抖音号,开播时间,用户ID,进入时间,城市等级"]
    lines += [
        f"暖阳{i % 3},2026/11/16 20:00:00,{i},2026/11/16 20:{i % 60:02d}:00,三线"
        for i in range(400)
    ]
    path = tmp_path / "观众明细.csv"
    path.write_bytes(("直播观众明细\n" + "\n".join(lines) + "\n").encode("gb18030"))

    def cells(limit: int) -> tuple[pl.DataFrame, list[int], list[int]]:
        monkeypatch.setattr(transcode, "TRANSCODE_BYTES", limit)
        blocks = list(readers.read_csv(path, chunk_bytes=1500).blocks)
        frame = pl.concat([b.frame for b in blocks])
        return frame, [b.first_row for b in blocks], [b.nbytes for b in blocks]

    child, in_process = cells(0), cells(1 << 30)
    assert child[0].equals(in_process[0]) and child[1:] == in_process[1:]
    monkeypatch.setattr(readers, "FIRST_CHUNK_BYTES", 700)  # a smaller first chunk, both ways
    small_child, small_in_process = cells(0), cells(1 << 30)
    assert small_child[0].equals(child[0]) and small_child[1:] == small_in_process[1:]
    assert small_child[2][0] <= 700 < child[2][0] and len(small_child[2]) > len(child[2])
    assert child[0].height == 400 and child[0]["城市等级"][0] == "三线"
    assert sum(child[2]) == path.stat().st_size - len("直播观众明细\n".encode("gb18030")) - len(
        (lines[0] + "\n").encode("gb18030")
    )


def test_a_broken_byte_in_a_utf8_export_is_replaced_not_a_rejected_file(tmp_path, store):
    """A cut download leaves invalid UTF-8 after the head (here: a BOM, then a broken tail; a
    broken head is rejected, naming the file): the file still ingests, the broken line is
    quarantined with its reason, the text is data, and rows in = kept + quarantined."""
    lines = [
        "抖音号,开播时间,用户ID,评论时间,评论内容,标签",
        "acct,2026/11/12 10:00:00,1,2026/11/12 10:01:00,<script>alert(1)</script>,-",
        "acct,2026/11/12 10:00:00,2,2026/11/12 10:02:00,=cmd|' /C calc'!A0,-",
    ]
    path = tmp_path / "评论_acct-20261112-1000.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig") + b"\xff\xfe cut\n")
    outcome = ingest_paths([path], store)
    (f,) = outcome.files
    assert f.status == "ingested" and (f.rows_in, f.rows_kept, f.rows_quarantined) == (3, 2, 1)
    texts = load_table("comments", store)["text"].to_list()
    assert texts == ["<script>alert(1)</script>", "=cmd|' /C calc'!A0"]
