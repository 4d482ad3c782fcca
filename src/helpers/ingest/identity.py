"""Which session a row belongs to when the file does not say: by time, by rooms file, or by flag.

- *Attached by time*: a file with no account column (a real minute-trend download, a comment
  export, a live-comment capture, a transcript with absolute times) goes to the one known session
  whose start–end window contains each row's time; none or several: the row is quarantined and
  the candidate sessions are named.
- *Rooms file*: 抖店 orders name the room by its numeric 达人ID, the session list by 主播抖音号; the
  rooms file (:mod:`.rooms`) makes both one room key.
- *Target*: ``workbook ingest --session ID`` attaches every row to one session; ``--room`` and
  ``--start`` create it when the store does not know it yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from helpers.data import schema
from helpers.ingest.rooms import Rooms

SLACK = timedelta(minutes=1)  # a minute row stamped 20:00 belongs to a show that started 20:00:37
NAMED = 4  # candidate sessions named in a reason


@dataclass(frozen=True)
class Target:
    """``--session`` / ``--room`` / ``--start`` of one ingest run (China-time ``start``)."""

    session_id: str
    room: str | None = None
    start: datetime | None = None
    platform: str = "douyin"
    create: bool = False


def session_id_for(room: str, start: datetime, platform: str, rooms: Rooms) -> str:
    """The id a created session gets: ``dy-<first account of the room>-YYYYMMDD-HHMM``."""
    prefix = {"douyin": "dy", "taobao": "tb", "kuaishou": "ks"}.get(platform, platform)
    account = next(iter(rooms.accounts_of(rooms.key(room) or room)[1:2]), room)
    return f"{prefix}-{account}-{start:%Y%m%d-%H%M}"


def attach_by_window(D: pl.DataFrame, ts_key: str, windows: pl.DataFrame | None) -> pl.DataFrame:
    """``__sid``: the one session whose window holds the row's time; ``__why``: else why not."""
    ts = D[ts_key]
    sid = pl.Series("__sid", [None] * D.height, dtype=pl.String)
    why = pl.Series("__why", ["no time on the row"] * D.height, dtype=pl.String).set(
        ts.is_not_null(), None
    )
    w = _near(windows, ts)
    if w.height == 0:
        why = why.fill_null(
            "no known session at this time (ingest the session list first, or give --session)"
        )
        return D.with_columns(sid, why)
    hits = pl.DataFrame({"n": pl.Series([0] * D.height, dtype=pl.Int32)})["n"]
    names: list[pl.Series] = []
    for i, (s, a, b) in enumerate(w.select("session_id", "start_ts", "end_ts").iter_rows()):
        inside = ts.is_between(a - SLACK, b + SLACK).fill_null(False)
        hits = hits + inside.cast(pl.Int32)
        sid = sid.set(inside & sid.is_null(), s)
        names.append(pl.Series(f"s{i}", [s] * D.height, dtype=pl.String).set(~inside, None))
    several = (
        pl.DataFrame(names)
        .select(pl.concat_str(pl.all(), separator=", ", ignore_nulls=True))
        .to_series()
    )
    day = ", ".join(w["session_id"].head(NAMED).to_list())
    why = (
        pl.DataFrame({"h": hits, "w": why, "s": several})
        .select(
            pl.when(pl.col("w").is_not_null())
            .then(pl.col("w"))
            .when(pl.col("h") == 0)
            .then(
                pl.lit(
                    f"no known session's start–end window contains this time "
                    f"(sessions near it: {day}; give --session to choose)"
                )
            )
            .when(pl.col("h") > 1)
            .then(
                pl.lit("several sessions' windows contain this time: ")
                + pl.col("s")
                + pl.lit(" (give --session to choose)")
            )
            .otherwise(None)
        )
        .to_series()
        .alias("__why")
    )
    return D.with_columns(sid.set(hits != 1, None), why)


