"""Report runs from the command line: parameters per kind, output folders, and the demo.

Each run renders into a staging folder and is moved into ``reports/<kind>/<target>/`` only when
done, so a re-run replaces the previous report whole.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from helpers.paths import default_store, from_cwd, project_root, reports_dir, resolve
from helpers.pipeline.render import RunResult, render, replace_dir

log = logging.getLogger(__name__)

SAMPLE_DIR = "data/sample"
DEMO_STORE = "data/processed/store"


def report_params(kind: str, args: argparse.Namespace, store: Path) -> tuple[dict[str, Any], str]:
    """The notebook parameters and the output folder name of a report kind, from CLI arguments."""
    params: dict[str, Any] = {"store": str(store)}
    if kind == "session":
        params |= {
            "session_id": args.session_id,
            "targets": args.targets,
            "category": args.category,
        }
        return params, args.session_id
    if kind in ("segments", "conversion"):
        if bool(args.session_id) == bool(args.week):
            raise ValueError(f"report {kind}: give a SESSION_ID or --week W (one of them)")
        params |= {"session_id": args.session_id, "week": args.week}
        return params, args.session_id or args.week
    if kind in ("comments", "pitch"):
        params |= {"session_id": args.session_id}
        return params, args.session_id
    if kind == "room":
        from helpers.room.units import main_room

        name = args.room or main_room(store)
        params |= {"room": name, "date_from": args.date_from, "date_to": args.date_to}
        return params, name
    if kind == "ingest":
        params |= {"inputs": [str(from_cwd(p)) for p in args.paths]}
        return params, "latest"
    raise ValueError(f"unknown report kind {kind!r}")


def run_report(
    kind: str, params: dict[str, Any], target: str, *, out: str | None = None, lang: str = "zh"
) -> RunResult:
    """Render one report atomically into ``out`` (default ``reports/<kind>/<target>``)."""
    final = from_cwd(out) if out else reports_dir() / kind / target
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".staging-{final.name}-"))
    result = render(kind, params, staging, lang=lang, subtitle=target)
    replace_dir(staging, final)
    result.out_dir = final
    result.notebook = final / result.notebook.name
    result.html = final / result.html.name
    result.summary = final / result.summary.name
    return result


def _print_result(result: RunResult) -> None:
    status = "ok" if result.ok else f"FAILED: {result.error}"
    print(f"{result.kind}: {status} ({result.seconds:.1f}s)\n  {result.html}\n  {result.summary}")


def cli_report(args: argparse.Namespace) -> int:
    store = from_cwd(args.store) if args.store else default_store()
    params, target = report_params(args.kind, args, store)
    result = run_report(args.kind, params, target, out=args.out, lang=args.lang)
    _print_result(result)
    return 0 if result.ok else 1


def run_demo(jobs: int = 2) -> int:
    """Ingest the bundled sample and render every report kind under ``reports/``: the ingest
    report, the last week's weekly report with all its session reviews, segments, conversion
    and comments reports of that week / its last session, and the room's history."""
    from helpers.data.store import list_sessions
    from helpers.data.weeks import resolve_week, week_of, week_sessions
    from helpers.ingest import ingest_paths
    from helpers.pipeline.weekly import run_weekly

    os.chdir(project_root())
    store = resolve(DEMO_STORE)
    outcome = ingest_paths([resolve(f"{SAMPLE_DIR}/raw")], store)
    print(outcome.table())
    if not outcome.ok:
        print("workbook demo: ingest rejected a file; see above", file=sys.stderr)
        return 1
    if list_sessions(store).height == 0:
        print("workbook demo: the sample holds no session", file=sys.stderr)
        return 1
    # the newest week of the sample (its sessions end on the Sunday; `last` would wait for Monday)
    week = resolve_week(week_of(list_sessions(store)["start_ts"][-1]), store)
    last = week_sessions(store, week)["session_id"][-1]
    results = [run_report("ingest", {"store": str(store), "inputs": []}, "latest")]
    _print_result(results[0])
    weekly = run_weekly(week, store=store, jobs=jobs, category="apparel")
    status = "ok" if not weekly.failed else "FAILED"
    print(f"weekly {week}: {status}\n  {weekly.out_dir / 'report.html'}")
    for kind, params, target in (
        ("segments", {"week": week, "session_id": ""}, week),
        ("conversion", {"week": week, "session_id": ""}, week),
        ("comments", {"session_id": last}, last),
        ("room", {"room": "", "date_from": "", "date_to": ""}, "sample"),
    ):
        results.append(run_report(kind, {"store": str(store), **params}, target))
        _print_result(results[-1])
    return 0 if all(r.ok for r in results) and not weekly.failed else 1
