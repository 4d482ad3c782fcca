"""What the comments say: the 50-comments report's entry, sections and summary.json, and the
analyses behind them (re-exported here, each in its own module).

Every analysis takes comments already classified by :func:`helpers.comments.classify_frame`
(``classified``: the canonical comments table plus intent, intent_group, sentiment, tokens),
except :func:`keyword_trends`, which classifies raw comments itself when needed.

- :func:`intent_mix`, :func:`examples_by_intent` — counts, shares and frequent texts per intent;
- :func:`per_minute` (:mod:`.series`) — intent groups and mean sentiment per minute, beside
  online viewers and orders;
- :func:`explanation_questions` (:mod:`.explanations`) — per product explanation (讲解):
  questions per minute against outside any explanation, the theme that rose most, orders after;
- :func:`unanswered_questions` (:mod:`.unanswered`) — question themes still asked by new viewers
  minutes after they were first asked (a proxy for "not answered on air");
- :func:`complaint_themes`, :func:`complaint_examples`, :func:`keyword_trends` (:mod:`.themes`);
- :func:`duplicate_texts`, :func:`comment_bursts`, :func:`integrity` (:mod:`.integrity`) —
  copy-pasted text and bursts of comments, an integrity signal (bought comments).

The report opens with :func:`open_comments` and writes :func:`build_summary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl

from helpers.comments.classify import classify_frame
from helpers.comments.explanations import explanation_questions
from helpers.comments.integrity import comment_bursts, duplicate_texts, integrity
from helpers.comments.intent import GROUPS, QUESTION_INTENTS
from helpers.comments.series import explain_windows, minute_of, per_minute, product_at
from helpers.comments.themes import (
    complaint_examples,
    complaint_themes,
    content_tokens,
    keyword_trends,
    stopwords,
)
from helpers.comments.unanswered import unanswered_questions
from helpers.data import schema
from helpers.data.store import Session, list_sessions, load_session
from helpers.present import sections

__all__ = [
    "COMMENT_SECTIONS",
    "CommentsContext",
    "build_summary",
    "comment_bursts",
    "complaint_examples",
    "complaint_themes",
    "content_tokens",
    "duplicate_texts",
    "examples_by_intent",
    "explain_windows",
    "explanation_questions",
    "integrity",
    "intent_mix",
    "keyword_trends",
    "minute_of",
    "open_comments",
    "per_minute",
    "product_at",
    "run_all",
    "stopwords",
    "summary",
    "unanswered_questions",
]


def intent_mix(classified: pl.DataFrame) -> pl.DataFrame:
    """Comments per intent: intent_group, intent, comments, share (of all comments), viewers."""
    n = max(classified.height, 1)
    viewers = pl.col("viewer_id").n_unique() if "viewer_id" in classified.columns else pl.lit(None)
    out = classified.group_by("intent_group", "intent").agg(
        pl.len().alias("comments"), viewers.alias("viewers")
    )
    order = {g: i for i, g in enumerate(GROUPS)}
    return (
        out.with_columns(
            (pl.col("comments") / n).round(4).alias("share"),
            pl.col("intent_group").replace_strict(order, default=99).alias("_o"),
        )
        .sort(["_o", "comments", "intent"], descending=[False, True, False])
        .drop("_o")
        .select("intent_group", "intent", "comments", "share", "viewers")
    )


def summary(
    classified: pl.DataFrame,
    events: pl.DataFrame | None = None,
    trend: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The comment figures of a session for summary.json (keys documented in docs/comments.md)."""
    n = classified.height
    groups = dict(classified.group_by("intent_group").len().iter_rows()) if n else {}
    intents = dict(classified.group_by("intent").len().iter_rows()) if n else {}
    sent = classified["sentiment"].drop_nulls() if n else pl.Series([], dtype=pl.Float64)
    out: dict[str, Any] = {
        "comments": n,
        "commenters": int(classified["viewer_id"].n_unique())
        if n and "viewer_id" in classified.columns
        else None,
        "intent_groups": {g: round(groups.get(g, 0) / n, 4) if n else None for g in GROUPS},
        "intents": {i: int(intents[i]) for i in sorted(intents)},
        "questions": int(groups.get("question", 0)),
        "question_share": round(groups.get("question", 0) / n, 4) if n else None,
        "complaints": int(groups.get("complaint", 0)),
        "opinions": int(sent.len()),
        "sentiment_mean": round(float(cast(float, sent.mean())), 3) if sent.len() else None,
        "positive_share": round(float(cast(float, (sent >= 0.5).mean())), 3)
        if sent.len()
        else None,
    }
    top_q = [i for i in QUESTION_INTENTS if intents.get(i)]
    out["top_question"] = max(top_q, key=lambda i: (intents[i], i)) if top_q else None
    comp = complaint_themes(classified)
    out["top_complaint"] = comp["intent"][0] if comp.height else None
    if events is not None:
        uq = unanswered_questions(classified, events, top=3)
        out["unanswered_themes"] = [
            {"intent": r["intent"], "product_id": r["product_id"], "re_askers": int(r["re_askers"])}
            for r in uq.iter_rows(named=True)
        ]
        eq = explanation_questions(classified, events, trend)
        out["explanations"] = eq.height
        out["explanations_questions_rose"] = (
            int((eq["question_lift"].fill_null(0) > 1).sum()) if eq.height else 0
        )
        out["explanations_orders_followed"] = (
            int(eq["orders_followed"].fill_null(False).sum()) if eq.height else 0
        )
    out["integrity"] = integrity(classified)
    return out


