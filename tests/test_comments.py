"""Comments: tokenising awkward input, intent and sentiment on known comments, classify_frame,
CLI."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from helpers.comments import (
    classify_frame,
    classify_texts,
    cli_classify,
    normalise,
    read_csv_any,
    tokenize,
)
from helpers.comments.intent import INTENTS, a_not_a, group_of
from helpers.comments.tokenize import segmenter, tokenize_many

TZ = ZoneInfo("Asia/Shanghai")


# --- tokenising -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n", None])
def test_empty_and_whitespace_give_no_tokens(text):
    assert tokenize(text) == []
    assert normalise(text) == ""


def test_user_dictionary_keeps_live_commerce_words_whole():
    toks = tokenize("主播 已拍 优惠券 福袋 包邮 尺码 色号 上车")
    for w in ("主播", "已拍", "优惠券", "福袋", "包邮", "尺码", "色号", "上车"):
        assert w in toks


def test_repeated_characters_are_cut_to_three_but_numbers_kept():
    assert tokenize("哈哈哈哈哈哈哈") == ["哈哈哈"]
    assert tokenize("6666666") == ["666"]
    assert tokenize("10000块") == ["10000", "块"]
    assert normalise("啊啊啊啊啊") == "啊啊啊"


def test_emoji_and_platform_emoticons_are_single_tokens():
    assert tokenize("😍😍好看") == ["😍", "😍", "好看"]
    assert tokenize("[比心][赞]") == ["[比心]", "[赞]"]
    assert tokenize("👍🏻") == ["👍🏻"]  # skin tone stays with its emoji
    assert tokenize("❤️") == ["❤"]  # variation selector dropped


def test_full_width_and_mixed_latin_are_normalised():
    assert normalise("ＸＬ码　有吗？") == "xl码 有吗?"
    toks = tokenize("M码 still有吗")
    assert "m" in toks and "码" in toks and "still" in toks
    assert "?" not in tokenize("链接呢？？")  # punctuation dropped


AWKWARD = [
    "",
    "   ",
    "😍😍好看",
    "[比心][赞]",
    "👍🏻",
    "❤️",
    "M码 still有吗",
    "链接呢？？",
    "a_b",
    "__",
    "3.5折",
    "c++",
    "ｔ恤好看！！",
    "哈哈哈哈哈",
    "10000块",
    "主播 已拍 优惠券 福袋",
    "<img src=x onerror=alert(1)>",
]


def test_tokenize_many_gives_the_same_tokens_as_tokenize():
    got = tokenize_many(AWKWARD)
    assert got.dtype == pl.List(pl.String)
    assert got.to_list() == [tokenize(t) for t in AWKWARD]


def test_rust_and_python_jieba_segment_alike():
    """rjieba (used when installed) and pure-Python jieba: same dictionary, same tokens."""
    pytest.importorskip("rjieba")
    texts = [normalise(t) for t in AWKWARD[6:]] + [
        "160斤穿什么码",
        "质量太差了起球",
        "几号发货包邮吗",
        "这件羽绒服真的很保暖",
    ]
    fast, slow = segmenter("rjieba"), segmenter("jieba")
    assert [fast(t, False) for t in texts] == [slow(t, False) for t in texts]


# --- intent and sentiment ---------------------------------------------------------------------


KNOWN = [
    ("链接呢", "question_link"),
    ("多少钱", "question_price"),
    ("160斤穿什么码", "question_size"),
    ("几号发货", "question_shipping"),
    ("还有货吗", "question_stock"),
    ("敏感肌能用吗", "question_usage"),
    ("主播哪里人", "question_other"),
    ("已拍", "purchase"),
    ("主播好美", "praise"),
    ("质量太差了起球", "complaint_quality"),
    ("好丑", "complaint_design"),
    ("怎么这么贵", "complaint_price"),
    ("主播太啰嗦了", "complaint_host"),
    ("退货退款", "complaint_logistics"),
    ("福袋", "interaction"),
    ("666", "interaction"),
    ("哈哈哈哈", "interaction"),
    ("加微信看主页", "spam"),
    ("", "other"),
    ("下雨了", "other"),
]


@pytest.mark.parametrize(("text", "intent"), KNOWN)
def test_intent_of_known_comments(text, intent):
    out = classify_texts([text], tokens=False)
    assert out["intent"][0] == intent
    assert out["intent_group"][0] == group_of(intent)


def test_every_rule_intent_is_declared():
    assert {group_of(i) for i in INTENTS} == {
        "question",
        "purchase",
        "praise",
        "complaint",
        "interaction",
        "spam",
        "other",
    }


def test_negation_flips_the_reading():
    out = classify_texts(["会起球吗", "不起球", "起球了", "不好看", "好看"], tokens=False)
    assert out["intent"].to_list() == [
        "question_usage",
        "praise",
        "complaint_quality",
        "complaint_design",
        "praise",
    ]
    s = out["sentiment"].to_list()
    assert s[0] is None and s[1] > 0.5 and s[2] < 0.5 and s[3] < 0.5 and s[4] > 0.5


BROADER = [  # live-commerce vocabulary, negation and degree words beyond the first lexicon
    ("物流超快 隔天就到了", "praise", "pos"),
    ("客服态度特别好", "praise", "pos"),
    ("颜值在线", "praise", "pos"),
    ("姐妹们绝绝子", "praise", "pos"),
    ("一点都不油腻", "praise", "pos"),
    ("👍👍", "praise", "pos"),
    ("洗了好几次都没变形", "praise", "pos"),  # 好几次 counts, it does not ask
    ("真的一般 不推荐", "complaint_quality", "neg"),
    ("又翻车了", "complaint_quality", "neg"),
    ("踩雷了", "complaint_quality", "neg"),
    ("又割韭菜", "complaint_price", "neg"),
    ("主播能不能别扯了", "complaint_host", "neg"),
    ("这个款式太老土了", "complaint_design", "neg"),
    ("物流都没信息", "complaint_logistics", "neg"),
    ("💩", "other", "neg"),  # a lone negative emoji: an opinion without a theme
    ("物流到哪了", "question_shipping", None),
]


@pytest.mark.parametrize(("text", "intent", "polarity"), BROADER)
def test_broader_lexicon(text, intent, polarity):
    out = classify_texts([text], tokens=False)
    assert out["intent"][0] == intent
    s = out["sentiment"][0]
    assert (s is None) if polarity is None else ((s >= 0.5) == (polarity == "pos"))


def test_a_not_a_questions():
    assert a_not_a("划不划算") == "划算吗"
    assert a_not_a("甜不甜") == "甜吗"
    assert a_not_a("能不能快点") == "能不能快点"  # a question marker already
    out = classify_texts(["划不划算", "甜不甜"], tokens=False)
    assert out["intent"].to_list() == ["question_price", "question_usage"]


def test_questions_have_no_sentiment_but_opinions_do():
    """The issue's example: 链接呢？多少钱 is a buying question, not a negative review."""
    out = classify_texts(
        ["链接呢？多少钱", "已拍", "666", "太喜欢了", "质量太差了", "已拍 太喜欢了"], tokens=False
    )
    s = out["sentiment"].to_list()
    assert s[0] is None and s[1] is None and s[2] is None
    assert s[3] > 0.8 and s[4] < 0.2 and s[5] > 0.5


