"""What the weekly report shows: each section's outcome as tables and sentences in the report's
language (:func:`show`), its figures (:func:`figure`), and the rule texts rendered from the
constants the computations use. Presentation only: the values are the sections'."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import polars as pl

from helpers.present import nb, sections
from helpers.present.i18n import t
from helpers.present.labels import columns, format_metric, metric_header, table_format
from helpers.weekly.alerts import alert_rules, hero_alert_rows, rule_name
from helpers.weekly.data import TRAILING_LOOKBACK, WeekData
from helpers.weekly.hosts import tier_rule
from helpers.weekly.hours import HEAT_MIN_MINUTES, best_worst_hours, hours_rule, rank_key
from helpers.weekly.products import lifecycle_rule

FACTOR_METRIC = {
    "viewers": "viewers",
    "conversion": "conversion_rate",
    "aov": "aov",
    "views": "views",
    "gpm": "gpm",
}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:+.1%}"


def _col(key: str, lang: str) -> str:
    return columns([key], lang)[key]


def day_name(day: int, lang: str = "zh") -> str:
    """Weekday 1 = Monday in words."""
    return t(f"weekday_{day}", lang)


# --------------------------------------------------------------------------- rule texts


def trailing_text(data: WeekData, lang: str = "zh") -> str:
    """Which reference weeks were used and how many sessions (room-days) they hold."""
    if not data.trailing:
        return t("wr_trailing_none", lang).format(lookback=TRAILING_LOOKBACK)
    unit = t("wr_unit_sessions" if data.basis == "sessions" else "wr_unit_days", lang)
    n = sum(len(data.ids(w)) for w in data.trailing)
    return t("wr_trailing", lang).format(
        k=len(data.trailing), weeks=", ".join(data.trailing), n=n, unit=unit
    )


def intro(data: WeekData, lang: str = "zh") -> list[nb.Markdown]:
    """What the report holds, and the week with its reference weeks."""
    unit = t("wr_unit_sessions" if data.basis == "sessions" else "wr_unit_days", lang)
    scope = t("wr_scope", lang).format(
        week=nb.escape(data.week),
        n=len(data.ids(data.week)),
        unit=unit,
        trailing=trailing_text(data, lang),
    )
    return [nb.Markdown(t("wr_intro", lang)), nb.Markdown(scope)]


def glance_display(g: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """:func:`helpers.weekly.glance` for reading: one row per metric (name with unit), values
    formatted by the metric's unit, changes as signed percentages, the 95% interval of the
    week-over-week difference (percentage points for % metrics); headers in the language."""
    rows = []
    for r in g.iter_rows(named=True):
        k = r["metric"]
        iv = (
            "–"
            if r["wow_diff_lo"] is None
            else f"{format_metric(k, r['wow_diff_lo'], signed=True)} ~ "
            f"{format_metric(k, r['wow_diff_hi'], signed=True)}"
        )
        rows.append(
            {
                _col("metric", lang): metric_header(k, lang),
                _col("this_week", lang): format_metric(k, r["this_week"]),
                _col("last_week", lang): format_metric(k, r["last_week"]),
                _col("wow_change", lang): _pct(r["wow_change"]),
                _col("wow_interval", lang): iv,
                _col("trailing_mean", lang): format_metric(k, r["trailing_mean"]),
                _col("vs_trailing", lang): _pct(r["vs_trailing"]),
            }
        )
    return pl.DataFrame(rows)


def _glance(g: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    return [
        nb.show_table(glance_display(g, lang), t("wr_glance_caption", lang)),
        nb.Markdown(describe_glance(g, lang)),
    ]


def describe_glance(g: pl.DataFrame, lang: str = "zh") -> str:
    """One sentence on the week: GMV, UV value and conversion with their week-over-week change."""
    r = {row["metric"]: row for row in g.iter_rows(named=True)}

    def v(key: str) -> str:
        return format_metric(key, r.get(key, {}).get("this_week"))

    def ch(key: str) -> str:
        return _pct(r.get(key, {}).get("wow_change"))

    conv = r.get("conversion_rate", {})
    if conv.get("wow_diff_lo") is None:
        sig = t("wr_no_interval", lang)
    else:
        sig = t("wr_noise" if conv["wow_diff_lo"] <= 0 <= conv["wow_diff_hi"] else "wr_sig", lang)
    return t("wr_glance", lang).format(
        gmv=v("gmv"),
        gmv_ch=ch("gmv"),
        uv=v("uv_value"),
        uv_ch=ch("uv_value"),
        conv=v("conversion_rate"),
        conv_ch=ch("conversion_rate"),
        sig=sig,
    )


def _md(key: str, lang: str, **values: Any) -> nb.Markdown:
    """A sentence of the labels with values interpolated (data values must come escaped)."""
    return nb.Markdown(t(key, lang).format(**values))


def _verdict(
    v: dict[str, Any], lang: str, data: WeekData | None = None, gap: Any = None, **_: Any
) -> list[Any]:
    gmv = format_metric("gmv", v["gmv"])
    if v["reference_gmv"] is None:
        trailing = trailing_text(data, lang) if data is not None else ""
        out: list[Any] = [_md("wr_verdict_noref", lang, gmv=gmv, trailing=trailing)]
    else:
        ref, gap_yuan = (
            format_metric("gmv", v["reference_gmv"]),
            format_metric("gmv", v["gap"], signed=True),
        )
        k = len(v["trailing"])
        out = [
            _md("wr_verdict", lang, gmv=gmv, ref=ref, k=k, gap=gap_yuan, change=_pct(v["change"]))
        ]
    if gap is not None:
        out += _gap(gap, lang)
    if not v["actions"]:
        return [*out, _md("wr_actions_none", lang)]
    lines = [
        t("wr_action_line", lang).format(text=nb.escape(a["text"]), n=len(a["sessions"]))
        for a in v["actions"]
    ]
    return [*out, nb.Markdown(t("wr_actions", lang) + "\n\n" + "\n".join(lines))]


def _gap(out: sections.Outcome, lang: str) -> list[Any]:
    if not out.ok:
        return [nb.outcome(out, lang)]
    if not out.value:
        return [nb.Markdown(t("wr_gap_none", lang))]
    rows = [
        {
            "factor": t(f"factor_{p['factor']}", lang),
            "value": format_metric(FACTOR_METRIC[p["factor"]], p["value"]),
            "reference": format_metric(FACTOR_METRIC[p["factor"]], p["reference"]),
            "contribution": format_metric("gmv", p["contribution"], signed=True),
        }
        for p in out.value
    ]
    main = max(out.value, key=lambda p: abs(p["contribution"]))
    fmt = table_format(["factor", "value", "reference", "contribution"], lang)
    return [
        nb.show_table(pl.DataFrame(rows), t("wr_gap", lang), **fmt),
        _md(
            "wr_gap_main",
            lang,
            factor=t(f"factor_{main['factor']}", lang),
            contribution=format_metric("gmv", main["contribution"], signed=True),
        ),
    ]


def _board(b: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    shown = b.with_columns(pl.col("start_ts").dt.strftime("%m-%d %H:%M")) if b.height else b
    return [nb.show_table(shown, t("wr_board", lang), **table_format(b.columns, lang))]


def _alerts(
    a: pl.DataFrame,
    lang: str,
    hero: sections.Outcome | None = None,
    category: str = "general",
    **_: Any,
) -> list[Any]:
    extra = [nb.outcome(hero, lang)] if hero is not None and not hero.ok else []
    a = pl.concat([a, hero_alert_rows(hero.value)]) if hero is not None and hero.ok else a
    metric = {"gmv_vs_trailing": "gmv", "uv_value_below_benchmark": "uv_value"}
    rows = []
    for r in a.iter_rows(named=True):
        k = metric.get(r["rule"])

        def fmt(v: float | None, k: str | None = k) -> str:
            return format_metric(k, v) if k else ("–" if v is None else f"{v:,.1f}")

        rows.append(
            {
                t("wr_col_level", lang): t(f"wr_level_{r['level']}", lang),
                _col("rule", lang): rule_name(r["rule"], lang),
                _col("subject", lang): r["subject"],
                _col("value", lang): fmt(r["value"]),
                _col("reference", lang): fmt(r["reference"]),
                _col("change", lang): _pct(r["change"]),
            }
        )
    cols = [
        t("wr_col_level", lang),
        _col("rule", lang),
        _col("subject", lang),
        _col("value", lang),
        _col("reference", lang),
        _col("change", lang),
    ]
    table = pl.DataFrame(rows) if rows else pl.DataFrame(schema={c: pl.String for c in cols})
    warnings = a.filter(pl.col("level") == "warning").height
    return [
        nb.Markdown(alert_rules(lang, nb.escape(category))),
        nb.show_table(table, t("wr_alerts", lang)),
        *extra,
        nb.Markdown(t("wr_alerts_count", lang).format(n=a.height, w=warnings)),
    ]


def _hosts(h: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    if h.height and "slots" in h.columns:
        from helpers.metrics.slots import SLOTS

        names = {key: t("slot_" + key, lang) for _, key in SLOTS}
        h = h.with_columns(
            pl.col("slots").map_elements(
                lambda s: ", ".join(names.get(x, x) for x in s.split(", ")), return_dtype=pl.String
            )
        )
    fmt = table_format(
        h.columns,
        lang,
        decimals={
            "hours": 1,
            "gmv_per_hour": 0,
            "gmv_per_hour_lo": 0,
            "gmv_per_hour_hi": 0,
            "slot_gmv_per_hour": 0,
            "gmv": 0,
        },
    )
    return [nb.show_table(h, t("wr_hosts", lang), **fmt), nb.Markdown(tier_rule(lang))]


def _products(p: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    measure = p["measure"][0] if p.height else "gmv"
    shown = p.drop("measure", strict=False)
    if shown.height:
        tick = pl.when(pl.col("planned_hero")).then(pl.lit("✓")).otherwise(pl.lit(""))
        shown = shown.with_columns(
            pl.col("stage").map_elements(
                lambda s: t(f"wr_stage_name_{s}", lang), return_dtype=pl.String
            ),
            tick.alias("planned_hero"),
            pl.when(pl.col("sold_before"))
            .then(pl.lit("✓"))
            .otherwise(pl.lit(""))
            .alias("sold_before"),
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


def _audience(m: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    return [
        nb.show_table(
            m, t("wr_audience", lang), **table_format(m.columns, lang, decimals={"sessions": 0})
        )
    ]


def _rfm(m: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    from helpers.audience import RFM_ZH

    if m.height:
        i = 0 if lang == "zh" else 1
        words = {k: (v, k.replace("_", " "))[i] for k, v in RFM_ZH.items()} | {
            "none": t("wr_no_purchase", lang)
        }
        m = m.with_columns(
            *[
                pl.col(c).replace_strict(words, default=pl.col(c), return_dtype=pl.String)
                for c in ("from_segment", "to_segment")
            ]
        )
    return [
        nb.show_table(
            m,
            t("wr_rfm", lang),
            max_rows=60,
            **table_format(m.columns, lang, decimals={"buyers": 0}),
        )
    ]


def _comments(c: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
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


def _hours(cells: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    out: list[Any] = [nb.Markdown(hours_rule(cells, lang))]
    best, worst = best_worst_hours(cells)
    key = rank_key(cells)
    if key is None or best.height == 0:
        return [*out, nb.Markdown(t("wr_hours_none", lang).format(min=HEAT_MIN_MINUTES))]
    name = _col(key, lang)
    for df, cap in ((best, "wr_best"), (worst, "wr_worst")):
        shown = df.drop("enough").with_columns(
            pl.col("day").map_elements(lambda d: day_name(d, lang), return_dtype=pl.String)
        )
        fmt = table_format(
            shown.columns,
            lang,
            decimals={
                "gmv_per_hour": 0,
                "orders_per_hour": 1,
                "avg_online": 0,
                "sessions": 0,
                "minutes": 0,
                "hour": 0,
            },
        )
        out.append(nb.show_table(shown, t(cap, lang).format(key=name), **fmt))
    return out


def _reviews(links: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    status = links["status"].to_list() if links.height else []
    failed = (
        [
            sid
            for sid, st in zip(links["session_id"].to_list(), status, strict=True)
            if st == "failed"
        ]
        if status
        else []
    )
    missing = sum(st == "not rendered" for st in status)
    if failed:
        done = [_md("wr_reviews_failed", lang, n=len(failed), ids=nb.escape(", ".join(failed)))]
    else:
        done = [] if missing else [_md("wr_reviews_ok", lang, total=links.height)]
    if missing:
        done.append(_md("wr_reviews_missing", lang, n=missing))
    return [nb.Markdown(links_markdown(links, lang)), *done]


def links_markdown(links: pl.DataFrame, lang: str = "zh") -> str:
    """A Markdown list linking each session's review (escaped), failed ones marked."""
    if links.height == 0:
        return t("wr_no_sessions", lang)
    lines = []
    for r in links.iter_rows(named=True):
        sid = html.escape(str(r["session_id"]))
        href = html.escape(str(r["href"]), quote=True)
        host = html.escape(str(r.get("host") or ""))
        if r["status"] != "failed":
            lines.append(f"- [{sid}]({href}) {host}")
        else:
            err = html.escape(str(r["error"] or ""))[:200]
            lines.append(
                f"- **{sid}** {host}: {t('wr_review_failed', lang)} ({err}) "
                f"[{t('wr_notebook', lang)}]({href.replace('report.html', '')})"
            )
    return "\n".join(lines)


