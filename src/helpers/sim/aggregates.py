"""Session aggregates built from the viewer- and order-level draws: products, traffic, trend.

Every count here is a sum over the simulated viewers, clicks and orders, so the tables agree with
each other exactly (the tests check it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from helpers.sim import config as C
from helpers.sim.audience import Audience
from helpers.sim.orders import OrderLines
from helpers.sim.runsheet import RunSheet
from helpers.sim.sampling import distinct_pairs, minute_of, to_ts, uniform_in_stay


@dataclass
class Clicks:
    row: np.ndarray  # audience row
    product: np.ndarray
    ts: np.ndarray


def products_frame(
    rng: np.random.Generator,
    session_id: str,
    products: pl.DataFrame,
    sheet: RunSheet,
    aud: Audience,
    o: OrderLines,
    clicks: Clicks,
) -> pl.DataFrame:
    """Per product: exposure and click UV (clickers ⊂ exposed), orders, units, buyers, GMV,
    refunds."""
    n, P, D = aud.n, products.height, sheet.minutes
    clicks_uv = distinct_pairs(clicks.row, clicks.product, n, P)
    expl_share = np.bincount(sheet.explain[sheet.explain >= 0], minlength=P) / D
    p_exp = np.clip(0.25 + 1.5 * expl_share, 0, 0.95)
    exposures_uv = clicks_uv + rng.binomial(n - clicks_uv, p_exp)
    return products.select(
        "product_id", "name", "category", "price", "list_price", "role"
    ).with_columns(
        session_id=pl.lit(session_id),
        exposures_uv=exposures_uv,
        clicks_uv=clicks_uv,
        orders=np.bincount(o.product, minlength=P),
        units=np.bincount(o.product, weights=o.units, minlength=P).astype(np.int64),
        buyers=np.bincount(np.unique(o.product * n + o.row) // n, minlength=P),
        gmv=np.round(np.bincount(o.product, weights=o.amount, minlength=P), 2),
        refund_amount=np.round(np.bincount(o.product, weights=o.refund, minlength=P), 2),
    )


def traffic_frame(
    rng: np.random.Generator, session_id: str, aud: Audience, o: OrderLines
) -> tuple[pl.DataFrame, dict[str, float]]:
    """Per channel: viewers, views (with re-entries), orders and GMV by the buyer's channel, and
    千川 impressions/spend. Returns the frame and the session's 千川 economics."""
    K = len(C.CHANNELS)
    reentries = rng.poisson(0.05 + 0.01 * np.minimum(aud.watch / 60.0, 60.0))
    ch_viewers = np.bincount(aud.chan, minlength=K)
    ch_views = ch_viewers + np.bincount(aud.chan, weights=reentries, minlength=K).astype(np.int64)
    o_source = aud.chan[o.row]
    qc = C.CHANNELS.index("千川")
    cpm = float(rng.uniform(*C.CPM_RANGE))
    ctr = float(rng.uniform(*C.QIANCHUAN_CTR_RANGE))
    impressions = round(ch_views[qc] / ctr)
    spend = round(impressions * cpm / 1000.0, 2)
    frame = pl.DataFrame(
        {
            "session_id": session_id,
            "channel": list(C.CHANNELS),
            "viewers": ch_viewers,
            "paid": [c in C.PAID_CHANNELS for c in C.CHANNELS],
            "views": ch_views,
            "gmv": np.round(np.bincount(o_source, weights=o.amount, minlength=K), 2),
            "orders": np.bincount(o_source, minlength=K),
            "spend": [spend if c == "千川" else 0.0 for c in C.CHANNELS],
            "impressions": [impressions if c == "千川" else None for c in C.CHANNELS],
        }
    ).filter(pl.Series(ch_viewers > 0))
    return frame, {"cpm": cpm, "ctr": ctr, "spend": spend}


def trend_frame(
    rng: np.random.Generator,
    session_id: str,
    start: datetime,
    sheet: RunSheet,
    aud: Audience,
    o: OrderLines,
    clicks: Clicks,
    comment_minutes: np.ndarray,
    spend: float,
) -> pl.DataFrame:
    """Per minute: online (present during the minute), entries, exits, interactions at their times,
    orders, buyers, GMV (all lines placed), paid GMV, 千川 spend spread by 千川 entries."""
    D, n = sheet.minutes, aud.n
    watch = aud.watch
    e_min = minute_of(aud.enter, D)
    l_min = np.maximum(np.minimum((np.ceil(aud.leave / 60.0) - 1).astype(np.int64), D - 1), e_min)
    diff = np.bincount(e_min, minlength=D + 1) - np.bincount(l_min + 1, minlength=D + 1)
    rows = np.arange(n)
    like_min = minute_of(uniform_in_stay(rng, np.repeat(rows, aud.likes), aud.enter, watch), D)
    share_min = minute_of(uniform_in_stay(rng, np.repeat(rows, aud.shares), aud.enter, watch), D)
    follow_min = minute_of(uniform_in_stay(rng, np.flatnonzero(aud.followed), aud.enter, watch), D)
    qc_entries = np.bincount(e_min[aud.chan == C.CHANNELS.index("千川")], minlength=D).astype(float)
    ad_spend = spend * qc_entries / qc_entries.sum() if qc_entries.sum() else np.zeros(D)
    return pl.DataFrame(
        {
            "session_id": session_id,
            "minute_ts": to_ts(start, np.arange(D) * 60.0),
            "online": np.cumsum(diff)[:D],
            "entries": np.bincount(e_min, minlength=D),
            "exits": np.bincount(l_min, minlength=D),
            "likes": np.bincount(like_min, minlength=D),
            "comments": np.bincount(comment_minutes, minlength=D),
            "shares": np.bincount(share_min, minlength=D),
            "new_followers": np.bincount(follow_min, minlength=D),
            "product_clicks": np.bincount(minute_of(clicks.ts, D), minlength=D),
            "orders": np.bincount(o.minute, minlength=D),
            "buyers": np.bincount(np.unique(o.minute * n + o.row) // n, minlength=D),
            "gmv": np.round(np.bincount(o.minute, weights=o.amount, minlength=D), 2),
            "paid_gmv": np.round(
                np.bincount(o.minute, weights=np.where(o.paid, o.amount, 0.0), minlength=D), 2
            ),
            "ad_spend": np.round(ad_spend, 4),
        }
    )
