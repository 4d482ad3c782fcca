"""Category benchmarks (METRICS.md rules of thumb) and how a session's value compares with them.

``resources/benchmarks.yaml`` holds them per category (``general`` applies to all, a category
overrides or adds); each names its source (``rule_of_thumb`` or ``platform``) and the sentence it
cites.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import cast

from helpers.metrics.definitions import METRICS
from helpers.paths import RESOURCES, read_yaml

CATEGORIES = ("general", "apparel", "beauty", "food")


@dataclass(frozen=True)
class Benchmark:
    """A reference range for one metric: ``low``/``high`` bounds (either may be None)."""

    metric: str
    low: float | None
    high: float | None
    source: str
    cite: str
    category: str

    @property
    def reference(self) -> float:
        """One number to show: the range's midpoint, or its only bound."""
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return self.low if self.low is not None else float(cast(float, self.high))

    def flag(self, value: float | None) -> str | None:
        """``below``, ``within`` or ``above`` the range (None when value is None)."""
        if value is None or value != value:
            return None
        if self.low is not None and value < self.low:
            return "below"
        if self.high is not None and value > self.high:
            return "above"
        return "within"

    def is_bad(self, value: float | None) -> bool:
        """Whether the value falls on the bad side, given the metric's good direction."""
        f = self.flag(value)
        hib = METRICS[self.metric].higher_is_better
        return (f == "below" and hib is True) or (f == "above" and hib is False)


@cache
def _raw() -> dict:
    return read_yaml(RESOURCES / "benchmarks.yaml")


def benchmarks(category: str = "general") -> dict[str, Benchmark]:
    """The benchmarks that apply to a category (``general`` merged with the category's own)."""
    raw = _raw()
    if category not in raw:
        raise ValueError(f"unknown benchmark category {category!r}; categories: {', '.join(raw)}")
    out: dict[str, Benchmark] = {}
    for cat in ("general", category):
        for metric, b in (raw.get(cat) or {}).items():
            if metric not in METRICS:
                raise ValueError(f"benchmarks.yaml: {cat}.{metric} is not a metric key")
            out[metric] = Benchmark(
                metric,
                b.get("low"),
                b.get("high"),
                b.get("source", "rule_of_thumb"),
                b.get("cite", ""),
                cat,
            )
    return out
