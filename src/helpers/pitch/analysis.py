"""The pitch report's entry (:func:`open_pitch`), its sections (registered with
:mod:`helpers.present.sections`) and its summary.json (:func:`build_summary`).

Every section takes a :class:`PitchContext`: the session's tables by canonical name and its
transcript with the pitch elements detected (once); optional tables (trend, orders, events,
products) are used when present and non-empty.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl

from helpers.data import schema
from helpers.data.store import Session
from helpers.pitch import answers, compliance, effect, elements, minutes, opening
from helpers.pitch.rules import element_rules
from helpers.present import sections

CONVERTING_TOP = 5
PITCH_SECTIONS = (
    "pitch.minutes",
    "pitch.elements",
    "pitch.converting",
    "pitch.effect",
    "pitch.openings",
    "pitch.questions",
    "pitch.compliance",
)


@dataclass
class PitchContext:
    """One session's tables by canonical name and its transcript with the elements detected."""

    session_id: str
    session: Session | None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    outcomes: dict[str, sections.Outcome] = field(default_factory=dict)

    def run(self, key: str) -> sections.Outcome:
        """Run one section of the report on this context and keep its outcome (for the summary)."""
        self.outcomes[key] = sections.run(key, self.frames(), self)
        return self.outcomes[key]

    def frames(self) -> dict[str, pl.DataFrame]:
        """The tables by canonical name (what section needs are checked on)."""
        return self.tables

    def get(self, name: str) -> pl.DataFrame | None:
        """The table when present and non-empty, else None."""
        df = self.tables.get(name)
        return df if df is not None and df.height else None

    @functools.cached_property
    def detected(self) -> pl.DataFrame:
        """The transcript with its elements detected (:func:`helpers.pitch.elements.detect`)."""
        transcript = self.get("transcript")
        return elements.detect(transcript if transcript is not None else schema.empty("transcript"))

    @functools.cached_property
    def minute_table(self) -> pl.DataFrame:
        """The per-minute table (:func:`helpers.pitch.minutes.minute_table`)."""
        return minutes.minute_table(
            self.detected, self.get("trend"), self.get("orders"), self.get("events")
        )


def open_pitch(session_id: str, store: str) -> PitchContext:
    """The context of ``session_id`` (empty: the store's latest session); a store without any
    session gives an empty context whose sections say what they need."""
    from helpers.data.store import list_sessions, load_session

    if not session_id:
        known = list_sessions(store)
        if known.is_empty():
            return PitchContext("", None, {})
        session_id = known["session_id"][-1]
    s = load_session(session_id, store)
    return PitchContext(session_id, s, s.frames())


def context(tables: Mapping[str, pl.DataFrame], session_id: str = "") -> PitchContext:
    """A context from frames held in memory (tests, an analyst's own tables)."""
    return PitchContext(session_id, None, dict(tables))


@sections.section("pitch.minutes", needs=["transcript"])
def minute_section(ctx: PitchContext) -> pl.DataFrame:
    """Per minute: speech, elements, viewers, orders, GMV, run sheet."""
    return ctx.minute_table


@sections.section("pitch.elements", needs=["transcript"])
def element_section(ctx: PitchContext) -> dict[str, pl.DataFrame]:
    """Element hits (one row per line and element) and counts per element."""
    return {
        "hits": elements.element_hits(ctx.detected),
        "counts": elements.element_counts(ctx.detected),
    }


