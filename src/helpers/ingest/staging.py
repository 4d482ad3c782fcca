"""Staging a run's output in its transaction: each file's contribution to a (table, session) as
a *part* (a newer export of the same type replaces the older part, which moves to ``_history/``),
then per (table, session) touched the parts merged into the canonical file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from helpers.data import schema
from helpers.data import store as st
from helpers.ingest.assemble import Apps, mapping_for, priority
from helpers.ingest.outcome import FileResult
from helpers.ingest.sink import check_required


def by_session(df: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """The frame's rows per session (one session, the usual case: the frame itself)."""
    sid = df["session_id"]
    if sid.null_count() == 0 and bool((sid == sid[0]).all()):
        return [(sid[0], df)]
    parts = df.partition_by("session_id", as_dict=True, maintain_order=True)
    return [(s, part) for (s,), part in parts.items()]


def conformed(table: str, df: pl.DataFrame, key_checked: bool) -> pl.DataFrame:
    """The frame as the model types it; checked like :func:`schema.validate` (the key only when
    the file's repeats were not already set aside)."""
    if not key_checked:
        return schema.validate(table, df)
    out = schema.conform(table, df)
    check_required(table, out)
    return out


class Staging:
    """The parts and canonical files of a run (mixed into the run, which holds the state)."""

    root: Path
    txn: st.Transaction
    ledger: dict[str, dict[str, Any]]
    # (table, entity name, part rel path) -> (part rel path, source file, priority)
    staged_parts: dict[tuple[str, str, str], tuple[str, str, int]]
    touched: dict[tuple[str, str], str]  # (table, entity) -> platform of a room-level part
    batch_sessions: list[pl.DataFrame]

    # -- parts ----------------------------------------------------------------------------
    def _hash_of(self, r: FileResult) -> str:
        """The file's sha256 (the run waits for it when it is still being computed)."""
        return r.sha256 or ""

    def _retire_stored(self, r: FileResult, table: str, entity: str, prefix: str, rel: str) -> None:
        """An earlier stored export of the same type for the same entity moves to history."""
        for old in st.part_files(self.root, table, entity):
            old_rel = old.relative_to(self.root).as_posix()
            if not old.name.startswith(prefix) or old_rel == rel or old_rel in self.txn.retire:
                continue
            self.txn.move_to_history(old_rel)
            sha = old.stem.rsplit("--", 1)[-1]
            prev = next((e for e in self.ledger.values() if e["sha256"][:12] == sha), None)
            if not prefix.endswith("~stub--"):
                r.replaced.append(
                    {
                        "table": table,
                        "session": entity,
                        "path": prev["path"] if prev else old_rel,
                        "sha256": prev["sha256"] if prev else "",
                    }
                )

    def _unstage_earlier(
        self, r: FileResult, table: str, entity: str, prefix: str, rel: str
    ) -> None:
        """An export of the same type staged earlier in this run is replaced by this one."""
        ent = st.entity_name(entity)
        for key, (prev_rel, prev_path, _p) in list(self.staged_parts.items()):
            name = prev_rel.split("/")[-1]
            if key[:2] == (table, ent) and name.startswith(prefix) and prev_rel != rel:
                self.txn.unstage(prev_rel)
                del self.staged_parts[key]
                if not prefix.endswith("~stub--"):
                    r.replaced.append(
                        {"table": table, "session": entity, "path": prev_path, "sha256": ""}
                    )

    def _part_rel(self, r: FileResult, table: str, entity: str, export_type: str, prio: int) -> str:
        """The staged part path of what file ``r`` contributes to (table, entity); replaces
        older ones of the same export type."""
        ent = st.entity_name(entity)
        prefix = f"{prio:03d}-{export_type}--"
        rel = f"{st.PARTS}/{table}/{ent}/{prefix}{self._hash_of(r)[:12]}.parquet"
        self._retire_stored(r, table, entity, prefix, rel)
        self._unstage_earlier(r, table, entity, prefix, rel)
        self.staged_parts[(table, ent, rel)] = (rel, r.path, prio)
        self.touched[(table, entity)] = self.touched.get((table, entity), "")
        return rel

    def _stage_part(
        self,
        r: FileResult,
        table: str,
        entity: str,
        export_type: str,
        prio: int,
        df: pl.DataFrame,
        platform: str | None = None,
    ) -> None:
        rel = self._part_rel(r, table, entity, export_type, prio)
        self.txn.write_parquet(rel, df)
        self.touched[(table, entity)] = platform or ""

    def _stage_room_days(
        self, r: FileResult, df: pl.DataFrame, export_type: str, prio: int
    ) -> None:
        """Room × day metrics: one part per room and day."""
        days = df.partition_by(["room", "date"], as_dict=True, maintain_order=True)
        for (room, day), part in days.items():
            part = schema.validate("room_days", part)
            plat = r.platform or "unknown"
            self._stage_part(r, "room_days", f"{room}|{day}", export_type, prio, part, plat)
        r.tables["room_days"] = r.tables.get("room_days", 0) + df.height

    def _stage_rooms(self, r: FileResult, df: pl.DataFrame, export_type: str, prio: int) -> None:
        """Stage a portrait: per session when it names one, else per room and first day."""
        dates = ("date_from", "date_to")
        df = df.with_columns(
            pl.lit(None, dtype=pl.Date).alias(c) for c in dates if c not in df.columns
        )
        df = schema.validate("audience_profile", df)
        day = pl.col("date_from").cast(pl.String).fill_null("1970-01-01")  # undated: one partition
        ent = pl.coalesce("session_id", pl.concat_str("room", pl.lit("|"), day)).alias("__ent")
        parts = df.with_columns(ent).partition_by("__ent", as_dict=True, maintain_order=True)
        for (e,), part in parts.items():
            part = part.drop("__ent")
            dims = "+".join(sorted(part["dimension"].unique().to_list()))
            kind = f"{export_type}-{dims}"  # one part per dimension set: one file per dimension
            plat = None if part["session_id"].is_not_null().any() else r.platform or "douyin"
            self._stage_part(r, "audience_profile", e, kind, prio, part, platform=plat)
        r.tables["audience_profile"] = r.tables.get("audience_profile", 0) + df.height

    def stage_tables(
        self, r: FileResult, tables: dict[str, pl.DataFrame], checked: dict[str, int], apps: Apps
    ) -> set[str]:
        """Validate and stage a file's tables per (table, entity); returns the sessions."""
        sessions: set[str] = set()
        for t, df in tables.items():
            if df.height == 0:
                continue
            stub = t == "sessions_stub"
            canon = "sessions" if stub else t
            export_type = f"{mapping_for(apps, t)}{'~stub' if stub else ''}"
            prio = 0 if stub else priority(apps, t)
            if canon == "room_days":
                self._stage_room_days(r, df, export_type, prio)
                continue
            if canon == "audience_profile":
                self._stage_rooms(r, df, export_type, prio)
                continue
            df = conformed(canon, df, key_checked=t in checked)
            if canon == "sessions":
                self.batch_sessions.append(df.select("session_id", "start_ts", "end_ts"))
            for sid, part in by_session(df):
                sessions.add(sid)
                self._stage_part(r, canon, sid, export_type, prio, part)
            if not stub:
                r.tables[canon] = r.tables.get(canon, 0) + df.height
        return sessions

    # -- canonical files ------------------------------------------------------------------
    def _parts_of(self, table: str, entity: str) -> list[Path]:
        ent = st.entity_name(entity)
        stored = [
            p
            for p in st.part_files(self.root, table, entity)
            if p.relative_to(self.root).as_posix() not in self.txn.retire
        ]
        staged = [self.txn.put[rel] for (t, e, rel) in self.staged_parts if t == table and e == ent]
        # order: priority (file name prefix) descending, then newest first
        return sorted([*stored, *staged], key=lambda p: (-int(p.name[:3]), p.name))

    def _merged(self, table: str, entity: str) -> pl.DataFrame:
        parts = [pl.read_parquet(p) for p in self._parts_of(table, entity)]
        return schema.validate(table, st.merge_parts(table, parts))

    def finalize(self) -> None:
        """Every (table, entity) touched: its parts merged into its canonical file (sessions
        first: they decide each session's partition)."""
        where: dict[str, tuple[str, str]] = {}
        for table, entity in sorted(self.touched):
            if table == "sessions":
                merged = self._merged("sessions", entity)
                row = merged.row(0, named=True)
                where[entity] = (row["platform"], row["start_ts"].date().isoformat())
                self._write_canonical("sessions", entity, merged, *where[entity])
        for (table, entity), platform in sorted(self.touched.items()):
            if table == "sessions":
                continue
            if table == "room_days" or (table == "audience_profile" and platform):
                plat, date = platform or "unknown", entity.rsplit("|", 1)[1]
            else:
                if entity not in where:
                    where[entity] = self._stored_where(entity)
                plat, date = where[entity]
            parts = self._parts_of(table, entity)
            if len(parts) == 1 and not set(st.PARTITION_COLUMNS) & set(
                pl.read_parquet_schema(parts[0])
            ):  # one part that is already the canonical file: linked, not written again
                self._write_canonical(table, entity, None, plat, date, src=parts[0])
            else:
                self._write_canonical(table, entity, self._merged(table, entity), plat, date)

    def _stored_where(self, entity: str) -> tuple[str, str]:
        files = st.canonical_files(self.root, "sessions", entity)
        if not files:  # pragma: no cover - every session has at least a stub part
            raise schema.SchemaError(f"session {entity!r} has no sessions row")
        parts = files[0].relative_to(self.root).parts
        return parts[1].split("=", 1)[1], parts[2].split("=", 1)[1]

    def _write_canonical(
        self,
        table: str,
        entity: str,
        df: pl.DataFrame | None,
        platform: str,
        date: str,
        *,
        src: Path | None = None,
    ) -> None:
        rel = f"{table}/platform={platform}/date={date}/{st.entity_name(entity)}.parquet"
        for old in st.canonical_files(self.root, table, entity):
            old_rel = old.relative_to(self.root).as_posix()
            if old_rel != rel:
                self.txn.remove(old_rel)
        if src is not None:
            self.txn.link(rel, src)
        elif df is not None:
            self.txn.write_parquet(
                rel, df.drop([c for c in st.PARTITION_COLUMNS if c in df.columns])
            )
