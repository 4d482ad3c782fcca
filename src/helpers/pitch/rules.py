"""The pitch rules as data: elements, hook elements and answer topics (``elements.yaml``) and the
compliance list (``compliance.yaml``), loaded once and compiled to alternation regexes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.paths import RESOURCES, read_yaml
from helpers.present.i18n import LANGS

ELEMENTS_PATH = RESOURCES / "pitch" / "elements.yaml"
COMPLIANCE_PATH = RESOURCES / "pitch" / "compliance.yaml"
SEVERITIES = ("high", "medium", "low")


def alternation(patterns: list[str] | str) -> str:
    """One regex matching any of ``patterns``."""
    if isinstance(patterns, str):
        patterns = [patterns]
    return "|".join(f"(?:{p})" for p in patterns)


def _names(entry: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(language, name) of a rule (the rule file names it in every language next to its
    patterns, as the metric registry does for metrics); a tuple, so rules stay hashable."""
    return tuple((lang, str(entry[lang])) for lang in LANGS)


@dataclass(frozen=True)
class Element:
    key: str
    names: tuple[tuple[str, str], ...]
    pattern: str

    def name(self, lang: str = "zh") -> str:
        return dict(self.names)[lang]


@dataclass(frozen=True)
class ElementRules:
    fixes: tuple[tuple[str, str], ...]
    elements: dict[str, Element]
    hooks: tuple[str, ...]
    topics: dict[str, str]


@dataclass(frozen=True)
class ComplianceRule:
    id: str
    names: tuple[tuple[str, str], ...]
    severity: str
    law: str
    pattern: str

    def name(self, lang: str = "zh") -> str:
        return dict(self.names)[lang]


@dataclass(frozen=True)
class ComplianceRules:
    allowed: str
    rules: tuple[ComplianceRule, ...]  # most severe first


@functools.lru_cache(maxsize=4)
def element_rules(path: str | Path = ELEMENTS_PATH) -> ElementRules:
    """The element rules of ``elements.yaml`` (cached)."""
    raw = read_yaml(path)
    elements = {
        k: Element(k, _names(v), alternation(v["patterns"])) for k, v in raw["elements"].items()
    }
    unknown = [h for h in raw["hook_elements"] if h not in elements]
    if unknown:
        raise ValueError(f"{path}: hook_elements names unknown element(s) {', '.join(unknown)}")
    return ElementRules(
        fixes=tuple((f["pattern"], f["to"]) for f in raw.get("asr_fixes") or []),
        elements=elements,
        hooks=tuple(raw["hook_elements"]),
        topics={k: alternation(v) for k, v in raw["answer_topics"].items()},
    )


@functools.lru_cache(maxsize=4)
def compliance_rules(path: str | Path = COMPLIANCE_PATH) -> ComplianceRules:
    """The compliance list of ``compliance.yaml``, most severe rules first (cached)."""
    raw = read_yaml(path)
    rules = [
        ComplianceRule(r["id"], _names(r), r["severity"], r["law"], alternation(r["patterns"]))
        for r in raw["rules"]
    ]
    bad = [r.id for r in rules if r.severity not in SEVERITIES]
    if bad:
        raise ValueError(f"{path}: unknown severity in rule(s) {', '.join(bad)}")
    rules.sort(key=lambda r: SEVERITIES.index(r.severity))  # stable: YAML order within a severity
    return ComplianceRules(alternation(raw["allowed"]), tuple(rules))
