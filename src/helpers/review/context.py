"""Opening a review: validated parameters, the loaded session, the data note."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from helpers.data.store import Session
from helpers.review.headline import as_of

log = logging.getLogger(__name__)


@dataclass
class Context:
    """What every section needs: the loaded session, its targets, the benchmark category, language."""

    session: Session
    targets: dict[str, float]
    category: str
    lang: str
    store: str | None


def open_review(
    session_id: str,
    store: str | None,
    targets: str = "",
    category: str = "general",
    lang: str = "zh",
) -> Context:
    """Validate the notebook's parameters and load the session (the latest in the store when
    ``session_id`` is empty). Raises ValueError/KeyError with a clear message."""
    from helpers.data.store import list_sessions, load_session
    from helpers.metrics.benchmarks import _raw
    from helpers.metrics.targets import session_targets
    from helpers.paths import resolve

    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    if category not in _raw():
        raise ValueError(
            f"unknown benchmark category {category!r}; categories: {', '.join(_raw())}"
        )
    root = resolve(store) if store else None
    if root is not None and not root.exists():
        raise FileNotFoundError(
            f"store {root} does not exist (run `workbook ingest` or `workbook simulate` first)"
        )
    if not session_id:
        known = list_sessions(root)
        if known.height == 0:
            raise KeyError(f"the store {root} holds no sessions")
        session_id = known["session_id"][-1]
        log.info("no session_id given: reviewing the latest session %s", session_id)
    s = load_session(session_id, root)
    tg = session_targets(s.info, resolve(targets) if targets else None, root)
    return Context(s, tg, category, lang, str(root) if root else None)


def data_note(ctx: Context) -> dict[str, Any]:
    """The facts the report's opening sentence states: room, host, times, as-of, tables present."""
    s = ctx.session
    names = (
        "session_totals",
        "trend",
        "events",
        "products",
        "viewers",
        "orders",
        "comments",
        "traffic",
        *s.tables,
    )
    sep = "、" if ctx.lang == "zh" else ", "
    present = [_table_name(n, ctx.lang) for n in names if s.has(n)]
    missing = [_table_name(n, ctx.lang) for n in names if not s.has(n)]
    return {
        "session_id": s.session_id,
        "room": s.info.get("room"),
        "host": s.info.get("host") or "–",
        "start": f"{s.info['start_ts']:%Y-%m-%d %H:%M}",
        "end": f"{s.info['end_ts']:%H:%M}",
        "as_of": f"{as_of(s):%Y-%m-%d %H:%M}" if as_of(s) else "–",
        "present": sep.join(present) or "–",
        "missing": sep.join(missing) or "–",
        "targets": len(ctx.targets),
        "category": ctx.category,
    }


def _table_name(table: str, lang: str) -> str:
    """A table as a reader knows it (分钟趋势（trend 表）), from :data:`helpers.present.sections.TABLE_NAMES`."""
    from helpers.present.sections import TABLE_NAMES

    zh, en = TABLE_NAMES.get(table, (table, table))
    return zh if lang == "zh" else en
