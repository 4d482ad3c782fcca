"""What the store says about past ingests: quarantined rows, cross-checks, contents per table."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from helpers.data import schema
from helpers.data import store as st
from helpers.ingest.apply import CHECK_SCHEMA, Q_SCHEMA
from helpers.paths import default_store, resolve


def _root(store: str | os.PathLike[str] | None) -> Path:
    return resolve(store) if store else default_store()


def load_quarantine(
    store: str | os.PathLike[str] | None = None, *, action: str | None = None
) -> pl.DataFrame:
    """Rows set aside by ingests: file, sheet, row, column, value, expected, reason, action.

    ``action`` is ``quarantined`` (a data row that failed) or ``skipped`` (a header/total/empty row).
    """
    files = sorted((_root(store) / st.QUARANTINE).glob("*.parquet"))
    cols = {**Q_SCHEMA, "action": pl.String, "sha256": pl.String}
    if not files:
        return pl.DataFrame(schema=cols)
    df = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
    if action:
        df = df.filter(pl.col("action") == action)
    return df.select([c for c in cols if c in df.columns]).sort(
        "file", "sheet", "row", nulls_last=True
    )


def load_checks(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Cross-checks of platform ratios against the counts of the same export."""
    files = sorted((_root(store) / st.CHECKS).glob("*.parquet"))
    if not files:
        return pl.DataFrame(schema={**CHECK_SCHEMA, "sha256": pl.String})
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed").sort(
        "file", "metric", "session_id", "product_id", nulls_last=True
    )


