"""Small formatters the weekly views share: signed changes, column headers, sentences of the
catalogue and weekday names (all words from :mod:`helpers.present.i18n`)."""

from __future__ import annotations

from typing import Any

from helpers.present import nb
from helpers.present.i18n import t
from helpers.present.labels import columns

#: The metric whose unit formats each factor of the GMV gap decomposition.
FACTOR_METRIC = {
    "viewers": "viewers",
    "conversion": "conversion_rate",
    "aov": "aov",
    "views": "views",
    "gpm": "gpm",
}


def pct(x: float | None) -> str:
    """A relative change as a signed percentage (``–`` when unknown)."""
    return "–" if x is None else f"{x:+.1%}"


def col(key: str, lang: str) -> str:
    """A column header in the language."""
    return columns([key], lang)[key]


def md(key: str, lang: str, **values: Any) -> nb.Markdown:
    """A sentence of the catalogue with values interpolated (data values must come escaped)."""
    return nb.Markdown(t(key, lang).format(**values))


def day_name(day: int, lang: str = "zh") -> str:
    """Weekday 1 = Monday in words."""
    return t(f"weekday_{day}", lang)


def unit_word(basis: str, lang: str) -> str:
    """What the week's units are called: sessions, or live days on the room-days basis."""
    return t("wr_unit_sessions" if basis == "sessions" else "wr_unit_days", lang)
