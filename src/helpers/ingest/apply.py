"""Applying a mapping to a block of cells: parse, identify the session, set rows aside with reasons.

Every data row of a block ends up either *kept* (in one or more canonical frames) or *quarantined*
(one record per offending cell: file, sheet, row, column, value, expected, reason). Header rows
repeated inside a table, total rows (整体/合计) and empty or all-"-" rows are not data rows:
they are *skipped* and listed with their reason. rows_in = rows_kept + rows_quarantined, per block.

:func:`apply_block` is a pipeline of named steps: set aside what is not data (:mod:`.skip`), parse
the fields (:mod:`.builder`), identify the session (:mod:`.session_key`, :mod:`.identity`),
quarantine (:mod:`.quarantine`), build the canonical frames (:mod:`.derived`) and the
cross-checks (:mod:`.crosscheck`).
"""

from __future__ import annotations

import polars as pl

from helpers.data import schema
from helpers.ingest import crosscheck, derived, identity, parsing
from helpers.ingest.builder import Builder, find
from helpers.ingest.mapping import ExportMapping, norm
from helpers.ingest.quarantine import LONG_TABLES, Quarantine, keep_only, time_key
from helpers.ingest.readers import Block, Sheet
from helpers.ingest.records import (
    CHECK_SCHEMA,
    Q_SCHEMA,
    SKIP_SCHEMA,
    Applied,
    Context,
    SheetError,
)
from helpers.ingest.session_key import SessionKey, session_key
from helpers.ingest.skip import skip_reasons

__all__ = [
    "CHECK_SCHEMA",
    "PARALLEL_ROWS",
    "Q_SCHEMA",
    "SKIP_SCHEMA",
    "Applied",
    "Context",
    "SheetError",
    "apply_block",
]

PARALLEL_ROWS = 50_000  # a block this large has its columns parsed in threads


def _row_numbers(block: Block) -> pl.Series:
    """The file row of each cell row (a key/value sheet: its first row for all)."""
    n = block.frame.height
    if block.kv_rows:
        return pl.Series("__row", [block.first_row] * n, dtype=pl.Int64)
    first = block.first_row
    return pl.int_range(first, first + n, dtype=pl.Int64, eager=True).alias("__row")


def _set_aside(
    block: Block, mapping: ExportMapping, ctx: Context, out: Applied
) -> tuple[pl.DataFrame, pl.Series]:
    """The data rows of the block and their row numbers; the others listed in ``out.skipped``."""
    df, rows = block.frame, _row_numbers(block)
    skip = block.skip if block.skip is not None else skip_reasons(df, mapping)
    mask = skip.is_not_null()
    if not mask.any():
        return df, rows
    out.skipped = pl.DataFrame({"row": rows.filter(mask), "reason": skip.filter(mask)}).select(
        pl.lit(ctx.file).alias("file"),
        pl.lit(ctx.sheet, dtype=pl.String).alias("sheet"),
        "row",
        "reason",
    )
    return df.filter(~mask), rows.filter(~mask)


def _identify(b: Builder) -> SessionKey:
    """The session key; with a rooms file, a detail export naming another id of the room joins
    that room's session."""
    key = session_key(b)
    if "sessions" not in b.m.tables and all(isinstance(x, pl.Series) for x in key[:3]):
        ctx = b.ctx
        sid = identity.same_room_session(
            key.sid, key.account, key.start, ctx.known_sessions, ctx.rooms
        )
        key = key._replace(sid=sid)
    return key


def _parse(b: Builder) -> None:
    """Every field of the mapping (and its auxiliary ones), in threads for a large block."""
    m = b.m
    if b.df.height >= PARALLEL_ROWS:
        b.parse_in_parallel([*m.specs()])
    for table, specs in m.tables.items():
        for spec in specs:
            b.field(table, spec)
    for spec in m.aux:
        b.field("aux", spec)


def _room_columns(b: Builder) -> tuple[str | None, str | None]:
    """The room and date columns of a room-level export (None, None for the others)."""
    m = b.m
    if not m.room:
        return None, None
    room_col = find(b.columns, m.room)
    date_col = find(b.columns, m.date) if m.date else None
    if room_col is None or date_col is None:
        raise SheetError(f"missing the room/date columns ({' / '.join(m.room + m.date)})")
    return room_col, date_col


