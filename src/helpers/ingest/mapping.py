"""Declarative export-type mappings: which headers mean which canonical column, parsed how.

Each platform export type is one YAML file in ``helpers/resources/mappings/`` (see
``docs/ingest.md`` for the format). Adding a platform or a renamed column is a change there, not
here. Canonical CSV/Parquet (headers exactly the canonical column names) gets one generated mapping
per table from :mod:`helpers.data.schema`.

Detection is by headers only: a mapping matches a sheet when every ``detect`` group has one of its
headers present; among matches the one recognising the most headers wins (ties: higher priority).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from helpers.data import schema
from helpers.paths import RESOURCES, read_yaml

MAPPINGS_DIR = RESOURCES / "mappings"


def norm(header: Any) -> str:
    """Header normal form: NFKC (full-width brackets → ASCII), no surrounding or inner spaces."""
    text = unicodedata.normalize("NFKC", "" if header is None else str(header))
    return "".join(text.split()).lstrip("\ufeff")


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical (or auxiliary) field: the headers that carry it and how to parse them."""

    name: str
    aliases: tuple[str, ...] = ()
    parser: str = "string"
    opts: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    cumulative: tuple[str, ...] = ()
    const: Any = None
    default: Any = None
    offset_from: str | None = None

    @property
    def header(self) -> str:
        """The header a writer uses (the first alias)."""
        return (
            self.aliases[0]
            if self.aliases
            else (self.cumulative[0] if self.cumulative else self.name)
        )


def _spec(name: str, raw: dict[str, Any]) -> ColumnSpec:
    raw = dict(raw)
    aliases = tuple(raw.pop("from", ()) or ())
    cumulative = tuple(raw.pop("cumulative", ()) or ())
    parser = raw.pop("parser", "string")
    const = raw.pop("const", None)
    default = raw.pop("default", None)
    offset_from = raw.pop("offset_from", None)
    return ColumnSpec(name, aliases, parser, raw, cumulative, const, default, offset_from)


@dataclass(frozen=True)
class ExportMapping:
    """One export type: detection headers, session identity, tables and cross-checks."""

    id: str
    platform: str
    title: str
    priority: int
    detect: tuple[tuple[str, ...], ...]
    session: dict[str, Any]
    tables: dict[str, tuple[ColumnSpec, ...]]
    aux: tuple[ColumnSpec, ...] = ()
    checks: tuple[dict[str, Any], ...] = ()
    windows: dict[str, Any] | None = None
    total_labels: tuple[str, ...] = ()
    layout: str = "table"
    group: str | None = None
    room: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    keep_unmapped: bool = False
    streamable: bool = False
    keep: dict[str, Any] | None = None  # {column, values, reason}: other rows are quarantined
    source: str = ""

    @property
    def primary(self) -> str:
        """The table unknown extra columns are kept on."""
        return next(iter(self.tables))

    def specs(self) -> list[ColumnSpec]:
        return [s for specs in self.tables.values() for s in specs] + list(self.aux)

    def session_headers(self) -> list[str]:
        out: list[str] = []
        for key in ("account", "start", "range", "id", "column", "assign_by_time"):
            value = self.session.get(key, ()) or ()
            out += list(value) if isinstance(value, list | tuple) else []
        return out

    def known_headers(self) -> set[str]:
        """Every header this mapping reads (normalised)."""
        names: list[str] = [*self.session_headers(), *self.room, *self.date]
        for s in self.specs():
            names += [*s.aliases, *s.cumulative]
        if self.windows:
            names += list(self.windows.get("from", ()))
        return {norm(n) for n in names}

    def score(self, headers: set[str]) -> int | None:
        """How well a set of normalised headers fits; None when a detect group is absent."""
        for group in self.detect:
            if not any(norm(h) in headers for h in group):
                return None
        return len(self.known_headers() & headers)

    def header_of(self, table: str, column: str) -> str:
        """The header a writer uses for a canonical column of a table."""
        for s in self.tables[table]:
            if s.name == column:
                return s.header
        raise KeyError(f"{self.id}: no column {table}.{column}")


