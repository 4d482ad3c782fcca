"""Findings: a ranked list of what to change next time, each with its supporting figure.

Each rule is a record in :data:`RULES`: the finding's kind (its sentence is ``findings.<kind>`` in
the catalogue), the metric it reports, the section whose figure supports it, and the function that
reads its evidence with the thresholds below. A sentence that states a threshold is filled from the
same constant, so no number is written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from helpers.present import sections
from helpers.present.i18n import t
from helpers.review.common import ROLE_NORM, SHORT_WATCH_S, _f
from helpers.review.display import format_value
from helpers.review.headline import Headline
from helpers.review.integrity import Integrity
from helpers.review.products import Products, lift_reliable
from helpers.review.retention import Retention
from helpers.review.story import MinuteStory, screen_label

# How much each kind of gap weighs in the ranking, and where a rule starts to fire.
NOISY_TARGET_WEIGHT = 0.4  # a missed target inside the KPI's own interval counts for less
BENCHMARK_WEIGHT = 0.8  # a category benchmark is a rule of thumb; the room's target counts more
EXIT_SPIKE = 1.3  # a screen is flagged above this many exits per expected exit (interval above 1)
EXIT_SPIKES_SHOWN = 2
EXIT_WEIGHT = 0.5
RETENTION_WEAK = 0.5  # a channel's median stay under this share of the overall median
RETENTION_MIN_VIEWERS = 100
RETENTION_WEIGHT = 0.5
EXPLAIN_NO_LIFT = 1.5  # a lift whose 95% interval stays under this is no lift
EXPLAIN_MIN_ORDERS = 5  # orders of the product (inside and outside its windows)
EXPLAIN_WEAK_SCORE = 0.5
EXPLAIN_STRONG_WEIGHT = 0.05  # per unit of lift ...
EXPLAIN_STRONG_MAX = 0.3  # ... up to this: a good pitch matters less than a bad one
MIX_TOLERANCE = 0.15  # a role's GMV share this far from its norm (:data:`ROLE_NORM`)
CHANNEL_MIN_SHARE = 0.05  # a weak channel must bring at least this share of the viewers
CPM_HIGH = 1.2  # a channel's CPM above this multiple of the average
BURST_SCORE = 1.0  # fabricated traffic distorts every traffic figure: above most other findings
DUP_MIN_SHARE = 0.005  # bought comments above this share of all comments
DUP_SCORE = 0.6
DUP_TEXT_CHARS = 30  # the example text is cut to this many characters


@dataclass(frozen=True)
class Evidence:
    """What the findings read: the earlier sections' results (any of them may be missing)."""

    head: Headline
    ret: Retention | None
    prods: Products | None
    traffic: pl.DataFrame | None
    integ: Integrity | None


@dataclass(frozen=True)
class Hit:
    """One rule firing: its ranking score, the value behind it and the sentence's placeholders;
    ``kind`` and ``metric`` name a variant of the rule's sentence or metric."""

    score: float
    value: Any
    values: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None
    metric: str | None = None


@dataclass(frozen=True)
class Rule:
    kind: str  # the sentence is findings.<kind>
    metric: str | None  # None: each hit names its own (a headline alert's metric)
    figure: str  # the section whose figure supports the finding
    reads: Callable[[Evidence, str], Iterable[Hit]]
    variants: tuple[str, ...] = ()  # other kinds (sentences) a hit may name


def _pct(x: float | None, d: int = 1) -> str:
    return "–" if x is None else f"{x * 100:+.{d}f}%" if x < 0 or x > 0 else "0%"


def _share(x: float | None, d: int = 1) -> str:
    return "–" if x is None else f"{x * 100:.{d}f}%"


def _alerts(ev: Evidence, kind: str) -> list[dict[str, Any]]:
    return [a for a in ev.head.alerts if a["kind"] == kind]


def _gap(a: dict[str, Any]) -> float:
    return abs(a.get("gap") or 0.0)


def _targets_missed(ev: Evidence, lang: str) -> Iterable[Hit]:
    for a in _alerts(ev, "target"):
        key = a["metric"]
        weight = 1.0 if a.get("significant") else NOISY_TARGET_WEIGHT
        yield Hit(
            _gap(a) * weight,
            a["value"],
            {
                "metric": t(key, lang),
                "value": format_value(key, a["value"]),
                "target": format_value(key, a["target"]),
                "gap": _pct(a.get("gap")),
            },
            metric=key,
        )


def _benchmarks_bad(ev: Evidence, lang: str) -> Iterable[Hit]:
    for a in _alerts(ev, "benchmark"):
        key = a["metric"]
        yield Hit(
            BENCHMARK_WEIGHT * _gap(a),
            a["value"],
            {
                "metric": t(key, lang),
                "value": format_value(key, a["value"]),
                "side": t("findings.side_" + ("below" if a["flag"] == "below" else "above"), lang),
                "benchmark": format_value(key, a["benchmark"]),
                "cite": a.get("cite", ""),
            },
            metric=key,
        )


