"""The session review's summary.json (keys in docs/summary.md)."""

from __future__ import annotations

from typing import Any

from helpers.data.store import Session
from helpers.review.common import _f
from helpers.review.context import Context
from helpers.review.headline import Headline
from helpers.review.integrity import Integrity


def build_summary(ctx: Context) -> dict[str, Any]:
    """The summary.json of a review :func:`~helpers.review.context.open_review` ran: the session,
    its KPIs, alerts and findings, the integrity signals and page 1's decision."""
    from helpers.review import funnel_steps
    from helpers.review.actions import decision_summary

    fun = ctx.value("review.funnel")
    steps = funnel_steps(fun.stages) if fun is not None else []
    decision = decision_summary(
        ctx.value("review.verdict"), ctx.acts, ctx.value("review.windows"), steps
    )
    assert ctx.head is not None
    return session_summary(
        ctx.session,
        ctx.head,
        ctx.found,
        ctx.value("review.integrity"),
        extra={"lang": ctx.lang, "category": ctx.category, "targets": ctx.targets, **decision},
    )


def session_summary(
    s: Session,
    head: Headline,
    found: list[dict[str, Any]],
    integ: Integrity | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary.json of a session's headline, findings and integrity signals (keys documented
    in docs/summary.md), with ``extra`` keys added. No viewer ids."""
    info = s.info
    out: dict[str, Any] = {
        "session_id": s.session_id,
        "room": info.get("room"),
        "host": info.get("host"),
        "platform": info.get("platform"),
        "start_ts": info.get("start_ts"),
        "end_ts": info.get("end_ts"),
        "as_of": head.as_of,
    }
    out |= dict(head.kpis)
    out["kpi_sources"] = dict(head.sources)
    out["intervals"] = {
        k: {"lo": _f(v["lo"]), "hi": _f(v["hi"]), "method": v["method"]}
        for k, v in head.intervals.items()
    }
    out["alerts"] = [{k: v for k, v in a.items()} for a in head.alerts]
    out["findings"] = [
        {k: f[k] for k in ("rank", "text", "metric", "value", "figure")} for f in found
    ]
    if head.trailing:
        out["trailing"] = head.trailing
    if integ is not None:
        out["integrity"] = {
            "bursts": {k: v for k, v in integ.bursts.items()},
            "duplicate_comments": {k: v for k, v in integ.duplicate_summary.items()},
        }
    if extra:
        out |= extra
    return out
