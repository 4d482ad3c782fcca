"""Benchmark: a session reviewed end to end (simulate → store → papermill run + HTML) at 10k and 1M
viewers, printing wall time per stage, peak memory (this process and the notebook kernel, via
``resource.RUSAGE_CHILDREN``) and the HTML size. The 10k run is the same-run baseline for the 1M
ratios. Target: 1M viewers reviewed in under 60 s, report.html under 8 MB.

    python -m bench.session_review            # 10k and 1M
    python -m bench.session_review 10000      # one size (what each child process runs)

Each size runs in its own child process so peak-memory figures do not mix.
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


def run_one(viewers: int, seed: int = 3) -> dict[str, float]:
    """Simulate one session of ``viewers`` viewers, store it, render its review; figures as a dict."""
    from helpers.report import render
    from helpers.simulate import simulate_week
    from helpers.store import write_session_tables

    out: dict[str, float] = {"viewers": viewers}
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        t0 = time.perf_counter()
        week = simulate_week(seed=seed, viewers=viewers, sessions=1)
        out["simulate_s"] = time.perf_counter() - t0
        sid = week.tables["sessions"]["session_id"][0]
        t0 = time.perf_counter()
        write_session_tables(week.tables, Path(tmp) / "store")
        out["store_s"] = time.perf_counter() - t0
        rows = {k: v.height for k, v in week.tables.items()}
        out["orders"], out["comments"] = rows.get("orders", 0), rows.get("comments", 0)
        del week
        t0 = time.perf_counter()
        result = render("session", {"session_id": sid, "store": str(Path(tmp) / "store"), "targets": "",
                                    "category": "apparel"}, Path(tmp) / "out", lang="zh")
        out["review_s"] = time.perf_counter() - t0
        if not result.ok:
            raise RuntimeError(f"render failed: {result.error}")
        out["html_mb"] = result.html.stat().st_size / 1e6
        out["notebook_mb"] = result.notebook.stat().st_size / 1e6
    out["peak_self_mb"] = _rss_mb(resource.RUSAGE_SELF)
    out["peak_kernel_mb"] = _rss_mb(resource.RUSAGE_CHILDREN)
    return out


def main(sizes: tuple[int, ...] | None = None) -> None:
    sizes = sizes or tuple(int(s) for s in os.environ.get("BENCH_REVIEW_SIZES", "").split(",") if s) or SIZES
    results = []
    for n in sizes:
        proc = subprocess.run([sys.executable, "-m", "bench.session_review", "--child", str(n)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{n:,} viewers failed:\n{proc.stderr[-2000:]}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"{n:>9,} viewers: simulate {r['simulate_s']:.1f}s, store {r['store_s']:.1f}s, "
              f"review (papermill + HTML) {r['review_s']:.1f}s; peak memory: simulator/parent "
              f"{r['peak_self_mb']:,.0f} MB, notebook kernel {r['peak_kernel_mb']:,.0f} MB; "
              f"report.html {r['html_mb']:.2f} MB ({r['orders']:,} orders, {r['comments']:,} comments)", flush=True)
    if len(results) >= 2:
        base, big = results[0], results[-1]
        print(f"ratio {big['viewers'] / base['viewers']:,.0f}× viewers → review time ×{big['review_s'] / base['review_s']:.2f}, "
              f"kernel memory ×{big['peak_kernel_mb'] / base['peak_kernel_mb']:.2f}, "
              f"HTML ×{big['html_mb'] / base['html_mb']:.2f}")
    for r in results:
        ok_t = "OK" if r["review_s"] < TARGET_S else "OVER"
        ok_h = "OK" if r["html_mb"] * 1e6 < TARGET_HTML else "OVER"
        print(f"target {r['viewers']:,}: review < {TARGET_S:.0f}s {ok_t}; HTML < 8 MB {ok_h}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(run_one(int(sys.argv[2]))))
    else:
        main(tuple(int(a) for a in sys.argv[1:]) or None)
