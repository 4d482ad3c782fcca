"""Reading export files into blocks of string cells: encodings, title rows, sheets, chunks.

- CSV: the encoding is sniffed (UTF-8 BOM, UTF-16 BOM, UTF-8, else GB18030, a superset of GBK);
  the header is the line among the first 40 that best fits a known mapping (title rows above it
  are skipped); large files are read in chunks of whole lines, so memory stays flat.
- xlsx: every sheet is read as strings (fastexcel/calamine); a sheet is either a table (header row
  found the same way) or a vertical key/value sheet (基本信息).
- Parquet: read typed; canonical Parquet needs no parsing.

The raw file is only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import polars as pl

from helpers.ingest import transcode
from helpers.ingest.mapping import ExportMapping, detect, norm
from helpers.ingest.portrait import to_long, wide_columns

log = logging.getLogger(__name__)

CHUNK_BYTES = 32 * 1024 * 1024
# the first chunk is smaller: the parsing starts while the reader is still on the second
FIRST_CHUNK_BYTES = 4 * 1024 * 1024
HEAD_LINES = 40
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
CAPTURE_SUFFIXES = {
    ".json",
    ".jsonl",
    ".srt",
    ".vtt",
}  # captures, transcripts (also .txt/.tsv/.csv)
SUFFIXES = CSV_SUFFIXES | XLSX_SUFFIXES | PARQUET_SUFFIXES | CAPTURE_SUFFIXES


class ReadError(ValueError):
    """A file that cannot be read at all (the message is the one error line reported)."""


@dataclass
class Block:
    """Consecutive data rows of one sheet, columns named by the (de-duplicated) header texts."""

    frame: pl.DataFrame
    first_row: int
    kv_rows: dict[str, int] = field(default_factory=dict)
    nbytes: int = 0  # raw bytes the block came from (progress bars)
    skip: pl.Series | None = None  # why each row is not data, when already known (the fast path)


@dataclass
class Sheet:
    """One table in a file: its name (None for CSV), header, detected mapping and its blocks."""

    name: str | None
    header_row: int
    headers: list[str]
    mapping: ExportMapping | None
    blocks: Iterator[Block]
    layout: str = "table"
    skipped_above: int = 0
    base_ts: datetime | None = None  # start of the recording relative times count from
    # CSV: how a chunk of whole lines (UTF-8 bytes, its first file row, its size in the file)
    # becomes a block, read when the blocks are; the fast path replaces it (:mod:`.fast`)
    chunk_block: Callable[[bytes, int, int], Block] | None = None
    sep: str = ","
    # CSV in UTF-8 without a byte-order mark: the file, whose bytes are its chunks' bytes
    utf8_path: Path | None = None


def sniff_encoding(path: Path) -> str:
    """utf-8-sig, utf-16, utf-8 or gb18030 from the first megabyte."""
    with open(path, "rb") as f:
        head = f.read(1 << 20)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise ReadError(f"unknown text encoding (not UTF-8, UTF-16 or GB18030): {exc}") from None


def dedupe(headers: Sequence[str | None]) -> list[str]:
    """Unique column names: blanks become column_N, repeats get a _2, _3 suffix."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        name = (h or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def find_header(
    rows: Sequence[Sequence[str | None]], *, min_score: int = 2
) -> tuple[int, ExportMapping | None]:
    """Index of the header row among ``rows`` and its mapping (best score; first on ties)."""
    best: tuple[int, int, ExportMapping | None] = (-1, 0, None)
    for i, row in enumerate(rows[:HEAD_LINES]):
        cells = [c for c in row if c not in (None, "")]
        if len(cells) < 2:
            continue
        m = detect(cells, layout="table")
        if m is None:
            continue
        score = m.score({norm(c) for c in cells}) or 0
        if score >= min_score and score > best[1]:
            best = (i, score, m)
    if best[2] is None:
        # no known export: take the first row with the most cells as the header
        widths = [len([c for c in r if c not in (None, "")]) for r in rows[:HEAD_LINES]]
        if not widths:
            return 0, None
        return widths.index(max(widths)), None
    return best[0], best[2]


# ---------------------------------------------------------------------------------------- CSV


def _to_utf8(chunk: bytes, encoding: str) -> bytes:
    if encoding in ("utf-8", "utf-8-sig"):
        return chunk
    return chunk.decode(encoding, errors="replace").encode("utf-8")


def _read_text_csv(data: bytes, sep: str) -> pl.DataFrame:
    return pl.read_csv(
        data, has_header=False, infer_schema=False, separator=sep, truncate_ragged_lines=True
    )


def _csv_frame(data: bytes, names: list[str], sep: str) -> pl.DataFrame:
    """Rows of a chunk as strings under ``names``; cells beyond the header go to column_N."""
    if not data.strip():
        return pl.DataFrame(schema=dict.fromkeys(names, pl.String))
    try:
        df = _read_text_csv(data, sep)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc):
            raise
        # a broken byte in a UTF-8 export (a cut download): replaced, as every other encoding's are
        df = _read_text_csv(data.decode("utf-8", errors="replace").encode("utf-8"), sep)
    cols = list(names[: df.width]) + [f"column_{i + 1}" for i in range(len(names), df.width)]
    df.columns = cols
    if df.width < len(names):
        df = df.with_columns([pl.lit(None, dtype=pl.String).alias(n) for n in names[df.width :]])
    return df


