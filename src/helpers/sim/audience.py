"""Who watches a session and how: pool members by segment, entry and stay, interactions, channel,
the fabricated burst, and the documented purchase model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from helpers.sim import config as C
from helpers.sim.pool import Pool
from helpers.sim.runsheet import RunSheet
from helpers.sim.sampling import pick_rows

SEG_NAMES: tuple[str, ...] = (*C.SEGMENTS, "fabricated")
FAKE = len(C.SEGMENTS)  # segment code of fabricated viewers


@dataclass
class Audience:
    """Per-viewer arrays of one session (codes index the config tuples)."""

    idx: np.ndarray  # pool index
    seg: np.ndarray  # segment code (FAKE for fabricated)
    enter: np.ndarray  # seconds from the start
    leave: np.ndarray
    likes: np.ndarray
    comments: np.ndarray
    shares: np.ndarray
    clicks: np.ndarray  # browsing clicks (order clicks are added later)
    chan: np.ndarray
    device: np.ndarray
    region: np.ndarray
    female: np.ndarray  # 1 female, 0 male, -1 unknown
    age: np.ndarray
    was_follower: np.ndarray
    returning: np.ndarray
    followed: np.ndarray
    burst_start_s: float | None = None  # fabricated burst, if planted
    n_fake: int = 0

    @property
    def n(self) -> int:
        return len(self.idx)

    @property
    def watch(self) -> np.ndarray:
        return self.leave - self.enter


def _draw_members(rng: np.random.Generator, pool: Pool, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pool members split over the segments by their shares: pool indices, segment codes."""
    shares = np.array([s["share"] for s in C.SEGMENTS.values()])
    counts = rng.multinomial(n, shares / shares.sum())
    idx_parts, seg_parts = [], []
    for k, (name, cnt) in enumerate(zip(C.SEGMENTS, counts, strict=True)):
        members = pool.draw(name, int(cnt), rng)
        idx_parts.append(members)
        seg_parts.append(np.full(len(members), k, dtype=np.int64))
    return np.concatenate(idx_parts), np.concatenate(seg_parts)


def _draw_behaviour(
    rng: np.random.Generator,
    sheet: RunSheet,
    seg: np.ndarray,
    was_follower: np.ndarray,
    host_mult: float,
) -> dict[str, np.ndarray]:
    """Per viewer, by segment: entry second, watch seconds, likes, comments, shares, browsing
    clicks, channel (followers favour 关注) and the chance to follow."""
    n, D = len(seg), sheet.minutes
    profiles = sheet.entry_profiles()
    out = {"enter": np.empty(n), "watch": np.empty(n), "follow_p": np.empty(n)}
    for name in ("likes", "comments", "shares", "clicks", "chan"):
        out[name] = np.empty(n, dtype=np.int64)
    for k, sp in enumerate(C.SEGMENTS.values()):
        sel = seg == k
        c = int(sel.sum())
        if not c:
            continue
        mins = rng.choice(D, size=c, p=profiles[sp["entry"]])
        out["enter"][sel] = (mins + rng.random(c)) * 60.0
        med = sp["watch_min"] * 60.0 * host_mult
        watch = np.exp(np.log(med) + sp["watch_sigma"] * rng.standard_normal(c))
        out["watch"][sel] = watch
        rel = np.sqrt(np.clip(watch / med, 0.05, 20))
        out["likes"][sel] = rng.poisson(sp["likes"] * rel * np.exp(0.4 * rng.standard_normal(c)))
        out["comments"][sel] = rng.poisson(sp["comments"] * rel)
        out["shares"][sel] = rng.poisson(sp["shares"] * rel)
        out["clicks"][sel] = rng.poisson(sp["clicks"] * np.exp(0.3 * rng.standard_normal(c)))
        cp = np.tile(np.array(sp["channel_p"], dtype=float), (c, 1))
        fol = was_follower[sel]
        cp[fol] = 0.5 * cp[fol]
        cp[fol, C.CHANNELS.index("关注")] += 0.5
        out["chan"][sel] = pick_rows(rng, cp)
        out["follow_p"][sel] = sp["follow_p"]
    return out


