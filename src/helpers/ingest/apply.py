"""Applying a mapping to a block of cells: parse, identify the session, set rows aside with reasons.

Every data row of a block ends up either *kept* (in one or more canonical frames) or *quarantined*
(one record per offending cell: file, sheet, row, column, value, expected, reason). Header rows
repeated inside a table, total rows (整体/合计) and empty or all-"-" rows are not data rows: they are
*skipped* and listed with their reason. rows_in = rows_kept + rows_quarantined, per block.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from helpers.data import schema
from helpers.ingest import identity, parsing
from helpers.ingest.mapping import ColumnSpec, ExportMapping, norm
from helpers.ingest.readers import Block, Sheet
from helpers.ingest.rooms import Rooms

PREFIX = {"douyin": "dy", "taobao": "tb", "kuaishou": "ks"}
Q_SCHEMA = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "expected": pl.String,
    "reason": pl.String,
}
SKIP_SCHEMA = {"file": pl.String, "sheet": pl.String, "row": pl.Int64, "reason": pl.String}
CHECK_SCHEMA = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "session_id": pl.String,
    "product_id": pl.String,
    "metric": pl.String,
    "source_column": pl.String,
    "platform_value": pl.Float64,
    "recomputed": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "abs_diff": pl.Float64,
    "tolerance": pl.Float64,
    "status": pl.String,
    "note": pl.String,
}
# alternative definitions a mislabeled ratio column often follows (METRICS.md traps)
ALTERNATIVES: dict[str, list[tuple[str, str, str]]] = {
    "conversion_rate": [
        (
            "buyers",
            "product_clickers",
            "equals buyers / product clickers: the column is probably "
            "click→order (商品点击-成交率) or Taobao's 种草成交转化率 mislabeled as watch→order",
        ),
        (
            "buyers",
            "clicks_uv",
            "equals buyers / product clickers: probably click→order mislabeled",
        ),
    ],
    "gpm": [("gmv", "viewers", "equals GMV×1000 / viewers (UV): divides by viewers, not views")],
}


@dataclass
class Context:
    """What a block's mapping may need from outside it."""

    file: str
    sheet: str | None
    session_id: str | None = None  # from the workbook's key/value sheet
    known_sessions: pl.DataFrame | None = None  # session_id, account, start_ts, end_ts
    windows: pl.DataFrame | None = None  # every known session: session_id, start_ts, end_ts
    rooms: Rooms = field(default_factory=Rooms)
    target: identity.Target | None = None  # --session (and --room/--start to create it)
    base_ts: datetime | None = None  # what relative times (transcripts) count from


