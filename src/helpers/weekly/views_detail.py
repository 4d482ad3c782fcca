"""The week in detail, as the report shows it: alerts, hosts, products, audience and RFM moves,
comment intents, the hours on air and the links to the session reviews. Presentation only: the
values are the sections'; the rule texts are rendered from the constants the sections use."""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from helpers.present import nb, sections
from helpers.present.i18n import has, t
from helpers.present.labels import format_metric, table_format
from helpers.weekly.alerts import alert_rules, hero_alert_rows, rule_name
from helpers.weekly.fmt import col, day_name, md, pct
from helpers.weekly.hosts import tier_rule
from helpers.weekly.hours import HEAT_MIN_MINUTES, best_worst_hours, hours_rule, rank_key
from helpers.weekly.products import lifecycle_rule

#: The metric whose unit formats an alert's value and reference (others: one decimal).
ALERT_METRIC = {"gmv_vs_trailing": "gmv", "uv_value_below_benchmark": "uv_value"}
ALERT_COLUMNS = ("level", "rule", "subject", "value", "reference", "change")
HOST_DECIMALS = {
    "hours": 1,
    "gmv_per_hour": 0,
    "gmv_per_hour_lo": 0,
    "gmv_per_hour_hi": 0,
    "slot_gmv_per_hour": 0,
    "gmv": 0,
}
HOUR_DECIMALS = {
    "gmv_per_hour": 0,
    "orders_per_hour": 1,
    "avg_online": 0,
    "sessions": 0,
    "minutes": 0,
    "hour": 0,
}


def _alert_value(rule: str, v: float | None) -> str:
    key = ALERT_METRIC.get(rule)
    if key:
        return format_metric(key, v)
    return "–" if v is None else f"{v:,.1f}"


def _alert_headers(lang: str) -> list[str]:
    return [t("wr_col_level", lang), *(col(c, lang) for c in ALERT_COLUMNS[1:])]


def alert_display(a: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """Alert rows for reading: level and rule in words, values by the rule's metric."""
    headers = _alert_headers(lang)
    rows = [
        dict(
            zip(
                headers,
                (
                    t(f"wr_level_{r['level']}", lang),
                    rule_name(r["rule"], lang),
                    r["subject"],
                    _alert_value(r["rule"], r["value"]),
                    _alert_value(r["rule"], r["reference"]),
                    pct(r["change"]),
                ),
                strict=True,
            )
        )
        for r in a.iter_rows(named=True)
    ]
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema={c: pl.String for c in headers})


def alerts_view(
    a: pl.DataFrame,
    lang: str,
    hero: sections.Outcome | None = None,
    category: str = "general",
    **_: Any,
) -> list[Any]:
    """The alert rules, the week's alerts (the hero products' drops included when that section
    ran, its sentence otherwise) and how many need action."""
    extra = [nb.outcome(hero, lang)] if hero is not None and not hero.ok else []
    a = pl.concat([a, hero_alert_rows(hero.value)]) if hero is not None and hero.ok else a
    warnings = a.filter(pl.col("level") == "warning").height
    return [
        nb.Markdown(alert_rules(lang, nb.escape(category))),
        nb.show_table(alert_display(a, lang), t("wr_alerts", lang)),
        *extra,
        nb.Markdown(t("wr_alerts_count", lang).format(n=a.height, w=warnings)),
    ]


def _slot_names(h: pl.DataFrame, lang: str) -> pl.DataFrame:
    from helpers.metrics.slots import SLOTS

    names = {key: t("slot_" + key, lang) for _, key in SLOTS}
    return h.with_columns(
        pl.col("slots").map_elements(
            lambda s: ", ".join(names.get(x, x) for x in s.split(", ")), return_dtype=pl.String
        )
    )