def examples_by_intent(classified: pl.DataFrame, *, per_intent: int = 3) -> pl.DataFrame:
    """The most frequent texts of each intent: intent_group, intent, text, times (ties by first
    appearance). Texts are data: show them with :func:`helpers.present.nb.show_table` (escaped)."""
    if classified.is_empty():
        return pl.DataFrame(
            schema={
                "intent_group": pl.String,
                "intent": pl.String,
                "text": pl.String,
                "times": pl.UInt32,
            }
        )
    order = {g: i for i, g in enumerate(GROUPS)}
    return (
        classified.sort("ts")
        .group_by("intent_group", "intent", "text", maintain_order=True)
        .len()
        .rename({"len": "times"})
        .with_columns(pl.col("intent_group").replace_strict(order, default=99).alias("_o"))
        .sort(["_o", "intent", "times"], descending=[False, False, True], maintain_order=True)
        .group_by("intent", maintain_order=True)
        .head(per_intent)
        .select("intent_group", "intent", "text", "times")
    )


@dataclass
class CommentsContext:
    """One session's comments, classified, with the tables the sections read (empty frames where
    the store has none; ``session`` is None when the store holds no session at all)."""

    session_id: str
    session: Session | None
    classified: pl.DataFrame
    names: dict[str, str] = field(default_factory=dict)

    def frames(self) -> dict[str, pl.DataFrame]:
        return self.session.frames() if self.session is not None else {}

    def table(self, name: str) -> pl.DataFrame | None:
        """A table of the session, None when absent or empty."""
        df = self.frames().get(name)
        return df if df is not None and df.height else None


def open_comments(session_id: str, store: str) -> CommentsContext:
    """The comments of ``session_id`` (empty: the store's latest session) classified for the
    report; a store without any session gives an empty context whose sections say so."""
    if not session_id:
        known = list_sessions(store)
        if known.is_empty():
            return CommentsContext("", None, classify_frame(_no_comments()))
        session_id = known["session_id"][-1]
    s = load_session(session_id, store)
    cl = classify_frame(s.comments if s.has("comments") else _no_comments())
    names = dict(s.products.select("product_id", "name").iter_rows()) if s.has("products") else {}
    return CommentsContext(session_id, s, cl, names)


def _no_comments() -> pl.DataFrame:
    return schema.empty("comments")


@sections.section("comments.intents", needs=["comments"])
def intents_section(ctx: CommentsContext) -> dict[str, Any]:
    """Intent mix, the most frequent texts per intent, and the session's comment figures."""
    return {
        "mix": intent_mix(ctx.classified),
        "examples": examples_by_intent(ctx.classified),
        "summary": summary(ctx.classified, ctx.table("events"), ctx.table("trend")),
    }


@sections.section("comments.minutes", needs=["comments"])
def minutes_section(ctx: CommentsContext) -> pl.DataFrame:
    return per_minute(ctx.classified, ctx.table("trend"), ctx.table("events"))


@sections.section("comments.explanations", needs=["comments", "events"])
def explanations_section(ctx: CommentsContext) -> pl.DataFrame:
    events = ctx.table("events")
    assert events is not None  # the section's needs include events
    return explanation_questions(ctx.classified, events, ctx.table("trend"), ctx.table("products"))


@sections.section("comments.unanswered", needs=["comments.viewer_id"])
def unanswered_section(ctx: CommentsContext) -> pl.DataFrame:
    return unanswered_questions(ctx.classified, ctx.table("events"), top=10)


@sections.section("comments.complaints", needs=["comments"])
def complaints_section(ctx: CommentsContext) -> dict[str, pl.DataFrame]:
    return {
        "themes": complaint_themes(ctx.classified),
        "examples": complaint_examples(ctx.classified, per_theme=3),
    }


@sections.section("comments.integrity", needs=["comments"])
def integrity_section(ctx: CommentsContext) -> dict[str, Any]:
    """Copy-pasted texts (need viewer ids: empty without), bursts, and the integrity figures."""
    return {
        "duplicates": duplicate_texts(ctx.classified),
        "bursts": comment_bursts(ctx.classified),
        "figures": integrity(ctx.classified),
    }


COMMENT_SECTIONS = (
    "comments.intents",
    "comments.minutes",
    "comments.explanations",
    "comments.unanswered",
    "comments.complaints",
    "comments.integrity",
)


def run_all(ctx: CommentsContext) -> dict[str, sections.Outcome]:
    """Every section of the comments report (what the matrix test checks)."""
    f = ctx.frames()
    return {k: sections.run(k, f, ctx) for k in COMMENT_SECTIONS}


def build_summary(ctx: CommentsContext, outcomes: list[sections.Outcome]) -> dict[str, Any]:
    """The comments report's summary.json (keys in docs/comments.md): the session's comment
    figures when the comments could be read, plus ``skipped`` (section key → why, in English)."""
    out: dict[str, Any] = {"session_id": ctx.session_id, "skipped": {}}
    for o in outcomes:
        if o.key == "comments.intents" and o.ok:
            out |= o.value["summary"]
        elif not o.ok:
            out["skipped"][o.key.split(".", 1)[1]] = sections.needs_text(o, "en")
    return out
