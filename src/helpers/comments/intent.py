"""Intent of live comments: ordered lexicon rules, vectorised with polars regexes.

The rules are data (``resources/comments/intents.yaml``). Every distinct normalised text is matched
once against each rule group (a single alternation regex per group, run by polars in Rust), and the
first matching step of this order gives the intent:

1. empty text → ``other``; 2. advertising → ``spam``;
3. a *strong* complaint (怎么这么贵, 还没发货, 质量太差) → ``complaint_<theme>``;
4. lottery talk (福袋, 抽奖, 红包 — even when asked) → ``interaction``;
5. a question (question marker) with a theme keyword → ``question_<theme>`` (themes in the YAML's
   order);
6. a *weak* complaint (起球, 丑, 不行 — only when not asked as a question) → ``complaint_<theme>``;
7. a purchase signal (已拍, 上车, 想要; not 没抢到) → ``purchase``;
8. any other question → ``question_other``;
9. praise (好看, 划算, 主播专业, 👍) → ``praise``;
10. a bare theme keyword (链接, 尺码, 包邮 with no question mark) → ``question_<theme>``;
11. a request to the host (试穿一下, 转一圈) → ``question_other``;
12. interaction (大家好, 666, 扣1) → ``interaction``; 13. else ``other``.

Before matching, an A-not-A question (甜不甜, 划不划算) is rewritten to the 吗 form (甜吗, 划算吗),
好几 (a count, not a question) to 好多, and negations are rewritten to markers (不起球 → praise
marker, 不好看 → design-complaint marker).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from helpers.paths import RESOURCES, read_yaml
from helpers.present.i18n import has, t

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

RULES_PATH = RESOURCES / "comments" / "intents.yaml"

QUESTION_INTENTS = (
    "question_price",
    "question_stock",
    "question_size",
    "question_shipping",
    "question_usage",
    "question_link",
    "question_other",
)
COMPLAINT_INTENTS = (
    "complaint_logistics",
    "complaint_quality",
    "complaint_price",
    "complaint_host",
    "complaint_design",
)
INTENTS: tuple[str, ...] = (
    *QUESTION_INTENTS,
    "purchase",
    "praise",
    *COMPLAINT_INTENTS,
    "interaction",
    "spam",
    "other",
)
GROUPS = ("question", "purchase", "praise", "complaint", "interaction", "spam", "other")


def label(intent: str | None, lang: str = "zh") -> str:
    """A reader's name for an intent or group (``comments.intent.<code>`` in the catalogue; an
    unknown code as it is)."""
    if intent is None:
        return "–"
    key = f"comments.intent.{intent}"
    return t(key, lang) if has(key, lang) else intent


def group_of(intent: str) -> str:
    """The coarse group of a fine intent (question_price → question)."""
    return intent.split("_", 1)[0]


def _alt(patterns: list[str] | str) -> str:
    if isinstance(patterns, str):
        patterns = [patterns]
    return "|".join(f"(?:{p})" for p in patterns)


@dataclass(frozen=True)
class Rules:
    """Compiled rule groups (each an alternation regex string)."""

    rewrites: tuple[tuple[str, str], ...]
    spam: str
    question_marker: str
    questions: dict[str, str]
    strong: dict[str, str]
    weak: dict[str, str]
    purchase: str
    praise: str
    requests: str
    lottery: str
    interaction: str
    sentiment: dict[str, Any]

    @property
    def positive(self) -> str:
        """Everything that counts as a positive opinion word."""
        return _alt([self.praise, self.sentiment["positive"]])

    @property
    def negative(self) -> str:
        """Everything that counts as a negative opinion word."""
        return _alt(self.negative_parts)

    @property
    def negative_parts(self) -> list[str]:
        """The negative words as separate regexes: counted one by one, since their single
        alternation is slow on long texts (reviews) — the regex engine's DFA cache overflows."""
        return [*self.strong.values(), *self.weak.values(), self.sentiment["negative"]]


@functools.lru_cache(maxsize=4)
def load_rules(path: str | Path = RULES_PATH) -> Rules:
    """Load and compile the YAML rules (cached)."""
    raw = read_yaml(path)
    comp = raw["complaints"]
    sent = dict(raw["sentiment"])
    sent["positive"] = _alt(sent["positive"])
    sent["negative"] = _alt(sent["negative"])
    return Rules(
        rewrites=tuple((r["pattern"], r["marker"]) for r in raw["rewrites"]),
        spam=_alt(raw["spam"]),
        question_marker=_alt(raw["question_marker"]),
        questions={k: _alt(v) for k, v in raw["questions"].items()},
        strong={k: _alt(v["strong"]) for k, v in comp.items()},
        weak={k: _alt(v.get("weak") or ["$^"]) for k, v in comp.items()},
        purchase=_alt(raw["purchase"]),
        praise=_alt(raw["praise"]),
        requests=_alt(raw["requests"]),
        lottery=_alt(raw["lottery"]),
        interaction=_alt(raw["interaction"]),
        sentiment=sent,
    )


