"""The week as a whole, as the report shows it: the intro with its reference weeks, the glance
table and its sentence, the verdict with the GMV gap decomposition and the review actions, and the
session board. Presentation only: the values are the sections'."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.present import nb, sections
from helpers.present.i18n import t
from helpers.present.labels import format_metric, metric_header, table_format
from helpers.weekly.data import TRAILING_LOOKBACK, WeekData
from helpers.weekly.fmt import FACTOR_METRIC, col, md, pct, unit_word


def trailing_text(data: WeekData, lang: str = "zh") -> str:
    """Which reference weeks were used and how many sessions (room-days) they hold."""
    if not data.trailing:
        return t("wr_trailing_none", lang).format(lookback=TRAILING_LOOKBACK)
    n = sum(len(data.ids(w)) for w in data.trailing)
    return t("wr_trailing", lang).format(
        k=len(data.trailing), weeks=", ".join(data.trailing), n=n, unit=unit_word(data.basis, lang)
    )


def intro(data: WeekData, lang: str = "zh") -> list[nb.Markdown]:
    """What the report holds, and the week with its reference weeks."""
    scope = t("wr_scope", lang).format(
        week=nb.escape(data.week),
        n=len(data.ids(data.week)),
        unit=unit_word(data.basis, lang),
        trailing=trailing_text(data, lang),
    )
    return [nb.Markdown(t("wr_intro", lang)), nb.Markdown(scope)]


def _interval(key: str, lo: float | None, hi: float | None) -> str:
    if lo is None:
        return "–"
    return f"{format_metric(key, lo, signed=True)} ~ {format_metric(key, hi, signed=True)}"


def glance_display(g: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """:func:`helpers.weekly.glance` for reading: one row per metric (name with unit), values
    formatted by the metric's unit, changes as signed percentages, the 95% interval of the
    week-over-week difference (percentage points for % metrics); headers in the language."""
    rows = [
        {
            col("metric", lang): metric_header(r["metric"], lang),
            col("this_week", lang): format_metric(r["metric"], r["this_week"]),
            col("last_week", lang): format_metric(r["metric"], r["last_week"]),
            col("wow_change", lang): pct(r["wow_change"]),
            col("wow_interval", lang): _interval(r["metric"], r["wow_diff_lo"], r["wow_diff_hi"]),
            col("trailing_mean", lang): format_metric(r["metric"], r["trailing_mean"]),
            col("vs_trailing", lang): pct(r["vs_trailing"]),
        }
        for r in g.iter_rows(named=True)
    ]
    return pl.DataFrame(rows)


def describe_glance(g: pl.DataFrame, lang: str = "zh") -> str:
    """One sentence on the week: GMV, UV value and conversion with their week-over-week change."""
    r = {row["metric"]: row for row in g.iter_rows(named=True)}

    def v(key: str) -> str:
        return format_metric(key, r.get(key, {}).get("this_week"))

    def ch(key: str) -> str:
        return pct(r.get(key, {}).get("wow_change"))

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


def glance_view(g: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """The glance table and its sentence."""
    return [
        nb.show_table(glance_display(g, lang), t("wr_glance_caption", lang)),
        nb.Markdown(describe_glance(g, lang)),
    ]


def _verdict_sentence(v: dict[str, Any], lang: str, data: WeekData | None) -> nb.Markdown:
    gmv = format_metric("gmv", v["gmv"])
    if v["reference_gmv"] is None:
        trailing = trailing_text(data, lang) if data is not None else ""
        return md("wr_verdict_noref", lang, gmv=gmv, trailing=trailing)
    return md(
        "wr_verdict",
        lang,
        gmv=gmv,
        ref=format_metric("gmv", v["reference_gmv"]),
        k=len(v["trailing"]),
        gap=format_metric("gmv", v["gap"], signed=True),
        change=pct(v["change"]),
    )


def _actions(actions: list[dict[str, Any]], lang: str) -> nb.Markdown:
    if not actions:
        return md("wr_actions_none", lang)
    lines = [
        t("wr_action_line", lang).format(text=nb.escape(a["text"]), n=len(a["sessions"]))
        for a in actions
    ]
    return nb.Markdown(t("wr_actions", lang) + "\n\n" + "\n".join(lines))


def verdict_view(
    v: dict[str, Any], lang: str, data: WeekData | None = None, gap: Any = None, **_: Any
) -> list[Any]:
    """The verdict sentence, the gap decomposition (when given) and the reviews' top actions."""
    out: list[Any] = [_verdict_sentence(v, lang, data)]
    if gap is not None:
        out += gap_view(gap, lang)
    return [*out, _actions(v["actions"], lang)]


def _gap_row(p: dict[str, Any], lang: str) -> dict[str, str]:
    metric = FACTOR_METRIC[p["factor"]]
    return {
        "factor": t(f"factor_{p['factor']}", lang),
        "value": format_metric(metric, p["value"]),
        "reference": format_metric(metric, p["reference"]),
        "contribution": format_metric("gmv", p["contribution"], signed=True),
    }


def gap_view(out: sections.Outcome, lang: str) -> list[Any]:
    """The GMV gap's contributions per factor and the factor it mainly comes from."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    if not out.value:
        return [nb.Markdown(t("wr_gap_none", lang))]
    rows = [_gap_row(p, lang) for p in out.value]
    main = max(out.value, key=lambda p: abs(p["contribution"]))
    fmt = table_format(["factor", "value", "reference", "contribution"], lang)
    return [
        nb.show_table(pl.DataFrame(rows), t("wr_gap", lang), **fmt),
        md(
            "wr_gap_main",
            lang,
            factor=t(f"factor_{main['factor']}", lang),
            contribution=format_metric("gmv", main["contribution"], signed=True),
        ),
    ]


def board_view(b: pl.DataFrame, lang: str, **_: Any) -> list[Any]:
    """The week's sessions by GMV."""
    shown = b.with_columns(pl.col("start_ts").dt.strftime("%m-%d %H:%M")) if b.height else b
    return [nb.show_table(shown, t("wr_board", lang), **table_format(b.columns, lang))]
