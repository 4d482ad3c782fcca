"""Traffic sources: per channel viewers, buyers (or orders), conversion, GMV, UV value, spend, CPM,
ROI.

Channel buyers exist only where viewer rows carry their entry channel; a platform's channel table
gives orders, so the count column is then ``orders`` and the rate ``order_rate`` (orders per
viewer, exact Poisson interval), never passed off as buyers."""

from __future__ import annotations

import polars as pl

from helpers.data.store import Session
from helpers.metrics import stats
from helpers.present import sections
from helpers.review.common import PAID_CHANNELS, per_viewer_gmv, roi_reliable

BASE_COLS = {
    "channel": pl.String,
    "paid": pl.Boolean,
    "viewers": pl.Int64,
    "gmv": pl.Float64,
    "avg_watch_s": pl.Float64,
    "spend": pl.Float64,
    "impressions": pl.Int64,
}


def _from_viewers(s: Session) -> pl.DataFrame:
    pv = per_viewer_gmv(s)
    v = s.viewers.select(
        "viewer_id", pl.col("source").fill_null("?").alias("channel"), "watch_s"
    ).join(pv, on="viewer_id", how="left")
    base = v.group_by("channel").agg(
        pl.len().cast(pl.Int64).alias("viewers"),
        pl.col("gmv").is_not_null().sum().cast(pl.Int64).alias("buyers"),
        pl.col("gmv").fill_null(0.0).sum().alias("gmv"),
        pl.col("watch_s").mean().alias("avg_watch_s"),
    )
    if s.has("traffic"):
        tr = s.traffic
        extra = tr.select(
            "channel", *[c for c in ("paid", "spend", "impressions") if c in tr.columns]
        )
        base = base.join(extra, on="channel", how="left")
    return base


def _from_channels(s: Session) -> pl.DataFrame:
    tr = s.traffic
    keep = [c for c in ("paid", "spend", "impressions", "gmv", "orders") if c in tr.columns]
    base = tr.select("channel", "viewers", *keep)
    return (
        base
        if "orders" in keep
        else base.with_columns(pl.lit(None, dtype=pl.Int64).alias("orders"))
    )


def _totals(base: pl.DataFrame, count: str) -> pl.DataFrame:
    def total(c: str) -> pl.Expr:  # null when no channel has the figure (absent is not zero)
        return pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c)

    return (
        base.group_by("paid")
        .agg(
            pl.col("viewers").sum(),
            total(count),
            total("gmv"),
            ((pl.col("avg_watch_s") * pl.col("viewers")).sum() / pl.col("viewers").sum()).alias(
                "avg_watch_s"
            ),
            total("spend"),
            total("impressions"),
        )
        .with_columns(
            pl.when(pl.col("paid")).then(pl.lit("paid")).otherwise(pl.lit("free")).alias("channel"),
            pl.lit("total").alias("level"),
        )
    )


def _interval(k: int | None, n: int | None, count: str) -> tuple[float | None, float | None]:
    if k is None or not n:
        return (None, None)
    if count == "buyers":
        return stats.wilson(int(k), int(n)) if 0 <= k <= n else (None, None)
    lo, hi = stats.poisson_count(int(k))
    return (lo / n, hi / n)


@sections.section("review.traffic", needs=["traffic|viewers.source"])
def traffic_sources(s: Session) -> pl.DataFrame:
    """Per channel: paid?, viewers, share, buyers (viewer rows) or orders (channel table),
    conversion / order rate with its interval (``conv_lo``, ``conv_hi``), GMV, UV value, average
    watch, spend, CPM, ROI; plus ``free`` and ``paid`` total rows (``level='total'``)."""
    by_viewer = s.has("viewers") and "source" in s.viewers.columns
    base = _from_viewers(s) if by_viewer else _from_channels(s)
    count, rate = ("buyers", "conversion") if by_viewer else ("orders", "order_rate")
    cols = {**BASE_COLS, count: pl.Int64}
    for c, dt in cols.items():
        if c not in base.columns:
            base = base.with_columns(pl.lit(None, dtype=dt).alias(c))
    base = base.with_columns(
        pl.coalesce(pl.col("paid"), pl.col("channel").is_in(list(PAID_CHANNELS))).alias("paid"),
        pl.lit("channel").alias("level"),
    ).select(*cols, "level")
    order = [
        "channel",
        "paid",
        "viewers",
        count,
        "gmv",
        "avg_watch_s",
        "spend",
        "impressions",
        "level",
    ]
    out = pl.concat(
        [
            base.sort(["paid", "viewers", "channel"], descending=[False, True, False]),
            _totals(base, count).sort("paid"),
        ],
        how="diagonal_relaxed",
    ).select(order)
    all_viewers = base["viewers"].sum()
    out = out.with_columns(
        (pl.col("viewers") / all_viewers if all_viewers else pl.lit(None, dtype=pl.Float64)).alias(
            "share"
        ),
        pl.when(pl.col("viewers") > 0).then(pl.col(count) / pl.col("viewers")).alias(rate),
        pl.when(pl.col("viewers") > 0).then(pl.col("gmv") / pl.col("viewers")).alias("uv_value"),
        pl.when(pl.col("impressions") > 0)
        .then(pl.col("spend") * 1000.0 / pl.col("impressions"))
        .alias("cpm"),
        pl.when(pl.col("spend") > 0).then(pl.col("gmv") / pl.col("spend")).alias("roi"),
    )
    ci = [
        _interval(k, n, count)
        for k, n in zip(out[count].to_list(), out["viewers"].to_list(), strict=True)
    ]
    # a ROI on tiny spend or few orders is "too little data" (null), never a number to act on
    ok = [
        roi_reliable(sp, k)
        for sp, k in zip(out["spend"].to_list(), out[count].to_list(), strict=True)
    ]
    return out.with_columns(
        pl.Series("conv_lo", [c[0] for c in ci], dtype=pl.Float64),
        pl.Series("conv_hi", [c[1] for c in ci], dtype=pl.Float64),
        pl.Series("roi_reliable", ok, dtype=pl.Boolean),
    ).with_columns(pl.when(pl.col("roi_reliable")).then(pl.col("roi")).alias("roi"))
