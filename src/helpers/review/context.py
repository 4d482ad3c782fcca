"""Opening a review: validated parameters, the loaded session, every section's outcome.

:func:`open_review` is the report's one entry: it loads the session and runs the sections in the
order the report shows them (page 1 draws on several of them, so they run before it), keeping each
:class:`~helpers.present.sections.Outcome` in :attr:`Context.out` for the display functions of
:mod:`helpers.review.page`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from helpers.data.store import Session
from helpers.present import sections
from helpers.present.i18n import t
from helpers.review.headline import Headline, as_of, empty_headline

log = logging.getLogger(__name__)


@dataclass
class Context:
    """What every section needs (the loaded session, its targets, the benchmark category, language)
    and, once :func:`open_review` ran them, every section's outcome and the results page 1 and the
    findings share."""

    session: Session
    targets: dict[str, float]
    category: str
    lang: str
    store: str | None
    frames: Mapping[str, pl.DataFrame | None] = field(default_factory=dict)
    out: dict[str, sections.Outcome] = field(default_factory=dict)
    head: Headline | None = None  # the headline, or an empty one when it could not run
    ret: Any = None  # retention from viewer rows, else the drop-off from the minute trend
    acts: list[dict[str, Any]] = field(default_factory=list)
    found: list[dict[str, Any]] = field(default_factory=list)

    def value(self, key: str, default: Any = None) -> Any:
        """The result of section ``key``, or ``default`` when it did not run or could not."""
        res = self.out.get(key)
        return res.value if res is not None and res.ok else default

    def run(self, key: str, *args: Any, **kwargs: Any) -> sections.Outcome:
        """Run section ``key`` on this session's tables and keep its outcome."""
        self.out[key] = sections.run(key, self.frames, *args, **kwargs)
        return self.out[key]


def open_review(
    session_id: str,
    store: str | None,
    targets: str = "",
    category: str = "general",
    lang: str = "zh",
) -> Context:
    """Validate the notebook's parameters, load the session (the latest in the store when
    ``session_id`` is empty) and run every section. Raises ValueError/KeyError with a clear
    message on bad parameters."""
    ctx = load_review(session_id, store, targets, category, lang)
    ctx.frames = ctx.session.frames()
    _run_page_one(ctx)
    _run_sections(ctx)
    return ctx


def load_review(
    session_id: str,
    store: str | None,
    targets: str = "",
    category: str = "general",
    lang: str = "zh",
) -> Context:
    """The validated parameters and the loaded session, no section run yet."""
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


def _run_page_one(ctx: Context) -> None:
    """The verdict and the sections the actions draw on, then the actions."""
    from helpers.review.actions import candidates

    s = ctx.session
    head_out = ctx.run("review.headline", s, ctx.targets, ctx.category, ctx.store)
    head = ctx.head = head_out.value if head_out.ok else empty_headline(s)
    ctx.run("review.verdict", s, ctx.targets, ctx.store, kpis=head.kpis)
    for key in ("review.windows", "review.traffic", "review.retention", "review.promotions"):
        ctx.run(key, s)
    ret, promo = ctx.value("review.retention"), ctx.value("review.promotions")
    results = sections.guard(
        "review.actions",
        lambda: candidates(
            ctx.value("review.verdict"),
            head.kpis,
            head.intervals,
            windows=ctx.value("review.windows"),
            traffic=ctx.value("review.traffic"),
            leaving=ret.leaving if ret is not None else None,
            coupons=promo.coupons if promo is not None else None,
            category=ctx.category,
            lang=ctx.lang,
        ),
    )
    ctx.run("review.actions", results if isinstance(results, dict) else {}, ctx.lang)
    ctx.acts = ctx.value("review.actions", [])


def _run_sections(ctx: Context) -> None:
    """The sections after page 1, in the order the report shows them."""
    from helpers.review.products import Products

    s = ctx.session
    story = ctx.run("review.story", s).value
    ctx.ret = ctx.value("review.retention")
    if ctx.ret is None or not ctx.ret.summary.height:  # no viewer rows: the minute trend instead
        drop = ctx.run("review.dropoff", s, story)
        ctx.ret = drop.value if drop.ok else ctx.ret
    head = ctx.head
    assert head is not None
    ctx.run("review.funnel", s, head.kpis, head.sources)
    ctx.run("review.products", s)
    ranking = ctx.value("review.products", pl.DataFrame())
    ctx.run("review.explain", s)
    ctx.run("review.mix", ranking)
    ctx.run("review.audience", s)
    ctx.run("review.returning", s, ctx.store)
    ctx.run("review.comments", s)
    ctx.run("review.intents", s)
    if ctx.run("review.integrity", s).ok:  # each part the data cannot support says so
        for part in ("review.bursts", "review.duplicates"):
            if sections.missing(part, ctx.frames):
                ctx.run(part, s)
    empty = pl.DataFrame()
    prods = Products(ranking, ctx.value("review.explain", empty), ctx.value("review.mix", empty))
    integ = ctx.value("review.integrity")
    ctx.run(
        "review.findings",
        head,
        story,
        ctx.ret,
        prods,
        ctx.value("review.traffic"),
        integ,
        lang=ctx.lang,
    )
    ctx.found = ctx.value("review.findings", [])


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
    sep = t("review.list_sep", ctx.lang)
    present = [table_name(n, ctx.lang) for n in names if s.has(n)]
    missing = [table_name(n, ctx.lang) for n in names if not s.has(n)]
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


def table_name(table: str, lang: str) -> str:
    """A table as a reader knows it (分钟趋势（trend 表）), as :mod:`helpers.present.sections` names
    it in a sentence; a table the catalogue does not know by its own name."""
    return sections.table_name(table, lang) if sections.knows_table(table) else table
