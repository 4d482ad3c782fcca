"""Time slots of a live show by its start hour: one definition for every report.

Each slot starts at its hour and runs to the next slot's (22:00–04:59 is night); labels are
``slot_<key>`` in :mod:`helpers.present.labels`.
"""

from __future__ import annotations

import itertools

import polars as pl

SLOTS = ((5, "morning"), (11, "noon"), (14, "afternoon"), (18, "evening"), (22, "night"))


def slot_key(hour: int) -> str:
    """The slot of a start hour."""
    for (start, key), (end, _) in itertools.pairwise(SLOTS):
        if start <= hour < end:
            return key
    return "night"


def slot_of(hour: pl.Expr) -> pl.Expr:
    """The slot of a start-hour column."""
    expr = pl.lit("night")
    for (start, key), (end, _) in itertools.pairwise(SLOTS):
        expr = pl.when((hour >= start) & (hour < end)).then(pl.lit(key)).otherwise(expr)
    return expr
