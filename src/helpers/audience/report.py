"""The audience-segments report (30-audience-segments): its sections, each computing from whatever
the scope holds, their tables in the report's words, and its summary.json."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import polars as pl

from helpers.audience.clusters import (
    CLUSTER_FEATURES,
    cluster_profiles,
    cluster_viewers,
    engagement_features,
)
from helpers.audience.groups import (
    channel_shares,
    demographic_cuts,
    first_order_aov,
    group_table,
    retention,
)
from helpers.audience.rfm import rfm, rfm_migration, rfm_segments
from helpers.data.scope import Scope
from helpers.metrics.definitions import BUYING_STATUSES
from helpers.metrics.stats import bootstrap_ratio, proportion
from helpers.models.report import TooLittle
from helpers.present import sections

# --------------------------------------------------------------------------------------------
# Report sections (30-audience-segments): each computes from whatever the scope holds
# --------------------------------------------------------------------------------------------


#: Fewest viewer rows the engagement clustering runs on.
MIN_CLUSTER_VIEWERS = 50


def returning_buyers(scope: Scope, n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """New vs returning buyers of the scope from order buyer ids across the store's sessions
    (a masked id such as ``1234****`` is still an id): returning = the id had bought before the
    scope's first session started. Per group:
    buyers, buyer share (Wilson), orders, GMV share and GMV per buyer (bootstrap)."""
    o = scope.all_orders.filter(
        pl.col("status").is_in(list(BUYING_STATUSES)) & pl.col("viewer_id").is_not_null()
    )
    earlier = o.filter(pl.col("ts") < scope.sessions["start_ts"].min())["viewer_id"].unique()
    mine = (
        o.filter(pl.col("session_id").is_in(scope.session_ids))
        .group_by("viewer_id")
        .agg(pl.len().alias("orders"), pl.col("amount").sum().alias("gmv"))
        .with_columns(pl.col("viewer_id").is_in(earlier.implode()).alias("returning"))
        .sort("viewer_id")
    )
    n_all, g_all = mine.height, float(mine["gmv"].sum())
    rows = []
    for flag, kind in ((False, "new"), (True, "returning")):
        g = mine.filter(pl.col("returning") == flag)
        share = proportion(g.height, n_all)
        gmv = g["gmv"].to_numpy()
        aov = bootstrap_ratio(gmv, n_boot=n_boot, seed=seed) if g.height >= 2 else None
        rows.append(
            {
                "kind": kind,
                "buyers": g.height,
                "buyer_share": share.estimate,
                "buyer_share_lo": share.lo,
                "buyer_share_hi": share.hi,
                "orders": int(g["orders"].sum()),
                "gmv_share": float(gmv.sum()) / g_all if g_all else math.nan,
                "aov": aov.estimate if aov else (float(gmv.mean()) if g.height else math.nan),
                "aov_lo": aov.lo if aov else math.nan,
                "aov_hi": aov.hi if aov else math.nan,
            }
        )
    return pd.DataFrame(rows)


def returning_commenters(scope: Scope) -> pd.DataFrame:
    """Commenters of the scope who are returning, two ways: their id commented in an earlier
    session of the store (``earlier_comments``), and the platform's own ``老客`` tag (``tag``).
    Per method: commenters, returning, share (Wilson)."""
    c = scope.comments
    rows = []
    if "viewer_id" in c.columns and c["viewer_id"].null_count() < c.height:
        ids = c["viewer_id"].drop_nulls().unique()
        prior = scope.all_comments.filter(pl.col("ts") < scope.sessions["start_ts"].min())
        earlier = (
            prior["viewer_id"].drop_nulls().unique()
            if "viewer_id" in prior.columns
            else ids.head(0)
        )
        rows.append(("earlier_comments", ids.len(), int(ids.is_in(earlier.implode()).sum())))
    if "tag" in c.columns and c["tag"].null_count() < c.height:
        key = (
            "viewer_id"
            if "viewer_id" in c.columns and c["viewer_id"].null_count() < c.height
            else None
        )
        per = (
            c.group_by(key).agg((pl.col("tag") == "老客").any().alias("r"))
            if key
            else c.select((pl.col("tag") == "老客").fill_null(False).alias("r"))
        )
        per = per.filter(pl.col(key).is_not_null()) if key else per
        rows.append(("tag", per.height, int(per["r"].fill_null(False).sum())))
    out = []
    for method, n, r in rows:
        p = proportion(r, n)
        out.append(
            {
                "method": method,
                "commenters": n,
                "returning": r,
                "share": p.estimate,
                "lo": p.lo,
                "hi": p.hi,
            }
        )
    return pd.DataFrame(out, columns=["method", "commenters", "returning", "share", "lo", "hi"])


def profile_cuts(profile: pl.DataFrame) -> pd.DataFrame:
    """Demographic cuts from the platform's portrait (``audience_profile``) alone: per dimension
    and bucket the share of the watching and of the buying population (pooled over sessions by
    count when counts exist, else the mean share), Wilson intervals where counts exist, and the
    buyer / viewer index."""
    has_n = "count" in profile.columns and profile["count"].null_count() < profile.height
    share = pl.col("share").mean() if "share" in profile.columns else pl.lit(None, dtype=pl.Float64)
    g = profile.group_by("dimension", "bucket", "population").agg(
        pl.col("count").sum().alias("n") if has_n else pl.lit(None, dtype=pl.Int64).alias("n"),
        share.alias("mean_share"),
    )
    tot = g.group_by("dimension", "population").agg(pl.col("n").sum().alias("N"))
    g = g.join(tot, on=["dimension", "population"]).sort("dimension", "bucket", "population")
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in g.filter(pl.col("population").is_in(["watched", "bought"])).iter_rows(named=True):
        pre = "viewer_share" if r["population"] == "watched" else "buyer_share"
        row = rows.setdefault(
            (r["dimension"], r["bucket"]), {"dimension": r["dimension"], "level": r["bucket"]}
        )
        if has_n and r["N"]:
            p = proportion(int(r["n"] or 0), int(r["N"]))
            row |= {pre: p.estimate, f"{pre}_lo": p.lo, f"{pre}_hi": p.hi}
        else:
            row |= {pre: r["mean_share"], f"{pre}_lo": math.nan, f"{pre}_hi": math.nan}
    cols = [
        "dimension",
        "level",
        "viewer_share",
        "viewer_share_lo",
        "viewer_share_hi",
        "buyer_share",
        "buyer_share_lo",
        "buyer_share_hi",
    ]
    out = pd.DataFrame(list(rows.values())).reindex(columns=cols)
    out["index"] = out["buyer_share"] / out["viewer_share"]
    return out


def _design(scope: Scope) -> pd.DataFrame:
    from helpers.models import viewer_design

    return viewer_design(scope.viewers, scope.orders)


@sections.section("segments.rfm", needs=["orders.viewer_id"])
def rfm_section(scope: Scope) -> dict[str, pd.DataFrame]:
    """RFM of the store's buyers at the scope's end, its segments and the migration over the scope."""
    from datetime import timedelta

    table = rfm(scope.all_orders, scope.end_date)
    if table.empty:
        return TooLittle("no_buyer_ids")
    return {
        "table": table,
        "segments": rfm_segments(table),
        "migration": rfm_migration(
            scope.all_orders, scope.start_date - timedelta(days=1), scope.end_date
        ),
    }


@sections.section("segments.buyers_new_returning", needs=["orders.viewer_id"])
def buyers_new_returning_section(scope: Scope) -> pd.DataFrame:
    return returning_buyers(scope)


@sections.section("segments.first_order_aov", needs=["orders.first_order"])
def first_order_section(scope: Scope) -> pd.DataFrame:
    return first_order_aov(scope.orders)


@sections.section("segments.commenters", needs=["comments.viewer_id|comments.tag"])
def commenters_section(scope: Scope) -> pd.DataFrame:
    return returning_commenters(scope)


@sections.section("segments.viewers_new_returning", needs=["viewers.returning"])
def viewers_new_returning_section(scope: Scope) -> pd.DataFrame:
    return group_table(_design(scope), "returning", labels={1: "returning", 0: "new"})


@sections.section("segments.retention", needs=["viewers.returning"])
def retention_section(scope: Scope) -> Any:
    ret = retention(scope.viewers, scope.sessions, "returning", {True: "returning", False: "new"})
    return ret if len(ret) else TooLittle("no_later_session")


@sections.section("segments.followers", needs=["viewers.was_follower"])
def followers_section(scope: Scope) -> pd.DataFrame:
    return group_table(_design(scope), "was_follower", labels={1: "follower", 0: "not_follower"})


@sections.section("segments.clusters", needs=["viewers"])
def clusters_section(scope: Scope, lang: str = "zh") -> Any:
    """Engagement clusters: (clustering, profiles)."""
    design = _design(scope)
    if len(design) < MIN_CLUSTER_VIEWERS:
        return TooLittle("few_viewers", (("n", len(design)), ("min", MIN_CLUSTER_VIEWERS)))
    feats, _num, _cat = engagement_features(design)
    cl = cluster_viewers(feats, [c for c in CLUSTER_FEATURES if c in feats.columns])
    return cl, cluster_profiles(design, cl, feats, lang=lang)


@sections.section("segments.demographics", needs=["viewers|audience_profile"])
def demographics_section(scope: Scope) -> pd.DataFrame:
    """Demographic cuts from viewer rows, else from the platform's portrait (``source`` says which)."""
    if scope.viewers.height:
        return demographic_cuts(_design(scope)).assign(source="viewers")
    return profile_cuts(scope.audience_profile).assign(source="audience_profile")


