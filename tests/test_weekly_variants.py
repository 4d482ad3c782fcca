"""The weekly report on every store variant of the bundled sample: every section runs or says what
it lacks, in the report's language; the report's entry (:func:`helpers.weekly.open_week`) and
summary; the command line's precedence; the notebook rendered on the session-list-only and
daily-overview-only stores."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from store_variants import VARIANTS, make_variant, sample_store

from helpers import weekly as wr
from helpers.data import weeks as dw
from helpers.present import sections

_CJK = re.compile(r"[\u4e00-\u9fff]")


# ---- every store variant


@pytest.fixture(scope="module")
def variant_stores(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("weekly_variants")
    full = sample_store(root / "full")
    return {"full": full, **{v: make_variant(full, v, root / v) for v in VARIANTS if v != "full"}}


SKIPPED = {  # what each variant cannot support (every other section runs)
    "full": set(),
    "no_viewers": {"week_audience"},
    "no_viewers_comments": {"week_audience", "week_comments"},
    "required_only": {
        "week_hero_alerts",
        "week_hosts",
        "week_products",
        "week_audience",
        "week_rfm",
    },
    "session_list_only": {
        "week_hero_alerts",
        "week_products",
        "week_audience",
        "week_rfm",
        "week_comments",
        "week_hours",
    },
    "orders_session_list": {
        "week_hero_alerts",
        "week_products",
        "week_audience",
        "week_comments",
        "week_hours",
    },
    "daily_overview_only": {
        "week_board",
        "week_alerts",
        "week_hero_alerts",
        "week_hosts",
        "week_products",
        "week_audience",
        "week_rfm",
        "week_comments",
        "week_hours",
        "week_reviews",
    },
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_sections_on_every_variant(variant: str, variant_stores: dict[str, Path]) -> None:
    sections.reset()
    report = wr.open_week(variant_stores[variant], "last", lang="en")
    data, outs = report.data, report.outcomes
    assert data.week == "2026-W47" and data.trailing == ["2026-W46"]
    assert data.basis == ("room_days" if variant == "daily_overview_only" else "sessions")
    assert tuple(outs) == wr.SECTIONS  # every section, in report order
    assert {k for k, o in outs.items() if o.status == "failed"} == set()
    assert {k for k, o in outs.items() if o.status == "needs"} == SKIPPED[variant]
    for key in outs:
        if key in wr.display.VIEWS:
            shown = wr.section(report, key, "en")
            assert not any(isinstance(o, sections.Outcome) for o in shown), key
            for o in shown:  # every label in the report's language (data such as names aside)
                words = (
                    " ".join(map(str, o.df.columns)) + (o.caption or "")
                    if hasattr(o, "df")
                    else o.text
                )
                if key != "week_reviews":
                    assert not _CJK.search(words), (key, words)
    assert [
        o.key for o in sections.LOG if o.status == "failed"
    ] == []  # no display step failed either
    # the week's GMV is the same whichever tables hold it (orders, trend, totals, room-days)
    assert outs["week_glance"].value.filter(pl.col("metric") == "gmv")["this_week"][
        0
    ] == pytest.approx(217158.3)


def test_open_week_checks_parameters_and_summary_reads_its_sections(
    variant_stores: dict[str, Path],
) -> None:
    """``open_week`` refuses an unknown category; rooms are a comma-separated string; the summary
    of an opened report carries the glance's GMV, the alerts of both alert sections and the
    hosts."""
    store = variant_stores["full"]
    with pytest.raises(ValueError, match="category must be one of"):
        wr.open_week(store, "last", category="cars")
    assert wr.report.room_list(" A, ,B ") == ["A", "B"] and wr.report.room_list(["A "]) == ["A"]
    report = wr.open_week(store, "last")
    s = wr.build_summary(report)
    assert s["week"] == "2026-W47" and s["kpis"]["gmv"] == pytest.approx(217158.3)
    alerts = wr.alert_table(report["week_alerts"], report["week_hero_alerts"])
    assert s["alerts"] == alerts.to_dicts()
    assert [h["host"] for h in s["hosts"]] == report["week_hosts"].value["host"].to_list()


def test_rfm_segments_in_words() -> None:
    assert [wr.views_detail.segment_name(s, "zh") for s in ("at_risk", "none", "x")] == [
        "流失风险",
        "此前未购买",
        "x",
    ]
    assert wr.views_detail.segment_name("needs_attention", "en") == "needs attention"


def test_daily_overview_only_has_a_week(variant_stores: dict[str, Path]) -> None:
    """Only room_days: ``last`` resolves, the week has data (the run does not stop at "no
    sessions"), the glance is the room-days' totals, and the reviews section says why none."""
    store = variant_stores["daily_overview_only"]
    assert dw.resolve_week("last", store) == "2026-W47" and dw.has_data(store, "2026-W47")
    assert not dw.has_data(store, "2026-W40")
    data = wr.load_week(store, "2026-W47")
    days = pl.read_parquet(sorted(store.glob("room_days/*/*/*.parquet")))
    week_gmv = days.filter(
        (pl.col("metric") == "gmv") & (pl.col("date") >= dw.parse_week("2026-W47"))
    )["value"].sum()
    g = {r["metric"]: r for r in wr.glance(data).iter_rows(named=True)}
    assert g["gmv"]["this_week"] == pytest.approx(week_gmv)
    shown = wr.show(wr.run("week_reviews", data, []), "en", data=data)
    assert "daily room overview" in shown[0].text and "no session reviews" in shown[0].text


# ---- CLI precedence


def test_command_line_flag_wins_over_params(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers.cli import build_parser
    from helpers.pipeline import weekly

    seen: dict = {}

    class Stop(Exception):
        pass

    def fake_run(week, **kw):
        seen.update(kw, week=week)
        raise Stop

    monkeypatch.setattr(weekly, "run_weekly", fake_run)
    p = tmp_path / "w.yaml"
    p.write_text("week: 2026-W40\njobs: 2\nlang: en\n")
    for argv, want in (
        (["--jobs", "1", "--lang", "zh", "--week", "last"], (1, "zh", "last")),
        ([], (2, "en", "2026-W40")),
    ):
        args = build_parser().parse_args(["report", "weekly", "--params", str(p), *argv])
        with pytest.raises(Stop):
            weekly.cli_weekly(args)
        assert (seen["jobs"], seen["lang"], seen["week"]) == want


# ---- renders


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["session_list_only", "daily_overview_only"])
def test_weekly_notebook_renders(
    variant: str, variant_stores: dict[str, Path], tmp_path: Path
) -> None:
    from helpers.pipeline.render import render

    out = tmp_path / variant
    r = render(
        "weekly",
        {"week": "last", "store": str(variant_stores[variant]), "reviews": []},
        out,
        lang="en",
    )
    assert r.ok, r.error
    s = json.loads((out / "summary.json").read_text())
    assert (
        s["sections_failed"] == []
        and {x["section"] for x in s["sections_skipped"]} == SKIPPED[variant]
    )
    assert s["trailing"]["weeks"][0]["week"] == "2026-W46" and s["verdict"]["gmv"] == pytest.approx(
        217158.3
    )
    html = (out / "report.html").read_text("utf-8")
    assert "Weekly report" in html and "METRICS.md" not in html
