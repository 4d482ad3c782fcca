"""helpers.models and helpers.models.experiments on small frames with known answers."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import polars as pl
import pytest
from minutes_synth import minutes_synth as _minutes
from scipy.stats import norm

from helpers import models as md
from helpers.audience import charts as audience_charts
from helpers.models import experiments as ex

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 16, 19, 0, tzinfo=TZ)


def _viewers(rows: list[dict]) -> pl.DataFrame:
    base = {
        "session_id": "s1",
        "watch_s": 60.0,
        "source": "直播推荐",
        "device": "android",
        "region": "三线",
        "was_follower": False,
        "returning": False,
        "likes": 0,
        "comments": 0,
        "shares": 0,
    }
    return pl.DataFrame([{**base, **r} for r in rows])


def test_viewer_design_outcome_and_covariates() -> None:
    v = _viewers(
        [
            {
                "viewer_id": "a",
                "enter_ts": T0 + timedelta(minutes=59, seconds=59),
                "watch_s": 600.0,
                "likes": 3,
                "comments": 1,
                "shares": 0,
                "was_follower": True,
            },
            {"viewer_id": "b", "enter_ts": T0 + timedelta(hours=1)},
            {"viewer_id": "c", "enter_ts": T0 + timedelta(hours=2, minutes=59)},
            {"viewer_id": "d", "enter_ts": T0 + timedelta(hours=3), "source": "搜索"},
        ]
    )
    o = pl.DataFrame(
        {
            "session_id": ["s1"] * 5,
            "order_id": ["1", "2", "3", "4", "5"],
            "ts": [T0] * 5,
            "amount": [100.0, 50.0, 70.0, 30.0, 20.0],
            "status": ["paid", "refunded", "unpaid", "cancelled", "paid"],
            "viewer_id": ["a", "a", "b", "c", "d"],
        }
    )
    d = md.viewer_design(v, o).set_index("viewer_id")
    # paid or refunded count as a purchase; unpaid / cancelled do not
    assert d["bought"].to_dict() == {"a": 1, "b": 0, "c": 0, "d": 1}
    assert d.loc["a", "gmv"] == 150.0 and d.loc["a", "n_orders"] == 2
    assert d.loc["a", "log_watch_min"] == pytest.approx(math.log1p(10.0))
    assert d.loc["a", "log_interactions"] == pytest.approx(math.log(5.0))
    assert d.loc["a", "was_follower"] == 1.0
    # prime time is entry hour in [20, 22): 19:59:59 no, 20:00 yes, 21:59 yes, 22:00 no
    assert d["prime_time"].to_dict() == {"a": 0.0, "b": 1.0, "c": 1.0, "d": 0.0}
    assert d.loc["d", "channel"] == "搜索"


def synth_design(n: int = 20_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, float]]:
    """Viewers drawn from a known logistic model with the simulator's covariate names."""
    rng = np.random.default_rng(seed)
    coef = {
        "Intercept": -3.0,
        "log_watch_min": 0.6,
        "was_follower": 0.5,
        "channel[T.搜索]": 0.7,
        "channel[T.千川]": -0.4,
    }
    d = pd.DataFrame(
        {
            "log_watch_min": np.log1p(rng.lognormal(1.0, 1.0, n)),
            "was_follower": (rng.random(n) < 0.3).astype(float),
            "channel": rng.choice(["直播推荐", "搜索", "千川"], n),
        }
    )
    eta = (
        coef["Intercept"]
        + coef["log_watch_min"] * d["log_watch_min"]
        + coef["was_follower"] * d["was_follower"]
        + d["channel"].map({"直播推荐": 0.0, "搜索": 0.7, "千川": -0.4})
    )
    d["bought"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return d, coef


def test_fit_logit_recovers_known_coefficients() -> None:
    d, coef = synth_design()
    r = md.fit_logit(
        d, "bought", ["log_watch_min", "was_follower"], ["channel"], {"channel": "直播推荐"}
    )
    assert set(r.table["term"]) == set(coef)  # patsy/statsmodels names, reference level first
    for term, true in coef.items():
        row = r.coef(term)
        assert row["lo"] <= true <= row["hi"], (term, row, true)
        assert row["odds_ratio"] == pytest.approx(math.exp(row["coef"]))
    assert r.coef("channel[T.搜索]")["ame"] > 0 > r.coef("channel[T.千川]")["ame"]
    assert 0.6 < r.auc < 0.8 and r.n_test == 5000
    assert len(r.calibration) == 10
    assert (r.calibration["observed"] - r.calibration["predicted"]).abs().max() < 0.05
    assert r.separation == [] and r.high_vif == []
    s = r.summary()
    assert (
        s["coefficients"]["was_follower"]["or_lo"] < s["coefficients"]["was_follower"]["odds_ratio"]
    )
    assert s["auc_holdout"] == pytest.approx(r.auc, abs=1e-6)


def test_fit_logit_separation_rare_levels_and_vif() -> None:
    d, _ = synth_design(6000, seed=1)
    d.loc[d.index[:40], "channel"] = "关注"
    d.loc[d.index[:40], "bought"] = 0  # a level nobody bought in: quasi-complete separation
    d.loc[d.index[40:45], "channel"] = "商城推荐"  # 5 rows: pooled into "other"
    d.loc[d.index[40:45], "bought"] = [1, 0, 0, 0, 0]
    d["watch_copy"] = d["log_watch_min"] * 2 + np.random.default_rng(2).normal(0, 0.05, len(d))
    r = md.fit_logit(
        d,
        "bought",
        ["log_watch_min", "watch_copy", "was_follower"],
        ["channel"],
        {"channel": "直播推荐"},
        min_level_n=20,
    )
    assert "channel[关注]" in r.separation
    assert r.pooled == {"channel": ["商城推荐"]}
    assert {"log_watch_min", "watch_copy"} <= set(r.high_vif)
    assert any("collinearity" in n for n in r.notes)
    assert r.n == 6000 - 40


def test_fit_logit_needs_both_outcomes() -> None:
    d = pd.DataFrame({"bought": [0] * 30, "x": np.arange(30.0)})
    with pytest.raises(ValueError, match="both outcomes"):
        md.fit_logit(d, "bought", ["x"], [])


def test_reading_names_top_effects() -> None:
    d, _ = synth_design()
    r = md.fit_logit(
        d, "bought", ["log_watch_min", "was_follower"], ["channel"], {"channel": "直播推荐"}
    )
    lines = md.reading(r, 2, "en")
    assert len(lines) == 2 and "points on average" in lines[0]
    assert md.describe_term("channel[T.搜索]") == "channel = 搜索"


def test_minute_design_windows() -> None:
    trend, events, sessions = _minutes(1, 60)
    mdf = md.minute_design(trend, events, sessions)
    assert len(mdf) == 60 and mdf["minute"].tolist() == list(range(60))
    # a lottery without an end lasts LOTTERY_WINDOW_MIN minutes: minutes 25..29
    assert mdf.loc[mdf["lottery"] == 1, "minute"].tolist() == [25, 26, 27, 28, 29]
    assert mdf.loc[mdf["coupon"] == 1, "minute"].tolist() == list(range(10, 20))
    assert mdf["explain"].sum() == sum(1 for m in range(60) if (m // 7) % 3 != 0)
    assert mdf["flash_sale"].sum() == 0


def test_fit_counts_recovers_lifts_and_picks_family() -> None:
    trend, events, sessions = _minutes(4, 180, seed=3)
    res = md.fit_counts(md.minute_design(trend, events, sessions))
    assert res.family == "poisson"
    assert "flash_sale" in res.dropped  # never on: no variation to estimate from
    for term, true in {"explain": 1.5, "lottery": 1.3, "coupon": 1.8}.items():
        row = res.lift(term)
        assert row["lo"] <= true <= row["hi"], (term, row)
    trend, events, sessions = _minutes(4, 180, seed=4, nb_alpha=0.8)
    res = md.fit_counts(md.minute_design(trend, events, sessions))
    assert res.family == "negative_binomial" and res.dispersion_ratio > 1.2 and res.alpha_nb > 0.2
    assert res.summary()["lifts"]["coupon"]["lo"] < 1.8 < res.summary()["lifts"]["coupon"]["hi"]


def test_price_elasticity_recovers_and_refuses() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for s in range(8):
        for p in range(6):
            base = 100 + 20 * p
            price = base * rng.uniform(0.6, 1.0)
            for cat, e in (("外套", 1.5), ("固定价", 1.0)):
                pr = price if cat == "外套" else base
                mu = 400 * (pr / base) ** (-e) * math.exp(0.3 * p) * (1 + 0.3 * s) / 6
                rows.append(
                    {
                        "session_id": f"s{s}",
                        "product_id": f"{cat}{p}",
                        "category": cat,
                        "price": pr,
                        "units": float(rng.poisson(mu)),
                        "explain_share": 0.0,
                        "flash": 0.0,
                    }
                )
    el = md.price_elasticity(pd.DataFrame(rows)).set_index("category")
    # elasticity = % change in units per 1% higher price: the planted demand curve has −1.5
    assert el.loc["外套", "identified"] and el.loc["外套", "lo"] <= -1.5 <= el.loc["外套", "hi"]
    assert el.loc["外套", "hi"] < 0
    assert not el.loc["固定价", "identified"] and "varied" in el.loc["固定价", "reason"]
    few = pd.DataFrame(rows[:6])
    assert not md.price_elasticity(few)["identified"].any()


def _priced_sales(exponent: float, noise: float, seed: int = 0) -> pd.DataFrame:
    """8 sessions × 6 products of one category whose units follow price ** ``exponent``."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(8):
        for p in range(6):
            base = 100 + 20 * p
            price = base * rng.uniform(0.6, 1.0)
            mu = 300 * (price / base) ** exponent * math.exp(rng.normal(0, noise))
            rows.append(
                {
                    "session_id": f"s{s}",
                    "product_id": f"p{p}",
                    "category": "上衣",
                    "price": price,
                    "units": float(rng.poisson(mu)),
                    "explain_share": 0.0,
                    "flash": 0.0,
                }
            )
    return pd.DataFrame(rows)


def test_elasticity_with_the_wrong_sign_is_not_identified() -> None:
    # sales rising with the price (+1.5, as when prices rose in the better slots) is confounding
    row = md.price_elasticity(_priced_sales(+1.5, 0.05)).iloc[0]
    assert row["lo"] > 0  # the fit itself is clear about the sign ...
    assert not row["identified"] and math.isnan(row["elasticity"])  # ... and refused
    assert "wrong sign" in row["reason"]


def test_elasticity_whose_interval_includes_zero_is_not_identified() -> None:
    row = md.price_elasticity(_priced_sales(-0.1, 0.1)).iloc[0]
    assert row["lo"] < 0 < row["hi"] and row["hi"] - row["lo"] <= md.MAX_ELASTICITY_WIDTH
    assert not row["identified"] and "includes zero" in row["reason"]


def test_judge_elasticity_rules() -> None:
    assert md.judge_elasticity(-1.4, -1.9, -0.9) == ""
    assert "wrong sign" in md.judge_elasticity(1.55, 1.1, 2.0)
    assert "includes zero" in md.judge_elasticity(-0.3, -0.9, 0.3)
    assert "too imprecise" in md.judge_elasticity(-1.0, -3.0, 0.5)


def test_sample_size_matches_the_normal_formula() -> None:
    p1, lift = 0.05, 0.10
    p2 = p1 * (1 + lift)
    h = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
    expected = 2 * ((norm.ppf(0.975) + norm.ppf(0.8)) / h) ** 2  # var of 2·asin√p̂ is 1/n per arm
    assert ex.sample_size(p1, lift) == math.ceil(expected)
    m = ex.mde(p1, 20_000, 20_000)
    assert ex.power_at(p1, m, 20_000, 20_000) == pytest.approx(0.8, abs=1e-3)
    plan = ex.planning_table(0.05)
    assert plan["per_arm"].is_monotonic_decreasing


def test_ab_test_reads_difference_power_and_peeking() -> None:
    rng = np.random.default_rng(0)
    r = ex.ab_test(
        300, 5000, 240, 5000, rng.normal(200, 30, 300), rng.normal(180, 30, 240), looks=1
    )
    assert r.conv_diff == pytest.approx(0.012)
    assert r.conv_lo < 0.012 < r.conv_hi and r.p_value < 0.05 and r.significant
    assert 10 < r.aov_diff < 30 and r.aov_lo < r.aov_diff < r.aov_hi
    assert r.needed_per_arm == ex.sample_size(240 / 5000, 0.10)
    assert not any("peeking" in w for w in r.warnings)
    peeked = ex.ab_test(300, 5000, 240, 5000, looks=5)
    assert any("peeking" in w for w in peeked.warnings) and not peeked.significant
    small = ex.ab_test(30, 800, 20, 800)
    assert any("small test" in w for w in small.warnings) and any(
        "under-powered" in w for w in small.warnings
    )


def test_ab_from_design_uses_session_arms() -> None:
    d = pd.DataFrame(
        {
            "session_id": ["a"] * 4 + ["b"] * 4,
            "bought": [1, 1, 0, 0, 1, 0, 0, 0],
            "gmv": [100.0, 50.0, 0, 0, 80.0, 0, 0, 0],
        }
    )
    r = ex.ab_from_design(d, {"a": "A", "b": "B"}, arm_a="A", arm_b="B")
    assert (r.n_a, r.buyers_a, r.n_b, r.buyers_b) == (4, 2, 4, 1)
    assert r.aov_a == 75.0 and r.aov_b == 80.0


@pytest.mark.slow
def test_conversion_report_end_to_end(sim_store, tmp_path) -> None:
    from helpers.pipeline.commands import run_report

    res = run_report(
        "conversion",
        {"store": str(sim_store), "session_id": "", "week": "2026-W47"},
        "2026-W47",
        out=str(tmp_path / "conv"),
        lang="en",
    )
    assert res.ok, res.error
    s = res.data
    assert (
        s["logit"]["coefficients"]["log_watch_min"]["lo"]
        < 0.55
        < s["logit"]["coefficients"]["log_watch_min"]["hi"]
    )
    assert s["counts"]["family"] in ("poisson", "negative_binomial")
    assert set(s["order_timing"]["lifts"]) >= {"coupon", "lottery", "explain"}
    assert (
        s["ab"]["arms"] is None
        and s["ab"]["baseline_conversion"] > 0
        and s["report"]["status"] == "ok"
    )
    assert "logit" not in s["skipped"]
    assert (
        "session_totals" in s["skipped"]["session_model"]
    )  # the simulated store has no platform totals
    html = (tmp_path / "conv" / "report.html").read_text("utf-8")
    assert "AUC" in html


def test_charts_are_built_from_results() -> None:
    import plotly.graph_objects as go

    from helpers import audience as sg
    from helpers.models import charts as ch

    d, _ = synth_design(4000)
    r = md.fit_logit(
        d, "bought", ["log_watch_min", "was_follower"], ["channel"], {"channel": "直播推荐"}
    )
    fig = ch.coefficient_chart(r, "en")
    assert isinstance(fig, go.Figure) and len(fig.data[0].y) == len(r.table) - 1  # no intercept
    assert len(ch.calibration_chart(r).data[1].x) == len(r.calibration)
    trend, events, sessions = _minutes(2, 120)
    counts = md.fit_counts(md.minute_design(trend, events, sessions))
    words = {
        "explain": "explain",
        "lottery": "lottery",
        "coupon": "coupon",
        "flash_sale": "flash sale",
    }
    assert list(ch.lift_chart(counts, "en").data[0].x) == [words[x] for x in counts.lifts["term"]]
    g = sg.group_table(d.assign(gmv=d["bought"] * 100.0), "channel")
    assert len(audience_charts.group_chart(g, "channel").data[0].x) == 3
    ab = ex.ab_test(30, 500, 20, 500)
    assert [b for b in ch.ab_chart(ab).data[0].x] == ["A", "B"]


def _scope_of(products: pl.DataFrame):
    """A one-session scope holding only ``products`` (every other table empty)."""
    from helpers import audience as sg
    from helpers.data import schema

    start = datetime(2026, 11, 16, 20, tzinfo=ZoneInfo("Asia/Shanghai"))
    sessions = pl.DataFrame(
        {
            "session_id": ["s1"],
            "platform": ["douyin"],
            "room": ["r"],
            "start_ts": [start],
            "end_ts": [start + timedelta(hours=2)],
        }
    )
    e = {n: schema.empty(n) for n in ("viewers", "orders", "trend", "events")}
    return sg.Scope(
        label="s1",
        sessions=schema.conform("sessions", sessions),
        products=products,
        all_orders=e["orders"],
        all_sessions=schema.conform("sessions", sessions),
        all_products=products,
        all_events=e["events"],
        **e,
    )


def test_conversion_sections_on_products_with_only_required_columns_and_price() -> None:
    from helpers.models import report as cv

    products = pl.DataFrame(
        {
            "session_id": ["s1"] * 3,
            "product_id": ["a", "b", "c"],
            "name": ["外套", "裤子", "帽子"],
            "price": [299.0, 129.0, 59.0],
        }
    )
    assert md.price_observations(products).empty  # was: ColumnNotFoundError "orders"
    outs = cv.run_all(_scope_of(products))
    assert {o.status for o in outs.values()} == {"needs"}  # nothing failed, nothing to fit
    el = outs["conversion.elasticity"]
    assert [n.key() for n in el.missing] == ["products.units|products.orders"]
    assert "units" in cv.blocked(el, "en") and "orders" in cv.blocked(el, "en")
    with_orders = products.with_columns(pl.Series("orders", [None, None, None], dtype=pl.Int64))
    assert outs["conversion.logit"].missing[0].key() == "viewers"
    assert md.price_observations(with_orders).empty  # an all-null column is as good as absent


def test_session_model_is_descriptive_below_twenty_sessions_and_robust_above() -> None:
    rng = np.random.default_rng(1)
    n = 30
    frame = pd.DataFrame(
        {
            "session_id": [f"s{i:02d}" for i in range(n)],
            "start_hour": rng.choice([10.0, 14.0, 20.0], n),
            "weekend": rng.integers(0, 2, n) * 1.0,
            "duration_h": rng.choice([2.0, 3.0], n),
            "viewers": 2000,
        }
    )
    p = 1 / (1 + np.exp(-(-3.0 + 0.6 * frame["weekend"])))  # weekend: odds × e^0.6 = 1.82
    frame["buyers"] = rng.binomial(2000, p)
    few = md.fit_session_conversion(frame.head(12))
    assert few.kind == "descriptive" and few.table.empty and len(few.per_session) == 12
    row = few.per_session.iloc[0]
    assert row["lo"] < row["buyers"] / 2000 < row["hi"]
    model = md.fit_session_conversion(frame)
    assert model.kind == "model" and model.n_sessions == 30
    wk = model.table.set_index("term").loc["weekend"]
    assert wk["or_lo"] < math.exp(0.6) < wk["or_hi"] and wk["or_lo"] > 1
