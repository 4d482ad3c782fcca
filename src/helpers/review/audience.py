"""Audience: who watched vs who bought per dimension, from viewer rows or, where a platform gives
only its portrait, from the ``audience_profile`` table (shares, counts where exported)."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.data.store import Session
from helpers.metrics import stats
from helpers.present import sections
from helpers.review.common import per_viewer_gmv

AUDIENCE_DIMENSIONS = (
    "age_band",
    "gender",
    "region",
    "device",
    "source",
    "was_follower",
    "returning",
)
LEVEL_ORDER: dict[str, tuple[str, ...]] = {
    "region": ("一线", "新一线", "二线", "三线", "四线及以下"),
    "age_band": ("18-23", "24-30", "31-40", "41-50", "50+"),
    "device": ("android", "ios", "pc"),
    "gender": ("female", "male", "unknown"),
}
SCHEMA = {
    "dimension": pl.String,
    "level": pl.String,
    "viewers": pl.Int64,
    "buyers": pl.Int64,
    "viewer_share": pl.Float64,
    "buyer_share": pl.Float64,
    "buyer_share_lo": pl.Float64,
    "buyer_share_hi": pl.Float64,
    "conversion": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "index": pl.Float64,
    "source": pl.String,
}


def _wilson_cols(df: pl.DataFrame, k: str, n: str | int | None, lo: str, hi: str) -> pl.DataFrame:
    """Wilson interval columns of ``k`` out of ``n`` (a column or a constant), null where
    unknown."""
    ks = df[k].to_list()
    ns = df[n].to_list() if isinstance(n, str) else [n] * df.height
    ci = [
        stats.wilson(int(a), int(b)) if a is not None and b and 0 <= a <= b else (None, None)
        for a, b in zip(ks, ns, strict=True)
    ]
    return df.with_columns(
        pl.Series(lo, [c[0] for c in ci], dtype=pl.Float64),
        pl.Series(hi, [c[1] for c in ci], dtype=pl.Float64),
    )


def _ordered(df: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for (dim,), g in df.partition_by("dimension", as_dict=True, maintain_order=True).items():
        order = {lv: i for i, lv in enumerate(LEVEL_ORDER.get(str(dim), ()))}
        parts.append(
            g.with_columns(
                pl.col("level")
                .replace_strict(order, default=len(order), return_dtype=pl.Int64)
                .alias("_o")
            )
            .sort("_o", "level")
            .drop("_o")
        )
    return pl.concat(parts) if parts else df


def from_viewers(s: Session) -> pl.DataFrame:
    """Per dimension of the viewer rows: viewers, buyers, shares, conversion with intervals."""
    pv = per_viewer_gmv(s).select("viewer_id", pl.lit(True).alias("bought"))
    v = s.viewers.join(pv, on="viewer_id", how="left").with_columns(
        pl.col("bought").fill_null(False)
    )
    n_all, b_all = v.height, int(v["bought"].sum())
    parts = []
    for dim in AUDIENCE_DIMENSIONS:
        if dim not in v.columns or v[dim].null_count() == v.height:
            continue
        parts.append(
            v.group_by(pl.col(dim).cast(pl.String).fill_null("?").alias("level"))
            .agg(
                pl.len().cast(pl.Int64).alias("viewers"),
                pl.col("bought").sum().cast(pl.Int64).alias("buyers"),
            )
            .with_columns(pl.lit(dim).alias("dimension"))
        )
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    out = (
        pl.concat(parts)
        .with_columns(
            (pl.col("viewers") / n_all).alias("viewer_share"),
            (pl.col("buyers") / b_all if b_all else pl.lit(None, dtype=pl.Float64)).alias(
                "buyer_share"
            ),
            (pl.col("buyers") / pl.col("viewers")).alias("conversion"),
            pl.lit("viewers").alias("source"),
        )
        .with_columns((pl.col("buyer_share") / pl.col("viewer_share")).alias("index"))
    )
    out = _wilson_cols(out, "buyers", "viewers", "lo", "hi")
    out = _wilson_cols(out, "buyers", b_all, "buyer_share_lo", "buyer_share_hi")
    return _ordered(out.select(list(SCHEMA)))


def _latest_window(p: pl.DataFrame) -> pl.DataFrame:
    """The portrait's rows of one date window: the latest ``date_to`` (then ``date_from``)."""
    keys = [c for c in ("date_to", "date_from") if c in p.columns and p[c].null_count() < p.height]
    if not keys:
        return p
    last = p.select(keys).unique().sort(keys, descending=True, nulls_last=True).row(0, named=True)
    return p.filter(pl.all_horizontal([pl.col(k) == v for k, v in last.items()]))


