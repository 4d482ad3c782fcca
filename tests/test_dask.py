"""The weekly fan-out on a Dask distributed cluster: two worker processes render a two-session
week's reviews (``--executor dask://HOST:PORT``), the weekly report lists them, and a second run
through the cluster finds nothing stale."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")

pytestmark = pytest.mark.slow
WEEK = "2026-W47"


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as c,
        distributed.Client(c) as client,
    ):
        yield c, set(client.run(os.getpid).values())


def test_weekly_on_a_dask_cluster(cluster, tmp_path: Path) -> None:
    from helpers.data.store import write_session_tables
    from helpers.pipeline.weekly import run_weekly
    from helpers.sim.simulate import simulate_week

    c, worker_pids = cluster
    week = simulate_week(seed=7, viewers=300, sessions=2, week=WEEK, weeks=2)  # W46 is history
    store = tmp_path / "store"
    write_session_tables({k: v for k, v in week.tables.items() if k != "targets"}, store)
    address = "dask://" + c.scheduler_address.removeprefix("tcp://")
    out = tmp_path / "reports" / "weekly" / WEEK

    outcome = run_weekly(WEEK, store=store, out=out, executor=address, category="apparel")
    assert len(outcome.sessions) == 2
    assert all(r.ok and not r.reused for r in outcome.sessions), [r.error for r in outcome.sessions]
    # each review rendered in a cluster worker process, not in this one
    pids = {int(r.worker.rsplit(":", 1)[1]) for r in outcome.sessions}
    assert pids <= worker_pids and os.getpid() not in pids
    run = json.loads((out / "run.json").read_text("utf-8"))
    assert [s["reason"] for s in run["sessions"]] == ["missing", "missing"]
    for r in outcome.sessions:
        html = (out / "sessions" / r.target / "report.html").read_text("utf-8")
        assert re.search(r'<script [^>]*src="\.\./\.\./plotly\.min\.js"', html)
        assert len(html.encode()) < 1_000_000  # plotly.js is not embedded
    assert (out / "plotly.min.js").stat().st_size > 1_000_000

    again = run_weekly(WEEK, store=store, out=out, executor=address, category="apparel")
    assert again.nothing_stale and all(r.reused for r in again.sessions)
