"""Host scorecards: GMV per hour of air time against what the same time slots made per hour
(slots by start hour: :data:`helpers.metrics.slots.SLOTS`)."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.present import sections
from helpers.present.i18n import t
from helpers.weekly.data import WeekData, pooled

#: Tier by the slot index (the host's GMV / what the slots made per hour for the host's hours):
#: at or above each threshold in turn, else C.
TIERS = (("S", 1.2), ("A", 1.0), ("B", 0.8))
HOST_MIN_SESSIONS = 2  # a bootstrap interval over the host's sessions needs at least this many
HOST_BOOT = 1000


def _slot_frame(df: pl.DataFrame) -> pl.DataFrame:
    from helpers.metrics.slots import slot_of

    hours = pl.col("duration_min").cast(pl.Float64) / 60.0
    slot = slot_of(pl.col("start_ts").dt.hour())
    return df.with_columns(hours.alias("hours"), slot.alias("slot"), pl.col("host").fill_null("—"))


def slot_rates(data: WeekData) -> dict[str, float]:
    """GMV per hour of each slot over the window's sessions (the week and its reference weeks)."""
    df = _slot_frame(data.kpis).filter(pl.col("gmv").is_not_null() & (pl.col("hours") > 0))
    g = df.group_by("slot").agg((pl.col("gmv").sum() / pl.col("hours").sum()).alias("rate"))
    return dict(g.iter_rows())


def tier(index: float | None) -> str | None:
    """The tier of a slot index (:data:`TIERS`)."""
    if index is None:
        return None
    return next((name for name, cut in TIERS if index >= cut), "C")


def _host_row(host: str, df: pl.DataFrame, rates: dict[str, float], seed: int) -> dict[str, Any]:
    from helpers.metrics.stats import bootstrap_ratio

    gmv, hours = df["gmv"].to_numpy(), df["hours"].to_numpy()
    expected = (
        df["slot"].replace_strict(rates, default=None, return_dtype=pl.Float64).to_numpy() * hours
    )
    row: dict[str, Any] = {
        "host": host,
        "tier": None,
        "sessions": df.height,
        "hours": float(hours.sum()),
        "gmv": float(gmv.sum()),
        "slots": ", ".join(sorted(set(df["slot"].to_list()))),
        "gmv_per_hour": float(gmv.sum() / hours.sum()),
        "slot_gmv_per_hour": float(expected.sum() / hours.sum()),
    }
    row["slot_index"] = float(gmv.sum() / expected.sum()) if expected.sum() > 0 else None
    lo = hi = ilo = ihi = None
    if df.height >= HOST_MIN_SESSIONS:
        ph = bootstrap_ratio(gmv, hours, n_boot=HOST_BOOT, seed=seed)
        ix = bootstrap_ratio(gmv, expected, n_boot=HOST_BOOT, seed=seed)
        lo, hi, ilo, ihi = ph.lo, ph.hi, ix.lo, ix.hi
    row |= {
        "gmv_per_hour_lo": lo,
        "gmv_per_hour_hi": hi,
        "slot_index_lo": ilo,
        "slot_index_hi": ihi,
    }
    for k in ("conversion_rate", "uv_value"):
        row[k] = pooled(df, k)
    row["tier"] = tier(row["slot_index"])
    return row


@sections.section("week_hosts", needs=["sessions.host"])
def host_scorecards(data: WeekData, *, seed: int = 0) -> pl.DataFrame:
    """Per host over the week's sessions with GMV and air time: GMV per hour of air time with a
    bootstrap interval over the host's sessions (seeded; ≥ :data:`HOST_MIN_SESSIONS` sessions),
    the slot index (host GMV / Σ session hours × the slot's GMV per hour over the window) with its
    interval, and the tier (:data:`TIERS`). Pooled conversion and UV value for context."""
    week = _slot_frame(data.this_week).filter(pl.col("gmv").is_not_null() & (pl.col("hours") > 0))
    if week.height == 0:
        return pl.DataFrame(
            schema={"host": pl.String, "gmv_per_hour": pl.Float64, "tier": pl.String}
        )
    rates = slot_rates(data)
    rows = [
        _host_row(str(h), df, rates, seed)
        for (h,), df in sorted(week.group_by("host"), key=lambda kv: str(kv[0][0]))
    ]
    out = pl.DataFrame(rows, infer_schema_length=None)
    return out.sort(
        ["slot_index", "gmv_per_hour", "host"], descending=[True, True, False], nulls_last=True
    )


def tier_rule(lang: str = "zh") -> str:
    """The host tier rule, from :data:`TIERS`, the slots and the bootstrap settings."""
    from helpers.metrics.slots import SLOTS

    bands = [f"{t('slot_' + key, lang)}" for _, key in SLOTS]
    cuts = {name.lower(): f"{cut:g}" for name, cut in TIERS}
    return t("wr_tier_rule", lang).format(
        slots=t("wr_stage_sep", lang).join(bands), n=HOST_BOOT, min=HOST_MIN_SESSIONS, **cuts
    )
