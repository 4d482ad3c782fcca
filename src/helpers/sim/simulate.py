"""Seeded simulator of a live-commerce room's week(s), with the ground truth it planted.

Public entry points: :func:`simulate_week` (canonical tables + truth), :func:`write_simulation`
(truth.json, canonical Parquet, platform exports) and :func:`cli_simulate` (``workbook simulate``).
The model, its parameters and the truth keys are documented in ``docs/simulator.md``; the
building blocks live in :mod:`helpers.sim`.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from helpers.data import schema
from helpers.sim import config as C
from helpers.sim.comments import INTENTS
from helpers.sim.pool import Catalogue, Pool
from helpers.sim.session import SessionSpec, simulate_session

log = logging.getLogger(__name__)

PURCHASE_MODEL = C.PURCHASE_MODEL
EVENT_LIFTS = C.EVENT_LIFTS
ELASTICITY = C.ELASTICITY
SEGMENTS = C.SEGMENTS
TABLE_NAMES = (
    "sessions",
    "trend",
    "events",
    "products",
    "viewers",
    "orders",
    "comments",
    "traffic",
    "targets",
)

__all__ = [
    "ELASTICITY",
    "EVENT_LIFTS",
    "PURCHASE_MODEL",
    "SEGMENTS",
    "SimulatedWeek",
    "cli_simulate",
    "session_id",
    "simulate_week",
    "write_simulation",
]


@dataclass
class SimulatedWeek:
    """Canonical tables (validated polars frames, all sessions together) and JSON-able truth."""

    tables: dict[str, pl.DataFrame]
    truth: dict[str, Any] = field(default_factory=dict)

    @property
    def session_ids(self) -> list[str]:
        return self.tables["sessions"]["session_id"].to_list()


def session_id(account: str, start: datetime) -> str:
    """The shared Douyin session-id rule: ``dy-{account}-{start:%Y%m%d-%H%M}``."""
    return f"dy-{account}-{start:%Y%m%d-%H%M}"


def _week_monday(week: str) -> date:
    try:
        year_s, wk_s = week.upper().split("-W")
        return date.fromisocalendar(int(year_s), int(wk_s), 1)
    except ValueError as exc:
        raise ValueError(f"week must look like 2026-W47, got {week!r}") from exc


def _specs(seed: int, viewers: int, sessions: int, week: str, weeks: int) -> list[SessionSpec]:
    if sessions < 1 or sessions > len(C.SLOTS):
        raise ValueError(f"sessions must be 1..{len(C.SLOTS)}, got {sessions}")
    if viewers < 100:
        raise ValueError(f"viewers must be at least 100, got {viewers}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    tz = ZoneInfo(schema.TZ)
    last_monday = _week_monday(week)
    seeds = np.random.SeedSequence(seed).generate_state(weeks * sessions, dtype=np.uint32)
    slots = sorted(C.SLOTS[:sessions], key=lambda s: (s[0], s[1]))
    integrity_at = (weeks - 1) * sessions + min(3, sessions - 1)
    specs: list[SessionSpec] = []
    for w in range(weeks):
        monday = last_monday - timedelta(weeks=weeks - 1 - w)
        for j, (day, hour, hours, host) in enumerate(slots):
            d = monday + timedelta(days=day)
            start = datetime(d.year, d.month, d.day, hour, 0, tzinfo=tz)
            k = w * sessions + j
            specs.append(
                SessionSpec(
                    session_id=session_id(C.ACCOUNT, start),
                    start=start,
                    minutes=hours * 60,
                    host=host,
                    viewers=viewers,
                    seed=int(seeds[k]),
                    integrity=k == integrity_at,
                )
            )
    return specs


def _targets(
    tables: dict[str, pl.DataFrame], sessions: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """Per-session targets near (never equal to) the actuals: gmv, uv_value, conversion_rate,
    viewers."""
    v = tables["viewers"].group_by("session_id").agg(viewers=pl.len())
    o = (
        tables["orders"]
        .group_by("session_id")
        .agg(gmv=pl.col("amount").sum(), buyers=pl.col("viewer_id").n_unique())
    )
    act = (
        sessions.select("session_id", "room", pl.col("start_ts").dt.date().alias("date"))
        .join(v, on="session_id")
        .join(o, on="session_id", how="left")
        .fill_null(0)
        .sort("date", "session_id")
    )
    rows = []
    for r in act.iter_rows(named=True):
        actual = {
            "gmv": r["gmv"],
            "uv_value": r["gmv"] / r["viewers"],
            "conversion_rate": r["buyers"] / r["viewers"],
            "viewers": float(r["viewers"]),
        }
        for metric, value in actual.items():
            f = float(rng.uniform(0.85, 1.2))
            if abs(f - 1) < 0.03:
                f += 0.05
            t = value * f
            t = (
                round(t, -2)
                if metric in ("gmv", "viewers") and t > 1000
                else round(t, 4 if metric == "conversion_rate" else 2)
            )
            rows.append(
                {
                    "metric": metric,
                    "target": float(t),
                    "session_id": r["session_id"],
                    "room": r["room"],
                    "date": r["date"],
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "target": pl.Float64,
            "session_id": pl.String,
            "room": pl.String,
            "date": pl.Date,
        },
    )


def simulate_week(
    seed: int = 7, viewers: int = 2000, sessions: int = 7, week: str = "2026-W47", weeks: int = 1
) -> SimulatedWeek:
    """Simulate ``weeks`` consecutive ISO weeks ending at ``week`` of the room ``暖阳服饰旗舰店``.

    ``viewers`` is the number of viewers per session (including the fabricated burst planted in
    one session of the last week). Same arguments → identical tables. See docs/simulator.md.
    """
    specs = _specs(seed, viewers, sessions, week, weeks)
    root = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    pool = Pool(root, viewers, len(specs))
    catalogue = Catalogue(root)
    parts: dict[str, list[pl.DataFrame]] = {}
    session_truth = []
    integrity: dict[str, Any] = {}
    for spec in specs:
        res = simulate_session(spec, pool, catalogue, np.random.default_rng(spec.seed))
        for name, df in res.tables.items():
            parts.setdefault(name, []).append(df)
        session_truth.append(
            res.truth | {"start_ts": spec.start.isoformat(), "minutes": spec.minutes}
        )
        if "integrity" in res.truth:
            integrity = res.truth.pop("integrity")
            session_truth[-1].pop("integrity", None)
        log.info(
            "simulated %s: %d viewers, %d buyers",
            spec.session_id,
            res.truth["viewers"],
            res.truth["buyers"],
        )
    sessions_df = pl.DataFrame(
        {
            "session_id": [s.session_id for s in specs],
            "platform": C.PLATFORM,
            "room": C.ROOM,
            "start_ts": pl.Series([s.start for s in specs]).dt.convert_time_zone(schema.TZ),
            "end_ts": pl.Series(
                [s.start + timedelta(minutes=s.minutes) for s in specs]
            ).dt.convert_time_zone(schema.TZ),
            "host": [s.host for s in specs],
            "title": [f"{C.ROOM} 冬季新品专场 {s.start:%m月%d日 %H:%M}" for s in specs],
            "category": C.CATEGORY,
            "account": C.ACCOUNT,
        }
    )
    tables: dict[str, pl.DataFrame] = {"sessions": sessions_df}
    for name in TABLE_NAMES[1:-1]:
        tables[name] = pl.concat(parts[name], how="vertical_relaxed")
    tables["targets"] = _targets(tables, sessions_df, root)
    tables = {name: schema.validate(name, tables[name]) for name in TABLE_NAMES}
    params = {"seed": seed, "viewers": viewers, "sessions": sessions, "week": week, "weeks": weeks}
    truth = _truth(params, session_truth, integrity, tables)
    truth["catalogue"] = catalogue.frame.with_columns(pl.col("attractiveness").round(4)).to_dicts()
    return SimulatedWeek(tables, truth)


#: the per-segment parameters the truth reports (each segment also lists the channels)
_SEGMENT_TRUTH_KEYS = (
    "label",
    "share",
    "watch_min",
    "likes",
    "comments",
    "shares",
    "clicks",
    "entry",
    "channel_p",
    "prior_visit",
    "prior_follower",
)


def _model_truth() -> dict[str, Any]:
    """The planted model: purchase coefficients, lifts, elasticity, refunds, segments, hosts."""
    return {
        "purchase_model": {
            **C.PURCHASE_MODEL,
            "coefficients_long_names": {
                _long_name(k): v for k, v in C.PURCHASE_COEFFICIENTS.items()
            },
        },
        "event_lifts": C.EVENT_LIFTS,
        "entry_lifts": C.ENTRY_LIFTS,
        "explain_pick_boost": C.EXPLAIN_PICK_BOOST,
        "elasticity": C.ELASTICITY,
        "refund_probability": C.REFUND_P,
        "role_shares": C.ROLE_SHARES,
        "extra_order_rate_per_lift_minute": C.EXTRA_ORDER_RATE,
        "extra_order_status_p": C.EXTRA_STATUS_P,
    }


def _first_order_truth(orders: pl.DataFrame) -> dict[str, Any]:
    """The first-order discount: expected from the unit distributions, realised in the orders."""
    first = cast(float | None, orders.filter(pl.col("first_order"))["amount"].mean())
    repeat = cast(float | None, orders.filter(~pl.col("first_order"))["amount"].mean())
    u1, ur = np.arange(1, 4) @ np.array(C.UNITS_FIRST), np.arange(1, 4) @ np.array(C.UNITS_REPEAT)
    return {
        "units_p_first": C.UNITS_FIRST,
        "units_p_repeat": C.UNITS_REPEAT,
        "expected_discount": round(float(1 - u1 / ur), 4),
        "realised_discount": round(1 - first / repeat, 4) if first and repeat else None,
    }


def _realised(tables: dict[str, pl.DataFrame]) -> dict[str, Any]:
    """What the simulation produced: viewers, orders, buyers, GMV and the realised shares."""
    o, v = tables["orders"], tables["viewers"]
    placed = o.height
    buyers = o.select(pl.struct("session_id", "viewer_id").n_unique()).item()
    unpaid = cast(float, o["status"].is_in(["unpaid", "cancelled"]).mean())
    return {
        "viewers": v.height,
        "distinct_viewers": v["viewer_id"].n_unique(),
        "orders": placed,
        "buyers": buyers,
        "conversion_rate": round(buyers / v.height, 5),
        "gmv": round(float(o["amount"].sum()), 2),
        "refund_share_of_gmv": (
            round(float(o["refund_amount"].sum()) / float(o["amount"].sum()), 4) if placed else None
        ),
        "unpaid_or_cancelled_share": round(unpaid, 4) if placed else None,
        "returning_share": round(cast(float, v["returning"].mean()), 4),
        "followed_share": round(cast(float, v["followed"].mean()), 4),
    }


def _truth(
    params: dict[str, Any],
    session_truth: list[dict[str, Any]],
    integrity: dict[str, Any],
    tables: dict[str, pl.DataFrame],
) -> dict[str, Any]:
    """truth.json: the arguments, the room, the planted model and what was realised."""
    segments = {
        name: {k: sp[k] for k in _SEGMENT_TRUTH_KEYS} | {"channels": list(C.CHANNELS)}
        for name, sp in C.SEGMENTS.items()
    }
    return {
        "generator": "helpers.sim.simulate.simulate_week",
        "params": params,
        "room": {
            "account": C.ACCOUNT,
            "room": C.ROOM,
            "platform": C.PLATFORM,
            "category": C.CATEGORY,
        },
        **_model_truth(),
        "first_order": _first_order_truth(tables["orders"]),
        "segments": segments,
        "hosts": C.HOSTS,
        "comment_intents": list(INTENTS),
        "integrity": integrity,
        "sessions": session_truth,
        "realised": _realised(tables),
    }


def _long_name(short: str) -> str:
    refs = C.PURCHASE_MODEL["reference_levels"]
    for var, ref in refs.items():
        if short.startswith(f"{var}[T."):
            return f"C({var}, Treatment('{ref}'))" + short[len(var) :]
    return short


def write_simulation(
    sim: SimulatedWeek,
    out: str | Path,
    formats: tuple[str, ...] = ("platform", "canonical"),
    seed: int = 7,
) -> dict[str, Path]:
    """Write truth.json, canonical/<table>.parquet and raw/ platform exports; returns the paths."""
    from helpers.pipeline.render import write_json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {"truth": out / "truth.json"}
    write_json(sim.truth, paths["truth"])
    if "canonical" in formats:
        cdir = out / "canonical"
        cdir.mkdir(exist_ok=True)
        for name, df in sim.tables.items():
            df.write_parquet(cdir / f"{name}.parquet")
        paths["canonical"] = cdir
    if "platform" in formats:
        try:
            from helpers.sim.platform_exports import write_platform_exports
        except ImportError as exc:
            log.warning(
                "platform exports skipped: helpers.sim.platform_exports is not available (%s)", exc
            )
        else:
            write_platform_exports(sim.tables, out / "raw", seed=seed)
            paths["raw"] = out / "raw"
    return paths


def cli_simulate(args: argparse.Namespace) -> int:
    """``workbook simulate``: simulate, write the outputs, print a short summary."""
    formats = tuple(f.strip() for f in str(args.formats).split(",") if f.strip())
    bad = [f for f in formats if f not in ("platform", "canonical")]
    if bad:
        raise ValueError(f"unknown format(s) {', '.join(bad)}; use platform, canonical")
    sim = simulate_week(
        seed=args.seed,
        viewers=args.viewers,
        sessions=args.sessions,
        week=args.week,
        weeks=getattr(args, "weeks", 1),
    )
    paths = write_simulation(sim, args.out, formats, seed=args.seed)
    r = sim.truth["realised"]
    print(
        f"simulated {len(sim.session_ids)} sessions: {r['viewers']:,} viewer-sessions, "
        f"{r['orders']:,} orders, "
        f"GMV {r['gmv']:,.2f} yuan, conversion {r['conversion_rate']:.2%}"
    )
    for k, p in paths.items():
        print(f"  {k}: {p}")
    return 0
