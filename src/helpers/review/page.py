"""What each cell of the session review shows, from the outcomes :func:`open_review` computed.

A section's function returns its display objects in order (a table, then its sentence of
interpretation), or the one sentence saying what the section lacks; a chart's function returns the
figure, or None when there is nothing to draw. Sentences take their words from the catalogue
(``review.*`` keys); every display step is guarded (:func:`helpers.review.display.step`), so a
failing table or chart says so in place and never takes the report down.

Products, traffic and promotions are in :mod:`helpers.review.page_sales`; audience, returning
customers, comments and integrity in :mod:`helpers.review.page_people` (re-exported here).
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from helpers.metrics import definitions as metrics
from helpers.present import nb, sections
from helpers.present.i18n import t
from helpers.review import charts
from helpers.review.context import Context, data_note
from helpers.review.display import format_value, interval_text, say, show, step
from helpers.review.page_people import (
    audience,
    audience_chart,
    comments,
    integrity,
    integrity_chart,
    intents_chart,
    returning,
)
from helpers.review.page_sales import (
    explain_chart,
    mix,
    mix_chart,
    products,
    products_chart,
    promotions,
    traffic,
    traffic_chart,
    windows,
)
from helpers.review.story import screen_label
from helpers.review.story_chart import minute_story_chart

__all__ = [
    "audience",
    "audience_chart",
    "comments",
    "explain_chart",
    "findings",
    "funnel",
    "funnel_chart",
    "glossary",
    "headline",
    "integrity",
    "integrity_chart",
    "intents_chart",
    "leaving",
    "leaving_chart",
    "mix",
    "mix_chart",
    "opening",
    "page_one",
    "products",
    "products_chart",
    "promotions",
    "retention",
    "retention_chart",
    "returning",
    "story",
    "story_chart",
    "summary_note",
    "targets_chart",
    "traffic",
    "traffic_chart",
    "windows",
]

RETENTION_DECIMALS = {"median_min": 1, "still_5": 3, "still_30": 3}
LEAVING_DECIMALS = {"expected": 1, "exit_rate": 4, "obs_exp": 2, "lo": 2, "hi": 2, "p_value": 4}
FUNNEL_DECIMALS = {"count": 0, "of_previous": 3, "of_top": 3}
GLOSSARY_COLUMNS = ("key", "zh", "en", "formula", "convention", "unit")


def opening(ctx: Context) -> nb.Markdown:
    """The report's opening sentence: room, host, times, as-of, the tables present and missing."""
    return say("review.data_note", ctx.lang, **data_note(ctx))


def page_one(ctx: Context) -> Any:
    """Page 1: the verdict, its decomposition and the actions (or why the verdict is missing)."""
    from helpers.review import PageOne

    missing = sections.needs_text(ctx.out["review.verdict"], ctx.lang)
    return PageOne(ctx.value("review.verdict"), ctx.acts, ctx.lang, missing=missing)


def headline(ctx: Context) -> list[Any]:
    """The KPI table against targets and benchmarks, and its sentence."""
    from helpers.review.headline import headline_table

    out, head, lang = ctx.out["review.headline"], ctx.head, ctx.lang
    if not out.ok or head is None:
        return [nb.outcome(out, lang)]
    return [
        step("review.headline", lambda: nb.show_table(headline_table(head, lang), None), lang),
        step("review.headline", lambda: say("review.headline_note", lang, **_kpi_facts(ctx)), lang),
    ]


def _kpi_facts(ctx: Context) -> dict[str, Any]:
    assert ctx.head is not None
    k, iv = ctx.head.kpis, ctx.head.intervals.get("conversion_rate")
    facts = {key: format_value(key, k.get(key)) for key in ("gmv", "viewers", "buyers")}
    return facts | {
        "paid": format_value("paid_gmv", k.get("paid_gmv")),
        "net": format_value("net_gmv", k.get("net_gmv")),
        "conv": format_value("conversion_rate", k.get("conversion_rate")),
        "conv_iv": interval_text("conversion_rate", iv, ctx.lang) if iv else "",
        "uv": format_value("uv_value", k.get("uv_value")),
        "n_alerts": len(ctx.head.alerts),
    }


