"""The weekly report: which week, what it computes, and the scheduled run that renders it.

The run (:func:`run_weekly`: the week's session reviews that are missing or stale, rendered in
parallel, then ``90-weekly-report``, all swapped into ``reports/weekly/<week>/`` at once) and
``workbook report weekly`` (:func:`cli_weekly`). Week arithmetic is :mod:`helpers.data.weeks`;
what ``90-weekly-report`` shows is computed in :mod:`helpers.weekly`.

Layout of a run (``docs/weekly.md``)::

    reports/weekly/
      .weekly.lock                 flock held during a run
      latest -> 2026-W47           the newest run
      logs/2026-W47-<run id>.log   one log per run (kept)
      2026-W47/
        90-weekly-report.ipynb  report.html  summary.json  run.json  run.log  plotly.min.js
        sessions/<session_id>/20-session-review.ipynb  report.html  summary.json
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from helpers.data.store import _safe_name, list_sessions
from helpers.data.weeks import has_data, resolve_week, week_sessions
from helpers.paths import default_store, read_yaml, reports_dir, resolve
from helpers.pipeline import jobs as runner
from helpers.pipeline import staleness
from helpers.pipeline.export import PLOTLYJS, write_plotlyjs
from helpers.pipeline.render import template_source, write_json
from helpers.weekly.data import window_sessions

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the lock; try again later
LOCK_NAME = ".weekly.lock"


# what a session review reads of the room's earlier sessions (trailing and same-slot comparisons:
# helpers.metrics.definitions.kpi_table over helpers.review's history)
HISTORY_TABLES = ("sessions", "viewers", "orders", "trend", "products", "traffic", "session_totals")


def session_inputs(store: Path, session_ids: Sequence[str]) -> list[Path]:
    """The store files (every table) of these sessions: what their reports read."""
    names = {f"{_safe_name(sid)}.parquet" for sid in session_ids}
    return sorted(p for p in store.glob("*/platform=*/date=*/*.parquet") if p.name in names)


def room_day_inputs(store: Path) -> list[Path]:
    """The daily room overview's files: the weekly report reads the table whole (its reference
    weeks can be any of them)."""
    return sorted(store.glob("room_days/platform=*/date=*/*.parquet"))


def review_inputs(store: Path, session_ids: Sequence[str]) -> dict[str, list[Path]]:
    """Per session id, the store files its review reads: every table of the session, and the
    :data:`HISTORY_TABLES` of the room's earlier sessions."""
    files: dict[str, list[Path]] = {}
    for p in store.glob("*/platform=*/date=*/*.parquet"):
        files.setdefault(p.stem, []).append(p)
    known = list_sessions(store).sort("start_ts")
    out: dict[str, list[Path]] = {}
    for sid in session_ids:
        me = known.filter(pl.col("session_id") == sid)
        earlier = known.filter(
            (pl.col("room") == me["room"].first()) & (pl.col("start_ts") < me["start_ts"].first())
        )
        history = [
            p
            for e in earlier["session_id"].to_list()
            for p in files.get(_safe_name(e), [])
            if p.parts[-4] in HISTORY_TABLES
        ]
        out[sid] = sorted({*files.get(_safe_name(sid), []), *history})
    return out


# --------------------------------------------------------------------------- the run


@dataclass
class WeeklyOutcome:
    """What a weekly run did: per-session results, the weekly report's result, where it is."""

    week: str
    out_dir: Path
    log_path: Path
    run_id: str
    sessions: list[runner.JobResult] = field(default_factory=list)
    weekly: runner.JobResult | None = None
    nothing_stale: bool = False

    @property
    def failed(self) -> list[runner.JobResult]:
        results = [*self.sessions, *([self.weekly] if self.weekly else [])]
        return [r for r in results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "week": self.week,
            "status": "ok" if self.ok else "failed",
            "nothing_stale": self.nothing_stale,
            "log": str(self.log_path),
            "sessions": [r.as_dict() for r in self.sessions],
            "weekly": self.weekly.as_dict() if self.weekly else None,
        }


