"""Comment themes: the week's comments by intent group against last week's."""

from __future__ import annotations

import polars as pl

from helpers.present import sections
from helpers.weekly.data import WeekData, week_tables

THEMES_TOP = 8


@sections.section("week_comments", needs=["sessions", "comments.text"])
def comment_themes(data: WeekData, top: int = THEMES_TOP) -> pl.DataFrame:
    """Comments of the week by intent group (``helpers.comments.classify_frame``): count, share,
    share last week, and the change in share (percentage points)."""
    from helpers.comments.classify import classify_frame

    schema = {
        "intent_group": pl.String,
        "comments": pl.Int64,
        "share": pl.Float64,
        "share_last_week": pl.Float64,
        "change_pp": pl.Float64,
    }
    ids = data.ids(data.week) + data.ids(data.last_week)
    if not ids:
        return pl.DataFrame(schema=schema)
    c = week_tables(data.store, ids)["comments"].select("session_id", "text").collect()
    if c.height == 0:
        return pl.DataFrame(schema=schema)
    c = classify_frame(
        c.join(data.kpis.select("session_id", "week"), on="session_id"), tokens=False
    )
    g = (
        c.group_by("week", "intent_group")
        .len("comments")
        .with_columns((pl.col("comments") / pl.col("comments").sum().over("week")).alias("share"))
    )
    cur = g.filter(pl.col("week") == data.week).drop("week")
    prev = g.filter(pl.col("week") == data.last_week).select(
        "intent_group", pl.col("share").alias("share_last_week")
    )
    out = cur.join(prev, on="intent_group", how="left").with_columns(
        ((pl.col("share") - pl.col("share_last_week")) * 100).alias("change_pp"),
        pl.col("comments").cast(pl.Int64),
    )
    return (
        out.sort(["comments", "intent_group"], descending=[True, False])
        .head(top)
        .select(list(schema))
    )
