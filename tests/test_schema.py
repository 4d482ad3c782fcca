"""The canonical model: validation errors name table, column and row; conform keeps extras."""

from datetime import datetime

import polars as pl
import pytest

from helpers.data import schema


def _sessions(**over):
    data = {
        "session_id": ["a", "b"],
        "platform": ["douyin", "douyin"],
        "room": ["r", "r"],
        "start_ts": [datetime(2026, 11, 16, 20), datetime(2026, 11, 17, 20)],
        "end_ts": [datetime(2026, 11, 16, 23), datetime(2026, 11, 17, 23)],
    }
    data.update(over)
    return pl.DataFrame(data)


def test_validate_casts_naive_times_to_shanghai_and_keeps_extra_columns():
    out = schema.validate("sessions", _sessions(extra=[1, 2]))
    assert out.schema["start_ts"] == schema.TS
    assert out.columns[-1] == "extra"
    assert out["start_ts"][0].hour == 20


def test_missing_required_column_is_named():
    with pytest.raises(schema.SchemaError, match="sessions: missing required column\\(s\\) room"):
        schema.validate("sessions", _sessions().drop("room"))


def test_uncastable_value_names_column_and_row():
    orders = pl.DataFrame(
        {
            "session_id": ["a", "a"],
            "order_id": ["1", "2"],
            "ts": [datetime(2026, 11, 16, 20)] * 2,
            "amount": ["12.5", "twelve"],
            "status": ["paid", "paid"],
        }
    )
    with pytest.raises(schema.SchemaError, match=r"orders\.amount: row 1: value 'twelve'"):
        schema.validate("orders", orders)


def test_enumeration_and_duplicate_key_are_rejected():
    ev = pl.DataFrame(
        {"session_id": ["a"], "start_ts": [datetime(2026, 11, 16, 20)], "kind": ["party"]}
    )
    with pytest.raises(schema.SchemaError, match=r"events\.kind: row 0: 'party' not one of"):
        schema.validate("events", ev)
    with pytest.raises(schema.SchemaError, match=r"sessions: row 1: duplicate key session_id='a'"):
        schema.validate("sessions", _sessions(session_id=["a", "a"]))


def test_null_in_required_column_is_rejected():
    with pytest.raises(
        schema.SchemaError, match=r"sessions\.room: row 1: required value is missing"
    ):
        schema.validate("sessions", _sessions(room=["r", None]))


def test_unknown_table_lists_the_known_ones():
    with pytest.raises(schema.SchemaError, match="canonical tables: sessions, trend"):
        schema.table("nope")


def test_docs_page_is_generated_from_the_code():
    from helpers.paths import project_root

    page = (project_root() / "docs" / "data-model.md").read_text("utf-8")
    assert page.strip() == schema.markdown().strip(), (
        "run: python -m helpers.data.schema > docs/data-model.md"
    )
