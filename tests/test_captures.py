"""Live-comment captures (websocket recorders): headerless TSV and JSON Lines → comments."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from helpers.data.store import load_table
from helpers.ingest import ingest_paths
from helpers.sim import real_shapes as rs

T0 = datetime(2026, 11, 18, 20, 0, 0, tzinfo=rs.CN)
SID = "dy-70010000001-20261118-2000"


@pytest.fixture()
def store(tmp_path) -> Path:
    rs.write_session_list(tmp_path / "list.xlsx", [rs.Show("阿强的店", "70010000001", T0, 120)])
    assert ingest_paths([tmp_path / "list.xlsx"], tmp_path / "store").ok
    return tmp_path / "store"


def test_tsv_capture_keeps_comments_and_quarantines_system_lines(tmp_path, store):
    rec = T0 + timedelta(minutes=3)
    rows = [
        ("堂***", "0", "", "今天可以用吗"),
        ("李四", "1234", "MS4wLjABAAAA", "[赞][赞]"),
        ("王", "5678", "", "<b>19.9的拍到了</b>"),
        ("赵", "0", "", "1号链接"),
    ]
    f = rs.write_capture_tsv(tmp_path / "chats.txt", rec, rows, system_every=2)
    r = ingest_paths([f], store).files[0]
    assert (r.export_type, r.rows_in, r.rows_kept, r.rows_quarantined) == (
        "capture_comments",
        6,
        4,
        2,
    )
    assert r.attached_by_time == [SID]
    assert {q["reason"] for q in r.quarantined} == {
        "not a chat comment (system line, like, gift ...): system"
    }
    assert r.quarantined[0]["value"].startswith("##system: ")
    c = load_table("comments", store).sort("ts")
    assert c["text"].to_list() == [t for *_x, t in rows]  # kept as written (escaped at report time)
    assert c["viewer_id"].to_list() == [
        None,
        "MS4wLjABAAAA",
        "5678",
        None,
    ]  # sec_uid, else short_id ≠ 0
    assert c["ts"].to_list() == [rec + timedelta(seconds=7.25 * i) for i in range(4)]
    assert c["nickname"].to_list()[0] == "堂***"


def test_tsv_capture_is_recognised_by_content_whatever_its_name(tmp_path, store):
    f = rs.write_capture_tsv(
        tmp_path / "dump.csv", T0 + timedelta(minutes=1), [("a", "1", "", "hi")]
    )
    assert ingest_paths([f], store).files[0].export_type == "capture_comments"


@pytest.mark.parametrize("millis", [True, False])
def test_jsonl_capture_keeps_chat_messages_and_names_the_others(tmp_path, store, millis):
    rec = T0 + timedelta(minutes=30)
    f = rs.write_capture_jsonl(
        tmp_path / "live.jsonl", rec, [("甲", "11", "多少钱"), ("乙", "", "好看")], millis=millis
    )
    r = ingest_paths([f], store).files[0]
    assert (r.rows_in, r.rows_kept, r.rows_quarantined) == (4, 2, 2)
    assert r.quarantined[0]["reason"].endswith(": WebcastLikeMessage")
    c = load_table("comments", store).sort("ts")
    assert c["ts"].to_list() == [rec, rec + timedelta(seconds=10)]
    assert c["viewer_id"].to_list() == ["11", None]


def test_jsonl_capture_with_flat_fields_and_no_type(tmp_path, store):
    lines = [
        {
            "text": "有优惠吗",
            "nickname": "丙",
            "user_id": "42",
            "ts": (T0 + timedelta(minutes=5)).timestamp(),
        },
        {
            "msg": "链接",
            "nick_name": "丁",
            "sec_uid": "MS4x",
            "time": int((T0 + timedelta(minutes=6)).timestamp() * 1000),
        },
        {"method": "WebcastGiftMessage", "user": {"id": "9"}, "timestamp": T0.timestamp()},
    ]
    f = tmp_path / "flat.jsonl"
    f.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n",
        encoding="utf-8",
    )
    r = ingest_paths([f], store).files[0]
    assert (r.rows_in, r.rows_kept, r.rows_quarantined) == (4, 2, 2)
    reasons = pl.DataFrame(r.quarantined)["reason"].to_list()
    assert any(x.endswith("WebcastGiftMessage") for x in reasons) and any(
        x.endswith("not valid JSON") for x in reasons
    )
    c = load_table("comments", store).sort("ts")
    assert c.select("text", "viewer_id").rows() == [("有优惠吗", "42"), ("链接", "MS4x")]


def test_capture_outside_every_session_is_quarantined_with_the_reason(tmp_path, store):
    f = rs.write_capture_tsv(
        tmp_path / "chats.txt", T0 + timedelta(days=3), [("a", "0", "", "x")], system_every=0
    )
    r = ingest_paths([f], store).files[0]
    assert (r.rows_kept, r.rows_quarantined) == (0, 1)
    assert "no known session" in r.quarantined[0]["reason"]
