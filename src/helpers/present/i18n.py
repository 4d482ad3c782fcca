"""The catalogue of words: every label, heading, unit and sentence template a report shows, one
folder per language (``resources/words/<lang>/*.yaml``, merged), fetched with :func:`t`.

Adding a language is adding a folder with the same keys (``tests/test_i18n.py`` checks that every
language has every key with the same ``{placeholders}``). Metric names stay with their definitions
(:data:`helpers.metrics.definitions.METRICS`); :func:`t` falls back to them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from helpers.metrics.definitions import METRICS
from helpers.paths import RESOURCES, read_yaml

WORDS = RESOURCES / "words"
LANGS = ("zh", "en")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every key of a language, from all its files (a key defined twice is an error naming both)."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGS)}")
    words: dict[str, str] = {}
    where: dict[str, str] = {}
    for path in sorted((WORDS / lang).glob("*.yaml")):
        entries = read_yaml(path) or {}
        for key, text in entries.items():
            if key in words:
                raise ValueError(f"{path.name}: key {key!r} is already defined in {where[key]}")
            words[key], where[key] = str(text), path.name
    return words


def has(key: str, lang: str = "zh") -> bool:
    """Whether the catalogue holds ``key``."""
    return key in catalogue(lang)


def t(key: str, lang: str = "zh", /, **values: Any) -> str:
    """The text of ``key`` in ``lang`` with ``{placeholders}`` filled from ``values``; a metric key
    not in the catalogue gives the metric's name; an unknown key is returned as it is (codes from
    the data, such as a channel name, pass through)."""
    text = catalogue(lang).get(key)
    if text is None:
        metric = METRICS.get(key)
        if metric is None:
            return key
        text = metric.name(lang)
    return text.format(**values) if values else text
