"""What the store says about past ingests (quarantined rows, cross-checks, contents per table), and
the 10-ingest report over it: :func:`open_ingest` ingests the inputs and runs every section once,
:func:`show` and the sentences display them, :func:`build_summary` gives ``summary.json``."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from helpers.data import schema
from helpers.data import store as st
from helpers.ingest.apply import CHECK_SCHEMA, Q_SCHEMA
from helpers.metrics.definitions import label as metric_label
from helpers.paths import default_store, resolve
from helpers.present import nb, sections
from helpers.present.i18n import t
from helpers.present.labels import columns

if TYPE_CHECKING:
    from helpers.ingest.run import IngestOutcome


def _root(store: str | os.PathLike[str] | None) -> Path:
    return resolve(store) if store else default_store()


def load_quarantine(
    store: str | os.PathLike[str] | None = None, *, action: str | None = None
) -> pl.DataFrame:
    """Rows set aside by ingests: file, sheet, row, column, value, expected, reason, action.

    ``action`` is ``quarantined`` (a data row that failed) or ``skipped`` (a header, total or
    empty row).
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


def files_frame(
    store: str | os.PathLike[str] | None = None, outcome: IngestOutcome | None = None
) -> pl.DataFrame:
    """Per file: name, export type, rows in/kept/quarantined, status (this run's, else the
    ledger's)."""
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
    """What was set aside and why: one row per (file, action, column, reason) with a count and an
    example."""
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