VIEWS: dict[str, Callable[..., list[Any]]] = {
    "week_glance": _glance,
    "week_verdict": _verdict,
    "week_board": _board,
    "week_alerts": _alerts,
    "week_hosts": _hosts,
    "week_products": _products,
    "week_audience": _audience,
    "week_rfm": _rfm,
    "week_comments": _comments,
    "week_hours": _hours,
    "week_reviews": _reviews,
}


def _not_ok(out: sections.Outcome, lang: str, data: WeekData | None) -> list[Any]:
    if out.key == "week_reviews" and data is not None and data.basis == "room_days":
        return [nb.Markdown(t("wr_reviews_daily", lang))]
    return [nb.outcome(out, lang)]


def show(
    out: sections.Outcome, lang: str = "zh", *, data: WeekData | None = None, **kw: Any
) -> list[Any]:
    """A section's outcome as display objects: its tables and sentences, or the one sentence saying
    what it lacks or how it failed (a failing display step is recorded as the section failing)."""
    if not out.ok:
        return _not_ok(out, lang, data)
    res = sections.guard(out.key, lambda: VIEWS[out.key](out.value, lang, data=data, **kw))
    return [nb.outcome(res, lang)] if isinstance(res, sections.Outcome) else res


# --------------------------------------------------------------------------- figures