def review_rows(results: Sequence[runner.JobResult]) -> list[dict[str, Any]]:
    """The weekly notebook's ``reviews`` parameter: each session review's status and link."""
    return [
        {
            "session_id": r.target,
            "status": "ok" if r.ok else "failed",
            "error": r.error or "",
            "href": f"sessions/{r.target}/report.html",
        }
        for r in results
    ]


@dataclass(frozen=True)
class WeekRun:
    """One weekly run's settings: what it reads, where it stages and publishes, how it renders."""

    week: str
    store: Path
    final: Path
    staging: Path
    rooms: tuple[str, ...] = ()
    lang: str = "zh"
    category: str = "general"
    targets: str = ""
    force: bool = False
    jobs: int = 1
    executor: runner.Executor | str | None = None
    timeout_s: int = 1800

    @property
    def root(self) -> Path:
        """The folder of every week's run (lock, logs, ``latest``)."""
        return self.final.parent


def run_weekly(
    week: str = "last",
    *,
    store: str | Path | None = None,
    out: str | Path | None = None,
    jobs: int = 1,
    rooms: Sequence[str] = (),
    lang: str = "zh",
    category: str = "general",
    targets: str = "",
    force: bool = False,
    executor: runner.Executor | str | None = None,
    now: datetime | None = None,
    timeout_s: int = 1800,
) -> WeeklyOutcome:
    """Render the week's missing or stale session reviews (on ``executor``: an Executor, or
    ``dask://HOST:PORT``; default ``--jobs`` local processes) and the weekly report, and swap them
    into ``out`` (default ``reports/weekly/<week>``) at once, with one plotly.js for the folder.
    Raises :class:`helpers.pipeline.jobs.LockBusy` if another run holds the lock. Never raises for a
    failing notebook: see ``outcome.failed``."""
    store_path = resolve(store) if store else default_store()
    week = resolve_week(week, store_path, now=now)
    if not has_data(store_path, week, rooms):
        raise ValueError(
            f"no sessions of week {week}{' in rooms ' + ', '.join(rooms) if rooms else ''} "
            f"in the store {store_path}"
        )
    final = resolve(out) if out else reports_dir() / "weekly" / week
    rid = runner.run_id()
    staging = final.parent / f".staging-{final.name}-{rid}"
    run = WeekRun(
        week,
        store_path,
        final,
        staging,
        tuple(rooms),
        lang,
        category,
        targets,
        force,
        jobs,
        executor,
        timeout_s,
    )
    outcome = WeeklyOutcome(week, final, run.root / "logs" / f"{week}-{rid}.log", rid)
    with runner.RunLock(run.root / LOCK_NAME), runner.run_log(outcome.log_path):
        runner.clean_leftovers(run.root)
        log.info(
            "weekly run %s: week %s, store %s, out %s, jobs %d", rid, week, store_path, final, jobs
        )
        _stage(run, outcome)
        _publish(run, outcome)
        runner.point_latest(run.root, final.name)
    return outcome


def _stage(run: WeekRun, outcome: WeeklyOutcome) -> None:
    """Render into the staging folder; on any error remove it and raise."""
    sessions = week_sessions(run.store, run.week, run.rooms)
    window, _, _ = window_sessions(run.store, run.week, run.rooms)
    run.staging.mkdir(parents=True)
    try:
        _render_week(run, outcome, sessions, window)
    except BaseException:
        shutil.rmtree(run.staging, ignore_errors=True)
        raise


def _publish(run: WeekRun, outcome: WeeklyOutcome) -> None:
    """Swap the staged run into place with its ``run.json`` and log, or drop it when nothing was
    stale (the previous run stays as it is)."""
    if outcome.nothing_stale:
        shutil.rmtree(run.staging, ignore_errors=True)
        log.info("nothing stale: %s kept as it is", run.final)
        return
    write_json(outcome.as_dict(), run.staging / "run.json")
    log.info("week %s: %s", run.week, "ok" if outcome.ok else f"{len(outcome.failed)} failed")
    shutil.copy2(outcome.log_path, run.staging / "run.log")
    runner.swap_dir(run.staging, run.final)


