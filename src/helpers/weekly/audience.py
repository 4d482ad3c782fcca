"""Audience over the window: returning viewers and follower conversion per week, and buyers moving
between RFM segments from the end of last week to the end of this week."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from helpers.data.weeks import parse_week
from helpers.present import sections
from helpers.weekly.data import WeekData, week_tables, week_totals


@sections.section("week_audience", needs=["sessions", "viewers"])
def audience_mix(data: WeekData) -> pl.DataFrame:
    """Per week of the window: sessions, viewers, returning-viewer share and follower conversion."""
    totals = week_totals(data)
    keep = [
        c
        for c in ("week", "sessions", "viewers", "returning_rate", "follower_rate")
        if c in totals.columns
    ]
    return totals.select(keep)


@sections.section("week_rfm", needs=["sessions", "orders.viewer_id"])
def rfm_migration(data: WeekData) -> pl.DataFrame:
    """Buyers moving between RFM segments from the end of last week to the end of this week
    (``helpers.audience.rfm_migration`` over the window's orders)."""
    from helpers.audience import rfm_migration as migrate

    schema = {"from_segment": pl.String, "to_segment": pl.String, "buyers": pl.Int64}
    orders = week_tables(data.store, data.ids())["orders"].collect()
    orders = orders.filter(pl.col("viewer_id").is_not_null())
    if orders.height == 0:
        return pl.DataFrame(schema=schema)
    end = parse_week(data.week) + timedelta(days=6)
    m = migrate(orders, end - timedelta(days=7), end)
    return pl.from_pandas(m).with_columns(pl.col("buyers").cast(pl.Int64))
