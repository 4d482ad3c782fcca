"""New vs returning buyers and commenters, from the ids platforms do export: order buyer ids and
comment author ids, matched against the store's earlier sessions of the same room, and the
comments' own ``老客`` tag.

"Returning" means seen before *in this store* (bought or commented in an earlier session of the
room); the table says how many earlier sessions that history covers."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from helpers.data.store import Session
from helpers.metrics import stats
from helpers.metrics.definitions import BUYING_STATUSES
from helpers.present import sections

log = logging.getLogger(__name__)

RETURNING_TAG = "老客"
SCHEMA = {
    "population": pl.String,
    "people": pl.Int64,
    "returning": pl.Int64,
    "new": pl.Int64,
    "returning_share": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "tagged_returning": pl.Int64,
    "tagged_share": pl.Float64,
}


@dataclass
class Returning:
    table: (
        pl.DataFrame
    )  # population (buyers/commenters), people, returning, new, share, lo, hi, tag
    earlier_sessions: (
        int  # earlier sessions of the room in the store (the history "returning" uses)
    )
    since: datetime | None  # start of the earliest of them


def _ids(df: pl.DataFrame | None, *, buying: bool = False) -> pl.Series:
    if df is None or df.height == 0 or "viewer_id" not in df.columns:
        return pl.Series("viewer_id", [], dtype=pl.String)
    if buying and "status" in df.columns:
        df = df.filter(pl.col("status").is_in(list(BUYING_STATUSES)))
    return df["viewer_id"].drop_nulls().cast(pl.String).unique().sort()


def earlier_sessions(s: Session, store: str | os.PathLike[str] | None) -> pl.DataFrame:
    """The room's sessions in the store that started before this one."""
    from helpers.data.store import list_sessions

    if store is None:
        return pl.DataFrame(schema={"session_id": pl.String, "start_ts": pl.Datetime("us")})
    sess = list_sessions(store)
    return (
        sess.filter(
            (pl.col("room") == s.info.get("room")) & (pl.col("start_ts") < s.info["start_ts"])
        )
        .select("session_id", "start_ts")
        .sort("start_ts", "session_id")
    )


def seen_before(ids: list[str], store: str | os.PathLike[str] | None) -> pl.Series:
    """Viewer ids that bought or commented in sessions ``ids`` of the store. A session whose files
    cannot be read is passed over (logged): one damaged export must not break later reviews."""
    from helpers.data.store import load_table

    seen = [pl.Series("viewer_id", [], dtype=pl.String)]
    try:  # all at once; a read error sends it one session at a time, passing over the bad one
        both = [_ids(load_table(name, store, session_ids=ids)) for name in ("orders", "comments")]
        return pl.concat(seen + both).unique().sort()
    except (OSError, pl.exceptions.PolarsError):
        pass
    for sid in ids:
        try:
            seen += [
                _ids(load_table(name, store, session_ids=sid)) for name in ("orders", "comments")
            ]
        except (OSError, pl.exceptions.PolarsError) as exc:
            log.warning("returning customers: session %s is unreadable, left out: %s", sid, exc)
    return pl.concat(seen).unique().sort()


def _row(population: str, people: pl.Series, seen: pl.Series | None) -> dict:
    n = people.len()
    row = {
        "population": population,
        "people": n,
        "returning": None,
        "new": None,
        "returning_share": None,
        "lo": None,
        "hi": None,
        "tagged_returning": None,
        "tagged_share": None,
    }
    if seen is not None and n:
        k = int(people.is_in(seen.implode()).sum())
        lo, hi = stats.wilson(k, n)
        row |= {"returning": k, "new": n - k, "returning_share": k / n, "lo": lo, "hi": hi}
    return row


@sections.section("review.returning", needs=["orders.viewer_id|comments.viewer_id"])
def returning_customers(s: Session, store: str | os.PathLike[str] | None = None) -> Returning:
    """Buyers and commenters of this session split into returning (bought or commented in an
    earlier session of the room in the store) and new, with a Wilson interval of the returning
    share; commenters also by the platform's ``老客`` tag on their comments."""
    prev = earlier_sessions(s, store)
    seen = seen_before(prev["session_id"].to_list(), store) if prev.height else None
    rows = []
    buyers = _ids(s.orders if s.has("orders") else None, buying=True)
    if buyers.len():
        rows.append(_row("buyers", buyers, seen))
    c = s.comments
    commenters = _ids(c if s.has("comments") else None)
    if commenters.len():
        row = _row("commenters", commenters, seen)
        if "tag" in c.columns and c["tag"].null_count() < c.height:
            tagged = (
                c.filter(pl.col("tag").cast(pl.String).str.contains(RETURNING_TAG, literal=True))[
                    "viewer_id"
                ]
                .drop_nulls()
                .n_unique()
            )
            row |= {"tagged_returning": tagged, "tagged_share": tagged / commenters.len()}
        rows.append(row)
    since = prev["start_ts"][0] if prev.height else None
    return Returning(pl.DataFrame(rows, schema=SCHEMA), prev.height, since)
