"""What the 50-comments report shows for each section: its tables and its one sentence of
interpretation, in the report's language; the sentence of what is missing when a section could
not run. Comment texts are data: tables go through ``nb.show_table`` (escaped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from helpers.comments.analysis import CommentsContext
from helpers.comments.intent import label
from helpers.present import nb
from helpers.present.i18n import t
from helpers.present.labels import columns, value_label
from helpers.present.sections import Outcome, needs_text

EXPLANATION_COLUMNS = [
    "name",
    "product_id",
    "start_ts",
    "minutes",
    "questions",
    "question_lift",
    "top_question",
    "top_question_lift",
    "orders_per_min",
    "order_lift",
    "orders_followed",
]
UNANSWERED_COLUMNS = ["intent", "product_id", "asks", "askers", "re_askers", "minutes", "examples"]


def _say(key: str, lang: str, **values: Any) -> nb.Markdown:
    return nb.say(t(key, lang), **values)


def _codes_in_words(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    out = df
    for c in ("intent", "intent_group", "top_question"):
        if c in out.columns:
            words = pl.col(c).map_elements(
                lambda v: label(v, lang), return_dtype=pl.String, skip_nulls=False
            )
            out = out.with_columns(words)
    return out


def labelled(
    df: pl.DataFrame, lang: str = "zh", names: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """A comments table as the report shows it: intent codes in words (question_size → 尺码),
    product ids by name, times as HH:MM, lists joined (texts stay data, escaped when shown)."""
    out = _codes_in_words(df, lang)
    if names is not None and "product_id" in out.columns:
        out = out.with_columns(
            pl.col("product_id").replace_strict(dict(names), default=pl.col("product_id"))
        )
    for c in ("first_ts", "last_ts", "minute_ts", "start_ts"):
        if c in out.columns and out.schema[c].is_temporal():
            out = out.with_columns(pl.col(c).dt.strftime("%H:%M"))
    for c, dtype in out.schema.items():
        if isinstance(dtype, pl.List):
            out = out.with_columns(pl.col(c).list.join(" / " if c == "examples" else " "))
        elif dtype == pl.Boolean:
            out = out.with_columns(
                pl.col(c).map_elements(lambda v: value_label(v, lang), return_dtype=pl.String)
            )
    return out


def _table(
    df: pl.DataFrame, key: str, lang: str, names: Mapping[str, str] | None = None, **fmt: Any
) -> nb.Table:
    """A comments table in words, captioned ``key``, columns named in the language."""
    shown = labelled(df, lang, names)
    return nb.show_table(shown, t(key, lang), rename=columns(shown.columns, lang), **fmt)


def intro(ctx: CommentsContext, lang: str) -> nb.Markdown:
    """Which session, which room, how many comments from how many viewers."""
    cl = ctx.classified
    return _say(
        "comments.intro",
        lang,
        sid=ctx.session_id or "–",
        room=(ctx.session.info.get("room", "") if ctx.session else "") or "–",
        n=cl.height,
        v=cl["viewer_id"].n_unique() if "viewer_id" in cl.columns else 0,
    )


def intents(out: Outcome, lang: str) -> list[Any]:
    """The intent mix and the sentence of the groups' shares and the top question/complaint."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    summ, groups = out.value["summary"], out.value["summary"]["intent_groups"]
    mix = _table(
        out.value["mix"], "comments.mix_caption", lang, decimals={"share": 1}, percent=("share",)
    )
    return [
        mix,
        _say(
            "comments.mix_text",
            lang,
            q=groups["question"] or 0,
            p=groups["purchase"] or 0,
            pr=groups["praise"] or 0,
            c=groups["complaint"] or 0,
            tq=label(summ["top_question"], lang),
            tc=label(summ["top_complaint"], lang),
        ),
    ]


def examples(out: Outcome, lang: str) -> list[Any]:
    """The most frequent texts per intent and the positive share of opinions (nothing when the
    intents could not be read: :func:`intents` said why)."""
    if not out.ok:
        return []
    pos = out.value["summary"]["positive_share"]
    return [
        _table(out.value["examples"], "comments.examples_caption", lang, max_rows=60),
        _say("comments.positive_text", lang, p="–" if pos is None else f"{pos:.0%}"),
    ]


