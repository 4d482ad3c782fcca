"""Pitch detection throughput: a 3-hour transcript and 100k distinct comments.

The transcript (one line a second, ~10,800 lines) and the comments are generated here from
sentence templates with varying numbers, so every comment text is distinct (no benefit from
de-duplication). Timed: element detection (normalisation + every element's regex + link
numbers), the per-minute table, the golden-30-seconds openings, the compliance scan of the
transcript and of the comments, and the question-to-answer matching (which classifies the
comments with ``helpers.comments``).

    python -m bench pitch
    WORKBOOK_BENCH_PITCH_COMMENTS=20000 python -m bench.pitch   # smaller, while developing
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

HOURS = 3
N_COMMENTS = int(os.environ.get("WORKBOOK_BENCH_PITCH_COMMENTS", "100000"))
T0 = datetime(2026, 11, 20, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

SPEECH = (
    "宝宝们是不是一到换季皮肤就干到起皮",
    "这款面霜专柜价{n}九，今天直播间到手价只要{m}元",
    "库存不多了，最后{k}分钟，赶紧拍",
    "{n}号链接已经上了，点赞关注扣1",
    "福袋马上开奖，关注主播参与抽奖",
    "我们的面料是纯棉的，亲肤透气，已售{n}万件",
    "拍{k}单的宝贝记得备注，我们{k}天内发货",
    "这是全网最低价，第一次来的宝贝可以放心拍",
    "19號鏈接馬上下單，錯過今天就恢復原價了",
    "家人们喝口水，我们马上回来",
)
COMMENTS = (
    "{n}号链接怎么拍",
    "{n}斤穿什么码？",
    "什么时候发货{n}",
    "还有库存吗{n}",
    "多少钱一件{n}",
    "主播好{n}",
    "已拍{n}单",
    "全网最低价吗{n}",
    "敏感肌能用吗{n}",
    "好看{n}",
)


def transcript(hours: int = HOURS, seed: int = 7):
    """A transcript of one line a second for ``hours`` hours."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    n = hours * 3600
    pick = rng.integers(0, len(SPEECH), n)
    nums = rng.integers(1, 30, n)
    texts = [
        SPEECH[p].format(n=int(x), m=int(x) + 20, k=int(x) % 5 + 1)
        for p, x in zip(pick, nums, strict=True)
    ]
    start = [T0 + timedelta(seconds=i) for i in range(n)]
    return pl.DataFrame(
        {
            "session_id": "bench",
            "start_ts": start,
            "end_ts": [s + timedelta(seconds=0.8) for s in start],
            "text": texts,
        }
    ).cast(
        {
            "start_ts": pl.Datetime("us", "Asia/Shanghai"),
            "end_ts": pl.Datetime("us", "Asia/Shanghai"),
        }
    )


def comments(n: int = N_COMMENTS, hours: int = HOURS, seed: int = 8):
    """``n`` comments spread over ``hours`` hours, every text distinct."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(COMMENTS), n)
    texts = [
        COMMENTS[p].format(n=i) for i, p in enumerate(pick)
    ]  # the running number makes each distinct
    secs = np.sort(rng.uniform(0, hours * 3600, n))
    return pl.DataFrame(
        {
            "session_id": "bench",
            "ts": [T0 + timedelta(seconds=float(s)) for s in secs],
            "text": texts,
            "viewer_id": rng.integers(0, n // 4, n).astype(str),
        }
    ).cast({"ts": pl.Datetime("us", "Asia/Shanghai")})


def _timed(label: str, rows: int, unit: str, fn):
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    print(f"{label}: {dt:.2f}s, {rows / dt:,.0f} {unit}/s")
    return out


def main() -> None:
    """Generate the data and print the rates."""
    from helpers.pitch import answers, compliance, elements, minutes, opening

    tr = transcript()
    cm = comments()
    print(
        f"{tr.height:,} transcript lines ({HOURS} hours), {cm.height:,} comments "
        f"({cm['text'].n_unique():,} distinct texts)"
    )
    elements.detect(tr.head(50))  # rules loaded and compiled once, outside the timing
    det = _timed(
        "element detection on the transcript", tr.height, "lines", lambda: elements.detect(tr)
    )
    _timed("per-minute table", tr.height, "lines", lambda: minutes.minute_table(det))
    _timed("golden 30 s of the link calls", tr.height, "lines", lambda: opening.golden_30s(det))
    hits = _timed(
        "compliance scan of the transcript",
        tr.height,
        "lines",
        lambda: compliance.scan(tr, "transcript", ts_col="start_ts"),
    )
    chits = _timed(
        "compliance scan of the comments (all distinct)",
        cm.height,
        "comments",
        lambda: compliance.scan(cm, "comment"),
    )
    matched = _timed(
        "questions matched to answers (classification included)",
        cm.height,
        "comments",
        lambda: answers.match(answers.questions(cm), det),
    )
    print(
        f"  {hits.height:,} transcript hits, {chits.height:,} comment hits, "
        f"{matched.height:,} questions "
        f"({int(matched['answer_ts'].is_not_null().sum()):,} answered)"
    )


if __name__ == "__main__":
    main()
