"""Cells and files as a Douyin-Compass export writes them: China-time text, "12.34%" ratios,
是/否 flags, "3.06万" counts, Chinese status and kind labels, CSV with stray rows, xlsx sheets
(used by :mod:`helpers.sim.platform_exports`).

The Chinese labels here are data a platform writes, not report words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from helpers.data import schema

STATUS_LABELS = {
    "paid": "已支付",
    "unpaid": "待支付",
    "cancelled": "超时未支付",
    "refunded": "已退款",
}
KIND_LABELS = {
    "explain": "讲解",
    "lottery": "福袋",
    "coupon": "优惠券",
    "flash_sale": "秒杀",
    "note": "场记",
    "other": "其他",
}
ROLE_LABELS = {"hero": "主推款", "profit": "利润款", "traffic": "引流款"}
DEVICE_LABELS = {"android": "安卓", "ios": "苹果", "pc": "电脑"}
GENDER_LABELS = {"female": "女", "male": "男", "unknown": "未知"}
DT = "%Y/%m/%d %H:%M:%S"


def china_time(e: pl.Expr, fmt: str = DT) -> pl.Expr:
    """Datetime as China-time text; microseconds only when present."""
    local = e.dt.convert_time_zone(schema.TZ)
    frac = local.dt.microsecond() > 0
    return pl.when(frac).then(local.dt.strftime(fmt + "%.6f")).otherwise(local.dt.strftime(fmt))


def percent(e: pl.Expr) -> pl.Expr:
    return pl.format("{}%", (e * 100).round(2)).fill_null("-")


def yes_no(e: pl.Expr) -> pl.Expr:
    return pl.when(e).then(pl.lit("是")).when(e.not_()).then(pl.lit("否")).otherwise(pl.lit("-"))


def wan_count(e: pl.Expr) -> pl.Expr:
    """Counts written as "3.06万" where that is exact, else as digits with thousands separators."""
    wan = pl.when((e >= 10_000) & (e % 100 == 0)).then(pl.format("{}万", (e / 10_000).round(2)))
    plain = (
        pl.when(e >= 1000)
        .then(
            pl.format(
                "{},{}",
                (e // 1000).cast(pl.String),
                (e % 1000).cast(pl.String).str.pad_start(3, "0"),
            )
        )
        .otherwise(e.cast(pl.String))
    )
    return wan.otherwise(plain).fill_null("-")


def write_csv(
    df: pl.DataFrame,
    path: Path,
    encoding: str,
    *,
    extra_rows: Sequence[tuple[int, list[str]]] = (),
) -> Path:
    text = df.write_csv(null_value="-")
    if extra_rows:
        lines = text.splitlines(keepends=True)
        for at, row in sorted(extra_rows, reverse=True):
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(row)
            lines.insert(min(at, len(lines)), buf.getvalue())
        text = "".join(lines)
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, sheets: list[tuple[str, Any]]) -> Path:
    """Sheets as (name, frame) tables, (name, ("kv", pairs)) vertical sheets or
    (name, ("title", text, frame))."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False})
    for name, content in sheets:
        ws = wb.add_worksheet(name[:31])
        row = 0
        if isinstance(content, tuple) and content[0] == "kv":
            for i, (k, v) in enumerate(content[1]):
                ws.write_string(i, 0, k)
                _cell(ws, i, 1, v)
            continue
        if isinstance(content, tuple) and content[0] == "title":
            ws.write_string(0, 0, content[1])
            row = 2
            content = content[2]
        df: pl.DataFrame = content
        for j, c in enumerate(df.columns):
            ws.write_string(row, j, c)
        for i, rec in enumerate(df.iter_rows(), start=row + 1):
            for j, v in enumerate(rec):
                _cell(ws, i, j, v)
    wb.close()
    return path


def _cell(ws: Any, i: int, j: int, v: Any) -> None:
    if v is None:
        ws.write_string(i, j, "-")
    elif isinstance(v, bool):
        ws.write_string(i, j, "是" if v else "否")
    elif isinstance(v, int | float) and not isinstance(v, bool):
        ws.write_number(i, j, v)
    else:
        ws.write_string(i, j, str(v))


def ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den, null where the denominator is not positive."""
    return pl.when(den > 0).then(num / den).otherwise(None)
