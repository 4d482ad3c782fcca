"""The store is plain Hive-partitioned Parquet (``<table>/platform=…/date=…/<session>.parquet``):
DuckDB and a Spark-style reader (pyarrow.dataset with hive partitioning) aggregate a month of it
without the workbook, and agree with the simulated tables the store was written from."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

MONTH = ("2026-11-01", "2026-11-30")


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> tuple[Path, pl.DataFrame]:
    """Five weeks (late October to late November), two sessions a week, written to a store; and
    the known answer: per day of November, sessions, orders and order amount."""
    from helpers.data.store import write_session_tables
    from helpers.sim.simulate import simulate_week

    sim = simulate_week(seed=3, viewers=100, sessions=2, week="2026-W48", weeks=5)
    store = tmp_path_factory.mktemp("month-store")
    write_session_tables({k: sim.tables[k] for k in ("sessions", "orders")}, store)
    days = sim.tables["sessions"].select(
        "session_id", pl.col("start_ts").dt.date().cast(pl.String).alias("date")
    )
    known = (
        sim.tables["orders"]
        .join(days, on="session_id")
        .filter(pl.col("date").is_between(pl.lit(MONTH[0]), pl.lit(MONTH[1])))
        .group_by("date")
        .agg(
            pl.col("session_id").n_unique().alias("sessions"),
            pl.len().alias("orders"),
            pl.col("amount").sum().round(2),
        )
        .sort("date")
    )
    assert known.height == 8  # eight November session days, two October ones left out
    return store, known


def _same(got: pl.DataFrame, known: pl.DataFrame) -> None:
    assert got["date"].to_list() == known["date"].to_list()
    assert got["sessions"].to_list() == known["sessions"].to_list()
    assert got["orders"].to_list() == known["orders"].to_list()
    assert got["amount"].to_list() == pytest.approx(known["amount"].to_list(), abs=0.01)


def test_duckdb_aggregates_a_month_of_orders(month) -> None:
    duckdb = pytest.importorskip("duckdb")
    store, known = month
    got = duckdb.sql(f"""
        SELECT CAST(date AS VARCHAR) AS date, count(DISTINCT session_id) AS sessions,
               count(*) AS orders, round(sum(amount), 2) AS amount
        FROM read_parquet('{store}/orders/*/*/*.parquet', hive_partitioning = true)
        WHERE platform = 'douyin' AND date BETWEEN '{MONTH[0]}' AND '{MONTH[1]}'
        GROUP BY 1 ORDER BY 1
    """).pl()
    _same(got, known)


def test_pyarrow_dataset_with_hive_partitions_aggregates_a_month(month) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    store, known = month
    part = ds.partitioning(
        pa.schema([("platform", pa.string()), ("date", pa.string())]), flavor="hive"
    )
    orders = ds.dataset(store / "orders", format="parquet", partitioning=part)
    month_filter = (
        (pc.field("platform") == "douyin")
        & (pc.field("date") >= MONTH[0])
        & (pc.field("date") <= MONTH[1])
    )
    table = orders.to_table(columns=["date", "session_id", "amount"], filter=month_filter)
    got = table.group_by("date").aggregate(
        [("session_id", "count_distinct"), ("session_id", "count"), ("amount", "sum")]
    )
    got = (
        pl.from_arrow(got)
        .select(
            "date",
            pl.col("session_id_count_distinct").alias("sessions"),
            pl.col("session_id_count").alias("orders"),
            pl.col("amount_sum").round(2).alias("amount"),
        )
        .sort("date")
    )
    _same(got, known)
