"""Linear models over character n-grams, vectorised with polars, saved as plain NPZ.

Features of a normalised text ``t``: every character 1–3-gram of ``" " + t + " "`` (the spaces
mark the start and end, like scikit-learn's ``char_wb``), weighted TF × IDF
(``idf = ln((1 + n) / (1 + df)) + 1``) and L2-normalised over the vocabulary, optionally followed by
extra dense columns (the intent rules' hits). The n-grams of a batch are cut, looked up and summed
by polars (one exploded frame, one hash join), so prediction is a sparse matrix product: no Python
work per text.

A model file (``resources/comments/*.npz``, ``numpy.load(allow_pickle=False)``) holds ``vocab``
(unicode array), ``idf``, ``coef`` (classes × features), ``intercept``, ``classes``, ``extra``
(names of the dense columns) and ``meta`` (JSON: how it was trained). Training:
``tools/train_sentiment.py`` and ``tools/train_intent.py``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from helpers.paths import RESOURCES

MODEL_DIR = RESOURCES / "comments"
NGRAM_MAX = 3


def ngram_frame(norm: list[str] | pl.Series, n_max: int = NGRAM_MAX) -> pl.DataFrame:
    """One row per n-gram occurrence: ``row`` (index of the text), ``ngram``."""
    s = pl.DataFrame({"t": pl.Series(norm, dtype=pl.String).fill_null("")}).with_row_index("row")
    s = s.select("row", t=pl.lit(" ") + pl.col("t") + pl.lit(" "))
    s = s.with_columns(length=pl.col("t").str.len_chars().cast(pl.Int64))
    parts = []
    for n in range(1, n_max + 1):
        p = s.filter(pl.col("length") >= n).with_columns(
            off=pl.int_ranges(0, pl.col("length") - n + 1)
        )
        parts.append(p.explode("off").select("row", ngram=pl.col("t").str.slice(pl.col("off"), n)))
    return pl.concat(parts)


def build_vocab(
    norm: list[str], *, n_max: int = NGRAM_MAX, min_df: int = 2, max_features: int | None = None
) -> list[str]:
    """N-grams in at least ``min_df`` texts, the ``max_features`` most frequent (ties by n-gram)."""
    df = ngram_frame(norm, n_max).unique(["row", "ngram"]).group_by("ngram").len()
    df = df.filter(pl.col("len") >= min_df).sort(["len", "ngram"], descending=[True, False])
    if max_features:
        df = df.head(max_features)
    return sorted(df["ngram"].to_list())


def document_idf(norm: list[str], vocab: list[str], n_max: int = NGRAM_MAX) -> np.ndarray:
    """Smoothed IDF of each vocabulary n-gram over ``norm``."""
    v = pl.DataFrame({"ngram": vocab}).with_row_index("idx")
    counts = (
        ngram_frame(norm, n_max).unique(["row", "ngram"]).join(v, on="ngram").group_by("idx").len()
    )
    dfreq = np.zeros(len(vocab))
    dfreq[counts["idx"].to_numpy()] = counts["len"].to_numpy()
    return np.log((1 + len(norm)) / (1 + dfreq)) + 1.0


def tfidf(
    norm: list[str] | pl.Series,
    vocab: pl.DataFrame,
    idf: np.ndarray,
    *,
    n_max: int = NGRAM_MAX,
    sublinear: bool = False,
    grams: pl.DataFrame | None = None,
) -> sp.csr_matrix:
    """Rows L2-normalised TF-IDF (texts × vocabulary); ``vocab`` has columns ngram, idx.
    ``sublinear``: TF replaced by 1 + ln(TF). ``grams``: ``ngram_frame(norm, m)`` already cut,
    ``m ≥ n_max`` (longer n-grams are not in the vocabulary, so they drop out in the join)."""
    n = len(norm)
    grams = ngram_frame(norm, n_max) if grams is None else grams
    hits = grams.join(vocab, on="ngram", how="inner")
    rows, cols = hits["row"].to_numpy(), hits["idx"].to_numpy()
    x = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(idf)))
    x.sum_duplicates()
    if sublinear:
        x.data = 1.0 + np.log(x.data)
    x.data *= idf[x.indices]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x)


@dataclass(frozen=True)
class NgramModel:
    """A linear classifier over TF-IDF character n-grams (+ optional dense extra columns)."""

    vocab: tuple[str, ...]
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    classes: tuple[str, ...]
    extra: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def vocab_frame(self) -> pl.DataFrame:
        return pl.DataFrame({"ngram": list(self.vocab)}).with_row_index("idx")

    def design(
        self,
        norm: list[str] | pl.Series,
        extra: np.ndarray | None = None,
        grams: pl.DataFrame | None = None,
    ) -> sp.csr_matrix:
        """The feature matrix of normalised texts (``extra``: texts × len(self.extra); ``grams``:
        their :func:`ngram_frame` if already cut)."""
        x = tfidf(
            norm,
            self.vocab_frame,
            self.idf,
            n_max=int(self.meta.get("n_max", NGRAM_MAX)),
            sublinear=bool(self.meta.get("sublinear", False)),
            grams=grams,
        )
        if self.extra:
            if extra is None or extra.shape != (x.shape[0], len(self.extra)):
                raise ValueError(f"model needs {len(self.extra)} extra columns: {self.extra}")
            x = sp.hstack([x, sp.csr_matrix(extra)], format="csr")
        return x

    def decision(self, x: sp.csr_matrix) -> np.ndarray:
        """Scores (texts × classes; one column, the positive class's logit, for a binary model)."""
        return np.asarray(x @ self.coef.T) + self.intercept

    def save(self, path: str | Path) -> None:
        np.savez_compressed(
            path,
            vocab=np.array(self.vocab, dtype=str),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            classes=np.array(self.classes, dtype=str),
            extra=np.array(self.extra, dtype=str),
            meta=np.array(json.dumps(self.meta, ensure_ascii=False, sort_keys=True)),
        )


def load_model(path: str | Path) -> NgramModel:
    """Read a model written by :meth:`NgramModel.save` (no pickles)."""
    with np.load(path, allow_pickle=False) as z:
        return NgramModel(
            vocab=tuple(z["vocab"].tolist()),
            idf=z["idf"].astype(np.float64),
            coef=z["coef"].astype(np.float64),
            intercept=z["intercept"].astype(np.float64),
            classes=tuple(z["classes"].tolist()),
            extra=tuple(z["extra"].tolist()),
            meta=json.loads(str(z["meta"])),
        )


@functools.lru_cache(maxsize=4)
def packaged(name: str) -> NgramModel:
    """A model shipped in ``resources/comments`` (``sentiment`` or ``intent``), loaded once."""
    return load_model(MODEL_DIR / f"{name}_model.npz")


def fit_model(
    norm: list[str],
    y: list[str],
    *,
    extra: np.ndarray | None = None,
    extra_names: tuple[str, ...] = (),
    n_max: int = NGRAM_MAX,
    sublinear: bool = False,
    min_df: int = 2,
    max_features: int | None = None,
    c: float = 4.0,
    sample_weight: np.ndarray | None = None,
    meta: dict[str, Any] | None = None,
) -> NgramModel:
    """Fit vocabulary, IDF and a logistic regression (lbfgs, seeded, deterministic)."""
    from sklearn.linear_model import LogisticRegression

    vocab = build_vocab(norm, n_max=n_max, min_df=min_df, max_features=max_features)
    idf = document_idf(norm, vocab, n_max)
    meta = dict(
        meta or {}, c=c, min_df=min_df, max_features=max_features, n_max=n_max, sublinear=sublinear
    )
    model = NgramModel(
        tuple(vocab), idf, np.zeros((1, 1)), np.zeros(1), (), tuple(extra_names), meta
    )
    x = model.design(norm, extra)
    clf = LogisticRegression(C=c, max_iter=3000, random_state=0)
    clf.fit(x, y, sample_weight=sample_weight)
    return NgramModel(
        tuple(vocab),
        idf,
        clf.coef_,
        clf.intercept_,
        tuple(str(k) for k in clf.classes_),
        tuple(extra_names),
        meta,
    )
