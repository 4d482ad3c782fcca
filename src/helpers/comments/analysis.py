"""What the comments say, minute by minute: the analyses behind the 50-comments report.

Every function takes comments already classified by :func:`helpers.comments.classify_frame`
(``classified`` below: the canonical comments table plus intent, intent_group, sentiment, tokens),
except :func:`keyword_trends`, which classifies raw comments itself when needed.

- :func:`intent_mix` — counts and shares per intent;
- :func:`per_minute` — intent groups and mean sentiment per minute, beside online viewers and orders;
- :func:`explanation_questions` — per product explanation (讲解): questions per minute in the window
  against outside any explanation, the question theme that rose most, and whether orders followed;
- :func:`unanswered_questions` — question themes still being asked by new viewers minutes after
  they were first asked (a proxy for "not answered on air": the workbook has no transcript);
- :func:`complaint_themes`, :func:`complaint_examples` — complaint themes and example comments
  (viewer ids pseudonymised);
- :func:`keyword_trends` — top keywords per session (or any column) for the weekly report;
- :func:`duplicate_texts`, :func:`comment_bursts`, :func:`integrity` — copy-pasted text and
  bursts of comments, an integrity signal (bought comments).
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from typing import Any

import polars as pl

from helpers.comments.classify import classify_frame
from helpers.comments.intent import GROUPS, QUESTION_INTENTS
from helpers.data.privacy import pseudonymise
from helpers.paths import RESOURCES

log = logging.getLogger(__name__)

STOPWORDS_PATH = RESOURCES / "comments" / "stopwords.txt"


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words left out of keyword counts (``resources/comments/stopwords.txt``)."""
    lines = STOPWORDS_PATH.read_text("utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def _minute(col: str = "ts") -> pl.Expr:
    return pl.col(col).dt.truncate("1m").alias("minute_ts")


def intent_mix(classified: pl.DataFrame) -> pl.DataFrame:
    """Comments per intent: intent_group, intent, comments, share (of all comments), viewers."""
    n = max(classified.height, 1)
    viewers = pl.col("viewer_id").n_unique() if "viewer_id" in classified.columns else pl.lit(None)
    out = classified.group_by("intent_group", "intent").agg(
        pl.len().alias("comments"), viewers.alias("viewers")
    )
    order = {g: i for i, g in enumerate(GROUPS)}
    return (
        out.with_columns(
            (pl.col("comments") / n).round(4).alias("share"),
            pl.col("intent_group").replace_strict(order, default=99).alias("_o"),
        )
        .sort(["_o", "comments", "intent"], descending=[False, True, False])
        .drop("_o")
        .select("intent_group", "intent", "comments", "share", "viewers")
    )


def explain_windows(events: pl.DataFrame, default_minutes: int = 5) -> pl.DataFrame:
    """Product explanation windows (kind ``explain``): product_id, label, start_ts, end_ts.

    A missing end is the next explanation's start, else ``default_minutes`` after the start.
    """
    cols = ["product_id", "label", "start_ts", "end_ts"]
    ts = events.schema.get("start_ts", pl.Datetime("us", "Asia/Shanghai"))
    dtypes = {"product_id": pl.String, "label": pl.String, "start_ts": ts, "end_ts": ts}
    if events.is_empty() or "kind" not in events.columns:
        return pl.DataFrame(schema=dtypes)
    ex = events.filter(pl.col("kind") == "explain").sort("start_ts")
    for c in ("product_id", "label", "end_ts"):
        if c not in ex.columns:
            ex = ex.with_columns(pl.lit(None, dtype=dtypes[c]).alias(c))
    nxt = pl.col("start_ts").shift(-1)
    fallback = pl.col("start_ts") + timedelta(minutes=default_minutes)
    end = pl.coalesce(pl.col("end_ts"), pl.min_horizontal(nxt, fallback), fallback)
    return ex.with_columns(end.alias("end_ts")).select(cols)


def _product_at(minutes: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """Add ``product_id`` (explained during the minute, else null) to a frame with minute_ts."""
    out = minutes.with_columns(pl.lit(None, dtype=pl.String).alias("product_id"))
    for pid, start, end in windows.select("product_id", "start_ts", "end_ts").iter_rows():
        inside = (pl.col("minute_ts") >= start.replace(second=0, microsecond=0)) & (
            pl.col("minute_ts") < end
        )
        out = out.with_columns(
            pl.when(inside).then(pl.lit(pid)).otherwise(pl.col("product_id")).alias("product_id")
        )
    return out


def per_minute(
    classified: pl.DataFrame,
    trend: pl.DataFrame | None = None,
    events: pl.DataFrame | None = None,
    *,
    smooth: int = 5,
) -> pl.DataFrame:
    """One row per minute of the session: minute_ts, minute (from the first minute), comments,
    one column per intent group, sentiment (mean P(positive) of the minute's opinions, null
    without any), opinions, sentiment_smooth (over the last ``smooth`` minutes, weighted by
    opinions) and — when given — online, orders and gmv from the trend and the product explained."""
    counts = (
        classified.with_columns(_minute())
        .group_by("minute_ts")
        .agg(
            pl.len().alias("comments"),
            *[(pl.col("intent_group") == g).sum().alias(g) for g in GROUPS],
            pl.col("sentiment").mean().round(3).alias("sentiment"),
            pl.col("sentiment").count().alias("opinions"),
        )
    )
    if trend is not None and not trend.is_empty():
        keep = [c for c in ("online", "orders", "gmv") if c in trend.columns]
        base = trend.select("minute_ts", *keep)
        out = base.join(counts, on="minute_ts", how="full", coalesce=True)
    else:
        out = counts
    out = out.sort("minute_ts").with_columns(pl.col("comments", *GROUPS, "opinions").fill_null(0))
    first = out["minute_ts"].min() if out.height else None
    weighted = (pl.col("sentiment").fill_null(0) * pl.col("opinions")).rolling_sum(
        smooth, min_samples=1
    )
    out = out.with_columns(
        ((pl.col("minute_ts") - first).dt.total_minutes()).cast(pl.Int64).alias("minute"),
        (weighted / pl.col("opinions").rolling_sum(smooth, min_samples=1))
        .round(3)
        .alias("sentiment_smooth"),
    )
    if events is not None:
        out = _product_at(out, explain_windows(events))
    lead = ["minute_ts", "minute"]
    return out.select(lead + [c for c in out.columns if c not in lead])


def explanation_questions(
    classified: pl.DataFrame,
    events: pl.DataFrame,
    trend: pl.DataFrame | None = None,
    products: pl.DataFrame | None = None,
    *,
    after_minutes: int = 5,
) -> pl.DataFrame:
    """Per product explanation: did questions rise, which theme, and did orders follow?

    Columns: product_id, name, start_ts, minutes, questions, questions_per_min, question_lift
    (rate in the window / rate outside every explanation), top_question (the question intent whose
    rate rose most), top_question_lift, orders_per_min (window + ``after_minutes``), order_lift (vs
    the session's rate outside explanations), orders_followed (order_lift > 1 when questions rose).
    """
    windows = explain_windows(events)
    cols = {
        "product_id": pl.String,
        "name": pl.String,
        "start_ts": classified.schema.get("ts", pl.Datetime()),
        "minutes": pl.Float64,
        "questions": pl.Int64,
        "questions_per_min": pl.Float64,
        "question_lift": pl.Float64,
        "top_question": pl.String,
        "top_question_lift": pl.Float64,
        "orders": pl.Int64,
        "orders_per_min": pl.Float64,
        "order_lift": pl.Float64,
        "orders_followed": pl.Boolean,
    }
    if windows.is_empty() or classified.is_empty():
        return pl.DataFrame(schema=cols)
    q = classified.filter(pl.col("intent_group") == "question").with_columns(_minute())
    t0 = classified["ts"].min()
    t1 = classified["ts"].max()
    if trend is not None and not trend.is_empty():
        t0 = min(t0, trend["minute_ts"].min())
        t1 = max(t1, trend["minute_ts"].max() + timedelta(minutes=1))
    total_min = max((t1 - t0).total_seconds() / 60, 1.0)
    inside = pl.lit(False)
    for s, e in windows.select("start_ts", "end_ts").iter_rows():
        inside = inside | ((pl.col("ts") >= s) & (pl.col("ts") < e))
    expl_min = sum(
        (e - s).total_seconds() / 60 for s, e in windows.select("start_ts", "end_ts").iter_rows()
    )
    out_min = max(total_min - expl_min, 1.0)
    outside_q = q.filter(~inside)
    base_rate = outside_q.height / out_min
    base_by = dict(outside_q.group_by("intent").len().iter_rows())
    has_orders = trend is not None and "orders" in (trend.columns if trend is not None else [])
    if has_orders:
        tr = trend.select("minute_ts", "orders")
        tin = pl.lit(False)
        for s, e in windows.select("start_ts", "end_ts").iter_rows():
            tin = tin | (
                (pl.col("minute_ts") >= s.replace(second=0, microsecond=0))
                & (pl.col("minute_ts") < e)
            )
        outside_orders = tr.filter(~tin)
        base_orders = outside_orders["orders"].sum() / max(outside_orders.height, 1)
    rows: list[dict[str, Any]] = []
    names = (
        dict(products.select("product_id", "name").iter_rows())
        if products is not None and "name" in products.columns
        else {}
    )
    for pid, _label, s, e in windows.iter_rows():
        minutes = max((e - s).total_seconds() / 60, 1e-9)
        wq = q.filter((pl.col("ts") >= s) & (pl.col("ts") < e))
        rate = wq.height / minutes
        top, top_lift = None, None
        if wq.height:
            by = (
                wq.group_by("intent")
                .len()
                .with_columns(
                    (pl.col("len") / minutes).alias("rate"),
                    pl.col("intent")
                    .replace_strict(
                        {k: v / out_min for k, v in base_by.items()},
                        default=None,
                        return_dtype=pl.Float64,
                    )
                    .alias("base"),
                )
                .with_columns(
                    (pl.col("rate") / pl.col("base").fill_null(1.0 / out_min)).alias("lift")
                )
                .sort(["lift", "len", "intent"], descending=[True, True, False])
            )
            top, top_lift = by["intent"][0], round(float(by["lift"][0]), 2)
        orders = opm = olift = None
        if has_orders:
            span_end = e + timedelta(minutes=after_minutes)
            w = tr.filter(
                (pl.col("minute_ts") >= s.replace(second=0, microsecond=0))
                & (pl.col("minute_ts") < span_end)
            )
            orders = int(w["orders"].sum())
            opm = round(orders / max(w.height, 1), 3)
            olift = round(opm / base_orders, 2) if base_orders else None
        qlift = round(rate / base_rate, 2) if base_rate else None
        rows.append(
            {
                "product_id": pid,
                "name": names.get(pid),
                "start_ts": s,
                "minutes": round(minutes, 1),
                "questions": wq.height,
                "questions_per_min": round(rate, 2),
                "question_lift": qlift,
                "top_question": top,
                "top_question_lift": top_lift,
                "orders": orders,
                "orders_per_min": opm,
                "order_lift": olift,
                "orders_followed": None
                if olift is None or qlift is None
                else bool(qlift > 1 and olift > 1),
            }
        )
    return pl.DataFrame(rows, schema=cols, orient="row")


def unanswered_questions(
    classified: pl.DataFrame,
    events: pl.DataFrame | None = None,
    *,
    gap_minutes: int = 3,
    top: int = 10,
    examples: int = 3,
) -> pl.DataFrame:
    """Question themes still asked by new viewers ``gap_minutes`` or more after first asked.

    A theme is a question intent and the product explained when asked (``product_id``, null
    outside explanations). The workbook has no transcript of the host, so a theme that keeps being
    asked by viewers who had not asked it before is read as not (clearly) answered on air.
    Columns: intent, product_id, asks, askers, re_askers (new askers after the gap), minutes
    (distinct minutes with an ask), first_ts, last_ts, examples (most frequent texts).
    """
    q = classified.filter(pl.col("intent_group") == "question").with_columns(_minute())
    schema = {
        "intent": pl.String,
        "product_id": pl.String,
        "asks": pl.UInt32,
        "askers": pl.UInt32,
        "re_askers": pl.UInt32,
        "minutes": pl.UInt32,
        "first_ts": q.schema.get("ts", pl.Datetime()),
        "last_ts": q.schema.get("ts", pl.Datetime()),
        "examples": pl.List(pl.String),
    }
    if q.is_empty():
        return pl.DataFrame(schema=schema)
    if events is not None:
        q = _product_at(q, explain_windows(events))
    else:
        q = q.with_columns(pl.lit(None, dtype=pl.String).alias("product_id"))
    if "viewer_id" not in q.columns:
        q = q.with_row_index("viewer_id").with_columns(pl.col("viewer_id").cast(pl.String))
    key = ["intent", "product_id"]
    q = q.sort("ts").with_columns(pl.col("ts").min().over(key).alias("_first"))
    first_ask = q.group_by([*key, "viewer_id"]).agg(
        pl.col("ts").min().alias("_vfirst"), pl.col("_first").first()
    )
    re_ask = first_ask.filter(
        pl.col("_vfirst") >= pl.col("_first") + timedelta(minutes=gap_minutes)
    )
    re_n = re_ask.group_by(key).agg(pl.len().cast(pl.UInt32).alias("re_askers"))
    ex = (
        q.group_by([*key, "text"])
        .len()
        .sort([*key, "len", "text"], descending=[False, False, True, False], nulls_last=True)
        .group_by(key, maintain_order=True)
        .agg(pl.col("text").head(examples).alias("examples"))
    )
    agg = q.group_by(key).agg(
        pl.len().alias("asks"),
        pl.col("viewer_id").n_unique().cast(pl.UInt32).alias("askers"),
        pl.col("minute_ts").n_unique().cast(pl.UInt32).alias("minutes"),
        pl.col("ts").min().alias("first_ts"),
        pl.col("ts").max().alias("last_ts"),
    )
    out = (
        agg.join(re_n, on=key, how="left", nulls_equal=True)
        .join(ex, on=key, how="left", nulls_equal=True)
        .with_columns(pl.col("re_askers").fill_null(0))
        .sort(
            ["re_askers", "asks", "intent", "product_id"],
            descending=[True, True, False, False],
            nulls_last=True,
        )
        .head(top)
    )
    return out.select(list(schema)).cast({"asks": pl.UInt32})


def complaint_themes(classified: pl.DataFrame, *, keywords: int = 5) -> pl.DataFrame:
    """Complaints per theme: intent, comments, share (of complaints), viewers, sentiment (mean),
    top keywords (most frequent content tokens)."""
    c = classified.filter(pl.col("intent_group") == "complaint")
    schema = {
        "intent": pl.String,
        "comments": pl.UInt32,
        "share": pl.Float64,
        "viewers": pl.UInt32,
        "sentiment": pl.Float64,
        "keywords": pl.List(pl.String),
    }
    if c.is_empty():
        return pl.DataFrame(schema=schema)
    viewers = pl.col("viewer_id").n_unique() if "viewer_id" in c.columns else pl.len()
    base = c.group_by("intent").agg(
        pl.len().alias("comments"),
        viewers.cast(pl.UInt32).alias("viewers"),
        pl.col("sentiment").mean().round(3).alias("sentiment"),
    )
    kw = pl.DataFrame(schema={"intent": pl.String, "keywords": pl.List(pl.String)})
    if "tokens" in c.columns:
        kw = (
            _content_tokens(c.select("intent", "tokens"))
            .group_by("intent", "token")
            .len()
            .sort(["intent", "len", "token"], descending=[False, True, False])
            .group_by("intent", maintain_order=True)
            .agg(pl.col("token").head(keywords).alias("keywords"))
        )
    return (
        base.join(kw, on="intent", how="left")
        .with_columns((pl.col("comments") / c.height).round(3).alias("share"))
        .sort(["comments", "intent"], descending=[True, False])
        .select(list(schema))
        .cast({"comments": pl.UInt32})
    )


def complaint_examples(
    classified: pl.DataFrame, *, per_theme: int = 3, salt: str | None = None
) -> pl.DataFrame:
    """Example complaints per theme (most repeated texts first): intent, text, times, viewer
    (pseudonymised), first_ts. Texts are data: show them with :func:`helpers.present.nb.show_table`."""
    c = classified.filter(pl.col("intent_group") == "complaint")
    if "viewer_id" not in c.columns:
        c = c.with_columns(pl.lit(None, dtype=pl.String).alias("viewer_id"))
    ex = (
        c.sort("ts")
        .group_by("intent", "text", maintain_order=True)
        .agg(
            pl.len().alias("times"),
            pl.col("viewer_id").first(),
            pl.col("ts").first().alias("first_ts"),
        )
        .sort(["intent", "times", "first_ts"], descending=[False, True, False])
        .group_by("intent", maintain_order=True)
        .head(per_theme)
    )
    return ex.with_columns(pseudonymise(ex["viewer_id"], salt).alias("viewer")).select(
        "intent", "text", "times", "viewer", "first_ts"
    )


def _content_tokens(df: pl.DataFrame) -> pl.DataFrame:
    """Explode tokens into ``token`` rows, keeping content words (2+ chars or emoji, not digits,
    not stopwords)."""
    return (
        df.explode("tokens")
        .rename({"tokens": "token"})
        .filter(
            pl.col("token").is_not_null()
            & ~pl.col("token").is_in(list(stopwords()))
            & ~pl.col("token").str.contains(r"^[\d.]+$")
            & (
                (pl.col("token").str.len_chars() >= 2)
                | ~pl.col("token").str.contains(r"^[\p{Han}a-z]$")
            )
            & ~pl.col("token").str.contains(r"^[a-z]$")
        )
    )


def keyword_trends(
    comments: pl.DataFrame,
    by: str = "session_id",
    top: int = 20,
    *,
    intents: list[str] | None = None,
) -> pl.DataFrame:
    """Top keywords across groups (sessions by default), for the weekly report.

    Classifies ``comments`` if it has no ``tokens`` column. The ``top`` keywords by total count
    (optionally only in comments of the given intents or intent groups) are reported for every
    group: by, keyword, count, per_1k (per 1,000 comments of the group), rank (within the group,
    1 = most frequent), change_per_1k (against the previous group in ``by`` order; null for the
    first). Sorted by group, then rank.
    """
    if by not in comments.columns:
        raise KeyError(f"keyword_trends: no column {by!r}")
    df = comments if "tokens" in comments.columns else classify_frame(comments)
    totals = df.group_by(by).len().rename({"len": "_n"})
    if intents:
        df = df.filter(pl.col("intent").is_in(intents) | pl.col("intent_group").is_in(intents))
    toks = _content_tokens(df.select(by, "tokens"))
    counts = toks.group_by(by, "token").len().rename({"token": "keyword", "len": "count"})
    keep = (
        counts.group_by("keyword")
        .agg(pl.col("count").sum())
        .sort(["count", "keyword"], descending=[True, False])
        .head(top)["keyword"]
    )
    grid = totals.select(by).join(pl.DataFrame({"keyword": keep}), how="cross")
    out = (
        grid.join(counts, on=[by, "keyword"], how="left")
        .join(totals, on=by, how="left")
        .with_columns(pl.col("count").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("count") * 1000 / pl.col("_n")).round(2).alias("per_1k"))
        .with_columns(
            pl.col("count").rank("min", descending=True).over(by).cast(pl.Int64).alias("rank")
        )
        .sort([by, "keyword"])
        .with_columns(
            (pl.col("per_1k") - pl.col("per_1k").shift(1).over("keyword", order_by=by))
            .round(2)
            .alias("change_per_1k")
        )
        .sort([by, "rank", "keyword"])
        .select(by, "keyword", "count", "per_1k", "rank", "change_per_1k")
    )
    return out


def duplicate_texts(
    classified: pl.DataFrame, *, min_chars: int = 10, min_viewers: int = 8, window_min: int = 10
) -> pl.DataFrame:
    """Copy-paste: texts of at least ``min_chars`` characters (punctuation and spaces ignored)
    posted by ``min_viewers`` or more distinct viewers within one ``window_min``-minute window —
    bought comments read like this. Short stock phrases (已拍, 链接呢, 666) fall under the length
    floor, and a popular phrase repeated over the whole session does not reach the window
    threshold. Columns: text, comments, viewers, peak_viewers (most distinct viewers in one
    window), first_ts, last_ts, span_min, intent."""
    schema = {
        "text": pl.String,
        "comments": pl.UInt32,
        "viewers": pl.UInt32,
        "peak_viewers": pl.UInt32,
        "first_ts": classified.schema.get("ts", pl.Datetime()),
        "last_ts": classified.schema.get("ts", pl.Datetime()),
        "span_min": pl.Float64,
        "intent": pl.String,
    }
    if classified.is_empty() or "viewer_id" not in classified.columns:
        return pl.DataFrame(schema=schema)
    key = pl.col("text").fill_null("").str.replace_all(r"[\s\p{P}]", "")
    long = classified.with_columns(key.alias("_key")).filter(
        pl.col("_key").str.len_chars() >= min_chars
    )
    peak = (
        long.group_by("_key", pl.col("ts").dt.truncate(f"{window_min}m").alias("_w"))
        .agg(pl.col("viewer_id").n_unique().alias("_v"))
        .group_by("_key")
        .agg(pl.col("_v").max().cast(pl.UInt32).alias("peak_viewers"))
    )
    out = (
        long.group_by("_key")
        .agg(
            pl.col("text").first(),
            pl.len().cast(pl.UInt32).alias("comments"),
            pl.col("viewer_id").n_unique().cast(pl.UInt32).alias("viewers"),
            pl.col("ts").min().alias("first_ts"),
            pl.col("ts").max().alias("last_ts"),
            pl.col("intent").first(),
        )
        .join(peak, on="_key")
        .filter(pl.col("peak_viewers") >= min_viewers)
        .with_columns(
            ((pl.col("last_ts") - pl.col("first_ts")).dt.total_seconds() / 60)
            .round(1)
            .alias("span_min")
        )
        .sort(["viewers", "text"], descending=[True, False])
    )
    return out.select(list(schema))


def comment_bursts(
    classified: pl.DataFrame, *, z: float = 4.0, min_comments: int = 10
) -> pl.DataFrame:
    """Minutes with far more comments than usual: robust z = (n − median) / (1.4826·MAD) ≥ ``z``
    and at least ``min_comments``. Columns: minute_ts, comments, robust_z, top_text,
    top_text_share (share of the minute's comments with its most common text)."""
    schema = {
        "minute_ts": classified.schema.get("ts", pl.Datetime()),
        "comments": pl.UInt32,
        "robust_z": pl.Float64,
        "top_text": pl.String,
        "top_text_share": pl.Float64,
    }
    if classified.is_empty():
        return pl.DataFrame(schema=schema)
    m = classified.with_columns(_minute())
    per = m.group_by("minute_ts").len().rename({"len": "comments"}).sort("minute_ts")
    med = float(per["comments"].median())
    mad = float((per["comments"] - med).abs().median()) * 1.4826
    scale = mad if mad > 0 else max(med**0.5, 1.0)
    per = per.with_columns(((pl.col("comments") - med) / scale).round(2).alias("robust_z"))
    hot = per.filter((pl.col("robust_z") >= z) & (pl.col("comments") >= min_comments))
    if hot.is_empty():
        return pl.DataFrame(schema=schema)
    top = (
        m.join(hot.select("minute_ts"), on="minute_ts")
        .group_by("minute_ts", "text")
        .len()
        .sort(["minute_ts", "len", "text"], descending=[False, True, False])
        .group_by("minute_ts", maintain_order=True)
        .first()
        .rename({"text": "top_text", "len": "_top"})
    )
    return (
        hot.join(top, on="minute_ts", how="left")
        .with_columns((pl.col("_top") / pl.col("comments")).round(3).alias("top_text_share"))
        .select(list(schema))
        .cast({"comments": pl.UInt32})
    )


def integrity(classified: pl.DataFrame, **kwargs: Any) -> dict[str, Any]:
    """Integrity figures: copy-pasted texts, the comments they make up, bot-like viewers (same
    text three or more times), burst minutes, and whether a burst is mostly one text."""
    dup = duplicate_texts(
        classified,
        **{k: v for k, v in kwargs.items() if k in ("min_chars", "min_viewers", "window_min")},
    )
    bursts = comment_bursts(
        classified, **{k: v for k, v in kwargs.items() if k in ("z", "min_comments")}
    )
    n = max(classified.height, 1)
    repeaters = 0
    if "viewer_id" in classified.columns and classified.height:
        repeaters = (
            classified.group_by("viewer_id", "text")
            .len()
            .filter(pl.col("len") >= 3)["viewer_id"]
            .n_unique()
        )
    return {
        "comments": classified.height,
        "duplicate_texts": dup.height,
        "duplicate_comments": int(dup["comments"].sum()) if dup.height else 0,
        "duplicate_share": round(float(dup["comments"].sum()) / n, 4) if dup.height else 0.0,
        "repeating_viewers": int(repeaters),
        "burst_minutes": bursts.height,
        "bursts_single_text": int((bursts["top_text_share"] >= 0.5).sum()) if bursts.height else 0,
        "flag": bool(dup.height > 0 or (bursts.height and (bursts["top_text_share"] >= 0.5).any())),
    }


def summary(
    classified: pl.DataFrame,
    events: pl.DataFrame | None = None,
    trend: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The comment figures of a session for summary.json (keys documented in docs/comments.md)."""
    n = classified.height
    groups = dict(classified.group_by("intent_group").len().iter_rows()) if n else {}
    intents = dict(classified.group_by("intent").len().iter_rows()) if n else {}
    sent = classified["sentiment"].drop_nulls() if n else pl.Series([], dtype=pl.Float64)
    out: dict[str, Any] = {
        "comments": n,
        "commenters": int(classified["viewer_id"].n_unique())
        if n and "viewer_id" in classified.columns
        else None,
        "intent_groups": {g: round(groups.get(g, 0) / n, 4) if n else None for g in GROUPS},
        "intents": {i: int(intents[i]) for i in sorted(intents)},
        "questions": int(groups.get("question", 0)),
        "question_share": round(groups.get("question", 0) / n, 4) if n else None,
        "complaints": int(groups.get("complaint", 0)),
        "opinions": int(sent.len()),
        "sentiment_mean": round(float(sent.mean()), 3) if sent.len() else None,
        "positive_share": round(float((sent >= 0.5).mean()), 3) if sent.len() else None,
    }
    top_q = [i for i in QUESTION_INTENTS if intents.get(i)]
    out["top_question"] = max(top_q, key=lambda i: (intents[i], i)) if top_q else None
    comp = complaint_themes(classified)
    out["top_complaint"] = comp["intent"][0] if comp.height else None
    if events is not None:
        uq = unanswered_questions(classified, events, top=3)
        out["unanswered_themes"] = [
            {"intent": r["intent"], "product_id": r["product_id"], "re_askers": int(r["re_askers"])}
            for r in uq.iter_rows(named=True)
        ]
        eq = explanation_questions(classified, events, trend)
        out["explanations"] = eq.height
        out["explanations_questions_rose"] = (
            int((eq["question_lift"].fill_null(0) > 1).sum()) if eq.height else 0
        )
        out["explanations_orders_followed"] = (
            int(eq["orders_followed"].fill_null(False).sum()) if eq.height else 0
        )
    out["integrity"] = integrity(classified)
    return out


def examples_by_intent(classified: pl.DataFrame, *, per_intent: int = 3) -> pl.DataFrame:
    """The most frequent texts of each intent: intent_group, intent, text, times (ties by first
    appearance). Texts are data: show them with :func:`helpers.present.nb.show_table` (escaped)."""
    if classified.is_empty():
        return pl.DataFrame(
            schema={
                "intent_group": pl.String,
                "intent": pl.String,
                "text": pl.String,
                "times": pl.UInt32,
            }
        )
    order = {g: i for i, g in enumerate(GROUPS)}
    return (
        classified.sort("ts")
        .group_by("intent_group", "intent", "text", maintain_order=True)
        .len()
        .rename({"len": "times"})
        .with_columns(pl.col("intent_group").replace_strict(order, default=99).alias("_o"))
        .sort(["_o", "intent", "times"], descending=[False, False, True], maintain_order=True)
        .group_by("intent", maintain_order=True)
        .head(per_intent)
        .select("intent_group", "intent", "text", "times")
    )


# --------------------------------------------------------------------------------------------
# Report sections (50-comments): from the comments table alone; the per-viewer parts need ids
# --------------------------------------------------------------------------------------------

from dataclasses import dataclass, field  # noqa: E402

from helpers.present import sections  # noqa: E402


@dataclass
class CommentsContext:
    """One session's comments, classified, with the tables the sections read (empty frames where
    the store has none; ``session`` is None when the store holds no session at all)."""

    session_id: str
    session: Any
    classified: pl.DataFrame
    names: dict[str, str] = field(default_factory=dict)

    def frames(self) -> dict[str, pl.DataFrame]:
        return self.session.frames() if self.session is not None else {}

    def table(self, name: str) -> pl.DataFrame | None:
        """A table of the session, None when absent or empty."""
        df = self.frames().get(name)
        return df if df is not None and df.height else None


def open_comments(session_id: str, store: str) -> CommentsContext:
    """The comments of ``session_id`` (empty: the store's latest session) classified for the
    report; a store without any session gives an empty context whose sections say so."""
    from helpers.data.store import list_sessions, load_session

    if not session_id:
        known = list_sessions(store)
        if known.is_empty():
            return CommentsContext("", None, classify_frame(_no_comments()))
        session_id = known["session_id"][-1]
    s = load_session(session_id, store)
    cl = classify_frame(s.comments if s.has("comments") else _no_comments())
    names = dict(s.products.select("product_id", "name").iter_rows()) if s.has("products") else {}
    return CommentsContext(session_id, s, cl, names)


def _no_comments() -> pl.DataFrame:
    from helpers.data import schema

    return schema.empty("comments")


@sections.section("comments.intents", needs=["comments"])
def intents_section(ctx: CommentsContext) -> dict[str, Any]:
    """Intent mix, the most frequent texts per intent, and the session's comment figures."""
    return {
        "mix": intent_mix(ctx.classified),
        "examples": examples_by_intent(ctx.classified),
        "summary": summary(ctx.classified, ctx.table("events"), ctx.table("trend")),
    }


@sections.section("comments.minutes", needs=["comments"])
def minutes_section(ctx: CommentsContext) -> pl.DataFrame:
    return per_minute(ctx.classified, ctx.table("trend"), ctx.table("events"))


@sections.section("comments.explanations", needs=["comments", "events"])
def explanations_section(ctx: CommentsContext) -> pl.DataFrame:
    return explanation_questions(
        ctx.classified, ctx.table("events"), ctx.table("trend"), ctx.table("products")
    )


@sections.section("comments.unanswered", needs=["comments.viewer_id"])
def unanswered_section(ctx: CommentsContext) -> pl.DataFrame:
    return unanswered_questions(ctx.classified, ctx.table("events"), top=10)


@sections.section("comments.complaints", needs=["comments"])
def complaints_section(ctx: CommentsContext) -> dict[str, pl.DataFrame]:
    return {
        "themes": complaint_themes(ctx.classified),
        "examples": complaint_examples(ctx.classified, per_theme=3),
    }


@sections.section("comments.integrity", needs=["comments"])
def integrity_section(ctx: CommentsContext) -> dict[str, Any]:
    """Copy-pasted texts (need viewer ids: empty without), bursts, and the integrity figures."""
    return {
        "duplicates": duplicate_texts(ctx.classified),
        "bursts": comment_bursts(ctx.classified),
        "figures": integrity(ctx.classified),
    }


COMMENT_SECTIONS = (
    "comments.intents",
    "comments.minutes",
    "comments.explanations",
    "comments.unanswered",
    "comments.complaints",
    "comments.integrity",
)


def run_all(ctx: CommentsContext) -> dict[str, sections.Outcome]:
    """Every section of the comments report (what the matrix test checks)."""
    f = ctx.frames()
    return {k: sections.run(k, f, ctx) for k in COMMENT_SECTIONS}


def labelled(
    df: pl.DataFrame, lang: str = "zh", names: dict[str, str] | None = None
) -> pl.DataFrame:
    """A comments table as the report shows it: intent codes in words (question_size → 尺码),
    product ids by name, times as HH:MM, lists joined (texts stay data, escaped when shown)."""
    from helpers.comments.intent import label
    from helpers.present.labels import value_label

    out = df
    for c in ("intent", "intent_group", "top_question"):
        if c in out.columns:
            out = out.with_columns(
                pl.col(c).map_elements(
                    lambda v: label(v, lang), return_dtype=pl.String, skip_nulls=False
                )
            )
    if names is not None and "product_id" in out.columns:
        out = out.with_columns(
            pl.col("product_id").replace_strict(names, default=pl.col("product_id"))
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


def build_summary(ctx: CommentsContext, outcomes: list[sections.Outcome]) -> dict[str, Any]:
    """The comments report's summary.json (keys in docs/comments.md): the session's comment
    figures when the comments could be read, plus ``skipped`` (section key → why, in English)."""
    out: dict[str, Any] = {"session_id": ctx.session_id, "skipped": {}}
    for o in outcomes:
        if o.key == "comments.intents" and o.ok:
            out |= o.value["summary"]
        elif not o.ok:
            out["skipped"][o.key.split(".", 1)[1]] = sections.needs_text(o, "en")
    return out
