"""The store's bookkeeping: transactions, recovery, merging of parts, and the analysts' loaders."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from helpers.data import store as st

CN = ZoneInfo("Asia/Shanghai")


def test_transaction_commit_puts_files_and_abort_leaves_nothing(tmp_path):
    root = tmp_path / "s"
    with st.Transaction(root) as txn:
        txn.write_parquet("a/x.parquet", pl.DataFrame({"v": [1]}))
    assert pl.read_parquet(root / "a/x.parquet")["v"].to_list() == [1]
    txn = st.Transaction(root)
    txn.write_parquet("a/x.parquet", pl.DataFrame({"v": [2]}))
    txn.write_parquet("b/y.parquet", pl.DataFrame({"v": [3]}))
    txn.abort()
    assert pl.read_parquet(root / "a/x.parquet")["v"].to_list() == [1]
    assert not (root / "b").exists() and not list(root.glob(".txn-*"))


def test_recover_rolls_back_an_uncommitted_transaction(tmp_path):
    root = tmp_path / "s"
    txn = st.Transaction(root)
    txn.write_parquet("a/x.parquet", pl.DataFrame({"v": [1]}))
    txn._release()  # the process "dies" here: staged, never committed
    assert st.recover(root)[0].startswith("rolled back")
    assert not (root / "a").exists()


def test_history_keeps_retired_files(tmp_path):
    root = tmp_path / "s"
    with st.Transaction(root) as txn:
        txn.write_parquet("p/old.parquet", pl.DataFrame({"v": [1]}))
    with st.Transaction(root) as txn:
        hist = txn.move_to_history("p/old.parquet")
        txn.write_parquet("p/new.parquet", pl.DataFrame({"v": [2]}))
    assert not (root / "p/old.parquet").exists()
    assert pl.read_parquet(root / hist)["v"].to_list() == [1]


def test_merge_parts_first_part_wins_per_column_and_fills_gaps():
    ts = datetime(2026, 11, 16, 20, tzinfo=CN)
    best = pl.DataFrame(
        {
            "session_id": ["s"],
            "platform": ["douyin"],
            "room": ["暖阳服饰旗舰店"],
            "start_ts": [ts],
            "end_ts": [ts],
            "host": [None],
        },
        schema_overrides={"host": pl.String},
    )
    stub = pl.DataFrame(
        {
            "session_id": ["s"],
            "platform": ["douyin"],
            "room": ["nuanyang88"],
            "start_ts": [ts],
            "end_ts": [ts],
            "host": ["小暖"],
        }
    )
    m = st.merge_parts("sessions", [best, stub])
    assert m.select("room", "host").rows() == [("暖阳服饰旗舰店", "小暖")]
    comments = pl.DataFrame({"session_id": ["s"], "ts": [ts], "text": ["a"]})
    other = pl.DataFrame({"session_id": ["s"], "ts": [ts], "text": ["a"], "tag": ["老客"]})
    assert (
        st.merge_parts("comments", [comments, other]).height == 1
    )  # no key: the first source, never both


def test_write_session_tables_api_still_works(tmp_path):
    ts = datetime(2026, 11, 16, 20, tzinfo=CN)
    tables = {
        "sessions": pl.DataFrame(
            {
                "session_id": ["s1"],
                "platform": ["douyin"],
                "room": ["r"],
                "start_ts": [ts],
                "end_ts": [ts],
            }
        ),
        "orders": pl.DataFrame(
            {
                "session_id": ["s1"],
                "order_id": ["1"],
                "ts": [ts],
                "amount": [9.9],
                "status": ["paid"],
            }
        ),
    }
    st.write_session_tables(tables, tmp_path)
    assert st.load_table("orders", tmp_path)["amount"].to_list() == [9.9]
    assert st.load_table("orders", tmp_path, pandas=True)["amount"].tolist() == [9.9]
    assert st.list_sessions(tmp_path)["session_id"].to_list() == ["s1"]


def _one_session(tmp_path):
    ts = datetime(2026, 11, 16, 20, tzinfo=CN)
    st.write_session_tables(
        {
            "sessions": pl.DataFrame(
                {
                    "session_id": ["s1"],
                    "platform": ["douyin"],
                    "room": ["r"],
                    "start_ts": [ts],
                    "end_ts": [ts],
                }
            )
        },
        tmp_path,
    )


def test_store_is_plain_hive_parquet_for_pyarrow_and_pandas(tmp_path):
    import pandas as pd
    import pyarrow.dataset as ds

    _one_session(tmp_path)
    t = ds.dataset(tmp_path / "sessions", format="parquet", partitioning="hive").to_table()
    assert t.column("platform").to_pylist() == ["douyin"] and t.column(
        "session_id"
    ).to_pylist() == ["s1"]
    assert pd.read_parquet(tmp_path / "sessions")["session_id"].tolist() == ["s1"]


def test_store_reads_with_duckdb_directly(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    _one_session(tmp_path)
    con = duckdb.connect()
    rows = con.execute(
        "select session_id, platform from "
        f"read_parquet('{tmp_path}/sessions/*/*/*.parquet', hive_partitioning=true)"
    ).fetchall()
    assert rows == [("s1", "douyin")]


@pytest.mark.parametrize("value", ["dy-a-1", "暖阳|2026-11-16"])
def test_entity_names_are_file_safe(value):
    name = st.entity_name(value)
    assert "/" not in name and "|" not in name


def test_a_column_only_later_files_have_is_not_lost(tmp_path):
    ts = datetime(2026, 11, 16, 20, tzinfo=CN)
    base = {"platform": ["canonical"], "room": ["r"], "start_ts": [ts], "end_ts": [ts]}
    st.write_session_tables(
        {"sessions": pl.DataFrame({"session_id": ["a"], **base})}, tmp_path
    )  # no host
    st.write_session_tables(
        {"sessions": pl.DataFrame({"session_id": ["b"], **base, "host": ["小暖"]})}, tmp_path
    )
    s = st.load_table("sessions", tmp_path)
    assert s.select("session_id", "host").rows() == [("a", None), ("b", "小暖")]
