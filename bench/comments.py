"""Comment classification benchmark: tokens + intent + sentiment, comments per second.

1M simulated live comments (the simulator's own comment generator, ``helpers.sim.comments``) are
classified by ``helpers.comments.classify_frame`` in a fresh process (wall time, comments/s, peak
RSS). Two harder cases follow: every text distinct (no benefit from de-duplication: the per-text
cost of segmentation + rules; the worst case), and the same rows without tokens (intent +
sentiment only), and the same in review mode (the learned sentiment model on every text). The
last lines print both headline figures: the dedup-friendly stream and the
all-distinct worst case. The baseline,
measured in the same run, is SnowNLP's sentiment on a sample of the same comments.

    python -m bench comments                              # 1M comments
    WORKBOOK_BENCH_COMMENTS=100000 python -m bench.comments  # smaller, while developing

Target: ≥ 20,000 comments/s on the 2-core machine; SnowNLP alone manages about 800/s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N = int(os.environ.get("WORKBOOK_BENCH_COMMENTS", "1000000"))
DISTINCT_N = int(os.environ.get("WORKBOOK_BENCH_COMMENTS_DISTINCT", "100000"))
SNOWNLP_N = 2000


def make_comments(n: int, seed: int = 7):
    """``n`` simulated comments (text, sim_intent, viewer_id, ts) from the simulator's generator."""
    import numpy as np
    import polars as pl

    from helpers.sim.comments import SEGMENT_INTENT_W, draw_comments

    rng = np.random.default_rng(seed)
    names = tuple(SEGMENT_INTENT_W)
    real = [i for i, name in enumerate(names) if name != "fabricated"]
    segment = rng.choice(real, size=n)
    texts, intents, _ = draw_comments(
        rng,
        segment,
        names,
        rng.random(n) < 0.6,
        rng.random(n) < 0.1,
        rng.random(n) < 0.3,
        rng.integers(1, 25, n),
    )
    return pl.DataFrame(
        {
            "text": texts,
            "sim_intent": intents,
            "viewer_id": rng.integers(0, n // 3 + 1, n).astype(str),
        }
    )


_CHILD = r"""
import json, resource, sys, time
import polars as pl
from helpers.comments import classify_frame
from helpers.comments.learned import packaged
from helpers.comments.tokenize import segmenter
path, tokens, mode = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
df = pl.read_parquet(path)
t = time.perf_counter(); segmenter(); cold = time.perf_counter() - t
t = time.perf_counter(); [packaged(m).vocab_frame for m in ("intent", "sentiment")]
models = time.perf_counter() - t
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
out = classify_frame(df, tokens=tokens, mode=mode)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
agree = None
if "sim_intent" in out.columns:
    sim = out.filter(pl.col("sim_intent") != "fabricated")
    agree = float((sim["sim_intent"].str.split("_").list.first() == sim["intent_group"]).mean())
print(json.dumps({"rows": out.height, "distinct": df["text"].n_unique(), "seconds": dt,
                  "segmenter_load_s": cold, "models_load_s": models,
                  "rss_before_mb": before, "peak_mb": peak, "group_agreement": agree}))
"""


def run_child(path: Path, tokens: bool = True, mode: str = "live") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), "1" if tokens else "0", mode],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def snownlp_rate(texts: list[str]) -> float:
    """SnowNLP sentiments per second on ``texts`` (its model load excluded)."""
    from snownlp import SnowNLP

    scores = [SnowNLP("预热").sentiments]
    t = time.perf_counter()
    scores += [SnowNLP(x).sentiments for x in texts]
    return len(texts) / (time.perf_counter() - t)


def _rate(r: dict[str, Any]) -> float:
    return r["rows"] / r["seconds"]


def _stream(full: Path) -> float:
    """classify_frame on the simulated stream, with and without tokens; its rate with tokens."""
    r = run_child(full, tokens=True)
    rate = _rate(r)
    print(
        f"classify_frame (tokens + intent + sentiment): {r['seconds']:.2f}s, "
        f"{rate:,.0f} comments/s, "
        f"peak RSS {r['peak_mb']:.0f} MB (data loaded: {r['rss_before_mb']:.0f} MB), "
        f"segmenter load {r['segmenter_load_s']:.2f}s, learned models load "
        f"{r['models_load_s']:.2f}s (once per process)"
    )
    print(f"  agreement with the simulator's generating intent group: {r['group_agreement']:.1%}")
    r2 = run_child(full, tokens=False)
    print(
        f"classify_frame without tokens (intent + sentiment): {r2['seconds']:.2f}s, "
        f"{_rate(r2):,.0f} comments/s"
    )
    return rate


def _distinct(df: Any, tmp: str, k: int) -> float:
    """classify_frame with every text distinct (no de-duplication helps); its rate with tokens."""
    import polars as pl

    uniq = df.head(k).with_columns(
        # a number glued to the text: each comment is one new chunk for jieba (no cache helps)
        (pl.col("text") + pl.int_range(k, eager=False).cast(pl.String)).alias("text")
    )
    upath = Path(tmp) / "distinct.parquet"
    uniq.write_parquet(upath)
    r3 = run_child(upath, tokens=True)
    print(
        f"every text distinct ({k:,} comments, worst case for de-duplication): "
        f"{r3['seconds']:.2f}s, {_rate(r3):,.0f} comments/s"
    )
    r4 = run_child(upath, tokens=False)
    print(
        f"every text distinct, without tokens (intent + sentiment): {r4['seconds']:.2f}s, "
        f"{_rate(r4):,.0f} comments/s"
    )
    r5 = run_child(upath, tokens=False, mode="review")
    print(
        f"every text distinct, review mode (every text gets a sentiment), without tokens: "
        f"{r5['seconds']:.2f}s, {_rate(r5):,.0f} comments/s"
    )
    return _rate(r3)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        df = make_comments(N)
        gen_s = time.perf_counter() - t
        full = Path(tmp) / "comments.parquet"
        df.write_parquet(full)
        n_distinct = df["text"].n_unique()
        print(f"{N:,} simulated comments ({n_distinct:,} distinct texts) generated in {gen_s:.1f}s")
        rate = _stream(full)
        k = min(DISTINCT_N, N)
        worst = _distinct(df, tmp, k)

        sample = df.sample(min(SNOWNLP_N, N), seed=1)["text"].to_list()
        sn = snownlp_rate(sample)
        print(
            f"baseline SnowNLP sentiment alone on {len(sample):,} of the same comments: "
            f"{sn:,.0f} comments/s"
        )
        print(
            f"ratio: classify_frame {rate / sn:,.0f}x SnowNLP on the 1M set; "
            f"{worst / sn:,.1f}x with every text distinct"
        )
        print(
            f"summary: dedup-friendly stream (simulated, {n_distinct:,} distinct in {N:,}) "
            f"{rate:,.0f} comments/s; "
            f"all-distinct worst case ({k:,} distinct) {worst:,.0f} comments/s"
        )
        print(
            f"target >= 20,000 comments/s: {'met' if rate >= 20000 else 'NOT met'} "
            "on the simulated stream, "
            f"{'met' if worst >= 20000 else 'NOT met'} with every text distinct"
        )


if __name__ == "__main__":
    main()
