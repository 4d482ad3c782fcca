"""Model benchmark: the viewer-level logistic model and the engagement clustering on 1M viewers.

For each size a simulated session (``simulate_week(seed=7, viewers=N, sessions=1)``) is turned
into the viewer design once and saved; then the logistic fit (``fit_viewer_logit``: coefficients,
odds ratios, AMEs, VIF, held-out AUC and calibration) and the clustering (``engagement_features``
+ ``cluster_viewers``: k chosen on a sample, final k-means on every row, three seeds for
stability) each run in a fresh process, so wall time and peak RSS (``resource.getrusage``) are
their own. The baseline, measured in the same run, is the smallest size: the ratio shows how
each step scales with the number of viewers.

    python -m bench models                                         # 100k and 1M viewers
    WORKBOOK_BENCH_MODELS_VIEWERS=50000 python -m bench.models    # one small size

Target: each step under 30 s and 4 GB for 1M viewers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = [
    int(x) for x in os.environ.get("WORKBOOK_BENCH_MODELS_VIEWERS", "100000,1000000").split(",")
]
TARGET_S, TARGET_MB = 30.0, 4096.0

_PREPARE = r"""
import sys
from helpers.models import viewer_frame
from helpers.sim.simulate import simulate_week
n, out = int(sys.argv[1]), sys.argv[2]
sim = simulate_week(seed=7, viewers=n, sessions=1)
viewer_frame(sim.tables["viewers"], sim.tables["orders"]).write_parquet(out)
"""

_FIT = r"""
import json, resource, sys, time
import pandas as pd
from helpers.models import fit_viewer_logit
design = pd.read_parquet(sys.argv[1])
ru0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = ru0.ru_utime + ru0.ru_stime
t = time.perf_counter()
r = fit_viewer_logit(design)
dt = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru.ru_utime + ru.ru_stime - cpu0
print(json.dumps({"seconds": dt, "peak_mb": ru.ru_maxrss / 1024, "cpu_s": cpu,
                  "n": r.n, "terms": len(r.table), "auc": r.auc}))
"""

_CLUSTER = r"""
import json, resource, sys, time
import pandas as pd
from helpers.audience import CLUSTER_FEATURES, cluster_viewers, engagement_features
design = pd.read_parquet(sys.argv[1])
ru0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = ru0.ru_utime + ru0.ru_stime
t = time.perf_counter()
feats, _, _ = engagement_features(design)
cl = cluster_viewers(feats, CLUSTER_FEATURES)
dt = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru.ru_utime + ru.ru_stime - cpu0
print(json.dumps({"seconds": dt, "peak_mb": ru.ru_maxrss / 1024, "cpu_s": cpu,
                  "k": cl.k, "stability_ari": cl.stability_ari}))
"""


def _child(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            path = str(Path(tmp) / f"design-{n}.parquet")
            _child(_PREPARE, str(n), path)
            fit = _child(_FIT, path)
            clu = _child(_CLUSTER, path)
            rows.append((n, fit, clu))
            print(
                f"{n:>9,} viewers | logit fit {fit['seconds']:6.1f}s wall {fit['cpu_s']:6.1f}s CPU "
                f"peak {fit['peak_mb']:6.0f} MB (AUC {fit['auc']:.3f}, {fit['terms']} terms) | "
                f"clustering {clu['seconds']:6.1f}s wall {clu['cpu_s']:6.1f}s CPU "
                f"peak {clu['peak_mb']:6.0f} MB "
                f"(k={clu['k']}, stability ARI {clu['stability_ari']:.3f})",
                flush=True,
            )
    base_n, base_fit, base_clu = rows[0]
    for n, fit, clu in rows[1:]:
        print(
            f"scaling {base_n:,} → {n:,} viewers ({n / base_n:.0f}×): "
            f"logit time ×{fit['seconds'] / base_fit['seconds']:.1f}, "
            f"clustering time ×{clu['seconds'] / base_clu['seconds']:.1f}"
        )
    with open("/proc/loadavg") as fh:
        print(
            f"machine load average (1 min) at the end: {fh.read().split()[0]} "
            f"on {os.cpu_count()} cores"
        )
    n, fit, clu = rows[-1]
    for name, r in (("logit fit", fit), ("clustering", clu)):
        ok = r["seconds"] < TARGET_S and r["peak_mb"] < TARGET_MB
        print(
            f"target {name} at {n:,} viewers: < {TARGET_S:.0f}s and < {TARGET_MB / 1024:.0f} GB: "
            f"{'met' if ok else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
