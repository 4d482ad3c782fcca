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

from helpers.present.i18n import has, t

log = logging.getLogger(__name__)


def knows_table(table: str) -> bool:
    """Whether sentences name ``table`` by what it holds (a canonical table the catalogue knows)."""
    return has(f"sections.table_{table}")


def table_name(table: str, lang: str) -> str:
    """A canonical table as a sentence names it (``the viewer-level rows (viewers table)``)."""
    key = f"sections.table_{table}"
    return t(key, lang) if has(key, lang) else t("sections.table_unknown", lang, table=table)


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
        """The need in words: its alternatives (tables, or a column of one) joined by "or"."""
        parts = []
        for table, column in self.alternatives:
            name = table_name(table, lang)
            parts.append(
                t("sections.column_of", lang, table=name, column=column) if column else name
            )
        return t("sections.or", lang).join(parts)

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
    has no history to compare with, ...): the outcome is ``needs`` with this sentence, the
    catalogue's ``key`` filled with ``values``."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(t(key, "en", **values))
        self.key = key
        self.values = values


@dataclass
class Outcome:
    """What a section produced: ``status`` is ``ok``, ``needs`` or ``failed``."""

    key: str
    status: str
    value: Any = None
    missing: list[Need] = field(default_factory=list)
    error: str | None = None
    reason: Unavailable | None = None  # the section's own sentence when it is unavailable

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def reason_text(self, lang: str) -> str | None:
        """The section's own sentence saying why it is unavailable (None if it said none)."""
        if self.reason is None:
            return None
        return t(self.reason.key, lang, **self.reason.values)

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.key,
            "status": self.status,
            "missing": [n.key() for n in self.missing],
            "error": self.error,
            "reason": self.reason_text("en"),
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
        fn.section_key = key  # type: ignore[attr-defined]  # a marker on the function object
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
            out = Outcome(key, "needs", reason=u)
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
        return out.reason_text(lang) or ""
    if out.status == "needs":
        what = t("sections.list_sep", lang).join(n.text(lang) for n in out.missing)
        return t("sections.needs", lang, what=what)
    if out.status == "failed":
        return t("sections.failed", lang, error=out.error)
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