@dataclass
class Applied:
    """The outcome of one block."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    quarantine: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=Q_SCHEMA))
    skipped: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SKIP_SCHEMA))
    checks: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CHECK_SCHEMA))
    rows_in: int = 0
    rows_kept: int = 0
    rows_quarantined: int = 0
    cumulative: dict[str, set[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    attached: set[str] = field(default_factory=set)  # sessions rows were attached to by time


class SheetError(ValueError):
    """A sheet that cannot be mapped at all (missing identity or required columns)."""


def _find(columns: dict[str, str], aliases: tuple[str, ...] | list[str]) -> str | None:
    for a in aliases:
        hit = columns.get(norm(a))
        if hit is not None:
            return hit
    return None


def _typed_value(
    df: pl.DataFrame, col: str, spec: ColumnSpec, dtype: pl.DataType | None
) -> pl.Expr:
    """A typed (Parquet) column cast to the target dtype without string parsing."""
    e = pl.col(col)
    src = df.schema[col]
    if isinstance(src, pl.Datetime):
        e = (
            e.dt.convert_time_zone(schema.TZ)
            if src.time_zone
            else e.dt.replace_time_zone(schema.TZ)
        )
        return e.dt.cast_time_unit("us")
    if dtype is not None:
        return e.cast(dtype, strict=False)
    return e


def _target_dtype(table: str, name: str) -> pl.DataType | None:
    t = schema.TABLES.get(table)
    if t is None:
        return None
    return t.dtypes.get(name)


PARALLEL_ROWS = 50_000
PARSE_THREADS = max(2, min(4, os.cpu_count() or 2))


def _job_key(col: str, spec: ColumnSpec) -> tuple:
    return (col, spec.parser, repr(sorted(spec.opts.items())))


class _Builder:
    """Collects the expressions of one block: value, rejection and source header per field."""

    def __init__(self, df: pl.DataFrame, mapping: ExportMapping, ctx: Context) -> None:
        self.df = df
        self.m = mapping
        self.ctx = ctx
        self.columns = {norm(c): c for c in df.columns}
        self.values: dict[str, pl.Expr] = {}
        self.rejects: list[
            tuple[str, str, pl.Expr, str, str]
        ] = []  # (key, header, bad, expected, reason)
        self.headers: dict[str, str] = {}
        self.cumulative: dict[str, set[str]] = {}
        self.cache: dict[tuple, parsing.Parsed] = {}
        self.by_time = False  # no account column: rows go to the session whose window holds them
        self.forced = False  # --session: every row goes to the target session

    def parse_in_parallel(self, specs: list[ColumnSpec]) -> None:
        """Parse the columns of a large block in threads (polars releases the GIL): one per core."""
        jobs: dict[tuple, tuple[str, ColumnSpec]] = {}
        for spec in specs:
            if spec.const is not None or spec.parser in ("range_start", "range_end"):
                continue
            col = _find(self.columns, spec.aliases) or (
                _find(self.columns, spec.cumulative) if spec.cumulative else None
            )
            if col is not None and self.df.schema[col] == pl.String:
                jobs.setdefault(_job_key(col, spec), (col, spec))
        if len(jobs) < 2:
            return
        with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
            done = pool.map(
                lambda job: parsing.parse_series(self.df[job[0]], job[1].parser, **job[1].opts),
                jobs.values(),
            )
            self.cache = dict(zip(jobs, done, strict=True))

    def field(self, table: str, spec: ColumnSpec) -> None:
        key = f"{table}.{spec.name}"
        if spec.const is not None:
            self.values[key] = pl.lit(spec.const)
            return
        col = _find(self.columns, spec.aliases)
        cumulative = False
        if col is None and spec.cumulative:
            col = _find(self.columns, spec.cumulative)
            cumulative = col is not None
        if col is None:
            if spec.default is not None:
                self.values[key] = pl.lit(spec.default)
            return
        self.headers[key] = col
        if cumulative:
            self.cumulative.setdefault(table, set()).add(spec.name)
        dtype = _target_dtype(table, spec.name)
        if self.df.schema[col] != pl.String:
            self.values[key] = self.df.select(_typed_value(self.df, col, spec, dtype)).to_series()
            return
        expected = parsing.expected(spec.parser, **spec.opts)
        if spec.parser in ("range_start", "range_end"):
            start, end, bad = parsing.parse_range_series(self.df[col])
            value = start if spec.parser == "range_start" else end
        else:
            p = self.cache.get(_job_key(col, spec)) or parsing.parse_series(
                self.df[col], spec.parser, **spec.opts
            )
            value, bad = p.values, p.rejected
        if spec.offset_from == "recording_start":
            value = self._from_recording_start(value)
        elif spec.offset_from:
            base = self.values.get(f"{table}.{spec.offset_from}")
            if base is not None:
                value = pl.select(
                    base + pl.duration(microseconds=(value * 1e6).cast(pl.Int64))
                ).to_series()
        self.values[key] = value
        self.rejects.append((key, col, bad, expected, "unreadable value"))

    def _from_recording_start(self, seconds: pl.Series) -> pl.Series:
        """Seconds from the recording's start as absolute times (transcripts)."""
        base = self.ctx.base_ts
        if base is None:
            raise SheetError(
                "times are relative to the recording's start: keep its fromtime file beside it, "
                'or give --start "YYYY-MM-DD HH:MM" or --session of a known session'
            )
        us = round(base.timestamp() * 1_000_000) + (seconds * 1e6).round().cast(pl.Int64)
        utc = pl.from_epoch(us, time_unit="us").dt.replace_time_zone("UTC")
        return utc.dt.convert_time_zone(schema.TZ)

    def session_expr(self) -> tuple[Any, Any, Any, list[str]]:
        """(session_id, account, start) as expressions or Series, and the headers they read."""
        s = self.m.session
        prefix = s.get("prefix") or PREFIX.get(self.m.platform, self.m.platform)
        target = self.ctx.target
        if target is not None and "sessions" not in self.m.tables and (s or not self.m.room):
            self.forced = True
            start = pl.lit(target.start).dt.convert_time_zone(schema.TZ) if target.create else None
            return pl.lit(target.session_id), None, start, []
        if not s and self.m.room:  # a room-level export (room × day): no session
            return None, None, None, []
        if s.get("by_time"):
            self.by_time = True
            return None, None, None, []
        if s.get("optional"):  # a room-level table that may name a session (人群画像)
            return None, None, None, []
        if s.get("context"):
            if self.ctx.session_id is None:
                raise SheetError(
                    "no session identity: this sheet belongs to a 整场数据 workbook whose 基本信息 sheet "
                    "(抖音号 and 直播时间) is missing"
                )
            return pl.lit(self.ctx.session_id), None, None, []
        if s.get("column"):
            col = _find(self.columns, s["column"])
            if col is None:
                raise SheetError(f"missing the session column ({' / '.join(s['column'])})")
            if self.df.schema[col] != pl.String:
                return pl.col(col).cast(pl.String), None, None, [col]
            return parsing.parse_series(self.df[col], "id").values, None, None, [col]
        start = None
        used: list[str] = []
        if s.get("start"):
            col = _find(self.columns, s["start"])
            if col is not None:
                start = parsing.parse_series(self.df[col], "datetime").values
                used.append(col)
        if s.get("range") and start is None:
            col = _find(self.columns, s["range"])
            if col is not None:
                start = parsing.parse_range_series(self.df[col])[0]
                used.append(col)
        if s.get("id"):
            col = _find(self.columns, s["id"])
            if col is None:
                raise SheetError(f"missing the session id column ({' / '.join(s['id'])})")
            sid = parsing.parse_series(self.df[col], "id").values
            return pl.concat_str([pl.lit(f"{prefix}-"), pl.lit(sid)]), sid, start, [col, *used]
        acc_col = _find(self.columns, s.get("account", ()))
        if acc_col is None and self.ctx.windows is not None:
            self.by_time = True
            return None, None, None, []
        if acc_col is None:
            raise SheetError(
                f"no session identity: missing the account column ({' / '.join(s.get('account', ()))})"
            )
        account = parsing.parse_series(self.df[acc_col], "id").values
        if s.get("assign_by_time"):
            return None, account, None, [acc_col]
        if start is None:
            wanted = [*s.get("start", ()), *s.get("range", ())]
            raise SheetError(
                f"no session identity: missing the start time column ({' / '.join(wanted)})"
            )
        if (
            account.len()
            and account.null_count() == 0
            and start.null_count() == 0
            and bool((account == account[0]).all())
            and bool((start == start[0]).all())
        ):
            one = (
                f"{prefix}-{account[0]}-{start[0]:%Y%m%d-%H%M}"
                if account[0] is not None and start[0] is not None
                else None
            )
            sid = pl.Series("sid", [one], dtype=pl.String).extend_constant(one, account.len() - 1)
            return sid, account, start, [acc_col, *used]
        keys = pl.DataFrame({"a": account, "s": start})
        uniq = keys.unique().with_columns(
            pl.concat_str(
                [
                    pl.lit(f"{prefix}-"),
                    pl.col("a"),
                    pl.lit("-"),
                    pl.col("s").dt.strftime("%Y%m%d-%H%M"),
                ]
            ).alias("sid")
        )
        sid = keys.join(uniq, on=["a", "s"], how="left", nulls_equal=True, maintain_order="left")[
            "sid"
        ]
        return sid, account, start, [acc_col, *used]


