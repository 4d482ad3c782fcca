"""Engagement clusters: k-means on standardised behaviour, k chosen by silhouette, stability across
seeds (adjusted Rand index), clusters profiled in plain words."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.metrics.stats import proportion
from helpers.present.i18n import t

# --------------------------------------------------------------------------------------------
# Engagement clusters
# --------------------------------------------------------------------------------------------

#: Behaviour features of a viewer (built by :func:`engagement_features`) that have plain words
#: (``audience.trait_<feature>_high`` / ``_low`` in the catalogue).
ENGAGEMENT_FEATURES = ("log_watch_min", "log_interactions", "log_clicks", "entry_min")
#: Plain words of other features: feature → (above average, below average).
Words = dict[str, tuple[str, str]]


def trait(feature: str, high: bool, lang: str = "en") -> str:
    """A behaviour feature above (``high``) or below the average, in plain words."""
    return t(f"audience.trait_{feature}_{'high' if high else 'low'}", lang)


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
        return {
            "k": self.k,
            "criterion": self.criterion,
            "scores": {str(k): round(v, 4) for k, v in self.scores.items()},
            "silhouette": {str(k): round(v, 4) for k, v in self.silhouette.items()},
            "stability_ari": round(self.stability_ari, 4),
            "features": self.features,
        }


def _matrix(
    df: pd.DataFrame, numeric: list[str], categorical: list[str], categorical_weight: float
) -> tuple[np.ndarray, list[str]]:
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
    if criterion not in ("calinski_harabasz", "silhouette"):
        raise ValueError(f"criterion must be calinski_harabasz or silhouette, not {criterion!r}")
    X, names = _matrix(df, numeric, categorical or [], categorical_weight)
    n = len(X)
    rng = np.random.default_rng(seed)
    fit_idx = rng.choice(n, min(n, fit_sample), replace=False) if n > fit_sample else np.arange(n)
    sil_idx = fit_idx[: min(len(fit_idx), sample)]
    scores: dict[int, float] = {}
    sil: dict[int, float] = {}
    if k is None:
        sil, ch = _candidate_scores(X, fit_idx, sil_idx, k_range, seed)
        scores = ch if criterion == "calinski_harabasz" else sil
        if not scores:
            raise ValueError("cluster_viewers: too few distinct rows to cluster")
        k = max(scores, key=lambda kk: (round(scores[kk], 3), -kk))
    labels, ari = _stable_fit(X, k, seed, stability_seeds)
    labels = _canonical_labels(labels, X[:, 0] if X.shape[1] else np.zeros(n))
    centers = pd.DataFrame(X, columns=names).groupby(labels).mean()
    centers.index.name = "cluster"
    return Clustering(
        k=k,
        labels=labels,
        scores=scores,
        silhouette=sil,
        stability_ari=ari,
        centers=centers,
        features=names,
        criterion=criterion,
    )


def _candidate_scores(
    X: np.ndarray, fit_idx: np.ndarray, sil_idx: np.ndarray, k_range: tuple[int, int], seed: int
) -> tuple[dict[int, float], dict[int, float]]:
    """Mean silhouette (on ``sil_idx``) and Calinski–Harabasz index (on ``fit_idx``) of each
    candidate k fitted on the ``fit_idx`` rows; a k that collapses to one cluster is skipped."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import calinski_harabasz_score, silhouette_score

    sil: dict[int, float] = {}
    ch: dict[int, float] = {}
    for kk in range(k_range[0], min(k_range[1], len(fit_idx) - 1) + 1):
        km = KMeans(kk, n_init=2, random_state=seed).fit(X[fit_idx])
        lab = km.predict(X[sil_idx])
        if len(set(lab)) < 2 or len(set(km.labels_)) < 2:
            continue
        sil[kk] = float(silhouette_score(X[sil_idx], lab, random_state=seed))
        ch[kk] = float(calinski_harabasz_score(X[fit_idx], km.labels_))
    return sil, ch


def _stable_fit(X: np.ndarray, k: int, seed: int, seeds: int) -> tuple[np.ndarray, float]:
    """Labels of the lowest-inertia fit among ``seeds`` single-start fits, and the minimum
    adjusted Rand index between those fits (1.0 = identical)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    runs = []
    for s in range(seeds):
        km = KMeans(k, n_init=1, random_state=seed + s).fit(X)
        runs.append((km.inertia_, km.labels_))
    labels = min(runs, key=lambda r: r[0])[1]
    ari = min(
        (adjusted_rand_score(a[1], b[1]) for i, a in enumerate(runs) for b in runs[i + 1 :]),
        default=1.0,
    )
    return labels, float(ari)


def _canonical_labels(labels: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 by decreasing mean of ``key`` (first feature), so runs are stable."""
    uniq = np.unique(labels)
    means = {u: float(key[labels == u].mean()) for u in uniq}
    order = sorted(uniq, key=lambda u: (-means[u], u))
    remap = {u: i for i, u in enumerate(order)}
    return np.vectorize(remap.get)(labels) if len(labels) else labels


def describe_cluster(
    center: pd.Series,
    lang: str = "en",
    *,
    threshold: float = 0.5,
    max_words: int = 2,
    channel_share: dict[str, float] | None = None,
    words: Words | None = None,
) -> str:
    """Plain words for a cluster centre (standard deviations): its strongest traits, and its
    channel when most of the cluster came from one. ``words`` (feature → (above, below) average)
    describes features of other data (a web shop's sessions); by default the engagement features
    in the catalogue's words."""
    named = words.keys() if words else ENGAGEMENT_FEATURES
    strong = [(abs(v), f, v) for f, v in center.items() if f in named and abs(v) >= threshold]
    strong.sort(key=lambda x: (-x[0], x[1]))
    parts = [
        words[str(f)][0 if v > 0 else 1] if words else trait(str(f), v > 0, lang)
        for _, f, v in strong[:max_words]
    ]
    if channel_share:
        top = max(channel_share, key=lambda c: (channel_share[c], c))
        if channel_share[top] >= 0.5:
            parts.append(t("audience.trait_channel", lang, c=top))
    if not parts:
        return t("audience.trait_average", lang)
    return t("audience.trait_sep", lang).join(parts)


def cluster_profiles(
    design: pd.DataFrame,
    clustering: Clustering,
    features: pd.DataFrame | None = None,
    *,
    lang: str = "en",
    outcome: str = "bought",
    gmv: str = "gmv",
    words: Words | None = None,
) -> pd.DataFrame:
    """Per cluster: plain-words description, size, share, conversion (Wilson), GMV share and the
    mean of each numeric feature of ``features`` (default: the clustering features) in standard
    deviations from the overall mean; the channel (if any) names the cluster's majority channel."""
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
            "description": describe_cluster(centers.loc[c], lang, channel_share=share, words=words),
            "viewers": len(g),
            "share": len(g) / len(d),
            "conversion": conv.estimate,
            "conversion_lo": conv.lo,
            "conversion_hi": conv.hi,
            "gmv_share": float(g[gmv].sum()) / g_all if g_all else math.nan,
        }
        for f in centers.columns:
            if f in (words or ENGAGEMENT_FEATURES) or features is None:
                row[f"z_{f}"] = float(centers.loc[c, f])
        rows.append(row)
    return pd.DataFrame(rows)
