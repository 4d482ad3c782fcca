"""Display helpers: result frames made readable, formatted values, tables with headers in the
language, sentences from the catalogue, guarded display steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from helpers.present.i18n import has, t
from helpers.review.common import _f
from helpers.review.story import screen_label


def display_frame(
    df: pl.DataFrame, lang: str = "zh", *, time_fmt: str = "%H:%M:%S"
) -> pl.DataFrame:
    """A result frame made readable: times as clock strings, codes (stages, kinds, roles, screens,
    dimensions, new/returning) in words. Column names are translated by :func:`show`."""
    from helpers.present.labels import stage

    out = df
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Datetime):
            out = out.with_columns(pl.col(name).dt.strftime(time_fmt))
    words = {
        "stage": lambda v: stage(v, lang),
        "on_screen": lambda v: screen_label(v, lang),
        "role": lambda v: t(v, lang),
        "dimension": lambda v: t(v, lang),
        "kind": lambda v: t(v, lang),
        "population": lambda v: t(v, lang),
        "metric": lambda v: t(v, lang),
        "numerator": lambda v: stage(v, lang),
        "denominator": lambda v: stage(v, lang),
        "group_kind": lambda v: {
            "all": t("all", lang),
            "channel": t("channel", lang),
            "newret": f"{t('new', lang)}/{t('returning', lang)}",
        }.get(v, v),
    }
    for name in (
        "level",
        "traffic_type",
        "audience",
        "series",
        "vs_history",
        "benchmark_flag",
        "step",
    ):
        words.setdefault(name, lambda v: value_label(v, lang))
    for name, fn in words.items():
        if name in out.columns and out.schema[name] == pl.String:
            out = out.with_columns(
                pl.col(name).map_elements(fn, return_dtype=pl.String, skip_nulls=True)
            )
    for name, dtype in df.schema.items():  # booleans in words (是/否), never True/False
        if dtype == pl.Boolean:
            out = out.with_columns(
                pl.col(name).map_elements(
                    lambda b: value_label(str(b), lang), return_dtype=pl.String, skip_nulls=True
                )
            )
    if "group" in out.columns and "group_kind" in df.columns:
        out = out.with_columns(
            pl.when(df["group_kind"].is_in(["newret", "all"]))
            .then(pl.col("group").map_elements(lambda v: t(v, lang), return_dtype=pl.String))
            .otherwise(pl.col("group"))
            .alias("group")
        )
    return out


def value_label(v: str, lang: str = "zh") -> str:
    """A coded value in words: ``value_<v>`` of the labels (female → 女, android → 安卓, True → 是),
    else the label ``v`` itself (paid → 付费), else the funnel stage name, else ``v`` unchanged."""
    for key in (f"value_{v}", v, f"stage.{v}"):
        if has(key, lang):
            return t(key, lang)
    return v


#: Fractions shown as percentages (column → decimals) wherever a review table has them.
PERCENT_COLUMNS = {
    "share": 1,
    "share_gmv": 1,
    "share_products": 1,
    "norm": 0,
    "viewer_share": 1,
    "buyer_share": 1,
    "buyer_share_lo": 1,
    "buyer_share_hi": 1,
    "conversion": 2,
    "order_rate": 2,
    "conv_lo": 2,
    "conv_hi": 2,
    "ctr": 1,
    "click_to_order": 1,
    "refund_rate": 1,
    "still_5": 1,
    "still_30": 1,
    "of_previous": 1,
    "of_top": 1,
    "returning_share": 1,
    "tagged_share": 1,
    "change_viewers": 1,
    "change_buyers": 1,
    "change_gmv": 1,
    "sell_through": 1,
    "rate": 2,
    "history": 2,
}


def show(df: pl.DataFrame, caption: str | None, lang: str = "zh", **kw: Any) -> Any:
    """:func:`helpers.present.nb.show_table` of :func:`display_frame` with headers in the
    language; the share columns of :data:`PERCENT_COLUMNS` (and a rate table's ``lo``/``hi``) as
    percentages."""
    from helpers.present import nb
    from helpers.present.labels import columns

    pct = {c: d for c, d in PERCENT_COLUMNS.items() if c in df.columns}
    if (
        "rate" in df.columns or "returning_share" in df.columns
    ):  # a table of rates: its interval is a rate too
        pct |= {c: 2 for c in ("lo", "hi", "benchmark_low", "benchmark_high") if c in df.columns}
    dec = kw.pop("decimals", 2)
    whole = {
        c for c, dt in df.schema.items() if dt.is_integer()
    }  # counts stay whole with nulls present
    dec = {
        c: dec.get(c, 0 if c in whole else 2)
        if isinstance(dec, dict)
        else (0 if c in whole else dec)
        for c in df.columns
    } | pct
    percent = set(kw.pop("percent", ())) | set(pct)
    frame = display_frame(df, lang, time_fmt=kw.pop("time_fmt", "%H:%M:%S"))
    return nb.show_table(
        frame,
        caption,
        rename=columns(df.columns, lang),
        decimals=dec,
        percent=tuple(sorted(percent)),
        **kw,
    )


def format_value(key: str, v: Any) -> str:
    """A metric value as printed in reports (:func:`helpers.present.labels.format_metric`)."""
    from helpers.present.labels import format_metric

    return format_metric(key, _f(v))


def say(key: str, lang: str = "zh", **values: Any) -> Any:
    """The catalogue's sentence ``key`` with ``values`` filled in (escaped, :func:`nb.say`)."""
    from helpers.present import nb

    return nb.say(t(key, lang), **values)


def interval_text(key: str, iv: Mapping[str, Any], lang: str = "zh") -> str:
    """A metric's 95% interval as a sentence states it: ``（95% 区间 5.1%–5.8%）``."""
    lo, hi = format_value(key, iv["lo"]), format_value(key, iv["hi"])
    return t("review.interval", lang, lo=lo, hi=hi)


def step(key: str, fn: Callable[[], Any], lang: str = "zh") -> Any:
    """A section's display step (a table, chart or sentence): ``fn()``, or, if it raises, the one
    sentence saying so (the failure is recorded for ``summary.json``); never raises."""
    from helpers.present import nb, sections

    res = sections.guard(key, fn)
    return nb.outcome(res, lang) if isinstance(res, sections.Outcome) else res