def _gmv_swings(ev: Evidence, lang: str) -> Iterable[Hit]:
    for a in _alerts(ev, "trailing"):
        values = {"n": a.get("sessions"), "gap": _pct(a.get("gap"))}
        yield Hit(_gap(a), a["value"], values, metric=a["metric"])


def _exit_spikes(ev: Evidence, lang: str) -> Iterable[Hit]:
    if ev.ret is None or not ev.ret.leaving.height:
        return
    worst = ev.ret.leaving.filter(
        (pl.col("obs_exp") > EXIT_SPIKE) & (pl.col("lo") > 1.0) & (pl.col("kind") != "none")
    )
    for r in worst.head(EXIT_SPIKES_SHOWN).iter_rows(named=True):
        screen = screen_label(r["on_screen"], lang)
        values = {"screen": screen, "index": f"{r['obs_exp']:.2f}"}
        yield Hit(EXIT_WEIGHT * (r["obs_exp"] - 1.0), r["obs_exp"], values)


def _weak_retention(ev: Evidence, lang: str) -> Iterable[Hit]:
    if ev.ret is None or not ev.ret.summary.height:
        return
    overall = ev.ret.summary.filter(pl.col("group_kind") == "all")["median_min"]
    ov = _f(overall[0]) if overall.len() else None
    if not ov:
        return
    ch = ev.ret.summary.filter(
        (pl.col("group_kind") == "channel")
        & (pl.col("median_min") < RETENTION_WEAK * ov)
        & (pl.col("viewers") >= RETENTION_MIN_VIEWERS)
    )
    for r in ch.sort("median_min").head(1).iter_rows(named=True):
        values = {"group": r["group"], "median": f"{r['median_min']:.1f}", "overall": f"{ov:.1f}"}
        yield Hit(RETENTION_WEIGHT * (1 - r["median_min"] / ov), r["median_min"], values)


def _reliable_lifts(ev: Evidence) -> pl.DataFrame:
    """Explained products whose lift can be stated (:func:`lift_reliable`)."""
    if ev.prods is None or not ev.prods.explain.height:
        return pl.DataFrame()
    return ev.prods.explain.filter(
        pl.col("ratio").is_not_null()
        & pl.struct("lo", "hi", "orders_out").map_elements(
            lambda r: lift_reliable(r["lo"], r["hi"], r["orders_out"]), return_dtype=pl.Boolean
        )
    )


def _lift_values(r: dict[str, Any]) -> dict[str, Any]:
    return {"name": r["name"] or r["product_id"], "ratio": f"{r['ratio']:.2f}"}


def _weak_explanations(ev: Evidence, lang: str) -> Iterable[Hit]:
    ex = _reliable_lifts(ev)
    if not ex.height:
        return
    weak = ex.filter(
        (pl.col("hi") < EXPLAIN_NO_LIFT)
        & ((pl.col("orders_in") + pl.col("orders_out")) >= EXPLAIN_MIN_ORDERS)
    ).sort("ratio")
    for r in weak.head(1).iter_rows(named=True):
        yield Hit(EXPLAIN_WEAK_SCORE, r["ratio"], _lift_values(r))


def _strong_explanations(ev: Evidence, lang: str) -> Iterable[Hit]:
    ex = _reliable_lifts(ev)
    if not ex.height:
        return
    strong = ex.filter(pl.col("lo") > 1.0).sort("ratio", descending=True)
    for r in strong.head(1).iter_rows(named=True):
        score = min(EXPLAIN_STRONG_MAX, EXPLAIN_STRONG_WEIGHT * r["ratio"])
        yield Hit(score, r["ratio"], _lift_values(r))


def _mix_off(ev: Evidence, lang: str) -> Iterable[Hit]:
    if ev.prods is None or not ev.prods.mix.height:
        return
    split = ":".join(f"{share * 10:.0f}" for share in ROLE_NORM.values())
    for r in ev.prods.mix.filter(pl.col("norm").is_not_null()).iter_rows(named=True):
        dev = (r["share_gmv"] or 0) - r["norm"]
        if abs(dev) > MIX_TOLERANCE:
            values = {
                "role": t(r["role"], lang),
                "share": _share(r["share_gmv"]),
                "split": split,
                "norm": _share(r["norm"], 0),
            }
            yield Hit(abs(dev), r["share_gmv"], values)


def _channels(ev: Evidence) -> pl.DataFrame:
    if ev.traffic is None or not ev.traffic.height:
        return pl.DataFrame()
    return ev.traffic.filter(pl.col("level") == "channel")


