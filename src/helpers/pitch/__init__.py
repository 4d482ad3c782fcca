"""The host's pitch (话术): what was said minute by minute, which pitch elements preceded orders,
whether viewers' questions were answered, and whether every claim kept within the advertising law
(《广告法》). Rules are data (``resources/pitch/``); method and sources in ``docs/pitch.md``.

Stage: analysis. May import the foundation and :mod:`helpers.comments`.
"""

from __future__ import annotations

from helpers.pitch import (
    analysis,
    answers,
    compliance,
    effect,
    elements,
    minutes,
    opening,
    rules,
    text,
)
from helpers.pitch.compliance import scan_all
from helpers.pitch.elements import detect, element_hits
from helpers.pitch.minutes import minute_table

__all__ = [
    "analysis",
    "answers",
    "compliance",
    "detect",
    "effect",
    "element_hits",
    "elements",
    "minute_table",
    "minutes",
    "opening",
    "rules",
    "scan_all",
    "text",
]
