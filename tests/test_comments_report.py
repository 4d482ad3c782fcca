"""End to end: the 50-comments report renders, shows viewer text as text, and writes its summary."""

from __future__ import annotations

import json

import polars as pl
import pytest
from test_comments_analysis import TS, _session, at

MARKUP = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    from helpers.data.store import write_session_tables

    s = _session()
    s["comments"] = pl.concat(
        [
            s["comments"],
            pl.DataFrame(
                {"session_id": ["s1"], "ts": [at(2.5)], "text": [MARKUP], "viewer_id": ["x1"]},
                schema_overrides={"ts": TS},
            ),
        ]
    ).sort("ts")
    sessions = pl.DataFrame(
        {
            "session_id": ["s1"],
            "platform": ["douyin"],
            "room": ["测试直播间"],
            "start_ts": [at(0)],
            "end_ts": [at(30)],
        },
        schema_overrides={"start_ts": TS, "end_ts": TS},
    )
    store = tmp_path_factory.mktemp("comments-store")
    write_session_tables({"sessions": sessions, **s}, store)
    return store


@pytest.mark.slow
def test_comments_report_escapes_markup_and_writes_summary(small_store, tmp_path):
    from helpers.pipeline.render import render

    res = render(
        "comments", {"session_id": "s1", "store": str(small_store)}, tmp_path / "out", lang="en"
    )
    assert res.ok, res.error
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert MARKUP not in html
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert summary["session_id"] == "s1"
    assert summary["top_question"] == "question_size"
    assert summary["integrity"]["duplicate_texts"] == 1
    assert summary["report"]["status"] == "ok"
    # viewer ids never appear in the clear
    assert "c1</td>" not in html and ">fake0<" not in html
