"""The 10-ingest notebook end to end (slow): ingest inputs, then report quarantine and cross-checks."""

from __future__ import annotations

import json

import polars as pl
import pytest

from helpers.pipeline.commands import run_report

SESSION_LIST = [
    [
        "主播昵称",
        "主播抖音号",
        "直播开始时间",
        "直播结束时间",
        "直播间观看人数",
        "直播间成交人数",
        "直播间商品点击人数",
        "观看-成交率(人数)",
    ],
    [
        "暖阳服饰旗舰店",
        "nuanyang88",
        "2026/11/16 20:00:00",
        "2026/11/16 23:00:00",
        "1000",
        "60",
        "300",
        "20.00%",
    ],
]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ingest_report_shows_quarantine_and_mismatches(tmp_path, lang):
    raw = tmp_path / "raw"
    raw.mkdir()
    pl.DataFrame(SESSION_LIST[1:], schema=SESSION_LIST[0], orient="row").write_csv(
        raw / "直播间列表.csv"
    )
    pl.DataFrame(
        {
            "抖音号": ["nuanyang88"] * 2,
            "开播时间": ["2026/11/16 20:00:00"] * 2,
            "评论时间": ["昨天晚上", "2026/11/16 20:01:00"],
            "评论内容": ["<script>x</script>", "<b>好</b>"],
        }
    ).write_csv(raw / "评论.csv")
    (raw / "other.csv").write_text("a,b\n1,2\n")
    store = tmp_path / "store"
    res = run_report(
        "ingest",
        {"store": str(store), "inputs": [str(raw)]},
        "latest",
        out=str(tmp_path / "rep"),
        lang=lang,
    )
    assert res.ok, res.error
    s = json.loads(res.summary.read_text())
    assert {
        k: s[k]
        for k in (
            "files",
            "rows_in",
            "rows_kept",
            "rows_quarantined",
            "rejected",
            "duplicates",
            "cross_check_mismatches",
        )
    } == {
        "files": 3,
        "rows_in": 3,
        "rows_kept": 2,
        "rows_quarantined": 1,
        "rejected": 1,
        "duplicates": 0,
        "cross_check_mismatches": 1,
    }
    html = res.html.read_text()
    assert "昨天晚上" in html and "<script>x</script>" not in html  # viewer text is escaped
    assert "mislabeled" in html


def test_ingest_sections_on_a_store_holding_only_room_days(tmp_path) -> None:
    from datetime import date

    from helpers.data import schema
    from helpers.data.store import atomic_write_parquet
    from helpers.ingest import report

    days = schema.validate(
        "room_days",
        pl.DataFrame(
            {
                "room": ["暖阳服饰旗舰店"] * 3,
                "date": [date(2026, 11, 16)] * 2 + [date(2026, 11, 17)],
                "metric": ["gmv", "viewers", "gmv"],
                "value": [52_000.0, 8_100.0, 47_500.0],
            }
        ),
    )
    for (day,), part in days.partition_by("date", as_dict=True).items():
        atomic_write_parquet(
            part, tmp_path / "room_days" / "platform=douyin" / f"date={day}" / "room.parquet"
        )
    outs = report.run_all(tmp_path)
    assert {o.status for o in outs.values()} == {"ok"}
    assert (
        outs["ingest.files"].value["summary"]["files"] == 0
    )  # no ledger: nothing was ingested here
    assert outs["ingest.quarantine"].value["quarantined"].height == 0
    contents = dict(outs["ingest.contents"].value.select("table", "rows").iter_rows())
    assert contents["room_days"] == 3 and contents["sessions"] == 0