def _population(p: pl.DataFrame, pop: str, share: str, count: str) -> pl.DataFrame:
    part = p.filter(pl.col("population") == pop)
    cnt = (
        pl.col("count").cast(pl.Float64)
        if "count" in part.columns
        else pl.lit(None, dtype=pl.Float64)
    )
    shr = (
        pl.col("share").cast(pl.Float64)
        if "share" in part.columns
        else pl.lit(None, dtype=pl.Float64)
    )
    return (
        part.select(
            "dimension",
            pl.col("bucket").cast(pl.String).alias("level"),
            shr.alias("s"),
            cnt.alias("c"),
        )
        .with_columns(
            pl.coalesce("s", pl.col("c") / pl.col("c").sum().over("dimension")).alias(share),
            pl.col("c").round().cast(pl.Int64).alias(count),
            pl.col("c").sum().over("dimension").alias(f"_{count}_total"),
        )
        .drop("s", "c")
    )


def from_profile(profile: pl.DataFrame) -> pl.DataFrame:
    """Watched vs bought per dimension from a platform portrait (``population`` watched|bought,
    ``dimension``, ``bucket``, ``share``, ``count``): shares, the index, and intervals where the
    export gives counts (buyer share, conversion)."""
    p = _latest_window(
        profile.filter(pl.col("dimension").is_not_null() & pl.col("bucket").is_not_null())
    )
    watched = _population(p, "watched", "viewer_share", "viewers")
    bought = _population(p, "bought", "buyer_share", "buyers")
    out = watched.join(bought, on=["dimension", "level"], how="full", coalesce=True)
    if out.height == 0:
        return pl.DataFrame(schema=SCHEMA)
    out = out.with_columns(
        pl.when((pl.col("viewers") > 0) & (pl.col("buyers") <= pl.col("viewers")))
        .then(pl.col("buyers") / pl.col("viewers"))
        .alias("conversion"),
        pl.when(pl.col("viewer_share") > 0)
        .then(pl.col("buyer_share") / pl.col("viewer_share"))
        .alias("index"),
        pl.lit("audience_profile").alias("source"),
        pl.col("_buyers_total").round().cast(pl.Int64),
    )
    out = _wilson_cols(out, "buyers", "viewers", "lo", "hi")
    out = _wilson_cols(out, "buyers", "_buyers_total", "buyer_share_lo", "buyer_share_hi")
    return _ordered(out.select(list(SCHEMA)).sort("dimension", "level"))


def profile_of(s: Session) -> pl.DataFrame | None:
    """The session's ``audience_profile`` rows, if the store holds any."""
    p = s.tables.get("audience_profile") if isinstance(s.tables, dict) else None
    return p if p is not None and p.height else None


@sections.section("review.audience", needs=["viewers|audience_profile"])
def audience(s: Session) -> pl.DataFrame:
    """Who watched vs who bought: per dimension and level, viewer and buyer shares (buyer share with
    a Wilson interval), conversion with its interval where counts exist, and the index buyer share /
    viewer share (>1: over-represented among buyers). Viewer rows first, else the platform's
    portrait; ``source`` says which."""
    if s.has("viewers"):
        return from_viewers(s)
    p = profile_of(s)
    return from_profile(p) if p is not None else pl.DataFrame(schema=SCHEMA)


def top_over(aud: pl.DataFrame, min_viewers: int = 50) -> dict[str, Any] | None:
    """The level most over-represented among buyers (enough viewers where counts exist)."""
    a = aud.filter(pl.col("index").is_not_null())
    if a["viewers"].null_count() < a.height:
        a = a.filter(pl.col("viewers").is_null() | (pl.col("viewers") >= min_viewers))
    if a.height == 0:
        return None
    return a.sort(["index", "dimension", "level"], descending=[True, False, False]).row(
        0, named=True
    )
