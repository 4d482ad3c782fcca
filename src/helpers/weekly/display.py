"""What the weekly report shows: each section's outcome as tables and sentences in the report's
language (:func:`show`; :func:`section` for a section of an opened
:class:`~helpers.weekly.report.WeekReport`).
The views live by meaning in :mod:`.views_week` (the week as a whole) and :mod:`.views_detail`
(alerts, hosts, products, audience, comments, hours, reviews); figures in :mod:`.figures`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpers.present import nb, sections
from helpers.present.i18n import t
from helpers.weekly import views_detail as detail
from helpers.weekly import views_week as week
from helpers.weekly.data import WeekData
from helpers.weekly.report import WeekReport

VIEWS: dict[str, Callable[..., list[Any]]] = {
    "week_glance": week.glance_view,
    "week_verdict": week.verdict_view,
    "week_board": week.board_view,
    "week_alerts": detail.alerts_view,
    "week_hosts": detail.hosts_view,
    "week_products": detail.products_view,
    "week_audience": detail.audience_view,
    "week_rfm": detail.rfm_view,
    "week_comments": detail.comments_view,
    "week_hours": detail.hours_view,
    "week_reviews": detail.reviews_view,
}


def _not_ok(out: sections.Outcome, lang: str, data: WeekData | None) -> list[Any]:
    if out.key == "week_reviews" and data is not None and data.basis == "room_days":
        return [nb.Markdown(t("wr_reviews_daily", lang))]
    return [nb.outcome(out, lang)]


def show(
    out: sections.Outcome, lang: str = "zh", *, data: WeekData | None = None, **kw: Any
) -> list[Any]:
    """A section's outcome as display objects: its tables and sentences, or the one sentence saying
    what it lacks or how it failed (a failing display step is recorded as the section failing)."""
    if not out.ok:
        return _not_ok(out, lang, data)
    res = sections.guard(out.key, lambda: VIEWS[out.key](out.value, lang, data=data, **kw))
    return [nb.outcome(res, lang)] if isinstance(res, sections.Outcome) else res


def _context(report: WeekReport, key: str) -> dict[str, Any]:
    """What a section's view shows beside its own outcome (other sections, parameters)."""
    if key == "week_verdict":
        return {"gap": report["week_gap"]}
    if key == "week_alerts":
        return {"hero": report["week_hero_alerts"], "category": report.category}
    return {}


def section(report: WeekReport, key: str, lang: str = "zh") -> list[Any]:
    """Section ``key`` of the report as display objects (:func:`show` with what it needs)."""
    return show(report[key], lang, data=report.data, **_context(report, key))
