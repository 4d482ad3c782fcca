"""Order lines of a session's buyers: when (event lifts), what (attractiveness × price^-elasticity,
the explained product favoured), how many units, and what became of them (status, refunds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from helpers.sim import config as C
from helpers.sim.audience import Audience
from helpers.sim.pool import Pool
from helpers.sim.runsheet import RunSheet
from helpers.sim.sampling import lift_exposure, minute_of, pick_rows, sample_in_windows, to_ts


@dataclass
class OrderLines:
    row: np.ndarray  # audience row of the buyer, sorted by (row, ts)
    ts: np.ndarray  # seconds from the start
    minute: np.ndarray
    product: np.ndarray  # product index in the session list
    units: np.ndarray
    amount: np.ndarray
    status: np.ndarray  # str
    refund: np.ndarray
    first: np.ndarray  # buyer's first order line in the room

    @property
    def paid(self) -> np.ndarray:
        return (self.status == "paid") | (self.status == "refunded")


def draw_orders(
    rng: np.random.Generator,
    aud: Audience,
    buyers: np.ndarray,
    sheet: RunSheet,
    products: pl.DataFrame,
    pool: Pool,
) -> OrderLines:
    """One order line per buyer plus Poisson add-ons, placed and priced as documented."""
    D = sheet.minutes
    lift = sheet.order_lift()
    exposure = lift_exposure(lift, aud.leave[buyers]) - lift_exposure(lift, aud.enter[buyers])
    n_ord = 1 + rng.poisson(C.EXTRA_ORDER_RATE * exposure)
    row = np.repeat(buyers, n_ord)
    ts = sample_in_windows(rng, lift, aud.enter[row], aud.leave[row])
    order = np.lexsort((ts, row))  # the first line per buyer is the primary (paid/refunded) one
    row, ts = row[order], ts[order]
    primary = np.ones(len(row), dtype=bool)
    primary[1:] = row[1:] != row[:-1]
    minute = minute_of(ts, D)

    price = products["price"].to_numpy()
    elast = np.array([C.ELASTICITY[c] for c in products["category"]])
    base = products["attractiveness"].to_numpy() * (price / products["ref_price"].to_numpy()) ** (
        -elast
    )
    w = np.tile(base, (len(row), 1))
    ex = sheet.explain[minute]
    hit = ex >= 0
    w[np.flatnonzero(hit), ex[hit]] *= C.EXPLAIN_PICK_BOOST
    fs0, fs1, fp = sheet.flash_window
    w[np.flatnonzero((minute >= fs0) & (minute < fs1)), fp] *= 3.0
    product = pick_rows(rng, w)

    first = primary & ~pool.has_ordered[aud.idx[row]]
    u_first = rng.choice(3, size=len(row), p=C.UNITS_FIRST) + 1
    u_rep = rng.choice(3, size=len(row), p=C.UNITS_REPEAT) + 1
    units = np.where(first, u_first, u_rep)
    amount = np.round(price[product] * units, 2)
    status = np.full(len(row), "paid", dtype=object)
    r = rng.random(len(row))
    pu, pc = C.EXTRA_STATUS_P["unpaid"], C.EXTRA_STATUS_P["cancelled"]
    status[~primary & (r < pu)] = "unpaid"
    status[~primary & (r >= pu) & (r < pu + pc)] = "cancelled"
    refund_p = np.array([C.REFUND_P[c] for c in products["category"]])[product]
    refunded = (status == "paid") & (rng.random(len(row)) < refund_p)
    status[refunded] = "refunded"
    return OrderLines(
        row=row,
        ts=ts,
        minute=minute,
        product=product,
        units=units,
        amount=amount,
        status=status.astype(str),
        refund=np.where(refunded, amount, 0.0),
        first=first,
    )


def orders_frame(
    o: OrderLines,
    session_id: str,
    start: datetime,
    seed: int,
    viewer_ids: pl.Series,
    products: pl.DataFrame,
) -> pl.DataFrame:
    """The canonical ``orders`` table, in time order, with ids unique per session seed."""
    by_time = np.argsort(o.ts, kind="stable")
    pid = products["product_id"].to_numpy()
    return pl.DataFrame(
        {
            "session_id": session_id,
            "order_id": [f"69{seed % 10**6:06d}{i:09d}" for i in range(len(o.row))],
            "ts": to_ts(start, o.ts[by_time]),
            "amount": o.amount[by_time],
            "status": o.status[by_time],
            "viewer_id": viewer_ids.gather(o.row[by_time]),
            "product_id": pid[o.product[by_time]],
            "units": o.units[by_time],
            "refund_amount": o.refund[by_time],
            "first_order": o.first[by_time],
        }
    )
