"""The seeded simulator's planted truths recovered by the estimators the reports use: purchase
coefficients, the integrity burst, segments, event lifts and the explained product's pull."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from helpers.data import schema
from helpers.sim.simulate import EVENT_LIFTS, PURCHASE_MODEL, SimulatedWeek, simulate_week


def test_logistic_coefficients_recovered_within_95_intervals() -> None:
    import statsmodels.formula.api as smf

    sim = simulate_week(seed=1, viewers=4300)  # 30,100 viewer rows
    v, o = sim.tables["viewers"], sim.tables["orders"]
    bought = o.select("session_id", "viewer_id").unique().with_columns(bought=pl.lit(1))
    d = (
        v.join(bought, on=["session_id", "viewer_id"], how="left")
        .with_columns(
            bought=pl.col("bought").fill_null(0),
            log_watch_min=(pl.col("watch_s") / 60).log1p(),
            log_interactions=(pl.col("likes") + pl.col("comments") + pl.col("shares"))
            .cast(pl.Float64)
            .log1p(),
            was_follower=pl.col("was_follower").cast(pl.Int64),
            returning=pl.col("returning").cast(pl.Int64),
            channel=pl.col("source"),
            prime_time=pl.col("enter_ts").dt.hour().is_between(20, 21).cast(pl.Int64),
        )
        .to_pandas()
    )
    fit = smf.logit(PURCHASE_MODEL["formula"], d).fit(disp=0)
    ci = fit.conf_int()
    long_names = sim.truth["purchase_model"]["coefficients_long_names"]
    assert set(long_names) == set(fit.params.index)
    misses = [
        name for name, true in long_names.items() if not ci.loc[name, 0] <= true <= ci.loc[name, 1]
    ]
    print(f"coefficients outside their 95% interval: {len(misses)} of {len(long_names)} {misses}")
    assert len(misses) <= 1, misses


def test_integrity_burst_where_truth_says(sim_week: SimulatedWeek) -> None:
    plant = sim_week.truth["integrity"]
    burst = plant["fabricated_entries"]
    sid = plant["session_id"]
    v = sim_week.tables["viewers"]
    short = v.filter(pl.col("watch_s") < 5).with_columns(
        bucket=pl.col("enter_ts").dt.truncate("2m")
    )
    start, end = (
        datetime.fromisoformat(burst[k]).astimezone(ZoneInfo(schema.TZ))
        for k in ("start_ts", "end_ts")
    )
    assert (end - start).total_seconds() == 120
    window = short.filter(
        (pl.col("session_id") == sid)
        & (pl.col("enter_ts") >= start)
        & (pl.col("enter_ts") < end)
        & (pl.col("source") == burst["channel"])
    )
    assert window.height >= burst["n"] == round(0.04 * 1500)
    # no comparable burst anywhere else: the busiest other 2-minute bucket of <5 s entries is small
    others = short.filter(pl.col("session_id") != sid).group_by("session_id", "bucket").len()
    assert others["len"].max() < burst["n"] / 3
    c = sim_week.tables["comments"]
    dup = plant["duplicated_comments"]
    hits = c.filter(pl.col("text") == dup["text"])
    assert hits.height == dup["n"] >= 20
    assert hits["session_id"].unique().to_list() == [sid]
    assert hits["viewer_id"].n_unique() == hits.height


def test_segments_recoverable_by_clustering(sim_week: SimulatedWeek) -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    v = sim_week.tables["viewers"].filter(pl.col("sim_segment") != "fabricated")
    X = v.select(
        (pl.col("watch_s") / 60).log1p(),
        (pl.col("likes") + pl.col("comments") + pl.col("shares")).cast(pl.Float64).log1p(),
        pl.col("product_clicks").cast(pl.Float64).log1p(),
    ).to_numpy()
    labels = KMeans(4, n_init=10, random_state=0).fit_predict(StandardScaler().fit_transform(X))
    ari = adjusted_rand_score(v["sim_segment"].to_numpy(), labels)
    assert ari >= 0.8, ari
    assert set(v["sim_segment"].unique()) == set(sim_week.truth["segments"])


def _event_flags(sim: SimulatedWeek) -> pl.DataFrame:
    t, ev = sim.tables["trend"], sim.tables["events"]
    flags = []
    for kind in EVENT_LIFTS:
        win = ev.filter(pl.col("kind") == kind).select("session_id", "start_ts", "end_ts")
        hit = (
            t.select("session_id", "minute_ts")
            .join(win, on="session_id")
            .filter(
                (pl.col("minute_ts") >= pl.col("start_ts"))
                & (pl.col("minute_ts") < pl.col("end_ts"))
            )
            .select("session_id", "minute_ts")
            .unique()
            .with_columns(pl.lit(1).alias(kind))
        )
        flags.append(hit)
    out = t.select("session_id", "minute_ts", "online", "orders")
    for f in flags:
        out = out.join(f, on=["session_id", "minute_ts"], how="left")
    return out.fill_null(0).filter(pl.col("online") > 0)


def test_event_lifts_recovered_by_minute_glm() -> None:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    sim = simulate_week(seed=2, viewers=6000)
    d = _event_flags(sim).to_pandas()
    d["phase"] = d.groupby("session_id").cumcount() / d.groupby("session_id")["online"].transform(
        "size"
    )
    fit = smf.glm(
        "orders ~ explain + lottery + coupon + flash_sale + C(session_id) + bs(phase, df=5)",
        d,
        family=sm.families.Poisson(),
        offset=np.log(d["online"]),
    ).fit()
    estimates = {kind: math.exp(fit.params[kind]) for kind in sim.truth["event_lifts"]}
    print(
        "event lifts, true vs minute GLM:",
        {k: (sim.truth["event_lifts"][k], round(v, 2)) for k, v in estimates.items()},
    )
    for kind, true in sim.truth["event_lifts"].items():
        est = estimates[kind]
        assert est > 1.0, (kind, est, true)
        if kind == "flash_sale":  # one 5-minute flash sale per session: too few minutes to pin down
            continue
        # documented approximation: somewhat attenuated towards 1 (docs/simulator.md)
        assert 0.5 * (true - 1) <= est - 1 <= 1.15 * (true - 1), (kind, est, true)


def test_lotteries_and_coupons_pull_entries(sim_week: SimulatedWeek) -> None:
    t, ev = sim_week.tables["trend"], sim_week.tables["events"]
    for kind in ("lottery", "coupon"):
        win = ev.filter(pl.col("kind") == kind).select("session_id", "start_ts", "end_ts")
        inside = (
            t.join(win, on="session_id")
            .filter(
                (pl.col("minute_ts") >= pl.col("start_ts"))
                & (pl.col("minute_ts") < pl.col("end_ts"))
            )
            .select("session_id", "minute_ts")
            .unique()
            .with_columns(inside=pl.lit(True))
        )
        m = (
            t.join(inside, on=["session_id", "minute_ts"], how="left")
            .filter(
                pl.col("minute_ts")
                >= pl.col("minute_ts").min().over("session_id") + pl.duration(minutes=15)
            )
            .group_by(pl.col("inside").fill_null(False))
            .agg(pl.col("entries").mean())
        )
        rate = dict(zip(m["inside"], m["entries"], strict=True))
        assert rate[True] > 1.4 * rate[False], (kind, rate)


def test_explained_product_gets_most_orders_and_questions_rise(sim_week: SimulatedWeek) -> None:
    o, ev, c = (sim_week.tables[k] for k in ("orders", "events", "comments"))
    win = ev.filter(pl.col("kind") == "explain").select(
        "session_id", "start_ts", "end_ts", pl.col("product_id").alias("ep")
    )
    inw = o.join(win, on="session_id").filter(
        (pl.col("ts") >= pl.col("start_ts")) & (pl.col("ts") < pl.col("end_ts"))
    )
    assert (inw["product_id"] == inw["ep"]).mean() > 0.5
    flagged = (
        c.with_row_index("i")
        .join(win, on="session_id", how="left")
        .with_columns(
            inside=(pl.col("ts") >= pl.col("start_ts")) & (pl.col("ts") < pl.col("end_ts"))
        )
        .group_by("i", "sim_intent")
        .agg(pl.col("inside").any())
    )
    share = flagged.group_by("inside").agg(
        q=pl.col("sim_intent").str.starts_with("question").mean()
    )
    q = dict(zip(share["inside"], share["q"], strict=True))
    assert q[True] > q[False] * 1.2
