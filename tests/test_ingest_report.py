"""The 10-ingest notebook end to end (slow): ingest inputs, then report quarantine and cross-checks."""

from __future__ import annotations

import json

import pytest

from helpers.runs import run_report
from tests.test_ingest import SESSION_LIST, write_csv, write_xlsx


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ingest_report_shows_quarantine_and_mismatches(tmp_path, lang):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_xlsx(raw / "直播间列表.xlsx", {"s": SESSION_LIST})
    write_csv(raw / "评论.csv", [["抖音号", "开播时间", "评论时间", "评论内容"],
                                 ["nuanyang88", "2026/11/16 20:00:00", "昨天晚上", "<script>x</script>"],
                                 ["nuanyang88", "2026/11/16 20:00:00", "2026/11/16 20:01:00", "<b>好</b>"]])
    write_csv(raw / "other.csv", [["a", "b"], ["1", "2"]])
    store = tmp_path / "store"
    res = run_report("ingest", {"store": str(store), "inputs": [str(raw)]}, "latest", out=str(tmp_path / "rep"), lang=lang)
    assert res.ok, res.error
    s = json.loads(res.summary.read_text())
    assert {k: s[k] for k in ("files", "rows_in", "rows_kept", "rows_quarantined", "rejected", "duplicates",
                              "cross_check_mismatches")} == {"files": 3, "rows_in": 4, "rows_kept": 3,
                                                            "rows_quarantined": 1, "rejected": 1, "duplicates": 0,
                                                            "cross_check_mismatches": 1}
    html = res.html.read_text()
    assert "昨天晚上" in html and "<script>x</script>" not in html  # viewer text is escaped
    assert "mislabeled" in html
