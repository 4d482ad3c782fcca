"""Every report kind × store variant (tests/store_variants.py): no section fails on a store that
passes the canonical schema; a section that cannot run names the table it needs.

Fast cells call each report's sections directly and assert every outcome is ``ok`` or ``needs``
(never ``failed``), with the expected ones ok and the missing tables really missing. Slow cells
render each kind once per variant family through :func:`helpers.pipeline.render.render` and assert
the run
is ok, the HTML says which sections were left out and why, and holds no traceback.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from store_variants import VARIANTS, make_variant, sample_store

from helpers.data import schema
from helpers.data.store import load_table
from helpers.pipeline.render import REPORT_KINDS
from helpers.present import sections

WEEK = "2026-W47"  # the sample's second week


@pytest.fixture(scope="session")
def variant_stores(tmp_path_factory) -> dict[str, Path]:
    """The bundled sample ingested once, cut to every variant once."""
    root = tmp_path_factory.mktemp("matrix")
    full = sample_store(root / "sample")
    return {name: make_variant(full, name, root / name) for name in VARIANTS}


def _segments(store: Path) -> dict[str, sections.Outcome]:
    from helpers import audience as sg

    return sg.run_all(sg.load_scope(str(store), week=WEEK))


def _conversion(store: Path) -> dict[str, sections.Outcome]:
    from helpers import audience as sg
    from helpers.models import report as cv

    return cv.run_all(sg.load_scope(str(store), week=WEEK))


def _comments(store: Path) -> dict[str, sections.Outcome]:
    from helpers.comments import analysis

    return analysis.run_all(analysis.open_comments("", str(store)))


def _ingest(store: Path) -> dict[str, sections.Outcome]:
    from helpers.ingest import report

    return report.run_all(store)


DIRECT = {
    "ingest": _ingest,
    "segments": _segments,
    "conversion": _conversion,
    "comments": _comments,
}

_NO_VIEWERS_SEGMENTS = {
    "segments.rfm",
    "segments.buyers_new_returning",
    "segments.first_order_aov",
    "segments.commenters",
    "segments.channels",
}
_NO_VIEWERS_CONVERSION = {
    "conversion.sessions",
    "conversion.counts",
    "conversion.elasticity",
    "conversion.ab",
}
_COMMENTS = {
    "comments.intents",
    "comments.minutes",
    "comments.explanations",
    "comments.unanswered",
    "comments.complaints",
    "comments.integrity",
}
_INGEST = {"ingest.files", "ingest.quarantine", "ingest.checks", "ingest.contents"}

#: The sections each variant must run (every other section must say what it needs).
EXPECT_OK: dict[str, set[str]] = {
    "full": {"*"},
    "no_viewers": _INGEST | _NO_VIEWERS_SEGMENTS | _NO_VIEWERS_CONVERSION | _COMMENTS,
    "no_viewers_comments": _INGEST
    | (_NO_VIEWERS_SEGMENTS - {"segments.commenters"})
    | _NO_VIEWERS_CONVERSION,
    "required_only": _INGEST
    | {"segments.channels", "conversion.sessions", "conversion.counts", "conversion.ab"}
    | (_COMMENTS - {"comments.unanswered"}),
    "session_list_only": _INGEST | {"conversion.sessions", "conversion.ab"},
    "orders_session_list": _INGEST
    | {
        "segments.rfm",
        "segments.buyers_new_returning",
        "segments.first_order_aov",
        "conversion.sessions",
        "conversion.ab",
    },
    "daily_overview_only": _INGEST,
}


def _really_missing(store: Path, table: str, column: str | None) -> bool:
    """Whether the store lacks ``table`` (or its ``column``, or every value of it)."""
    df = load_table(table, store) if table in schema.TABLES else None
    if df is None or df.height == 0:
        return True
    return column is not None and (column not in df.columns or df[column].null_count() == df.height)


#: Cells that fit viewer-level models on 8,400 viewers (clusters, logit: 10–20 s); the models
#: themselves are tested in test_segments.py / test_models.py.
_HEAVY = {("segments", "full"), ("conversion", "full")}


def _direct_cases() -> list:
    return [
        pytest.param(
            kind,
            variant,
            id=f"{kind}-{variant}",
            marks=[pytest.mark.slow] if (kind, variant) in _HEAVY else [],
        )
        for kind in sorted(DIRECT)
        for variant in VARIANTS
    ]


@pytest.mark.parametrize(("kind", "variant"), _direct_cases())
def test_sections_run_or_name_what_they_need(kind: str, variant: str, variant_stores) -> None:
    store = variant_stores[variant]
    outcomes = DIRECT[kind](store)
    assert outcomes, kind
    expected_ok = EXPECT_OK[variant]
    for key, out in outcomes.items():
        assert out.status in ("ok", "needs"), (key, out.status, out.error)
        should_run = "*" in expected_ok or key in expected_ok
        assert out.ok == should_run, (key, out.status, [n.key() for n in out.missing])
        for need in out.missing:  # the sentence names a table (or column) the store really lacks
            assert all(_really_missing(store, t, c) for t, c in need.alternatives), (
                key,
                need.key(),
            )
            assert sections.needs_text(out, "zh").startswith("本节需要")


def test_a_daily_overview_alone_names_the_session_list(variant_stores) -> None:
    outcomes = {
        **_segments(variant_stores["daily_overview_only"]),
        **_conversion(variant_stores["daily_overview_only"]),
    }
    session_model = outcomes["conversion.sessions"]
    assert session_model.status == "needs" and [n.key() for n in session_model.missing] == [
        "sessions",
        "session_totals",
    ]
    assert "场次列表（sessions 表）" in sections.needs_text(session_model, "zh")


# --------------------------------------------------------------------------------------------
# One render per kind and variant family
# --------------------------------------------------------------------------------------------

#: The variant family besides ``no_viewers`` each kind is rendered on: a daily overview alone
#: where the kind can read one, the session list alone where it needs a session.
SECOND_FAMILY = {
    "ingest": "daily_overview_only",
    "segments": "daily_overview_only",
    "conversion": "daily_overview_only",
    "comments": "daily_overview_only",
    "weekly": "daily_overview_only",
    "room": "daily_overview_only",
    "session": "session_list_only",
    "pitch": "session_list_only",
}
KINDS = ("ingest", "session", "segments", "conversion", "comments", "weekly", "room", "pitch")


def _params(kind: str, store: Path) -> dict:
    if kind in ("segments", "conversion", "weekly"):
        return {"store": str(store), "week": WEEK}
    return {"store": str(store)}


def _render_cases() -> list:
    cases = []
    for kind in KINDS:
        for variant in ("no_viewers", SECOND_FAMILY[kind]):
            marks = [pytest.mark.slow]
            if kind not in REPORT_KINDS:
                marks.append(
                    pytest.mark.skip(reason=f"report kind {kind!r} is not in REPORT_KINDS yet")
                )
            cases.append(pytest.param(kind, variant, marks=marks, id=f"{kind}-{variant}"))
    return cases


@pytest.mark.parametrize(("kind", "variant"), _render_cases())
def test_report_renders_and_says_what_it_left_out(
    kind: str, variant: str, variant_stores, tmp_path
) -> None:
    from helpers.pipeline.render import render

    result = render(kind, _params(kind, variant_stores[variant]), tmp_path / kind)
    assert result.ok, result.error
    assert result.data["report"]["status"] == "ok"
    text = result.html.read_text("utf-8")
    assert "Traceback" not in text
    for skipped in result.data.get("sections_skipped") or []:
        for key in skipped["missing"]:
            sentence = sections.Need.parse(key).text("zh")
            assert html.escape(sentence) in text or sentence in text, (skipped["section"], sentence)
