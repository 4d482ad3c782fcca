"""Labels for real captured live comments, joined to texts read at evaluation time.

The captures (``shared/data/real_live/<room>_<date>/chats.txt``: ``epoch<TAB>nick|id|uid<TAB>text``)
carry no license, so their texts are never copied into the repository: ``data/eval/
real_live_labels.csv`` holds only ``room, line, sha1, intent, sentiment, split`` (``line`` 1-based
in ``chats.txt``; ``sha1`` = the first 10 hex digits of the text's SHA-1, to detect drift) and the
texts are read from the captures when evaluating.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from helpers.paths import project_root


def labels_path() -> Path:
    return project_root() / "data" / "eval" / "real_live_labels.csv"


def default_dir() -> Path:
    """``../shared/data/real_live`` beside the checkout."""
    return project_root().parent / "shared" / "data" / "real_live"


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def read_chats(path: Path) -> dict[int, str]:
    """Line number (1-based) → comment text of a ``chats.txt`` (lines without tabs skipped)."""
    out: dict[int, str] = {}
    for i, line in enumerate(path.read_text("utf-8").split("\n"), 1):
        parts = line.split("\t", 2)
        if len(parts) == 3:
            out[i] = parts[2]
    return out


def load_real_live(directory: str | Path | None = None, split: str = "all") -> pl.DataFrame | None:
    """The labelled real comments with their texts, or None when the captures are absent.

    Raises ValueError when a labelled line is missing or its text no longer matches its sha1.
    """
    root = Path(directory) if directory else default_dir()
    if not root.is_dir():
        return None
    labels = pl.read_csv(labels_path(), infer_schema=False).with_columns(
        pl.col("line").cast(pl.Int64)
    )
    rooms = {d.name.split("_", 1)[0]: d for d in root.iterdir() if (d / "chats.txt").is_file()}
    texts: list[str] = []
    for room, line, sha in labels.select("room", "line", "sha1").iter_rows():
        if room not in rooms:
            raise ValueError(f"{root}: no capture for room {room}")
        chats = _chats(rooms[room])
        text = chats.get(line)
        if text is None or text_sha1(text) != sha:
            raise ValueError(f"{rooms[room]}/chats.txt line {line}: text changed since labelling")
        texts.append(text)
    df = labels.with_columns(pl.Series("text", texts, dtype=pl.String))
    return df if split == "all" else df.filter(pl.col("split") == split)


_CACHE: dict[Path, dict[int, str]] = {}


def _chats(folder: Path) -> dict[int, str]:
    path = folder / "chats.txt"
    if path not in _CACHE:
        _CACHE[path] = read_chats(path)
    return _CACHE[path]
