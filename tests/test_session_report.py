"""The session report end to end on the simulated week: `workbook report session` writes the
executed notebook, an offline report.html and a summary.json whose KPIs equal those of
helpers.metrics.definitions."""

from __future__ import annotations

import json
import re
import warnings
from argparse import Namespace

import pytest

from helpers.data.store import load_session
from helpers.metrics import definitions as metrics

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(sim_week, sim_store, tmp_path_factory):
    from helpers.pipeline.commands import cli_report

    sid = sim_week.truth["integrity"]["session_id"]  # the session with planted fabrication
    targets = tmp_path_factory.mktemp("targets") / "targets.csv"
    targets.write_text("metric,target\ngmv,1000000\nconversion_rate,0.05\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("report") / "session"
    args = Namespace(
        kind="session",
        session_id=sid,
        store=str(sim_store),
        out=str(out),
        lang="en",
        targets=str(targets),
        category="apparel",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cli_report(args) == 0
    return sid, out, [str(w.message) for w in caught]


def test_outputs_and_summary_keys(rendered, sim_store):
    sid, out, _ = rendered
    assert {p.name for p in out.iterdir()} >= {
        "20-session-review.ipynb",
        "report.html",
        "summary.json",
    }
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["report"]["status"] == "ok" and summary["session_id"] == sid
    expected = metrics.session_kpis(load_session(sid, sim_store))
    for key, value in expected.items():
        assert summary[key] == (pytest.approx(value) if value is not None else None), key
    assert summary["as_of"].startswith("2026-11-")
    assert summary["kpi_sources"]["gmv"] == "orders"
    # the file's targets override the store's for the same metric; the store's others still apply
    assert summary["targets"]["gmv"] == 1000000.0 and summary["targets"]["conversion_rate"] == 0.05
    assert "viewers" in summary["targets"]
    assert any(a["metric"] == "gmv" and a["kind"] == "target" for a in summary["alerts"])
    assert summary["findings"] and summary["findings"][0]["rank"] == 1
    assert summary["integrity"]["bursts"]["burst_minutes"] >= 1


def test_the_run_warns_of_nothing(rendered):
    """The exporter's warm-up and the conversion leave the analyst's terminal clean."""
    _, _, caught = rendered
    assert caught == []


def test_html_is_offline_english_and_small(rendered):
    _, out, _ = rendered
    html = (out / "report.html").read_text("utf-8")
    assert len(html.encode()) < 8_000_000
    assert not re.search(r'<script[^>]+src="https?://', html), "a script from the network"
    assert "Headline KPIs vs targets and benchmarks" in html and "What to change next time" in html
    assert "核心指标" not in html  # headings follow lang=en
    assert html.count("plotly.min.js") <= 1 or html.count("window.Plotly = Plotly") == 1
