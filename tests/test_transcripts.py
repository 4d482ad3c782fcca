"""Host transcripts (speech-to-text output) → the transcript table, with absolute times."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from helpers.data.store import load_session, load_table
from helpers.ingest import ingest_paths
from helpers.ingest.captures import sniff
from helpers.sim import real_shapes as rs

T0 = datetime(2026, 11, 18, 20, 0, 0, tzinfo=rs.CN)
SID = "dy-70010000001-20261118-2000"
SEGS = [
    (0.44, 5.88, "如果是沒有關注的話 我们这边"),
    (6.36, 15.44, "咱們這的話一號鏈接"),
    (3600.5, 3602.0, "福利"),
]
REC = T0 + timedelta(minutes=2)


@pytest.fixture()
def store(tmp_path) -> Path:
    rs.write_session_list(tmp_path / "list.xlsx", [rs.Show("阿强的店", "70010000001", T0, 120)])
    assert ingest_paths([tmp_path / "list.xlsx"], tmp_path / "store").ok
    return tmp_path / "store"


def _write(folder: Path, name: str, fmt: str, *, fromtime: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / name
    f.write_text(rs.transcript_text(SEGS, fmt), encoding="utf-8")
    if fromtime:
        (folder / "fromtime").write_text(str(int(REC.timestamp() * 1000)))
    return f


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("srt", "output.srt"),
        ("vtt", "output.vtt"),
        ("tsv", "output.tsv"),
        ("json", "output.json"),
        ("list", "segments.json"),
        ("txt", "output.txt"),
        ("srt", "subtitles.txt"),
    ],
)
def test_each_format_lands_with_absolute_times_from_fromtime(tmp_path, store, fmt, name):
    f = _write(tmp_path / fmt, name, fmt)
    r = ingest_paths([f], store).files[0]
    assert (r.status, r.export_type, r.rows_in, r.rows_kept) == ("ingested", "transcript", 3, 3)
    assert r.attached_by_time == [SID]
    t = load_session(SID, store).transcript.sort("start_ts")
    assert t["text"].to_list() == [s for *_x, s in SEGS]  # Traditional/Simplified kept as written
    if fmt == "txt":  # [HH:MM:SS] stamps: whole seconds, a segment ends where the next starts
        assert t["start_ts"].to_list() == [
            REC,
            REC + timedelta(seconds=6),
            REC + timedelta(seconds=3600),
        ]
        assert t["end_ts"][0] == REC + timedelta(seconds=6)
    else:
        assert t["start_ts"].to_list() == [REC + timedelta(seconds=a) for a, _b, _t in SEGS]
        assert t["end_ts"].to_list() == [REC + timedelta(seconds=b) for _a, b, _t in SEGS]
    assert t["source"][0] == ("json" if fmt == "list" else fmt)
    assert str(t.schema["start_ts"]) == "Datetime(time_unit='us', time_zone='Asia/Shanghai')"


def test_tsv_without_header_line_and_vtt_speaker(tmp_path):
    f = tmp_path / "a.tsv"
    f.write_text("440\t5880\t你好\n6360\t15440\t一號鏈接\n", encoding="utf-8")
    block = next(sniff(f)[0].blocks).frame
    assert block.select("start_s", "end_s", "text").rows() == [
        ("0.44", "5.88", "你好"),
        ("6.36", "15.44", "一號鏈接"),
    ]
    v = tmp_path / "a.vtt"
    v.write_text("WEBVTT\n\n00:01.000 --> 00:02.500\n<v 主播>大家好</v>\n", encoding="utf-8")
    assert next(sniff(v)[0].blocks).frame.select("start_s", "end_s", "text", "speaker").rows() == [
        ("1.0", "2.5", "大家好", "主播")
    ]


def test_relative_times_need_a_start(tmp_path, store):
    f = _write(tmp_path / "x", "output.srt", "srt", fromtime=False)
    r = ingest_paths([f], store).files[0]
    assert r.status == "rejected" and "--start" in r.errors[0] and "fromtime" in r.errors[0]
    r = ingest_paths([f], store, session=SID).files[0]  # the session's start is the recording's
    assert (r.status, r.rows_kept) == ("ingested", 3)
    assert load_table("transcript", store)["start_ts"].min() == T0 + timedelta(seconds=0.44)


def test_start_flag_creates_the_session_of_a_transcript(tmp_path):
    f = _write(tmp_path / "x", "output.json", "json", fromtime=False)
    store = tmp_path / "s"
    assert ingest_paths([f], store, room="小店", start=T0).ok
    s = load_session("dy-小店-20261118-2000", store)
    assert s.info["end_ts"] == T0 + timedelta(seconds=3602)
    assert s.transcript.height == 3


def test_a_json_that_is_no_transcript_is_rejected_with_one_line(tmp_path, store):
    f = tmp_path / "config.json"
    f.write_text(json.dumps({"name": "x"}), encoding="utf-8")
    r = ingest_paths([f], store).files[0]
    assert (
        r.status == "rejected" and "neither a live-comment capture nor a transcript" in r.errors[0]
    )
