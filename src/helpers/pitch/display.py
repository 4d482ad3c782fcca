"""What the pitch report shows: display frames (times as HH:MM:SS, names of elements, rules and
sources in the report's language, long speech cut to a readable length), the chart, and
:func:`section` — a section's tables then its sentence of interpretation, or the sentence of
what it needs. Text stays data: ``nb.show_table`` escapes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from helpers.comments.intent import label as intent_label
from helpers.pitch.rules import compliance_rules, element_rules
from helpers.present import nb, sections
from helpers.present.i18n import t
from helpers.present.labels import columns
from helpers.present.sections import Outcome

if TYPE_CHECKING:  # the context is built in analysis, which does not import this module
    from helpers.pitch.analysis import PitchContext

SPEECH_CHARS = 80


def show(df: pl.DataFrame, caption: str, lang: str, **kwargs: Any) -> nb.Table:
    """``nb.show_table`` with the columns named in the report's language (formats by column key)."""
    return nb.show_table(df, caption, rename=columns(df.columns, lang), **kwargs)


def _cut(col: str, n: int = SPEECH_CHARS) -> pl.Expr:
    text = pl.col(col).fill_null("")
    return pl.when(text.str.len_chars() > n).then(text.str.slice(0, n) + "…").otherwise(text)


def _hms(col: str, fmt: str = "%H:%M:%S") -> pl.Expr:
    return pl.col(col).dt.strftime(fmt)


def element_name(key: str | None, lang: str) -> str:
    """The name of an element in the language (the key when unknown)."""
    e = element_rules().elements.get(key or "")
    return e.name(lang) if e else (key or "–")


def _elements_expr(col: str, lang: str) -> pl.Expr:
    names = {k: e.name(lang) for k, e in element_rules().elements.items()}
    return (
        pl.col(col)
        .list.eval(pl.element().replace_strict(names, default=pl.element()))
        .list.join(t("pitch.list_sep", lang))
    )


