"""The rows of a block set aside, one record per offending cell (file, sheet, row, column, value,
expected, reason): unreadable values, required values missing, no session, no room or date, and
message types the mapping does not keep."""

from __future__ import annotations

import polars as pl

from helpers.data import schema
from helpers.ingest import parsing
from helpers.ingest.builder import Builder, find
from helpers.ingest.mapping import ExportMapping
from helpers.ingest.readers import Block
from helpers.ingest.records import Q_SCHEMA, Context, SheetError

NO_SESSION_BY_TIME = (
    "no known live session of this account at this time (ingest the session list first)"
)
NO_ROOM = "room or date missing or unreadable"
NO_SESSION = "cannot tell the session: account or start time missing or unreadable"
LONG_TABLES = ("session_totals", "room_days")


def records(
    frame: pl.DataFrame,
    ctx: Context,
    column: str,
    value: pl.Expr,
    expected: str,
    reason: str | pl.Expr,
) -> pl.DataFrame:
    """Quarantine records of ``frame``'s rows (one per offending cell)."""
    return frame.select(
        pl.lit(ctx.file).alias("file"),
        pl.lit(ctx.sheet, dtype=pl.String).alias("sheet"),
        pl.col("__row").alias("row"),
        pl.lit(column).cast(pl.String).alias("column"),
        value.cast(pl.String).alias("value"),
        pl.lit(expected).alias("expected"),
        (pl.lit(reason) if isinstance(reason, str) else reason).cast(pl.String).alias("reason"),
    )


def time_key(b: Builder) -> str:
    """The field whose time places a row in a session window (minute, comment or segment start)."""
    for suffix in (".minute_ts", ".ts", ".start_ts"):
        hit = next((k for k in b.values if k.endswith(suffix) and not k.startswith("aux.")), None)
        if hit is not None:
            return hit
    raise SheetError("no time column to place the rows in a session: give --session")


def keep_only(D: pl.DataFrame, b: Builder, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows whose message type the mapping does not keep (a capture's likes, gifts, ##system lines):
    quarantined with the mapping's reason and taken out of the other checks."""
    keep = b.m.keep
    col = find(b.columns, keep.get("column", ())) if keep else None
    if col is None:
        return D, pl.DataFrame(schema=Q_SCHEMA)
    assert keep is not None  # the column comes from it
    flag = ~D[col].is_in(list(keep["values"])).fill_null(False)
    if not flag.any():
        return D, pl.DataFrame(schema=Q_SCHEMA)
    label = keep.get("reason", "not a kept message type")
    reason = pl.lit(f"{label}: ") + pl.col(col).fill_null("(none)")
    value = pl.col(keep["show"]) if keep.get("show") in D.columns else pl.col(col)
    out = records(D.filter(flag), ctx, col, value, f"one of {', '.join(keep['values'])}", reason)
    return D.filter(~flag), out


class Quarantine:
    """The records of one block's rows set aside and the mask of those rows."""

    def __init__(self, D: pl.DataFrame, b: Builder, ctx: Context) -> None:
        self.D, self.b, self.ctx = D, b, ctx
        self.bad = pl.Series("__isbad", dtype=pl.Boolean).extend_constant(False, D.height)
        self.parts: list[pl.DataFrame] = []

    def add(
        self,
        flag: pl.Series,
        column: str,
        value: pl.Expr,
        expected: str,
        reason: str | pl.Expr,
        row: int | None = None,
    ) -> None:
        """Set aside the rows of ``flag`` (``row``: the one row number of a key/value sheet)."""
        if flag.any():
            hit = self.D.filter(flag)
            if row is not None:
                hit = hit.with_columns(pl.lit(row, dtype=pl.Int64).alias("__row"))
            self.parts.append(records(hit, self.ctx, column, value, expected, reason))
            self.bad = self.bad | flag

    def unreadable(self, block: Block) -> None:
        """Cells a field's parser rejected (a key/value sheet: the row of the key)."""
        for i, (_key, header, _bad, expected, reason) in enumerate(self.b.rejects):
            row = block.kv_rows.get(header, 1) if block.kv_rows else None
            self.add(self.D[f"__bad{i}"], header, pl.col(header), expected, reason, row)

    def required(self, mapping: ExportMapping) -> None:
        """Required values missing (the column is there, the cell is empty)."""
        b = self.b
        for table, specs in mapping.tables.items():
            t = schema.TABLES.get(table)
            if t is None or table in LONG_TABLES:
                continue
            for spec in specs:
                key = f"{table}.{spec.name}"
                if spec.name not in t.required or key not in b.values or key not in b.headers:
                    continue
                flag = self.D[key].is_null()
                for i, r in enumerate(b.rejects):
                    if r[0] == key:
                        flag = flag & ~self.D[f"__bad{i}"]
                header = b.headers[key]
                expected = parsing.expected(spec.parser, **spec.opts)
                self.add(flag, header, pl.col(header), expected, "required value missing")

    def no_session(self, mapping: ExportMapping, id_headers: tuple[str, ...]) -> None:
        """Rows whose session could not be told (no id, or no session window holds their time)."""
        if "__sid" not in self.D.columns:
            return
        flag = self.D["__sid"].is_null()
        if not flag.any():
            return
        reason: str | pl.Expr = (
            NO_SESSION_BY_TIME if mapping.session.get("assign_by_time") else NO_SESSION
        )
        if "__why" in self.D.columns:
            reason = pl.coalesce(pl.col("__why"), pl.lit(reason))
        if self.b.by_time:
            tk = time_key(self.b)
            id_headers = (self.b.headers.get(tk, tk.split(".", 1)[1]),)
            val = pl.col(tk).dt.strftime("%Y-%m-%d %H:%M:%S")
            expected = "a time inside one known session's start–end window"
        else:
            cells = [pl.col(h).cast(pl.String).fill_null("") for h in id_headers]
            val = pl.concat_str(cells, separator=" | ")
            expected = "account and start time of the session"
        self.add(flag, " + ".join(id_headers), val, expected, reason)

    def no_room(self, room_col: str | None, date_col: str | None) -> None:
        """Room-level rows without a readable room or date."""
        if not room_col or not date_col:
            return
        missing = pl.col("__room").is_null() | pl.col("__date").is_null()
        flag = self.D.select(missing.fill_null(False)).to_series()
        cells = [pl.col(room_col).fill_null(""), pl.col(date_col).fill_null("")]
        val = pl.concat_str(cells, separator=" | ")
        self.add(flag, f"{room_col} + {date_col}", val, "room name and date", NO_ROOM)

    def frame(self, first: pl.DataFrame) -> pl.DataFrame | None:
        """All records (``first``: those set aside before, e.g. by :func:`keep_only`), by row."""
        parts = [first, *self.parts] if first.height else self.parts
        if not parts:
            return None
        return pl.concat(parts, how="vertical_relaxed").sort("row", "column")