def _opener(path: Path, encoding: str) -> tuple[Callable[[], BinaryIO], str]:
    """How to open the file's bytes again and again, and their encoding from there on."""
    if encoding != "utf-16":
        return (lambda: open(path, "rb")), encoding
    # not splittable at byte 0x0A: decode whole (UTF-16 exports are small)
    raw = path.read_bytes().decode("utf-16").encode("utf-8")
    return (lambda: io.BytesIO(raw)), "utf-8"


def _head(path: Path, opener: Callable[[], BinaryIO], encoding: str) -> tuple[list[list[str]], str]:
    """The first lines as cells, and the separator (tab for .tsv or a tab-separated first line)."""
    with opener() as f:
        head_bytes = f.read(256 * 1024)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    lines = decoder.decode(head_bytes, final=False).lstrip("\ufeff").splitlines()[:HEAD_LINES]
    tabs = lines and lines[0].count("\t") > lines[0].count(",")
    sep = "\t" if path.suffix.lower() == ".tsv" or tabs else ","
    return list(csv.reader(lines, delimiter=sep)), sep


def _chunks(
    opener: Callable[[], BinaryIO], encoding: str, skip_lines: int, chunk_bytes: int
) -> Iterator[tuple[bytes, int]]:
    """The file after its first ``skip_lines`` lines, in UTF-8 chunks of whole lines (with the
    size of each chunk in the file); a large file in another encoding is decoded by a child
    process (:mod:`.transcode`). The first chunk is at most :data:`FIRST_CHUNK_BYTES`."""
    first = min(chunk_bytes, FIRST_CHUNK_BYTES)
    with opener() as f:
        if encoding == "utf-8-sig":
            f.read(3)
        for _ in range(skip_lines):
            f.readline()
        if encoding not in ("utf-8", "utf-8-sig") and isinstance(f, io.BufferedReader):
            start = f.tell()
            big = os.fstat(f.fileno()).st_size - start > transcode.TRANSCODE_BYTES
            child = (
                transcode.utf8_chunks(Path(f.name), start, encoding, chunk_bytes, first)
                if big
                else None
            )
            if child is not None:
                yield from child
                return
        rest, back, size = b"", 0, first
        while data := f.read(size + back):
            data, size = (rest + data if rest else data), chunk_bytes
            cut = data.rfind(b"\n")
            if cut < 0:  # a line longer than a chunk: read on
                rest, back = data, 0
                continue
            # the partial last line is read again, ahead of the next chunk (one copy fewer)
            rest, back = b"", len(data) - cut - 1
            if back:
                f.seek(-back, io.SEEK_CUR)
                data = data[: cut + 1]
            yield _to_utf8(data, encoding), len(data)
        if rest.strip():
            yield _to_utf8(rest, encoding), len(rest)


def _wide_sheet(
    opener: Callable[[], BinaryIO], encoding: str, idx: int, headers: list[str], sep: str
) -> Sheet | None:
    """A wide 人群画像 sheet (small) read whole and made long; None when it is not one."""
    with opener() as f:
        text = f.read().decode(encoding, errors="replace").lstrip("\ufeff")
    body = _csv_frame("\n".join(text.splitlines()[idx + 1 :]).encode("utf-8"), headers, sep)
    long = to_long(body, headers)
    if long is None:
        return None
    found = detect(list(long.columns), layout="table")
    blocks = iter([Block(long, idx + 2)])
    return Sheet(None, idx + 1, list(long.columns), found, blocks, skipped_above=idx)


def read_csv(path: Path, *, chunk_bytes: int | None = None, ahead: bool = True) -> Sheet:
    """A CSV file as one sheet whose blocks are chunks of whole lines (read ``ahead`` in a
    thread, :func:`prefetch`)."""
    opener, encoding = _opener(path, sniff_encoding(path))
    rows, sep = _head(path, opener, encoding)
    if not rows:
        raise ReadError("empty file")
    idx, mapping = find_header(rows)
    headers = dedupe(rows[idx])
    header_row = idx + 1
    if mapping is None and wide_columns(headers):
        wide = _wide_sheet(opener, encoding, idx, headers, sep)
        if wide is not None:
            return wide

    def text_block(chunk: bytes, row: int, size: int) -> Block:
        return Block(_csv_frame(chunk, headers, sep), row, nbytes=size)

    sheet = Sheet(None, header_row, headers, mapping, iter(()), skipped_above=idx, sep=sep)
    sheet.chunk_block = text_block
    sheet.utf8_path = path if encoding == "utf-8" else None

    def blocks() -> Iterator[Block]:
        row = header_row + 1
        for chunk, size in _chunks(opener, encoding, idx + 1, chunk_bytes or CHUNK_BYTES):
            block = (sheet.chunk_block or text_block)(chunk, row, size)
            yield block
            row += block.frame.height

    sheet.blocks = prefetch(blocks()) if ahead else blocks()
    return sheet