def minutes_view(table: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Per minute: time, speech, speaking rate, silence, viewers, orders, GMV, run sheet."""
    keep = [c for c in ("online", "entries", "orders", "gmv") if c in table.columns]
    kinds = (
        pl.col("on_air")
        .str.split(",")
        .list.eval(
            pl.element().replace_strict(
                {k: t(k, lang) for k in ("explain", "lottery", "coupon", "flash_sale")},
                default=pl.element(),
            )
        )
        .list.join(t("pitch.list_sep", lang))
    )
    return table.select(
        _hms("minute_ts", "%H:%M").alias("minute_ts"),
        _cut("text").alias("speech"),
        "chars_per_min",
        "silent_s",
        "gaps",
        *keep,
        kinds.alias("on_air"),
    )


def counts_view(counts: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Elements heard: name, lines, minutes, first time."""
    return counts.select(
        pl.col("element").map_elements(lambda k: element_name(k, lang), return_dtype=pl.String),
        "lines",
        "minutes",
        _hms("first_ts").alias("first_ts"),
    )


def outline_view(outline: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The script outline: element, lines and shares around the peaks and overall, lift, example."""
    return outline.select(
        pl.col("element").map_elements(lambda k: element_name(k, lang), return_dtype=pl.String),
        "lines_converting",
        "share_converting",
        "share_all",
        "lift",
        _cut("example"),
    )


def converting_view(best: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The minutes with most orders and what was said in them."""
    return best.select(
        _hms("minute_ts", "%H:%M").alias("minute_ts"), "orders", _cut("text", 120).alias("speech")
    )


def effect_view(eff: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Rate ratios of orders after each element, with their interval and status."""
    status = {"ok": t("pitch_ok", lang), "too_little_data": t("too_little_data", lang)}
    return eff.select(
        pl.col("element").map_elements(lambda k: element_name(k, lang), return_dtype=pl.String),
        "minutes_with",
        "rate_ratio",
        "lo",
        "hi",
        "p_value",
        pl.col("status").replace_strict(status, default=pl.col("status")),
    )


def openings_view(ops: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The golden 30 seconds: start, source, opening, elements, hook, characters, speech."""
    src = {"events": t("src_events", lang), "link_call": t("src_link_call", lang)}
    yes, no = t("pitch_yes", lang), t("pitch_no", lang)
    return ops.select(
        _hms("start_ts").alias("start"),
        pl.col("source").replace_strict(src, default=pl.col("source")),
        pl.coalesce("label", "product_id").alias("opening"),
        _elements_expr("elements", lang),
        pl.when(pl.col("hook")).then(pl.lit(yes)).otherwise(pl.lit(no)).alias("hook"),
        "chars",
        _cut("text").alias("speech"),
    )


def answered_view(matched: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The questions answered, in the order asked: time, topic, question, delay, the answer."""
    topic = pl.col("intent").map_elements(lambda i: intent_label(i, lang), return_dtype=pl.String)
    return matched.filter(pl.col("answer_ts").is_not_null()).select(
        _hms("ts").alias("ask_ts"),
        topic,
        _cut("text", 40).alias("question"),
        "delay_s",
        _cut("answer").alias("answer"),
    )


def topics_view(by_topic: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Answer rate and median delay per question topic."""
    return by_topic.with_columns(
        pl.col("intent").map_elements(lambda i: intent_label(i, lang), return_dtype=pl.String)
    )


def themes_view(themes: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Unanswered themes: topic (and link), asks, askers, examples."""
    theme = pl.col("intent").map_elements(lambda i: intent_label(i, lang), return_dtype=pl.String)
    theme = (
        pl.when(pl.col("num").is_not_null())
        .then(pl.format("{} · #{}", theme, "num"))
        .otherwise(theme)
    )
    return themes.select(
        theme.alias("theme"), "asks", "askers", pl.col("examples").list.join(" / ")
    )


def compliance_view(hits: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Compliance hits: time, source, term, rule, severity, legal basis, clause."""
    names = {r.id: r.name(lang) for r in compliance_rules().rules}
    return hits.select(
        _hms("ts").alias("ts"),
        pl.col("source").replace_strict(
            {s: t(f"src_{s}", lang) for s in ("transcript", "product", "comment")}
        ),
        pl.col("term").alias("hit_term"),
        pl.col("rule").replace_strict(names, default=pl.col("rule")),
        pl.col("severity").replace_strict(
            {s: t(f"sev_{s}", lang) for s in ("high", "medium", "low")}
        ),
        "law",
        _cut("text").alias("sentence"),
    )


def minute_chart(table: pl.DataFrame, lang: str) -> Any:  # a plotly Figure
    """Orders per minute (bars) and the host's speaking rate (line, right axis)."""
    import plotly.graph_objects as go

    x = table["minute_ts"].to_list()
    fig = go.Figure()
    if "orders" in table.columns and table["orders"].null_count() < table.height:
        fig.add_bar(
            x=x, y=table["orders"].to_list(), name=t("orders", lang), marker_color="#c0c8d8"
        )
    fig.add_scatter(
        x=x,
        y=table["chars_per_min"].to_list(),
        name=t("chars_per_min", lang),
        yaxis="y2",
        mode="lines",
        line={"color": "#d9534f"},
    )
    fig.update_layout(
        height=360,
        margin={"l": 40, "r": 40, "t": 30, "b": 40},
        legend={"orientation": "h"},
        xaxis_title=t("minute", lang),
        yaxis_title=t("orders", lang),
        yaxis2={"title": t("chars_per_min", lang), "overlaying": "y", "side": "right"},
    )
    return fig


# --------------------------------------------------------------------------------------------
# Sections as the report shows them: tables, then one sentence
# --------------------------------------------------------------------------------------------


def _say(key: str, lang: str, **values: Any) -> nb.Markdown:
    return nb.say(t(key, lang), **values)


def _names(keys: Any, lang: str) -> str:
    """Element names joined in the language, "–" for none."""
    return t("pitch.list_sep", lang).join(element_name(k, lang) for k in keys) or "–"


def spoken_minutes(detected: pl.DataFrame) -> float:
    """Minutes of speech in the transcript (the lines' durations summed)."""
    if not detected.height:
        return 0.0
    return float((detected["end_ts"] - detected["start_ts"]).dt.total_seconds().sum() / 60)


def intro(ctx: PitchContext, lang: str) -> nb.Markdown:
    """Which session and room, how much was said, how many comments."""
    comments = ctx.frames().get("comments")
    return _say(
        "pitch.intro",
        lang,
        sid=ctx.session_id,
        room=ctx.session.info.get("room", "") if ctx.session else "",
        n=ctx.detected.height,
        m=spoken_minutes(ctx.detected),
        c=comments.height if comments is not None else 0,
    )


def _minutes(mt: pl.DataFrame, lang: str) -> list[Any]:
    talking = mt.filter(pl.col("spoken_s") > 0)
    fmt = {"decimals": {"chars_per_min": 0, "silent_s": 0, "gmv": 0}, "max_rows": 240}
    return [
        show(minutes_view(mt, lang), t("pitch.minutes_caption", lang), lang, **fmt),
        _say(
            "pitch.minutes_text",
            lang,
            n=talking.height,
            r=float(cast(float, talking["chars_per_min"].median()) or 0),
            q=int((mt["silent_s"] > 45).sum()),
            g=int(mt["gaps"].sum()),
        ),
    ]


def _elements(value: dict[str, pl.DataFrame], lang: str) -> list[Any]:
    cnt = value["counts"]
    top = cnt.sort(["lines", "element"], descending=[True, False]).row(0, named=True)
    never = cnt.filter(pl.col("lines") == 0)["element"]
    return [
        show(counts_view(cnt, lang), t("pitch.elements_caption", lang), lang),
        _say(
            "pitch.elements_text",
            lang,
            e=element_name(top["element"], lang),
            n=top["lines"],
            m=_names(never, lang),
        ),
    ]


def _converting(value: dict[str, Any], lang: str) -> list[Any]:
    outline = value["outline"]
    shares = ("share_converting", "share_all")
    fmt = {"decimals": {"lift": 2, "share_converting": 0, "share_all": 0}, "percent": shares}
    lead = outline.filter(pl.col("lift") > 1)["element"]
    return [
        show(converting_view(value["minutes"], lang), t("pitch.converting_caption", lang), lang),
        show(outline_view(outline, lang), t("pitch.outline_caption", lang), lang, **fmt),
        _say("pitch.converting_text", lang, n=value["lines"], e=_names(lead, lang)),
    ]


def _effect(eff: pl.DataFrame, lang: str) -> list[Any]:
    clear = eff.filter((pl.col("status") == "ok") & (pl.col("lo") > 1))
    fmt = {"decimals": {"rate_ratio": 2, "lo": 2, "hi": 2, "p_value": 3}}
    return [
        show(effect_view(eff, lang), t("pitch.effect_caption", lang), lang, **fmt),
        _say(
            "pitch.effect_text",
            lang,
            k=clear.height,
            e=_names(clear["element"], lang),
            t=int((eff["status"] == "too_little_data").sum()),
        ),
    ]


def _openings(ops: pl.DataFrame, lang: str) -> list[Any]:
    table = show(openings_view(ops, lang), t("pitch.openings_caption", lang), lang, max_rows=60)
    if not ops.height:
        return [table, _say("pitch.no_openings", lang)]
    return [table, _say("pitch.openings_text", lang, n=ops.height, h=int(ops["hook"].sum()))]


def _questions(value: dict[str, Any], lang: str) -> list[Any]:
    qs = value["summary"]
    delay = qs["median_delay_s"]
    topics_fmt = {
        "decimals": {"median_delay_s": 0, "answered_share": 0},
        "percent": ("answered_share",),
    }
    answered_fmt = {"decimals": {"delay_s": 0}, "max_rows": 60}
    return [
        show(
            topics_view(value["by_topic"], lang),
            t("pitch.topics_caption", lang),
            lang,
            **topics_fmt,
        ),
        show(
            answered_view(value["matched"], lang),
            t("pitch.answered_caption", lang),
            lang,
            **answered_fmt,
        ),
        show(themes_view(value["themes"], lang), t("pitch.themes_caption", lang), lang),
        _say(
            "pitch.questions_text",
            lang,
            a=qs["asked"],
            b=qs["answered"],
            d="–" if delay is None else t("pitch.seconds", lang, s=delay),
        ),
    ]


def _compliance(hits: pl.DataFrame, lang: str) -> list[Any]:
    sev = {k: int((hits["severity"] == k).sum()) for k in ("high", "medium", "low")}
    return [
        show(compliance_view(hits, lang), t("pitch.compliance_caption", lang), lang, max_rows=100),
        _say(
            "pitch.compliance_text",
            lang,
            n=hits.height,
            h=sev["high"],
            m=sev["medium"],
            l=sev["low"],
            t=int((hits["source"] == "transcript").sum()),
        ),
    ]


#: what each section of the report shows from its value
SHOWN: dict[str, Callable[[Any, str], list[Any]]] = {
    "pitch.minutes": _minutes,
    "pitch.elements": _elements,
    "pitch.converting": _converting,
    "pitch.effect": _effect,
    "pitch.openings": _openings,
    "pitch.questions": _questions,
    "pitch.compliance": _compliance,
}


def section(out: Outcome, lang: str) -> list[Any]:
    """What a section of the pitch report shows: its tables then its sentence of interpretation;
    the sentence of what it needs when it could not run."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    return SHOWN[out.key](out.value, lang)


def chart(out: Outcome, lang: str) -> Any:
    """The minute chart of the ``pitch.minutes`` outcome (a failing chart says so in its place)."""
    return sections.guard(out.key, lambda: minute_chart(out.value, lang))
