"""The minute story: per-minute series, the run sheet, what was on screen, peaks and troughs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import polars as pl

from helpers.data.store import Session
from helpers.present import sections
from helpers.present.i18n import t
from helpers.review.common import POINT_EVENT_MIN, SCREEN_PRIORITY, _f, _minute


@dataclass
class MinuteStory:
    minutes: (
        pl.DataFrame
    )  # minute_ts, online, entries, exits, orders, gmv, on_screen, kind, product_id
    events: pl.DataFrame  # start_ts, end_ts, kind, product_id, label, name
    extrema: pl.DataFrame  # minute_ts, series, kind (peak/trough), value, on_screen


def _products_names(s: Session) -> dict[str, str]:
    if not s.has("products"):
        return {}
    return dict(zip(s.products["product_id"].to_list(), s.products["name"].to_list(), strict=True))


def run_sheet(s: Session) -> pl.DataFrame:
    """The session's events with an end for every event (point events last POINT_EVENT_MIN minutes)
    and the explained product's name."""
    cols = {"start_ts": s.events.schema.get("start_ts", pl.Datetime("us", "Asia/Shanghai"))}
    if not s.has("events"):
        return pl.DataFrame(
            schema={
                "start_ts": cols["start_ts"],
                "end_ts": cols["start_ts"],
                "kind": pl.String,
                "product_id": pl.String,
                "label": pl.String,
                "name": pl.String,
            }
        )
    ev = s.events
    for c in ("end_ts", "product_id", "label"):
        if c not in ev.columns:
            ev = ev.with_columns(
                pl.lit(None).cast(pl.String if c != "end_ts" else ev.schema["start_ts"]).alias(c)
            )
    names = _products_names(s)
    ev = ev.with_columns(
        pl.coalesce(
            pl.col("end_ts"), pl.col("start_ts") + timedelta(minutes=POINT_EVENT_MIN)
        ).alias("end_ts"),
        pl.col("product_id")
        .replace_strict(names, default=None, return_dtype=pl.String)
        .alias("name"),
    )
    return ev.select("start_ts", "end_ts", "kind", "product_id", "label", "name").sort(
        "start_ts", "kind"
    )


def screen_timeline(s: Session, minutes: pl.Series) -> pl.DataFrame:
    """What was on screen each minute: the highest-priority active event (flash sale, lottery,
    coupon, 讲解 of a product), ``none`` otherwise."""
    mins = pl.DataFrame({"minute_ts": minutes})
    ev = run_sheet(s)
    if ev.height == 0:
        return mins.with_columns(
            pl.lit("none").alias("kind"),
            pl.lit(None, dtype=pl.String).alias("product_id"),
            pl.lit("none").alias("on_screen"),
        )
    prio = {k: i for i, k in enumerate(SCREEN_PRIORITY)}
    active = (
        mins.join(ev, how="cross")
        .filter(
            (pl.col("start_ts") <= pl.col("minute_ts") + timedelta(seconds=59))
            & (pl.col("end_ts") > pl.col("minute_ts"))
        )
        .with_columns(
            pl.col("kind")
            .replace_strict(prio, default=len(prio), return_dtype=pl.Int64)
            .alias("_p")
        )
        .sort("minute_ts", "_p", "start_ts")
        .group_by("minute_ts", maintain_order=True)
        .first()
        .select("minute_ts", "kind", "product_id", "name", "label")
    )
    out = mins.join(active, on="minute_ts", how="left").with_columns(
        pl.col("kind").fill_null("none")
    )
    return out.with_columns(
        pl.when(pl.col("kind") == "explain")
        .then(
            pl.concat_str(
                [
                    pl.lit("explain: "),
                    pl.coalesce(pl.col("name"), pl.col("product_id"), pl.lit("?")),
                ]
            )
        )
        .otherwise(pl.col("kind"))
        .alias("on_screen")
    ).select("minute_ts", "kind", "product_id", "on_screen")


