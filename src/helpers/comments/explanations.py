"""Questions around product explanations (讲解): per explanation, did questions rise against the
rest of the session, which question theme rose most, and did orders follow?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import polars as pl

from helpers.comments.series import explain_windows, minute_of


def _schema(ts: pl.DataType) -> dict[str, pl.DataType]:
    return {
        "product_id": pl.String(),
        "name": pl.String(),
        "start_ts": ts,
        "minutes": pl.Float64(),
        "questions": pl.Int64(),
        "questions_per_min": pl.Float64(),
        "question_lift": pl.Float64(),
        "top_question": pl.String(),
        "top_question_lift": pl.Float64(),
        "orders": pl.Int64(),
        "orders_per_min": pl.Float64(),
        "order_lift": pl.Float64(),
        "orders_followed": pl.Boolean(),
    }


def _spans(windows: pl.DataFrame) -> Iterator[tuple[datetime, datetime]]:
    yield from windows.select("start_ts", "end_ts").iter_rows()


def _floor(ts: datetime) -> datetime:
    return ts.replace(second=0, microsecond=0)


def _in_windows(windows: pl.DataFrame, col: str, *, by_minute: bool = False) -> pl.Expr:
    """Whether ``col`` falls in any window (``by_minute``: from the minute the window starts)."""
    inside = pl.lit(False)
    for s, e in _spans(windows):
        start = _floor(s) if by_minute else s
        inside = inside | ((pl.col(col) >= start) & (pl.col(col) < e))
    return inside


@dataclass(frozen=True)
class _Baseline:
    """The session outside every explanation: its minutes, question rate (overall and per
    intent), and orders per minute (None without orders in the trend)."""

    out_min: float
    question_rate: float
    by_intent: dict[str, int]
    trend: pl.DataFrame | None
    order_rate: float | None


def _session_minutes(classified: pl.DataFrame, trend: pl.DataFrame | None) -> float:
    t0 = cast(datetime, classified["ts"].min())
    t1 = cast(datetime, classified["ts"].max())
    if trend is not None and not trend.is_empty():
        t0 = min(t0, cast(datetime, trend["minute_ts"].min()))
        t1 = max(t1, cast(datetime, trend["minute_ts"].max()) + timedelta(minutes=1))
    return max((t1 - t0).total_seconds() / 60, 1.0)


def _baseline(
    classified: pl.DataFrame, q: pl.DataFrame, windows: pl.DataFrame, trend: pl.DataFrame | None
) -> _Baseline:
    expl_min = sum((e - s).total_seconds() / 60 for s, e in _spans(windows))
    out_min = max(_session_minutes(classified, trend) - expl_min, 1.0)
    outside_q = q.filter(~_in_windows(windows, "ts"))
    tr, order_rate = None, None
    if trend is not None and "orders" in trend.columns:
        tr = trend.select("minute_ts", "orders")
        outside = tr.filter(~_in_windows(windows, "minute_ts", by_minute=True))
        order_rate = float(outside["orders"].sum()) / max(outside.height, 1)
    by_intent = dict(outside_q.group_by("intent").len().iter_rows())
    return _Baseline(out_min, outside_q.height / out_min, by_intent, tr, order_rate)


def _top_question(
    wq: pl.DataFrame, minutes: float, base: _Baseline
) -> tuple[str | None, float | None]:
    """The question intent whose rate rose most in the window, and its lift (an intent never
    asked outside counts as asked once there)."""
    if not wq.height:
        return None, None
    rates = {k: v / base.out_min for k, v in base.by_intent.items()}
    by = (
        wq.group_by("intent")
        .len()
        .with_columns(
            (pl.col("len") / minutes).alias("rate"),
            pl.col("intent")
            .replace_strict(rates, default=None, return_dtype=pl.Float64)
            .alias("base"),
        )
        .with_columns((pl.col("rate") / pl.col("base").fill_null(1.0 / base.out_min)).alias("lift"))
        .sort(["lift", "len", "intent"], descending=[True, True, False])
    )
    return by["intent"][0], round(float(by["lift"][0]), 2)


def _window_orders(
    base: _Baseline, s: datetime, e: datetime, after_minutes: int
) -> tuple[int | None, float | None, float | None]:
    """Orders in the window and the ``after_minutes`` after it: count, per minute, lift."""
    if base.trend is None:
        return None, None, None
    span_end = e + timedelta(minutes=after_minutes)
    w = base.trend.filter((pl.col("minute_ts") >= _floor(s)) & (pl.col("minute_ts") < span_end))
    orders = int(w["orders"].sum())
    opm = round(orders / max(w.height, 1), 3)
    return orders, opm, round(opm / base.order_rate, 2) if base.order_rate else None


def _explanation_row(
    q: pl.DataFrame,
    base: _Baseline,
    window: tuple[Any, ...],
    after_minutes: int,
    names: dict[str, str],
) -> dict[str, Any]:
    pid, _label, s, e = window
    minutes = max((e - s).total_seconds() / 60, 1e-9)
    wq = q.filter((pl.col("ts") >= s) & (pl.col("ts") < e))
    rate = wq.height / minutes
    top, top_lift = _top_question(wq, minutes, base)
    orders, opm, olift = _window_orders(base, s, e, after_minutes)
    qlift = round(rate / base.question_rate, 2) if base.question_rate else None
    followed = None if olift is None or qlift is None else bool(qlift > 1 and olift > 1)
    return {
        "product_id": pid,
        "name": names.get(pid),
        "start_ts": s,
        "minutes": round(minutes, 1),
        "questions": wq.height,
        "questions_per_min": round(rate, 2),
        "question_lift": qlift,
        "top_question": top,
        "top_question_lift": top_lift,
        "orders": orders,
        "orders_per_min": opm,
        "order_lift": olift,
        "orders_followed": followed,
    }


def explanation_questions(
    classified: pl.DataFrame,
    events: pl.DataFrame,
    trend: pl.DataFrame | None = None,
    products: pl.DataFrame | None = None,
    *,
    after_minutes: int = 5,
) -> pl.DataFrame:
    """Per product explanation: did questions rise, which theme, and did orders follow?

    Columns: product_id, name, start_ts, minutes, questions, questions_per_min, question_lift
    (rate in the window / rate outside every explanation), top_question (the question intent whose
    rate rose most), top_question_lift, orders_per_min (window + ``after_minutes``), order_lift (vs
    the session's rate outside explanations), orders_followed (order_lift > 1 when questions rose).
    """
    windows = explain_windows(events)
    schema = _schema(classified.schema.get("ts", pl.Datetime()))
    if windows.is_empty() or classified.is_empty():
        return pl.DataFrame(schema=schema)
    q = classified.filter(pl.col("intent_group") == "question").with_columns(minute_of())
    base = _baseline(classified, q, windows, trend)
    names = (
        dict(products.select("product_id", "name").iter_rows())
        if products is not None and "name" in products.columns
        else {}
    )
    rows = [_explanation_row(q, base, w, after_minutes, names) for w in windows.iter_rows()]
    return pl.DataFrame(rows, schema=schema, orient="row")
