"""Best and worst hours: the week's minute trend by clock hour × weekday (when it happened on air,
not when the viewers entered), per hour of air time, cells with too little air time masked."""

from __future__ import annotations

import polars as pl

from helpers.present import sections
from helpers.present.i18n import t
from helpers.weekly.data import WeekData, week_tables

HEAT_MIN_MINUTES = 30  # a day × hour cell needs this many minutes on air over the week
HEAT_TOP = 3
HEAT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "day": pl.Int8,
    "hour": pl.Int8,
    "sessions": pl.Int64,
    "minutes": pl.Int64,
    "gmv_per_hour": pl.Float64,
    "orders_per_hour": pl.Float64,
    "avg_online": pl.Float64,
    "enough": pl.Boolean,
}


def _per_hour(col: str, cols: list[str]) -> pl.Expr:
    if col not in cols:
        return pl.lit(None, dtype=pl.Float64)
    total = pl.when(pl.col(col).is_not_null().any()).then(pl.col(col).cast(pl.Float64).sum())
    return total * 60.0 / pl.len()


@sections.section("week_hours", needs=["sessions", "trend.gmv|trend.orders|trend.online"])
def heatmap(data: WeekData) -> pl.DataFrame:
    """Per weekday (1 = Monday) × clock hour of the week's minute trend: sessions, minutes on air,
    GMV and orders per hour on air, mean online viewers; ``enough`` when the cell has at least
    :data:`HEAT_MIN_MINUTES` minutes (the others are shown as too little data)."""
    ids = data.ids(data.week)
    if not ids:
        return pl.DataFrame(schema=HEAT_SCHEMA)
    t = week_tables(data.store, ids)["trend"]
    cols = t.collect_schema().names()
    cells = t.with_columns(
        pl.col("minute_ts").dt.weekday().cast(pl.Int8).alias("day"),
        pl.col("minute_ts").dt.hour().cast(pl.Int8).alias("hour"),
    )
    out = (
        cells.group_by("day", "hour")
        .agg(
            pl.col("session_id").n_unique().cast(pl.Int64).alias("sessions"),
            pl.len().cast(pl.Int64).alias("minutes"),
            _per_hour("gmv", cols).alias("gmv_per_hour"),
            _per_hour("orders", cols).alias("orders_per_hour"),
            pl.col("online").cast(pl.Float64).mean().alias("avg_online"),
        )
        .collect()
    )
    out = out.with_columns((pl.col("minutes") >= HEAT_MIN_MINUTES).alias("enough"))
    return out.select(list(HEAT_SCHEMA)).cast(pl.Schema(HEAT_SCHEMA)).sort("day", "hour")


def rank_key(cells: pl.DataFrame) -> str | None:
    """What hours are ranked by: GMV per hour, else orders per hour, else online viewers."""
    for key in ("gmv_per_hour", "orders_per_hour", "avg_online"):
        if cells.height and cells[key].null_count() < cells.height:
            return key
    return None


def best_worst_hours(cells: pl.DataFrame, n: int = HEAT_TOP) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``n`` best and worst cells with enough air time, by :func:`rank_key`."""
    key = rank_key(cells)
    ok = cells.filter(pl.col("enough"))
    if key is None or ok.height == 0:
        return ok.head(0), ok.head(0)
    ok = ok.filter(pl.col(key).is_not_null())
    best = ok.sort([key, "day", "hour"], descending=[True, False, False]).head(n)
    worst = ok.sort([key, "day", "hour"]).head(n)
    return best, worst


def hours_rule(cells: pl.DataFrame, lang: str = "zh") -> str:
    """How the heat map is built and how many cells are too little data."""
    masked = int((~cells["enough"]).sum()) if cells.height else 0
    return t("wr_hours_rule", lang).format(min=HEAT_MIN_MINUTES, masked=masked)


# --------------------------------------------------------------------------- section views
