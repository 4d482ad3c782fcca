"""Large non-UTF-8 CSV files (GB18030) decoded in a child process: Python's codecs hold the GIL
while they decode, which would stall the parsing threads; in a child the decoding runs beside
them on another core. Same codec, same ``errors="replace"``, same chunks of whole lines as the
in-process reader, so the bytes polars reads are identical."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TRANSCODE_BYTES = 8 << 20  # smaller files are decoded in process (no child worth starting)
PIPE_BYTES = 1 << 20

# the child: seek, read chunks, cut at the last newline, write (utf-8 size, raw size, utf-8 bytes)
_CHILD = r"""
import sys
path, start, size, enc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[5]
first = int(sys.argv[4])
out = sys.stdout.buffer

def emit(raw):
    text = raw.decode(enc, errors="replace").encode("utf-8")
    out.write(len(text).to_bytes(8, "little") + len(raw).to_bytes(8, "little"))
    out.write(text)

with open(path, "rb") as f:
    f.seek(start)
    rest = b""
    while True:
        data, first = f.read(first), size
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        emit(data[: cut + 1])
        rest = data[cut + 1 :]
    if rest.strip():
        emit(rest)
out.flush()
"""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def utf8_chunks(
    path: Path, start: int, encoding: str, chunk_bytes: int, first: int | None = None
) -> Iterator[tuple[bytes, int]] | None:
    """The file from byte ``start`` as UTF-8 chunks of whole lines (the first of ``first`` bytes,
    the others of ``chunk_bytes``), with each chunk's size in the file, decoded by a child
    process; None when no child can be started (decode in process)."""
    sizes = [str(chunk_bytes), str(first or chunk_bytes)]
    cmd = [sys.executable, "-I", "-S", "-c", _CHILD, str(path), str(start), *sizes]
    try:
        proc = subprocess.Popen([*cmd, encoding], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError:
        return None
    _widen(proc)
    return _read(proc, path, encoding)


def _widen(proc: subprocess.Popen[bytes]) -> None:
    """A larger pipe (Linux): fewer reads, each of which takes the GIL back."""
    try:
        import fcntl

        if proc.stdout is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
            fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:  # not allowed this large: the default pipe works, only slower
        pass


def _read(proc: subprocess.Popen[bytes], path: Path, encoding: str) -> Iterator[tuple[bytes, int]]:
    out: IO[bytes] | None = proc.stdout
    assert out is not None
    try:
        while head := out.read(16):
            size, raw = int.from_bytes(head[:8], "little"), int.from_bytes(head[8:], "little")
            text = out.read(size)
            if len(head) < 16 or len(text) < size:
                break
            yield text, raw
        if proc.wait() != 0:
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            raise OSError(f"decoding {path.name} as {encoding} failed: {err.strip()[-300:]}")
    finally:
        _stop(proc)
