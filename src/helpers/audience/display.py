"""What the audience-segments report (``30-audience-segments``) shows of each section: its table
in the report's words, the sentence that reads it, or the one sentence saying why it is missing;
the scope line and the charts (None when there is nothing to draw)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from helpers.audience.charts import cluster_chart, group_chart, migration_chart, rfm_chart
from helpers.audience.report import SegmentsReport
from helpers.audience.rfm import segment_name
from helpers.models.report import blocked
from helpers.models.terms import show_frame, value_label
from helpers.present import nb, sections
from helpers.present.i18n import t
from helpers.present.labels import table_format

# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def group_words(series: pd.Series, lang: str) -> pd.Series:
    """Group codes in words: new/returning, follower, first/repeat, True/False, female, ..."""
    return series.map(lambda v: t(v, lang) if v in ("new", "returning") else value_label(v, lang))


def _rfm(value: dict[str, pd.DataFrame], lang: str) -> pd.DataFrame:
    seg = value["segments"]
    cols = ["segment", "buyers", "buyer_share", "gmv_share", "mean_recency_days", "mean_frequency"]
    return seg.assign(segment=[segment_name(s, lang) for s in seg["segment"]])[cols]


def _kinds(value: pd.DataFrame, lang: str) -> pd.DataFrame:
    return value.assign(kind=group_words(value["kind"], lang))


def _first_order(value: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The gap is first vs repeat: one figure, on the first row."""
    gap = [g if i == 0 else math.nan for i, g in enumerate(value["gap"])]
    return _kinds(value, lang).assign(gap=gap)