def quality_chart(files: pl.DataFrame, lang: str = "zh") -> Any:
    """Rows kept vs quarantined per export type (a bar chart of aggregates)."""
    import plotly.graph_objects as go

    agg = (
        files.group_by("export_type")
        .agg(pl.col("rows_kept").sum(), pl.col("rows_quarantined").sum())
        .sort("export_type")
    )
    types = agg["export_type"].to_list()
    fig = go.Figure(
        [
            go.Bar(name=t("ingest.chart_kept", lang), x=types, y=agg["rows_kept"].to_list()),
            go.Bar(
                name=t("ingest.chart_quarantined", lang),
                x=types,
                y=agg["rows_quarantined"].to_list(),
            ),
        ]
    )
    big = bool((agg["rows_kept"] > 1000).any())  # a log axis keeps small types visible
    fig.update_layout(
        barmode="stack",
        height=360,
        margin={"l": 40, "r": 20, "t": 40, "b": 80},
        title=t("ingest.chart_title", lang),
        yaxis_type="log" if big else None,
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


@sections.section("ingest.files")
def files_section(
    store: str | os.PathLike[str], outcome: IngestOutcome | None = None
) -> dict[str, Any]:
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
    """Cross-checks per metric, and the figures that disagree."""
    return {"summary": checks_summary(store), "mismatches": mismatches(store)}


@sections.section("ingest.contents")
def contents_section(store: str | os.PathLike[str]) -> pl.DataFrame:
    """Rows and sessions per canonical table."""
    return store_contents(store)


INGEST_SECTIONS = ("ingest.files", "ingest.quarantine", "ingest.checks", "ingest.contents")


def run_all(store: str | os.PathLike[str]) -> dict[str, sections.Outcome]:
    """Every section of the ingest report on ``store`` (what the matrix test checks)."""
    return {k: sections.run(k, {}, store) for k in INGEST_SECTIONS}


# ---------------------------------------------------------------------------------------------
# The report: open it, show its sections, say what they mean, summarise it
# ---------------------------------------------------------------------------------------------

#: Headers of the per-file and per-type tables, and of the not-data rows (``ingest.col_*``).
FILE_COLUMNS = (
    "file",
    "files",
    "export_type",
    "rows_in",
    "rows_kept",
    "rows_quarantined",
    "status",
    "note",
)
SKIPPED_COLUMNS = ("reason", "rows")
QUARANTINE_COLUMNS = (
    "file",
    "column",
    "reason",
    "rows",
    "example_row",
    "example_value",
    "expected",
)


@dataclass
class IngestReport:
    """The store reported on (as the parameter gives it, and resolved), this run's ingest (None
    when there were no inputs) and each section's outcome, in report order."""

    store: str
    store_dir: Path
    ingested: IngestOutcome | None
    outcomes: dict[str, sections.Outcome]

    def __getitem__(self, key: str) -> sections.Outcome:
        return self.outcomes[key]

    @property
    def files(self) -> pl.DataFrame:
        """The per-file table (empty when the files section did not run)."""
        out = self["ingest.files"]
        return out.value["files"] if out.ok else pl.DataFrame()

    @property
    def summary(self) -> dict[str, Any]:
        """The summary keys of the files section (empty when it did not run)."""
        out = self["ingest.files"]
        return out.value["summary"] if out.ok else {}


def open_ingest(inputs: Any, store: str) -> IngestReport:
    """Ingest ``inputs`` (files or folders; none: only report) into ``store``, then run every
    section on the store. Raises ValueError when ``inputs`` is not a list."""
    from helpers.ingest import ingest_paths

    if not isinstance(inputs, list | tuple):
        raise ValueError(f"inputs must be a list of files or folders, not {inputs!r}")
    store_dir = resolve(store)
    ingested = ingest_paths([resolve(p) for p in inputs], store_dir) if inputs else None
    outcomes = {"ingest.files": sections.run("ingest.files", {}, store_dir, ingested)}
    outcomes |= {k: sections.run(k, {}, store_dir) for k in INGEST_SECTIONS[1:]}
    return IngestReport(store, store_dir, ingested, outcomes)


def _headers(names: tuple[str, ...], lang: str) -> dict[str, str]:
    return {c: t(f"ingest.col_{c}", lang) for c in names}


def _files_view(value: dict[str, Any], lang: str, report: IngestReport) -> list[Any]:
    names = _headers(FILE_COLUMNS, lang)
    return [
        nb.show_table(value["by_type"], t("ingest.cap_by_type", lang), decimals=0, rename=names),
        nb.show_table(
            value["files"], t("ingest.cap_per_file", lang), decimals=0, rename=names, max_rows=500
        ),
    ]


def _quarantine_view(value: dict[str, pl.DataFrame], lang: str, report: IngestReport) -> list[Any]:
    quarantined, skipped = value["quarantined"], value["skipped"]
    out: list[Any] = []
    if quarantined.height:
        caption, rename = t("ingest.cap_quarantined", lang), _headers(QUARANTINE_COLUMNS, lang)
        out.append(nb.show_table(quarantined, caption, decimals=0, rename=rename))
    if skipped.height:
        caption = t("ingest.cap_skipped", lang)
        rename = _headers(SKIPPED_COLUMNS, lang)
        out.append(nb.show_table(skipped, caption, decimals=0, rename=rename))
    n = int(quarantined["rows"].sum() or 0)
    return [*out, nb.say(t("ingest.quarantine_sentence", lang), n=f"{n:,}")]


def _checks_view(value: dict[str, pl.DataFrame], lang: str, report: IngestReport) -> list[Any]:
    cs = value["summary"].with_columns(
        pl.col("metric").map_elements(lambda k: metric_label(k, lang), return_dtype=pl.String)
    )
    out = [
        nb.show_table(
            cs,
            t("ingest.cap_checks", lang),
            decimals={"max_abs_diff": 2},
            points=("max_abs_diff",),
            rename=columns(cs.columns, lang),
        )
    ]
    bad = value["mismatches"]
    if bad.height:
        out.append(nb.show_table(bad, t("ingest.cap_mismatches", lang), decimals=4))
    return [*out, nb.say(t("ingest.checks_sentence", lang), n=bad.height)]


def _contents_view(value: pl.DataFrame, lang: str, report: IngestReport) -> list[Any]:
    caption = t("ingest.cap_contents", lang)
    return [
        nb.show_table(value, caption, decimals=0, rename=columns(value.columns, lang)),
        nb.say(t("ingest.contents_sentence", lang), path=Path(report.store).as_posix()),
    ]


VIEWS: dict[str, Callable[[Any, str, IngestReport], list[Any]]] = {
    "ingest.files": _files_view,
    "ingest.quarantine": _quarantine_view,
    "ingest.checks": _checks_view,
    "ingest.contents": _contents_view,
}


def show(report: IngestReport, key: str, lang: str = "zh") -> list[Any]:
    """Section ``key`` as display objects: its tables and sentence, or the one sentence saying
    why it did not run (a failing display step is recorded as the section failing)."""
    out = report[key]
    if not out.ok:
        return [nb.outcome(out, lang)]
    res = sections.guard(key, lambda: VIEWS[key](out.value, lang, report))
    return [nb.outcome(res, lang)] if isinstance(res, sections.Outcome) else res


def files_sentence(report: IngestReport, lang: str = "zh") -> nb.Markdown:
    """How many files and rows went in, were kept, set aside, rejected or duplicates."""
    s = report.summary
    if not s.get("files"):
        return nb.say(t("ingest.no_ledger", lang))
    return nb.say(
        t("ingest.files_sentence", lang),
        files=s.get("files", 0),
        rows_in=f"{s.get('rows_in', 0):,}",
        kept=f"{s.get('rows_kept', 0):,}",
        quar=f"{s.get('rows_quarantined', 0):,}",
        rejected=s.get("rejected", 0),
        dups=s.get("duplicates", 0),
    )


def files_chart(report: IngestReport, lang: str = "zh") -> Any:
    """Rows kept vs quarantined per export type, or None when there are no files."""
    return quality_chart(report.files, lang) if report.files.height else None


def left_out(report: IngestReport, lang: str = "zh") -> list[nb.Markdown]:
    """One line per section that did not produce a result: its title and why."""
    return [
        nb.say(
            t("ingest.left_out_line", lang),
            k=t(f"sec_{o.key}", lang),
            w=sections.needs_text(o, lang),
        )
        for o in report.outcomes.values()
        if not o.ok
    ]


def build_summary(report: IngestReport) -> dict[str, Any]:
    """The report's ``summary.json`` keys (``docs/ingest.md``): the files section's counts, empty
    when it did not run."""
    return dict(report.summary)
