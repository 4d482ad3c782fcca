"""Reviews in a batch, as ratios to a floor measured in the same run.

F (the floor): one whole-process papermill run of a two-cell notebook on the project's kernel plus
its HTML export. Then, each in a fresh process: one session review of the bundled sample (1,200
viewers, ``workbook report session``), a weekly run of 27 sessions (the Compass session list of
``helpers.sim.real_shapes.session_list_week``, ingested) with ``--jobs 2`` and its folder's size,
and a weekly run with nothing stale (the sample's week rendered, then run again: a failed review
is retried, so this needs a week whose reviews all succeed). F and the single review alternate,
``BENCH_REPEAT`` times (default 3), and the best of each is kept; the machine is shared, so read
the ratios.

Targets: single review <= 1.5 F; weekly of 27 <= 12 F; nothing stale < 1 s; a weekly
folder of 30 reviews < 40 MB.

    python -m bench batch
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SESSIONS = int(os.environ.get("BENCH_WEEK_SESSIONS", "27"))
WEEK = "2026-W47"
SAMPLE_SESSION = "dy-nuanyang88-20261116-2000"
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

FLOOR_CODE = """
import sys, nbformat, papermill as pm
from pathlib import Path
from nbconvert import HTMLExporter
d = Path(sys.argv[1])
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": sys.argv[2], "display_name": "k", "language": "python"}
nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("print(x)")]
nb.cells[0].metadata["tags"] = ["parameters"]
nbformat.write(nb, d / "floor.ipynb")
pm.execute_notebook(str(d / "floor.ipynb"), str(d / "out.ipynb"), parameters={"x": 2},
                    kernel_name=sys.argv[2], progress_bar=False)
body, _ = HTMLExporter(exclude_input=True).from_notebook_node(nbformat.read(d / "out.ipynb", 4))
(d / "out.html").write_text(body, "utf-8")
"""


def _timed(cmd: list[str], **kw: object) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]
    seconds = time.perf_counter() - t0
    if res.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd[:4])} … exited {res.returncode}: {res.stderr[-1500:]}")
    return seconds


def floor(tmp: Path) -> float:
    """F: a fresh process runs a two-cell notebook with papermill and exports its HTML."""
    from helpers.pipeline.render import kernel_name

    d = tmp / "floor"
    d.mkdir(exist_ok=True)
    return _timed([sys.executable, "-c", FLOOR_CODE, str(d), kernel_name()])


def single_review(store: Path, out: Path) -> float:
    """``workbook report session`` of the sample's first W47 session, a fresh process."""
    return _timed(
        [
            str(BIN / "workbook"),
            "report",
            "session",
            SAMPLE_SESSION,
            "--store",
            str(store),
            "--out",
            str(out),
        ]
    )


def week_store(tmp: Path) -> Path:
    """A store of one week of ``SESSIONS`` sessions from the Compass session list shape."""
    from helpers.ingest import ingest_paths
    from helpers.sim.real_shapes import session_list_week

    raw = session_list_week(SESSIONS, seed=7, path=tmp / "week-raw" / "week.xlsx")
    ingest_paths([Path(raw)], tmp / "week-store")
    return tmp / "week-store"


def weekly_run(store: Path, out: Path, jobs: int = 2) -> tuple[float, dict]:
    seconds = _timed(
        [
            str(BIN / "workbook"),
            "report",
            "weekly",
            "--week",
            WEEK,
            "--jobs",
            str(jobs),
            "--store",
            str(store),
            "--out",
            str(out),
        ]
    )
    return seconds, json.loads((out / "run.json").read_text("utf-8"))


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from store_variants import sample_store

    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        sample = sample_store(tmp / "sample-store")
        store27 = week_store(tmp)
        # F and the review alternate, so that a slow spell of the shared machine hits both
        pairs = [(floor(tmp), single_review(sample, tmp / f"single-{i}")) for i in range(REPEAT)]
        f, one = min(p[0] for p in pairs), min(p[1] for p in pairs)
        paired = statistics.median(r / fl for fl, r in pairs)
        html_mb = (tmp / "single-0" / "report.html").stat().st_size / 1e6
        week_s, run = weekly_run(store27, tmp / "weekly" / WEEK)
        failed = [s["target"] for s in run["sessions"] if not s["ok"]]
        week = tmp / "weekly" / WEEK
        size = folder_mb(week)
        shared = (week / "plotly.min.js").stat().st_size / 1e6 + sum(
            p.stat().st_size for p in week.iterdir() if p.is_file() and p.name != "plotly.min.js"
        ) / 1e6
        per_review = (size - shared) / max(1, len(run["sessions"]))
        # nothing stale needs every review ok (a failed one is retried): the sample's week, twice
        _, first = weekly_run(sample, tmp / "sample-weekly" / WEEK)
        again_s, again = weekly_run(sample, tmp / "sample-weekly" / WEEK)
        kept = (
            "folder kept as it was"
            if again["run_id"] == first["run_id"]
            else "SOMETHING RE-RENDERED"
        )
        print(
            f"F (floor: papermill 2-cell notebook + HTML, fresh process): {f:.2f}s "
            f"(best of {REPEAT})"
        )
        print(
            f"single session review (sample, 1,200 viewers): {one:.2f}s = {one / f:.2f} F "
            f"(target <= 1.5 F; median of the {REPEAT} adjacent pairs {paired:.2f} F); "
            f"report.html {html_mb:.1f} MB (self-contained)"
        )
        print(
            f"weekly of {SESSIONS} sessions, --jobs 2: {week_s:.1f}s = {week_s / f:.1f} F "
            "(target <= 12 F); "
            f"{len(failed)} review(s) failed{': ' + ', '.join(failed[:3]) if failed else ''}"
        )
        print(
            f"weekly run with nothing stale (the sample's week, second run: {kept}): "
            f"{again_s:.2f}s (target < 1 s) = {again_s / f:.2f} F"
        )
        print(
            f"weekly folder: {size:.1f} MB for {len(run['sessions'])} reviews + the weekly report "
            f"({per_review:.2f} MB per review, {shared:.1f} MB plotly.js + weekly report; "
            "30 reviews "
            f"≈ {shared + 30 * per_review:.0f} MB, target < 40 MB)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