def targets_chart(ctx: Context) -> Any:
    """Actual against target, or the sentence that no target was set."""
    assert ctx.head is not None
    table, lang = ctx.head.table, ctx.lang
    if not table["target"].is_not_null().any():
        return say("review.no_targets", lang)
    return step("review.headline", lambda: charts.targets_chart(table, lang), lang)


def story(ctx: Context) -> list[Any]:
    """The peaks and troughs of the minute story, and its sentence."""
    st, lang = ctx.value("review.story"), ctx.lang
    if st is None:
        return [nb.outcome(ctx.out["review.story"], lang)]
    cols = ("minute_ts", pl.col("series").alias("metric"), "kind", "value", "on_screen")
    caption = t("peak", lang) + " / " + t("trough", lang)
    return [
        step(
            "review.story", lambda: show(st.extrema.select(*cols), caption, lang, decimals=1), lang
        ),
        step("review.story", lambda: say("review.story_note", lang, **_story_facts(ctx)), lang),
    ]


def _story_facts(ctx: Context) -> dict[str, Any]:
    assert ctx.head is not None
    k, minutes = ctx.head.kpis, ctx.value("review.story").minutes
    has_online = minutes["online"].null_count() < minutes.height
    top = minutes.sort("online", descending=True, nulls_last=True)["minute_ts"][0]
    return {
        "pcu": format_value("pcu", k.get("pcu")),
        "acu": format_value("acu", k.get("acu")),
        "pcu_at": f"{top:%H:%M}" if has_online else "–",
    }


def story_chart(ctx: Context) -> Any:
    st, lang = ctx.value("review.story"), ctx.lang
    if st is None:
        return None
    chart = minute_story_chart
    return step("review.story", lambda: chart(st.minutes, st.events, st.extrema, lang), lang)


def retention(ctx: Context) -> list[Any]:
    """Survival from viewer rows and its sentence; without them, the drop-off from the trend."""
    ret, lang = ctx.value("review.retention"), ctx.lang
    if ret is None or not ret.summary.height:
        return [nb.outcome(ctx.out["review.retention"], lang), _dropoff(ctx)]
    caption = t("still_watching", lang)
    return [
        step(
            "review.retention",
            lambda: show(ret.summary, caption, lang, decimals=RETENTION_DECIMALS),
            lang,
        ),
        step(
            "review.retention",
            lambda: say("review.retention_note", lang, **_stay_facts(ret, lang)),
            lang,
        ),
    ]


def _stay_facts(ret: Any, lang: str) -> dict[str, Any]:
    overall = ret.summary.row(0, named=True)
    worst = ret.leaving.row(0, named=True) if ret.leaving.height else None
    med = overall["median_min"]
    reached = med is not None and not math.isnan(med)
    return {
        "med": t("review.median_stay", lang, m=med)
        if reached
        else t("review.median_not_reached", lang),
        "s5": overall["still_5"],
        "s30": overall["still_30"],
        "worst": screen_label(worst["on_screen"], lang) if worst else "–",
        "idx": worst["obs_exp"] if worst else math.nan,
    }


def _dropoff(ctx: Context) -> Any:
    drop, lang = ctx.out["review.dropoff"], ctx.lang
    if not drop.ok:
        return nb.outcome(drop, lang)
    return step(
        "review.dropoff", lambda: say("review.dropoff_note", lang, **_trend_facts(ctx)), lang
    )


def _trend_facts(ctx: Context) -> dict[str, Any]:
    assert ctx.head is not None
    st, k = ctx.value("review.dropoff").stay, ctx.head.kpis
    avg = format_value("avg_watch_s", k.get("avg_watch_s"))
    return {
        "entries": format_value("views", st.get("entries")),
        "exits": format_value("views", st.get("exits")),
        "stay": f"{st['mean_stay_min']:.1f}" if st.get("mean_stay_min") else "–",
        "avg": f"{avg} {t('unit.秒', ctx.lang)}",
        "rate": f"{st['exit_rate']:.3f}" if st.get("exit_rate") else "–",
    }