def minute_frame(s: Session) -> pl.DataFrame:
    """Per-minute series: online (trend), entries/exits (trend, else viewers), orders/GMV (orders,
    else trend). Minutes span the session."""
    start = s.info["start_ts"]
    end = s.info["end_ts"]
    grid = pl.DataFrame(
        {
            "minute_ts": pl.datetime_range(
                start.replace(second=0, microsecond=0),
                end,
                "1m",
                time_zone=str(start.tzinfo),
                eager=True,
                closed="left",
            )
        }
    )
    grid = grid.with_columns(pl.col("minute_ts").dt.cast_time_unit("us"))
    tr = s.trend
    out = grid
    if s.has("trend"):
        keep = [c for c in ("online", "entries", "exits") if c in tr.columns]
        out = out.join(tr.select("minute_ts", *keep), on="minute_ts", how="left")
    if "online" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias("online"))
    if s.has("viewers"):
        v = s.viewers
        if "entries" not in out.columns or out["entries"].null_count() == out.height:
            ent = v.group_by(_minute("enter_ts").alias("minute_ts")).agg(
                pl.len().cast(pl.Int64).alias("entries")
            )
            out = out.drop("entries", strict=False).join(ent, on="minute_ts", how="left")
        if (
            "exits" not in out.columns or out["exits"].null_count() == out.height
        ) and "leave_ts" in v.columns:
            ex = v.group_by(_minute("leave_ts").alias("minute_ts")).agg(
                pl.len().cast(pl.Int64).alias("exits")
            )
            out = out.drop("exits", strict=False).join(ex, on="minute_ts", how="left")
    for c in ("entries", "exits"):
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias(c))
    if s.has("orders"):
        o = s.orders.group_by(_minute("ts").alias("minute_ts")).agg(
            pl.len().cast(pl.Int64).alias("orders"), pl.col("amount").sum().alias("gmv")
        )
        out = out.join(o, on="minute_ts", how="left").with_columns(
            pl.col("orders").fill_null(0), pl.col("gmv").fill_null(0.0)
        )
    elif s.has("trend") and "orders" in tr.columns:
        out = out.join(
            tr.select("minute_ts", "orders", *(["gmv"] if "gmv" in tr.columns else [])),
            on="minute_ts",
            how="left",
        )
    for c, dt in (("orders", pl.Int64), ("gmv", pl.Float64)):
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dt).alias(c))
    return out.sort("minute_ts")


def find_extrema(
    minutes: pl.DataFrame,
    series: str,
    *,
    n: int = 3,
    smooth: int = 5,
    min_prominence: float = 0.15,
    distance: int = 10,
) -> pl.DataFrame:
    """Peaks and troughs of a per-minute series (scipy ``find_peaks`` on a centred rolling mean).

    Prominence must reach ``min_prominence`` of the series' range; at most ``n`` of each, the most
    prominent, at least ``distance`` minutes apart.
    """
    from scipy.signal import find_peaks

    empty = pl.DataFrame(
        schema={
            "minute_ts": minutes.schema["minute_ts"],
            "series": pl.String,
            "kind": pl.String,
            "value": pl.Float64,
            "prominence": pl.Float64,
        }
    )
    if (
        series not in minutes.columns
        or minutes[series].null_count() == minutes.height
        or minutes.height < 5
    ):
        return empty
    y = (
        minutes[series]
        .fill_null(0)
        .cast(pl.Float64)
        .rolling_mean(smooth, center=True, min_samples=1)
        .to_numpy()
    )
    rng = float(np.nanmax(y) - np.nanmin(y))
    if rng <= 0:
        return empty
    rows = []
    for kind, sign in (("peak", 1.0), ("trough", -1.0)):
        idx, props = find_peaks(sign * y, prominence=min_prominence * rng, distance=distance)
        top = np.argsort(-props["prominences"], kind="stable")[:n]
        for i in sorted(idx[top]):
            j = int(np.flatnonzero(idx == i)[0])
            # found on the smoothed series; reported as observed at that minute (what happened)
            rows.append(
                {
                    "minute_ts": minutes["minute_ts"][int(i)],
                    "series": series,
                    "kind": kind,
                    "value": _f(minutes[series][int(i)]),
                    "prominence": float(props["prominences"][j]),
                }
            )
    if not rows:
        return empty
    return pl.DataFrame(rows, schema=empty.schema).sort("minute_ts")


def screen_label(on_screen: str | None, lang: str = "zh") -> str:
    """What was on screen, in words: ``explain: X`` → ``讲解 X`` / ``explaining X``; kinds
    translated."""
    if not on_screen:
        return "–"
    if on_screen.startswith("explain: "):
        return t("review.explaining", lang, name=on_screen.removeprefix("explain: "))
    return t(on_screen, lang)


@sections.section("review.story", needs=["trend|orders|viewers"])
def minute_story(s: Session) -> MinuteStory:
    """The minute story: per-minute series with what was on screen, the run sheet, and the peaks
    and troughs of online viewers and orders (annotated with what was on screen then)."""
    mins = minute_frame(s)
    screen = screen_timeline(s, mins["minute_ts"])
    mins = mins.join(screen, on="minute_ts", how="left")
    orders_peaks = find_extrema(mins, "orders", n=3, smooth=3).filter(pl.col("kind") == "peak")
    ext = pl.concat([find_extrema(mins, "online"), orders_peaks])
    ext = ext.join(mins.select("minute_ts", "on_screen"), on="minute_ts", how="left").sort(
        "minute_ts", "series"
    )
    return MinuteStory(mins, run_sheet(s), ext)
