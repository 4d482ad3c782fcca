"""One simulated live session: run sheet, viewers, purchases, orders, clicks, comments, aggregates.

Everything is vectorised numpy; frames are built in polars at the end. Times inside the
simulation are seconds from the session start; :func:`to_ts` turns them into Asia/Shanghai
timestamps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from .. import schema
from . import config as C
from .comments import draw_comments
from .pool import Catalogue, Pool

log = logging.getLogger(__name__)

SEG_NAMES: tuple[str, ...] = (*C.SEGMENTS, "fabricated")
FAKE = len(C.SEGMENTS)


@dataclass
class SessionSpec:
    """What to simulate: identity, timing, host, size, seed, and whether to plant the integrity burst."""

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


def to_ts(start: datetime, secs: np.ndarray) -> pl.Series:
    """Seconds from ``start`` → tz-aware Asia/Shanghai timestamps (µs)."""
    base = round(start.timestamp() * 1_000_000)
    us = base + np.round(np.asarray(secs, dtype=float) * 1_000_000).astype(np.int64)
    return (
        pl.Series(us, dtype=pl.Int64)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(schema.TZ)
    )


def _pick_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of ``weights`` (rows need not be normalised)."""
    cw = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cw[:, -1]
    return np.minimum((cw < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _sample_in_windows(
    rng: np.random.Generator, lift: np.ndarray, a_s: np.ndarray, b_s: np.ndarray
) -> np.ndarray:
    """Times in [a, b] (seconds) with density proportional to the per-minute ``lift``."""
    cum = np.concatenate([[0.0], np.cumsum(lift)])
    D = len(lift)

    def cdf(t_s: np.ndarray) -> np.ndarray:
        t = np.clip(t_s / 60.0, 0, D)
        m = np.minimum(np.floor(t).astype(np.int64), D - 1)
        return cum[m] + (t - m) * lift[m]

    lo, hi = cdf(a_s), cdf(b_s)
    u = lo + rng.random(len(a_s)) * (hi - lo)
    m = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, D - 1)
    t = (m + (u - cum[m]) / lift[m]) * 60.0
    return np.clip(t, a_s, b_s)


def run_sheet(
    rng: np.random.Generator, minutes: int, n_products: int, roles: np.ndarray
) -> dict[str, Any]:
    """Explain windows, hourly lotteries, coupons and one flash sale; per-minute activity arrays."""
    D = minutes
    explain = np.full(D, -1, dtype=np.int64)
    windows: list[tuple[int, int, int]] = []
    hero = np.flatnonzero(roles == "hero")
    others = np.flatnonzero(roles != "hero")
    order = list(rng.permutation(hero)) + list(rng.permutation(others))
    t, k = 3, 0
    while t < D - 4:
        dur = int(rng.integers(3, 9))
        p = int(order[k % len(order)]) if k < len(order) else int(rng.choice(hero if rng.random() < 0.5 else others))
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
    for s, dur, label in ((8, 10, "开场券 满199减30"), (D // 2, 8, "限时券 满299减50"), (D - 30, 10, "返场券 满199减20")):
        s = int(s + rng.integers(-2, 3))
        coupon[s : s + dur] = True
        coupons.append((s, s + dur, label))
    flash = np.zeros(D, dtype=bool)
    fs = int(D * 2 // 3 + rng.integers(-5, 5))
    traffic = np.flatnonzero(roles == "traffic")
    flash_product = int(rng.choice(traffic)) if len(traffic) else 0
    flash[fs : fs + 5] = True
    return {
        "explain": explain,
        "windows": windows,
        "lottery": lottery,
        "lotteries": lotteries,
        "coupon": coupon,
        "coupons": coupons,
        "flash": flash,
        "flash_window": (fs, fs + 5, flash_product),
    }


def _entry_profiles(sheet: dict[str, Any], D: int) -> dict[str, np.ndarray]:
    m = np.arange(D, dtype=float)
    base = np.minimum(1.0, (m + 1) / 8) * (1 + 0.8 * np.exp(-(((m - 20) / 12) ** 2)))
    lift = np.ones(D)
    lift *= np.where(sheet["lottery"], C.ENTRY_LIFTS["lottery"], 1.0)
    lift *= np.where(sheet["coupon"], C.ENTRY_LIFTS["coupon"], 1.0)
    lift *= np.where(sheet["flash"], C.ENTRY_LIFTS["flash_sale"], 1.0)
    prof = {
        "early": (base * np.exp(-m / 20) * 4 + 0.1) * np.sqrt(lift),
        "promo": base * lift**2,
        "flat": base * lift,
        "late": base * (0.2 + m / D) * lift,
    }
    return {k: v / v.sum() for k, v in prof.items()}


def simulate_session(
    spec: SessionSpec, pool: Pool, catalogue: Catalogue, rng: np.random.Generator
) -> SessionResult:
    """Simulate one session, update the pool (seen, followers, buyers), return canonical tables."""
    D = spec.minutes
    end_s = D * 60.0
    host_mult = C.HOSTS[spec.host]

    # products and run sheet
    prods = catalogue.for_session(rng)
    P = prods.height
    roles = prods["role"].to_numpy()
    price = prods["price"].to_numpy()
    attract = prods["attractiveness"].to_numpy()
    elast = np.array([C.ELASTICITY[c] for c in prods["category"]])
    sheet = run_sheet(rng, D, P, roles)
    explain = sheet["explain"]

    # who comes: segment counts, pool members, fabricated burst
    n_fake = round(C.FAKE_SHARE * spec.viewers) if spec.integrity else 0
    n_real = spec.viewers - n_fake
    shares = np.array([s["share"] for s in C.SEGMENTS.values()])
    counts = rng.multinomial(n_real, shares / shares.sum())
    idx_parts, seg_parts = [], []
    for k, (name, cnt) in enumerate(zip(C.SEGMENTS, counts, strict=True)):
        members = pool.draw(name, int(cnt), rng)
        idx_parts.append(members)
        seg_parts.append(np.full(len(members), k, dtype=np.int64))
    idx = np.concatenate(idx_parts)
    seg = np.concatenate(seg_parts)
    n_r = len(idx)

    # entry and watch time
    profiles = _entry_profiles(sheet, D)
    enter = np.empty(n_r)
    watch = np.empty(n_r)
    likes = np.empty(n_r, dtype=np.int64)
    comments = np.empty(n_r, dtype=np.int64)
    shares_n = np.empty(n_r, dtype=np.int64)
    clicks = np.empty(n_r, dtype=np.int64)
    chan = np.empty(n_r, dtype=np.int64)
    follow_p = np.empty(n_r)
    was_follower = pool.follower[idx].copy()
    for k, (name, sp) in enumerate(C.SEGMENTS.items()):
        sel = seg == k
        c = int(sel.sum())
        if not c:
            continue
        mins = rng.choice(D, size=c, p=profiles[sp["entry"]])
        enter[sel] = (mins + rng.random(c)) * 60.0
        med = sp["watch_min"] * 60.0 * host_mult
        watch[sel] = np.exp(np.log(med) + sp["watch_sigma"] * rng.standard_normal(c))
        rel = np.sqrt(np.clip(watch[sel] / med, 0.05, 20))
        likes[sel] = rng.poisson(sp["likes"] * rel * np.exp(0.4 * rng.standard_normal(c)))
        comments[sel] = rng.poisson(sp["comments"] * rel)
        shares_n[sel] = rng.poisson(sp["shares"] * rel)
        clicks[sel] = rng.poisson(sp["clicks"] * np.exp(0.3 * rng.standard_normal(c)))
        cp = np.tile(np.array(sp["channel_p"], dtype=float), (c, 1))
        fol = was_follower[sel]
        cp[fol] = 0.5 * cp[fol]
        cp[fol, C.CHANNELS.index("关注")] += 0.5
        chan[sel] = _pick_rows(rng, cp)
        follow_p[sel] = sp["follow_p"]
        _ = name
    enter = np.minimum(enter, end_s - 1.0)
    leave = np.minimum(enter + np.maximum(watch, 1.0), end_s)
    device = pool.device[idx]
    region = pool.region[idx]
    female = pool.female[idx]
    age = pool.age[idx]
    returning = pool.seen[idx].copy()
    followed = ~was_follower & (rng.random(n_r) < follow_p)

    if n_fake:
        b0 = float(int(D * 0.4) * 60)
        f_enter = b0 + rng.random(n_fake) * C.FAKE_BURST_S
        f_leave = f_enter + 1.0 + rng.random(n_fake) * (C.FAKE_MAX_WATCH_S - 1.0)
        n_dup = min(n_fake, max(20, round(0.01 * spec.viewers)))
        f_comments = np.zeros(n_fake, dtype=np.int64)
        f_comments[:n_dup] = 1
        fake_idx = pool.new_fakes(n_fake)
        idx = np.concatenate([idx, fake_idx])
        seg = np.concatenate([seg, np.full(n_fake, FAKE)])
        enter = np.concatenate([enter, f_enter])
        leave = np.concatenate([leave, f_leave])
        likes = np.concatenate([likes, np.zeros(n_fake, dtype=np.int64)])
        comments = np.concatenate([comments, f_comments])
        shares_n = np.concatenate([shares_n, np.zeros(n_fake, dtype=np.int64)])
        clicks = np.concatenate([clicks, np.zeros(n_fake, dtype=np.int64)])
        chan = np.concatenate([chan, np.full(n_fake, C.CHANNELS.index(C.FAKE_CHANNEL))])
        device = np.concatenate([device, (rng.random(n_fake) < 0.2).astype(np.int64)])
        region = np.concatenate([region, rng.integers(0, len(C.REGIONS), n_fake)])
        female = np.concatenate([female, np.full(n_fake, -1)])
        age = np.concatenate([age, rng.integers(0, 3, n_fake)])
        was_follower = np.concatenate([was_follower, np.zeros(n_fake, dtype=bool)])
        returning = np.concatenate([returning, np.zeros(n_fake, dtype=bool)])
        followed = np.concatenate([followed, np.zeros(n_fake, dtype=bool)])
    n = len(idx)
    watch_s = leave - enter

    # purchase: the documented logistic model, on the final covariates
    coef = C.PURCHASE_COEFFICIENTS
    start_local_min = spec.start.hour * 60 + spec.start.minute
    entry_hour = ((start_local_min + enter / 60.0) // 60) % 24
    prime = (entry_hour >= 20) & (entry_hour < 22)
    chan_coef = np.array([coef.get(f"channel[T.{c}]", 0.0) for c in C.CHANNELS])
    dev_coef = np.array([coef.get(f"device[T.{d}]", 0.0) for d in C.DEVICES])
    reg_coef = np.array([coef.get(f"region[T.{r}]", 0.0) for r in C.REGIONS])
    eta = (
        coef["Intercept"]
        + coef["log_watch_min"] * np.log1p(watch_s / 60.0)
        + coef["log_interactions"] * np.log1p(likes + comments + shares_n)
        + coef["was_follower"] * was_follower
        + coef["returning"] * returning
        + chan_coef[chan]
        + dev_coef[device]
        + reg_coef[region]
        + coef["prime_time"] * prime
    )
    bought = rng.random(n) < 1.0 / (1.0 + np.exp(-eta))

    # orders: timing weighted by event lifts within the stay, product by attractiveness × price^-e
    lift = np.ones(D)
    lift *= np.where(explain >= 0, C.EVENT_LIFTS["explain"], 1.0)
    lift *= np.where(sheet["lottery"], C.EVENT_LIFTS["lottery"], 1.0)
    lift *= np.where(sheet["coupon"], C.EVENT_LIFTS["coupon"], 1.0)
    lift *= np.where(sheet["flash"], C.EVENT_LIFTS["flash_sale"], 1.0)
    buyers = np.flatnonzero(bought)
    n_ord = 1 + rng.poisson(C.EXTRA_ORDERS, len(buyers))
    o_row = np.repeat(buyers, n_ord)
    o_ts = _sample_in_windows(rng, lift, enter[o_row], leave[o_row])
    # sort by (row, ts): the first line per buyer is the primary (paid/refunded) one
    ordr = np.lexsort((o_ts, o_row))
    o_row, o_ts = o_row[ordr], o_ts[ordr]
    primary = np.ones(len(o_row), dtype=bool)
    primary[1:] = o_row[1:] != o_row[:-1]
    o_min = np.minimum((o_ts // 60).astype(np.int64), D - 1)
    ref_price = prods["ref_price"].to_numpy()
    pw = np.tile(attract * (price / ref_price) ** (-elast), (len(o_row), 1))
    ex = explain[o_min]
    hit = ex >= 0
    pw[np.flatnonzero(hit), ex[hit]] *= C.EXPLAIN_PICK_BOOST
    fs0, fs1, fp = sheet["flash_window"]
    in_flash = (o_min >= fs0) & (o_min < fs1)
    pw[np.flatnonzero(in_flash), fp] *= 3.0
    o_prod = _pick_rows(rng, pw)
    first = primary & ~pool.has_ordered[idx[o_row]]
    u_first = rng.choice(3, size=len(o_row), p=C.UNITS_FIRST) + 1
    u_rep = rng.choice(3, size=len(o_row), p=C.UNITS_REPEAT) + 1
    units = np.where(first, u_first, u_rep)
    amount = np.round(price[o_prod] * units, 2)
    status = np.full(len(o_row), "paid", dtype=object)
    r = rng.random(len(o_row))
    pu, pc = C.EXTRA_STATUS_P["unpaid"], C.EXTRA_STATUS_P["cancelled"]
    status[~primary & (r < pu)] = "unpaid"
    status[~primary & (r >= pu) & (r < pu + pc)] = "cancelled"
    refund_p = np.array([C.REFUND_P[c] for c in prods["category"]])[o_prod]
    refunded = (status == "paid") & (rng.random(len(o_row)) < refund_p)
    status[refunded] = "refunded"
    refund_amount = np.where(refunded, amount, 0.0)

    # clicks: base clicks uniform in the stay (explained product favoured) + one per order line
    c_row = np.repeat(np.arange(n), clicks)
    c_ts = enter[c_row] + rng.random(len(c_row)) * watch_s[c_row]
    c_min = np.minimum((c_ts // 60).astype(np.int64), D - 1)
    cw = np.tile(attract, (len(c_row), 1))
    cex = explain[c_min]
    chit = cex >= 0
    cw[np.flatnonzero(chit), cex[chit]] *= C.EXPLAIN_PICK_BOOST / 2
    c_prod = _pick_rows(rng, cw)
    oc_ts = np.maximum(enter[o_row], o_ts - 5 - 55 * rng.random(len(o_row)))
    all_c_row = np.concatenate([c_row, o_row])
    all_c_prod = np.concatenate([c_prod, o_prod])
    all_c_ts = np.concatenate([c_ts, oc_ts])
    product_clicks = np.bincount(all_c_row, minlength=n)

    # ids and frames
    vid = pool.ids(idx)
    sid = spec.session_id
    seg_names = np.array(SEG_NAMES, dtype=object)
    gender = np.where(female == 1, "female", np.where(female == 0, "male", "unknown"))
    viewers = pl.DataFrame(
        {
            "session_id": sid,
            "viewer_id": vid,
            "enter_ts": to_ts(spec.start, enter),
            "watch_s": np.round(watch_s, 3),
            "leave_ts": to_ts(spec.start, leave),
            "source": np.array(C.CHANNELS, dtype=object)[chan],
            "device": np.array(C.DEVICES, dtype=object)[device],
            "region": np.array(C.REGIONS, dtype=object)[region],
            "gender": gender,
            "age_band": np.array(C.AGE_BANDS, dtype=object)[age],
            "was_follower": was_follower,
            "returning": returning,
            "followed": followed,
            "likes": likes,
            "comments": comments,
            "shares": shares_n,
            "product_clicks": product_clicks,
            "sim_segment": seg_names[seg],
        }
    )
    # watch_s is rounded; recompute it from the stored timestamps for exact consistency
    viewers = viewers.with_columns(
        watch_s=((pl.col("leave_ts") - pl.col("enter_ts")).dt.total_microseconds() / 1e6)
    )

    pid = prods["product_id"].to_numpy()
    ordr2 = np.argsort(o_ts, kind="stable")
    orders = pl.DataFrame(
        {
            "session_id": sid,
            "order_id": [f"69{spec.seed % 10**6:06d}{i:09d}" for i in range(len(o_row))],
            "ts": to_ts(spec.start, o_ts[ordr2]),
            "amount": amount[ordr2],
            "status": status[ordr2].astype(str),
            "viewer_id": vid[o_row[ordr2]],
            "product_id": pid[o_prod[ordr2]],
            "units": units[ordr2],
            "refund_amount": refund_amount[ordr2],
            "first_order": first[ordr2],
        }
    )
    o_source = chan[o_row]

    # comments
    cm_row = np.repeat(np.arange(n), comments)
    cm_ts = enter[cm_row] + rng.random(len(cm_row)) * watch_s[cm_row]
    cm_min = np.minimum((cm_ts // 60).astype(np.int64), D - 1)
    first_ord_ts = np.full(n, np.inf)
    np.minimum.at(first_ord_ts, o_row, o_ts)
    prod_no = np.where(explain[cm_min] >= 0, explain[cm_min] + 1, rng.integers(1, P + 1, len(cm_row)))
    texts, intents, tags = draw_comments(
        rng, seg[cm_row], SEG_NAMES, explain[cm_min] >= 0, cm_ts >= first_ord_ts[cm_row],
        returning[cm_row], prod_no,
    )
    fake_comment = seg[cm_row] == FAKE
    if fake_comment.any():
        texts = texts.scatter(np.flatnonzero(fake_comment), C.DUPLICATE_TEXT)
        intents = intents.scatter(np.flatnonzero(fake_comment), "fabricated")
    cord = np.argsort(cm_ts, kind="stable")
    comments_df = pl.DataFrame(
        {
            "session_id": sid,
            "ts": to_ts(spec.start, cm_ts[cord]),
            "text": texts[cord],
            "viewer_id": vid[cm_row[cord]],
            "tag": tags[cord],
            "sim_intent": intents[cord],
        }
    )

    # per-product aggregates
    cuv = np.unique(all_c_row * P + all_c_prod)
    clicks_uv = np.bincount(cuv % P, minlength=P)
    expl_share = np.bincount(explain[explain >= 0], minlength=P) / D
    p_exp = np.clip(0.25 + 1.5 * expl_share, 0, 0.95)
    exposures_uv = clicks_uv + rng.binomial(n - clicks_uv, p_exp)
    buv = np.unique(o_row * P + o_prod)
    products = prods.select("product_id", "name", "category", "price", "list_price", "role").with_columns(
        session_id=pl.lit(sid),
        exposures_uv=exposures_uv,
        clicks_uv=clicks_uv,
        orders=np.bincount(o_prod, minlength=P),
        units=np.bincount(o_prod, weights=units, minlength=P).astype(np.int64),
        buyers=np.bincount(buv % P, minlength=P),
        gmv=np.round(np.bincount(o_prod, weights=amount, minlength=P), 2),
        refund_amount=np.round(np.bincount(o_prod, weights=refund_amount, minlength=P), 2),
    )

    # traffic per channel
    K = len(C.CHANNELS)
    reentries = rng.poisson(0.05 + 0.01 * np.minimum(watch_s / 60.0, 60.0))
    ch_viewers = np.bincount(chan, minlength=K)
    ch_views = ch_viewers + np.bincount(chan, weights=reentries, minlength=K).astype(np.int64)
    ch_orders = np.bincount(o_source, minlength=K)
    ch_gmv = np.round(np.bincount(o_source, weights=amount, minlength=K), 2)
    qc = C.CHANNELS.index("千川")
    cpm = float(rng.uniform(*C.CPM_RANGE))
    ctr = float(rng.uniform(*C.QIANCHUAN_CTR_RANGE))
    impressions = round(ch_views[qc] / ctr)
    spend = round(impressions * cpm / 1000.0, 2)
    present = ch_viewers > 0
    traffic = pl.DataFrame(
        {
            "session_id": sid,
            "channel": list(C.CHANNELS),
            "viewers": ch_viewers,
            "paid": [c in C.PAID_CHANNELS for c in C.CHANNELS],
            "views": ch_views,
            "gmv": ch_gmv,
            "orders": ch_orders,
            "spend": [spend if c == "千川" else 0.0 for c in C.CHANNELS],
            "impressions": [impressions if c == "千川" else None for c in C.CHANNELS],
        }
    ).filter(pl.Series(present))

    # trend per minute
    e_min = np.minimum((enter // 60).astype(np.int64), D - 1)
    l_min = np.minimum((np.ceil(leave / 60.0) - 1).astype(np.int64), D - 1)
    l_min = np.maximum(l_min, e_min)
    diff = np.bincount(e_min, minlength=D + 1) - np.bincount(l_min + 1, minlength=D + 1)
    online = np.cumsum(diff)[:D]
    like_row = np.repeat(np.arange(n), likes)
    like_min = np.minimum(((enter[like_row] + rng.random(len(like_row)) * watch_s[like_row]) // 60).astype(np.int64), D - 1)
    share_row = np.repeat(np.arange(n), shares_n)
    share_min = np.minimum(((enter[share_row] + rng.random(len(share_row)) * watch_s[share_row]) // 60).astype(np.int64), D - 1)
    f_row = np.flatnonzero(followed)
    f_min = np.minimum(((enter[f_row] + rng.random(len(f_row)) * watch_s[f_row]) // 60).astype(np.int64), D - 1)
    ac_min = np.minimum((all_c_ts // 60).astype(np.int64), D - 1)
    paid_mask = (status == "paid") | (status == "refunded")
    ob_min = np.unique(o_min * (n + 1) + o_row) // (n + 1)
    qc_entries = np.bincount(e_min[chan == qc], minlength=D).astype(float)
    ad_spend = spend * qc_entries / qc_entries.sum() if qc_entries.sum() else np.zeros(D)
    trend = pl.DataFrame(
        {
            "session_id": sid,
            "minute_ts": to_ts(spec.start, np.arange(D) * 60.0),
            "online": online,
            "entries": np.bincount(e_min, minlength=D),
            "exits": np.bincount(l_min, minlength=D),
            "likes": np.bincount(like_min, minlength=D),
            "comments": np.bincount(cm_min, minlength=D),
            "shares": np.bincount(share_min, minlength=D),
            "new_followers": np.bincount(f_min, minlength=D),
            "product_clicks": np.bincount(ac_min, minlength=D),
            "orders": np.bincount(o_min, minlength=D),
            "buyers": np.bincount(ob_min, minlength=D),
            "gmv": np.round(np.bincount(o_min, weights=amount, minlength=D), 2),
            "paid_gmv": np.round(np.bincount(o_min, weights=np.where(paid_mask, amount, 0.0), minlength=D), 2),
            "ad_spend": np.round(ad_spend, 4),
        }
    )

    # run sheet as the events table
    ev: list[tuple[float, float, str, str | None, str]] = []
    names = prods["name"].to_list()
    for s, e, p in sheet["windows"]:
        ev.append((s, e, "explain", pid[p], f"讲解 {p + 1}号 {names[p]}"))
    for s, e in sheet["lotteries"]:
        ev.append((s, e, "lottery", None, "福袋"))
    for s, e, label in sheet["coupons"]:
        ev.append((s, e, "coupon", None, label))
    ev.append((fs0, fs1, "flash_sale", pid[fp], f"秒杀 {fp + 1}号 {names[fp]}"))
    ev.sort(key=lambda x: (x[0], x[2]))
    events = pl.DataFrame(
        {
            "session_id": sid,
            "start_ts": to_ts(spec.start, np.array([x[0] for x in ev]) * 60.0),
            "kind": [x[2] for x in ev],
            "end_ts": to_ts(spec.start, np.array([x[1] for x in ev]) * 60.0),
            "product_id": pl.Series([x[3] for x in ev], dtype=pl.String),
            "label": [x[4] for x in ev],
        }
    )

    # update the pool for later sessions
    real = seg != FAKE
    pool.seen[idx[real]] = True
    pool.follower[idx[real & followed]] = True
    pool.has_ordered[idx[o_row[np.isin(o_row, np.flatnonzero(real))]]] = True

    truth: dict[str, Any] = {
        "session_id": sid,
        "seed": spec.seed,
        "viewers": n,
        "host": spec.host,
        "host_watch_multiplier": host_mult,
        "buyers": len(buyers),
        "conversion_rate": round(len(buyers) / n, 5),
        "cpm": round(cpm, 2),
        "qianchuan_ctr": round(ctr, 4),
        "segment_counts": {SEG_NAMES[k]: int((seg == k).sum()) for k in range(len(SEG_NAMES))},
    }
    if n_fake:
        truth["integrity"] = {
            "session_id": sid,
            "fabricated_entries": {
                "n": n_fake,
                "start_ts": to_ts(spec.start, np.array([b0]))[0].isoformat(),
                "end_ts": to_ts(spec.start, np.array([b0 + C.FAKE_BURST_S]))[0].isoformat(),
                "channel": C.FAKE_CHANNEL,
                "max_watch_s": C.FAKE_MAX_WATCH_S,
                "sim_segment": "fabricated",
            },
            "duplicated_comments": {"text": C.DUPLICATE_TEXT, "n": int(f_comments.sum())},
        }
    tables = {
        "trend": trend,
        "events": events,
        "products": products,
        "viewers": viewers.sort("enter_ts", "viewer_id"),
        "orders": orders,
        "comments": comments_df,
        "traffic": traffic,
    }
    return SessionResult(tables, truth)
