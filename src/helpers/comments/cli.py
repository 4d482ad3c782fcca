"""``workbook comments classify FILE.csv --text-column COL --out OUT.csv [--mode live|review]``.

Reads any CSV (UTF-8, UTF-8 with BOM or GB18030 — the encodings Chinese exports use), keeps every
column as text, and adds ``intent``, ``intent_group``, ``sentiment`` and ``tokens`` (space-joined).
The output is UTF-8 with a BOM so Excel opens it correctly. ``--mode review`` (商品评价) gives every
non-empty text a sentiment; the default ``live`` leaves questions and greetings without one.
"""

from __future__ import annotations

import argparse
import io
import logging
from pathlib import Path

import polars as pl

from helpers.comments.classify import classify_frame

log = logging.getLogger(__name__)

ENCODINGS = ("utf-8-sig", "gb18030")


def read_csv_any(path: str | Path) -> tuple[pl.DataFrame, str]:
    """Read a CSV with every column as text, detecting the encoding; returns (frame, encoding)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such file")
    raw = p.read_bytes()
    for enc in ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        df = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=True)
        return df, enc
    raise ValueError(f"{p}: not UTF-8 or GB18030 text")


def classify_csv(
    path: str | Path, text_column: str, out: str | Path, *, mode: str = "live"
) -> pl.DataFrame:
    """Classify the text column of a CSV and write the result (tokens joined by spaces)."""
    df, enc = read_csv_any(path)
    if text_column not in df.columns:
        raise ValueError(
            f"{path}: no column {text_column!r} (columns: {', '.join(df.columns) or 'none'})"
        )
    log.info("%s: %d rows, encoding %s", path, df.height, enc)
    result = classify_frame(df, text_column, mode=mode)
    flat = result.with_columns(pl.col("tokens").list.join(" "))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    flat.write_csv(out, include_bom=True)
    return result


def cli_classify(args: argparse.Namespace) -> int:
    """CLI entry: prints the intent mix and where the file went."""
    result = classify_csv(args.file, args.text_column, args.out, mode=getattr(args, "mode", "live"))
    mix = result.group_by("intent_group").len().sort("len", descending=True)
    print(f"{args.out}: {result.height} rows classified")
    for group, n in mix.iter_rows():
        print(f"  {group:<12} {n:>8}")
    return 0