def _skip_reasons(df: pl.DataFrame, mapping: ExportMapping) -> pl.Series:
    """Why a row is not a data row (repeated header, empty/"-" row, total row), else null.

    Only rows whose first cells could be one of those are examined (cheap on clean data).
    """
    out = pl.Series("__skip", dtype=pl.String).extend_constant(None, df.height)
    strings = [c for c in df.columns if df.schema[c] == pl.String]
    if not strings or df.height == 0:
        return out
    labels = list({*mapping.total_labels, "合计", "总计"})
    first = df[strings[0]]
    cand = first.is_null() | first.is_in([*parsing.MISSING_TOKENS, *labels, strings[0]])
    cand = (
        cand | first.str.starts_with(" ") | first.str.ends_with(" ") | first.str.starts_with("\t")
    )
    for c in strings[1:3]:
        cand = cand | df[c].is_in(labels)
    cand = cand.fill_null(True)
    if not cand.any():
        return out
    idx = cand.arg_true()
    sub = df.select(strings)[idx]
    empty = pl.all_horizontal(
        [
            pl.col(c).str.strip_chars().is_null()
            | pl.col(c).str.strip_chars().is_in(parsing.MISSING_TOKENS)
            for c in strings
        ]
    )
    same = pl.sum_horizontal([(pl.col(c).str.strip_chars() == c).cast(pl.Int32) for c in strings])
    repeated = same >= min(2, len(strings))
    first3 = strings[: min(3, len(strings))]
    total = pl.any_horizontal(
        [pl.col(c).str.strip_chars().is_in(labels).fill_null(False) for c in first3]
    )
    reasons = sub.select(
        pl.when(repeated)
        .then(pl.lit("repeated header row"))
        .when(empty)
        .then(pl.lit("empty or '-' row"))
        .when(total)
        .then(pl.lit("total row (整体/合计), not a data row"))
        .otherwise(None)
    ).to_series()
    return out.scatter(idx, reasons)


