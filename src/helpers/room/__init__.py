"""A room's history over sessions or days, from session lists, session totals and daily overviews
alone.

Stage: analysis. May import the foundation (paths, data, metrics, present).
"""

from __future__ import annotations

from helpers.room import display
from helpers.room.effects import slot_effects
from helpers.room.hosts import host_hours
from helpers.room.periods import period_change
from helpers.room.series import history, history_chart
from helpers.room.summary import build_summary
from helpers.room.units import KEYS, RoomUnits, open_room
from helpers.room.why import best_worst

__all__ = [
    "KEYS",
    "RoomUnits",
    "best_worst",
    "build_summary",
    "display",
    "history",
    "history_chart",
    "host_hours",
    "open_room",
    "period_change",
    "slot_effects",
]
