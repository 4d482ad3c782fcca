"""The 10-ingest notebook end to end (slow): ingest inputs, then report quarantine and
cross-checks; the report's entry and sentences on known inputs."""

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
    heads = (
        "文件",
        "列",
        "原因",
        "示例行号",
        "示例原值",
        "期望格式",
    )  # the quarantine table, in words
    assert (
        all(f">{h}</th>" in html for h in heads) if lang == "zh" else ">example_value</th>" in html
    )


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


def test_report_entry_on_an_empty_store_and_its_sentences(tmp_path) -> None:
    """``open_ingest`` refuses a non-list ``inputs``; on a store with no ledger every section runs,
    the files sentence says the ledger is empty and there is no chart; the sentences format the
    counts, and a section that failed is listed with why."""
    from helpers.ingest import report as ir
    from helpers.present.sections import Outcome

    with pytest.raises(ValueError, match="inputs must be a list"):
        ir.open_ingest("exports.csv", str(tmp_path / "store"))
    rep = ir.open_ingest([], str(tmp_path / "store"))
    assert list(rep.outcomes) == list(ir.INGEST_SECTIONS)
    assert all(o.ok for o in rep.outcomes.values())
    assert ir.files_sentence(rep, "en").text == (
        "The store has no ingest record (its ledger is empty)."
    )
    assert ir.files_chart(rep, "en") is None and ir.left_out(rep, "en") == []
    assert ir.build_summary(rep)["files"] == 0
    shown = ir.show(rep, "ingest.contents", "zh")
    assert shown[-1].text.startswith(f"存储位置：`{(tmp_path / 'store').as_posix()}`")

    counts = {"files": 2, "rows_in": 12345, "rows_kept": 12000, "rows_quarantined": 345}
    files = Outcome("ingest.files", "ok", value={"summary": {**counts, "rejected": 1}})
    failed = Outcome("ingest.checks", "failed", error="OSError: gone")
    rep = ir.IngestReport("s", tmp_path, None, {"ingest.files": files, "ingest.checks": failed})
    assert ir.files_sentence(rep, "en").text == (
        "2 file(s), 12,345 data rows: 12,000 kept, 345 quarantined (rows in = kept + quarantined);"
        " 1 file(s) rejected whole, 0 duplicate(s) not counted again."
    )
    assert [m.text for m in ir.left_out(rep, "en")] == [
        "- **Cross-checks**: This section failed: OSError: gone"
    ]
    assert ir.show(rep, "ingest.checks", "en")[0].text == "This section failed: OSError: gone"