def apply_block(block: Block, sheet: Sheet, mapping: ExportMapping, ctx: Context) -> Applied:
    """Parse one block with its mapping into canonical frames, quarantine and skipped rows."""
    df = block.frame
    out = Applied()
    if df.height == 0:
        return out
    # rows that are not data (repeated headers, totals, empty) are set aside before parsing
    if block.kv_rows:
        rows = pl.Series("__row", [block.first_row] * df.height, dtype=pl.Int64)
    else:
        rows = pl.int_range(
            block.first_row, block.first_row + df.height, dtype=pl.Int64, eager=True
        ).alias("__row")
    skip = _skip_reasons(df, mapping)
    skip_mask = skip.is_not_null()
    if skip_mask.any():
        out.skipped = pl.DataFrame(
            {"row": rows.filter(skip_mask), "reason": skip.filter(skip_mask)}
        ).select(
            pl.lit(ctx.file).alias("file"),
            pl.lit(ctx.sheet, dtype=pl.String).alias("sheet"),
            "row",
            "reason",
        )
        df, rows = df.filter(~skip_mask), rows.filter(~skip_mask)
    if df.height == 0:
        return out
    b = _Builder(df, mapping, ctx)
    sid, account, start, id_headers = b.session_expr()
    if "sessions" not in mapping.tables and all(
        isinstance(x, pl.Series) for x in (sid, account, start)
    ):
        # rooms file: a detail export naming another id of the room joins that room's session
        sid = identity.same_room_session(sid, account, start, ctx.known_sessions, ctx.rooms)
    if df.height >= PARALLEL_ROWS:
        b.parse_in_parallel([*mapping.specs()])
    for table, specs in mapping.tables.items():
        for spec in specs:
            b.field(table, spec)
    for spec in mapping.aux:
        b.field("aux", spec)
    out.cumulative = b.cumulative
    room_col = _find(b.columns, mapping.room) if mapping.room else None
    date_col = _find(b.columns, mapping.date) if mapping.date else None
    if mapping.room and (room_col is None or date_col is None):
        raise SheetError(
            f"missing the room/date columns ({' / '.join(mapping.room + mapping.date)})"
        )

    # required canonical columns the file does not carry at all: the sheet cannot be used
    for table in mapping.tables:
        t = schema.TABLES.get(table)
        if t is None or table in ("session_totals", "room_days"):
            continue
        have = {s.name for s in mapping.tables[table] if f"{table}.{s.name}" in b.values} | {
            "session_id",
            "platform",
        }
        if ctx.target is not None and table == "audience_profile":  # the target session's room
            have.add("room")
        missing = [c for c in t.required if c not in have]
        if missing:
            specs = {s.name: s for s in mapping.tables[table]}
            names = [" / ".join(specs[c].aliases) if c in specs else c for c in missing]
            hint = "; or give --session / --room" if table == "audience_profile" else ""
            raise SheetError(f"{table}: missing required column(s) {', '.join(names)}{hint}")

    exprs: list = [rows]
    if sid is not None:
        exprs.append(sid.alias("__sid"))
    if account is not None:
        exprs.append(account.alias("__acc"))
    if start is not None:
        exprs.append(start.alias("__start"))
    exprs += [v.alias(k) for k, v in b.values.items()]
    exprs += [bad.alias(f"__bad{i}") for i, (_k, _h, bad, _e, _r) in enumerate(b.rejects)]
    if room_col:
        exprs += [
            parsing.parse_series(df[room_col], "string").values.alias("__room"),
            parsing.parse_series(df[date_col], "date").values.alias("__date"),
        ]
    D = df.with_columns(exprs)
    out.rows_in = D.height
    D, kept_out = _keep_only(D, b, mapping, ctx)
    if b.by_time:
        D = identity.attach_by_window(D, _time_key(b), ctx.windows)
        out.attached = set(D["__sid"].drop_nulls().unique().to_list())
    elif mapping.session.get("assign_by_time") and not b.forced:
        ts_key = next((k for k in b.values if k.endswith(".ts")), None)
        D = identity.assign_by_account_time(D, ts_key, ctx.known_sessions, ctx.rooms)

    def q(
        frame: pl.DataFrame, column: str, value: pl.Expr, expected: str, reason: str | pl.Expr
    ) -> pl.DataFrame:
        return _q(frame, ctx, column, value, expected, reason)

    def mask(e: pl.Expr) -> pl.Series:
        return D.select(e.fill_null(False)).to_series()

    bad = pl.Series("__isbad", dtype=pl.Boolean).extend_constant(False, D.height)
    qparts: list[pl.DataFrame] = [kept_out] if kept_out.height else []
    for i, (_key, header, _bad, expected, reason) in enumerate(b.rejects):
        flag = D[f"__bad{i}"]
        if flag.any():
            hit = D.filter(flag)
            if block.kv_rows:
                hit = hit.with_columns(
                    pl.lit(block.kv_rows.get(header, 1), dtype=pl.Int64).alias("__row")
                )
            qparts.append(q(hit, header, pl.col(header), expected, reason))
            bad = bad | flag
    # required values missing (present column, empty cell)
    for table, specs in mapping.tables.items():
        t = schema.TABLES.get(table)
        if t is None or table in ("session_totals", "room_days"):
            continue
        for spec in specs:
            key = f"{table}.{spec.name}"
            if spec.name in t.required and key in b.values and key in b.headers:
                flag = D[key].is_null()
                for i, r in enumerate(b.rejects):
                    if r[0] == key:
                        flag = flag & ~D[f"__bad{i}"]
                if flag.any():
                    qparts.append(
                        q(
                            D.filter(flag),
                            b.headers[key],
                            pl.col(b.headers[key]),
                            parsing.expected(spec.parser, **spec.opts),
                            "required value missing",
                        )
                    )
                    bad = bad | flag
    if "__sid" in D.columns:
        flag = D["__sid"].is_null()
        if flag.any():
            reason: str | pl.Expr = (
                "no known live session of this account at this time (ingest the session list first)"
                if mapping.session.get("assign_by_time")
                else "cannot tell the session: account or start time missing or unreadable"
            )
            if "__why" in D.columns:
                reason = pl.coalesce(pl.col("__why"), pl.lit(reason))
            if b.by_time:
                tk = _time_key(b)
                id_headers = [b.headers.get(tk, tk.split(".", 1)[1])]
                val = pl.col(tk).dt.strftime("%Y-%m-%d %H:%M:%S")
                expected = "a time inside one known session's start–end window"
            else:
                val = pl.concat_str(
                    [pl.col(h).cast(pl.String).fill_null("") for h in id_headers], separator=" | "
                )
                expected = "account and start time of the session"
            qparts.append(q(D.filter(flag), " + ".join(id_headers), val, expected, reason))
            bad = bad | flag
    if room_col:
        flag = mask(pl.col("__room").is_null() | pl.col("__date").is_null())
        if flag.any():
            val = pl.concat_str(
                [pl.col(room_col).fill_null(""), pl.col(date_col).fill_null("")], separator=" | "
            )
            qparts.append(
                q(
                    D.filter(flag),
                    f"{room_col} + {date_col}",
                    val,
                    "room name and date",
                    "room or date missing or unreadable",
                )
            )
            bad = bad | flag
    if qparts:
        out.quarantine = pl.concat(qparts, how="vertical_relaxed").sort("row", "column")
    K = D.filter(~bad) if bad.any() else D
    out.rows_kept = K.height
    out.rows_quarantined = out.rows_in - K.height
    if K.height == 0:
        return out

    known = mapping.known_headers()
    extras = [c for c in df.columns if norm(c) not in known and not c.startswith("__")]
    for table, specs in mapping.tables.items():
        present = [s for s in specs if f"{table}.{s.name}" in b.values]
        if table == "session_totals":
            out.tables[table] = _totals(K, present, b.headers)
        elif table == "room_days":
            out.tables[table] = _room_days(
                K, present, b.headers, extras if mapping.keep_unmapped else []
            )
        else:
            none = pl.lit(None, dtype=pl.String)
            cols = [(pl.col("__sid") if "__sid" in K.columns else none).alias("session_id")]
            if (
                table == "audience_profile" and ctx.target is not None
            ):  # the room of --session/--room
                room = pl.col(f"{table}.room") if f"{table}.room" in b.values else none
                fallback = pl.lit(ctx.target.room or ctx.target.session_id)
                cols.append(pl.coalesce(room, fallback).alias("room"))
                present = [p for p in present if p.name != "room"]
            if table == "sessions" and "platform" not in {s.name for s in present}:
                cols.append(pl.lit(mapping.platform).alias("platform"))
            cols += [pl.col(f"{table}.{s.name}").alias(s.name) for s in present]
            if table == mapping.primary:
                cols += [pl.col(c) for c in extras]
            frame = K.select(cols)
            if table == "sessions":
                frame = frame.unique("session_id", keep="first", maintain_order=True)
            out.tables[table] = frame
    if mapping.windows:
        ev = _windows(K, b, mapping)
        if ev is not None and ev.height:
            out.tables["events"] = ev
    if "sessions" not in mapping.tables and "__start" in K.columns:
        out.tables["sessions_stub"] = _stub_sessions(K, b, mapping, ctx.target)
    if mapping.checks:
        out.checks = _checks(K, b, mapping, ctx)
    return out


