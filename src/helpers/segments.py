"""Who watched and who bought: RFM of buyers, new vs returning, followers, engagement clusters,
demographic cuts, each share or rate with its interval.

- :func:`rfm` / :func:`rfm_segments` / :func:`rfm_migration`: recency, frequency, monetary of buyers
  across every session in the store at a reference date, quintile scores, named segments.
- :func:`group_table`: viewers, buyers, conversion (Wilson interval), GMV share and AOV (bootstrap
  interval) per value of any column (new vs returning, followers, age band, region ...).
- :func:`cluster_viewers`: k-means on standardised behaviour, k chosen by silhouette, stability
  across seeds (adjusted Rand index), clusters profiled in plain words.

Buyer = a viewer with a paid or refunded order (as in :func:`helpers.models.viewer_design`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from .metrics import BUYING_STATUSES
from .stats import bootstrap_ratio, proportion

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------------

RFM_SEGMENTS = ("champions", "loyal", "new", "promising", "at_risk", "needs_attention", "lost")
RFM_ZH = {"champions": "高价值", "loyal": "忠诚", "new": "新客", "promising": "潜力",
          "at_risk": "流失风险", "needs_attention": "需关注", "lost": "已流失"}


def _score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Quintile score 1–5: 1 + floor(5 × share of buyers strictly worse), so ties share a score."""
    v = values if higher_is_better else -values
    below = (v.rank(method="min") - 1) / len(v)
    return (1 + np.floor(5 * below)).clip(1, 5).astype(int)


def _segment(r: int, f: int) -> str:
    if r >= 4 and f >= 4:
        return "champions"
    if f >= 4:
        return "loyal" if r >= 3 else "at_risk"
    if r >= 4:
        return "new" if f <= 1 else "promising"
    if r == 3:
        return "promising" if f >= 2 else "needs_attention"
    return "at_risk" if f >= 3 else "lost"


def rfm(orders: pl.DataFrame, ref_date: date | datetime | None = None) -> pd.DataFrame:
    """One row per buyer: recency_days, frequency (distinct sessions bought in), monetary (yuan),
    their 1–5 scores and the named segment, using orders placed up to ``ref_date`` (inclusive).

    Segments from the R and F scores: champions (R≥4, F≥4), loyal (F≥4, R=3), at_risk (F≥4 or
    F≥3 with R≤2), new (R≥4, F=1), promising (R≥4, F 2–3; R=3, F≥2), needs_attention (R=3, F=1),
    lost (R≤2, F≤2). Scores are relative to this store's buyers (1 + floor(5 × share of buyers
    strictly worse)), so ties share a score.
    """
    o = orders.filter(pl.col("status").is_in(list(BUYING_STATUSES)) & pl.col("viewer_id").is_not_null())
    if ref_date is None:
        ref = o["ts"].max().date() if o.height else date.today()
    else:
        ref = ref_date.date() if isinstance(ref_date, datetime) else ref_date
    o = o.with_columns(pl.col("ts").dt.date().alias("day")).filter(pl.col("day") <= ref)
    cols = ["viewer_id", "recency_days", "frequency", "monetary", "orders", "r", "f", "m", "segment"]
    if o.height == 0:
        return pd.DataFrame(columns=cols)
    g = (
        o.group_by("viewer_id")
        .agg(
            pl.col("day").max().alias("last"),
            pl.col("session_id").n_unique().alias("frequency"),
            pl.col("amount").sum().alias("monetary"),
            pl.len().alias("orders"),
        )
        .with_columns((pl.lit(ref) - pl.col("last")).dt.total_days().alias("recency_days"))
        .sort("viewer_id")
        .to_pandas()
    )
    g["r"] = _score(g["recency_days"].astype(float), higher_is_better=False)
    g["f"] = _score(g["frequency"].astype(float))
    g["m"] = _score(g["monetary"].astype(float))
    g["segment"] = [_segment(r, f) for r, f in zip(g["r"], g["f"], strict=True)]
    return g[cols]


def rfm_segments(table: pd.DataFrame) -> pd.DataFrame:
    """Buyers, share of buyers and GMV share per RFM segment (fixed segment order)."""
    total_b, total_m = len(table), float(table["monetary"].sum()) if len(table) else 0.0
    rows = []
    for s in RFM_SEGMENTS:
        t = table[table["segment"] == s]
        rows.append({
            "segment": s, "segment_zh": RFM_ZH[s], "buyers": len(t),
            "buyer_share": len(t) / total_b if total_b else math.nan,
            "gmv": float(t["monetary"].sum()),
            "gmv_share": float(t["monetary"].sum()) / total_m if total_m else math.nan,
            "mean_recency_days": float(t["recency_days"].mean()) if len(t) else math.nan,
            "mean_frequency": float(t["frequency"].mean()) if len(t) else math.nan,
        })
    return pd.DataFrame(rows)