@sections.section("segments.channels", needs=["traffic"])
def channels_section(scope: Scope) -> pd.DataFrame:
    return channel_shares(scope.traffic)


SEGMENT_SECTIONS = (
    "segments.rfm",
    "segments.buyers_new_returning",
    "segments.first_order_aov",
    "segments.commenters",
    "segments.viewers_new_returning",
    "segments.retention",
    "segments.followers",
    "segments.clusters",
    "segments.demographics",
    "segments.channels",
)


def run_all(scope: Scope, lang: str = "zh") -> dict[str, sections.Outcome]:
    """Every section of the segments report on ``scope`` (what the matrix test checks)."""
    f = scope.frames()
    return {
        k: sections.run(k, f, scope, lang)
        if k == "segments.clusters"
        else sections.run(k, f, scope)
        for k in SEGMENT_SECTIONS
    }


def group_words(series: pd.Series, lang: str) -> pd.Series:
    """Group codes in words: new/returning, follower, first/repeat, True/False, female, ..."""
    from helpers.models.terms import value_label
    from helpers.present.i18n import t

    return series.map(lambda v: t(v, lang) if v in ("new", "returning") else value_label(v, lang))


_PCT1 = {
    "buyer_share": 1,
    "gmv_share": 1,
    "gap": 1,
    "viewer_share": 1,
    "share": 1,
    "rate": 1,
    "lo": 1,
    "hi": 1,
    "buyer_share_lo": 1,
    "buyer_share_hi": 1,
    "viewer_share_lo": 1,
    "viewer_share_hi": 1,
    "order_share": 1,
    "order_share_lo": 1,
    "order_share_hi": 1,
}
_PCT2 = {"conversion": 2, "conversion_lo": 2, "conversion_hi": 2}