def _q(
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


def _time_key(b: _Builder) -> str:
    """The field whose time places a row in a session window (minute, comment or segment start)."""
    for suffix in (".minute_ts", ".ts", ".start_ts"):
        hit = next((k for k in b.values if k.endswith(suffix) and not k.startswith("aux.")), None)
        if hit is not None:
            return hit
    raise SheetError("no time column to place the rows in a session: give --session")


def _keep_only(
    D: pl.DataFrame, b: _Builder, mapping: ExportMapping, ctx: Context
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows whose message type the mapping does not keep (a capture's likes, gifts, ##system lines):
    quarantined with the mapping's reason and taken out of the other checks."""
    keep = mapping.keep
    col = _find(b.columns, keep.get("column", ())) if keep else None
    if col is None:
        return D, pl.DataFrame(schema=Q_SCHEMA)
    flag = ~D[col].is_in(list(keep["values"])).fill_null(False)
    if not flag.any():
        return D, pl.DataFrame(schema=Q_SCHEMA)
    label = keep.get("reason", "not a kept message type")
    reason = pl.lit(f"{label}: ") + pl.col(col).fill_null("(none)")
    value = pl.col(keep["show"]) if keep.get("show") in D.columns else pl.col(col)
    out = _q(D.filter(flag), ctx, col, value, f"one of {', '.join(keep['values'])}", reason)
    return D.filter(~flag), out


def _totals(K: pl.DataFrame, specs: list[ColumnSpec], headers: dict[str, str]) -> pl.DataFrame:
    parts = [
        K.select(
            pl.col("__sid").alias("session_id"),
            pl.lit(s.name).alias("metric"),
            pl.col(f"session_totals.{s.name}").cast(pl.Float64).alias("value"),
            pl.lit(headers.get(f"session_totals.{s.name}", s.header)).alias("source_column"),
        )
        for s in specs
    ]
    if not parts:
        return schema.empty("session_totals")
    return pl.concat(parts).filter(pl.col("value").is_not_null())


def _room_days(
    K: pl.DataFrame, specs: list[ColumnSpec], headers: dict[str, str], extras: list[str]
) -> pl.DataFrame:
    parts = [
        K.select(
            pl.col("__room").alias("room"),
            pl.col("__date").alias("date"),
            pl.lit(s.name).alias("metric"),
            pl.col(f"room_days.{s.name}").cast(pl.Float64).alias("value"),
            pl.lit(headers.get(f"room_days.{s.name}", s.header)).alias("source_column"),
        )
        for s in specs
    ]
    for c in extras:
        parts.append(
            K.select(
                pl.col("__room").alias("room"),
                pl.col("__date").alias("date"),
                pl.lit(c).alias("metric"),
                parsing.parse_series(K[c], "number", percent=True).values.alias("value"),
                pl.lit(c).alias("source_column"),
            )
        )
    if not parts:
        return schema.empty("room_days")
    return pl.concat(parts).filter(pl.col("value").is_not_null())


def _windows(K: pl.DataFrame, b: _Builder, mapping: ExportMapping) -> pl.DataFrame | None:
    spec = mapping.windows or {}
    col = _find(b.columns, spec.get("from", ()))
    if col is None:
        return None
    pid_key = next((k for k in b.values if k.endswith(".product_id")), None)
    w = (
        K.select(
            pl.col("__sid").alias("session_id"),
            (pl.col(pid_key) if pid_key else pl.lit(None, dtype=pl.String)).alias("product_id"),
            pl.col(col).str.split(";").alias("w"),
        )
        .explode("w")
        .with_columns(pl.col("w").str.strip_chars())
        .filter(pl.col("w").is_not_null() & (pl.col("w") != ""))
    )
    s, e, _bad = parsing.parse_range_series(w["w"])
    w = w.with_columns(s.alias("start_ts"), e.alias("end_ts"))
    return w.filter(pl.col("start_ts").is_not_null()).select(
        "session_id",
        "start_ts",
        pl.lit(spec.get("kind", "explain")).alias("kind"),
        "end_ts",
        "product_id",
    )


def _stub_sessions(
    K: pl.DataFrame, b: _Builder, mapping: ExportMapping, target: identity.Target | None = None
) -> pl.DataFrame:
    """A minimal sessions row for detail exports (lowest priority; the session list wins).

    Its end is the latest time the export shows (or the start when it shows none).
    """
    ts_keys = [
        k for k, v in K.schema.items() if isinstance(v, pl.Datetime) and not k.startswith("__")
    ]
    sid = K["__sid"]
    if sid.null_count() == 0 and bool(
        (sid == sid[0]).all()
    ):  # one session (the usual case): no group_by
        K = K.head(0).vstack(
            K.select(
                [pl.col(c).first() for c in K.columns if c not in ts_keys and c != "__start"]
                + [pl.col(c).max() for c in ts_keys]
                + [pl.col("__start").min()]
            ).select(K.columns)
        )
    room = pl.col("__acc").first() if "__acc" in K.columns else pl.col("__sid").first()
    extra = [pl.col("__acc").first().alias("account")] if "__acc" in K.columns else []
    platform = mapping.platform
    if target is not None and target.create:
        room, platform = pl.lit(target.room), target.platform
    g = K.group_by("__sid", maintain_order=True).agg(
        pl.lit(platform).alias("platform"),
        room.alias("room"),
        *extra,
        pl.col("__start").min().alias("start_ts"),
        *[pl.col(k).max().alias(f"__max{i}") for i, k in enumerate(ts_keys)],
    )
    last = [f"__max{i}" for i in range(len(ts_keys))]
    return (
        g.filter(pl.col("__sid").is_not_null())
        .with_columns(pl.max_horizontal("start_ts", *last).alias("end_ts"))
        .drop(last)
        .rename({"__sid": "session_id"})
    )


def _checks(K: pl.DataFrame, b: _Builder, mapping: ExportMapping, ctx: Context) -> pl.DataFrame:
    from helpers.metrics.definitions import RATIOS

    def key_of(name: str) -> str | None:
        for k in b.values:
            if k.split(".", 1)[1] == name and k in K.columns:
                return k
        return None

    parts = []
    pid = key_of("product_id")
    for chk in mapping.checks:
        metric = chk["metric"]
        vk, nk, dk = key_of(chk.get("value", metric)), key_of(chk["num"]), key_of(chk["den"])
        if not (vk and nk and dk):
            continue
        mult = float(chk.get("mult", RATIOS.get(metric, ("", "", 1.0))[2]))
        num, den, val = (
            pl.col(nk).cast(pl.Float64),
            pl.col(dk).cast(pl.Float64),
            pl.col(vk).cast(pl.Float64),
        )
        rec = pl.when(den > 0).then(num * mult / den).otherwise(None)
        base_tol = 0.0005 if mult == 1.0 else 0.01
        tol = base_tol + 0.005 * rec.abs()
        diff = (val - rec).abs()
        note = pl.lit(chk.get("note", ""))
        for an, ad, text in ALTERNATIVES.get(metric, []):
            ak, bk = key_of(an), key_of(ad)
            if ak and bk:
                alt = pl.col(ak).cast(pl.Float64) * mult / pl.col(bk).cast(pl.Float64)
                note = (
                    pl.when((diff > tol) & ((val - alt).abs() <= base_tol + 0.005 * alt.abs()))
                    .then(pl.lit(text))
                    .otherwise(note)
                )
        sid = pl.col("__sid") if "__sid" in K.columns else pl.lit(None, dtype=pl.String)
        parts.append(
            K.filter(val.is_not_null() & rec.is_not_null()).select(
                pl.lit(ctx.file).alias("file"),
                pl.lit(ctx.sheet, dtype=pl.String).alias("sheet"),
                pl.col("__row").alias("row"),
                sid.alias("session_id"),
                (
                    pl.col(pid).cast(pl.String)
                    if pid and chk.get("per") == "product"
                    else pl.lit(None, dtype=pl.String)
                ).alias("product_id"),
                pl.lit(metric).alias("metric"),
                pl.lit(b.headers.get(vk, "")).alias("source_column"),
                val.alias("platform_value"),
                rec.alias("recomputed"),
                num.alias("numerator"),
                den.alias("denominator"),
                diff.alias("abs_diff"),
                tol.alias("tolerance"),
                pl.when(diff <= tol)
                .then(pl.lit("ok"))
                .otherwise(pl.lit("mismatch"))
                .alias("status"),
                note.alias("note"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=CHECK_SCHEMA)
    return pl.concat(parts, how="vertical_relaxed")


def describe(value: Any) -> str:
    return "" if value is None else str(value)
