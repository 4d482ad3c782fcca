"""Report sections as units that declare what they need and never take the notebook down.

A section is a function registered with :func:`section`, naming the canonical tables and columns it
cannot do without (``"viewers"``, ``"products.orders"``, alternatives as ``"trend.orders|orders"``).
:func:`run` checks those needs against whatever tables are present and returns an :class:`Outcome`:

- ``ok``: the section's result in ``value``;
- ``needs``: what is missing, which a notebook shows as one sentence (:func:`needs_text`);
- ``failed``: the error, shown in place; the run's ``summary.json`` lists it in ``sections_failed``.

Every outcome of a kernel is recorded in :data:`LOG`, which :func:`summary_block` turns into the
``sections`` keys of ``summary.json`` and the runner reads to set the exit status.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

log = logging.getLogger(__name__)

# What each table is called in a sentence; a missing column is named as ``table.column``.
TABLE_NAMES: dict[str, tuple[str, str]] = {
    "sessions": ("场次列表（sessions 表）", "the session list (sessions table)"),
    "session_totals": (
        "平台整场汇总（session_totals 表）",
        "the platform's session totals (session_totals table)",
    ),
    "room_days": ("直播间每日概览（room_days 表）", "the daily room overview (room_days table)"),
    "trend": ("分钟趋势（trend 表）", "the minute trend (trend table)"),
    "events": ("场记/讲解记录（events 表）", "the run sheet (events table)"),
    "products": ("商品明细（products 表）", "the product table (products table)"),
    "viewers": ("观众明细（viewers 表）", "viewer-level rows (viewers table)"),
    "orders": ("订单明细（orders 表）", "order lines (orders table)"),
    "comments": ("弹幕（comments 表）", "comments (comments table)"),
    "traffic": ("流量来源（traffic 表）", "traffic sources (traffic table)"),
    "targets": ("目标（targets 表）", "targets (targets table)"),
    "audience_profile": (
        "人群画像（audience_profile 表）",
        "the audience portrait (audience_profile table)",
    ),
    "transcript": ("主播话术转写（transcript 表）", "the host's transcript (transcript table)"),
}


@dataclass(frozen=True)
class Need:
    """One requirement: a table, or a column of it; any of ``alternatives`` satisfies it."""

    alternatives: tuple[tuple[str, str | None], ...]

    @classmethod
    def parse(cls, spec: str) -> Need:
        alts = []
        for part in spec.split("|"):
            table, _, column = part.strip().partition(".")
            alts.append((table, column or None))
        return cls(tuple(alts))

    def met(self, tables: Mapping[str, pl.DataFrame | None]) -> bool:
        return any(_present(tables.get(t), c) for t, c in self.alternatives)

    def text(self, lang: str) -> str:
        parts = []
        for table, column in self.alternatives:
            name = TABLE_NAMES.get(table, (f"{table} 表", f"the {table} table"))[
                0 if lang == "zh" else 1
            ]
            if column:
                parts.append(
                    f"{name}的 {column} 列" if lang == "zh" else f"the {column} column of {name}"
                )
            else:
                parts.append(name)
        return ("或".join(parts)) if lang == "zh" else " or ".join(parts)

    def key(self) -> str:
        return "|".join(f"{t}.{c}" if c else t for t, c in self.alternatives)


def _present(df: pl.DataFrame | None, column: str | None) -> bool:
    if df is None or df.height == 0:
        return False
    if column is None:
        return True
    return column in df.columns and df[column].null_count() < df.height


class Unavailable(Exception):
    """Raised by a section whose tables are present but cannot support it (a room's first session
    has no history to compare with, ...): the outcome is ``needs`` with this sentence."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.text = {"zh": zh, "en": en}


@dataclass
class Outcome:
    """What a section produced: ``status`` is ``ok``, ``needs`` or ``failed``."""

    key: str
    status: str
    value: Any = None
    missing: list[Need] = field(default_factory=list)
    error: str | None = None
    reason: dict[str, str] | None = None  # a section's own sentence (zh, en) when it is unavailable

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.key,
            "status": self.status,
            "missing": [n.key() for n in self.missing],
            "error": self.error,
            "reason": (self.reason or {}).get("en"),
        }


@dataclass(frozen=True)
class Section:
    key: str
    needs: tuple[Need, ...]
    fn: Callable[..., Any]


REGISTRY: dict[str, Section] = {}
LOG: list[Outcome] = []


def section(
    key: str, needs: Iterable[str] = ()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as section ``key`` needing ``needs`` (table or ``table.column`` specs)."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[key] = Section(key, tuple(Need.parse(s) for s in needs), fn)
        fn.section_key = key  # type: ignore[attr-defined]
        return fn

    return wrap


def missing(key: str, tables: Mapping[str, pl.DataFrame | None]) -> list[Need]:
    """The needs of section ``key`` that ``tables`` do not meet."""
    return [n for n in REGISTRY[key].needs if not n.met(tables)]


def run(key: str, tables: Mapping[str, pl.DataFrame | None], *args: Any, **kwargs: Any) -> Outcome:
    """Run section ``key`` if ``tables`` meet its needs; never raises (the outcome says why not)."""
    sec = REGISTRY[key]
    gaps = missing(key, tables)
    if gaps:
        out = Outcome(key, "needs", missing=gaps)
    else:
        try:
            out = Outcome(key, "ok", value=sec.fn(*args, **kwargs))
        except Unavailable as u:
            out = Outcome(key, "needs", reason=u.text)
        except Exception as exc:  # a failing section must never fail the notebook
            log.warning("section %s failed:\n%s", key, traceback.format_exc())
            out = Outcome(key, "failed", error=f"{type(exc).__name__}: {exc}")
    LOG.append(out)
    return out


def guard(key: str, fn: Callable[[], Any]) -> Any:
    """Call ``fn`` (a section's display step); on error record ``key`` as failed and return the
    error sentence to show in its place."""
    try:
        return fn()
    except Exception as exc:
        log.warning("section %s failed while displaying:\n%s", key, traceback.format_exc())
        out = Outcome(key, "failed", error=f"{type(exc).__name__}: {exc}")
        LOG.append(out)
        return out


def needs_text(out: Outcome, lang: str = "zh") -> str:
    """One sentence saying what a section lacks or how it failed."""
    if out.status == "needs" and out.reason:
        return out.reason["zh" if lang == "zh" else "en"]
    if out.status == "needs":
        what = ("、" if lang == "zh" else "; ").join(n.text(lang) for n in out.missing)
        return (
            f"本节需要{what}，本场数据没有。"
            if lang == "zh"
            else f"This section needs {what}, which this data does not have."
        )
    if out.status == "failed":
        return f"本节计算出错：{out.error}" if lang == "zh" else f"This section failed: {out.error}"
    return ""


def summary_block() -> dict[str, list[dict[str, Any]]]:
    """``sections_failed`` and ``sections_skipped`` for ``summary.json`` (one entry per section)."""
    failed: dict[str, Outcome] = {}
    skipped: dict[str, Outcome] = {}
    for out in LOG:
        if out.status == "failed":
            failed[out.key] = out
        elif out.status == "needs" and out.key not in failed:
            skipped[out.key] = out
    return {
        "sections_failed": [o.as_dict() for o in failed.values()],
        "sections_skipped": [o.as_dict() for o in skipped.values() if o.key not in failed],
    }


def reset() -> None:
    """Forget recorded outcomes (a new report in the same kernel)."""
    LOG.clear()