def draw_audience(
    rng: np.random.Generator, pool: Pool, sheet: RunSheet, viewers: int, host: str, integrity: bool
) -> Audience:
    """Draw ``viewers`` viewers (4% fabricated if ``integrity``) with their behaviour."""
    end_s = sheet.minutes * 60.0
    n_fake = round(C.FAKE_SHARE * viewers) if integrity else 0
    idx, seg = _draw_members(rng, pool, viewers - n_fake)
    was_follower = pool.follower[idx].copy()
    b = _draw_behaviour(rng, sheet, seg, was_follower, C.HOSTS[host])
    enter = np.minimum(b["enter"], end_s - 1.0)
    aud = Audience(
        idx=idx,
        seg=seg,
        enter=enter,
        leave=np.minimum(enter + np.maximum(b["watch"], 1.0), end_s),
        likes=b["likes"],
        comments=b["comments"],
        shares=b["shares"],
        clicks=b["clicks"],
        chan=b["chan"],
        device=pool.device[idx],
        region=pool.region[idx],
        female=pool.female[idx],
        age=pool.age[idx],
        was_follower=was_follower,
        returning=pool.seen[idx].copy(),
        followed=~was_follower & (rng.random(len(idx)) < b["follow_p"]),
    )
    if n_fake:
        _add_fabricated(aud, rng, pool, n_fake, sheet.minutes, viewers)
    return aud


def _add_fabricated(
    aud: Audience, rng: np.random.Generator, pool: Pool, n_fake: int, D: int, viewers: int
) -> None:
    """The integrity plant: ``n_fake`` entries within 2 minutes, < 5 s stays, one channel; the first
    max(20, 1% of viewers) post the same comment."""
    b0 = float(int(D * 0.4) * 60)
    f_enter = b0 + rng.random(n_fake) * C.FAKE_BURST_S
    f_leave = f_enter + 1.0 + rng.random(n_fake) * (C.FAKE_MAX_WATCH_S - 1.0)
    n_dup = min(n_fake, max(20, round(0.01 * viewers)))
    f_comments = np.zeros(n_fake, dtype=np.int64)
    f_comments[:n_dup] = 1
    zeros = np.zeros(n_fake, dtype=np.int64)
    no = np.zeros(n_fake, dtype=bool)
    add = {
        "idx": pool.new_fakes(n_fake),
        "seg": np.full(n_fake, FAKE),
        "enter": f_enter,
        "leave": f_leave,
        "likes": zeros,
        "comments": f_comments,
        "shares": zeros,
        "clicks": zeros,
        "chan": np.full(n_fake, C.CHANNELS.index(C.FAKE_CHANNEL)),
        "device": (rng.random(n_fake) < 0.2).astype(np.int64),
        "region": rng.integers(0, len(C.REGIONS), n_fake),
        "female": np.full(n_fake, -1),
        "age": rng.integers(0, 3, n_fake),
        "was_follower": no,
        "returning": no,
        "followed": no,
    }
    for name, values in add.items():
        setattr(aud, name, np.concatenate([getattr(aud, name), values]))
    aud.burst_start_s = b0
    aud.n_fake = n_fake


def purchase_eta(aud: Audience, start: datetime) -> np.ndarray:
    """The linear predictor of :data:`config.PURCHASE_MODEL` on the audience's final covariates."""
    coef = C.PURCHASE_COEFFICIENTS
    entry_hour = ((start.hour * 60 + start.minute + aud.enter / 60.0) // 60) % 24
    prime = (entry_hour >= 20) & (entry_hour < 22)
    chan_coef = np.array([coef.get(f"channel[T.{c}]", 0.0) for c in C.CHANNELS])
    dev_coef = np.array([coef.get(f"device[T.{d}]", 0.0) for d in C.DEVICES])
    reg_coef = np.array([coef.get(f"region[T.{r}]", 0.0) for r in C.REGIONS])
    return (
        coef["Intercept"]
        + coef["log_watch_min"] * np.log1p(aud.watch / 60.0)
        + coef["log_interactions"] * np.log1p(aud.likes + aud.comments + aud.shares)
        + coef["was_follower"] * aud.was_follower
        + coef["returning"] * aud.returning
        + chan_coef[aud.chan]
        + dev_coef[aud.device]
        + reg_coef[aud.region]
        + coef["prime_time"] * prime
    )


def draw_buyers(rng: np.random.Generator, aud: Audience, start: datetime) -> np.ndarray:
    """Indices (rows of the audience) of the viewers who buy, from the logistic model."""
    p = 1.0 / (1.0 + np.exp(-purchase_eta(aud, start)))
    return np.flatnonzero(rng.random(aud.n) < p)
