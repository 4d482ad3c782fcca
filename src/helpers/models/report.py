"""The sections of the conversion report (``40-conversion-models``), each a
:mod:`helpers.present.sections` unit computing from whatever subset of the scope's tables is
present; :func:`open_conversion` opens the report and :func:`build_summary` writes its summary.

Viewer rows give the viewer-level logistic model and the buyers' order timing; without them the
session-level model (:mod:`.sessions`) reads what the platform's counts allow. The minute-level
count model runs on the trend's orders or, when the trend has none, on the order lines' times;
elasticity needs prices that vary; A/B tests run on viewer rows or on the platform's counts.
A section with too little data returns :class:`TooLittle` (a sentence, not a number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import polars as pl

from helpers.models.counts import fit_counts, fit_order_timing, minute_design, order_timing_design
from helpers.models.design import viewer_design
from helpers.models.elasticity import price_elasticity, price_observations
from helpers.models.logit import fit_viewer_logit
from helpers.models.sessions import fit_session_conversion, session_frame
from helpers.present import sections
from helpers.present.i18n import t

if TYPE_CHECKING:
    from helpers.data.scope import Scope

MIN_BUYERS = 10


@dataclass(frozen=True)
class TooLittle:
    """A section that could run but has too little data for an estimate: the label key of its
    sentence and the values it interpolates."""

    key: str
    values: tuple[tuple[str, Any], ...] = ()

    def text(self, lang: str = "zh") -> str:
        return t(self.key, lang).format(**dict(self.values))


def blocked(out: sections.Outcome, lang: str = "zh") -> str | None:
    """The sentence shown instead of a section's result (missing tables, failure, too little
    data), or None when there is a result to show."""
    if not out.ok:
        return sections.needs_text(out, lang)
    if isinstance(out.value, TooLittle):
        return out.value.text(lang)
    return None


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


@sections.section("conversion.logit", needs=["viewers", "orders"])
def logit_section(scope: Scope) -> Any:
    """The viewer-level logistic model (or too few buyers)."""
    design = viewer_design(scope.viewers, scope.orders)
    buyers = int(design["bought"].sum())
    if buyers < MIN_BUYERS or buyers == len(design):
        return TooLittle("few_buyers", (("n", buyers), ("min", MIN_BUYERS)))
    return fit_viewer_logit(design)


@sections.section("conversion.sessions", needs=["sessions", "session_totals"])
def sessions_section(scope: Scope) -> Any:
    """Session-level conversion over the store's sessions up to the scope's end."""
    assert scope.all_totals is not None  # load_scope loads it with the scope's session totals
    frame = session_frame(scope.all_sessions, scope.all_totals, scope.all_traffic)
    if len(frame) < 2:
        return TooLittle("few_sessions", (("n", len(frame)),))
    return fit_session_conversion(frame)


def _orders_per_minute(trend: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """The trend with ``orders`` per minute from the order lines when the trend carries none."""
    if "orders" in trend.columns and trend["orders"].null_count() < trend.height:
        return trend
    placed = (
        orders.with_columns(pl.col("ts").dt.truncate("1m").alias("minute_ts"))
        .group_by("session_id", "minute_ts")
        .agg(pl.col("order_id").n_unique().alias("orders"))
    )
    return (
        trend.drop("orders", strict=False)
        .join(placed, on=["session_id", "minute_ts"], how="left")
        .with_columns(pl.col("orders").fill_null(0))
    )


@sections.section("conversion.counts", needs=["trend", "events", "trend.orders|orders"])
def counts_section(scope: Scope) -> Any:
    """Orders per minute on run-sheet events (online viewers as exposure): (result, design)."""
    trend = _orders_per_minute(scope.trend, scope.orders)
    mdf = minute_design(trend, scope.events, scope.sessions)
    if len(mdf) < 30 or mdf["orders"].sum() < MIN_BUYERS:
        return TooLittle("few_minutes", (("n", len(mdf)),))
    return fit_counts(mdf), mdf


@sections.section(
    "conversion.order_timing",
    needs=["viewers", "orders.viewer_id", "trend", "events", "trend.orders|orders"],
)
def order_timing_section(scope: Scope) -> Any:
    """When buyers order during their stay (conditional Poisson, one group per buyer)."""
    trend = _orders_per_minute(scope.trend, scope.orders)
    mdf = minute_design(trend, scope.events, scope.sessions)
    td = order_timing_design(scope.viewers, scope.orders, mdf, scope.sessions)
    if td.empty or td["orders"].sum() < MIN_BUYERS:
        return TooLittle(
            "few_buyers", (("n", int(td["orders"].sum()) if len(td) else 0), ("min", MIN_BUYERS))
        )
    return fit_order_timing(td)


@sections.section(
    "conversion.elasticity", needs=["products.price", "products.units|products.orders"]
)
def elasticity_section(scope: Scope) -> Any:
    """Price elasticity per category across the store's sessions up to the scope's end."""
    obs = price_observations(scope.all_products, scope.all_events, scope.all_sessions)
    if obs.empty:
        return TooLittle("no_prices")
    return price_elasticity(obs)


def _arm_counts(scope: Scope, ids: list[str]) -> tuple[int, int, list[float]]:
    """Buyers, viewers and per-buyer GMV of the sessions ``ids`` (viewer rows, else the platform's
    totals with per-buyer GMV from order buyer ids when they exist)."""
    from helpers.models.design import buyers_of

    if scope.viewers.height:
        d = viewer_design(scope.viewers.filter(pl.col("session_id").is_in(ids)), scope.orders)
        return int(d["bought"].sum()), len(d), d.loc[d["bought"] == 1, "gmv"].tolist()
    assert scope.all_totals is not None  # load_scope always loads the store's totals
    tot = scope.all_totals.filter(pl.col("session_id").is_in(ids))
    value = {
        m: int(tot.filter(pl.col("metric") == m)["value"].sum()) for m in ("buyers", "viewers")
    }
    gmv = buyers_of(scope.all_orders.filter(pl.col("session_id").is_in(ids)))["gmv"].to_list()
    return value["buyers"], value["viewers"], gmv


@sections.section("conversion.ab", needs=["sessions", "viewers|session_totals"])
def ab_section(
    scope: Scope, arm_a: list[str], arm_b: list[str], target_lift: float, looks: int
) -> Any:
    """An A/B reading of two named arms of sessions, or the planning figures without arms."""
    from helpers.models import experiments as ex

    if arm_a and arm_b:
        ba, na, ga = _arm_counts(scope, arm_a)
        bb, nb_, gb = _arm_counts(scope, arm_b)
        if min(na, nb_) == 0:
            return TooLittle("ab_empty_arm")
        return ex.ab_test(ba, na, bb, nb_, ga, gb, target_lift=target_lift, looks=looks)
    buyers, viewers, _ = _arm_counts(scope, scope.session_ids)
    if viewers == 0 or buyers == 0:
        return TooLittle("ab_empty_arm")
    base = buyers / viewers
    half = viewers // 2
    return {
        "arms": None,
        "baseline_conversion": base,
        "viewers": viewers,
        "mde_rel_half_split": ex.mde(base, half, half),
        "planning": ex.planning_table(base),
    }


def left_out(outcomes: list[sections.Outcome], lang: str = "zh") -> list[tuple[str, str]]:
    """(section title, why) of every section that did not produce a result, in report order."""
    rows = []
    for o in outcomes:
        why = blocked(o, lang)
        if why is not None:
            rows.append((t(f"sec_{o.key}", lang), why))
    return rows


# --------------------------------------------------------------------------------------------
# summary.json
# --------------------------------------------------------------------------------------------


def _summary_of(value: Any) -> Any:
    if isinstance(value, TooLittle):
        return {"too_little": value.key, **dict(value.values)}
    if isinstance(value, tuple):  # (count result, its design)
        return value[0].summary()
    if isinstance(value, pd.DataFrame):  # elasticity per category
        return {
            r["category"]: {
                k: r[k] for k in ("identified", "elasticity", "lo", "hi", "n_obs", "reason")
            }
            for r in value.to_dict("records")
        }
    if isinstance(value, dict):
        return {
            k: (v.to_dict("records") if isinstance(v, pd.DataFrame) else v)
            for k, v in value.items()
        }
    if hasattr(value, "summary"):
        return value.summary()
    return value.as_dict() if hasattr(value, "as_dict") else value


SUMMARY_KEYS = {
    "conversion.logit": "logit",
    "conversion.sessions": "session_model",
    "conversion.counts": "counts",
    "conversion.order_timing": "order_timing",
    "conversion.elasticity": "elasticity",
    "conversion.ab": "ab",
}


def build_summary(report: ConversionReport, extra: dict | None = None) -> dict:
    """The conversion report's summary.json (keys in docs/summary-models.md): the scope, each
    section's result under its key, and ``skipped`` (section key → why) for the rest."""
    scope = report.scope
    out: dict[str, Any] = {"scope": scope.describe(*scope_ids(scope)), "skipped": {}}
    for o in report.outcomes:
        key = SUMMARY_KEYS.get(o.key, o.key.split(".", 1)[-1])
        why = blocked(o, "en")
        if why is None:
            out[key] = _summary_of(o.value)
        else:
            out["skipped"][key] = why
            if isinstance(o.value, TooLittle):
                out[key] = _summary_of(o.value)
    return {**out, **(extra or {})}