def _near(windows: pl.DataFrame | None, ts: pl.Series) -> pl.DataFrame:
    """The sessions within a day of the rows' times (the only candidates), by start."""
    if windows is None or windows.height == 0 or ts.drop_nulls().len() == 0:
        return pl.DataFrame(
            schema={"session_id": pl.String, "start_ts": schema.TS, "end_ts": schema.TS}
        )
    lo, hi = ts.min(), ts.max()
    day = pl.duration(days=1)
    return windows.filter(
        (pl.col("end_ts") >= pl.lit(lo) - day) & (pl.col("start_ts") <= pl.lit(hi) + day)
    ).sort("start_ts", "session_id")


def unknown_account_reason(rooms: Rooms) -> str:
    return (
        f"no session and no rooms entry knows this account: add it to the rooms file "
        f"({rooms.source}) under its room's accounts"
    )


def assign_by_account_time(
    frame: pl.DataFrame, ts_key: str, known: pl.DataFrame | None, rooms: Rooms
) -> pl.DataFrame:
    """``__sid`` for rows with (account, ts): the session of that room running at ts (else null),
    and ``__why`` naming the account and the rooms file when no session or entry knows it."""
    if known is None or known.height == 0:
        known = pl.DataFrame(
            schema={
                "session_id": pl.String,
                "account": pl.String,
                "start_ts": schema.TS,
                "end_ts": schema.TS,
            }
        )
    mapping = pl.DataFrame(
        {"a": list(rooms.by_account), "k": list(rooms.by_account.values())},
        schema={"a": pl.String, "k": pl.String},
    )

    def keyed(df: pl.DataFrame, col: str) -> pl.DataFrame:
        j = df.join(mapping, left_on=col, right_on="a", how="left", maintain_order="left")
        return j.with_columns(pl.coalesce("k", col).alias("__key")).drop("k")

    k = (
        keyed(known, "account")
        .select(
            "__key",
            pl.col("session_id").alias("__sid"),
            pl.col("start_ts").alias("__ks"),
            pl.col("end_ts").alias("__ke"),
        )
        .sort("__ks")
    )
    f = (
        keyed(frame, "__acc")
        .with_columns(pl.col(ts_key).alias("__ts"))
        .sort("__ts", nulls_last=True)
    )
    j = f.join_asof(
        k, left_on="__ts", right_on="__ks", by="__key", strategy="backward", check_sortedness=False
    )
    j = j.with_columns(
        pl.when(pl.col("__ts") <= pl.col("__ke") + pl.duration(hours=1))
        .then(pl.col("__sid"))
        .otherwise(None)
    )
    keys = set(k["__key"].to_list())
    unknown = pl.col("__acc").is_not_null() & ~pl.col("__key").is_in(list(keys))
    j = j.with_columns(
        pl.when(pl.col("__sid").is_null() & unknown)
        .then(pl.lit(unknown_account_reason(rooms)))
        .otherwise(None)
        .alias("__why")
    )
    return j.drop("__ts", "__ks", "__ke", "__key").sort("__row")


def same_room_session(
    sid: pl.Series,
    account: pl.Series,
    start: pl.Series,
    known: pl.DataFrame | None,
    rooms: Rooms,
    minutes: int = 15,
) -> pl.Series:
    """Session ids of (account, start) rows replaced by a known session of the same room (rooms
    file) under another of its accounts that started within ``minutes``: a trend naming the
    抖音号 handle joins the session list's session named by the numeric 主播抖音号."""
    if known is None or known.height == 0 or not rooms.by_account:
        return sid
    pairs = pl.DataFrame({"a": account, "s": start}).unique().drop_nulls().rows()
    out = sid
    frame = pl.DataFrame({"a": account, "s": start})
    for acc, st in pairs:
        room = rooms.key(acc)
        if not rooms.knows(acc):
            continue
        cand = known.filter(
            pl.col("account").map_elements(rooms.key, return_dtype=pl.String).eq(room)
            & ((pl.col("start_ts") - pl.lit(st)).abs() <= pl.duration(minutes=minutes))
        ).sort(pl.col("account") != acc, (pl.col("start_ts") - pl.lit(st)).abs(), "session_id")
        if cand.height and cand["account"][0] != acc:  # its own account's session wins
            hit = (
                frame.select((pl.col("a") == acc) & (pl.col("s") == st))
                .to_series()
                .fill_null(False)
            )
            out = out.set(hit, cand["session_id"][0])
    return out
