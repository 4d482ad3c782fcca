"""The host's pitch (话术): what was said minute by minute, which pitch elements preceded orders,
whether viewers' questions were answered, and whether every claim kept within the advertising law
(《广告法》). Rules are data (``resources/pitch/``); method and sources in ``docs/pitch.md``."""

from __future__ import annotations

from . import analysis, answers, compliance, effect, elements, minutes, opening, rules, text
from .compliance import scan_all
from .elements import detect, element_hits
from .minutes import minute_table

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
