"""The week's verdict: GMV against the trailing weeks with data, the gap decomposed into viewers ×
conversion × AOV contributions (``helpers.metrics.decompose``), and the top actions of the
reviews."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers.present import sections
from helpers.weekly.data import WeekData, session_ids, trailing_mean, week_totals
from helpers.weekly.glance import rel

FACTORS = ("viewers", "conversion", "aov")
TOP_ACTIONS = 5


def _factors(
    gmv: float | None, viewers: float | None, buyers: float | None
) -> dict[str, float] | None:
    """GMV = viewers × conversion × AOV, or None when a factor is unknown or zero."""
    if not gmv or not viewers or not buyers:
        return None
    return {"gmv": gmv, "viewers": viewers, "conversion": buyers / viewers, "aov": gmv / buyers}


def week_factors(data: WeekData) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """This week's factors and the trailing weeks' (means of weekly GMV, viewers and buyers, so the
    reference factors multiply to the mean weekly GMV)."""
    this = {r["week"]: r for r in week_totals(data).iter_rows(named=True)}.get(data.week, {})
    cur = _factors(this.get("gmv"), this.get("viewers"), this.get("buyers"))
    ref = _factors(*(trailing_mean(data, k)[0] for k in ("gmv", "viewers", "buyers")))
    return cur, ref


def _action(a: Any, lang: str) -> tuple[str, str, float]:
    """A review action's grouping key, text in the language and yuan at stake (an action is a
    mapping with ``kind`` (and ``channel`` when it names one), ``text`` and ``impact_yuan``, as
    docs/summary.md specifies; or a sentence). Actions of one kind on one channel group together."""
    if not isinstance(a, dict):
        return str(a), str(a), 0.0
    text = a.get("text") or ""
    impact = a.get("impact_yuan")
    key = "/".join(str(a[k]) for k in ("kind", "channel") if a.get(k)) or str(text)
    return (
        key,
        str(text),
        float(impact) if isinstance(impact, int | float) else 0.0,
    )


def top_actions(
    reviews_dir: Path | None, session_ids: Sequence[str], lang: str = "zh", top: int = TOP_ACTIONS
) -> list[dict[str, Any]]:
    """The actions the week's session reviews recommend (``summary.json`` ``actions``), the same
    action (``id``) counted once per session: most sessions first, then most yuan at stake, then
    first seen; the text is the first session's."""
    found: dict[str, dict[str, Any]] = {}
    for sid in session_ids if reviews_dir else ():
        assert reviews_dir is not None  # the loop runs only with one
        try:
            actions = json.loads((Path(reviews_dir) / sid / "summary.json").read_text("utf-8")).get(
                "actions"
            )
        except (OSError, ValueError, AttributeError):
            continue
        for a in actions or []:
            key, text, impact = _action(a, lang)
            if not text:
                continue
            entry = found.setdefault(key, {"id": key, "text": text, "sessions": [], "impact": 0.0})
            if sid not in entry["sessions"]:
                entry["sessions"].append(sid)
                entry["impact"] += impact
    ranked = sorted(found.values(), key=lambda e: (-len(e["sessions"]), -e["impact"]))  # stable
    return ranked[:top]


@sections.section("week_verdict", needs=["sessions|room_days"])
def verdict(
    data: WeekData, reviews_dir: str | Path | None = None, lang: str = "zh"
) -> dict[str, Any]:
    """The week's GMV against the mean of the trailing weeks with data (which weeks, how many
    sessions), and the top actions of the week's reviews (``reviews_dir/<id>/summary.json``)."""
    gmv = {r["week"]: r["gmv"] for r in week_totals(data).iter_rows(named=True)}.get(data.week)
    mean, _ = trailing_mean(data, "gmv")
    return {
        "week": data.week,
        "basis": data.basis,
        "gmv": gmv,
        "reference_gmv": mean,
        "gap": None if gmv is None or mean is None else gmv - mean,
        "change": rel(gmv, mean),
        "trailing": data.trailing_info(),
        "units": len(data.ids(data.week)),
        "actions": top_actions(
            Path(reviews_dir) if reviews_dir else None, session_ids(data, data.week), lang
        ),
    }


@sections.section("week_gap", needs=["sessions|room_days"])
def gap_decomposition(data: WeekData) -> list[dict[str, Any]]:
    """The GMV gap to the trailing weeks as viewers × conversion × AOV contributions (summing to the
    gap; ``helpers.metrics.decompose.decompose``); empty when a factor is unknown either side."""
    from helpers.metrics.decompose import decompose

    cur, ref = week_factors(data)
    if cur is None or ref is None:
        return []
    return decompose(cur, ref, factors=FACTORS)


def reviews_dir(summary_path: str) -> Path | None:
    """Where the run puts the week's session reviews: ``sessions/`` beside the weekly summary.json
    (None in interactive use, without a ``summary_path``)."""
    return Path(summary_path).parent / "sessions" if summary_path else None