def prefetch(blocks: Iterator[Block], depth: int = 1) -> Iterator[Block]:
    """Read the next chunk in a thread while the caller parses the current one.

    Decoding and polars' CSV reader overlap with parsing (polars releases the GIL); at most
    ``depth`` chunks wait in memory. Errors surface in the caller's thread.
    """
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def work() -> None:
        try:
            for b in blocks:
                while not stop.is_set():
                    try:
                        q.put(b, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    t = threading.Thread(target=work, name="ingest-prefetch", daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


# --------------------------------------------------------------------------------------- xlsx


def _kv_sheet(name: str, df: pl.DataFrame) -> Sheet | None:
    """A vertical key/value sheet (keys in the first column) as a one-row table, if it is one."""
    if df.width < 2 or df.height == 0:
        return None
    keys = df[df.columns[0]].to_list()
    vals = df[df.columns[1]].to_list()
    present = [k for k in keys if k not in (None, "")]
    m = detect(present, layout="keyvalue")
    if m is None:
        return None
    headers, values, rows = [], [], {}
    for k, v in zip(keys, vals, strict=True):
        if k in (None, ""):
            continue
        headers.append(str(k))
        values.append(v)
    headers = dedupe(headers)
    for i, h in enumerate(headers):
        rows[h] = i + 1
    frame = pl.DataFrame([values], schema=dict.fromkeys(headers, pl.String), orient="row")
    return Sheet(name, 1, headers, m, iter([Block(frame, 1, kv_rows=rows)]), layout="keyvalue")


def read_xlsx(path: Path) -> list[Sheet]:
    """Every non-empty sheet of a workbook, as strings."""
    import fastexcel

    try:
        book = fastexcel.read_excel(str(path))
    except Exception as exc:
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ReadError(f"not a readable Excel workbook ({first})") from None
    sheets = []
    for name in book.sheet_names:
        try:
            df = book.load_sheet(name, header_row=None, dtypes="string").to_polars()
        except Exception as exc:
            raise ReadError(f"sheet {name!r} cannot be read: {exc}") from None
        if df.height == 0:
            continue
        df = df.with_columns(pl.all().cast(pl.String))
        kv = _kv_sheet(name, df)
        if kv is not None:
            sheets.append(kv)
            continue
        rows = [list(r) for r in df.head(HEAD_LINES).iter_rows()]
        idx, mapping = find_header(rows)
        headers = dedupe([None if c is None else str(c) for c in rows[idx]])
        body = df.slice(idx + 1)
        body.columns = headers
        long = to_long(body, headers) if mapping is None else None
        if long is not None:  # a wide 人群画像 sheet: read in the long layout
            headers, body = list(long.columns), long
            mapping = detect(headers, layout="table")
        sheets.append(
            Sheet(name, idx + 1, headers, mapping, iter([Block(body, idx + 2)]), skipped_above=idx)
        )
    return sheets


# ------------------------------------------------------------------------------------ Parquet


def read_parquet(path: Path, *, rows: int = 1_000_000) -> Sheet:
    """A Parquet file as one sheet (typed columns), in blocks of ``rows``."""
    try:
        lf = pl.scan_parquet(path)
        headers = lf.collect_schema().names()
    except Exception as exc:
        raise ReadError(f"not a readable Parquet file: {exc}") from None
    mapping = detect(headers, layout="table")

    def blocks() -> Iterator[Block]:
        n = 0
        for df in pl.read_parquet(path).iter_slices(rows):
            yield Block(df, n + 2)
            n += df.height

    return Sheet(None, 1, headers, mapping, blocks())


def read_sheets(path: Path, *, chunk_bytes: int | None = None) -> list[Sheet]:
    """The sheets of any supported file (CSV, xlsx, Parquet); ReadError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES | CAPTURE_SUFFIXES:
        from helpers.ingest.captures import sniff

        found = sniff(path)
        if found is not None:
            return found
        if suffix in CAPTURE_SUFFIXES:
            raise ReadError(
                f"no known export type: a {suffix} file that is neither a live-comment "
                "capture nor a transcript with times"
            )
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path)
    if suffix in PARQUET_SUFFIXES:
        return [read_parquet(path)]
    if suffix in CSV_SUFFIXES:
        from helpers.ingest.fast import (
            typed_sheet,  # canonical files: typed columns, no per-cell parsing
        )

        # typed in the reading thread too, beside the parsing of the block before
        sheet = typed_sheet(read_csv(path, chunk_bytes=chunk_bytes, ahead=False))
        sheet.blocks = prefetch(sheet.blocks)
        return [sheet]
    raise ReadError(
        f"unsupported file type {suffix or '(none)'}; expected .csv, .xlsx, .parquet, "
        "a capture (.txt/.jsonl) or a transcript (.srt/.vtt/.tsv/.json)"
    )