def store_contents(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Rows and sessions per canonical table in the store."""
    rows = []
    for name in schema.TABLES:
        lf = st.scan_table(name, store)
        cols = lf.collect_schema().names()
        agg = [pl.len().alias("rows")]
        if "session_id" in cols:
            agg.append(pl.col("session_id").n_unique().alias("sessions"))
        df = lf.select(agg).collect()
        rows.append(
            {
                "table": name,
                "rows": int(df["rows"][0]),
                "sessions": int(df["sessions"][0]) if "sessions" in df.columns else None,
            }
        )
    return pl.DataFrame(rows, schema={"table": pl.String, "rows": pl.Int64, "sessions": pl.Int64})


# ------------------------------------------------------------------- the 10-ingest notebook


def files_frame(store: str | os.PathLike[str] | None = None, outcome=None) -> pl.DataFrame:
    """Per file: name, export type, rows in/kept/quarantined, status (this run's, else the ledger's)."""
    if outcome is not None:
        return outcome.frame()
    led = st.ledger_table(store)
    if led.height == 0:
        return pl.DataFrame(
            schema={
                "file": pl.String,
                "export_type": pl.String,
                "rows_in": pl.Int64,
                "rows_kept": pl.Int64,
                "rows_quarantined": pl.Int64,
                "status": pl.String,
                "note": pl.String,
            }
        )
    return led.select(
        pl.col("path").map_elements(lambda p: Path(p).name, return_dtype=pl.String).alias("file"),
        "export_type",
        "rows_in",
        "rows_kept",
        "rows_quarantined",
        pl.lit("ingested").alias("status"),
        pl.when(pl.col("replaces") != "")
        .then(pl.concat_str([pl.lit("replaces "), pl.col("replaces")]))
        .otherwise(pl.lit(""))
        .alias("note"),
    ).sort("file")  # by name: the ledger's order follows file times, which a fresh clone changes


def by_export_type(files: pl.DataFrame) -> pl.DataFrame:
    """Files and rows per export type and status."""
    return (
        files.group_by("export_type", "status")
        .agg(
            pl.len().cast(pl.Int64).alias("files"),
            pl.col("rows_in").sum(),
            pl.col("rows_kept").sum(),
            pl.col("rows_quarantined").sum(),
        )
        .sort("export_type", "status")
    )


def quarantine_summary(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """What was set aside and why: one row per (file, action, column, reason) with a count and an example."""
    q = load_quarantine(store)
    if q.height == 0:
        return pl.DataFrame(
            schema={
                "file": pl.String,
                "action": pl.String,
                "column": pl.String,
                "reason": pl.String,
                "rows": pl.Int64,
                "example_row": pl.Int64,
                "example_value": pl.String,
                "expected": pl.String,
            }
        )
    return (
        q.with_columns(pl.col("file").map_elements(lambda p: Path(p).name, return_dtype=pl.String))
        .group_by("file", "action", "column", "reason", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            pl.col("row").first().alias("example_row"),
            pl.col("value").first().alias("example_value"),
            pl.col("expected").first(),
        )
        .sort("action", "rows", "file", descending=[False, True, False])
    )


def checks_summary(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Cross-checks per metric: how many agree, how many disagree, the worst difference."""
    c = load_checks(store)
    if c.height == 0:
        return pl.DataFrame(
            schema={
                "metric": pl.String,
                "source_column": pl.String,
                "checked": pl.Int64,
                "ok": pl.Int64,
                "mismatch": pl.Int64,
                "max_abs_diff": pl.Float64,
            }
        )
    return (
        c.group_by("metric", "source_column")
        .agg(
            pl.len().cast(pl.Int64).alias("checked"),
            (pl.col("status") == "ok").sum().cast(pl.Int64).alias("ok"),
            (pl.col("status") == "mismatch").sum().cast(pl.Int64).alias("mismatch"),
            pl.col("abs_diff").max().alias("max_abs_diff"),
        )
        .sort("mismatch", "metric", "source_column", descending=[True, False, False])
    )


def mismatches(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """The platform figures that disagree with the recomputed ones, with the likely cause."""
    c = load_checks(store).filter(pl.col("status") == "mismatch")
    return c.select(
        pl.col("file").map_elements(lambda p: Path(p).name, return_dtype=pl.String).alias("file"),
        "session_id",
        "product_id",
        "metric",
        "source_column",
        "platform_value",
        "recomputed",
        "note",
    ).sort("session_id", "metric", "source_column", "product_id", "file", nulls_last=True)


def quality_chart(files: pl.DataFrame, lang: str = "zh"):
    """Rows kept vs quarantined per export type (a bar chart of aggregates)."""
    import plotly.graph_objects as go

    agg = (
        files.group_by("export_type")
        .agg(pl.col("rows_kept").sum(), pl.col("rows_quarantined").sum())
        .sort("export_type")
    )
    kept, quar = ("保留", "隔离") if lang == "zh" else ("kept", "quarantined")
    fig = go.Figure(
        [
            go.Bar(name=kept, x=agg["export_type"].to_list(), y=agg["rows_kept"].to_list()),
            go.Bar(name=quar, x=agg["export_type"].to_list(), y=agg["rows_quarantined"].to_list()),
        ]
    )
    fig.update_layout(
        barmode="stack",
        height=360,
        margin={"l": 40, "r": 20, "t": 40, "b": 80},
        title="按导出类型的行数" if lang == "zh" else "Rows per export type",
        yaxis_type="log" if agg["rows_kept"].max() and agg["rows_kept"].max() > 1000 else None,
    )
    return fig


def ingest_summary(
    files: pl.DataFrame, store: str | os.PathLike[str] | None = None
) -> dict[str, int]:
    """The summary.json keys of the 10-ingest report (documented in docs/ingest.md)."""
    checks = load_checks(store)
    return {
        "files": files.height,
        "rows_in": int(files["rows_in"].sum() or 0),
        "rows_kept": int(files["rows_kept"].sum() or 0),
        "rows_quarantined": int(files["rows_quarantined"].sum() or 0),
        "rejected": int((files["status"] == "rejected").sum()),
        "duplicates": int((files["status"] == "duplicate").sum()),
        "cross_check_mismatches": int((checks["status"] == "mismatch").sum())
        if checks.height
        else 0,
    }


# ---------------------------------------------------------------------------------------------
# Sections of the 10-ingest report: they read the store's bookkeeping (ledger, quarantine,
# checks), so they run on any store, one holding only room_days included.
# ---------------------------------------------------------------------------------------------

from helpers.present import sections  # noqa: E402


@sections.section("ingest.files")
def files_section(store: str | os.PathLike[str], outcome=None) -> dict:
    """The exports in the store (or of this run): per file, per export type, the summary keys."""
    files = files_frame(store, outcome)
    return {
        "files": files,
        "by_type": by_export_type(files),
        "summary": ingest_summary(files, store),
    }


@sections.section("ingest.quarantine")
def quarantine_section(store: str | os.PathLike[str]) -> dict[str, pl.DataFrame]:
    """Quarantined data rows, and rows that are not data (repeated headers, totals) per reason."""
    qs = quarantine_summary(store)
    skipped = qs.filter(pl.col("action") == "skipped").select("reason", "rows")
    return {
        "quarantined": qs.filter(pl.col("action") == "quarantined").drop("action"),
        "skipped": skipped.group_by("reason").agg(pl.col("rows").sum()).sort("reason"),
    }


@sections.section("ingest.checks")
def checks_section(store: str | os.PathLike[str]) -> dict[str, pl.DataFrame]:
    return {"summary": checks_summary(store), "mismatches": mismatches(store)}


@sections.section("ingest.contents")
def contents_section(store: str | os.PathLike[str]) -> pl.DataFrame:
    return store_contents(store)


INGEST_SECTIONS = ("ingest.files", "ingest.quarantine", "ingest.checks", "ingest.contents")


def run_all(store: str | os.PathLike[str]) -> dict[str, sections.Outcome]:
    """Every section of the ingest report on ``store`` (what the matrix test checks)."""
    return {k: sections.run(k, {}, store) for k in INGEST_SECTIONS}
