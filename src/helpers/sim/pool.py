"""The room's persistent state across sessions: the viewer pool and the product catalogue."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from helpers.sim import config as C

_ID_MULT = 2_654_435_761  # coprime with _ID_MOD: i -> (i * mult + add) mod M is a permutation
_ID_MOD = 9_000_000_000


class Pool:
    """Persistent viewers, one contiguous block per segment, plus spare slots for fabricated ids.

    Per viewer: segment, gender (1 female, 0 male), age band, device, region (indices into the
    config tuples) and state updated by sessions in time order: ``seen`` (visited before; starts
    from a pre-history), ``follower`` and ``has_ordered``.
    """

    def __init__(self, rng: np.random.Generator, viewers: int, total_sessions: int) -> None:
        T = max(1, total_sessions)
        self.ranges: dict[str, tuple[int, int]] = {}
        start = 0
        for name, sp in C.SEGMENTS.items():
            per = viewers * sp["share"]
            kind, _, x = sp["pool"].partition(":")
            if kind == "fixed":
                size = per * float(x)
            elif kind == "weekly":
                size = per * max(1.25, float(x) * T)
            else:
                size = per * T * 1.3
            size = math.ceil(size + 3 * math.sqrt(per) + 10)
            self.ranges[name] = (start, start + size)
            start += size
        self.size = start
        cap = start + int(C.FAKE_SHARE * viewers) + 2
        self._next_fake = start
        seg = np.zeros(cap, dtype=np.int64)
        female = np.zeros(cap, dtype=np.int64)
        age = np.zeros(cap, dtype=np.int64)
        self.seen = np.zeros(cap, dtype=bool)
        self.follower = np.zeros(cap, dtype=bool)
        self.has_ordered = np.zeros(cap, dtype=bool)
        for k, (name, sp) in enumerate(C.SEGMENTS.items()):
            a, b = self.ranges[name]
            m = b - a
            seg[a:b] = k
            female[a:b] = rng.random(m) < sp["female"]
            age[a:b] = rng.choice(len(C.AGE_BANDS), size=m, p=sp["age_p"])
            self.seen[a:b] = rng.random(m) < sp["prior_visit"]
            self.follower[a:b] = self.seen[a:b] & (
                rng.random(m) < sp["prior_follower"] / max(sp["prior_visit"], 1e-9)
            )
            self.has_ordered[a:b] = self.seen[a:b] & (
                rng.random(m) < sp["prior_buyer"] / max(sp["prior_visit"], 1e-9)
            )
        self.segment = seg
        self.female = female
        self.age = age
        self.device = rng.choice(len(C.DEVICES), size=cap, p=C.DEVICE_P)
        self.region = rng.choice(len(C.REGIONS), size=cap, p=C.REGION_P)
        self._id_add = int(rng.integers(0, _ID_MOD))

    def draw(self, segment: str, k: int, rng: np.random.Generator) -> np.ndarray:
        """``k`` distinct pool members of a segment (fewer if the segment pool is smaller)."""
        a, b = self.ranges[segment]
        k = min(k, b - a)
        return a + np.sort(rng.choice(b - a, size=k, replace=False))

    def new_fakes(self, k: int) -> np.ndarray:
        """Fresh indices for fabricated viewers (never drawn again)."""
        out = np.arange(self._next_fake, self._next_fake + k)
        self._next_fake += k
        return out

    def ids(self, idx: np.ndarray) -> pl.Series:
        """10-digit viewer ids, unique per pool index, not ordered by segment."""
        num = 1_000_000_000 + (idx.astype(np.int64) * _ID_MULT + self._id_add) % _ID_MOD
        return pl.Series(num, dtype=pl.Int64).cast(pl.String)


class Catalogue:
    """~40 apparel products; each session lists 15-25 of them with its own prices and roles."""

    def __init__(self, rng: np.random.Generator) -> None:
        rows = []
        used: set[str] = set()
        ids = rng.choice(10**15, size=sum(c["n"] for c in C.CATALOGUE.values()), replace=False)
        j = 0
        for cat, spec in C.CATALOGUE.items():
            for _ in range(spec["n"]):
                style, word = rng.choice(C.STYLE_WORDS), rng.choice(spec["words"])
                name = f"暖阳 {style}{word} {rng.choice(C.SEASON_WORDS)}"
                while name in used:
                    name += "Ⅱ"
                used.add(name)
                lo, hi = spec["price"]
                lp = float(np.round(rng.uniform(lo, hi) / 10) * 10 - 1)
                rows.append(
                    {
                        "product_id": f"3701{int(ids[j]):015d}",
                        "name": name,
                        "category": cat,
                        "base_list_price": lp,
                        "attractiveness": float(np.exp(0.5 * rng.standard_normal())),
                    }
                )
                j += 1
        self.frame = pl.DataFrame(rows).with_columns(
            ref_price=pl.col("base_list_price").median().over("category")
        )

    def for_session(self, rng: np.random.Generator) -> pl.DataFrame:
        """The session's product list in link order, with role, list price and selling price."""
        cat = self.frame["category"].to_numpy()
        k = int(rng.integers(15, 26))
        picked: list[int] = []
        for c in C.CATALOGUE:
            picked += list(rng.choice(np.flatnonzero(cat == c), size=2, replace=False))
        rest = np.setdiff1d(np.arange(self.frame.height), picked)
        picked += list(rng.choice(rest, size=k - len(picked), replace=False))
        df = self.frame[np.array(picked)].with_row_index("i")
        att = df["attractiveness"].to_numpy()
        n_hero = round(C.ROLE_SHARES["hero"] * k)
        n_traffic = round(C.ROLE_SHARES["traffic"] * k)
        role = np.full(k, "profit", dtype=object)
        hero = np.argsort(-att, kind="stable")[:n_hero]
        role[hero] = "hero"
        rest_i = np.setdiff1d(np.arange(k), hero)
        lp = df["base_list_price"].to_numpy() * rng.choice([0.9, 1.0, 1.0, 1.1], size=k)
        lp = np.round(lp / 10) * 10 - 1
        traffic = rest_i[np.argsort(lp[rest_i], kind="stable")[:n_traffic]]
        role[traffic] = "traffic"
        lo = np.select([role == "hero", role == "traffic"], [0.55, 0.35], 0.70)
        disc = lo + 0.2 * rng.random(k)
        price = np.maximum(9.9, np.round(lp * disc) - 0.1)
        out = df.with_columns(
            role=pl.Series(role.astype(str)),
            list_price=lp,
            price=price,
        )
        perm = rng.permutation(k)
        return out[perm].drop("i", "base_list_price")