def _commenters(value: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = value.assign(method=group_words(value["method"], lang))
    return shown.rename(columns={"returning": "returning_n"})


def _by_group(by: str) -> Callable[[pd.DataFrame, str], pd.DataFrame]:
    """A per-group table (group column ``by`` in words) without the GMV and buyer-share columns."""
    hidden = ("gmv", "buyer_share", "buyer_share_lo", "buyer_share_hi")

    def prepare(value: pd.DataFrame, lang: str) -> pd.DataFrame:
        shown = value.assign(**{by: group_words(value[by], lang)})
        shown = shown.rename(columns={"returning": "new_or_returning"})
        return shown[[c for c in shown.columns if c not in hidden]]

    return prepare


def _demographics(value: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = value.assign(
        dimension=value["dimension"].map(lambda d: t(d, lang)),
        level=group_words(value["level"], lang),
    )
    return shown.drop(columns=["source", "gmv"], errors="ignore")


def _as_is(value: pd.DataFrame, lang: str) -> pd.DataFrame:
    return value


#: How each table key's value becomes the frame the report shows.
_PREPARE: dict[str, Callable[[Any, str], pd.DataFrame]] = {
    "rfm": _rfm,
    "buyers_nr": _kinds,
    "first_order": _first_order,
    "commenters": _commenters,
    "viewers_nr": _by_group("returning"),
    "retention": _by_group("returning"),
    "followers": _by_group("was_follower"),
    "clusters": _as_is,
    "demographics": _demographics,
    "channels": _as_is,
}

_PERCENT = {
    **dict.fromkeys(
        ("buyer_share", "gmv_share", "gap", "viewer_share", "share", "rate", "lo", "hi"), 1
    ),
    **dict.fromkeys(("buyer_share_lo", "buyer_share_hi", "viewer_share_lo", "viewer_share_hi"), 1),
    **dict.fromkeys(("order_share", "order_share_lo", "order_share_hi"), 1),
    **dict.fromkeys(("conversion", "conversion_lo", "conversion_hi"), 2),
}
_DECIMALS = {
    **dict.fromkeys(("buyers", "viewers", "orders", "commenters", "returning_n"), 0),
    **dict.fromkeys(("aov_lo", "aov_hi", "mean_recency_days"), 1),
    "mean_frequency": 2,
}


def segment_table(key: str, value: Any, lang: str = "zh") -> Any:
    """The table a segments-report section shows (readable groups, shares as percentages)."""
    df = _PREPARE[key](value, lang)
    percent = {c: d for c, d in _PERCENT.items() if c in df.columns}
    fmt = table_format(list(df.columns), lang, percent=percent, decimals=_DECIMALS)
    fmt.pop("rename")
    return show_frame(df, f"cap_{key}", lang, max_rows=60, **fmt)


# --------------------------------------------------------------------------------------------
# Sentences and what each section shows
# --------------------------------------------------------------------------------------------


def scope_line(report: SegmentsReport) -> nb.Markdown:
    """The opening sentence: scope, sessions, viewer rows, order lines, comments."""
    s = report.scope
    assert s.comments is not None  # load_scope always loads the scope's comments
    return nb.say(
        t("audience.scope", report.lang),
        label=s.label,
        n=len(s.session_ids),
        v=s.viewers.height,
        o=s.orders.height,
        c=s.comments.height,
    )


def _rfm_top(value: dict[str, pd.DataFrame], lang: str) -> nb.Markdown:
    seg = value["segments"]
    top = seg.sort_values(["gmv_share", "segment"], ascending=[False, True]).iloc[0]
    return nb.say(
        t("audience.rfm_top", lang),
        s=segment_name(top["segment"], lang),
        b=int(top["buyers"]),
        g=float(top["gmv_share"]),
    )


def _returning_buyers(value: pd.DataFrame, lang: str) -> nb.Markdown:
    r = value.set_index("kind").loc["returning"]
    return nb.say(
        t("audience.buyers_returning", lang),
        s=r["buyer_share"],
        lo=r["buyer_share_lo"],
        hi=r["buyer_share_hi"],
        g=r["gmv_share"],
    )


def _first_order_gap(value: pd.DataFrame, lang: str) -> nb.Markdown:
    return nb.say(t("audience.first_order_gap", lang), g=-float(value["gap"].iloc[0]))


def _returning_commenters(value: pd.DataFrame, lang: str) -> nb.Markdown:
    first = value.iloc[0]
    return nb.say(
        t("audience.commenters_returning", lang),
        n=int(first["commenters"]),
        s=first["share"],
        lo=first["lo"],
        hi=first["hi"],
        m=group_words(value["method"], lang).iloc[0],
    )


def _viewer_conversion(value: pd.DataFrame, lang: str) -> nb.Markdown:
    conv = value.set_index("returning")["conversion"]
    return nb.say(
        t("audience.viewers_conversion", lang),
        a=conv.get("returning", float("nan")),
        b=conv.get("new", float("nan")),
    )


def _followers(value: pd.DataFrame, lang: str) -> nb.Markdown:
    return nb.say(t("audience.followers_note", lang))


def _cluster_pick(value: tuple[Any, pd.DataFrame], lang: str) -> nb.Markdown:
    cl, prof = value
    best = prof.sort_values(["gmv_share", "cluster"], ascending=[False, True]).iloc[0]
    return nb.say(
        t("audience.clusters_pick", lang),
        k=cl.k,
        a=cl.stability_ari,
        c=int(best["cluster"]),
        d=best["description"],
        s=float(best["share"]),
        g=float(best["gmv_share"]),
    )


def _source(value: pd.DataFrame, lang: str) -> nb.Markdown:
    source = t(f"audience.source_{value['source'].iloc[0]}", lang)
    return nb.say(t("audience.demographics_source", lang), s=source)


Reader = Callable[[Any, str], nb.Markdown]

#: Per section: its table key, what the table is made from, and the sentence reading it (if any).
_SECTIONS: dict[str, tuple[str, Callable[[Any], Any], Reader | None]] = {
    "segments.rfm": ("rfm", lambda v: v, _rfm_top),
    "segments.buyers_new_returning": ("buyers_nr", lambda v: v, _returning_buyers),
    "segments.first_order_aov": ("first_order", lambda v: v, _first_order_gap),
    "segments.commenters": ("commenters", lambda v: v, _returning_commenters),
    "segments.viewers_new_returning": ("viewers_nr", lambda v: v, _viewer_conversion),
    "segments.retention": ("retention", lambda v: v, None),
    "segments.followers": ("followers", lambda v: v, _followers),
    "segments.clusters": ("clusters", lambda v: v[1], _cluster_pick),
    "segments.demographics": ("demographics", lambda v: v, _source),
    "segments.channels": ("channels", lambda v: v, None),
}


def show(out: sections.Outcome, lang: str = "zh") -> list[Any]:
    """What a section shows: its table and the sentence reading it, or why it is missing."""
    why = blocked(out, lang)
    if why is not None:
        return [nb.say("{w}", w=why)]
    key, table_of, reader = _SECTIONS[out.key]
    table = segment_table(key, table_of(out.value), lang)
    return [table] if reader is None else [table, reader(out.value, lang)]


# --------------------------------------------------------------------------------------------
# Charts (None when the section has nothing to draw)
# --------------------------------------------------------------------------------------------


def _drawn(out: sections.Outcome, lang: str) -> Any:
    """The section's result when there is one to draw, else None."""
    return out.value if blocked(out, lang) is None else None


def rfm_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    value = _drawn(out, lang)
    return rfm_chart(value["segments"], lang) if value is not None else None


def migration_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    value = _drawn(out, lang)
    moved = value is not None and len(value["migration"]) > 0
    return migration_chart(value["migration"], lang) if moved else None


def followers_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    value = _drawn(out, lang)
    title = t("audience.chart_followers", lang)
    return group_chart(value, "was_follower", lang, title) if value is not None else None


def clusters_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    value = _drawn(out, lang)
    return cluster_chart(value[1], lang) if value is not None else None
