"""Files that are not platform exports, recognised by their content: live-comment captures and
host transcripts.

- Capture TSV (websocket recorders): ``epoch_seconds<TAB>nickname|short_id|sec_uid<TAB>text``, no
  header, with ``##system: <id>`` lines in between; masked viewers look like ``堂***|0|``.
- Capture JSON Lines: one message per line with content/text/msg, the user's nickname and id
  (nested ``user`` or flat), a timestamp in seconds or milliseconds and a message type; chat
  messages are kept, the others (likes, gifts, members) quarantined with their type.
- Transcripts (speech-to-text output): SRT, WebVTT, TSV ``start end text`` in milliseconds (with
  or without a header line), JSON ``{"segments": [{"start", "end", "text"}]}`` or a bare list
  (seconds), plain text with ``[HH:MM:SS]`` stamps. Times count from the recording's start, which a
  ``fromtime`` file beside it (epoch milliseconds) gives when the capture tool kept one.

Each becomes one :class:`~.readers.Sheet` of string cells under fixed headers, mapped by
``capture_comments.yaml`` / ``transcript.yaml`` like any export (quarantine, accounting, identity).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from helpers.ingest.mapping import get_mapping
from helpers.ingest.readers import Block, ReadError, Sheet

HEAD_BYTES = 64 * 1024
CAPTURE_COLUMNS = ("ts", "nickname", "viewer_id", "text", "msg_type", "raw")
TRANSCRIPT_COLUMNS = ("start_s", "end_s", "text", "speaker", "source")
CHAT_TYPES = {"chat", "webcastchatmessage", "chatmessage", "comment", "弹幕", "评论", "danmaku"}

_CAPTURE_LINE = re.compile(r"^\d{9,13}(?:\.\d+)?\t[^\t]*\|[^\t]*\t")
_SRT_CUE = re.compile(r"(\d{1,2}:\d{2}:\d{2}[,.]\d{1,3})\s*-->\s*(\d{1,2}:\d{2}:\d{2}[,.]\d{1,3})")
_VTT_CUE = re.compile(
    r"((?:\d{1,2}:)?\d{2}:\d{2}\.\d{1,3})\s*-->\s*((?:\d{1,2}:)?\d{2}:\d{2}\.\d{1,3})"
)
_TSV_ROW = re.compile(r"^(\d+(?:\.\d+)?)\t(\d+(?:\.\d+)?)\t(.*)$")
_STAMP = re.compile(r"^\[(\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)\]\s*(.*)$")


def sniff(path: Path) -> list[Sheet] | None:
    """The file as a capture or transcript sheet when its content is one, else None."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [ln for ln in head.splitlines()[:40] if ln.strip()]
    if not lines:
        return None
    first = lines[0].strip()
    data = [ln for ln in lines if not ln.startswith("##system")]
    if data and _CAPTURE_LINE.match(data[0]):
        return [_capture_tsv(path)]
    if first.startswith("WEBVTT"):
        return [_transcript(path, _vtt(_text(path)), "vtt")]
    if re.match(r"^\d+$", first) and len(lines) > 1 and _SRT_CUE.search(lines[1]):
        return [_transcript(path, _srt(_text(path)), "srt")]
    if first.replace(" ", "").lower().startswith("start\tend\ttext") or _TSV_ROW.match(first):
        return [_transcript(path, _tsv(_text(path)), "tsv")]
    if _STAMP.match(first):
        return [_transcript(path, _stamped(_text(path)), "txt")]
    if first.startswith(("{", "[")):
        return _json(path, first)
    return None


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace").lstrip("\ufeff")


# ------------------------------------------------------------------------------- captures


def _viewer(short_id: str, sec_uid: str) -> str | None:
    """sec_uid, else short_id when it is not blank or 0 (masked viewers have neither)."""
    for v in (sec_uid.strip(), short_id.strip()):
        if v and v != "0":
            return v
    return None


def _capture_tsv(path: Path) -> Sheet:
    rows: list[tuple[str | None, ...]] = []
    for line in _text(path).splitlines():
        if not line.strip():
            continue
        parts = line.split("\t", 2)
        if len(parts) == 3 and "|" in parts[1]:
            nick, short, sec = ([*parts[1].split("|", 2), "", ""])[:3]
            rows.append((parts[0].strip(), nick, _viewer(short, sec), parts[2], "chat", line))
        else:
            kind = "system" if line.startswith("##system") else "unrecognised line"
            rows.append((None, None, None, None, kind, line))
    return _sheet(path, "capture_comments", CAPTURE_COLUMNS, rows)


def _pick(obj: dict[str, Any], *names: str) -> Any:
    """The first of ``names`` present (dotted names look into nested objects)."""
    for name in names:
        cur: Any = obj
        for part in name.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cur not in (None, ""):
            return cur
    return None