def _require_columns(b: Builder) -> None:
    """Required canonical columns the file does not carry at all: the sheet cannot be used."""
    m, target = b.m, b.ctx.target
    for table, specs in m.tables.items():
        t = schema.TABLES.get(table)
        if t is None or table in LONG_TABLES:
            continue
        have = {s.name for s in specs if f"{table}.{s.name}" in b.values}
        have |= {"session_id", "platform"}
        if target is not None and table == "audience_profile":  # the target session's room
            have.add("room")
        missing = [c for c in t.required if c not in have]
        if missing:
            by_name = {s.name: s for s in specs}
            names = [" / ".join(by_name[c].aliases) if c in by_name else c for c in missing]
            hint = "; or give --session / --room" if table == "audience_profile" else ""
            raise SheetError(f"{table}: missing required column(s) {', '.join(names)}{hint}")


def _frame(
    rows: pl.Series, key: SessionKey, b: Builder, room_col: str | None, date_col: str | None
) -> pl.DataFrame:
    """The block's cells beside its row numbers, session key, parsed fields and rejection masks."""
    exprs: list[pl.Expr | pl.Series] = [rows]
    for name, value in (("__sid", key.sid), ("__acc", key.account), ("__start", key.start)):
        if value is not None:
            exprs.append(value.alias(name))
    exprs += [v.alias(k) for k, v in b.values.items()]
    exprs += [r[2].alias(f"__bad{i}") for i, r in enumerate(b.rejects)]
    if room_col and date_col:
        exprs += [
            parsing.parse_series(b.df[room_col], "string").values.alias("__room"),
            parsing.parse_series(b.df[date_col], "date").values.alias("__date"),
        ]
    return b.df.with_columns(exprs)


def _place(D: pl.DataFrame, b: Builder, out: Applied) -> pl.DataFrame:
    """Rows placed in a session by their time: in a known window, or the account's session."""
    ctx = b.ctx
    if b.by_time:
        D = identity.attach_by_window(D, time_key(b), ctx.windows)
        out.attached = set(D["__sid"].drop_nulls().unique().to_list())
    elif b.m.session.get("assign_by_time") and not b.forced:
        ts_key = next((k for k in b.values if k.endswith(".ts")), None)
        assert ts_key is not None  # a mapping that assigns by time reads a time
        D = identity.assign_by_account_time(D, ts_key, ctx.known_sessions, ctx.rooms)
    return D


def _quarantine(
    D: pl.DataFrame, b: Builder, block: Block, key: SessionKey, kept_out: pl.DataFrame, out: Applied
) -> pl.DataFrame:
    """The rows kept; those set aside (``kept_out``: types the mapping does not keep, and the
    rest found here) go to ``out.quarantine`` with their reasons."""
    q = Quarantine(D, b, b.ctx)
    q.unreadable(block)
    q.required(b.m)
    q.no_session(b.m, key.headers)
    q.no_room(*_room_columns(b))
    found = q.frame(kept_out)
    if found is not None:
        out.quarantine = found
    return D.filter(~q.bad) if q.bad.any() else D


def apply_block(block: Block, sheet: Sheet, mapping: ExportMapping, ctx: Context) -> Applied:
    """Parse one block with its mapping into canonical frames, quarantine and skipped rows."""
    out = Applied()
    if block.frame.height == 0:
        return out
    df, rows = _set_aside(block, mapping, ctx, out)
    if df.height == 0:
        return out
    b = Builder(df, mapping, ctx)
    key = _identify(b)
    _parse(b)
    out.cumulative = b.cumulative
    room_col, date_col = _room_columns(b)
    _require_columns(b)
    D = _frame(rows, key, b, room_col, date_col)
    out.rows_in = D.height
    D, kept_out = keep_only(D, b, ctx)
    K = _quarantine(_place(D, b, out), b, block, key, kept_out, out)
    out.rows_kept = K.height
    out.rows_quarantined = out.rows_in - K.height
    if K.height == 0:
        return out
    known = mapping.known_headers()
    extras = [c for c in df.columns if norm(c) not in known and not c.startswith("__")]
    out.tables = derived.tables(K, b, extras)
    if mapping.checks:
        out.checks = crosscheck.checks(K, b, ctx)
    return out