def _session_job(
    run: WeekRun,
    sid: str,
    template: str,
    reads: Sequence[Path],
    digests: Mapping[str, list[Any]],
    was: Mapping[str, Any],
) -> tuple[runner.JobResult, runner.Job | None]:
    """A session review's result with its fingerprint, and the job that renders it (None when
    the previous render is fresh: it is hard-linked into the staging folder instead)."""
    params = {
        "store": str(run.store),
        "session_id": sid,
        "targets": run.targets,
        "category": run.category,
    }
    rels = (p.relative_to(run.store).as_posix() for p in reads)
    inputs = {rel: digests[rel] for rel in rels if rel in digests}
    fp = staleness.fingerprint(template, params, run.lang, inputs)
    before = run.final / "sessions" / sid
    reason = "forced" if run.force else staleness.stale_reason(before, was.get("fingerprint"), fp)
    res = runner.JobResult("session", sid, True, str(before), fingerprint=fp, inputs=inputs)
    if reason is None:
        runner.copy_tree(before, run.staging / "sessions" / sid)
        res.reused = True
        return res, None
    log.info("session %s: render (%s)", sid, reason)
    res.reason = reason
    out_dir = str(run.staging / "sessions" / sid)
    job = runner.Job(
        "session",
        sid,
        params,
        out_dir,
        run.lang,
        run.timeout_s,
        plotlyjs=f"../../{PLOTLYJS}",
        template_text=template,
    )
    return res, job


def _session_jobs(
    run: WeekRun, sids: Sequence[str], previous: Mapping[str, Any]
) -> tuple[list[runner.Job], dict[str, runner.JobResult]]:
    """The session reviews to render (stale by content, :mod:`helpers.pipeline.staleness`) and
    those kept (hard-linked into the staging folder), each result with its fingerprint for
    ``run.json``."""
    template = template_source("session")
    reads = review_inputs(run.store, sids)
    recorded = {
        rel: rec for was in previous.values() for rel, rec in (was.get("inputs") or {}).items()
    }
    digests = staleness.input_digests({p for ps in reads.values() for p in ps}, run.store, recorded)
    todo: list[runner.Job] = []
    results: dict[str, runner.JobResult] = {}
    for sid in sids:
        results[sid], job = _session_job(
            run, sid, template, reads[sid], digests, previous.get(sid, {})
        )
        if job is not None:
            todo.append(job)
    return todo, results


def _run_session_jobs(
    run: WeekRun, todo: Sequence[runner.Job], results: dict[str, runner.JobResult]
) -> None:
    """Render the stale reviews on the run's executor; each result keeps the fingerprint, inputs
    and reason of its job and points at the published folder."""
    pool, release = (
        (run.executor, lambda: None)
        if isinstance(run.executor, runner.Executor)
        else runner.make_executor(run.jobs, run.executor or "")
    )
    try:
        for job, res in zip(todo, runner.run_jobs(todo, pool), strict=True):
            kept = results[job.target]
            res.out_dir, res.reason = str(run.final / "sessions" / job.target), kept.reason
            res.fingerprint, res.inputs = kept.fingerprint, kept.inputs
            results[job.target] = res
    finally:
        release()


def _render_week(
    run: WeekRun, outcome: WeeklyOutcome, sessions: pl.DataFrame, window: pl.DataFrame
) -> None:
    """Render the stale session reviews, then the weekly report if it is stale."""
    before = previous_run(run.final)
    sids = sessions["session_id"].to_list()
    write_plotlyjs(run.staging)
    todo, results = _session_jobs(run, sids, before["sessions"])
    if todo:
        _run_session_jobs(run, todo, results)
    outcome.sessions = [results[s] for s in sids]
    _render_weekly(run, outcome, window["session_id"].to_list(), before["weekly"], bool(todo))