def rfm_migration(orders: pl.DataFrame, date_from: date, date_to: date) -> pd.DataFrame:
    """Buyers moving between RFM segments from ``date_from`` to ``date_to`` (long form:
    from_segment, to_segment, buyers). Buyers with no order by ``date_from`` start in ``none``."""
    a = rfm(orders, date_from)[["viewer_id", "segment"]].rename(columns={"segment": "from_segment"})
    b = rfm(orders, date_to)[["viewer_id", "segment"]].rename(columns={"segment": "to_segment"})
    m = b.merge(a, on="viewer_id", how="left")
    m["from_segment"] = m["from_segment"].fillna("none")
    out = m.groupby(["from_segment", "to_segment"]).size().rename("buyers").reset_index()
    order = {s: i for i, s in enumerate(("none", *RFM_SEGMENTS))}
    return out.sort_values(["from_segment", "to_segment"], key=lambda s: s.map(order)).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Group cuts with intervals
# --------------------------------------------------------------------------------------------


def group_table(design: pd.DataFrame, by: str, *, outcome: str = "bought", gmv: str = "gmv",
                alpha: float = 0.05, n_boot: int = 500, seed: int = 0,
                labels: dict[Any, str] | None = None) -> pd.DataFrame:
    """Per value of ``by``: viewers, share of viewers and of buyers (Wilson), conversion (Wilson),
    GMV share, AOV = GMV / buyers (bootstrap over buyers).

    ``design`` is one row per viewer with a 0/1 ``outcome`` and per-viewer ``gmv``
    (:func:`helpers.models.viewer_design`). ``labels`` renames values (0/1 flags: ``{1: "returning",
    0: "new"}``); 0/1 flags without labels show as ``yes``/``no``.
    """
    d = design[[by, outcome, gmv]].copy()
    if labels is None and pd.api.types.is_numeric_dtype(d[by]) and set(d[by].dropna().unique()) <= {0, 1}:
        labels = {1: "yes", 0: "no"}
    if labels:
        d[by] = d[by].map(lambda v: labels.get(v, v))
    d[by] = d[by].astype(object).where(d[by].notna(), "unknown").astype(str)
    n_all, b_all, g_all = len(d), int(d[outcome].sum()), float(d[gmv].sum())
    rows = []
    for lv, g in sorted(d.groupby(by, sort=False), key=lambda kv: (-len(kv[1]), kv[0])):
        n, b = len(g), int(g[outcome].sum())
        conv = proportion(b, n, alpha)
        vshare = proportion(n, n_all, alpha)
        bshare = proportion(b, b_all, alpha) if b_all else None
        amounts = g.loc[g[outcome] == 1, gmv].to_numpy(dtype=float)
        aov = bootstrap_ratio(amounts, n_boot=n_boot, alpha=alpha, seed=seed) if b >= 2 else None
        rows.append({
            by: lv, "viewers": n, "viewer_share": vshare.estimate, "viewer_share_lo": vshare.lo,
            "viewer_share_hi": vshare.hi, "buyers": b,
            "buyer_share": bshare.estimate if bshare else math.nan,
            "buyer_share_lo": bshare.lo if bshare else math.nan,
            "buyer_share_hi": bshare.hi if bshare else math.nan,
            "conversion": conv.estimate, "conversion_lo": conv.lo, "conversion_hi": conv.hi,
            "gmv": float(g[gmv].sum()), "gmv_share": float(g[gmv].sum()) / g_all if g_all else math.nan,
            "aov": aov.estimate if aov else (float(amounts.mean()) if b else math.nan),
            "aov_lo": aov.lo if aov else math.nan, "aov_hi": aov.hi if aov else math.nan,
        })
    return pd.DataFrame(rows)