def segment_table(key: str, value: Any, lang: str = "zh") -> Any:
    """The table a segments-report section shows (readable groups, shares as percentages)."""
    from helpers.models.terms import show_frame
    from helpers.present.i18n import t
    from helpers.present.labels import table_format

    cols, cap, df = None, f"cap_{key}", value
    if key == "rfm":
        df = value["segments"].assign(
            segment=lambda d: d["segment_zh"] if lang == "zh" else d["segment"]
        )
        cols = [
            "segment",
            "buyers",
            "buyer_share",
            "gmv_share",
            "mean_recency_days",
            "mean_frequency",
        ]
    elif key in ("buyers_nr", "first_order"):
        df = value.assign(kind=group_words(value["kind"], lang))
        if key == "first_order":  # the gap is first vs repeat: one figure, on the first row
            df["gap"] = [g if i == 0 else math.nan for i, g in enumerate(df["gap"])]
    elif key == "commenters":
        df = value.assign(method=group_words(value["method"], lang)).rename(
            columns={"returning": "returning_n"}
        )
    elif key in ("viewers_nr", "retention", "followers"):
        by = "was_follower" if key == "followers" else "returning"
        df = value.assign(**{by: group_words(value[by], lang)}).rename(
            columns={"returning": "new_or_returning"}
        )
        cols = [
            c
            for c in df.columns
            if c not in ("gmv", "buyer_share", "buyer_share_lo", "buyer_share_hi")
        ]
    elif key == "demographics":
        df = value.assign(
            dimension=value["dimension"].map(lambda d: t(d, lang)),
            level=group_words(value["level"], lang),
        ).drop(columns=["source", "gmv"], errors="ignore")
    df = df[cols] if cols else df
    fmt = table_format(
        list(df.columns),
        lang,
        percent={c: d for c, d in (_PCT1 | _PCT2).items() if c in df.columns},
        decimals={
            "buyers": 0,
            "viewers": 0,
            "orders": 0,
            "commenters": 0,
            "returning_n": 0,
            "aov_lo": 1,
            "aov_hi": 1,
            "mean_recency_days": 1,
            "mean_frequency": 2,
        },
    )
    fmt.pop("rename")
    return show_frame(df, cap, lang, max_rows=60, **fmt)