def retention_chart(ctx: Context) -> Any:
    ret, lang = ctx.ret, ctx.lang
    if ret is None or not ret.curves.height:
        return None
    return step("review.retention", lambda: charts.retention_chart(ret.curves, lang), lang)


def leaving(ctx: Context) -> list[Any]:
    """Exits by what was on screen, observed against expected (the ten largest)."""
    ret, lang = ctx.ret, ctx.lang
    if ret is None or not ret.leaving.height:
        return []
    table = ret.leaving.head(10).drop("method", "dispersion")
    caption = t("on_screen", lang) + " · " + t("exit_rate", lang)
    return [
        step(
            "review.retention", lambda: show(table, caption, lang, decimals=LEAVING_DECIMALS), lang
        )
    ]


def leaving_chart(ctx: Context) -> Any:
    ret, lang = ctx.ret, ctx.lang
    if ret is None or not ret.leaving.height:
        return None
    return step("review.retention", lambda: charts.leaving_chart(ret.leaving, lang), lang)


def funnel(ctx: Context) -> list[Any]:
    """The room funnel, its step rates against history and benchmark, and its sentence."""
    from helpers.review import funnel_comparison

    fun, lang = ctx.value("review.funnel"), ctx.lang
    if fun is None:
        return [nb.outcome(ctx.out["review.funnel"], lang)]
    verdict = ctx.value("review.verdict")
    history = verdict.history if verdict is not None else pl.DataFrame()
    caption = t("sec_funnel", lang)
    return [
        step(
            "review.funnel", lambda: show(fun.stages, caption, lang, decimals=FUNNEL_DECIMALS), lang
        ),
        step(
            "review.funnel",
            lambda: show(funnel_comparison(fun.rates, history, ctx.category), None, lang),
            lang,
        ),
        step(
            "review.funnel",
            lambda: say("review.funnel_note", lang, **funnel_facts(fun, lang)),
            lang,
        ),
    ]


def funnel_facts(fun: Any, lang: str) -> dict[str, Any]:
    """Click→order with its interval, and the steps left out of the funnel (more people than the
    step before), for the funnel's sentence."""
    c2o = {r["metric"]: r for r in fun.rates.iter_rows(named=True)}.get("click_to_order")
    left_out = [t("product_clickers" if d == "clicked" else d, lang) for d in fun.dropped]
    stages = t("review.list_sep", lang).join(left_out)
    return {
        "c2o": format_value("click_to_order", c2o["rate"]) if c2o else "–",
        "c2o_iv": interval_text("click_to_order", c2o, lang) if c2o else "",
        "dropped": t("review.funnel_dropped", lang, stages=stages) if left_out else "",
    }


def funnel_chart(ctx: Context) -> Any:
    fun, lang = ctx.value("review.funnel"), ctx.lang
    if fun is None or not fun.stages.height:
        return None
    return step("review.funnel", lambda: charts.funnel_chart(fun.stages, lang), lang)


def findings(ctx: Context) -> nb.Markdown:
    """What to change next time, ranked, each naming the section with its evidence."""
    out, lang = ctx.out["review.findings"], ctx.lang
    if not out.ok:
        return nb.outcome(out, lang)
    lines = [
        f"{f['rank']}. {nb.escape(f['text'])} *({t('sec_' + f['figure'], lang)})*"
        for f in ctx.found
    ]
    return nb.Markdown("\n".join(lines) or t("review.nothing_stands_out", lang))


def glossary(ctx: Context) -> Any:
    """Every metric's name, formula and convention."""
    table = metrics.glossary(lang=ctx.lang).select(GLOSSARY_COLUMNS)
    return show(table, None, ctx.lang, max_rows=100)


def summary_note(ctx: Context) -> nb.Markdown:
    """What summary.json holds, and how many sections were left out or failed."""
    block = sections.summary_block()
    return say(
        "review.summary_note",
        ctx.lang,
        n=len(metrics.KPI_KEYS),
        a=len(ctx.head.alerts) if ctx.head is not None else 0,
        f=len(ctx.found),
        skipped=len(block["sections_skipped"]),
        failed=len(block["sections_failed"]),
    )