def _render_weekly(
    run: WeekRun,
    outcome: WeeklyOutcome,
    window_ids: Sequence[str],
    was: Mapping[str, Any],
    reviews_rendered: bool,
) -> None:
    """Render ``90-weekly-report`` when forced, when reviews were rendered or when its fingerprint
    (template, parameters, language, the window's input digests) changed; else keep the previous
    one."""
    params = {
        "week": outcome.week,
        "store": str(run.store),
        "rooms": ",".join(run.rooms),
        "category": run.category,
        "reviews": review_rows(outcome.sessions),
    }
    template = template_source("weekly")
    files = [*session_inputs(run.store, window_ids), *room_day_inputs(run.store)]
    inputs = staleness.input_digests(files, run.store, was.get("inputs"))
    fp = staleness.fingerprint(template, params, run.lang, inputs)
    if run.force:
        reason: str | None = "forced"
    elif reviews_rendered:
        reason = "sessions rendered"
    else:
        reason = staleness.stale_reason(run.final, was.get("fingerprint"), fp)
    if reason is None:
        outcome.nothing_stale = True
        outcome.weekly = runner.JobResult("weekly", outcome.week, True, str(run.final), reused=True)
        return
    log.info("weekly %s: render (%s)", outcome.week, reason)
    job = runner.Job(
        "weekly",
        outcome.week,
        params,
        str(run.staging),
        run.lang,
        run.timeout_s,
        plotlyjs=PLOTLYJS,
        template_text=template,
    )
    res = runner.run_job(job)
    res.out_dir, res.reason, res.fingerprint, res.inputs = str(run.final), reason, fp, inputs
    outcome.weekly = res


def previous_run(final: Path) -> dict[str, Any]:
    """The previous run's record (``run.json``): fingerprints and input digests per session id,
    and the weekly report's (empty when there was no run or it is unreadable)."""
    try:
        data = json.loads((final / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        data = {}
    return {
        "sessions": {s.get("target"): s for s in data.get("sessions") or []},
        "weekly": data.get("weekly") or {},
    }


# --------------------------------------------------------------------------- CLI


def load_params(path: str) -> dict[str, Any]:
    """The scheduled run's parameters file (YAML mapping; ``params/weekly.yaml``)."""
    if not path:
        return {}
    data = read_yaml(resolve(path)) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping of parameters")
    known = {
        "week",
        "store",
        "out",
        "jobs",
        "rooms",
        "lang",
        "category",
        "targets",
        "force",
        "timeout_s",
        "executor",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(
            f"{path}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return dict(data)


def _rooms(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(r.strip() for r in value.split(",") if r.strip())
    return tuple(str(r) for r in value)


def cli_weekly(args: argparse.Namespace) -> int:
    """``workbook report weekly``: exit 0 only when every notebook rendered; 1 when any failed;
    75 when another run holds the lock. Command-line flags win over the ``--params`` file."""
    p = load_params(getattr(args, "params", ""))
    week = str(args.week if args.week is not None else p.get("week", "last"))
    jobs = int(args.jobs if args.jobs is not None else p.get("jobs", 1))
    lang = str(args.lang if args.lang is not None else p.get("lang", "zh"))
    try:
        outcome = run_weekly(
            week,
            store=args.store or p.get("store"),
            out=args.out or p.get("out"),
            jobs=jobs,
            rooms=_rooms(p.get("rooms")),
            lang=lang,
            category=str(p.get("category", "general")),
            targets=str(p.get("targets", "")),
            force=bool(p.get("force", False)),
            timeout_s=int(p.get("timeout_s", 1800)),
            executor=getattr(args, "executor", "") or str(p.get("executor", "")),
        )
    except runner.LockBusy as exc:
        print(f"workbook report weekly: {exc}; not started", file=sys.stderr)
        return EXIT_LOCKED
    for r in outcome.sessions:
        state = (
            "kept (fresh)"
            if r.reused
            else (f"ok ({r.seconds:.1f}s)" if r.ok else f"FAILED: {r.error}")
        )
        print(f"session {r.target}: {state}")
    if outcome.nothing_stale:
        print(f"weekly {outcome.week}: nothing stale, kept {outcome.out_dir}")
    elif outcome.weekly:
        w = outcome.weekly
        print(f"weekly {outcome.week}: {'ok' if w.ok else f'FAILED: {w.error}'} ({w.seconds:.1f}s)")
    print(f"  {outcome.out_dir / 'report.html'}\n  log: {outcome.log_path}")
    if not outcome.ok:
        print(f"workbook report weekly: {len(outcome.failed)} notebook(s) failed", file=sys.stderr)
    return EXIT_OK if outcome.ok else EXIT_FAILED