def _epoch(value: Any) -> str | None:
    """A time in seconds or milliseconds as epoch-seconds text (what the datetime parser reads)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None if value is None else str(value)
    return f"{x / 1000 if x > 1e11 else x:.3f}"


def _capture_row(obj: Any, line: str) -> tuple:
    if not isinstance(obj, dict):
        return (None, None, None, None, "not a JSON object", line)
    text = _pick(obj, "content", "text", "msg", "data.content", "payload.content")
    kind = _pick(obj, "type", "msg_type", "method", "common.method", "event")
    kind = str(kind) if kind is not None else ("chat" if text is not None else "no message type")
    kind = "chat" if kind.lower() in CHAT_TYPES else kind
    nick = _pick(
        obj, "user.nickname", "user.nick_name", "user.nick", "nickname", "nick_name", "user_name"
    )
    sec = _pick(obj, "user.sec_uid", "sec_uid") or ""
    uid = _pick(obj, "user.id", "user.short_id", "user.uid", "user_id", "uid", "short_id") or ""
    ts = _epoch(
        _pick(obj, "timestamp", "ts", "time", "create_time", "event_time", "common.create_time")
    )
    return (
        ts,
        None if nick is None else str(nick),
        _viewer(str(uid), str(sec)),
        None if text is None else str(text),
        kind,
        line,
    )


def _capture_jsonl(path: Path) -> Sheet:
    rows = []
    for line in _text(path).splitlines():
        if not line.strip():
            continue
        try:
            rows.append(_capture_row(json.loads(line), line))
        except json.JSONDecodeError:
            rows.append((None, None, None, None, "not valid JSON", line))
    return _sheet(path, "capture_comments", CAPTURE_COLUMNS, rows)


# ----------------------------------------------------------------------------- transcripts


def _clock(text: str) -> float:
    """``HH:MM:SS,mmm`` / ``MM:SS.mmm`` / ``HH:MM:SS`` as seconds."""
    parts = text.replace(",", ".").split(":")
    return sum(float(p) * 60**i for i, p in enumerate(reversed(parts)))


def _cues(text: str, cue: re.Pattern) -> list[tuple]:
    out = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        for i, ln in enumerate(lines):
            m = cue.search(ln)
            if m:
                body = " ".join(lines[i + 1 :]).strip()
                speaker = None
                sp = re.match(r"^<v\s+([^>]+)>(.*)$", body)
                if sp:
                    speaker, body = sp.group(1).strip(), re.sub(r"</v>", "", sp.group(2)).strip()
                out.append(
                    (str(_clock(m.group(1))), str(_clock(m.group(2))), body or None, speaker)
                )
                break
    return out


def _srt(text: str) -> list[tuple]:
    return _cues(text, _SRT_CUE)


def _vtt(text: str) -> list[tuple]:
    return _cues(text, _VTT_CUE)


def _tsv(text: str) -> list[tuple]:
    out: list[tuple[str | None, ...]] = []
    for line in text.splitlines():
        m = _TSV_ROW.match(line)
        if m:
            out.append(
                (str(float(m.group(1)) / 1000), str(float(m.group(2)) / 1000), m.group(3), None)
            )
        elif line.strip() and not line.replace(" ", "").lower().startswith("start\tend"):
            out.append((None, None, line, None))
    return out


def _stamped(text: str) -> list[tuple]:
    """``[HH:MM:SS] text`` lines: a segment ends where the next starts (the last at its start)."""
    found = []
    for line in text.splitlines():
        m = _STAMP.match(line.strip())
        if m:
            found.append([_clock(m.group(1)), m.group(2).strip()])
        elif line.strip() and found:
            found[-1][1] = f"{found[-1][1]} {line.strip()}".strip()
    ends = [s for s, _t in found[1:]] + ([found[-1][0]] if found else [])
    return [(str(s), str(e), t or None, None) for (s, t), e in zip(found, ends, strict=True)]


def _segments(segs: list[Any]) -> list[tuple]:
    out = []
    for s in segs:
        if isinstance(s, dict):
            out.append((_num(s.get("start")), _num(s.get("end")), s.get("text"), s.get("speaker")))
        else:
            out.append((None, None, None if s is None else str(s), None))
    return out


def _num(v: Any) -> str | None:
    return None if v is None else str(v)


def _json(path: Path, first: str) -> list[Sheet] | None:
    text = _text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("segments"), list):
        return [_transcript(path, _segments(doc["segments"]), "json")]
    if (
        isinstance(doc, list)
        and doc
        and isinstance(doc[0], dict)
        and {"start", "end"} <= set(doc[0])
    ):
        return [_transcript(path, _segments(doc), "json")]
    if first.startswith("{") and (doc is None or isinstance(doc, dict)):
        try:
            obj = json.loads(first)
        except json.JSONDecodeError:
            return None
        if (
            isinstance(obj, dict)
            and _pick(obj, "content", "text", "msg", "type", "method") is not None
        ):
            return [_capture_jsonl(path)]
    return None


def fromtime(path: Path) -> datetime | None:
    """The recording start kept beside a transcript (``fromtime``: epoch milliseconds), if any."""
    f = path.parent / "fromtime"
    try:
        ms = float(f.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _transcript(path: Path, segs: list[tuple], source: str) -> Sheet:
    if not segs:
        raise ReadError(f"a {source} transcript with no timed segment")
    rows = [(*s, source) for s in segs]
    sheet = _sheet(path, "transcript", TRANSCRIPT_COLUMNS, rows)
    sheet.base_ts = fromtime(path)
    return sheet


def _sheet(path: Path, mapping_id: str, columns: tuple[str, ...], rows: list[tuple]) -> Sheet:
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
    return Sheet(
        None, 0, list(columns), get_mapping(mapping_id), iter([Block(frame, 1)]), layout=mapping_id
    )
