"""The hand-labelled evaluation set: well-formed, and the held-out figures recorded in docs hold."""

from __future__ import annotations

import pytest

from helpers.comments.evaluate import evaluate, load_eval, main
from helpers.comments.intent import INTENTS


def test_eval_set_is_well_formed():
    df = load_eval(split="all")
    assert df.height >= 500
    assert set(df["intent"]) <= set(INTENTS)
    assert set(df["sentiment"]) == {"pos", "neg", "none"}
    assert set(df["split"]) == {"dev", "test"}
    assert df["text"].is_duplicated().sum() == 0
    assert load_eval(split="test").height >= 250
    # awkward inputs are in the set
    texts = set(df["text"])
    assert "" in texts and "M码 still有吗" in texts and "<img src=x onerror=alert(1)>" in texts


def test_held_out_intent_and_sentiment_figures():
    out = evaluate(load_eval(split="test"), baseline=False)
    assert out["intent_macro_f1"] >= 0.85
    assert out["group_macro_f1"] >= 0.85
    assert out["sentiment_accuracy"] >= 0.84


@pytest.mark.slow
def test_sentiment_ahead_of_snownlp_and_script_prints(capsys):
    out = evaluate(load_eval(split="test"), baseline=True)
    assert out["sentiment_accuracy"] > out["snownlp_accuracy"]
    assert out["snownlp_questions_negative"] > 0.4  # the point: questions read as negative
    assert main(["--split", "test"]) == 0
    printed = capsys.readouterr().out
    assert "intent macro-F1" in printed and "SnowNLP" in printed
