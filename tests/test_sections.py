"""The section contract: needs checked on the tables present, outcomes instead of exceptions."""

from __future__ import annotations

import polars as pl
import pytest

from helpers.present import i18n, sections


@pytest.fixture(autouse=True)
def _clean_log():
    sections.reset()
    yield
    sections.reset()


@sections.section("test.conversion", needs=["viewers|session_totals.metric", "orders.viewer_id"])
def _conversion(x: int) -> int:
    if x < 0:
        raise sections.Unavailable("test.too_little", n=x)
    if x == 0:
        raise ZeroDivisionError("division by zero")
    return 10 // x


TABLES = {
    "viewers": pl.DataFrame({"viewer_id": ["a"]}),
    "orders": pl.DataFrame({"viewer_id": ["a", None]}),
}


def test_a_section_whose_needs_are_met_returns_its_value():
    out = sections.run("test.conversion", TABLES, 2)
    assert out.ok and out.value == 5


def test_any_alternative_meets_a_need_and_an_all_null_column_does_not():
    totals_only = {
        "session_totals": pl.DataFrame({"metric": ["gmv"]}),
        "orders": pl.DataFrame({"viewer_id": ["a"]}),
    }
    assert sections.run("test.conversion", totals_only, 2).ok
    nulls = {
        **TABLES,
        "orders": pl.DataFrame({"viewer_id": [None, None]}, schema={"viewer_id": pl.String}),
    }
    out = sections.run("test.conversion", nulls, 2)
    assert out.status == "needs" and [n.key() for n in out.missing] == ["orders.viewer_id"]
    assert (
        sections.needs_text(out, "zh")
        == "本节需要订单明细（orders 表）的 viewer_id 列，本场数据没有。"
    )


def test_missing_tables_are_named_in_one_sentence_and_the_function_never_runs():
    out = sections.run("test.conversion", {}, 0)  # would raise if it ran
    assert out.status == "needs" and len(out.missing) == 2
    assert sections.needs_text(out, "en") == (
        "This section needs viewer-level rows (viewers table) or the metric column of the "
        "platform's session totals (session_totals table); the viewer_id column of order lines "
        "(orders table), which this data does not have."
    )


def test_a_failure_is_an_outcome_and_is_listed_as_failed():
    out = sections.run("test.conversion", TABLES, 0)
    assert out.status == "failed" and out.error == "ZeroDivisionError: division by zero"
    sections.run("test.conversion", {}, 1)
    block = sections.summary_block()
    assert [f["section"] for f in block["sections_failed"]] == ["test.conversion"]
    assert block["sections_skipped"] == []  # a section that failed once is not also "skipped"


def test_unavailable_data_is_a_skip_with_the_sections_own_sentence(monkeypatch):
    monkeypatch.setitem(i18n.catalogue("zh"), "test.too_little", "数据太少。")
    monkeypatch.setitem(i18n.catalogue("en"), "test.too_little", "Too little data ({n}).")
    out = sections.run("test.conversion", TABLES, -1)
    assert out.status == "needs" and sections.needs_text(out, "zh") == "数据太少。"
    assert sections.summary_block()["sections_skipped"][0]["reason"] == "Too little data (-1)."


def test_guard_turns_a_failing_display_step_into_an_outcome():
    assert sections.guard("test.show", lambda: 3) == 3
    out = sections.guard("test.show", lambda: 1 / 0)
    assert isinstance(out, sections.Outcome) and out.status == "failed"
    assert sections.summary_block()["sections_failed"][0]["section"] == "test.show"
