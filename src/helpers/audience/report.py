"""The audience-segments report (30-audience-segments): its sections, each computing from whatever
the scope holds, their tables in the report's words, and its summary.json."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

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
    assert c is not None  # the section needs comments
    rows = []
    if "viewer_id" in c.columns and c["viewer_id"].null_count() < c.height:
        ids = c["viewer_id"].drop_nulls().unique()
        assert scope.all_comments is not None  # load_scope loads them with the comments
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
def rfm_section(scope: Scope) -> Any:
    """RFM of the store's buyers at the scope's end, its segments and the migration over the
    scope."""
    from datetime import timedelta

    table = rfm(scope.all_orders, scope.end_date)
    if table.empty:
        return TooLittle("no_buyer_ids")
    # orders with buyer ids imply a session, so the scope has dates
    assert scope.start_date is not None and scope.end_date is not None
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
    """Demographic cuts from viewer rows, else from the platform's portrait (``source`` says
    which)."""
    if scope.viewers.height:
        return demographic_cuts(_design(scope)).assign(source="viewers")
    assert scope.audience_profile is not None  # the section needs viewers or the portrait
    return profile_cuts(scope.audience_profile).assign(source="audience_profile")


@sections.section("segments.channels", needs=["traffic"])
def channels_section(scope: Scope) -> pd.DataFrame:
    assert scope.traffic is not None  # the section needs traffic
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


@dataclass
class SegmentsReport:
    """What the segments report works on: the scope, the language and the outcome of every
    section run so far (in report order)."""

    scope: Scope
    lang: str = "zh"
    outcomes: list[sections.Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tables = self.scope.frames()

    def run(self, key: str) -> sections.Outcome:
        """Run section ``key`` on the scope and keep its outcome for the summary."""
        extra = (self.lang,) if key == "segments.clusters" else ()
        out = sections.run(key, self.tables, self.scope, *extra)
        self.outcomes.append(out)
        return out


def open_segments(
    store: str, session_id: str = "", week: str = "", lang: str = "zh"
) -> SegmentsReport:
    """Load the scope of the report (exactly one of ``session_id`` and ``week``)."""
    from helpers.data.scope import load_scope
    from helpers.paths import resolve

    return SegmentsReport(load_scope(str(resolve(store)), session_id=session_id, week=week), lang)


def run_all(scope: Scope, lang: str = "zh") -> dict[str, sections.Outcome]:
    """Every section of the segments report on ``scope`` (what the matrix test checks)."""
    report = SegmentsReport(scope, lang)
    return {k: report.run(k) for k in SEGMENT_SECTIONS}


_SUMMARY_KEYS = {
    "segments.viewers_new_returning": "new_vs_returning",
    "segments.channels": "channel_shares",
}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], df.to_dict("records"))


def _segment_summary(key: str, value: Any, scope: Scope) -> Any:
    if key == "segments.rfm":
        seg = value["segments"]
        assert scope.end_date is not None  # an RFM table implies a session
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


def build_summary(report: SegmentsReport, extra: dict | None = None) -> dict:
    """The segments report's summary.json (keys in docs/summary-models.md): the scope, each
    section's result under its key, and ``skipped`` (key → why, in English) for the others."""
    from helpers.models.report import blocked, scope_ids

    scope = report.scope
    out: dict[str, Any] = {"scope": scope.describe(*scope_ids(scope)), "skipped": {}}
    for o in report.outcomes:
        key = _SUMMARY_KEYS.get(o.key, o.key.split(".", 1)[-1])
        why = blocked(o, "en")
        if why is None:
            out[key] = _segment_summary(o.key, o.value, scope)
        else:
            out["skipped"][key] = why
    return {**out, **(extra or {})}
