"""Compliance scan: forbidden absolute terms and restricted claims in what was said and shown.

The host's transcript, product titles (``products.name``) and comments are checked against the
curated list of ``resources/pitch/compliance.yaml`` (《广告法》第九条 绝对化用语, medical and
cosmetic claims; sources in ``docs/pitch.md``). Allowed uses that are not claims (第一次, 最后一件,
最后3分钟) are masked before matching; rules run most severe first and a span one rule matched is
masked for the next, so 最低价 is one price claim, not also a superlative. Polars prefilters the
texts that can hit; only those are split into clauses and matched clause by clause in Python.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import polars as pl

from helpers.data.schema import TS
from helpers.pitch.rules import (
    ComplianceRule,
    ComplianceRules,
    compliance_rules,
    element_rules,
)
from helpers.pitch.text import normalise_expr, to_simplified

SOURCES = ("transcript", "product", "comment")
HIT_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "ts": TS,
    "source": pl.String,
    "term": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "law": pl.String,
    "text": pl.String,
}
_CLAUSE = re.compile(r"[。！？!?；;\n]+|\s{1,}")
_MASK = "□"


@functools.lru_cache(maxsize=4)
def _compiled(
    rules: ComplianceRules,
) -> tuple[re.Pattern[str], tuple[tuple[ComplianceRule, re.Pattern[str]], ...]]:
    return re.compile(rules.allowed), tuple((r, re.compile(r.pattern)) for r in rules.rules)


def normalise_one(text: str) -> str:
    """The normalised form of one text, as :func:`helpers.pitch.text.normalise_expr` gives it."""
    t = unicodedata.normalize("NFKC", to_simplified(text)).lower()
    for pattern, repl in element_rules().fixes:
        t = re.sub(pattern, repl, t)
    return t


def clause_hits(text: str, rules: ComplianceRules | None = None) -> list[tuple[str, str, str]]:
    """(rule id, term as matched, clause of ``text``) for every hit in ``text``."""
    allowed, compiled = _compiled(rules or compliance_rules())
    out: list[tuple[str, str, str]] = []
    for clause in _CLAUSE.split(text):
        if not clause:
            continue
        c = allowed.sub(lambda m: _MASK * len(m.group()), normalise_one(clause))
        for rule, rx in compiled:
            for m in rx.finditer(c):
                out.append((rule.id, m.group(), clause))
            c = rx.sub(lambda m: _MASK * len(m.group()), c)
    return out


def scan(
    df: pl.DataFrame,
    source: str,
    *,
    text_col: str = "text",
    ts_col: str | None = "ts",
    rules: ComplianceRules | None = None,
) -> pl.DataFrame:
    """Hits in ``df[text_col]``: ts, source, term, rule, severity, law, text (the clause)."""
    r = rules or compliance_rules()
    if df.height == 0 or text_col not in df.columns:
        return pl.DataFrame(schema=HIT_COLUMNS)
    any_rule = "|".join(f"(?:{x.pattern})" for x in r.rules)
    ts = pl.col(ts_col) if ts_col and ts_col in df.columns else pl.lit(None, dtype=TS)
    cand = (
        df.select(ts.alias("ts"), pl.col(text_col).cast(pl.String).fill_null("").alias("text"))
        .with_columns(
            normalise_expr("text", element_rules().fixes)
            .str.replace_all(r.allowed, _MASK)
            .alias("m")
        )
        .filter(pl.col("m").str.contains(any_rule))
    )
    by_id = {x.id: x for x in r.rules}
    rows = []
    cache: dict[str, list[tuple[str, str, str]]] = {}
    for when, text in cand.select("ts", "text").iter_rows():
        hits = cache.get(text)
        if hits is None:
            hits = cache[text] = clause_hits(text, r)
        for rid, term, clause in hits:
            rule = by_id[rid]
            rows.append(
                {
                    "ts": when,
                    "source": source,
                    "term": term,
                    "rule": rid,
                    "severity": rule.severity,
                    "law": rule.law,
                    "text": clause,
                }
            )
    return pl.DataFrame(rows, schema=HIT_COLUMNS)


def scan_all(
    transcript: pl.DataFrame | None = None,
    products: pl.DataFrame | None = None,
    comments: pl.DataFrame | None = None,
    rules: ComplianceRules | None = None,
) -> pl.DataFrame:
    """Hits of the transcript (``start_ts``), product titles (no time) and comments (``ts``),
    ordered by severity, then time (titles first), source and term."""
    parts = []
    if transcript is not None:
        parts.append(scan(transcript, "transcript", ts_col="start_ts", rules=rules))
    if products is not None:
        parts.append(scan(products, "product", text_col="name", ts_col=None, rules=rules))
    if comments is not None:
        parts.append(scan(comments, "comment", rules=rules))
    out = pl.concat(parts) if parts else pl.DataFrame(schema=HIT_COLUMNS)
    sev = {"high": 0, "medium": 1, "low": 2}
    return (
        out.with_columns(pl.col("severity").replace_strict(sev, return_dtype=pl.Int64).alias("_s"))
        .sort(["_s", "ts", "source", "term", "text"], nulls_last=False)
        .drop("_s")
    )


def by_rule(hits: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """Hits counted per rule and source: rule, name, severity, law, source, hits, terms."""
    names = {x.id: x.name(lang) for x in compliance_rules().rules}
    if hits.height == 0:
        return pl.DataFrame(
            schema={
                "rule": pl.String,
                "name": pl.String,
                "severity": pl.String,
                "law": pl.String,
                "source": pl.String,
                "hits": pl.Int64,
                "terms": pl.String,
            }
        )
    return (
        hits.group_by("rule", "severity", "law", "source")
        .agg(
            pl.len().cast(pl.Int64).alias("hits"),
            pl.col("term").unique().sort().str.join("、").alias("terms"),
        )
        .with_columns(pl.col("rule").replace_strict(names, default=pl.col("rule")).alias("name"))
        .sort(["hits", "rule", "source"], descending=[True, False, False])
        .select("rule", "name", "severity", "law", "source", "hits", "terms")
    )
