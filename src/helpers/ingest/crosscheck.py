"""Cross-checks: each platform ratio a file states, recomputed from the counts in the same row
(``checks`` of a mapping), with a note when it matches a known mislabeled definition instead."""

from __future__ import annotations

import polars as pl

from helpers.ingest.builder import Builder
from helpers.ingest.records import CHECK_SCHEMA, Context

# alternative definitions a mislabeled ratio column often follows (METRICS.md traps)
ALTERNATIVES: dict[str, list[tuple[str, str, str]]] = {
    "conversion_rate": [
        (
            "buyers",
            "product_clickers",
            "equals buyers / product clickers: the column is probably "
            "click→order (商品点击-成交率) or Taobao's 种草成交转化率 mislabeled as watch→order",
        ),
        (
            "buyers",
            "clicks_uv",
            "equals buyers / product clickers: probably click→order mislabeled",
        ),
    ],
    "gpm": [("gmv", "viewers", "equals GMV×1000 / viewers (UV): divides by viewers, not views")],
}
_NONE = pl.lit(None, dtype=pl.String)


def _key_of(K: pl.DataFrame, b: Builder, name: str) -> str | None:
    """The block's field (``table.name``) carrying canonical column ``name``."""
    return next((k for k in b.values if k.split(".", 1)[1] == name and k in K.columns), None)


def _note(
    K: pl.DataFrame, b: Builder, chk: dict, val: pl.Expr, off: pl.Expr, mult: float
) -> pl.Expr:
    """The check's note, or what the stated value equals instead when it is off (``off``)."""
    base_tol = 0.0005 if mult == 1.0 else 0.01
    note = pl.lit(chk.get("note", ""))
    for an, ad, text in ALTERNATIVES.get(chk["metric"], []):
        ak, bk = _key_of(K, b, an), _key_of(K, b, ad)
        if ak and bk:
            alt = pl.col(ak).cast(pl.Float64) * mult / pl.col(bk).cast(pl.Float64)
            same = (val - alt).abs() <= base_tol + 0.005 * alt.abs()
            note = pl.when(off & same).then(pl.lit(text)).otherwise(note)
    return note


def _check(K: pl.DataFrame, b: Builder, chk: dict, ctx: Context) -> pl.DataFrame | None:
    """The rows of one check (None when the block lacks a column it needs)."""
    from helpers.metrics.definitions import RATIOS

    metric = chk["metric"]
    vk = _key_of(K, b, chk.get("value", metric))
    nk, dk = _key_of(K, b, chk["num"]), _key_of(K, b, chk["den"])
    if not (vk and nk and dk):
        return None
    mult = float(chk.get("mult", RATIOS.get(metric, ("", "", 1.0))[2]))
    num, den, val = (pl.col(k).cast(pl.Float64) for k in (nk, dk, vk))
    rec = pl.when(den > 0).then(num * mult / den).otherwise(None)
    tol = (0.0005 if mult == 1.0 else 0.01) + 0.005 * rec.abs()
    diff = (val - rec).abs()
    pid = _key_of(K, b, "product_id")
    per_product = pid is not None and chk.get("per") == "product"
    product = pl.col(pid).cast(pl.String) if per_product and pid is not None else _NONE
    return K.filter(val.is_not_null() & rec.is_not_null()).select(
        pl.lit(ctx.file).alias("file"),
        pl.lit(ctx.sheet, dtype=pl.String).alias("sheet"),
        pl.col("__row").alias("row"),
        (pl.col("__sid") if "__sid" in K.columns else _NONE).alias("session_id"),
        product.alias("product_id"),
        pl.lit(metric).alias("metric"),
        pl.lit(b.headers.get(vk, "")).alias("source_column"),
        val.alias("platform_value"),
        rec.alias("recomputed"),
        num.alias("numerator"),
        den.alias("denominator"),
        diff.alias("abs_diff"),
        tol.alias("tolerance"),
        pl.when(diff <= tol).then(pl.lit("ok")).otherwise(pl.lit("mismatch")).alias("status"),
        _note(K, b, chk, val, diff > tol, mult).alias("note"),
    )


def checks(K: pl.DataFrame, b: Builder, ctx: Context) -> pl.DataFrame:
    """Every cross-check of the mapping over the kept rows ``K`` (CHECK_SCHEMA)."""
    parts = [p for chk in b.m.checks if (p := _check(K, b, chk, ctx)) is not None]
    if not parts:
        return pl.DataFrame(schema=CHECK_SCHEMA)
    return pl.concat(parts, how="vertical_relaxed")
