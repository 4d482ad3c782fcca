"""Live comments (弹幕): tokens, intent, sentiment and the analyses built on them.

- :func:`classify_frame` adds ``intent``, ``intent_group``, ``sentiment``, ``tokens`` to any frame.
- :func:`cli_classify` backs
  ``workbook comments classify FILE.csv --text-column COL --out OUT.csv``.
- Analyses (:mod:`helpers.comments.analysis`, one module each): per-minute series (``series``),
  questions around explanations (``explanations``), unanswered question themes (``unanswered``),
  complaint themes and keyword trends (``themes``), duplicates and bursts (``integrity``);
  ``display`` and ``charts`` show them in the 50-comments report.

Method and evaluation: ``docs/comments.md``.

Stage: analysis. May import the foundation (paths, data, metrics, present).
"""

from __future__ import annotations

from helpers.comments.analysis import (
    comment_bursts,
    complaint_examples,
    complaint_themes,
    duplicate_texts,
    examples_by_intent,
    explanation_questions,
    integrity,
    intent_mix,
    keyword_trends,
    per_minute,
    summary,
    unanswered_questions,
)
from helpers.comments.classify import OUTPUT_COLUMNS, classify_frame, classify_texts
from helpers.comments.cli import classify_csv, cli_classify, read_csv_any
from helpers.comments.intent import GROUPS, INTENTS, group_of, label
from helpers.comments.tokenize import normalise, tokenize

__all__ = [
    "GROUPS",
    "INTENTS",
    "OUTPUT_COLUMNS",
    "classify_csv",
    "classify_frame",
    "classify_texts",
    "cli_classify",
    "comment_bursts",
    "complaint_examples",
    "complaint_themes",
    "duplicate_texts",
    "examples_by_intent",
    "explanation_questions",
    "group_of",
    "integrity",
    "intent_mix",
    "keyword_trends",
    "label",
    "normalise",
    "per_minute",
    "read_csv_any",
    "summary",
    "tokenize",
    "unanswered_questions",
]