def scope_ids(scope: Scope) -> tuple[str, str]:
    """(session_id, week) of a scope as its label gives them (one of the two is empty)."""
    is_week = "-W" in scope.label
    return ("" if is_week else scope.label, scope.label if is_week else "")


CONVERSION_SECTIONS = (
    "conversion.logit",
    "conversion.sessions",
    "conversion.counts",
    "conversion.order_timing",
    "conversion.elasticity",
    "conversion.ab",
)


@dataclass
class ConversionReport:
    """What the conversion report works on: the scope, the A/B parameters, the language and the
    outcome of every section run so far (in report order)."""

    scope: Scope
    lang: str = "zh"
    arm_a: list[str] = field(default_factory=list)
    arm_b: list[str] = field(default_factory=list)
    target_lift: float = 0.10
    looks: int = 1
    outcomes: list[sections.Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tables = self.scope.frames()

    def run(self, key: str) -> sections.Outcome:
        """Run section ``key`` on the scope and keep its outcome for the summary."""
        ab = (self.arm_a, self.arm_b, self.target_lift, self.looks)
        extra = ab if key == "conversion.ab" else ()
        out = sections.run(key, self.tables, self.scope, *extra)
        self.outcomes.append(out)
        return out


def _session_ids(text: str) -> list[str]:
    """A comma-separated list of session ids (blanks dropped)."""
    return [s.strip() for s in text.split(",") if s.strip()]


def open_conversion(
    store: str,
    session_id: str = "",
    week: str = "",
    arm_a: str = "",
    arm_b: str = "",
    target_lift: float = 0.10,
    looks: int = 1,
    lang: str = "zh",
) -> ConversionReport:
    """Validate the notebook's parameters and load the scope (exactly one of ``session_id`` and
    ``week``); arms are comma-separated session ids."""
    from helpers.data.scope import load_scope
    from helpers.paths import resolve

    if not 0 < target_lift < 10 or looks < 1:
        raise ValueError("target_lift must be in (0, 10) and looks >= 1")
    scope = load_scope(str(resolve(store)), session_id=session_id, week=week)
    arms = _session_ids(arm_a), _session_ids(arm_b)
    return ConversionReport(scope, lang, *arms, target_lift, looks)


def run_all(
    scope: Scope,
    arm_a: list[str] | None = None,
    arm_b: list[str] | None = None,
    target_lift: float = 0.10,
    looks: int = 1,
) -> dict[str, sections.Outcome]:
    """Every section of the conversion report on ``scope`` (what the matrix test checks)."""
    report = ConversionReport(scope, "zh", arm_a or [], arm_b or [], target_lift, looks)
    return {k: report.run(k) for k in CONVERSION_SECTIONS}
