"""Findings: a ranked list of what to change next time, each with its supporting figure."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.present import sections
from helpers.present.i18n import t
from helpers.review.common import _f
from helpers.review.display import format_value
from helpers.review.headline import Headline
from helpers.review.integrity import Integrity
from helpers.review.products import Products, lift_reliable
from helpers.review.retention import Retention
from helpers.review.story import MinuteStory, screen_label

FINDING_TEXT: dict[str, tuple[str, str]] = {
    "target_missed": (
        "{metric}未达目标：实际 {value}，目标 {target}（差距 {gap}）。",
        "{metric} missed its target: {value} vs {target} ({gap}).",
    ),
    "benchmark_bad": (
        "{metric} {value}，{side}行业基准 {benchmark}（{cite}）。",
        "{metric} is {value}, {side} the benchmark {benchmark} ({cite}).",
    ),
    "gmv_swing": (
        "成交金额较前 {n} 场均值变动 {gap}，需核查原因。",
        "GMV moved {gap} against the previous {n} sessions' mean: find out why.",
    ),
    "exit_spike": (
        "「{screen}」期间离开的观众是按停留时长预期的 {index} 倍：调整这段内容或缩短时长。",
        "During “{screen}” {index}× as many viewers left as their time in the room predicts: rework or shorten it.",
    ),
    "explain_weak": (
        "讲解「{name}」期间该商品每分钟订单仅为讲解外的 {ratio} 倍（无显著提升）：改进话术或换品。",
        "Explaining “{name}” did not lift its orders ({ratio}× the rate outside): rework the pitch or the product.",
    ),
    "explain_strong": (
        "讲解「{name}」使该商品每分钟订单提升到 {ratio} 倍：多讲、提前讲。",
        "Explaining “{name}” lifted its orders {ratio}×: explain it more and earlier.",
    ),
    "channel_weak": (
        "渠道「{channel}」转化率 {conv}，低于整体 {overall}：复核投放人群或减少预算。",
        "Channel “{channel}” converts {conv} vs {overall} overall: review its targeting or budget.",
    ),
    "channel_weak_orders": (
        "渠道「{channel}」每位观众订单数 {conv}，低于整体 {overall}（平台按渠道只给订单数）：复核投放人群或减少预算。",
        "Channel “{channel}” brings {conv} orders per viewer vs {overall} overall (the export gives "
        "channel orders, not buyers): review its targeting or budget.",
    ),
    # a free channel costs nothing: its remedy is the content its viewers meet, never a budget
    "channel_weak_free": (
        "免费渠道「{channel}」转化率 {conv}，低于整体 {overall}：调整这部分观众进来时看到的内容（福利款、直给卖点）。",
        "Free channel “{channel}” converts {conv} vs {overall} overall: rework what its viewers see when they arrive.",
    ),
    "channel_weak_orders_free": (
        "免费渠道「{channel}」每位观众订单数 {conv}，低于整体 {overall}（平台按渠道只给订单数）：调整这部分观众进来时看到的内容。",
        "Free channel “{channel}” brings {conv} orders per viewer vs {overall} overall (the export gives "
        "channel orders, not buyers): rework what its viewers see when they arrive.",
    ),
    "cpm_high": (
        "渠道「{channel}」千次展示费用 {cpm} 元，高于平均 20% 以上。",
        "Channel “{channel}” costs {cpm} yuan CPM, more than 20% over the average.",
    ),
    "mix_off": (
        "{role}商品贡献 {share} 的成交，偏离 3:5:2 建议（{norm}）。",
        "{role} products make {share} of GMV against the 3:5:2 norm ({norm}).",
    ),
    "burst": (
        "发现 {minutes} 个疑似刷量分钟：{viewers} 名观众（{share}）观看不足 10 秒，应从流量评估中剔除。",
        "{minutes} suspected burst minute(s): {viewers} viewers ({share}) watched under 10 s; exclude them when judging traffic.",
    ),
    "dup_comments": (
        "{share} 的弹幕是多账号重复文本（如「{text}」），疑似刷评。",
        "{share} of comments are the same text from many accounts (e.g. “{text}”): likely bought comments.",
    ),
    "retention_weak": (
        "「{group}」渠道观众中位停留仅 {median} 分钟，远低于整体 {overall} 分钟。",
        "Viewers from “{group}” stayed a median {median} min vs {overall} min overall.",
    ),
}


def _pct(x: float | None, d: int = 1) -> str:
    return "–" if x is None else f"{x * 100:+.{d}f}%" if x < 0 or x > 0 else "0%"


def _share(x: float | None, d: int = 1) -> str:
    return "–" if x is None else f"{x * 100:.{d}f}%"


@sections.section("review.findings")
def findings(
    head: Headline,
    story: MinuteStory | None = None,
    ret: Retention | None = None,
    prods: Products | None = None,
    traffic: pl.DataFrame | None = None,
    integ: Integrity | None = None,
    *,
    lang: str = "zh",
    top: int = 8,
) -> list[dict[str, Any]]:
    """A ranked list of what to change next time. Each candidate has a score (size of the gap,
    weighted by how sure we are), a text in the language, the metric and value behind it, and the
    section whose figure supports it."""
    zh = lang == "zh"
    cands: list[dict[str, Any]] = []

    def add(kind: str, score: float, key: str, val: Any, figure: str, /, **kw: Any) -> None:
        text = FINDING_TEXT[kind][0 if zh else 1].format(**kw)
        cands.append(
            {
                "kind": kind,
                "score": float(score),
                "text": text,
                "metric": key,
                "value": _f(val),
                "figure": figure,
            }
        )

    for a in head.alerts:
        key = a["metric"]
        gap = abs(a.get("gap") or 0.0)
        if a["kind"] == "target":
            add(
                "target_missed",
                gap * (1.0 if a.get("significant") else 0.4),
                key,
                a["value"],
                "headline",
                metric=t(key, lang),
                value=format_value(key, a["value"]),
                target=format_value(key, a["target"]),
                gap=_pct(a.get("gap")),
            )
        elif a["kind"] == "benchmark":
            side = ("低于" if a["flag"] == "below" else "高于") if zh else a["flag"]
            add(
                "benchmark_bad",
                0.8 * gap,
                key,
                a["value"],
                "headline",
                metric=t(key, lang),
                value=format_value(key, a["value"]),
                side=side,
                benchmark=format_value(key, a["benchmark"]),
                cite=a.get("cite", ""),
            )
        elif a["kind"] == "trailing":
            add(
                "gmv_swing",
                gap,
                key,
                a["value"],
                "headline",
                n=a.get("sessions"),
                gap=_pct(a.get("gap")),
            )
    if ret is not None and ret.leaving.height:
        worst = ret.leaving.filter(
            (pl.col("obs_exp") > 1.3) & (pl.col("lo") > 1.0) & (pl.col("kind") != "none")
        )
        for r in worst.head(2).iter_rows(named=True):
            screen = screen_label(r["on_screen"], lang)
            add(
                "exit_spike",
                0.5 * (r["obs_exp"] - 1.0),
                "exit_obs_exp",
                r["obs_exp"],
                "retention",
                screen=screen,
                index=f"{r['obs_exp']:.2f}",
            )
    if ret is not None and ret.summary.height:
        overall = ret.summary.filter(pl.col("group_kind") == "all")["median_min"]
        ov = _f(overall[0]) if overall.len() else None
        if ov:
            ch = ret.summary.filter(
                (pl.col("group_kind") == "channel")
                & (pl.col("median_min") < 0.5 * ov)
                & (pl.col("viewers") >= 100)
            )
            for r in ch.sort("median_min").head(1).iter_rows(named=True):
                add(
                    "retention_weak",
                    0.5 * (1 - r["median_min"] / ov),
                    "median_watch_min",
                    r["median_min"],
                    "retention",
                    group=r["group"],
                    median=f"{r['median_min']:.1f}",
                    overall=f"{ov:.1f}",
                )
    if prods is not None and prods.explain.height:
        ex = prods.explain.filter(
            pl.col("ratio").is_not_null()
            & pl.struct("lo", "hi", "orders_out").map_elements(
                lambda r: lift_reliable(r["lo"], r["hi"], r["orders_out"]), return_dtype=pl.Boolean
            )
        )
        weak = ex.filter(
            (pl.col("hi") < 1.5) & ((pl.col("orders_in") + pl.col("orders_out")) >= 5)
        ).sort("ratio")
        for r in weak.head(1).iter_rows(named=True):
            add(
                "explain_weak",
                0.5,
                "explanation_effect",
                r["ratio"],
                "products",
                name=r["name"] or r["product_id"],
                ratio=f"{r['ratio']:.2f}",
            )
        strong = ex.filter(pl.col("lo") > 1.0).sort("ratio", descending=True)
        for r in strong.head(1).iter_rows(named=True):
            add(
                "explain_strong",
                min(0.3, 0.05 * r["ratio"]),
                "explanation_effect",
                r["ratio"],
                "products",
                name=r["name"] or r["product_id"],
                ratio=f"{r['ratio']:.2f}",
            )
    if prods is not None and prods.mix.height:
        for r in prods.mix.filter(pl.col("norm").is_not_null()).iter_rows(named=True):
            dev = (r["share_gmv"] or 0) - r["norm"]
            if abs(dev) > 0.15:
                add(
                    "mix_off",
                    abs(dev),
                    "share_gmv",
                    r["share_gmv"],
                    "products",
                    role=t(r["role"], lang),
                    share=_share(r["share_gmv"]),
                    norm=_share(r["norm"], 0),
                )
    if traffic is not None and traffic.height:
        ch = traffic.filter(pl.col("level") == "channel")
        # buyers per viewer where viewer rows give channel buyers, else orders per viewer
        count, rate, kind = (
            ("buyers", "conversion", "channel_weak")
            if "buyers" in ch.columns
            else ("orders", "order_rate", "channel_weak_orders")
        )
        tot_b, tot_v = ch[count].sum(), ch["viewers"].sum()
        overall = tot_b / tot_v if tot_v else None
        if overall:
            weak = ch.filter(
                (pl.col("conv_hi") < overall) & (pl.col("viewers") >= 0.05 * tot_v)
            ).sort(rate)
            for r in weak.head(1).iter_rows(named=True):
                add(
                    kind if r["paid"] is True else f"{kind}_free",
                    1 - r[rate] / overall,
                    "conversion_rate" if count == "buyers" else "order_rate",
                    r[rate],
                    "traffic",
                    channel=r["channel"],
                    conv=_share(r[rate], 2),
                    overall=_share(overall, 2),
                )
        cpm = ch.filter(pl.col("cpm").is_not_null())
        if cpm.height:
            avg = cpm["spend"].sum() * 1000.0 / cpm["impressions"].sum()
            for r in cpm.filter(pl.col("cpm") > 1.2 * avg).iter_rows(named=True):
                add(
                    "cpm_high",
                    r["cpm"] / avg - 1,
                    "cpm",
                    r["cpm"],
                    "traffic",
                    channel=r["channel"],
                    cpm=f"{r['cpm']:.1f}",
                )
    if integ is not None:
        b = integ.bursts
        if b.get("burst_minutes"):
            add(
                "burst",
                1.0 + (b.get("suspect_share") or 0),
                "suspect_share",
                b.get("suspect_share"),
                "integrity",
                minutes=b["burst_minutes"],
                viewers=b["suspect_viewers"],
                share=_share(b.get("suspect_share")),
            )
        d = integ.duplicate_summary
        if d.get("duplicated_comments") and (d.get("duplicated_share") or 0) > 0.005:
            add(
                "dup_comments",
                0.6 + (d.get("duplicated_share") or 0),
                "duplicated_share",
                d.get("duplicated_share"),
                "integrity",
                share=_share(d.get("duplicated_share")),
                text=(d.get("top_text") or "")[:30],
            )
    cands.sort(key=lambda c: (-c["score"], c["kind"], c["metric"]))
    out = []
    for i, c in enumerate(cands[:top], start=1):
        out.append(
            {
                "rank": i,
                **{k: c[k] for k in ("text", "metric", "value", "figure", "kind")},
                "score": round(c["score"], 4),
            }
        )
    return out
