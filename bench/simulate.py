"""Simulator benchmark: wall time and peak memory of ``simulate_week`` per session size.

Each size runs in its own process (so peak RSS does not mix). The baseline, measured in the same
run, is a naive per-viewer Python loop doing the viewer stage only (entry, stay, logistic purchase,
per-minute online count), against the same stage vectorised the way the simulator does it; the
full simulator (orders, clicks, comments, aggregates, validation) is then set against the naive
stage extrapolated to 1M viewers.

    python -m bench simulate                                   # 10k, 100k, 1M viewers, 1 session
    WORKBOOK_BENCH_SIM_VIEWERS=1000000 python -m bench.simulate  # one size

Target: 1M viewers per session simulate in well under a minute.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import time

SIZES = [
    int(x) for x in os.environ.get("WORKBOOK_BENCH_SIM_VIEWERS", "10000,100000,1000000").split(",")
]
BASELINE_VIEWERS = 20_000

_CHILD = r"""
import json, resource, sys, time
from helpers.sim.simulate import simulate_week
n, sessions = int(sys.argv[1]), int(sys.argv[2])
t = time.perf_counter()
sim = simulate_week(seed=7, viewers=n, sessions=sessions)
dt = time.perf_counter() - t
rows = {k: v.height for k, v in sim.tables.items()}
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": dt, "peak_mb": peak_mb, "rows": rows}))
"""


def run_child(viewers: int, sessions: int = 1) -> dict:
    """Simulate in a fresh process; returns seconds, peak MB and output row counts."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(viewers), str(sessions)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def naive_viewer_stage(viewers: int, minutes: int = 180, seed: int = 7) -> float:
    """Per-viewer Python loop: entry, stay, likes, logistic purchase, online count. Seconds."""
    rnd = random.Random(seed)
    t = time.perf_counter()
    online = [0] * minutes
    buyers = 0
    for _ in range(viewers):
        enter = rnd.random() * minutes
        stay = math.exp(math.log(5.0) + 0.8 * rnd.gauss(0, 1))
        leave = min(enter + stay, minutes)
        likes = int(rnd.expovariate(1 / 5))
        eta = -5.4 + 0.55 * math.log1p(leave - enter) + 0.22 * math.log1p(likes)
        buyers += rnd.random() < 1 / (1 + math.exp(-eta))
        for m in range(int(enter), min(minutes, math.ceil(leave))):
            online[m] += 1
    return time.perf_counter() - t


def numpy_viewer_stage(viewers: int, minutes: int = 180, seed: int = 7) -> float:
    """The same viewer stage vectorised as the simulator does it (difference array for online)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    enter = rng.random(viewers) * minutes
    leave = np.minimum(enter + np.exp(np.log(5.0) + 0.8 * rng.standard_normal(viewers)), minutes)
    likes = np.floor(rng.exponential(5, viewers))
    eta = -5.4 + 0.55 * np.log1p(leave - enter) + 0.22 * np.log1p(likes)
    _ = (rng.random(viewers) < 1 / (1 + np.exp(-eta))).sum()
    first = enter.astype(np.int64)
    last = np.maximum(np.ceil(leave).astype(np.int64), first + 1)
    diff = np.bincount(first, minlength=minutes + 1) - np.bincount(last, minlength=minutes + 1)
    _ = np.cumsum(diff)[:minutes]
    return time.perf_counter() - t


def main() -> None:
    print("simulate_week, one session per size, each in its own process")
    print(
        f"{'viewers':>10} {'seconds':>8} {'viewers/s':>11} {'peak MB':>8} {'orders':>8} "
        f"{'comments':>9}"
    )
    results = {}
    for n in SIZES:
        r = run_child(n)
        results[n] = r
        print(
            f"{n:>10,} {r['seconds']:>8.2f} {n / r['seconds']:>11,.0f} {r['peak_mb']:>8.0f} "
            f"{r['rows']['orders']:>8,} {r['rows']['comments']:>9,}"
        )
    week_viewers = min(SIZES[0] * 10, 100_000)
    week = run_child(week_viewers, sessions=7)
    print(
        f"week of 7 sessions x {week_viewers:,} viewers: {week['seconds']:.2f}s, "
        f"peak {week['peak_mb']:.0f} MB"
    )
    base = naive_viewer_stage(BASELINE_VIEWERS)
    vec = numpy_viewer_stage(BASELINE_VIEWERS)
    print(
        f"viewer stage, {BASELINE_VIEWERS:,} viewers: "
        f"naive per-viewer loop {base:.3f}s (baseline), "
        f"vectorised {vec:.3f}s: {base / vec:.0f}x faster"
    )
    if 1_000_000 in results:
        per = base / BASELINE_VIEWERS * 1_000_000
        full = results[1_000_000]["seconds"]
        print(
            f"1M viewers: full simulator {full:.1f}s (all tables, validated) "
            f"vs ~{per:.1f}s for the naive loop doing the viewer stage alone; "
            f"target < 60s: {'met' if full < 60 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
