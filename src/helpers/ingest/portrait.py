"""Audience portraits (人群画像) laid out wide, one sheet per dimension, made long.

A wide sheet has the dimension as its first header and the buckets below it, then one column per
population and measure::

    性别 | 观看人群占比 | 成交人群占比 | 观看人数 | 成交人数
    男   | 35.2%       | 28.1%       | 3520     | 281

It becomes the long layout ``douyin_audience.yaml`` reads: 维度, 人群类型, 分布, 占比, 人数 (one row
per bucket and population; its rows are counted after the reshape).
"""

from __future__ import annotations

import re

import polars as pl

from helpers.ingest.mapping import norm

DIMENSIONS = {
    "性别",
    "年龄",
    "年龄段",
    "年龄分布",
    "地域",
    "省份",
    "地域分布",
    "城市",
    "城市等级",
    "城市线级",
    "城市级别",
    "设备",
    "手机品牌",
    "设备品牌",
    "八大人群",
    "策略人群",
}
_MEASURE = re.compile(r"^(观看|看播|成交|购买)(?:人群|用户)?(占比|人数|人数占比)(?:\(%\))?$")
LONG = ("维度", "人群类型", "分布", "占比", "人数")


def wide_columns(headers: list[str]) -> dict[str, tuple[str, str]] | None:
    """{header: (population, measure)} when ``headers`` are a wide portrait sheet's, else None."""
    if not headers or norm(headers[0]) not in DIMENSIONS:
        return None
    found = {}
    for h in headers[1:]:
        m = _MEASURE.match(norm(h))
        if m:
            pop = "观看" if m.group(1) in ("观看", "看播") else "成交"
            found[h] = (pop, "人数" if m.group(2) == "人数" else "占比")
    return found or None


def to_long(frame: pl.DataFrame, headers: list[str]) -> pl.DataFrame | None:
    """The wide sheet ``frame`` (columns named by ``headers``) in the long layout, else None."""
    cols = wide_columns(headers)
    if cols is None:
        return None
    dim, bucket = headers[0], frame.columns[0]
    parts = []
    for pop in ("观看", "成交"):
        share = next((h for h, (p, m) in cols.items() if p == pop and m == "占比"), None)
        count = next((h for h, (p, m) in cols.items() if p == pop and m == "人数"), None)
        if share is None and count is None:
            continue
        parts.append(
            frame.select(
                pl.lit(dim).alias("维度"),
                pl.lit(pop).alias("人群类型"),
                pl.col(bucket).alias("分布"),
                (pl.col(share) if share else pl.lit(None, dtype=pl.String)).alias("占比"),
                (pl.col(count) if count else pl.lit(None, dtype=pl.String)).alias("人数"),
            )
        )
    return pl.concat(parts) if parts else None
