"""One file's canonical tables from its blocks: stacked, cumulative series differenced, keys seen
twice in the file set aside (the first row wins), one stub sessions row per session."""

from __future__ import annotations

import polars as pl

from helpers.data import schema
from helpers.ingest.mapping import ExportMapping
from helpers.ingest.readers import Sheet
from helpers.ingest.records import Q_SCHEMA, Applied
from helpers.ingest.sink import repeats

Apps = list[tuple[Sheet, ExportMapping, Applied]]
# tables whose repeated keys are merged elsewhere (or meant): not set aside as duplicates
UNCHECKED = ("sessions", "session_totals", "room_days", "events")
EVENT_KEY = ["session_id", "start_ts", "kind", "product_id"]


def _stacked(apps: Apps) -> dict[str, pl.DataFrame]:
    """Each table's frames of all blocks, stacked; cumulative series made per minute."""
    frames: dict[str, list[pl.DataFrame]] = {}
    cumulative: dict[str, set[str]] = {}
    for _s, _m, a in apps:
        for t, df in a.tables.items():
            frames.setdefault(t, []).append(df)
        for t, cols in a.cumulative.items():
            cumulative.setdefault(t, set()).update(cols)
    out = {t: pl.concat(parts, how="diagonal_relaxed") for t, parts in frames.items()}
    if "trend" in out and cumulative.get("trend"):
        out["trend"] = difference(out["trend"], cumulative["trend"])
    return out


def difference(df: pl.DataFrame, cols: set[str]) -> pl.DataFrame:
    """Per-minute values from cumulative series (per session, in minute order)."""
    df = df.sort("session_id", "minute_ts")
    return df.with_columns(
        [
            (pl.col(c) - pl.col(c).shift(1).over("session_id")).fill_null(pl.col(c)).alias(c)
            for c in cols
            if c in df.columns
        ]
    )


def _key(table: str, df: pl.DataFrame) -> list[str]:
    """The key whose repeats within one file are set aside ([] when not checked)."""
    key = list(schema.TABLES[table].key) if table in schema.TABLES else []
    if table in UNCHECKED or not key or not all(k in df.columns for k in key):
        return []
    return key


def duplicate_records(path: str, repeated: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Quarantine records of the rows repeating an earlier row's key."""
    n = repeated.height
    value = pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=" | ")
    values = repeated.select(value).to_series().to_list() if n else []
    return pl.DataFrame(
        {
            "file": [path] * n,
            "sheet": [None] * n,
            "row": [None] * n,
            "column": [", ".join(key)] * n,
            "value": values,
            "expected": ["a key seen once per file"] * n,
            "reason": ["duplicate key (an earlier row has it)"] * n,
        },
        schema=Q_SCHEMA,
    )


def _one_stub_per_session(stub: pl.DataFrame) -> pl.DataFrame:
    """One stub sessions row per session across blocks (earliest start, latest end)."""
    others = [c for c in stub.columns if c not in ("session_id", "start_ts", "end_ts")]
    return stub.group_by("session_id", maintain_order=True).agg(
        *[pl.col(c).first() for c in others],
        pl.col("start_ts").min(),
        pl.col("end_ts").max(),
    )


def file_tables(
    apps: Apps, path: str
) -> tuple[dict[str, pl.DataFrame], dict[str, int], list[pl.DataFrame]]:
    """(tables, checked: rows per table whose keys are unique in the file, records of the
    repeats set aside in the file's main table). A repeat in another table is dropped."""
    tables = _stacked(apps)
    main = apps[0][1].primary if apps else None
    checked: dict[str, int] = {}
    records: list[pl.DataFrame] = []
    for t, df in list(tables.items()):
        key = _key(t, df)
        if not key:
            continue
        if repeats(df.lazy(), key):
            dup = df.select(~pl.struct(key).is_first_distinct()).to_series()
            tables[t] = df.filter(~dup)
            if t == main:
                records.append(duplicate_records(path, df.filter(dup), key))
        checked[t] = tables[t].height
    if "events" in tables:
        tables["events"] = tables["events"].unique(EVENT_KEY, keep="first", maintain_order=True)
    stub = tables.pop("sessions_stub", None)
    if stub is not None and "sessions" not in tables:
        tables["sessions_stub"] = _one_stub_per_session(stub)
    return tables, checked, records


def mapping_for(apps: Apps, table: str) -> str:
    """The export type a table's part is named after: the first mapping that produced it."""
    return next((m.id for _s, m, a in apps if table in a.tables), apps[0][1].id)


def priority(apps: Apps, table: str) -> int:
    """A part's priority in the merge: the mapping's own, lower for a table it only implies."""
    for _s, m, a in apps:
        if table in a.tables:
            return m.priority if table in m.tables else max(1, m.priority - 40)
    return 1