def hosts_view(h: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """The host scorecards (slots in words) and the tier rule."""
    if h.height and "slots" in h.columns:
        h = _slot_names(h, lang)
    fmt = table_format(h.columns, lang, decimals=HOST_DECIMALS)
    return [nb.show_table(h, t("wr_hosts", lang), **fmt), nb.Markdown(tier_rule(lang))]


def _tick(column: str) -> pl.Expr:
    return pl.when(pl.col(column)).then(pl.lit("✓")).otherwise(pl.lit("")).alias(column)


def products_view(p: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """The products with their lifecycle stage in words, and the lifecycle rule."""
    measure = p["measure"][0] if p.height else "gmv"
    shown = p.drop("measure", strict=False)
    if shown.height:
        shown = shown.with_columns(
            pl.col("stage").map_elements(
                lambda s: t(f"wr_stage_name_{s}", lang), return_dtype=pl.String
            ),
            _tick("planned_hero"),
            _tick("sold_before"),
        )
    fmt = table_format(
        shown.columns,
        lang,
        percent={"change": 1, "share": 1},
        signed=("change",),
        decimals={"sales": 0, "sales_last_week": 0},
        rename={"stage": t("wr_col_stage", lang)},
    )
    caption = t("wr_products", lang).format(measure=t(f"wr_measure_{measure}", lang))
    return [nb.show_table(shown, caption, **fmt), nb.Markdown(lifecycle_rule(lang))]


def audience_view(m: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """Returning viewers and follower conversion per week."""
    fmt = table_format(m.columns, lang, decimals={"sessions": 0})
    return [nb.show_table(m, t("wr_audience", lang), **fmt)]


def segment_name(segment: str, lang: str = "zh") -> str:
    """An RFM segment in words (``none``: no purchase before); an unknown code as it is."""
    if segment == "none":
        return t("wr_no_purchase", lang)
    key = f"weekly.rfm_{segment}"
    return t(key, lang) if has(key, lang) else segment


def rfm_view(m: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """Buyers moving between RFM segments, segments in words."""
    if m.height:
        m = m.with_columns(
            pl.col(c).map_elements(lambda s: segment_name(s, lang), return_dtype=pl.String)
            for c in ("from_segment", "to_segment")
        )
    fmt = table_format(m.columns, lang, decimals={"buyers": 0})
    return [nb.show_table(m, t("wr_rfm", lang), max_rows=60, **fmt)]


def comments_view(c: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """Comment intents this week against last week."""
    from helpers.comments.intent import label

    if c.height:
        c = c.with_columns(
            pl.col("intent_group").map_elements(lambda g: label(g, lang), return_dtype=pl.String)
        )
    fmt = table_format(
        c.columns,
        lang,
        percent={"share": 1, "share_last_week": 1},
        decimals={"change_pp": 1},
        signed=("change_pp",),
    )
    return [nb.show_table(c, t("wr_comments", lang), **fmt)]


def _hours_table(df: pl.DataFrame, caption: str, lang: str) -> nb.Table:
    shown = df.drop("enough").with_columns(
        pl.col("day").map_elements(lambda d: day_name(d, lang), return_dtype=pl.String)
    )
    return nb.show_table(
        shown, caption, **table_format(shown.columns, lang, decimals=HOUR_DECIMALS)
    )


def hours_view(cells: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """The hours rule, then the best and the worst hours on air (or why none are ranked)."""
    rule = nb.Markdown(hours_rule(cells, lang))
    best, worst = best_worst_hours(cells)
    key = rank_key(cells)
    if key is None or best.height == 0:
        return [rule, nb.Markdown(t("wr_hours_none", lang).format(min=HEAT_MIN_MINUTES))]
    name = col(key, lang)
    return [
        rule,
        _hours_table(best, t("wr_best", lang).format(key=name), lang),
        _hours_table(worst, t("wr_worst", lang).format(key=name), lang),
    ]


def reviews_view(links: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """The links to the session reviews, then which failed or were not rendered by this run."""
    rows = links.to_dicts() if links.height else []
    failed = [r["session_id"] for r in rows if r["status"] == "failed"]
    missing = sum(r["status"] == "not rendered" for r in rows)
    done: list[Any] = []
    if failed:
        done.append(md("wr_reviews_failed", lang, n=len(failed), ids=nb.escape(", ".join(failed))))
    elif not missing:
        done.append(md("wr_reviews_ok", lang, total=links.height))
    if missing:
        done.append(md("wr_reviews_missing", lang, n=missing))
    return [nb.Markdown(links_markdown(links, lang)), *done]


def _link_line(r: dict[str, Any], lang: str) -> str:
    sid = html.escape(str(r["session_id"]))
    href = html.escape(str(r["href"]), quote=True)
    host = html.escape(str(r.get("host") or ""))
    if r["status"] != "failed":
        return f"- [{sid}]({href}) {host}"
    err = html.escape(str(r["error"] or ""))[:200]
    return (
        f"- **{sid}** {host}: {t('wr_review_failed', lang)} ({err}) "
        f"[{t('wr_notebook', lang)}]({href.replace('report.html', '')})"
    )


def links_markdown(links: pl.DataFrame, lang: str = "zh") -> str:
    """A Markdown list linking each session's review (escaped), failed ones marked."""
    if links.height == 0:
        return t("wr_no_sessions", lang)
    return "\n".join(_link_line(r, lang) for r in links.iter_rows(named=True))