def _weak_channels(ev: Evidence, lang: str) -> Iterable[Hit]:
    ch = _channels(ev)
    if not ch.height:
        return
    # buyers per viewer where viewer rows give channel buyers, else orders per viewer
    count, rate, kind, metric = (
        ("buyers", "conversion", "channel_weak", "conversion_rate")
        if "buyers" in ch.columns
        else ("orders", "order_rate", "channel_weak_orders", "order_rate")
    )
    tot_b, tot_v = float(ch[count].sum()), float(ch["viewers"].sum())
    overall = tot_b / tot_v if tot_v else None
    if not overall:
        return
    weak = ch.filter(
        (pl.col("conv_hi") < overall) & (pl.col("viewers") >= CHANNEL_MIN_SHARE * tot_v)
    ).sort(rate)
    for r in weak.head(1).iter_rows(named=True):
        # a free channel costs nothing: its remedy is the content its viewers meet, not a budget
        variant = kind if r["paid"] is True else f"{kind}_free"
        values = {
            "channel": r["channel"],
            "conv": _share(r[rate], 2),
            "overall": _share(overall, 2),
        }
        yield Hit(1 - r[rate] / overall, r[rate], values, kind=variant, metric=metric)


def _costly_channels(ev: Evidence, lang: str) -> Iterable[Hit]:
    ch = _channels(ev)
    cpm = ch.filter(pl.col("cpm").is_not_null()) if ch.height else ch
    if not cpm.height:
        return
    avg = float(cpm["spend"].sum()) * 1000.0 / float(cpm["impressions"].sum())
    over = f"{CPM_HIGH - 1:.0%}"
    for r in cpm.filter(pl.col("cpm") > CPM_HIGH * avg).iter_rows(named=True):
        values = {"channel": r["channel"], "cpm": f"{r['cpm']:.1f}", "over": over}
        yield Hit(r["cpm"] / avg - 1, r["cpm"], values)


def _bursts(ev: Evidence, lang: str) -> Iterable[Hit]:
    b = ev.integ.bursts if ev.integ is not None else {}
    if b.get("burst_minutes"):
        share = b.get("suspect_share")
        values = {
            "minutes": b["burst_minutes"],
            "viewers": b["suspect_viewers"],
            "share": _share(share),
            "short_s": f"{SHORT_WATCH_S:g}",
        }
        yield Hit(BURST_SCORE + (share or 0), share, values)


def _duplicate_comments(ev: Evidence, lang: str) -> Iterable[Hit]:
    d = ev.integ.duplicate_summary if ev.integ is not None else {}
    share = d.get("duplicated_share") or 0
    if d.get("duplicated_comments") and share > DUP_MIN_SHARE:
        text = (d.get("top_text") or "")[:DUP_TEXT_CHARS]
        values = {"share": _share(d.get("duplicated_share")), "text": text}
        yield Hit(DUP_SCORE + share, d.get("duplicated_share"), values)


RULES: tuple[Rule, ...] = (
    Rule("target_missed", None, "headline", _targets_missed),
    Rule("benchmark_bad", None, "headline", _benchmarks_bad),
    Rule("gmv_swing", "gmv", "headline", _gmv_swings),
    Rule("exit_spike", "exit_obs_exp", "retention", _exit_spikes),
    Rule("retention_weak", "median_watch_min", "retention", _weak_retention),
    Rule("explain_weak", "explanation_effect", "products", _weak_explanations),
    Rule("explain_strong", "explanation_effect", "products", _strong_explanations),
    Rule("mix_off", "share_gmv", "products", _mix_off),
    Rule(
        "channel_weak",
        "conversion_rate",
        "traffic",
        _weak_channels,
        ("channel_weak_free", "channel_weak_orders", "channel_weak_orders_free"),
    ),
    Rule("cpm_high", "cpm", "traffic", _costly_channels),
    Rule("burst", "suspect_share", "integrity", _bursts),
    Rule("dup_comments", "duplicated_share", "integrity", _duplicate_comments),
)
# the catalogue key of every finding kind's sentence, variants included
FINDING_TEXT: dict[str, str] = {
    kind: f"findings.{kind}" for rule in RULES for kind in (rule.kind, *rule.variants)
}


def _candidate(rule: Rule, hit: Hit, lang: str) -> dict[str, Any]:
    kind = hit.kind or rule.kind
    return {
        "kind": kind,
        "score": float(hit.score),
        "text": t(FINDING_TEXT[kind], lang, **hit.values),
        "metric": hit.metric or rule.metric or "",
        "value": _f(hit.value),
        "figure": rule.figure,
    }


@sections.section("review.findings")
def findings(
    head: Headline,
    story: MinuteStory | None = None,
    ret: Retention | None = None,
    prods: Products | None = None,
    traffic: pl.DataFrame | None = None,
    integ: Integrity | None = None,
    *,
    lang: str = "zh",
    top: int = 8,
) -> list[dict[str, Any]]:
    """A ranked list of what to change next time: every rule of :data:`RULES` that fires, scored by
    the size of its gap weighted by how sure we are, with a sentence in the language, the metric and
    value behind it, and the section whose figure supports it."""
    ev = Evidence(head, ret, prods, traffic, integ)
    cands = [_candidate(rule, hit, lang) for rule in RULES for hit in rule.reads(ev, lang)]
    cands.sort(key=lambda c: (-c["score"], c["kind"], c["metric"]))
    keep = ("text", "metric", "value", "figure", "kind")
    return [
        {"rank": i, **{k: c[k] for k in keep}, "score": round(c["score"], 4)}
        for i, c in enumerate(cands[:top], start=1)
    ]
