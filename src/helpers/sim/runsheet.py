"""A session's run sheet (讲解 windows, 福袋 lotteries, coupons, one flash sale) and its effects.

Times are whole minutes from the session start. The sheet gives per-minute activity arrays, the
entry-intensity profiles per segment (events pull viewers in) and the order-intensity lift
(:data:`config.EVENT_LIFTS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from helpers.sim import config as C
from helpers.sim.sampling import to_ts


@dataclass
class RunSheet:
    minutes: int
    explain: np.ndarray  # per minute: index of the product explained, -1 if none
    windows: list[tuple[int, int, int]]  # (start, end, product index) of each 讲解
    lottery: np.ndarray  # per minute: a lottery runs
    lotteries: list[tuple[int, int]]
    coupon: np.ndarray
    coupons: list[tuple[int, int, str]]
    flash: np.ndarray
    flash_window: tuple[int, int, int]  # (start, end, product index)

    def order_lift(self) -> np.ndarray:
        """Per-minute multiplicative lift on the order intensity (product of active events)."""
        lift = np.ones(self.minutes)
        lift *= np.where(self.explain >= 0, C.EVENT_LIFTS["explain"], 1.0)
        lift *= np.where(self.lottery, C.EVENT_LIFTS["lottery"], 1.0)
        lift *= np.where(self.coupon, C.EVENT_LIFTS["coupon"], 1.0)
        lift *= np.where(self.flash, C.EVENT_LIFTS["flash_sale"], 1.0)
        return lift

    def entry_profiles(self) -> dict[str, np.ndarray]:
        """Per entry profile (early, promo, flat, late): probability of entering in each minute."""
        D = self.minutes
        m = np.arange(D, dtype=float)
        base = np.minimum(1.0, (m + 1) / 8) * (1 + 0.8 * np.exp(-(((m - 20) / 12) ** 2)))
        lift = np.ones(D)
        lift *= np.where(self.lottery, C.ENTRY_LIFTS["lottery"], 1.0)
        lift *= np.where(self.coupon, C.ENTRY_LIFTS["coupon"], 1.0)
        lift *= np.where(self.flash, C.ENTRY_LIFTS["flash_sale"], 1.0)
        prof = {
            "early": (base * np.exp(-m / 20) * 4 + 0.1) * np.sqrt(lift),
            "promo": base * lift**2,
            "flat": base * lift,
            "late": base * (0.2 + m / D) * lift,
        }
        return {k: v / v.sum() for k, v in prof.items()}

    def events_frame(
        self, session_id: str, start: datetime, products: pl.DataFrame
    ) -> pl.DataFrame:
        """The canonical ``events`` table of the sheet."""
        pid = products["product_id"].to_list()
        names = products["name"].to_list()
        ev: list[tuple[float, float, str, str | None, str]] = []
        for s, e, p in self.windows:
            ev.append((s, e, "explain", pid[p], f"讲解 {p + 1}号 {names[p]}"))
        for s, e in self.lotteries:
            ev.append((s, e, "lottery", None, "福袋"))
        for s, e, label in self.coupons:
            ev.append((s, e, "coupon", None, label))
        fs0, fs1, fp = self.flash_window
        ev.append((fs0, fs1, "flash_sale", pid[fp], f"秒杀 {fp + 1}号 {names[fp]}"))
        ev.sort(key=lambda x: (x[0], x[2]))
        return pl.DataFrame(
            {
                "session_id": session_id,
                "start_ts": to_ts(start, np.array([x[0] for x in ev]) * 60.0),
                "kind": [x[2] for x in ev],
                "end_ts": to_ts(start, np.array([x[1] for x in ev]) * 60.0),
                "product_id": pl.Series([x[3] for x in ev], dtype=pl.String),
                "label": [x[4] for x in ev],
            }
        )


def draw_run_sheet(rng: np.random.Generator, minutes: int, roles: np.ndarray) -> RunSheet:
    """Back-to-back 讲解 windows (3-8 min, heroes first), hourly lotteries, three coupons, a flash
    sale."""
    D = minutes
    explain = np.full(D, -1, dtype=np.int64)
    windows: list[tuple[int, int, int]] = []
    hero = np.flatnonzero(roles == "hero")
    others = np.flatnonzero(roles != "hero")
    order = list(rng.permutation(hero)) + list(rng.permutation(others))
    t, k = 3, 0
    while t < D - 4:
        dur = int(rng.integers(3, 9))
        if k < len(order):
            p = int(order[k])
        else:
            p = int(rng.choice(hero if rng.random() < 0.5 else others))
        end = min(t + dur, D - 1)
        windows.append((t, end, p))
        explain[t:end] = p
        k += 1
        t = end + (int(rng.integers(1, 4)) if rng.random() < 0.3 else 0)
    lottery = np.zeros(D, dtype=bool)
    lotteries: list[tuple[int, int]] = []
    for s in range(25 + int(rng.integers(0, 6)), D - 5, 60):
        e = s + int(rng.integers(3, 6))
        lottery[s:e] = True
        lotteries.append((s, e))
    coupon = np.zeros(D, dtype=bool)
    coupons: list[tuple[int, int, str]] = []
    for s0, dur, label in (
        (8, 10, "开场券 满199减30"),
        (D // 2, 8, "限时券 满299减50"),
        (D - 30, 10, "返场券 满199减20"),
    ):
        s = int(s0 + rng.integers(-2, 3))
        coupon[s : s + dur] = True
        coupons.append((s, s + dur, label))
    flash = np.zeros(D, dtype=bool)
    fs = int(D * 2 // 3 + rng.integers(-5, 5))
    traffic = np.flatnonzero(roles == "traffic")
    flash_product = int(rng.choice(traffic)) if len(traffic) else 0
    flash[fs : fs + 5] = True
    return RunSheet(
        D, explain, windows, lottery, lotteries, coupon, coupons, flash, (fs, fs + 5, flash_product)
    )
