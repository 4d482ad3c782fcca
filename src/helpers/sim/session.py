"""One simulated live session: products and run sheet, audience, purchases, orders, clicks,
comments, then the canonical tables.

Everything is vectorised numpy; frames are built in polars at the end. Times inside the
simulation are seconds from the session start (:func:`sampling.to_ts` makes timestamps). The
order of random draws is fixed, so a session seed reproduces the session exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from helpers.sim import config as C
from helpers.sim.aggregates import Clicks, products_frame, traffic_frame, trend_frame
from helpers.sim.audience import FAKE, SEG_NAMES, Audience, draw_audience, draw_buyers
from helpers.sim.comments import draw_comments
from helpers.sim.orders import OrderLines, draw_orders, orders_frame
from helpers.sim.pool import Catalogue, Pool
from helpers.sim.runsheet import RunSheet, draw_run_sheet
from helpers.sim.sampling import minute_of, take, to_ts, uniform_in_stay


@dataclass
class SessionSpec:
    """What to simulate: identity, timing, host, size, seed, and whether to plant the integrity
    burst."""

    session_id: str
    start: datetime
    minutes: int
    host: str
    viewers: int
    seed: int
    integrity: bool = False


@dataclass
class SessionResult:
    tables: dict[str, pl.DataFrame]
    truth: dict[str, Any] = field(default_factory=dict)


def _draw_clicks(
    rng: np.random.Generator, aud: Audience, sheet: RunSheet, attract: np.ndarray, o: OrderLines
) -> Clicks:
    """Browsing clicks uniform in the stay (the explained product favoured) + one per order line,
    shortly before it (so every buyer clicked what they bought)."""
    P, D = len(attract), sheet.minutes
    c_row = np.repeat(np.arange(aud.n), aud.clicks)
    c_ts = uniform_in_stay(rng, c_row, aud.enter, aud.watch)
    # weights attract + (boost - 1) * attract[explained]: a two-part mixture, sampled exactly
    c_prod = rng.choice(P, size=len(c_row), p=attract / attract.sum())
    cex = sheet.explain[minute_of(c_ts, D)]
    extra = np.where(cex >= 0, (C.EXPLAIN_PICK_BOOST / 2 - 1) * attract[np.maximum(cex, 0)], 0.0)
    to_explained = rng.random(len(c_row)) * (attract.sum() + extra) < extra
    c_prod[to_explained] = cex[to_explained]
    oc_ts = np.maximum(aud.enter[o.row], o.ts - 5 - 55 * rng.random(len(o.row)))
    return Clicks(
        row=np.concatenate([c_row, o.row]),
        product=np.concatenate([c_prod, o.product]),
        ts=np.concatenate([c_ts, oc_ts]),
    )


def _comments(
    rng: np.random.Generator,
    spec: SessionSpec,
    aud: Audience,
    sheet: RunSheet,
    o: OrderLines,
    n_products: int,
    viewer_ids: pl.Series,
) -> tuple[pl.DataFrame, np.ndarray]:
    """``aud.comments`` comments per viewer at uniform times in the stay; returns the frame and
    each comment's minute."""
    D = sheet.minutes
    row = np.repeat(np.arange(aud.n), aud.comments)
    ts = uniform_in_stay(rng, row, aud.enter, aud.watch)
    minute = minute_of(ts, D)
    first_order_ts = np.full(aud.n, np.inf)
    np.minimum.at(first_order_ts, o.row, o.ts)
    explained = sheet.explain[minute]
    prod_no = np.where(explained >= 0, explained + 1, rng.integers(1, n_products + 1, len(row)))
    texts, intents, tags = draw_comments(
        rng,
        aud.seg[row],
        SEG_NAMES,
        explained >= 0,
        ts >= first_order_ts[row],
        aud.returning[row],
        prod_no,
    )
    fake = np.flatnonzero(aud.seg[row] == FAKE)
    if len(fake):
        texts = texts.scatter(fake, C.DUPLICATE_TEXT)
        intents = intents.scatter(fake, "fabricated")
    by_time = np.argsort(ts, kind="stable")
    frame = pl.DataFrame(
        {
            "session_id": spec.session_id,
            "ts": to_ts(spec.start, ts[by_time]),
            "text": texts[by_time],
            "viewer_id": viewer_ids.gather(row[by_time]),
            "tag": tags[by_time],
            "sim_intent": intents[by_time],
        }
    )
    return frame, minute


