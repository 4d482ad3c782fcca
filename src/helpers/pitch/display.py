"""Display frames and the chart of the pitch report: times as HH:MM:SS, names of elements, rules and
sources in the report's language, long speech cut to a readable length; :func:`show` names the
columns (text stays data: ``nb.show_table`` escapes it)."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.comments.intent import label as intent_label
from helpers.pitch.rules import compliance_rules, element_rules
from helpers.present.i18n import t
from helpers.present.labels import columns

SPEECH_CHARS = 80


def show(df: pl.DataFrame, caption: str, lang: str, **kwargs: Any) -> Any:
    """``nb.show_table`` with the columns named in the report's language (formats by column key)."""
    from helpers.present import nb

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
        .list.join("、" if lang == "zh" else ", ")
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
        .list.join("、" if lang == "zh" else ", ")
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


def minute_chart(table: pl.DataFrame, lang: str):  # -> plotly Figure
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
