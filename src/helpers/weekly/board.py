"""The week's sessions: ranked by GMV, and each one's review status and link."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from helpers.present import sections
from helpers.weekly.data import WeekData

BOARD_COLUMNS = (
    "session_id",
    "start_ts",
    "host",
    "gmv",
    "viewers",
    "conversion_rate",
    "uv_value",
    "gpm",
    "refund_rate",
    "follower_rate",
)


@sections.section("week_board", needs=["sessions"])
def leaderboard(data: WeekData) -> pl.DataFrame:
    """The week's sessions ranked by GMV, with their main KPIs (columns without values dropped)."""
    df = data.this_week
    if df.height == 0:
        return pl.DataFrame({c: [] for c in ["rank", *BOARD_COLUMNS]})
    df = df.sort(["gmv", "session_id"], descending=[True, False], nulls_last=True).select(
        BOARD_COLUMNS
    )
    keep = [
        c for c in df.columns if c in ("session_id", "start_ts") or df[c].null_count() < df.height
    ]
    return (
        df.select(keep).with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))
    )


@sections.section("week_reviews", needs=["sessions"])
def review_links(data: WeekData, reviews: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Each session of the week: its review's status and link (from the run), damaged data noted."""
    by_id = {r["session_id"]: r for r in reviews}
    rows = []
    for r in data.sessions.filter(pl.col("week") == data.week).iter_rows(named=True):
        sid = r["session_id"]
        rev = by_id.get(sid, {})
        status = rev.get("status") or ("failed" if sid in data.unreadable else "not rendered")
        error = rev.get("error") or data.unreadable.get(sid, "")
        rows.append(
            {
                "session_id": sid,
                "start_ts": r["start_ts"],
                "host": r.get("host"),
                "status": status,
                "error": error,
                "href": rev.get("href") or f"sessions/{sid}/report.html",
            }
        )
    return (
        pl.DataFrame(rows)
        if rows
        else pl.DataFrame(schema={"session_id": pl.String, "status": pl.String})
    )
