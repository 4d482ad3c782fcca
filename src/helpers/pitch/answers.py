"""Were viewers answered? Each viewer question matched to the host's answer in the transcript.

Questions are the comments that :func:`helpers.comments.classify_frame` gives one of the topic
intents (price, stock, size, shipping, usage, link). A question is answered by the first
transcript line that starts within :data:`WINDOW_S` seconds after it and mentions the topic's words
(``answer_topics`` in ``elements.yaml``); when the question names a link number (19号哪里点), the
line must name the same number. The delay is the line's start minus the comment's time.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from helpers.comments import classify_frame
from helpers.pitch.compliance import normalise_one
from helpers.pitch.rules import element_rules
from helpers.pitch.text import link_numbers

WINDOW_S = 180
TOPICS = (
    "question_price",
    "question_stock",
    "question_size",
    "question_shipping",
    "question_usage",
    "question_link",
)


def questions(comments: pl.DataFrame) -> pl.DataFrame:
    """Topic questions among ``comments``: qid, ts, text, viewer_id, intent, nums (link numbers)."""
    cl = classify_frame(comments, tokens=False)
    if "viewer_id" not in cl.columns:
        cl = cl.with_columns(pl.lit(None, dtype=pl.String).alias("viewer_id"))
    q = cl.filter(pl.col("intent").is_in(TOPICS)).sort("ts", "text", "viewer_id", nulls_last=True)
    nums = [link_numbers(normalise_one(t), need_link_word=False) for t in q["text"].to_list()]
    return q.select(
        pl.int_range(pl.len()).alias("qid"), "ts", "text", "viewer_id", "intent"
    ).with_columns(pl.Series("nums", nums, dtype=pl.List(pl.Int64)))


def _answer_lines(detected: pl.DataFrame, topic: str) -> pl.DataFrame:
    """Transcript lines that speak to ``topic``: start_ts, text, nums (numbers named with 号)."""
    pattern = element_rules().topics[topic]
    lines = detected.filter(pl.col("norm").str.contains(pattern))
    nums = [link_numbers(t, need_link_word=False) for t in lines["norm"].to_list()]
    return (
        lines.select("start_ts", pl.col("text").alias("answer"))
        .with_columns(pl.Series("nums", nums, dtype=pl.List(pl.Int64)))
        .sort("start_ts")
    )


def match(qs: pl.DataFrame, detected: pl.DataFrame, *, window_s: int = WINDOW_S) -> pl.DataFrame:
    """``qs`` with ``answer_ts``, ``answer`` and ``delay_s`` of the first answer (null if none)."""
    tol = timedelta(seconds=window_s)
    found = []
    for topic in TOPICS:
        tq = qs.filter(pl.col("intent") == topic)
        if tq.height == 0:
            continue
        lines = _answer_lines(detected, topic)
        plain = tq.filter(pl.col("nums").list.len() == 0).sort("ts")
        found.append(
            plain.join_asof(
                lines.drop("nums").rename({"start_ts": "answer_ts"}),
                left_on="ts",
                right_on="answer_ts",
                strategy="forward",
                tolerance=tol,
            ).select("qid", "answer_ts", "answer")
        )
        numbered = (
            tq.filter(pl.col("nums").list.len() > 0)
            .explode("nums")
            .rename({"nums": "num"})
            .sort("ts")
        )
        by_num = (
            lines.explode("nums")
            .drop_nulls("nums")
            .rename({"nums": "num", "start_ts": "answer_ts"})
        )
        found.append(
            numbered.join_asof(
                by_num.sort("answer_ts"),
                left_on="ts",
                right_on="answer_ts",
                by="num",
                strategy="forward",
                tolerance=tol,
                check_sortedness=False,
            ).select("qid", "answer_ts", "answer")
        )
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "qid": pl.Int64,
        "answer_ts": qs.schema["ts"],
        "answer": pl.String,
    }
    hits = (
        pl.concat([f.cast(pl.Schema(schema)) for f in found])
        if found
        else pl.DataFrame(schema=schema)
    )
    first = (
        hits.drop_nulls("answer_ts")
        .sort("qid", "answer_ts")
        .group_by("qid", maintain_order=True)
        .first()
    )
    out = qs.join(first, on="qid", how="left")
    delay = (pl.col("answer_ts") - pl.col("ts")).dt.total_microseconds() / 1e6
    return out.with_columns(delay.alias("delay_s")).sort("qid")


def by_topic(matched: pl.DataFrame) -> pl.DataFrame:
    """Per topic: asked, answered, share answered, median delay (s) — in the topics' order."""
    order = {t: i for i, t in enumerate(TOPICS)}
    return (
        matched.group_by("intent")
        .agg(
            pl.len().cast(pl.Int64).alias("asked"),
            pl.col("answer_ts").is_not_null().sum().cast(pl.Int64).alias("answered"),
            pl.col("delay_s").median().alias("median_delay_s"),
        )
        .with_columns(
            (pl.col("answered") / pl.col("asked")).alias("answered_share"),
            pl.col("intent").replace_strict(order, return_dtype=pl.Int64).alias("_o"),
        )
        .sort("_o")
        .drop("_o")
        .select("intent", "asked", "answered", "answered_share", "median_delay_s")
    )


def unanswered_themes(matched: pl.DataFrame, *, examples: int = 3) -> pl.DataFrame:
    """Unanswered questions by topic (and link number when named): theme, intent, num, asks,
    askers (distinct viewers; asks when ids are absent), examples — most asked first."""
    un = matched.filter(pl.col("answer_ts").is_null()).with_columns(
        pl.col("nums").list.first().alias("num")
    )
    if un.height == 0:
        return pl.DataFrame(
            schema={
                "theme": pl.String,
                "intent": pl.String,
                "num": pl.Int64,
                "asks": pl.Int64,
                "askers": pl.Int64,
                "examples": pl.List(pl.String),
            }
        )
    askers = (
        pl.when(pl.col("viewer_id").is_not_null().any())
        .then(pl.col("viewer_id").n_unique())
        .otherwise(pl.len())
    )
    g = un.group_by("intent", "num").agg(
        pl.len().cast(pl.Int64).alias("asks"),
        askers.cast(pl.Int64).alias("askers"),
        pl.col("text")
        .value_counts(sort=True)
        .struct.field("text")
        .head(examples)
        .alias("examples"),
    )
    theme = (
        pl.when(pl.col("num").is_not_null())
        .then(pl.format("{}#{}", "intent", "num"))
        .otherwise("intent")
    )
    return (
        g.with_columns(theme.alias("theme"))
        .sort(
            ["askers", "asks", "intent", "num"],
            descending=[True, True, False, False],
            nulls_last=True,
        )
        .select("theme", "intent", "num", "asks", "askers", "examples")
    )


def summary(matched: pl.DataFrame, themes: pl.DataFrame) -> dict:
    """``questions`` block of summary.json: asked, answered, median_delay_s, unanswered_themes."""
    answered = matched.filter(pl.col("answer_ts").is_not_null())
    return {
        "asked": matched.height,
        "answered": answered.height,
        "median_delay_s": answered["delay_s"].median() if answered.height else None,
        "unanswered_themes": [
            {
                "theme": r["theme"],
                "intent": r["intent"],
                "link": r["num"],
                "asks": r["asks"],
                "askers": r["askers"],
            }
            for r in themes.iter_rows(named=True)
        ],
    }
