"""The canonical frames of a block's kept rows: one per table of the mapping, plus the long
tables (session totals, room days), the explain windows as events and the stub sessions row."""

from __future__ import annotations

import polars as pl

from helpers.data import schema
from helpers.ingest import identity, parsing
from helpers.ingest.builder import Builder, find
from helpers.ingest.mapping import ColumnSpec, ExportMapping

_NONE = pl.lit(None, dtype=pl.String)


def _long(
    K: pl.DataFrame, table: str, ids: list[pl.Expr], specs: list[ColumnSpec], b: Builder
) -> list[pl.DataFrame]:
    """One (ids, metric, value, source_column) frame per field of a long table."""
    return [
        K.select(
            *ids,
            pl.lit(s.name).alias("metric"),
            pl.col(f"{table}.{s.name}").cast(pl.Float64).alias("value"),
            pl.lit(b.headers.get(f"{table}.{s.name}", s.header)).alias("source_column"),
        )
        for s in specs
    ]


def totals(K: pl.DataFrame, specs: list[ColumnSpec], b: Builder) -> pl.DataFrame:
    parts = _long(K, "session_totals", [pl.col("__sid").alias("session_id")], specs, b)
    if not parts:
        return schema.empty("session_totals")
    return pl.concat(parts).filter(pl.col("value").is_not_null())


def room_days(
    K: pl.DataFrame, specs: list[ColumnSpec], b: Builder, extras: list[str]
) -> pl.DataFrame:
    """Room × day metrics; ``extras`` are unmapped columns kept as metrics of their own name."""
    ids = [pl.col("__room").alias("room"), pl.col("__date").alias("date")]
    parts = _long(K, "room_days", ids, specs, b)
    for c in extras:
        value = parsing.parse_series(K[c], "number", percent=True).values
        parts.append(
            K.select(
                *ids,
                pl.lit(c).alias("metric"),
                value.alias("value"),
                pl.lit(c).alias("source_column"),
            )
        )
    if not parts:
        return schema.empty("room_days")
    return pl.concat(parts).filter(pl.col("value").is_not_null())


def events(K: pl.DataFrame, b: Builder, mapping: ExportMapping) -> pl.DataFrame | None:
    """Explain windows ("20:05-20:12;20:40-20:44" per product) as events of the mapping's kind."""
    spec = mapping.windows or {}
    col = find(b.columns, spec.get("from", ()))
    if col is None:
        return None
    pid_key = next((k for k in b.values if k.endswith(".product_id")), None)
    w = (
        K.select(
            pl.col("__sid").alias("session_id"),
            (pl.col(pid_key) if pid_key else _NONE).alias("product_id"),
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


def stub_sessions(
    K: pl.DataFrame, mapping: ExportMapping, target: identity.Target | None = None
) -> pl.DataFrame:
    """A minimal sessions row for detail exports (lowest priority; the session list wins).

    Its end is the latest time the export shows (or the start when it shows none).
    """
    ts_keys = [
        k for k, v in K.schema.items() if isinstance(v, pl.Datetime) and not k.startswith("__")
    ]
    sid = K["__sid"]
    if sid.null_count() == 0 and bool((sid == sid[0]).all()):  # one session: no group_by
        one = [pl.col(c).first() for c in K.columns if c not in ts_keys and c != "__start"]
        one += [pl.col(c).max() for c in ts_keys] + [pl.col("__start").min()]
        K = K.head(0).vstack(K.select(one).select(K.columns))
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


def _row_table(
    K: pl.DataFrame,
    table: str,
    present: list[ColumnSpec],
    b: Builder,
    extras: list[str],
) -> pl.DataFrame:
    """A row-level table (one row per kept row): session id, the fields the file has, extras."""
    m, target = b.m, b.ctx.target
    cols = [(pl.col("__sid") if "__sid" in K.columns else _NONE).alias("session_id")]
    if table == "audience_profile" and target is not None:  # the room of --session/--room
        room = pl.col(f"{table}.room") if f"{table}.room" in b.values else _NONE
        cols.append(pl.coalesce(room, pl.lit(target.room or target.session_id)).alias("room"))
        present = [p for p in present if p.name != "room"]
    if table == "sessions" and "platform" not in {s.name for s in present}:
        cols.append(pl.lit(m.platform).alias("platform"))
    cols += [pl.col(f"{table}.{s.name}").alias(s.name) for s in present]
    if table == m.primary:
        cols += [pl.col(c) for c in extras]
    frame = K.select(cols)
    if table == "sessions":
        frame = frame.unique("session_id", keep="first", maintain_order=True)
    return frame


def tables(K: pl.DataFrame, b: Builder, extras: list[str]) -> dict[str, pl.DataFrame]:
    """Every canonical frame of the kept rows ``K`` (``extras``: unmapped columns to keep)."""
    m = b.m
    out: dict[str, pl.DataFrame] = {}
    for table, specs in m.tables.items():
        present = [s for s in specs if f"{table}.{s.name}" in b.values]
        if table == "session_totals":
            out[table] = totals(K, present, b)
        elif table == "room_days":
            out[table] = room_days(K, present, b, extras if m.keep_unmapped else [])
        else:
            out[table] = _row_table(K, table, present, b, extras)
    if m.windows:
        ev = events(K, b, m)
        if ev is not None and ev.height:
            out["events"] = ev
    if "sessions" not in m.tables and "__start" in K.columns:
        out["sessions_stub"] = stub_sessions(K, m, b.ctx.target)
    return out
