"""Store variants built from the bundled sample: what real users have, in the subsets they have it.

``sample_store(dest)`` ingests ``data/sample/raw`` (platform-style exports) once; ``make_variant``
copies that store and cuts it to one of :data:`VARIANTS`:

- ``full``: everything the sample has (viewer rows included);
- ``no_viewers``: without the simulator's viewer-level table (what every real user has);
- ``no_viewers_comments``: without viewers and comments;
- ``required_only``: no viewers, every other table cut to its required columns;
- ``session_list_only``: the sessions and the platform's session totals, nothing else;
- ``orders_session_list``: the session list plus order lines;
- ``daily_overview_only``: only ``room_days`` (one row per room-day metric, from the totals).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from helpers.data import schema

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RAW = ROOT / "data" / "sample" / "raw"

VARIANTS = (
    "full",
    "no_viewers",
    "no_viewers_comments",
    "required_only",
    "session_list_only",
    "orders_session_list",
    "daily_overview_only",
)

_KEEP: dict[str, set[str] | None] = {
    "full": None,
    "no_viewers": None,
    "no_viewers_comments": None,
    "required_only": None,
    "session_list_only": {"sessions", "session_totals"},
    "orders_session_list": {"sessions", "session_totals", "orders"},
    "daily_overview_only": {"room_days"},
}
_DROP = {
    "no_viewers": {"viewers"},
    "no_viewers_comments": {"viewers", "comments"},
    "required_only": {"viewers"},
}


def sample_store(dest: Path) -> Path:
    """Ingest the bundled sample's raw exports into ``dest`` (a new canonical store)."""
    from helpers.ingest import ingest_paths

    ingest_paths([SAMPLE_RAW], dest)
    return dest


def _tables(store: Path) -> list[Path]:
    return [p for p in store.iterdir() if p.is_dir() and p.name in schema.TABLES]


def _room_days(store: Path) -> pl.DataFrame:
    """room_days from the sessions' platform totals, one row per room, day and metric."""
    from helpers.data.store import load_table

    sessions = load_table("sessions", store).select(
        "session_id", "room", pl.col("start_ts").dt.date().alias("date")
    )
    totals = load_table("session_totals", store)
    additive = [
        "gmv",
        "paid_gmv",
        "orders",
        "buyers",
        "viewers",
        "views",
        "comments",
        "new_followers",
        "product_exposed",
        "product_clickers",
        "ad_spend",
        "refund_amount",
        "units",
        "duration_min",
    ]
    return (
        totals.filter(pl.col("metric").is_in(additive))
        .join(sessions, on="session_id")
        .group_by("room", "date", "metric")
        .agg(pl.col("value").sum(), pl.lit("直播间大盘").alias("source_column"))
        .with_columns(  # the daily overview gives air time in hours (直播时长(小时))
            pl.when(pl.col("metric") == "duration_min")
            .then(pl.col("value") / 60.0)
            .otherwise("value"),
            pl.col("metric").replace("duration_min", "duration_h"),
        )
        .sort("room", "date", "metric")
    )


def make_variant(full: Path, name: str, dest: Path) -> Path:
    """A copy of the ``full`` store cut to variant ``name`` (see the module docstring)."""
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; variants: {', '.join(VARIANTS)}")
    if dest.exists():
        shutil.rmtree(dest)
    if name == "daily_overview_only":
        from helpers.data.store import atomic_write_parquet

        days = schema.validate("room_days", _room_days(full))
        dest.mkdir(parents=True)
        for (day,), part in days.partition_by("date", as_dict=True).items():
            atomic_write_parquet(
                part, dest / "room_days" / "platform=douyin" / f"date={day}" / "room.parquet"
            )
        return dest
    shutil.copytree(full, dest, ignore=shutil.ignore_patterns("_history", ".txn-*"))
    keep, drop = _KEEP[name], _DROP.get(name, set())
    for table_dir in _tables(dest):
        if (keep is not None and table_dir.name not in keep) or table_dir.name in drop:
            shutil.rmtree(table_dir)
    if name == "required_only":
        for table_dir in _tables(dest):
            required = [c.name for c in schema.table(table_dir.name).columns if c.required]
            for f in table_dir.glob("platform=*/date=*/*.parquet"):
                df = pl.read_parquet(f, hive_partitioning=False)
                df.select([c for c in df.columns if c in required]).write_parquet(f)
    return dest