def first_order_aov(orders: pl.DataFrame, *, n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """AOV of buyers' first orders in the room vs other orders (seed: first orders 25–40% lower).

    Uses ``orders.first_order``; returns kind (first, repeat), orders, aov, aov_lo, aov_hi and the
    relative gap of first vs repeat in the first row's ``gap`` column.
    """
    cols = ["kind", "orders", "aov", "aov_lo", "aov_hi", "gap"]
    if "first_order" not in orders.columns or orders.height == 0:
        return pd.DataFrame(columns=cols)
    o = orders.filter(pl.col("status").is_in(list(BUYING_STATUSES)) & pl.col("first_order").is_not_null())
    rows = []
    for kind, flag in (("first", True), ("repeat", False)):
        a = o.filter(pl.col("first_order") == flag)["amount"].to_numpy()
        iv = bootstrap_ratio(a, n_boot=n_boot, seed=seed) if a.size >= 2 else None
        rows.append({"kind": kind, "orders": int(a.size), "aov": iv.estimate if iv else math.nan,
                     "aov_lo": iv.lo if iv else math.nan, "aov_hi": iv.hi if iv else math.nan})
    out = pd.DataFrame(rows)
    f, r = out.loc[0, "aov"], out.loc[1, "aov"]
    out["gap"] = (f / r - 1) if (r and not math.isnan(r) and not math.isnan(f)) else math.nan
    return out[cols]


def retention(viewers: pl.DataFrame, sessions: pl.DataFrame, by: str,
              labels: dict[Any, str] | None = None) -> pd.DataFrame:
    """Share of each group's viewers seen again in a later session of ``sessions`` (Wilson interval).

    Only viewers of sessions followed by at least one later session count (the others could not
    come back yet). ``labels`` renames group values (``{True: "returning", False: "new"}``).
    Returns by, viewers, came_back, rate, lo, hi.
    """
    cols = [by, "viewers", "came_back", "rate", "lo", "hi"]
    if by not in viewers.columns or sessions.height < 2:
        return pd.DataFrame(columns=cols)
    order = sessions.sort("start_ts").select("session_id", pl.int_range(pl.len()).alias("k"))
    col = pl.col(by)
    if labels:
        col = col.replace_strict(labels, default=None, return_dtype=pl.String)
    v = viewers.select("session_id", "viewer_id", col.cast(pl.String).fill_null("unknown").alias(by)).join(
        order, on="session_id")
    last_k = v.group_by("viewer_id").agg(pl.col("k").max().alias("last_k"))
    maxk = order["k"].max()
    v = v.filter(pl.col("k") < maxk).join(last_k, on="viewer_id").with_columns(
        (pl.col("last_k") > pl.col("k")).alias("back"))
    g = v.group_by(by).agg(pl.len().alias("viewers"), pl.col("back").sum().alias("came_back")).sort(by)
    rows = []
    for r in g.iter_rows(named=True):
        p = proportion(int(r["came_back"]), int(r["viewers"]))
        rows.append({by: r[by], "viewers": r["viewers"], "came_back": r["came_back"], "rate": p.estimate,
                     "lo": p.lo, "hi": p.hi})
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------------------------
# Engagement clusters
# --------------------------------------------------------------------------------------------

#: Behaviour features of a viewer (built by :func:`engagement_features`) and their plain words.
ENGAGEMENT_WORDS: dict[str, tuple[str, str]] = {
    "log_watch_min": ("long watchers", "brief visitors"),
    "log_interactions": ("active interactors", "silent"),
    "log_clicks": ("heavy product clickers", "non-clickers"),
    "entry_min": ("late arrivals", "early arrivals"),
}
ENGAGEMENT_WORDS_ZH: dict[str, tuple[str, str]] = {
    "log_watch_min": ("长时观看", "短暂停留"),
    "log_interactions": ("积极互动", "沉默"),
    "log_clicks": ("频繁点商品", "不点商品"),
    "entry_min": ("晚到", "早到"),
}


#: Features that define engagement clusters. Entry time and channel describe clusters but do not
#: define them: on simulated truth they blur the behavioural segments (adjusted Rand index 0.94 →
#: 0.52 with entry time added), see docs/models.md.
CLUSTER_FEATURES = ["log_watch_min", "log_interactions", "log_clicks"]


def engagement_features(design: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Behaviour features per viewer from a viewer design: log watch minutes, log interactions,
    log product clicks, entry minute since the session's first entry, channel. Returns (frame,
    numeric, categorical)."""
    f = pd.DataFrame(index=design.index)
    numeric = []
    for c in ("log_watch_min", "log_interactions"):
        if c in design.columns:
            f[c] = design[c].astype(float)
            numeric.append(c)
    if "product_clicks" in design.columns:
        f["log_clicks"] = np.log1p(design["product_clicks"].fillna(0).astype(float))
        numeric.append("log_clicks")
    if "enter_ts" in design.columns:
        first = design.groupby("session_id")["enter_ts"].transform("min")
        f["entry_min"] = (design["enter_ts"] - first).dt.total_seconds() / 60
        numeric.append("entry_min")
    categorical = []
    if "channel" in design.columns:
        f["channel"] = design["channel"].astype(str)
        categorical.append("channel")
    return f, numeric, categorical


@dataclass
class Clustering:
    """Engagement clusters (see :func:`cluster_viewers`)."""

    k: int
    labels: np.ndarray
    scores: dict[int, float]  # k -> criterion value (higher is better)
    silhouette: dict[int, float]  # k -> mean silhouette on the sample
    stability_ari: float  # min adjusted Rand index between fits with different seeds
    centers: pd.DataFrame  # cluster × feature, in standard deviations from the mean
    features: list[str]
    criterion: str = "calinski_harabasz"
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"k": self.k, "criterion": self.criterion,
                "scores": {str(k): round(v, 4) for k, v in self.scores.items()},
                "silhouette": {str(k): round(v, 4) for k, v in self.silhouette.items()},
                "stability_ari": round(self.stability_ari, 4), "features": self.features}


def _matrix(df: pd.DataFrame, numeric: list[str], categorical: list[str],
            categorical_weight: float) -> tuple[np.ndarray, list[str]]:
    from sklearn.preprocessing import StandardScaler

    num = df[numeric].astype(float).to_numpy()
    num = np.nan_to_num(StandardScaler().fit_transform(num)) if numeric else np.empty((len(df), 0))
    parts, names = [num], list(numeric)
    for c in categorical:
        dummies = pd.get_dummies(df[c].astype(str), prefix=c, dtype=float)
        parts.append(dummies.to_numpy() * categorical_weight)
        names += list(dummies.columns)
    return np.hstack(parts).astype(np.float32), names


def cluster_viewers(
    df: pd.DataFrame,
    numeric: list[str],
    categorical: list[str] | None = None,
    *,
    k_range: tuple[int, int] = (2, 8),
    k: int | None = None,
    seed: int = 0,
    sample: int = 3000,
    fit_sample: int = 20_000,
    stability_seeds: int = 3,
    categorical_weight: float = 0.5,
    criterion: str = "calinski_harabasz",
) -> Clustering:
    """k-means on standardised numeric features (+ one-hot categoricals scaled by
    ``categorical_weight``); k chosen by ``criterion`` unless given.

    Criteria: ``calinski_harabasz`` (default; between- to within-cluster dispersion, on the fit
    sample) or ``silhouette`` (mean silhouette on a ``sample`` of rows; both are always reported).
    On simulated truth the silhouette prefers k=2 (merging planted segments) while
    Calinski–Harabasz finds the planted k=4, hence the default. Candidate k are fitted on at most
    ``fit_sample`` rows; the chosen k is fitted on all rows. Stability: the minimum adjusted Rand
    index between the labels of ``stability_seeds`` fits with different seeds (1.0 = identical);
    each is one k-means++ start and the lowest-inertia fit gives the labels.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, silhouette_score

    if criterion not in ("calinski_harabasz", "silhouette"):
        raise ValueError(f"criterion must be calinski_harabasz or silhouette, not {criterion!r}")
    categorical = categorical or []
    X, names = _matrix(df, numeric, categorical, categorical_weight)
    n = len(X)
    rng = np.random.default_rng(seed)
    fit_idx = rng.choice(n, min(n, fit_sample), replace=False) if n > fit_sample else np.arange(n)
    sil_idx = fit_idx[: min(len(fit_idx), sample)]
    sil: dict[int, float] = {}
    ch: dict[int, float] = {}
    if k is None:
        for kk in range(k_range[0], min(k_range[1], len(fit_idx) - 1) + 1):
            km = KMeans(kk, n_init=2, random_state=seed).fit(X[fit_idx])
            lab = km.predict(X[sil_idx])
            if len(set(lab)) < 2 or len(set(km.labels_)) < 2:
                continue
            sil[kk] = float(silhouette_score(X[sil_idx], lab, random_state=seed))
            ch[kk] = float(calinski_harabasz_score(X[fit_idx], km.labels_))
        scores = ch if criterion == "calinski_harabasz" else sil
        if not scores:
            raise ValueError("cluster_viewers: too few distinct rows to cluster")
        k = max(scores, key=lambda kk: (round(scores[kk], 3), -kk))
    else:
        scores = {}
    runs = []
    for s in range(stability_seeds):
        km = KMeans(k, n_init=1, random_state=seed + s).fit(X)
        runs.append((km.inertia_, km.labels_))
    labels = min(runs, key=lambda r: r[0])[1]
    ari = min((adjusted_rand_score(a[1], b[1]) for i, a in enumerate(runs) for b in runs[i + 1:]),
              default=1.0)
    labels = _canonical_labels(labels, X[:, 0] if X.shape[1] else np.zeros(n))
    centers = pd.DataFrame(X, columns=names).groupby(labels).mean()
    centers.index.name = "cluster"
    return Clustering(k=k, labels=labels, scores=scores, silhouette=sil, stability_ari=float(ari),
                      centers=centers, features=names, criterion=criterion)


def _canonical_labels(labels: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 by decreasing mean of ``key`` (first feature), so runs are stable."""
    uniq = np.unique(labels)
    means = {u: float(key[labels == u].mean()) for u in uniq}
    order = sorted(uniq, key=lambda u: (-means[u], u))
    remap = {u: i for i, u in enumerate(order)}
    return np.vectorize(remap.get)(labels) if len(labels) else labels


def describe_cluster(center: pd.Series, words: dict[str, tuple[str, str]], *, threshold: float = 0.5,
                     max_words: int = 2, channel_share: dict[str, float] | None = None,
                     lang: str = "en") -> str:
    """Plain words for a cluster centre (standard deviations): its strongest traits."""
    traits = [(abs(v), f, v) for f, v in center.items() if f in words and abs(v) >= threshold]
    traits.sort(key=lambda t: (-t[0], t[1]))
    parts = [words[f][0 if v > 0 else 1] for _, f, v in traits[:max_words]]
    if channel_share:
        top = max(channel_share, key=lambda c: (channel_share[c], c))
        if channel_share[top] >= 0.5:
            parts.append(f"多来自{top}" if lang == "zh" else f"mostly from {top}")
    if not parts:
        return "普通观众" if lang == "zh" else "average viewers"
    return ("、" if lang == "zh" else ", ").join(parts)


def cluster_profiles(design: pd.DataFrame, clustering: Clustering, features: pd.DataFrame | None = None,
                     *, lang: str = "en", outcome: str = "bought", gmv: str = "gmv",
                     words: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """Per cluster: plain-words description, size, share, conversion (Wilson), GMV share and the
    mean of each numeric feature of ``features`` (default: the clustering features) in standard
    deviations from the overall mean; the channel (if any) names the cluster's majority channel."""
    words = words or (ENGAGEMENT_WORDS_ZH if lang == "zh" else ENGAGEMENT_WORDS)
    d = design.assign(cluster=clustering.labels)
    if features is not None:
        num = features.select_dtypes("number")
        z = (num - num.mean()) / num.std(ddof=0).replace(0, 1)
        centers = z.groupby(clustering.labels).mean()
    else:
        centers = clustering.centers
    g_all = float(d[gmv].sum()) if gmv in d.columns else 0.0
    rows = []
    for c in sorted(d["cluster"].unique()):
        g = d[d["cluster"] == c]
        share = None
        if "channel" in g.columns:
            share = g["channel"].astype(str).value_counts(normalize=True).to_dict()
        conv = proportion(int(g[outcome].sum()), len(g))
        row: dict[str, Any] = {
            "cluster": int(c),
            "description": describe_cluster(centers.loc[c], words, channel_share=share, lang=lang),
            "viewers": len(g), "share": len(g) / len(d),
            "conversion": conv.estimate, "conversion_lo": conv.lo, "conversion_hi": conv.hi,
            "gmv_share": float(g[gmv].sum()) / g_all if g_all else math.nan,
        }
        for f in centers.columns:
            if f in words or features is None:
                row[f"z_{f}"] = float(centers.loc[c, f])
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# What a report looks at
# --------------------------------------------------------------------------------------------


@dataclass
class Scope:
    """The sessions a segments/conversion report covers, their tables, and the store's orders."""

    label: str
    sessions: pl.DataFrame
    viewers: pl.DataFrame
    orders: pl.DataFrame
    trend: pl.DataFrame
    events: pl.DataFrame
    products: pl.DataFrame
    all_orders: pl.DataFrame  # every session in the store up to the scope's end (RFM)
    all_sessions: pl.DataFrame  # idem
    all_products: pl.DataFrame  # idem (price response across sessions)
    all_events: pl.DataFrame  # idem
    traffic: pl.DataFrame | None = None  # per-channel aggregates of the scope
    totals: pl.DataFrame | None = None  # the platform's session totals of the scope
    comments: pl.DataFrame | None = None
    all_comments: pl.DataFrame | None = None  # store history up to the scope's end
    all_totals: pl.DataFrame | None = None  # idem
    all_traffic: pl.DataFrame | None = None  # idem
    audience_profile: pl.DataFrame | None = None  # the platform's portrait of the scope, if any

    def frames(self) -> dict[str, pl.DataFrame | None]:
        """The scope's tables by canonical name (what section needs are checked on)."""
        return {"sessions": self.sessions, "viewers": self.viewers, "orders": self.orders,
                "trend": self.trend, "events": self.events, "products": self.products,
                "traffic": self.traffic, "session_totals": self.totals, "comments": self.comments,
                "audience_profile": self.audience_profile}

    @property
    def session_ids(self) -> list[str]:
        return self.sessions["session_id"].to_list()

    @property
    def has_viewers(self) -> bool:
        return self.viewers.height > 0

    def describe(self, session_id: str = "", week: str = "") -> dict:
        """The ``scope`` block of a segments/conversion summary.json."""
        return {"session_id": session_id, "week": week, "sessions": self.session_ids,
                "viewer_level": self.has_viewers}

    @property
    def has_buyer_ids(self) -> bool:
        return self.orders.height > 0 and "viewer_id" in self.orders.columns and \
            self.orders["viewer_id"].null_count() < self.orders.height

    @property
    def end_date(self) -> date | None:
        return self.sessions["end_ts"].max().date() if self.sessions.height else None

    @property
    def start_date(self) -> date | None:
        return self.sessions["start_ts"].min().date() if self.sessions.height else None


def week_sessions(sessions: pl.DataFrame, week: str) -> pl.DataFrame:
    """Sessions whose start date (Asia/Shanghai) falls in ISO week ``YYYY-Www``."""
    try:
        year, wk = week.upper().split("-W")
        y, w = int(year), int(wk)
    except ValueError:
        raise ValueError(f"week must look like 2026-W47, not {week!r}") from None
    d = pl.col("start_ts").dt.date()
    return sessions.filter((d.dt.iso_year() == y) & (d.dt.week() == w))


def _audience_profile(store: str, sel: pl.DataFrame) -> pl.DataFrame | None:
    """The platform's audience portrait of the scope: rows of its sessions, and room-level rows
    (no session id) of its rooms whose date range overlaps the scope. None when the schema does
    not know the table."""
    from . import schema
    from .store import load_table

    if "audience_profile" not in schema.TABLES or sel.height == 0:
        return None
    prof = load_table("audience_profile", store)
    if prof.height == 0:
        return prof
    first, last = sel["start_ts"].min().date(), sel["end_ts"].max().date()
    cols = prof.columns
    in_range = pl.lit(True)
    if "date_from" in cols:
        in_range &= pl.col("date_from").is_null() | (pl.col("date_from") <= last)
    if "date_to" in cols:
        in_range &= pl.col("date_to").is_null() | (pl.col("date_to") >= first)
    mine = pl.col("session_id").is_in(sel["session_id"].to_list()) if "session_id" in cols else pl.lit(False)
    room_level = (pl.col("session_id").is_null() if "session_id" in cols else pl.lit(True)) \
        & pl.col("room").is_in(sel["room"].unique().to_list()) & in_range
    return prof.filter(mine | room_level)


def load_scope(store: str, session_id: str = "", week: str = "") -> Scope:
    """The tables of one session or of an ISO week's sessions, plus the store's history up to
    the scope's end (orders, sessions, products, events, comments, totals, traffic) for RFM,
    returning buyers and commenters, and price response. A store without any session (a daily
    overview alone) gives an empty scope, whose sections say what they need; a session or week
    the store does not hold raises."""
    from .store import list_sessions, load_table

    if bool(session_id) == bool(week):
        raise ValueError("give a session_id or a week (one of them)")
    alls = list_sessions(store)
    label = session_id or week
    if session_id:
        sel = alls.filter(pl.col("session_id") == session_id)
        if sel.height == 0 and alls.height:
            known = ", ".join(alls["session_id"].to_list())
            raise KeyError(f"session {session_id!r} is not in the store {store}; known sessions: {known}")
    else:
        sel = week_sessions(alls, week)
        if sel.height == 0 and alls.height:
            raise KeyError(f"no session of week {week} in the store {store}")
    ids = sel["session_id"].to_list()
    hist = alls.filter(pl.col("start_ts") <= sel["end_ts"].max()) if ids else sel
    hist_ids = hist["session_id"].to_list()
    every = {n: load_table(n, store, session_ids=hist_ids)
             for n in ("orders", "products", "events", "comments", "session_totals", "traffic")}
    mine = {n: f.filter(pl.col("session_id").is_in(ids)) for n, f in every.items()}
    return Scope(
        label=label, sessions=sel,
        viewers=load_table("viewers", store, session_ids=ids),
        orders=mine["orders"], trend=load_table("trend", store, session_ids=ids),
        events=mine["events"], products=mine["products"],
        all_orders=every["orders"], all_sessions=hist, all_products=every["products"],
        all_events=every["events"], traffic=mine["traffic"], totals=mine["session_totals"],
        comments=mine["comments"], all_comments=every["comments"], all_totals=every["session_totals"],
        all_traffic=every["traffic"], audience_profile=_audience_profile(store, sel),
    )


DEMOGRAPHICS = ("age_band", "gender", "region", "device", "channel")


def demographic_cuts(design: pd.DataFrame, dims: tuple[str, ...] = DEMOGRAPHICS) -> pd.DataFrame:
    """:func:`group_table` for each demographic column present, stacked with a ``dimension`` column
    (the group value in ``level``)."""
    parts = []
    for dim in dims:
        if dim in design.columns and design[dim].notna().any():
            t = group_table(design, dim).rename(columns={dim: "level"})
            t.insert(0, "dimension", dim)
            parts.append(t)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def channel_shares(traffic: pl.DataFrame) -> pd.DataFrame:
    """From the per-channel aggregates alone (no viewer-level data): each channel's share of
    viewers and of attributed orders, each with a Wilson interval, pooled over the sessions."""
    cols = ["channel", "viewers", "viewer_share", "viewer_share_lo", "viewer_share_hi", "orders",
            "order_share", "order_share_lo", "order_share_hi"]
    if traffic is None or traffic.height == 0:
        return pd.DataFrame(columns=cols)
    has_orders = "orders" in traffic.columns
    g = traffic.group_by("channel").agg(
        pl.col("viewers").sum(),
        (pl.col("orders").sum() if has_orders else pl.lit(None, dtype=pl.Int64)).alias("orders"),
    ).sort("viewers", "channel", descending=[True, False])
    nv = int(g["viewers"].sum())
    no = int(g["orders"].fill_null(0).sum())
    rows = []
    for r in g.iter_rows(named=True):
        v = proportion(int(r["viewers"]), nv)
        o = proportion(int(r["orders"] or 0), no) if has_orders and no else None
        rows.append({"channel": r["channel"], "viewers": r["viewers"], "viewer_share": v.estimate,
                     "viewer_share_lo": v.lo, "viewer_share_hi": v.hi, "orders": r["orders"],
                     "order_share": o.estimate if o else math.nan, "order_share_lo": o.lo if o else math.nan,
                     "order_share_hi": o.hi if o else math.nan})
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------------------------
# Report sections (30-audience-segments): each computes from whatever the scope holds
# --------------------------------------------------------------------------------------------

from . import sections  # noqa: E402  (the sections registry; kept beside the units it registers)
from .models.report import TooLittle  # noqa: E402

#: Fewest viewer rows the engagement clustering runs on.
MIN_CLUSTER_VIEWERS = 50


def returning_buyers(scope: Scope, n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """New vs returning buyers of the scope from order buyer ids across the store's sessions
    (a masked id such as ``1234****`` is still an id): returning = the id had bought before the
    scope's first session started. Per group:
    buyers, buyer share (Wilson), orders, GMV share and GMV per buyer (bootstrap)."""
    o = scope.all_orders.filter(pl.col("status").is_in(list(BUYING_STATUSES))
                                & pl.col("viewer_id").is_not_null())
    earlier = o.filter(pl.col("ts") < scope.sessions["start_ts"].min())["viewer_id"].unique()
    mine = o.filter(pl.col("session_id").is_in(scope.session_ids)).group_by("viewer_id").agg(
        pl.len().alias("orders"), pl.col("amount").sum().alias("gmv")).with_columns(
        pl.col("viewer_id").is_in(earlier.implode()).alias("returning")).sort("viewer_id")
    n_all, g_all = mine.height, float(mine["gmv"].sum())
    rows = []
    for flag, kind in ((False, "new"), (True, "returning")):
        g = mine.filter(pl.col("returning") == flag)
        share = proportion(g.height, n_all)
        gmv = g["gmv"].to_numpy()
        aov = bootstrap_ratio(gmv, n_boot=n_boot, seed=seed) if g.height >= 2 else None
        rows.append({"kind": kind, "buyers": g.height, "buyer_share": share.estimate,
                     "buyer_share_lo": share.lo, "buyer_share_hi": share.hi, "orders": int(g["orders"].sum()),
                     "gmv_share": float(gmv.sum()) / g_all if g_all else math.nan,
                     "aov": aov.estimate if aov else (float(gmv.mean()) if g.height else math.nan),
                     "aov_lo": aov.lo if aov else math.nan, "aov_hi": aov.hi if aov else math.nan})
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
        earlier = prior["viewer_id"].drop_nulls().unique() if "viewer_id" in prior.columns else ids.head(0)
        rows.append(("earlier_comments", ids.len(), int(ids.is_in(earlier.implode()).sum())))
    if "tag" in c.columns and c["tag"].null_count() < c.height:
        key = "viewer_id" if "viewer_id" in c.columns and c["viewer_id"].null_count() < c.height else None
        per = c.group_by(key).agg((pl.col("tag") == "老客").any().alias("r")) if key else \
            c.select((pl.col("tag") == "老客").fill_null(False).alias("r"))
        per = per.filter(pl.col(key).is_not_null()) if key else per
        rows.append(("tag", per.height, int(per["r"].fill_null(False).sum())))
    out = []
    for method, n, r in rows:
        p = proportion(r, n)
        out.append({"method": method, "commenters": n, "returning": r, "share": p.estimate,
                    "lo": p.lo, "hi": p.hi})
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
        share.alias("mean_share"))
    tot = g.group_by("dimension", "population").agg(pl.col("n").sum().alias("N"))
    g = g.join(tot, on=["dimension", "population"]).sort("dimension", "bucket", "population")
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in g.filter(pl.col("population").is_in(["watched", "bought"])).iter_rows(named=True):
        pre = "viewer_share" if r["population"] == "watched" else "buyer_share"
        row = rows.setdefault((r["dimension"], r["bucket"]), {"dimension": r["dimension"], "level": r["bucket"]})
        if has_n and r["N"]:
            p = proportion(int(r["n"] or 0), int(r["N"]))
            row |= {pre: p.estimate, f"{pre}_lo": p.lo, f"{pre}_hi": p.hi}
        else:
            row |= {pre: r["mean_share"], f"{pre}_lo": math.nan, f"{pre}_hi": math.nan}
    cols = ["dimension", "level", "viewer_share", "viewer_share_lo", "viewer_share_hi", "buyer_share",
            "buyer_share_lo", "buyer_share_hi"]
    out = pd.DataFrame(list(rows.values())).reindex(columns=cols)
    out["index"] = out["buyer_share"] / out["viewer_share"]
    return out


def _design(scope: Scope) -> pd.DataFrame:
    from .models import viewer_design

    return viewer_design(scope.viewers, scope.orders)


@sections.section("segments.rfm", needs=["orders.viewer_id"])
def rfm_section(scope: Scope) -> dict[str, pd.DataFrame]:
    """RFM of the store's buyers at the scope's end, its segments and the migration over the scope."""
    from datetime import timedelta

    table = rfm(scope.all_orders, scope.end_date)
    if table.empty:
        return TooLittle("no_buyer_ids")
    return {"table": table, "segments": rfm_segments(table),
            "migration": rfm_migration(scope.all_orders, scope.start_date - timedelta(days=1), scope.end_date)}


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


SEGMENT_SECTIONS = ("segments.rfm", "segments.buyers_new_returning", "segments.first_order_aov",
                    "segments.commenters", "segments.viewers_new_returning", "segments.retention",
                    "segments.followers", "segments.clusters", "segments.demographics", "segments.channels")


def run_all(scope: Scope, lang: str = "zh") -> dict[str, sections.Outcome]:
    """Every section of the segments report on ``scope`` (what the matrix test checks)."""
    f = scope.frames()
    return {k: sections.run(k, f, scope, lang) if k == "segments.clusters" else sections.run(k, f, scope)
            for k in SEGMENT_SECTIONS}


def group_words(series: pd.Series, lang: str) -> pd.Series:
    """Group codes in words: new/returning, follower, first/repeat, True/False, female, ..."""
    from .labels import t
    from .models.terms import value_label

    return series.map(lambda v: t(v, lang) if v in ("new", "returning") else value_label(v, lang))


_PCT1 = {"buyer_share": 1, "gmv_share": 1, "gap": 1, "viewer_share": 1, "share": 1, "rate": 1, "lo": 1, "hi": 1,
         "buyer_share_lo": 1, "buyer_share_hi": 1, "viewer_share_lo": 1, "viewer_share_hi": 1,
         "order_share": 1, "order_share_lo": 1, "order_share_hi": 1}
_PCT2 = {"conversion": 2, "conversion_lo": 2, "conversion_hi": 2}


def segment_table(key: str, value: Any, lang: str = "zh") -> Any:
    """The table a segments-report section shows (readable groups, shares as percentages)."""
    from .labels import t, table_format
    from .models.terms import show_frame

    cols, cap, df = None, f"cap_{key}", value
    if key == "rfm":
        df = value["segments"].assign(segment=lambda d: d["segment_zh"] if lang == "zh" else d["segment"])
        cols = ["segment", "buyers", "buyer_share", "gmv_share", "mean_recency_days", "mean_frequency"]
    elif key in ("buyers_nr", "first_order"):
        df = value.assign(kind=group_words(value["kind"], lang))
        if key == "first_order":  # the gap is first vs repeat: one figure, on the first row
            df["gap"] = [g if i == 0 else math.nan for i, g in enumerate(df["gap"])]
    elif key == "commenters":
        df = value.assign(method=group_words(value["method"], lang)).rename(columns={"returning": "returning_n"})
    elif key in ("viewers_nr", "retention", "followers"):
        by = "was_follower" if key == "followers" else "returning"
        df = value.assign(**{by: group_words(value[by], lang)}).rename(columns={"returning": "new_or_returning"})
        cols = [c for c in df.columns if c not in ("gmv", "buyer_share", "buyer_share_lo", "buyer_share_hi")]
    elif key == "demographics":
        df = value.assign(dimension=value["dimension"].map(lambda d: t(d, lang)),
                          level=group_words(value["level"], lang)).drop(columns=["source", "gmv"], errors="ignore")
    df = df[cols] if cols else df
    fmt = table_format(list(df.columns), lang, percent={c: d for c, d in (_PCT1 | _PCT2).items() if c in df.columns},
                       decimals={"buyers": 0, "viewers": 0, "orders": 0, "commenters": 0, "returning_n": 0,
                                 "aov_lo": 1, "aov_hi": 1, "mean_recency_days": 1, "mean_frequency": 2})
    fmt.pop("rename")
    return show_frame(df, cap, lang, max_rows=60, **fmt)


_SUMMARY_KEYS = {"segments.viewers_new_returning": "new_vs_returning", "segments.channels": "channel_shares"}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.to_dict("records")


def _segment_summary(key: str, value: Any, scope: Scope) -> Any:
    if key == "segments.rfm":
        seg = value["segments"]
        return {"ref_date": scope.end_date.isoformat(), "buyers": len(value["table"]),
                "segments": {r["segment"]: {k: r[k] for k in ("buyers", "buyer_share", "gmv_share")}
                             for r in _records(seg)},
                "migration": _records(value["migration"])}
    if key == "segments.first_order_aov":
        if len(value) < 2:
            return _records(value)
        f, r = value.iloc[0], value.iloc[1]
        return {"first": f["aov"], "first_lo": f["aov_lo"], "first_hi": f["aov_hi"], "repeat": r["aov"],
                "repeat_lo": r["aov_lo"], "repeat_hi": r["aov_hi"], "gap": f["gap"]}
    if key == "segments.clusters":
        cl, prof = value
        return {**cl.summary(), "profiles": _records(prof)}
    return _records(value)


def build_summary(scope: Scope, outcomes: list[sections.Outcome], extra: dict | None = None) -> dict:
    """The segments report's summary.json (keys in docs/summary-models.md): the scope, each
    section's result under its key, and ``skipped`` (key → why, in English) for the others."""
    from .models.report import blocked, scope_ids

    out: dict[str, Any] = {"scope": scope.describe(*scope_ids(scope)), "skipped": {}}
    for o in outcomes:
        key = _SUMMARY_KEYS.get(o.key, o.key.split(".", 1)[-1])
        why = blocked(o, "en")
        if why is None:
            out[key] = _segment_summary(o.key, o.value, scope)
        else:
            out["skipped"][key] = why
    return {**out, **(extra or {})}