def busiest_minute(minutes: pl.DataFrame) -> dict[str, Any] | None:
    """The minute with most questions (the first of ties), None without any question."""
    busiest = minutes.sort(["question", "minute_ts"], descending=[True, False]).head(1)
    return busiest.row(0, named=True) if busiest.height and busiest["question"][0] > 0 else None


def minutes(out: Outcome, ctx: CommentsContext, lang: str) -> nb.Markdown:
    """The minute with most questions and the product explained then."""
    if not out.ok:
        return nb.outcome(out, lang)
    row = busiest_minute(out.value)
    if row is None:
        return _say("comments.no_questions", lang)
    pid = row.get("product_id")
    return _say(
        "comments.busiest_text",
        lang,
        m=row["minute_ts"].strftime("%H:%M"),
        q=row["question"],
        p=(ctx.names.get(pid, pid) if pid is not None else None) or "–",
    )


def explanations(out: Outcome, lang: str) -> list[Any]:
    """Each explanation window and how many raised questions, and orders with them."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    expl = out.value
    decimals = {"minutes": 1, "question_lift": 2, "top_question_lift": 2}
    decimals |= {"orders_per_min": 2, "order_lift": 2}
    table = _table(
        expl.select(EXPLANATION_COLUMNS), "comments.explanations_caption", lang, decimals=decimals
    )
    return [
        table,
        _say(
            "comments.explanations_text",
            lang,
            n=expl.height,
            r=int((expl["question_lift"].fill_null(0) > 1).sum()),
            f=int(expl["orders_followed"].fill_null(False).sum()),
        ),
    ]


def unanswered(out: Outcome, ctx: CommentsContext, lang: str) -> list[Any]:
    """The question themes that kept coming back, and the one most in need of an answer."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    themes = out.value
    table = _table(
        themes.select(UNANSWERED_COLUMNS), "comments.unanswered_caption", lang, ctx.names
    )
    if not themes.height:
        return [table, _say("comments.no_unanswered", lang)]
    top = themes.row(0, named=True)
    product = ctx.names.get(top["product_id"], top["product_id"])
    return [
        table,
        _say(
            "comments.unanswered_text",
            lang,
            i=label(top["intent"], lang),
            r=top["re_askers"],
            p=product or t("comments.outside_explanations", lang),
        ),
    ]


def complaints(out: Outcome, lang: str) -> list[Any]:
    """Complaint themes, example complaints, and the largest theme."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    themes = out.value["themes"]
    fmt: dict[str, Any] = {"decimals": {"share": 1, "sentiment": 2}, "percent": ("share",)}
    return [
        _table(themes, "comments.complaints_caption", lang, **fmt),
        _table(out.value["examples"], "comments.complaint_examples_caption", lang),
        _say(
            "comments.complaints_text",
            lang,
            n=int(themes["comments"].sum()),
            t=label(themes["intent"][0], lang) if themes.height else "–",
        ),
    ]


def integrity(out: Outcome, lang: str) -> list[Any]:
    """Copy-pasted texts, burst minutes, and the integrity sentence (a warning when flagged)."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    fig = out.value["figures"]
    bursts_fmt: dict[str, Any] = {
        "decimals": {"robust_z": 1, "top_text_share": 0},
        "percent": ("top_text_share",),
    }
    return [
        _table(out.value["duplicates"], "comments.duplicates_caption", lang),
        _table(out.value["bursts"], "comments.bursts_caption", lang, **bursts_fmt),
        _say(
            "comments.integrity_text",
            lang,
            d=fig["duplicate_texts"],
            c=fig["duplicate_comments"],
            sh=fig["duplicate_share"],
            b=fig["burst_minutes"],
            r=fig["repeating_viewers"],
            flag=t("comments.integrity_flag", lang) if fig["flag"] else "",
        ),
    ]


def left_out(outcomes: list[Outcome], lang: str) -> list[nb.Markdown]:
    """One line per section that could not run (its title and why), or the sentence that every
    section ran."""
    lines = [
        _say("comments.left_out_item", lang, k=t(f"sec_{o.key}", lang), w=needs_text(o, lang))
        for o in outcomes
        if not o.ok
    ]
    return lines or [_say("comments.all_ran", lang)]
