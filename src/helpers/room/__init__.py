"""A room's history over sessions or days, from session lists, session totals and daily overviews alone.

Stage: review (reads the store through :mod:`helpers.store` and :mod:`helpers.metrics`; uses
:mod:`helpers.decompose`, :mod:`helpers.stats`, :mod:`helpers.sections`). What 60-room-history shows.
"""

from __future__ import annotations

from . import display
from .effects import slot_effects
from .hosts import host_hours
from .periods import period_change
from .series import history, history_chart
from .summary import build_summary
from .units import KEYS, RoomUnits, open_room
from .why import best_worst

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