def fig_weeks(
    totals: pl.DataFrame, lang: str = "zh", keys: tuple[str, str] = ("gmv", "uv_value")
) -> Any:
    """Weekly totals of the window: the first key as bars, the second as a line (right axis)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if keys[0] in totals.columns:
        fig.add_bar(x=totals["week"].to_list(), y=totals[keys[0]].to_list(), name=t(keys[0], lang))
    if keys[1] in totals.columns:
        fig.add_scatter(
            x=totals["week"].to_list(),
            y=totals[keys[1]].to_list(),
            name=t(keys[1], lang),
            yaxis="y2",
            mode="lines+markers",
        )
    fig.update_layout(
        yaxis2={"overlaying": "y", "side": "right"},
        height=360,
        title=t("wr_weeks_title", lang),
        legend={"orientation": "h"},
        xaxis={"type": "category"},
    )
    return fig


def fig_heatmap(cells: pl.DataFrame, key: str = "gmv_per_hour", lang: str = "zh") -> Any:
    """Weekday × clock hour heat map of one column of :func:`helpers.weekly.heatmap`; cells
    with too little air time are left blank and say so on hover."""
    import plotly.graph_objects as go

    z: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    text = [[""] * 24 for _ in range(7)]
    for r in cells.iter_rows(named=True):
        z[r["day"] - 1][r["hour"]] = r[key] if r["enough"] else None
        text[r["day"] - 1][r["hour"]] = "" if r["enough"] else t("wr_too_little", lang)
    name = _col(key, lang)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(24)),
            y=[day_name(d, lang) for d in range(1, 8)],
            text=text,
            colorscale="YlOrRd",
            colorbar={"title": name},
            hoverongaps=True,
            hovertemplate="%{y} %{x}:00<br>%{z:,.1f} %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=330, title=name, xaxis={"title": _col("hour", lang)}, yaxis={"autorange": "reversed"}
    )
    return fig


def figure(out: sections.Outcome, lang: str = "zh", key: str = "") -> Any:
    """The figure of a section that ran (weeks trend, or the hour heat map of ``key``); else None
    (nothing shown: the section's sentence already says why)."""
    if not out.ok:
        return None
    if out.key == "week_trend":
        return sections.guard(out.key, lambda: fig_weeks(out.value, lang))
    if (
        out.key == "week_hours"
        and out.value.height
        and out.value[key].null_count() < out.value.height
    ):
        return sections.guard(out.key, lambda: fig_heatmap(out.value, key, lang))
    return None
