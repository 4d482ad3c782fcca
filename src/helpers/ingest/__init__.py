"""Ingest: real platform exports in, canonical Parquet out, nothing lost and nothing counted twice.

    >>> outcome = ingest_paths([Path("data/sample/raw")], Path("data/processed/store"))  # doctest: +SKIP
    >>> print(outcome.table())  # doctest: +SKIP

- :mod:`.mapping`: declarative export types (``helpers/resources/mappings/*.yaml``), detection by headers
- :mod:`.readers`: encodings, title rows, sheets, chunked CSV
- :mod:`.apply`: parsing, session identity, quarantine with reasons, cross-check rows
- :mod:`.run`: the run, parts, merge, ledger and the atomic commit (:class:`helpers.store.Transaction`)
- :mod:`.report`: what the 10-ingest notebook shows (quarantine, cross-checks, store contents)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .report import load_checks, load_quarantine, store_contents
from .run import FileResult, IngestOutcome, ingest_paths

__all__ = [
    "FileResult",
    "IngestOutcome",
    "cli_ingest",
    "ingest_paths",
    "load_checks",
    "load_quarantine",
    "store_contents",
]


def cli_ingest(args: argparse.Namespace) -> int:
    """``workbook ingest PATH... [--store DIR] [--json]``: 0 unless a file was rejected whole."""
    from ..paths import default_store, resolve

    store = resolve(args.store) if args.store else default_store()
    paths = [resolve(p) if not Path(p).exists() else Path(p) for p in args.paths]
    outcome = ingest_paths(paths, store, progress=not args.json and sys.stderr.isatty())
    if args.json:
        print(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        print(outcome.table())
        for f in outcome.files:
            for e in f.errors:
                print(f"{Path(f.path).name}: {e}", file=sys.stderr)
    return 0 if outcome.ok else 1