def _viewers_frame(
    spec: SessionSpec, aud: Audience, viewer_ids: pl.Series, clicks: Clicks
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "session_id": spec.session_id,
            "viewer_id": viewer_ids,
            "enter_ts": to_ts(spec.start, aud.enter),
            "leave_ts": to_ts(spec.start, aud.leave),
            "source": take(C.CHANNELS, aud.chan),
            "device": take(C.DEVICES, aud.device),
            "region": take(C.REGIONS, aud.region),
            "gender": take(("unknown", "male", "female"), aud.female + 1),
            "age_band": take(C.AGE_BANDS, aud.age),
            "was_follower": aud.was_follower,
            "returning": aud.returning,
            "followed": aud.followed,
            "likes": aud.likes,
            "comments": aud.comments,
            "shares": aud.shares,
            "product_clicks": np.bincount(clicks.row, minlength=aud.n),
            "sim_segment": take(SEG_NAMES, aud.seg),
        }
    )
    # watch_s from the stored (µs) timestamps, so leave_ts - enter_ts == watch_s exactly
    watch = ((pl.col("leave_ts") - pl.col("enter_ts")).dt.total_microseconds() / 1e6).alias(
        "watch_s"
    )
    return frame.select(
        "session_id",
        "viewer_id",
        "enter_ts",
        watch,
        pl.exclude("session_id", "viewer_id", "enter_ts"),
    )


def _session_truth(
    spec: SessionSpec, aud: Audience, buyers: int, ads: dict[str, float]
) -> dict[str, Any]:
    """The session's truth: its seed, size, host, conversion, paid-traffic prices, segments."""
    return {
        "session_id": spec.session_id,
        "seed": spec.seed,
        "viewers": aud.n,
        "host": spec.host,
        "host_watch_multiplier": C.HOSTS[spec.host],
        "buyers": buyers,
        "conversion_rate": round(buyers / aud.n, 5),
        "cpm": round(ads["cpm"], 2),
        "qianchuan_ctr": round(ads["ctr"], 4),
        "segment_counts": {name: int((aud.seg == k).sum()) for k, name in enumerate(SEG_NAMES)},
    }


def _integrity_truth(spec: SessionSpec, aud: Audience) -> dict[str, Any]:
    """Where the fabricated burst of entries and its duplicated comments were planted."""
    b0 = float(aud.burst_start_s or 0.0)
    return {
        "session_id": spec.session_id,
        "fabricated_entries": {
            "n": aud.n_fake,
            "start_ts": to_ts(spec.start, np.array([b0]))[0].isoformat(),
            "end_ts": to_ts(spec.start, np.array([b0 + C.FAKE_BURST_S]))[0].isoformat(),
            "channel": C.FAKE_CHANNEL,
            "max_watch_s": C.FAKE_MAX_WATCH_S,
            "sim_segment": "fabricated",
        },
        "duplicated_comments": {
            "text": C.DUPLICATE_TEXT,
            "n": int(aud.comments[aud.seg == FAKE].sum()),
        },
    }


def simulate_session(
    spec: SessionSpec, pool: Pool, catalogue: Catalogue, rng: np.random.Generator
) -> SessionResult:
    """Simulate one session, update the pool (seen, followers, buyers), return canonical tables."""
    sid = spec.session_id
    products = catalogue.for_session(rng)
    sheet = draw_run_sheet(rng, spec.minutes, products["role"].to_numpy())
    aud = draw_audience(rng, pool, sheet, spec.viewers, spec.host, spec.integrity)
    buyers = draw_buyers(rng, aud, spec.start)
    o = draw_orders(rng, aud, buyers, sheet, products, pool)
    clicks = _draw_clicks(rng, aud, sheet, products["attractiveness"].to_numpy(), o)
    viewer_ids = pool.ids(aud.idx)
    comments, comment_minutes = _comments(rng, spec, aud, sheet, o, products.height, viewer_ids)
    products_df = products_frame(rng, sid, products, sheet, aud, o, clicks)
    traffic, ads = traffic_frame(rng, sid, aud, o)
    trend = trend_frame(rng, sid, spec.start, sheet, aud, o, clicks, comment_minutes, ads["spend"])

    # carry the room's state to later sessions (fabricated viewers never return)
    real = aud.seg != FAKE
    pool.seen[aud.idx[real]] = True
    pool.follower[aud.idx[real & aud.followed]] = True
    pool.has_ordered[aud.idx[o.row[real[o.row]]]] = True

    truth = _session_truth(spec, aud, len(buyers), ads)
    if aud.n_fake:
        truth["integrity"] = _integrity_truth(spec, aud)
    tables = {
        "trend": trend,
        "events": sheet.events_frame(sid, spec.start, products),
        "products": products_df,
        "viewers": _viewers_frame(spec, aud, viewer_ids, clicks).sort("enter_ts", "viewer_id"),
        "orders": orders_frame(o, sid, spec.start, spec.seed, viewer_ids, products),
        "comments": comments,
        "traffic": traffic,
    }
    return SessionResult(tables, truth)