# A-not-A questions (甜不甜, 划不划算, 好不好看); 能不能/是不是/要不要... are question markers
# already.
_ANOTA = re.compile(r"([^\W\d能是要会可行有])不\1")


def a_not_a(text: str) -> str:
    """Rewrite an A-not-A question to the 吗 form: 划不划算 → 划算吗, 甜不甜 → 甜吗."""
    if "不" not in text:
        return text
    out, n = _ANOTA.subn(r"\1", text)
    return out + "吗" if n else text


def rewrite_expr(col: str, rules: Rules) -> pl.Expr:
    """The normalised text with negations rewritten to markers (see the YAML)."""
    e = pl.col(col)
    for pattern, marker in rules.rewrites:
        e = e.str.replace_all(pattern, marker)
    return e


def _first(flags: dict[str, pl.Expr]) -> pl.Expr:
    """The name of the first true flag (in dict order), else null."""
    out: Any = pl.lit(None, dtype=pl.String)
    for name, flag in reversed(list(flags.items())):
        out = pl.when(flag).then(pl.lit(name)).otherwise(out)
    return out


def _rule_hits(df: pl.DataFrame, r: Rules) -> pl.DataFrame:
    """Every rule group's hit on ``norm`` (the text) or ``rw`` (the text with negations
    rewritten to markers), and the opinion-word counts."""
    text, w = pl.col("norm"), pl.col("rw")
    return df.with_columns(
        text.str.contains(r.question_marker).alias("is_q"),
        _first({k: text.str.contains(p) for k, p in r.questions.items()}).alias("qtype"),
        _first({k: w.str.contains(p) for k, p in r.strong.items()}).alias("strong"),
        _first({k: w.str.contains(p) for k, p in r.weak.items()}).alias("weak"),
        text.str.contains(r.spam).alias("spam"),
        w.str.contains(r.purchase).alias("purchase"),
        w.str.contains(r.praise).alias("praise"),
        text.str.contains(r.requests).alias("request"),
        text.str.contains(r.lottery).alias("lottery"),
        text.str.contains(r.interaction).alias("interaction"),
        w.str.count_matches(r.positive).alias("pos_hits"),
        pl.sum_horizontal([w.str.count_matches(p) for p in r.negative_parts]).alias("neg_hits"),
    )


def _intent_steps() -> list[tuple[pl.Expr, pl.Expr]]:
    """The order of the module docstring: (condition, intent) pairs, the first true one wins."""
    c = pl.col
    return [
        (c("norm") == "", pl.lit("other")),
        (c("spam"), pl.lit("spam")),
        (c("strong").is_not_null(), c("strong")),
        (c("lottery"), pl.lit("interaction")),
        (c("is_q") & c("qtype").is_not_null(), c("qtype")),
        (c("weak").is_not_null(), c("weak")),
        (c("purchase"), pl.lit("purchase")),
        (c("is_q"), pl.lit("question_other")),
        (c("praise"), pl.lit("praise")),
        (c("qtype").is_not_null(), c("qtype")),
        (c("request"), pl.lit("question_other")),
        (c("interaction"), pl.lit("interaction")),
    ]


def _intent_expr() -> pl.Expr:
    (cond, then), *rest = _intent_steps()
    chain: Then | ChainedThen = pl.when(cond).then(then)
    for cond, then in rest:
        chain = chain.when(cond).then(then)
    return chain.otherwise(pl.lit("other"))


def intent_frame(
    norm: pl.Series, rules: Rules | None = None, *, flags: bool = False
) -> pl.DataFrame:
    """Intent, group and opinion-word counts for normalised texts (one row per input, same order).

    Columns: ``intent``, ``intent_group``, ``pos_hits``, ``neg_hits`` (counts used by sentiment);
    with ``flags``, also every rule group's hit (:data:`FLAG_COLUMNS`: the learned model's
    features).
    """
    r = rules or load_rules()
    texts = norm.cast(pl.String).fill_null("").to_list()
    df = pl.DataFrame({"norm": [a_not_a(x) for x in texts]}, schema={"norm": pl.String})
    # 好几次/好几天 counts, it does not ask (几 is otherwise a question marker)
    df = df.with_columns(pl.col("norm").str.replace_all("好几", "好多", literal=True))
    df = _rule_hits(df.with_columns(rewrite_expr("norm", r).alias("rw")), r)
    intent = _intent_expr()
    c = pl.col
    return df.select(
        intent.alias("intent"),
        intent.str.split("_").list.first().alias("intent_group"),
        c("pos_hits").cast(pl.Int32),
        c("neg_hits").cast(pl.Int32),
        *([c(*FLAG_COLUMNS)] if flags else []),
    )


FLAG_COLUMNS = (
    "is_q",
    "qtype",
    "strong",
    "weak",
    "spam",
    "purchase",
    "praise",
    "request",
    "lottery",
    "interaction",
)