_SUMMARY_KEYS = {
    "segments.viewers_new_returning": "new_vs_returning",
    "segments.channels": "channel_shares",
}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.to_dict("records")


def _segment_summary(key: str, value: Any, scope: Scope) -> Any:
    if key == "segments.rfm":
        seg = value["segments"]
        return {
            "ref_date": scope.end_date.isoformat(),
            "buyers": len(value["table"]),
            "segments": {
                r["segment"]: {k: r[k] for k in ("buyers", "buyer_share", "gmv_share")}
                for r in _records(seg)
            },
            "migration": _records(value["migration"]),
        }
    if key == "segments.first_order_aov":
        if len(value) < 2:
            return _records(value)
        f, r = value.iloc[0], value.iloc[1]
        return {
            "first": f["aov"],
            "first_lo": f["aov_lo"],
            "first_hi": f["aov_hi"],
            "repeat": r["aov"],
            "repeat_lo": r["aov_lo"],
            "repeat_hi": r["aov_hi"],
            "gap": f["gap"],
        }
    if key == "segments.clusters":
        cl, prof = value
        return {**cl.summary(), "profiles": _records(prof)}
    return _records(value)


def build_summary(
    scope: Scope, outcomes: list[sections.Outcome], extra: dict | None = None
) -> dict:
    """The segments report's summary.json (keys in docs/summary-models.md): the scope, each
    section's result under its key, and ``skipped`` (key → why, in English) for the others."""
    from helpers.models.report import blocked, scope_ids

    out: dict[str, Any] = {"scope": scope.describe(*scope_ids(scope)), "skipped": {}}
    for o in outcomes:
        key = _SUMMARY_KEYS.get(o.key, o.key.split(".", 1)[-1])
        why = blocked(o, "en")
        if why is None:
            out[key] = _segment_summary(o.key, o.value, scope)
        else:
            out["skipped"][key] = why
    return {**out, **(extra or {})}
