"""The files of a run: folders walked, content hashed (the ledger knows each export by its
sha256), the order they are read in, and a progress bar for large ones."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from helpers.ingest.outcome import FileResult
from helpers.ingest.readers import CSV_SUFFIXES, SUFFIXES, ReadError, Sheet, read_sheets


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_beside(path: Path, min_bytes: int = 8 << 20) -> bool:
    """Whether to read a file's head while it is hashed: a large CSV (whose blocks are read
    lazily, so a duplicate costs only its head)."""
    try:
        return path.suffix.lower() in CSV_SUFFIXES and os.path.getsize(path) >= min_bytes
    except OSError:
        return False


def _wanted(f: Path, root: Path) -> bool:
    """A file of a known type, not hidden, temporary or under a ``_`` folder."""
    rel = f.relative_to(root).parts
    return (
        f.is_file()
        and f.suffix.lower() in SUFFIXES
        and not any(x.startswith((".", "~$", "_")) for x in rel)
    )


def expand(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files to ingest, missing paths): folders are walked recursively, hidden and temp files
    skipped; a file named twice is read once."""
    files: list[Path] = []
    missing: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += [f for f in sorted(p.rglob("*")) if _wanted(f, p)]
        elif p.is_file():
            files.append(p)
        else:
            missing.append(p)
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, missing


def order_key(item: tuple[Path, Any, list[Sheet] | None]) -> tuple[int, str]:
    """Files that define sessions first (so shop orders can find their session by time)."""
    path, _r, sheets = item
    defines = any(s.mapping is not None and "sessions" in s.mapping.tables for s in sheets or [])
    needs = any(
        s.mapping is not None and s.mapping.session.get("assign_by_time") for s in sheets or []
    )
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        mtime = 0.0
    return (0 if defines else 2 if needs else 1, f"{mtime:020.6f}{path}")


def one_line(message: str, limit: int = 300) -> str:
    """An error as one line (library messages can span several), cut to ``limit`` characters."""
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def progress_bar(path: Path, min_bytes: int = 16 << 20) -> Any:
    """A byte progress bar on stderr for a large file (None for small files or without tqdm)."""
    size = os.path.getsize(path)
    if size < min_bytes:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with papermill
        return None
    return tqdm(total=size, desc=Path(path).name[:40], unit="B", unit_scale=True, leave=False)


def read_sheets_or_why(path: Path) -> tuple[list[Sheet] | None, str | None]:
    """The file's sheets, or the one line saying why it cannot be read."""
    try:
        return read_sheets(path), None
    except ReadError as exc:
        return None, one_line(str(exc))
    except Exception as exc:  # a file that cannot be read at all: one clear line
        return None, one_line(f"cannot read the file: {type(exc).__name__}: {exc}")


def _no_mapping(r: FileResult, sheets: list[Sheet]) -> None:
    heads = "; ".join(f"{s.name or 'csv'}: {', '.join(s.headers[:8])}" for s in sheets)
    r.status = "rejected"
    r.errors = [f"no known export type recognised by its headers ({heads or 'no data'})"]


class Reader:
    """Reading a run's files: hashed (the ledger knows each export by its sha256; a duplicate is
    reported, not read), their sheets found (mixed into the run, which holds the state)."""

    ledger: dict[str, dict[str, Any]]
    seen: dict[str, str]  # sha256 -> path of this run's files
    sizes: set[int]
    hashing: dict[str, tuple[FileResult, Future[str]]]
    _pool: ThreadPoolExecutor
    target: Any
    rooms: Any

    def _duplicate(self, r: FileResult) -> dict[str, Any] | None:
        """The ledger entry (or file of this run) with the same content, if it is not read again."""
        sha = r.sha256 or ""
        dup = self.ledger.get(sha) or ({"path": self.seen[sha]} if sha in self.seen else None)
        if dup is not None and sha not in self.seen and self._may_place_now(dup):
            r.notes.append(
                f"read again: {dup.get('rows_quarantined')} row(s) were quarantined when it "
                "was first ingested, and this run has a rooms file or --session to place them"
            )
            return None
        return dup

    def read(self, path: Path) -> tuple[FileResult, list[Sheet] | None]:
        """The file's result so far and its sheets (None when it is a duplicate or unreadable).

        A large CSV no stored or earlier file matches in size cannot be a duplicate: it is hashed
        in a thread while it is read and applied (:meth:`_hash_of` waits for it where needed)."""
        r = FileResult(path=str(path))
        if not self._same_size(path) and hash_beside(path):
            self.hashing[r.path] = (r, self._pool.submit(sha256_file, path))
            return self._sheets(path, r)
        self._join_all()
        try:
            r.sha256 = sha256_file(path)
        except OSError as exc:
            r.status, r.errors = "rejected", [f"cannot read the file: {exc}"]
            return r, None
        dup = self._duplicate(r)
        if dup is not None:
            r.status, r.duplicate_of = "duplicate", dup["path"]
            r.export_type = dup.get("export_type")
            r.notes.append(
                f"same content as {dup['path']} (already ingested); nothing counted again"
            )
            return r, None
        self.seen[r.sha256] = str(path)
        return self._sheets(path, r)

    def _sheets(self, path: Path, r: FileResult) -> tuple[FileResult, list[Sheet] | None]:
        sheets, error = read_sheets_or_why(path)
        if sheets is not None and any(s.mapping for s in sheets):
            return r, sheets
        self._hash_of(r)
        self.seen.pop(r.sha256 or "", None)
        if sheets is None:
            r.status, r.errors = "rejected", [error or "cannot read the file"]
        else:
            _no_mapping(r, sheets)
        return r, None

    def _same_size(self, path: Path) -> bool:
        """Whether a stored or earlier file of this run has the size of ``path`` (noted)."""
        try:
            size = os.path.getsize(path)
        except OSError:
            return True  # read the usual way, which reports it
        same = size in self.sizes or any(e.get("size") == size for e in self.ledger.values())
        self.sizes.add(size)
        return same

    def _hash_of(self, r: FileResult) -> str:
        """The file's sha256, waiting for its hashing thread if it has one."""
        pending = self.hashing.pop(r.path, None)
        if pending is not None:
            r.sha256 = pending[1].result()
            self.seen[r.sha256] = r.path
        return r.sha256 or ""

    def _join_all(self) -> None:
        for r, _f in list(self.hashing.values()):
            self._hash_of(r)

    def _may_place_now(self, entry: dict[str, Any]) -> bool:
        """An already ingested file with quarantined rows is read again when this run brings
        identity it lacked (a rooms file or --session)."""
        brings = self.target is not None or bool(self.rooms.by_account)
        return bool(entry.get("rows_quarantined")) and brings