def test_markup_is_classified_as_text():
    out = classify_texts(["<img src=x onerror=alert(1)>"])
    assert out["intent"][0] == "other"
    assert out["text"][0] == "<img src=x onerror=alert(1)>"


# --- classify_frame ---------------------------------------------------------------------------


def _comments(texts: list[str | None]) -> pl.DataFrame:
    t0 = datetime(2026, 11, 16, 20, 0, tzinfo=TZ)
    return pl.DataFrame(
        {
            "session_id": ["s1"] * len(texts),
            "ts": [t0.replace(minute=i % 60) for i in range(len(texts))],
            "text": texts,
            "viewer_id": [f"u{i}" for i in range(len(texts))],
        },
        schema_overrides={"ts": pl.Datetime("us", "Asia/Shanghai")},
    )


def test_classify_frame_keeps_rows_order_and_columns():
    texts = ["已拍", "链接呢", None, "已拍", "好看", "   ", "已拍"]
    df = _comments(texts)
    out = classify_frame(df)
    assert out.columns == [*df.columns, "intent", "intent_group", "sentiment", "tokens"]
    assert out.height == df.height
    assert out["text"].to_list() == texts  # nulls kept, order kept
    assert out["intent"].to_list() == [
        "purchase",
        "question_link",
        "other",
        "purchase",
        "praise",
        "other",
        "purchase",
    ]
    assert out.schema["tokens"] == pl.List(pl.String)
    assert out["tokens"][2].to_list() == []


def test_classify_frame_replaces_previous_output_and_can_skip_tokens():
    df = _comments(["好看"]).with_columns(pl.lit("x").alias("intent"))
    out = classify_frame(df, tokens=False)
    assert out["intent"].to_list() == ["praise"]
    assert "tokens" not in out.columns


def test_classify_frame_names_a_missing_column():
    with pytest.raises(KeyError, match="content"):
        classify_frame(_comments(["a"]), "content")


def test_classify_frame_empty():
    out = classify_frame(_comments([]))
    assert out.height == 0 and "intent" in out.columns


# --- CLI --------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_cli_classify_reads_any_encoding_and_keeps_columns(tmp_path, encoding, capsys):
    src = tmp_path / "in.csv"
    src.write_bytes("id,弹幕,备注\n001,链接呢？多少钱,a\n002,主播好美,\n003,,c\n".encode(encoding))
    out = tmp_path / "out.csv"
    rc = cli_classify(argparse.Namespace(file=str(src), text_column="弹幕", out=str(out)))
    assert rc == 0
    assert "3 rows" in capsys.readouterr().out
    res, enc = read_csv_any(out)
    assert enc == "utf-8-sig"  # written with a BOM for Excel
    assert res.columns == ["id", "弹幕", "备注", "intent", "intent_group", "sentiment", "tokens"]
    assert res["id"].to_list() == ["001", "002", "003"]  # ids stay text
    assert res["intent"].to_list() == ["question_price", "praise", "other"]
    assert res["tokens"][0] == "链接 呢 多少 钱"
    assert res["sentiment"][0] is None and float(res["sentiment"][1]) > 0.5