def _from_yaml(path: Path) -> ExportMapping:
    raw = read_yaml(path)
    tables = {t: tuple(_spec(n, v) for n, v in cols.items()) for t, cols in raw["tables"].items()}
    aux = tuple(_spec(n, v) for n, v in (raw.get("aux") or {}).items())
    return ExportMapping(
        id=raw["id"],
        platform=raw["platform"],
        title=raw.get("title", raw["id"]),
        priority=int(raw.get("priority", 50)),
        detect=tuple(tuple(g) for g in raw["detect"]),
        session=raw.get("session") or {},
        tables=tables,
        aux=aux,
        checks=tuple(raw.get("checks") or ()),
        windows=raw.get("windows"),
        total_labels=tuple(raw.get("total_labels") or ()),
        layout=raw.get("layout", "table"),
        group=raw.get("group"),
        room=tuple(raw.get("room") or ()),
        date=tuple(raw.get("date") or ()),
        keep_unmapped=bool(raw.get("keep_unmapped", False)),
        streamable=bool(raw.get("streamable", False)),
        keep=raw.get("keep"),
        source=str(path),
    )


def _kind_for(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Date():
        return "date"
    if dtype == pl.Boolean():
        return "bool"
    if dtype == pl.Int64():
        return "count"
    if dtype == pl.Float64():
        return "number"
    return "string"


def canonical_mappings() -> list[ExportMapping]:
    """One mapping per canonical table: headers are exactly the canonical column names."""
    out = []
    for t in schema.TABLES.values():
        if "session_id" not in t.dtypes and t.name != "room_days":
            continue
        cols = tuple(
            ColumnSpec(
                c.name,
                (c.name,),
                "text"
                if c.name in ("text", "label")
                else ("id" if c.name.endswith("_id") else _kind_for(c.dtype)),
            )
            for c in t.columns
            if c.name != "session_id"
        )
        detect = tuple((c,) for c in t.required)
        session = {"column": ["session_id"]} if "session_id" in t.dtypes else {}
        out.append(
            ExportMapping(
                id=f"canonical_{t.name}",
                platform="canonical",
                title=f"canonical {t.name} (CSV/Parquet with the model's headers)",
                priority=90 if t.name == "sessions" else 80,
                detect=detect,
                session=session,
                tables={t.name: cols},
                room=("room",) if t.name == "room_days" else (),
                date=("date",) if t.name == "room_days" else (),
                streamable=t.name == "viewers",  # as the viewer-level export: flat memory at 10M
                source="helpers.data.schema",
            )
        )
    return out


@cache
def load_mappings(directory: str | None = None) -> tuple[ExportMapping, ...]:
    """Every export-type mapping: the YAML files plus the generated canonical ones."""
    d = Path(directory) if directory else MAPPINGS_DIR
    found = [_from_yaml(p) for p in sorted(d.glob("*.yaml"))]
    return (*found, *canonical_mappings())


def get_mapping(mapping_id: str) -> ExportMapping:
    for m in load_mappings():
        if m.id == mapping_id:
            return m
    raise KeyError(f"unknown export type {mapping_id!r}")


def detect(headers: list[str] | set[str], *, layout: str | None = None) -> ExportMapping | None:
    """The best-fitting mapping for a sheet's headers (None when nothing fits)."""
    hs = {norm(h) for h in headers if h is not None}
    best: tuple[int, int, str] | None = None
    found: ExportMapping | None = None
    for m in load_mappings():
        wanted = m.layout == layout if layout else m.layout in ("table", "keyvalue")  # not captures
        if not wanted:
            continue
        sc = m.score(hs)
        if sc is None:
            continue
        if m.platform == "canonical":
            # canonical only when (nearly) every header is a canonical column name
            extra = hs - m.known_headers() - {"session_id", "platform", "date"}
            if len(extra) > len(hs) // 2:
                continue
        key = (sc, m.priority, m.id)
        if best is None or key > best:
            best, found = key, m
    return found
