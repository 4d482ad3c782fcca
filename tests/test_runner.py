"""The weekly runner on tiny template notebooks: two runs (the second replaces the first, nothing
stale the third time), a corrupted session export (the rest renders, exit 1), a held lock (exit 75),
plus the runner's parts (executor fan-out, staleness, lock, swap, latest pointer)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from argparse import Namespace
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import jupytext
import nbformat
import polars as pl
import pytest

from helpers.data import weeks
from helpers.data.schema import TZ
from helpers.data.store import write_session_tables
from helpers.pipeline import jobs as runner
from helpers.pipeline import staleness, weekly

SESSION_NB = [
    """session_id: str = ""
store: str = ""
targets: str = ""
category: str = "general"
lang: str = "zh"
summary_path: str = \"\"""",
    """import polars as pl
from pathlib import Path
files = sorted(Path(store).glob(f"viewers/platform=*/date=*/{session_id}.parquet"))
viewers = pl.read_parquet(files[0])
print("viewers", viewers.height)""",
    """from helpers.pipeline.render import write_summary
write_summary({"session_id": session_id, "viewers": viewers.height}, summary_path)""",
]
WEEKLY_NB = [
    """week: str = ""
store: str = ""
rooms: str = ""
category: str = "general"
reviews: list = []
lang: str = "zh"
summary_path: str = \"\"""",
    """failed = [r["session_id"] for r in reviews if r["status"] != "ok"]
print("failed", failed)""",
    """from helpers.pipeline.render import write_summary
write_summary({"week": week, "failed_sessions": failed, "sessions": len(reviews)}, summary_path)""",
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


SIDS = ["dy-demo-20261116-2000", "dy-demo-20261118-2000", "dy-demo-20261120-2000"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with tiny templates and a three-session store (W47) plus one W46 session."""
    root = tmp_path / "home"
    (root / "notebooks").mkdir(parents=True)
    _notebook(SESSION_NB, root / "notebooks" / "20-session-review.py")
    _notebook(WEEKLY_NB, root / "notebooks" / "90-weekly-report.py")
    monkeypatch.setenv("WORKBOOK_HOME", str(root))
    monkeypatch.chdir(root)
    ids = [*SIDS, "dy-demo-20261111-2000"]
    starts = [
        datetime(2026, 11, d, 20, tzinfo=__import__("zoneinfo").ZoneInfo(TZ))
        for d in (16, 18, 20, 11)
    ]
    sessions = pl.DataFrame(
        {
            "session_id": ids,
            "platform": ["douyin"] * 4,
            "room": ["demo"] * 4,
            "start_ts": starts,
            "end_ts": [s.replace(hour=23) for s in starts],
        }
    )
    viewers = pl.DataFrame(
        {
            "session_id": [s for s in ids for _ in range(3)],
            "viewer_id": [f"v{i}" for _ in ids for i in range(3)],
            "enter_ts": [s for s in starts for _ in range(3)],
            "watch_s": [60.0] * 12,
        }
    )
    write_session_tables({"sessions": sessions, "viewers": viewers}, root / "store")
    return root


def _args(root: Path, **kw: object) -> Namespace:
    base = {
        "week": "2026-W47",
        "jobs": 2,
        "params": "",
        "store": str(root / "store"),
        "out": None,
        "lang": "zh",
    }
    return Namespace(**(base | kw))


def test_weekly_twice_replaces_then_nothing_stale(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert weekly.cli_weekly(_args(home)) == 0
    week_dir = home / "reports" / "weekly" / "2026-W47"
    first = json.loads((week_dir / "run.json").read_text())
    assert [s["target"] for s in first["sessions"]] == SIDS  # W46 session not included
    assert (week_dir / "sessions" / SIDS[0] / "20-session-review.ipynb").exists()
    assert json.loads((week_dir / "summary.json").read_text())["sessions"] == 3
    assert os.readlink(home / "reports" / "weekly" / "latest") == "2026-W47"

    # one session's file rewritten with the same bytes: nothing stale (staleness is by content)
    path = next((home / "store").glob(f"viewers/*/*/{SIDS[1]}.parquet"))
    path.write_bytes(path.read_bytes())
    assert weekly.cli_weekly(_args(home, jobs=1)) == 0
    assert json.loads((week_dir / "run.json").read_text())["run_id"] == first["run_id"]

    # data of one session changes: its review and the later one of the room (which compares with
    # it) are rendered again, the earlier one is kept; the week is replaced whole
    pl.read_parquet(path).head(2).write_parquet(path)
    assert weekly.cli_weekly(_args(home, jobs=1)) == 0
    second = json.loads((week_dir / "run.json").read_text())
    assert second["run_id"] != first["run_id"]
    assert [(s["reused"], s["reason"]) for s in second["sessions"]] == [
        (True, ""),
        (False, "data changed"),
        (False, "data changed"),
    ]
    assert (
        json.loads((week_dir / "sessions" / SIDS[1] / "summary.json").read_text())["viewers"] == 2
    )
    assert second["weekly"]["reason"] == "sessions rendered"
    assert sorted(p.name for p in (home / "reports" / "weekly").iterdir()) == [
        ".weekly.lock",
        "2026-W47",
        "latest",
        "logs",
    ]  # no staging or old folders left
    assert len(list((home / "reports" / "weekly" / "logs").glob("2026-W47-*.log"))) == 3

    # third run: nothing stale, the folder is left as it is
    assert weekly.cli_weekly(_args(home)) == 0
    assert "nothing stale" in capsys.readouterr().out
    assert json.loads((week_dir / "run.json").read_text())["run_id"] == second["run_id"]


def test_weekly_is_stale_when_a_reference_week_far_back_changes(home: Path) -> None:
    """The reference weeks are the last 4 *with data* (up to 26 back): a session 7 weeks back, of
    another room, is one of them; its data and the daily overview both feed the weekly report."""
    store = home / "store"
    start = datetime(2026, 9, 30, 20, tzinfo=__import__("zoneinfo").ZoneInfo(TZ))  # 2026-W40
    old = "dy-other-20260930-2000"
    sessions = pl.DataFrame(
        {
            "session_id": [old],
            "platform": ["douyin"],
            "room": ["other"],
            "start_ts": [start],
            "end_ts": [start.replace(hour=23)],
        }
    )
    viewers = pl.DataFrame(
        {"session_id": [old], "viewer_id": ["w1"], "enter_ts": [start], "watch_s": [30.0]}
    )
    write_session_tables({"sessions": sessions, "viewers": viewers}, store)
    assert weekly.cli_weekly(_args(home)) == 0
    week_dir = home / "reports" / "weekly" / "2026-W47"
    first = json.loads((week_dir / "run.json").read_text())
    assert any(old in rel for rel in first["weekly"]["inputs"])

    path = next(store.glob(f"viewers/*/*/{old}.parquet"))
    pl.read_parquet(path).with_columns(pl.lit(90.0).alias("watch_s")).write_parquet(path)
    assert weekly.cli_weekly(_args(home)) == 0
    second = json.loads((week_dir / "run.json").read_text())
    assert all(s["reused"] for s in second["sessions"])  # the W47 reviews do not read it
    assert (second["weekly"]["reused"], second["weekly"]["reason"]) == (False, "data changed")

    day = pl.DataFrame(
        {
            "room": ["demo"],
            "date": [start.date()],
            "metric": ["gmv"],
            "value": [100.0],
            "source_column": ["x"],
        }
    )
    target = store / "room_days" / "platform=douyin" / "date=2026-09-30" / "demo.parquet"
    target.parent.mkdir(parents=True)
    day.write_parquet(target)
    assert weekly.cli_weekly(_args(home)) == 0
    third = json.loads((week_dir / "run.json").read_text())
    assert (third["weekly"]["reused"], third["weekly"]["reason"]) == (False, "data changed")


def test_corrupted_session_is_reported_and_the_rest_renders(home: Path) -> None:
    path = next((home / "store").glob(f"viewers/*/*/{SIDS[1]}.parquet"))
    path.write_bytes(path.read_bytes()[:40])  # a truncated export
    assert weekly.cli_weekly(_args(home)) == weekly.EXIT_FAILED
    week_dir = home / "reports" / "weekly" / "2026-W47"
    run = json.loads((week_dir / "run.json").read_text())
    assert [s["ok"] for s in run["sessions"]] == [True, False, True]
    assert run["weekly"]["ok"] and run["status"] == "failed"
    assert json.loads((week_dir / "summary.json").read_text())["failed_sessions"] == [SIDS[1]]
    failed = week_dir / "sessions" / SIDS[1]
    assert json.loads((failed / "summary.json").read_text())["report"]["status"] == "failed"
    nb = nbformat.read(failed / "20-session-review.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    log_text = (week_dir / "run.log").read_text()
    assert f"session {SIDS[1]}" in log_text and "ERROR" in log_text


@pytest.mark.parametrize("warm", [True, False], ids=["forked", "cold"])
def test_a_report_kernel_writes_no_history(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm: bool
) -> None:
    """A report's cells stay out of the analyst's IPython history (no history.sqlite written)."""
    from helpers.pipeline.render import render

    ipython_dir = tmp_path / "ipython"
    monkeypatch.setenv("IPYTHONDIR", str(ipython_dir))
    params = {"store": str(home / "store"), "session_id": SIDS[0], "targets": ""}
    assert render("session", params, tmp_path / "out", warm=warm).ok
    assert ipython_dir.is_dir(), "the kernel did not run with this IPYTHONDIR"
    assert not list(ipython_dir.rglob("history.sqlite"))


def test_second_runner_while_lock_held(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = home / "reports" / "weekly" / weekly.LOCK_NAME
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom helpers.pipeline.jobs import RunLock\n"
        f"with RunLock(Path({str(lock)!r})):\n    print('locked', flush=True)\n    time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert weekly.cli_weekly(_args(home)) == weekly.EXIT_LOCKED
        err = capsys.readouterr().err
        assert f"pid={holder.pid}" in err and "not started" in err
        assert not (home / "reports" / "weekly" / "2026-W47").exists()
    finally:
        holder.kill()
        holder.wait()
    assert weekly.cli_weekly(_args(home, jobs=1)) == 0  # the kernel released the dead holder's lock


def test_run_jobs_on_any_executor_and_a_raising_job(tmp_path: Path) -> None:
    jobs = [runner.Job("session", f"s{i}", {}, str(tmp_path / f"s{i}")) for i in range(4)]

    def fake(job: runner.Job) -> runner.JobResult:
        if job.target == "s2":
            raise RuntimeError("worker died")
        return runner.JobResult(job.kind, job.target, True, job.out_dir, 0.1)

    with ThreadPoolExecutor(2) as pool:
        results = runner.run_jobs(jobs, pool, fake)
    assert [r.target for r in results] == ["s0", "s1", "s2", "s3"]
    assert [r.ok for r in results] == [True, True, False, True]
    assert results[2].error == "RuntimeError: worker died"
    assert [r.ok for r in runner.run_jobs(jobs, runner.SerialExecutor(), fake)] == [
        True,
        True,
        False,
        True,
    ]


def test_stale_reason_by_content(home: Path) -> None:
    out = home / "r"
    store = home / "store"
    files = sorted(store.glob(f"*/*/*/{SIDS[0]}.parquet"))
    inputs = staleness.input_digests(files, store)
    assert list(inputs) == [f.relative_to(store).as_posix() for f in files]
    params = {"store": "s", "session_id": "x"}
    fp = staleness.fingerprint("template", params, "zh", inputs)
    assert staleness.stale_reason(out, fp, fp) == "missing"
    out.mkdir()
    (out / "summary.json").write_text(json.dumps({"report": {"status": "ok"}}))
    assert staleness.stale_reason(out, fp, fp) is None
    assert staleness.stale_reason(out, None, fp) == "no fingerprint"
    assert (
        staleness.stale_reason(out, fp, staleness.fingerprint("template 2", params, "zh", inputs))
        == "template changed"
    )
    assert (
        staleness.stale_reason(out, fp, staleness.fingerprint("template", params, "en", inputs))
        == "parameters changed"
    )
    assert staleness.stale_reason(out, fp, {**fp, "code": "other"}) == "code changed"
    # same bytes, new mtime: re-hashed, same digest; other bytes: data changed
    os.utime(files[0], ns=(1, 1))
    again = staleness.input_digests(files, store, inputs)
    assert again[next(iter(inputs))][2] == inputs[next(iter(inputs))][2]
    pl.DataFrame({"x": [1]}).write_parquet(files[0])
    changed = staleness.fingerprint(
        "template", params, "zh", staleness.input_digests(files, store, inputs)
    )
    assert staleness.stale_reason(out, fp, changed) == "data changed"
    (out / "summary.json").write_text(json.dumps({"report": {"status": "partial"}}))
    assert staleness.stale_reason(out, fp, fp) == "failed before"


def test_lock_swap_and_latest(tmp_path: Path) -> None:
    lock = runner.RunLock(tmp_path / ".lock")
    with lock, pytest.raises(runner.LockBusy, match=f"pid={os.getpid()}"):
        runner.RunLock(tmp_path / ".lock").acquire()
    runner.RunLock(tmp_path / ".lock").acquire().release()  # released

    final, staging = tmp_path / "2026-W47", tmp_path / ".staging-1"
    staging.mkdir()
    (staging / "a.txt").write_text("first")
    runner.swap_dir(staging, final)
    staging.mkdir()
    (staging / "b.txt").write_text("second")
    runner.swap_dir(staging, final)
    assert sorted(p.name for p in final.iterdir()) == ["b.txt"] and not staging.exists()
    runner.point_latest(tmp_path, "2026-W47")
    runner.point_latest(tmp_path, "2026-W47")
    assert (tmp_path / "latest" / "b.txt").read_text() == "second"


def test_resolve_week(home: Path) -> None:
    store = home / "store"
    tz = __import__("zoneinfo").ZoneInfo(TZ)
    assert weeks.resolve_week("2026-w47", store) == "2026-W47"
    # Monday 06:00 after the week: last = the week just ended; mid-week: the previous one
    assert weeks.resolve_week("last", store, now=datetime(2026, 11, 23, 6, tzinfo=tz)) == "2026-W47"
    assert weeks.resolve_week("last", store, now=datetime(2026, 11, 19, 6, tzinfo=tz)) == "2026-W46"
    assert weeks.resolve_week("last", store, now=datetime(2026, 11, 1, tzinfo=tz)) == "2026-W47"
    assert weeks.shift_week("2026-W01", -1) == "2025-W52"
    with pytest.raises(ValueError, match="2026-W47"):
        weeks.parse_week("47")


def test_week_without_sessions_is_an_error(home: Path) -> None:
    with pytest.raises(ValueError, match="no sessions of week 2026-W40"):
        weekly.run_weekly("2026-W40", store=home / "store")
    assert not (home / "reports" / "weekly" / "2026-W40").exists()


def test_params_file(home: Path, tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text("week: 2026-W47\njobs: 1\nlang: en\nrooms: [demo]\n")
    assert weekly.load_params(str(p)) == {
        "week": "2026-W47",
        "jobs": 1,
        "lang": "en",
        "rooms": ["demo"],
    }
    assert (
        weekly.cli_weekly(_args(home, week=None, jobs=None, lang=None, params=str(p))) == 0
    )  # flags unset
    summary = json.loads((home / "reports" / "weekly" / "2026-W47" / "summary.json").read_text())
    assert summary["report"]["parameters"]["lang"] == "en"
    p.write_text("wek: 2026-W47\n")
    with pytest.raises(ValueError, match="unknown parameter"):
        weekly.load_params(str(p))
