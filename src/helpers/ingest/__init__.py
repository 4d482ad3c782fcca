"""Ingest: real platform exports in, canonical Parquet out, nothing lost and nothing counted twice.

    >>> raw, store = Path("data/sample/raw"), Path("data/processed/store")  # doctest: +SKIP
    >>> outcome = ingest_paths([raw], store)  # doctest: +SKIP
    >>> print(outcome.table())  # doctest: +SKIP

- :mod:`.mapping`: declarative export types (``helpers/resources/mappings/*.yaml``), detected by
  their headers
- :mod:`.readers`: encodings, title rows, sheets, chunked CSV; :mod:`.fast`: canonical CSV typed
  by polars' casts
- :mod:`.parsing` (:mod:`.cells`, :mod:`.parse_time`): the value parsers
- :mod:`.apply`: one block through its mapping (:mod:`.skip`, :mod:`.builder`,
  :mod:`.session_key`, :mod:`.quarantine`, :mod:`.derived`, :mod:`.crosscheck`)
- :mod:`.run`: the run (:mod:`.inputs`, :mod:`.assemble`, :mod:`.sink`, :mod:`.staging`), the
  ledger and the atomic commit (:class:`helpers.data.store.Transaction`); :mod:`.outcome`: what
  it reports
- :mod:`.identity`, :mod:`.rooms`: sessions found by time, by the rooms file, or by ``--session``
- :mod:`.captures`: live-comment captures and host transcripts, recognised by content
- :mod:`.report`: what the 10-ingest notebook shows (quarantine, cross-checks, store contents)

Stage: ingest. May import the foundation (paths, data, metrics, present).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers.data.schema import TZ
from helpers.ingest.report import load_checks, load_quarantine, store_contents
from helpers.ingest.run import FileResult, IngestOutcome, ingest_paths

__all__ = [
    "FileResult",
    "IngestOutcome",
    "cli_ingest",
    "ingest_paths",
    "load_checks",
    "load_quarantine",
    "store_contents",
]


def parse_start(text: str | None) -> datetime | None:
    """``--start``: "2026-11-18 20:00" (or with seconds, or 2026/11/18) in China time."""
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=ZoneInfo(TZ))
        except ValueError:
            continue
    raise ValueError(f'--start {text!r}: expected "YYYY-MM-DD HH:MM" (China time)')


def cli_ingest(args: argparse.Namespace) -> int:
    """``workbook ingest PATH... [--store DIR] [--json] [--session ID] [--room NAME --start TIME]
    [--rooms FILE]``: 0 unless a file was rejected whole. Relative paths are relative to the cwd."""
    from helpers.ingest.rooms import default_rooms_path
    from helpers.paths import default_store, from_cwd

    store = from_cwd(args.store) if args.store else default_store()
    paths = [from_cwd(p) for p in args.paths]
    rooms = from_cwd(args.rooms) if getattr(args, "rooms", None) else default_rooms_path()
    outcome = ingest_paths(
        paths,
        store,
        progress=not args.json and sys.stderr.isatty(),
        session=getattr(args, "session", None),
        room=getattr(args, "room", None),
        start=parse_start(getattr(args, "start", None)),
        platform=getattr(args, "platform", None) or "douyin",
        rooms=rooms,
    )
    if args.json:
        print(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        print(outcome.table())
        for f in outcome.files:
            for e in f.errors:
                print(f"{Path(f.path).name}: {e}", file=sys.stderr)
    return 0 if outcome.ok else 1
