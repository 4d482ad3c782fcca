"""Staleness by content: an upgrade that changes a metric definition (a copy of ``helpers`` with UV
value redefined, first on PYTHONPATH) re-renders the week's reviews with the new definition; the
run after that finds nothing stale. Tiny templates, real weekly command in fresh processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jupytext
import nbformat
import polars as pl
import pytest

from helpers.data.schema import TZ
from helpers.data.store import write_session_tables
from helpers.paths import PACKAGE_DIR

pytestmark = pytest.mark.slow
WEEK = "2026-W47"
SIDS = ["dy-demo-20261116-2000", "dy-demo-20261118-2000"]
MUTATION = (
    "\n# staleness test: UV value divided by views (PV) instead of viewers\n"
    'RATIOS["uv_value"] = ("gmv", "views", 1.0)\n'
)
SESSION_NB = [
    'session_id: str = ""\nstore: str = ""\ntargets: str = ""\ncategory: str = "general"\n'
    'lang: str = "zh"\nsummary_path: str = ""',
    "from helpers.metrics import definitions as metrics\n"
    "from helpers.pipeline.render import write_summary\n"
    'write_summary({"uv_denominator": metrics.RATIOS["uv_value"][1]}, summary_path)',
]
WEEKLY_NB = [
    'week: str = ""\nstore: str = ""\nrooms: str = ""\ncategory: str = "general"\n'
    'reviews: list = []\nlang: str = "zh"\nsummary_path: str = ""',
    "from helpers.pipeline.render import write_summary\n"
    'write_summary({"sessions": len(reviews)}, summary_path)',
]


def _notebook(cells: list[str], path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.cells[0].metadata["tags"] = ["parameters"]
    jupytext.write(nb, path, fmt="py:percent")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    (root / "notebooks").mkdir(parents=True)
    _notebook(SESSION_NB, root / "notebooks" / "20-session-review.py")
    _notebook(WEEKLY_NB, root / "notebooks" / "90-weekly-report.py")
    starts = [datetime(2026, 11, d, 20, tzinfo=ZoneInfo(TZ)) for d in (16, 18)]
    sessions = pl.DataFrame(
        {
            "session_id": SIDS,
            "platform": ["douyin"] * 2,
            "room": ["demo"] * 2,
            "start_ts": starts,
            "end_ts": [s.replace(hour=23) for s in starts],
        }
    )
    write_session_tables({"sessions": sessions}, root / "store")
    return root


def _weekly(home: Path, pythonpath: Path | None = None) -> dict:
    env = {**os.environ, "WORKBOOK_HOME": str(home)}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    out = home / "reports" / "weekly" / WEEK
    cmd = [
        sys.executable,
        "-m",
        "helpers.cli",
        "report",
        "weekly",
        "--week",
        WEEK,
        "--store",
        str(home / "store"),
        "--out",
        str(out),
    ]
    res = subprocess.run(cmd, env=env, cwd=home, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    run = json.loads((out / "run.json").read_text("utf-8"))
    run["denominators"] = [
        json.loads((out / "sessions" / s / "summary.json").read_text("utf-8"))["uv_denominator"]
        for s in SIDS
    ]
    return run


def test_a_changed_metric_definition_re_renders_then_nothing_is_stale(
    home: Path, tmp_path: Path
) -> None:
    first = _weekly(home)
    assert [s["reason"] for s in first["sessions"]] == ["missing", "missing"]
    assert first["denominators"] == ["viewers", "viewers"]

    upgraded = tmp_path / "upgraded"
    shutil.copytree(PACKAGE_DIR, upgraded / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    metrics = upgraded / "helpers" / "metrics" / "definitions.py"
    metrics.write_text(metrics.read_text("utf-8") + MUTATION, encoding="utf-8")
    second = _weekly(home, upgraded)
    assert second["run_id"] != first["run_id"]
    assert [(s["reused"], s["reason"]) for s in second["sessions"]] == [(False, "code changed")] * 2
    assert (
        second["sessions"][0]["fingerprint"]["code"] != first["sessions"][0]["fingerprint"]["code"]
    )
    assert second["denominators"] == ["views", "views"]  # rendered with the new definition

    third = _weekly(home, upgraded)
    assert third["run_id"] == second["run_id"]  # nothing stale: the folder was left as it is