def test_cli_classify_missing_column_names_file_and_column(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\n好看\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"in\.csv.*'content'"):
        cli_classify(
            argparse.Namespace(file=str(src), text_column="content", out=str(tmp_path / "o.csv"))
        )


def test_workbook_cli_reports_missing_column_as_error(tmp_path, capsys):
    from helpers.cli import main

    src = tmp_path / "in.csv"
    src.write_text("text\n好看\n", encoding="utf-8")
    rc = main(
        [
            "comments",
            "classify",
            str(src),
            "--text-column",
            "nope",
            "--out",
            str(tmp_path / "o.csv"),
        ]
    )
    assert rc == 2
    assert "nope" in capsys.readouterr().err


# --- learned models: review mode, new domains ---------------------------------------------------

REVIEWS = [  # written for this test, not in any training set
    ("装订松散翻两页就掉页", "neg"),
    ("感觉情节写得很敷衍", "neg"),
    ("内容太浅了不值这个价", "neg"),
    ("孩子每天抢着看", "pos"),
    ("物超所值下次还买", "pos"),
]


def test_review_mode_decides_what_the_lexicon_cannot_score():
    texts = [t for t, _ in REVIEWS]
    live = classify_texts(texts, tokens=False)["sentiment"].to_list()
    review = classify_texts(texts, tokens=False, mode="review")["sentiment"].to_list()
    assert live[0] is None and live[3] is None  # no opinion word: live mode leaves them open
    assert [("pos" if p >= 0.5 else "neg") for p in review] == [g for _, g in REVIEWS]


NEW_DOMAIN_QUESTIONS = [  # the voucher-room questions
    ("今天能用吗", "question_shipping"),
    ("周六能用吗", "question_shipping"),
    ("宅急送要钱吗", "question_shipping"),
    ("深圳龙华有吗", "question_shipping"),
    ("几个人的套餐", "question_size"),
    ("有效期到什么时候", "question_shipping"),
]


def test_new_domain_questions_are_recognised_and_stay_null_in_live_mode():
    texts = [t for t, _ in NEW_DOMAIN_QUESTIONS]
    live = classify_texts(texts, tokens=False)
    assert live["intent"].to_list() == [i for _, i in NEW_DOMAIN_QUESTIONS]
    assert live["sentiment"].null_count() == len(texts)
    review = classify_frame(pl.DataFrame({"text": [*texts, ""]}), tokens=False, mode="review")
    assert review["sentiment"].null_count() == 1  # only the empty text
    assert review["intent"].to_list()[:-1] == live["intent"].to_list()


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="mode"):
        classify_texts(["好看"], mode="reviews")


def test_packaged_models_are_small_plain_npz_and_load():
    from helpers.comments.intent_model import FEATURE_NAMES
    from helpers.comments.learned import MODEL_DIR, load_model

    for name in ("sentiment", "intent"):
        path = MODEL_DIR / f"{name}_model.npz"
        assert path.stat().st_size < 5_000_000
        m = load_model(path)  # allow_pickle=False inside
        assert m.coef.shape == (
            1 if name == "sentiment" else len(m.classes),
            len(m.vocab) + len(m.extra),
        )
    assert load_model(MODEL_DIR / "sentiment_model.npz").classes == ("neg", "pos")
    intent = load_model(MODEL_DIR / "intent_model.npz")
    assert intent.extra == FEATURE_NAMES and set(intent.classes) <= set(INTENTS)


def test_polars_tfidf_equals_scikit_learn():
    """The vectorised n-gram TF-IDF is scikit-learn's char TF-IDF on the space-padded text."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from helpers.comments.learned import build_vocab, document_idf, tfidf

    docs = ["质量不错", "不错不错👍", "链接呢", "太贵了 不值", "x"]
    vocab = build_vocab(docs, min_df=1)
    ours = tfidf(
        docs, pl.DataFrame({"ngram": vocab}).with_row_index("idx"), document_idf(docs, vocab)
    )
    sk = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False, vocabulary=vocab)
    ref = sk.fit_transform([f" {d} " for d in docs])
    assert np.allclose(ours.toarray(), ref.toarray())


def test_workbook_cli_review_mode_decides_every_text(tmp_path):
    from helpers.cli import main

    src = tmp_path / "reviews.csv"
    src.write_text("评价\n装订松散翻两页就掉页\n孩子每天抢着看\n今天能用吗\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    args = ["comments", "classify", str(src), "--text-column", "评价", "--out", str(out)]
    assert main([*args, "--mode", "review"]) == 0
    res, _ = read_csv_any(out)
    assert res["sentiment"].null_count() == 0
    assert float(res["sentiment"][0]) < 0.5 < float(res["sentiment"][1])
    assert main(args) == 0  # live mode: the question has no sentiment
    assert read_csv_any(out)[0]["sentiment"][2] is None
