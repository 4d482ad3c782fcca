"""What a segments or conversion report looks at: one session or an ISO week's sessions, their
tables, and the store's history up to the scope's end (for RFM, returning buyers, price
response)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import polars as pl

from helpers.data.weeks import in_week


@dataclass
class Scope:
    """The sessions a segments/conversion report covers, their tables, and the store's orders."""

    label: str
    sessions: pl.DataFrame
    viewers: pl.DataFrame
    orders: pl.DataFrame
    trend: pl.DataFrame
    events: pl.DataFrame
    products: pl.DataFrame
    all_orders: pl.DataFrame  # every session in the store up to the scope's end (RFM)
    all_sessions: pl.DataFrame  # idem
    all_products: pl.DataFrame  # idem (price response across sessions)
    all_events: pl.DataFrame  # idem
    traffic: pl.DataFrame | None = None  # per-channel aggregates of the scope
    totals: pl.DataFrame | None = None  # the platform's session totals of the scope
    comments: pl.DataFrame | None = None
    all_comments: pl.DataFrame | None = None  # store history up to the scope's end
    all_totals: pl.DataFrame | None = None  # idem
    all_traffic: pl.DataFrame | None = None  # idem
    audience_profile: pl.DataFrame | None = None  # the platform's portrait of the scope, if any

    def frames(self) -> dict[str, pl.DataFrame | None]:
        """The scope's tables by canonical name (what section needs are checked on)."""
        return {
            "sessions": self.sessions,
            "viewers": self.viewers,
            "orders": self.orders,
            "trend": self.trend,
            "events": self.events,
            "products": self.products,
            "traffic": self.traffic,
            "session_totals": self.totals,
            "comments": self.comments,
            "audience_profile": self.audience_profile,
        }

    @property
    def session_ids(self) -> list[str]:
        return self.sessions["session_id"].to_list()

    @property
    def has_viewers(self) -> bool:
        return self.viewers.height > 0

    def describe(self, session_id: str = "", week: str = "") -> dict:
        """The ``scope`` block of a segments/conversion summary.json."""
        return {
            "session_id": session_id,
            "week": week,
            "sessions": self.session_ids,
            "viewer_level": self.has_viewers,
        }

    @property
    def has_buyer_ids(self) -> bool:
        return (
            self.orders.height > 0
            and "viewer_id" in self.orders.columns
            and self.orders["viewer_id"].null_count() < self.orders.height
        )

    @property
    def end_date(self) -> date | None:
        return (
            cast(datetime, self.sessions["end_ts"].max()).date() if self.sessions.height else None
        )

    @property
    def start_date(self) -> date | None:
        return (
            cast(datetime, self.sessions["start_ts"].min()).date() if self.sessions.height else None
        )


def _audience_profile(store: str, sel: pl.DataFrame) -> pl.DataFrame | None:
    """The platform's audience portrait of the scope: rows of its sessions, and room-level rows
    (no session id) of its rooms whose date range overlaps the scope. None when the schema does
    not know the table."""
    from helpers.data import schema
    from helpers.data.store import load_table

    if "audience_profile" not in schema.TABLES or sel.height == 0:
        return None
    prof = load_table("audience_profile", store)
    if prof.height == 0:
        return prof
    first = cast(datetime, sel["start_ts"].min()).date()
    last = cast(datetime, sel["end_ts"].max()).date()
    cols = prof.columns
    in_range = pl.lit(True)
    if "date_from" in cols:
        in_range &= pl.col("date_from").is_null() | (pl.col("date_from") <= last)
    if "date_to" in cols:
        in_range &= pl.col("date_to").is_null() | (pl.col("date_to") >= first)
    mine = (
        pl.col("session_id").is_in(sel["session_id"].to_list())
        if "session_id" in cols
        else pl.lit(False)
    )
    room_level = (
        (pl.col("session_id").is_null() if "session_id" in cols else pl.lit(True))
        & pl.col("room").is_in(sel["room"].unique().to_list())
        & in_range
    )
    return prof.filter(mine | room_level)


def load_scope(store: str, session_id: str = "", week: str = "") -> Scope:
    """The tables of one session or of an ISO week's sessions, plus the store's history up to
    the scope's end (orders, sessions, products, events, comments, totals, traffic) for RFM,
    returning buyers and commenters, and price response. A store without any session (a daily
    overview alone) gives an empty scope, whose sections say what they need; a session or week
    the store does not hold raises."""
    from helpers.data.store import list_sessions, load_table

    if bool(session_id) == bool(week):
        raise ValueError("give a session_id or a week (one of them)")
    alls = list_sessions(store)
    label = session_id or week
    if session_id:
        sel = alls.filter(pl.col("session_id") == session_id)
        if sel.height == 0 and alls.height:
            known = ", ".join(alls["session_id"].to_list())
            raise KeyError(
                f"session {session_id!r} is not in the store {store}; known sessions: {known}"
            )
    else:
        sel = in_week(alls, week)
        if sel.height == 0 and alls.height:
            raise KeyError(f"no session of week {week} in the store {store}")
    ids = sel["session_id"].to_list()
    hist = alls.filter(pl.col("start_ts") <= sel["end_ts"].max()) if ids else sel
    hist_ids = hist["session_id"].to_list()
    every = {
        n: load_table(n, store, session_ids=hist_ids)
        for n in ("orders", "products", "events", "comments", "session_totals", "traffic")
    }
    mine = {n: f.filter(pl.col("session_id").is_in(ids)) for n, f in every.items()}
    return Scope(
        label=label,
        sessions=sel,
        viewers=load_table("viewers", store, session_ids=ids),
        orders=mine["orders"],
        trend=load_table("trend", store, session_ids=ids),
        events=mine["events"],
        products=mine["products"],
        all_orders=every["orders"],
        all_sessions=hist,
        all_products=every["products"],
        all_events=every["events"],
        traffic=mine["traffic"],
        totals=mine["session_totals"],
        comments=mine["comments"],
        all_comments=every["comments"],
        all_totals=every["session_totals"],
        all_traffic=every["traffic"],
        audience_profile=_audience_profile(store, sel),
    )