@sections.section("pitch.converting", needs=["transcript", "trend.orders|orders"])
def converting_section(ctx: PitchContext, top: int = CONVERTING_TOP) -> dict[str, Any]:
    """The minutes with most orders, what was said in them and the minute before, and the
    script outline: elements ranked by how much more often they were heard there than overall."""
    det = ctx.detected
    m = ctx.minute_table.filter(pl.col("orders").is_not_null())
    best = (
        m.filter(pl.col("orders") > 0)
        .sort(["orders", "minute_ts"], descending=[True, False])
        .head(top)
    )
    keys = list(element_rules().elements)
    window = best.select(pl.col("minute_ts").alias("m")).with_columns(
        pl.col("m").dt.offset_by("-1m").alias("m0"), pl.col("m").dt.offset_by("1m").alias("m1")
    )
    lines = det.with_columns(pl.col("start_ts").dt.truncate("1m").alias("minute_ts"))
    inside = (
        lines.join(window, how="cross")
        .filter((pl.col("minute_ts") >= pl.col("m0")) & (pl.col("minute_ts") < pl.col("m1")))
        .unique("start_ts", keep="first")
    )
    rows = []
    for k in keys:
        conv = inside.filter(pl.col(k)) if inside.height else inside
        rows.append(
            {
                "element": k,
                "lines_converting": conv.height,
                "share_converting": conv.height / inside.height if inside.height else None,
                "share_all": float(cast(float, det[k].mean())) if det.height else None,
                "example": conv.sort("start_ts")["text"][0] if conv.height else None,
            }
        )
    outline = (
        pl.DataFrame(rows)
        .with_columns((pl.col("share_converting") / pl.col("share_all")).alias("lift"))
        .sort(["lift", "element"], descending=[True, False], nulls_last=True)
    )
    return {
        "minutes": best.select("minute_ts", "orders", "text", *keys),
        "outline": outline,
        "lines": inside.height,
    }


@sections.section("pitch.effect", needs=["transcript", "trend.orders|orders"])
def effect_section(ctx: PitchContext) -> pl.DataFrame:
    """Rate ratio of orders after each element (count model with run-sheet controls)."""
    return effect.element_effects(ctx.minute_table)


@sections.section("pitch.openings", needs=["transcript"])
def opening_section(ctx: PitchContext) -> pl.DataFrame:
    """The first 30 s of every explanation (run sheet) or link call."""
    return opening.golden_30s(ctx.detected, ctx.get("events"))


@sections.section("pitch.questions", needs=["transcript", "comments"])
def question_section(ctx: PitchContext) -> dict[str, Any]:
    """Viewer questions matched to the host's answers."""
    matched = answers.match(answers.questions(ctx.tables["comments"]), ctx.detected)
    themes = answers.unanswered_themes(matched)
    return {
        "matched": matched,
        "by_topic": answers.by_topic(matched),
        "themes": themes,
        "summary": answers.summary(matched, themes),
    }


@sections.section("pitch.compliance", needs=["transcript|products.name|comments"])
def compliance_section(ctx: PitchContext) -> pl.DataFrame:
    """Compliance hits of the transcript, product titles and comments."""
    return compliance.scan_all(ctx.get("transcript"), ctx.get("products"), ctx.get("comments"))


def run_all(ctx: PitchContext) -> dict[str, sections.Outcome]:
    """Every section of the pitch report, in report order (what a matrix test checks)."""
    return {k: sections.run(k, ctx.frames(), ctx) for k in PITCH_SECTIONS}


def _records(df: pl.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
    return [dict(r) for r in df.select(cols).iter_rows(named=True)]


def summary(outcomes: Mapping[str, sections.Outcome]) -> dict[str, Any]:
    """The pitch keys of summary.json (``docs/pitch.md``): compliance, pitch_elements, questions,
    element_effects, openings — empty or null where the section could not run."""

    def val(key: str) -> Any:
        out = outcomes.get(key)
        return out.value if out is not None and out.ok else None

    comp, el, qs, eff, ops = (
        val(f"pitch.{k}") for k in ("compliance", "elements", "questions", "effect", "openings")
    )
    return {
        "compliance": _records(comp, ["ts", "source", "term", "rule", "severity", "text"])
        if comp is not None
        else [],
        "pitch_elements": _records(el["hits"], ["ts", "element", "text"]) if el else [],
        "questions": qs["summary"]
        if qs
        else {"asked": None, "answered": None, "median_delay_s": None, "unanswered_themes": []},
        "element_effects": _records(eff, list(effect.EFFECT_COLUMNS)) if eff is not None else [],
        "openings": {"count": ops.height, "with_hook": int(ops["hook"].sum())}
        if ops is not None
        else None,
    }


def build_summary(ctx: PitchContext) -> dict[str, Any]:
    """The pitch report's summary.json: the session and the pitch keys of the sections run."""
    return {"session_id": ctx.session_id, **summary(ctx.outcomes)}
