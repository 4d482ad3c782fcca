"""When a report must be rendered again: a fingerprint of everything its content depends on.

A report's fingerprint (:func:`fingerprint`) holds four hashes: of its template's source, of the
``helpers`` package that computes it (every file of the imported package and its version:
:func:`code_hash`), of its parameters and language, and of the store files it reads (their bytes).
The weekly run records each report's fingerprint and the digests of its input files in ``run.json``;
the next run renders a report again when any of the four changed (:func:`stale_reason`), so an
upgrade that changes a metric's definition re-renders old reviews, while a store file rewritten
with the same bytes (a repeated ingest, a restored backup) does not.

Hashing reads each input once: a file whose size and modification time match the previous run's
record keeps its recorded digest (:func:`input_digests`), so a run with nothing stale reads no data.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from helpers.paths import PACKAGE_DIR

DIST = "livecommerce-review-workbook"
REASONS = (
    ("template", "template changed"),
    ("code", "code changed"),
    ("params", "parameters changed"),
    ("inputs", "data changed"),
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


@functools.cache
def code_hash(package_dir: str = str(PACKAGE_DIR)) -> str:
    """Hash of the installed package's version and every file of the ``helpers`` package in use
    (code and resources, without bytecode caches)."""
    try:
        version = metadata.version(DIST)
    except metadata.PackageNotFoundError:
        version = "unknown"
    h = hashlib.sha256(version.encode())
    root = Path(package_dir)
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:20]


def params_hash(params: Mapping[str, Any], lang: str) -> str:
    """Hash of a report's parameters and language (keys sorted; the runner's summary path left
    out)."""
    wanted = {k: v for k, v in params.items() if k != "summary_path"} | {"lang": lang}
    return _sha(json.dumps(wanted, sort_keys=True, ensure_ascii=False, default=str).encode())


def input_digests(
    paths: Iterable[Path], root: Path, known: Mapping[str, Any] | None = None
) -> dict[str, list[Any]]:
    """``{path relative to root: [size, mtime_ns, digest]}`` of each file; a file whose size and
    mtime equal ``known``'s record keeps the recorded digest without being read."""
    known = known or {}
    out: dict[str, list[Any]] = {}
    for p in sorted(set(paths)):
        try:
            st = p.stat()
        except OSError:
            continue
        rel = p.relative_to(root).as_posix()
        was = known.get(rel)
        if was and was[0] == st.st_size and was[1] == st.st_mtime_ns:
            out[rel] = list(was)
            continue
        with open(p, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()[:20]
        out[rel] = [st.st_size, st.st_mtime_ns, digest]
    return out


def fingerprint(
    template_text: str, params: Mapping[str, Any], lang: str, inputs: Mapping[str, list[Any]]
) -> dict[str, str]:
    """The four hashes a report's content depends on (see the module docstring)."""
    data = json.dumps({rel: rec[2] for rel, rec in sorted(inputs.items())}).encode()
    return {
        "template": _sha(template_text.encode()),
        "code": code_hash(),
        "params": params_hash(params, lang),
        "inputs": _sha(data),
    }


def stale_reason(
    out_dir: Path, recorded: Mapping[str, Any] | None, current: Mapping[str, str]
) -> str | None:
    """Why the report in ``out_dir`` must be rendered again, or ``None`` if it is fresh: missing or
    unreadable ``summary.json``, a failed or partial run, no recorded fingerprint, or which of
    template, code, parameters and data changed."""
    try:
        summary = json.loads((out_dir / "summary.json").read_text("utf-8"))
    except (OSError, ValueError):
        return "missing"
    if summary.get("report", {}).get("status") != "ok":
        return "failed before"
    if not recorded:
        return "no fingerprint"
    for key, why in REASONS:
        if recorded.get(key) != current.get(key):
            return why
    return None
