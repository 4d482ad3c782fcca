"""Benchmark: a session reviewed end to end (simulate → store → papermill run + HTML) at 10k and 1M
viewers, printing wall time per stage, peak memory (this process and the notebook kernel, via
``resource.RUSAGE_CHILDREN``) and the HTML size. The 10k run is the same-run baseline for the 1M
ratios. Target: 1M viewers reviewed in under 60 s, report.html under 8 MB.

    python -m bench.session_review            # 10k and 1M
    python -m bench.session_review 10000      # one size (what each child process runs)

Each size runs in child processes (one simulates and stores, a fresh one renders) so peak-memory
figures do not mix and the kernel's figure is not inflated by forking a big parent.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (10_000, 1_000_000)
TARGET_S = 60.0
TARGET_HTML = 8_000_000


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


def simulate_into(viewers: int, store: Path, seed: int = 3) -> dict[str, float]:
    """Simulate one session of ``viewers`` viewers into ``store`` (a child process of its own)."""
    from helpers.data.store import write_session_tables
    from helpers.sim.simulate import simulate_week

    t0 = time.perf_counter()
    week = simulate_week(seed=seed, viewers=viewers, sessions=1)
    sim_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    write_session_tables(week.tables, store)
    return {
        "viewers": viewers,
        "simulate_s": sim_s,
        "store_s": time.perf_counter() - t0,
        "session_id": week.tables["sessions"]["session_id"][0],
        "orders": week.tables["orders"].height,
        "comments": week.tables["comments"].height,
        "peak_sim_mb": _rss_mb(resource.RUSAGE_SELF),
    }


def render_from(store: Path, session_id: str, out: Path) -> dict[str, float]:
    """Render the session review from a fresh, small process, so the kernel's peak memory
    (``RUSAGE_CHILDREN``) is not inflated by a fork of a big parent."""
    from helpers.pipeline.render import render

    t0 = time.perf_counter()
    result = render(
        "session",
        {"session_id": session_id, "store": str(store), "targets": "", "category": "apparel"},
        out,
        lang="zh",
    )
    if not result.ok:
        raise RuntimeError(f"render failed: {result.error}")
    return {
        "review_s": time.perf_counter() - t0,
        "html_mb": result.html.stat().st_size / 1e6,
        "notebook_mb": result.notebook.stat().st_size / 1e6,
        "peak_runner_mb": _rss_mb(resource.RUSAGE_SELF),
        "peak_kernel_mb": _rss_mb(resource.RUSAGE_CHILDREN),
    }


def _child(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.session_review", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_one(viewers: int) -> dict:
    """One size end to end: simulate + store in one child, papermill + HTML in another."""
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        sim = _child("--simulate", str(viewers), str(Path(tmp) / "store"))
        ren = _child(
            "--render", str(Path(tmp) / "store"), sim["session_id"], str(Path(tmp) / "out")
        )
    return sim | ren


def main(sizes: tuple[int, ...] | None = None) -> None:
    sizes = (
        sizes
        or tuple(int(s) for s in os.environ.get("BENCH_REVIEW_SIZES", "").split(",") if s)
        or SIZES
    )
    results = []
    for n in sizes:
        r = run_one(n)
        results.append(r)
        print(
            f"{n:>9,} viewers: simulate {r['simulate_s']:.1f}s, store {r['store_s']:.1f}s, "
            f"review (papermill + HTML) {r['review_s']:.1f}s; peak memory: simulator "
            f"{r['peak_sim_mb']:,.0f} MB, notebook kernel {r['peak_kernel_mb']:,.0f} MB, runner "
            f"{r['peak_runner_mb']:,.0f} MB; report.html {r['html_mb']:.2f} MB "
            f"({r['orders']:,} orders, {r['comments']:,} comments)",
            flush=True,
        )
    if len(results) >= 2:
        base, big = results[0], results[-1]
        viewers, review = big["viewers"] / base["viewers"], big["review_s"] / base["review_s"]
        print(
            f"ratio {viewers:,.0f}× viewers → review time ×{review:.2f}, "
            f"kernel memory ×{big['peak_kernel_mb'] / base['peak_kernel_mb']:.2f}, "
            f"HTML ×{big['html_mb'] / base['html_mb']:.2f}"
        )
    for r in results:
        ok_t = "OK" if r["review_s"] < TARGET_S else "OVER"
        ok_h = "OK" if r["html_mb"] * 1e6 < TARGET_HTML else "OVER"
        print(f"target {r['viewers']:,}: review < {TARGET_S:.0f}s {ok_t}; HTML < 8 MB {ok_h}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--simulate":
        print(json.dumps(simulate_into(int(sys.argv[2]), Path(sys.argv[3]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--render":
        print(json.dumps(render_from(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))))
    else:
        main(tuple(int(a) for a in sys.argv[1:]) or None)
