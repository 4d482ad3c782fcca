"""Train the learned intent model: char 1–3-gram TF-IDF + the rules' hits → logistic regression.

    .venv/bin/python -m tools.train_intent             # writes resources/comments/intent_model.npz
    .venv/bin/python -m tools.train_intent --check     # refit in memory, compare with the saved one
    .venv/bin/python -m tools.train_intent --validate  # the 5-fold CV used to choose the policy

Training data (deterministic; test splits never used): the ``dev`` split of data/eval/comments.csv,
of data/eval/domains.csv (comments written for voucher, local-service, electronics, book and course
rooms) and of data/eval/real_live_labels.csv (one row per distinct text per room; the texts are read
from ``../shared/data/real_live`` or ``--real-live DIR`` and never stored in the repository).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import polars as pl

from helpers.comments.intent import intent_frame, load_rules
from helpers.comments.intent_model import FEATURE_NAMES, combine, learned_intents, rule_features
from helpers.comments.learned import MODEL_DIR, fit_model, load_model
from helpers.comments.tokenize import normalise
from tools.comments.corpora import live_comments
from tools.comments.real_live import load_real_live

OUT = MODEL_DIR / "intent_model.npz"
C = 10.0
MIN_DF = 2


def training_frame(real_live: str | None = None) -> pl.DataFrame:
    """``norm, y, source`` of every training text, in a fixed order."""
    live = live_comments("dev").select("text", "intent", "source")
    real = load_real_live(real_live, split="dev")
    if real is None:
        raise SystemExit("real-live captures not found: pass --real-live DIR")
    real = real.unique(["room", "text"], keep="first", maintain_order=True)
    df = pl.concat([live, real.select("text", "intent", source=pl.lit("real"))])
    return df.select(
        pl.Series("norm", [normalise(t) for t in df["text"].to_list()], dtype=pl.String),
        y="intent",
        source="source",
    )


def features(norm: pl.Series, rules_path: str | None = None) -> pl.DataFrame:
    return intent_frame(norm, load_rules(rules_path) if rules_path else load_rules(), flags=True)


def train(df: pl.DataFrame, c: float = C, rules_path: str | None = None):
    feats = features(df["norm"], rules_path)
    return fit_model(
        df["norm"].to_list(),
        df["y"].to_list(),
        extra=rule_features(feats),
        extra_names=FEATURE_NAMES,
        c=c,
        n_max=3,
        min_df=MIN_DF,
        meta={
            "kind": "intent",
            "data": "dev splits: project + domains + real-live",
            "n": df.height,
        },
    )


def _macro_f1(gold: list[str], pred: list[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0))


def validate(df: pl.DataFrame, rules_path: str | None = None) -> None:
    """5-fold CV macro-F1 per source: rules only, learned only, rules + learned fall-back.

    ``rules_path``: rules to use as features instead of the packaged ones (e.g. a version written
    before the new domains' dev texts were seen, to measure how the policies generalise)."""
    fold = np.random.default_rng(11).integers(0, 5, df.height)
    preds: dict[str, list[str]] = {}
    for c in (1.0, 10.0, 30.0):  # C = 10 and the "learned" policy chosen from this table
        out = {k: np.empty(df.height, dtype=object) for k in ("rules", "learned", "combined")}
        for k in range(5):
            tr, te = df.filter(pl.Series(fold != k)), df.filter(pl.Series(fold == k))
            m = train(tr, c, rules_path)
            feats = features(te["norm"], rules_path)
            learned = learned_intents(te["norm"], feats, m)
            out["rules"][fold == k] = feats["intent"].to_list()
            out["learned"][fold == k] = learned.to_list()
            out["combined"][fold == k] = combine(
                feats["intent"], learned, te["norm"], "combined"
            ).to_list()
        for name, p in out.items():
            preds[f"{name} C={c}"] = list(p)
    for name, p in preds.items():
        cells = []
        for src in ("project", "domains", "real"):
            sel = (df["source"] == src).to_numpy()
            gold = [g for g, s in zip(df["y"].to_list(), sel, strict=True) if s]
            cells.append(
                f"{src} {_macro_f1(gold, [x for x, s in zip(p, sel, strict=True) if s]):.3f}"
            )
        print(f"{name:<20} " + "  ".join(cells))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare a fresh fit with the saved model")
    ap.add_argument(
        "--validate", action="store_true", help="print the CV used to choose the policy"
    )
    ap.add_argument(
        "--real-live", default=None, help="folder of real captures (default ../shared/…)"
    )
    ap.add_argument("--rules", default=None, help="with --validate: rules YAML used as features")
    args = ap.parse_args(argv)
    df = training_frame(args.real_live)
    if args.validate:
        validate(df, args.rules)
        return 0
    model = train(df)
    if args.check:
        saved = load_model(OUT)
        same = saved.vocab == model.vocab and np.allclose(saved.coef, model.coef, atol=1e-4)
        print("saved model reproduced" if same else "saved model differs from a fresh fit")
        return 0 if same else 1
    model.save(OUT)
    print(
        f"{OUT}: {len(model.vocab)} n-grams + {len(FEATURE_NAMES)} rule features, "
        f"{OUT.stat().st_size / 1e6:.2f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
