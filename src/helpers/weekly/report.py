"""The weekly report's entry: :func:`open_week` checks the parameters, loads the week and runs
every section once, in report order; the notebook shows the outcomes
(:func:`helpers.weekly.display.section`) and :func:`helpers.weekly.summary.build_summary` turns
them into ``summary.json``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.present import sections
from helpers.weekly.data import WeekData, check_parameters, load_week, run
from helpers.weekly.verdict import reviews_dir

#: Every section of the report in the order it shows them (the order they run and are logged).
SECTIONS = (
    "week_verdict",
    "week_gap",
    "week_glance",
    "week_trend",
    "week_board",
    "week_alerts",
    "week_hero_alerts",
    "week_hosts",
    "week_products",
    "week_audience",
    "week_rfm",
    "week_comments",
    "week_hours",
    "week_reviews",
)


@dataclass
class WeekReport:
    """The week's data, the report's parameters that shape its words, and each section's outcome."""

    data: WeekData
    category: str
    outcomes: dict[str, sections.Outcome]

    def __getitem__(self, key: str) -> sections.Outcome:
        return self.outcomes[key]


def room_list(rooms: str | Sequence[str]) -> list[str]:
    """The ``rooms`` parameter (comma-separated, or a list) as room names; empty for all."""
    parts = rooms.split(",") if isinstance(rooms, str) else rooms
    return [r.strip() for r in parts if r.strip()]


def open_week(
    store: str | Path,
    week: str,
    rooms: str | Sequence[str] = "",
    *,
    category: str = "general",
    reviews: Any = (),
    summary_path: str = "",
    lang: str = "zh",
) -> WeekReport:
    """The report on ``week`` (``last``: the latest ended week with data): the week's data
    (:func:`helpers.weekly.data.load_week`) and every section run on it. ``reviews`` are this
    run's session reviews (the runner's parameter), read beside ``summary_path``. Raises
    ValueError for an unknown ``category`` or malformed ``reviews``."""
    reviews = list(reviews) if isinstance(reviews, tuple) else reviews
    check_parameters(category, reviews)
    data = load_week(store, week, room_list(rooms))
    args: dict[str, tuple[Any, ...]] = {
        "week_verdict": (reviews_dir(summary_path), lang),
        "week_alerts": (category,),
        "week_reviews": (reviews,),
    }
    outcomes = {k: run(k, data, *args.get(k, ())) for k in SECTIONS}
    return WeekReport(data, category, outcomes)
