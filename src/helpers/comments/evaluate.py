"""Evaluate intent and sentiment on the hand-labelled set, with SnowNLP as the sentiment baseline.

    python -m helpers.comments.evaluate                 # held-out test split (the reported figures)
    python -m helpers.comments.evaluate --split dev     # the split used when adjusting rules
    python -m helpers.comments.evaluate --errors        # also list misclassified comments
    python -m helpers.comments.evaluate --simulated     # sanity check on simulator comments (sim_intent)

Sentiment accuracy is measured on the comments labelled ``pos`` or ``neg`` (opinions): ours predicts
positive when P(positive) ≥ 0.5 and counts a null (judged "not an opinion") as wrong; SnowNLP
predicts positive when its score ≥ 0.5.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import polars as pl

from ..paths import project_root
from .classify import classify_frame
from .intent import GROUPS, INTENTS
from .sentiment import label

log = logging.getLogger(__name__)


def eval_path() -> Path:
    return project_root() / "data" / "eval" / "comments.csv"


def load_eval(path: str | Path | None = None, split: str = "test") -> pl.DataFrame:
    """The labelled set (``split``: test, dev or all); text nulls read as ''."""
    df = pl.read_csv(path or eval_path(), infer_schema=False)
    df = df.with_columns(pl.col("text").fill_null(""))
    if split != "all":
        df = df.filter(pl.col("split") == split)
    return df


def _prf(gold: list[str], pred: list[str], labels: list[str]) -> pl.DataFrame:
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    return pl.DataFrame(
        {"label": labels, "precision": p, "recall": r, "f1": f, "support": s.astype(int)}
    ).with_columns(pl.col("precision", "recall", "f1").round(3))


def snownlp_scores(texts: list[str]) -> list[float | None]:
    """SnowNLP's sentiment (P(positive)) per text; None for empty text (SnowNLP fails on it)."""
    from snownlp import SnowNLP

    out: list[float | None] = []
    for t in texts:
        out.append(float(SnowNLP(t).sentiments) if t.strip() else None)
    return out


def evaluate(df: pl.DataFrame, *, baseline: bool = True) -> dict[str, Any]:
    """Per-intent and per-group P/R/F1, macro-F1, sentiment accuracy (ours and SnowNLP's)."""
    res = classify_frame(df, "text", tokens=False)
    pred = res.get_column("intent").to_list()
    gold = df.get_column("intent").to_list()
    present = [i for i in INTENTS if i in set(gold) | set(pred)]
    per_intent = _prf(gold, pred, present)
    ggold = [g.split("_", 1)[0] for g in gold]
    gpred = [p.split("_", 1)[0] for p in pred]
    per_group = _prf(ggold, gpred, [g for g in GROUPS if g in set(ggold) | set(gpred)])
    sup = per_intent.filter(pl.col("support") > 0)
    out: dict[str, Any] = {
        "n": df.height,
        "intent_accuracy": round(sum(a == b for a, b in zip(gold, pred, strict=True)) / df.height, 3),
        "intent_macro_f1": round(float(sup["f1"].mean()), 3),
        "group_macro_f1": round(float(per_group.filter(pl.col("support") > 0)["f1"].mean()), 3),
        "per_intent": per_intent,
        "per_group": per_group,
    }
    ours = [label(p) for p in res["sentiment"].to_list()]
    gs = df.get_column("sentiment").to_list()
    op = [i for i, g in enumerate(gs) if g in ("pos", "neg")]
    out["sentiment_n"] = len(op)
    out["sentiment_accuracy"] = round(sum(ours[i] == gs[i] for i in op) / len(op), 3)
    out["sentiment_coverage"] = round(sum(ours[i] != "none" for i in op) / len(op), 3)
    out["opinion_detection_accuracy"] = round(
        sum((ours[i] == "none") == (g == "none") for i, g in enumerate(gs)) / len(gs), 3
    )
    errors = res.select("text", "intent", "sentiment").with_columns(
        pl.Series("gold_intent", gold), pl.Series("gold_sentiment", gs)
    )
    out["errors"] = errors.filter(
        (pl.col("intent") != pl.col("gold_intent"))
        | (pl.Series([ours[i] != gs[i] and gs[i] != "none" for i in range(len(gs))]))
    )
    if baseline:
        texts = df.get_column("text").to_list()
        sn = snownlp_scores([texts[i] for i in op])
        sl = ["none" if s is None else ("pos" if s >= 0.5 else "neg") for s in sn]
        out["snownlp_accuracy"] = round(sum(a == gs[i] for a, i in zip(sl, op, strict=True)) / len(op), 3)
        qi = [i for i, g in enumerate(gold) if g.startswith("question") and texts[i].strip()]
        qs = snownlp_scores([texts[i] for i in qi])
        out["snownlp_questions_negative"] = round(sum(s is not None and s < 0.5 for s in qs) / len(qi), 3)
    return out


def simulated_check(seed: int = 3, viewers: int = 500) -> pl.DataFrame:
    """Agreement of our intent group with the simulator's generating intent (``sim_intent``)."""
    from ..simulate import simulate_week

    comments = simulate_week(seed=seed, viewers=viewers, sessions=1).tables["comments"]
    res = classify_frame(comments, tokens=False)
    return (
        res.group_by("sim_intent", "intent_group").len()
        .sort("sim_intent", "len", descending=[False, True])
    )


def report(out: dict[str, Any], split: str) -> str:
    """The printed form of :func:`evaluate`'s result."""
    lines = [f"Evaluation set: data/eval/comments.csv, split={split}, {out['n']} comments", ""]
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   tbl_formatting="ASCII_MARKDOWN"):
        lines += ["Per intent:", str(out["per_intent"]), "", "Per group:", str(out["per_group"]), ""]
    lines.append(f"intent accuracy {out['intent_accuracy']:.3f}   intent macro-F1 {out['intent_macro_f1']:.3f}   "
                 f"group macro-F1 {out['group_macro_f1']:.3f}")
    lines.append(f"sentiment accuracy on {out['sentiment_n']} opinion comments: ours {out['sentiment_accuracy']:.3f} "
                 f"(coverage {out['sentiment_coverage']:.3f})"
                 + (f", SnowNLP {out['snownlp_accuracy']:.3f}" if "snownlp_accuracy" in out else ""))
    lines.append(f"opinion vs no-opinion (null) accuracy, all comments: {out['opinion_detection_accuracy']:.3f}")
    if "snownlp_questions_negative" in out:
        lines.append(f"SnowNLP scores {out['snownlp_questions_negative']:.1%} of questions as negative (< 0.5)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.comments.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("test", "dev", "all"), default="test")
    ap.add_argument("--path", default=None, help="labelled CSV (default data/eval/comments.csv)")
    ap.add_argument("--errors", action="store_true", help="list misclassified comments")
    ap.add_argument("--no-baseline", action="store_true", help="skip SnowNLP")
    ap.add_argument("--simulated", action="store_true", help="also check against simulator comments")
    args = ap.parse_args(argv)
    out = evaluate(load_eval(args.path, args.split), baseline=not args.no_baseline)
    print(report(out, args.split))
    if args.errors:
        with pl.Config(tbl_rows=400, fmt_str_lengths=40, tbl_width_chars=160):
            print(out["errors"])
    if args.simulated:
        with pl.Config(tbl_rows=100):
            print(simulated_check())
    return 0


if __name__ == "__main__":
    sys.exit(main())
