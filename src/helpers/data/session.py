"""One session's canonical tables loaded together (:class:`Session`), and the store's sessions.

:func:`load_session` reads every table of a session from the store (:mod:`helpers.data.store`);
the report sections take the :class:`Session` it returns.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field

import polars as pl

from helpers.data import schema
from helpers.paths import default_store, resolve

SESSION_TABLES = ("trend", "events", "products", "viewers", "orders", "comments", "traffic")


@dataclass
class Session:
    """All canonical tables of one session, as polars frames (empty where the export lacked one).

    The seven core tables are attributes; ``totals`` is ``session_totals``; any other table of the
    model that carries a ``session_id`` column (added to the schema later) is in ``tables`` and
    reachable as an attribute too."""

    session_id: str
    info: dict
    trend: pl.DataFrame
    events: pl.DataFrame
    products: pl.DataFrame
    viewers: pl.DataFrame
    orders: pl.DataFrame
    comments: pl.DataFrame
    traffic: pl.DataFrame
    totals: pl.DataFrame
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pl.DataFrame:
        tables = self.__dict__.get("tables") or {}
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def has(self, table: str) -> bool:
        """Whether the export carried this table (a section needing it says so otherwise)."""
        df = getattr(self, "totals" if table == "session_totals" else table, None)
        return df is not None and df.height > 0

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every table of the session by its canonical name (what section needs are checked on)."""
        core = {t: getattr(self, t) for t in SESSION_TABLES}
        return {
            "sessions": pl.DataFrame([self.info]),
            **core,
            "session_totals": self.totals,
            **self.tables,
        }


def _extra_session_tables() -> list[str]:
    """Tables of the model beyond the core ones that are keyed by session."""
    skip = {"sessions", "session_totals", "targets", *SESSION_TABLES}
    return [n for n, t in schema.TABLES.items() if n not in skip and "session_id" in t.dtypes]


def load_session(
    session_id: str,
    store: str | os.PathLike[str] | None = None,
    *,
    only: Collection[str] | None = None,
) -> Session:
    """Load every table of one session; raise a clear error if the session is not in the store.

    ``only``: load just these tables (canonical names); the others are left empty, as if the
    export lacked them (for a caller that reads a few tables of many sessions)."""
    from helpers.data.store import load_table as load_all

    def load_table(name: str, store: str | os.PathLike[str] | None, **kw: str) -> pl.DataFrame:
        if only is not None and name not in only:
            return schema.empty(name)
        return load_all(name, store, session_ids=kw.get("session_ids"))

    sessions = load_all("sessions", store, session_ids=session_id)
    if sessions.height == 0:
        known = list_sessions(store)["session_id"].to_list()
        root = resolve(store) if store else default_store()
        raise KeyError(
            f"session {session_id!r} is not in the store {root}"
            f"; known sessions: {', '.join(known) or 'none (run `workbook ingest` first)'}"
        )
    tables = {t: load_table(t, store, session_ids=session_id) for t in SESSION_TABLES}
    totals = load_table("session_totals", store, session_ids=session_id)
    extra = {}
    for name in _extra_session_tables():
        df = load_table(name, store)
        extra[name] = df.filter(pl.col("session_id") == session_id) if df.height else df
    return Session(session_id, sessions.row(0, named=True), totals=totals, tables=extra, **tables)


def list_sessions(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """The sessions in the store, ordered by start time."""
    from helpers.data.store import load_table

    return load_table("sessions", store).sort("start_ts", "session_id")
