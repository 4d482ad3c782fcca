"""Weekly run: wall time and peak memory for a week of 7 sessions × 200k viewers, ``--jobs 1`` vs
``--jobs 2`` (everything rendered), then a second ``--jobs 2`` run with nothing stale.

Targets (2-core machine): full run under 90 s with ``--jobs 2``; nothing-stale run under 20 s.
Each configuration runs in a fresh process, so ``ru_maxrss`` of the process and of its children
(the notebook kernels and worker processes) belongs to that run alone.

    python -m bench weekly                              # full size
    BENCH_WEEKLY_VIEWERS=5000 python -m bench weekly    # quick
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VIEWERS = int(os.environ.get("BENCH_WEEKLY_VIEWERS", "200000"))
SESSIONS = int(os.environ.get("BENCH_WEEKLY_SESSIONS", "7"))
WEEK = "2026-W47"


def _hwm_mb() -> float:
    """This process's peak RSS (VmHWM: reset at exec, unlike ru_maxrss which keeps the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 0)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)


def _build_store(store: str) -> int:
    """Simulate the week into ``store`` (in a child process, so the runners start small)."""
    from helpers.data.store import write_session_tables
    from helpers.sim.simulate import simulate_week

    week = simulate_week(seed=7, viewers=VIEWERS, sessions=SESSIONS, week=WEEK)
    write_session_tables({k: v for k, v in week.tables.items() if k != "targets"}, store)
    return sum(df.height for df in week.tables.values())


def _one_run(store: str, out: str, jobs: int) -> dict:
    """Run the weekly command once in this process; wall time and peak RSS (self, children)."""
    from helpers.pipeline.weekly import run_weekly

    started = time.perf_counter()
    outcome = run_weekly(WEEK, store=store, out=out, jobs=jobs, category="apparel")
    wall = time.perf_counter() - started
    return {
        "wall_s": round(wall, 1),
        "ok": outcome.ok,
        "rendered": sum(not r.reused for r in outcome.sessions),
        "weekly_rendered": bool(outcome.weekly and not outcome.weekly.reused),
        "failed": [r.target for r in outcome.failed],
        "review_s": round(
            sum(r.seconds for r in outcome.sessions if not r.reused)
            / max(1, sum(not r.reused for r in outcome.sessions)),
            1,
        ),
        "weekly_s": round(outcome.weekly.seconds, 1)
        if outcome.weekly and not outcome.weekly.reused
        else 0.0,
        "self_peak_mb": _hwm_mb(),
        "child_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 0),
    }


def _spawn(call: str, home: Path) -> dict | int:
    code = f"import json, bench.weekly as b; print(json.dumps(b.{call}))"
    env = {**os.environ, "WORKBOOK_HOME": str(home)}
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def frozen_home(tmp: Path) -> Path:
    """A home (``WORKBOOK_HOME``) holding a copy of the templates (``notebooks/*.py``): an edit
    of notebooks/ during the bench must not make the second run stale."""
    from helpers.paths import notebooks_dir

    home = tmp / "home"
    ignore = shutil.ignore_patterns(".*", "__pycache__")
    shutil.copytree(notebooks_dir(), home / "notebooks", ignore=ignore)
    return home


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-weekly-"))
    try:
        home = frozen_home(tmp)
        store = tmp / "store"
        t0 = time.perf_counter()
        rows = _spawn(f"_build_store({str(store)!r})", home)
        print(
            f"store: {SESSIONS} sessions x {VIEWERS:,} viewers ({rows:,} rows) built in "
            f"{time.perf_counter() - t0:.1f}s (not timed below)"
        )
        runs = [
            ("jobs=1, everything rendered", tmp / "r1" / "weekly" / WEEK, 1),
            ("jobs=2, everything rendered", tmp / "r2" / "weekly" / WEEK, 2),
            ("jobs=2, nothing stale (2nd run)", tmp / "r2" / "weekly" / WEEK, 2),
        ]
        results = []
        for name, out, jobs in runs:
            r = _spawn(f"_one_run({str(store)!r}, {str(out)!r}, {jobs})", home)
            assert isinstance(r, dict)
            results.append(r)
            print(
                f"{name:34s} wall {r['wall_s']:7.1f}s  sessions rendered {r['rendered']}  "
                f"weekly rendered {r['weekly_rendered']!s:5s}  ok {r['ok']!s:5s}  "
                f"peak RSS runner {r['self_peak_mb']:.0f} MB, "
                f"largest kernel/worker {r['child_peak_mb']:.0f} MB"
                f"  (per review {r['review_s']}s, weekly notebook {r['weekly_s']}s)"
            )
        one, two, again = results
        print(
            f"speed-up jobs=2 vs jobs=1: x{one['wall_s'] / two['wall_s']:.2f} "
            f"(baseline jobs=1 {one['wall_s']}s)"
        )
        print(
            f"nothing-stale run vs full jobs=2 run: "
            f"{again['wall_s'] / two['wall_s']:.1%} of the time"
        )
        print(
            f"targets: jobs=2 < 90 s: {'met' if two['wall_s'] < 90 else 'MISSED'}; "
            f"nothing stale < 20 s: {'met' if again['wall_s'] < 20 else 'MISSED'}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
