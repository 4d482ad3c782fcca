# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (live-commerce workbook)
#     language: python
#     name: livecommerce-workbook
# ---

# %% [markdown]
# **单场直播复盘 · Session review** — 每个数字由 `helpers.metrics.definitions` / `helpers.review` 计算，比率附 95% 区间，
# 文末有指标说明 · every number is computed by `helpers.metrics.definitions` / `helpers.review`, ratios with 95%
# intervals, glossary at the end.

# %% tags=["parameters"]
session_id: str = ""  # session to review (empty: the latest session in the store)
store: str = "data/processed/store"  # canonical Parquet store
targets: str = (
    ""  # targets file, CSV or YAML with metric,target[,session_id] (empty: the store targets only)
)
category: str = "general"  # benchmark category: general, apparel, beauty, food
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
import polars as pl
from IPython.display import display

from helpers import review
from helpers.metrics import definitions as metrics
from helpers.present import nb, sections
from helpers.present.i18n import t
from helpers.present.labels import heading
from helpers.review import charts

nb.setup(lang)
ctx = review.open_review(session_id, store, targets, category, lang)
s = ctx.session
frames = s.frames()  # every table of the session: what each section's needs are checked on
note = review.data_note(ctx)
fmt = review.format_value
nb.say(
    "**{room}** · 主播 {host} · {start}–{end} · 场次 `{session_id}` · 数据截至 **{as_of}**（退款会在 D+7 内继续发生）。"
    "本场数据包含：{present}；缺少：{missing}。目标 {targets} 项，行业基准类目：{category}。"
    "缺少数据的小节会用一句话说明原因。"
    if lang == "zh"
    else "**{room}** · host {host} · {start}–{end} · session `{session_id}` · data as of **{as_of}** (refunds keep "
    "arriving until D+7). Tables present: {present}; missing: {missing}. {targets} target(s); benchmark category: "
    "{category}. A section the data cannot support says so in one sentence.",
    **note,
)

# %%
heading("verdict", lang)

# %%
# page 1: the verdict against the target or the room's history, its decomposition, and the actions;
# the sections they draw on are computed here once and shown further down
head_out = sections.run("review.headline", frames, s, ctx.targets, ctx.category, ctx.store)
head = head_out.value if head_out.ok else review.empty_headline(s)
k = head.kpis
verdict_out = sections.run("review.verdict", frames, s, ctx.targets, ctx.store, kpis=k)
verdict = verdict_out.value if verdict_out.ok else None
windows_out = sections.run("review.windows", frames, s)
windows = windows_out.value if windows_out.ok else None
traffic_out = sections.run("review.traffic", frames, s)
traffic = traffic_out.value if traffic_out.ok else None
ret_out = sections.run("review.retention", frames, s)
promo_out = sections.run("review.promotions", frames, s)
promo = promo_out.value if promo_out.ok else None
results = sections.guard(
    "review.actions",
    lambda: review.candidates(
        verdict,
        k,
        head.intervals,
        windows=windows,
        traffic=traffic,
        leaving=ret_out.value.leaving if ret_out.ok else None,
        coupons=promo.coupons if promo is not None else None,
        category=ctx.category,
        lang=lang,
    ),
)
actions_out = sections.run(
    "review.actions", frames, results if isinstance(results, dict) else {}, lang
)
acts = actions_out.value if actions_out.ok else []
review.PageOne(verdict, acts, lang, missing=sections.needs_text(verdict_out, lang))

# %%
heading("headline", lang)

# %%
conv_iv = head.intervals.get("conversion_rate")
if head_out.ok:
    display(
        review.step(
            "review.headline", lambda: nb.show_table(review.headline_table(head, lang), None), lang
        )
    )
    display(
        review.step(
            "review.headline",
            lambda: nb.say(
                "成交金额 {gmv} 元（支付 {paid} 元，退款后 {net} 元），{viewers} 人观看、{buyers} 人成交，"
                "观看-成交率 {conv}{conv_iv}，UV价值 {uv} 元。{n_alerts} 项指标未达目标或落后于基准"
                "（区间内的差距标为“在误差内”）。"
                if lang == "zh"
                else "GMV {gmv} yuan (paid {paid}, net of refunds {net}); {viewers} viewers, {buyers} buyers, conversion "
                "{conv}{conv_iv}, UV value {uv} yuan. {n_alerts} metric(s) missed a target or trail the benchmark (a gap "
                "inside the 95% interval is marked as within the noise).",
                gmv=fmt("gmv", k.get("gmv")),
                paid=fmt("paid_gmv", k.get("paid_gmv")),
                net=fmt("net_gmv", k.get("net_gmv")),
                viewers=fmt("viewers", k.get("viewers")),
                buyers=fmt("buyers", k.get("buyers")),
                conv=fmt("conversion_rate", k.get("conversion_rate")),
                conv_iv=(
                    f"（95% 区间 {fmt('conversion_rate', conv_iv['lo'])}–{fmt('conversion_rate', conv_iv['hi'])}）"
                    if lang == "zh"
                    else f" (95% interval {fmt('conversion_rate', conv_iv['lo'])}–{fmt('conversion_rate', conv_iv['hi'])})"
                )
                if conv_iv
                else "",
                uv=fmt("uv_value", k.get("uv_value")),
                n_alerts=len(head.alerts),
            ),
            lang,
        )
    )
else:
    display(nb.outcome(head_out, lang))

# %% tags=["nbval-ignore-output"]
(
    review.step("review.headline", lambda: charts.targets_chart(head.table, lang), lang)
    if head.table["target"].is_not_null().any()
    else nb.say("本场没有设定目标。" if lang == "zh" else "No targets were set for this session.")
)

# %%
heading("story", lang)

# %%
story_out = sections.run("review.story", frames, s)
story = story_out.value if story_out.ok else None
if story is not None:
    display(
        review.step(
            "review.story",
            lambda: review.show(
                story.extrema.select(
                    "minute_ts", pl.col("series").alias("metric"), "kind", "value", "on_screen"
                ),
                t("peak", lang) + " / " + t("trough", lang),
                lang,
                decimals=1,
            ),
            lang,
        )
    )
    has_online = story.minutes["online"].null_count() < story.minutes.height
    display(
        review.step(
            "review.story",
            lambda: nb.say(
                "在线人数最高 {pcu} 人（{pcu_at}），平均 {acu} 人；下图阴影为场控节奏（蓝=讲解，黄=福袋，绿=优惠券，红=秒杀），"
                "峰值与低谷已自动标注当时在播内容。"
                if lang == "zh"
                else "Online viewers peaked at {pcu} ({pcu_at}), {acu} on average; shaded windows are the run sheet (blue 讲解, "
                "yellow lottery, green coupon, red flash sale), peaks and troughs are annotated with what was on screen.",
                pcu=fmt("pcu", k.get("pcu")),
                acu=fmt("acu", k.get("acu")),
                pcu_at=f"{story.minutes.sort('online', descending=True, nulls_last=True)['minute_ts'][0]:%H:%M}"
                if has_online
                else "–",
            ),
            lang,
        )
    )
else:
    display(nb.outcome(story_out, lang))

# %% tags=["nbval-ignore-output"]
(
    review.step(
        "review.story",
        lambda: charts.minute_story_chart(story.minutes, story.events, story.extrema, lang),
        lang,
    )
    if story is not None
    else None
)

# %%
heading("retention", lang)

# %%
ret = ret_out.value if ret_out.ok else None  # computed with page 1
if ret is not None and ret.summary.height:
    display(
        review.step(
            "review.retention",
            lambda: review.show(
                ret.summary,
                t("still_watching", lang),
                lang,
                decimals={"median_min": 1, "still_5": 3, "still_30": 3},
            ),
            lang,
        )
    )
    overall = ret.summary.row(0, named=True)
    worst = ret.leaving.row(0, named=True) if ret.leaving.height else None
    display(
        review.step(
            "review.retention",
            lambda: nb.say(
                "观众中位停留 {med:.1f} 分钟；进入 5 分钟后仍在看的占 {s5:.1%}，30 分钟后 {s30:.1%}。"
                "离开最多的在播内容：{worst}（离开人数是按停留时长预期的 {idx:.2f} 倍；预期已扣除刚进来就走的自然流失）。"
                if lang == "zh"
                else "Median stay {med:.1f} min; {s5:.1%} still watching 5 minutes after entry, {s30:.1%} after 30. "
                "Most viewers left during: {worst} ({idx:.2f}× the exits their time in the room predicts, so early "
                "bouncing is already accounted for).",
                med=overall["median_min"],
                s5=overall["still_5"],
                s30=overall["still_30"],
                worst=review.screen_label(worst["on_screen"], lang) if worst else "–",
                idx=worst["obs_exp"] if worst else float("nan"),
            ),
            lang,
        )
    )
else:
    display(nb.outcome(ret_out, lang))
    drop_out = sections.run("review.dropoff", frames, s, story)
    if drop_out.ok:
        ret = drop_out.value
        st = ret.stay
        display(
            review.step(
                "review.dropoff",
                lambda: nb.say(
                    "改用分钟趋势估算流失：全场进入 {entries} 人次、离开 {exits} 人次，按在线人次/进入人次（利特尔法则）"
                    "平均每次停留约 {stay} 分钟（平台人均观看时长 {avg}），每个在线人·分钟的离开率 {rate}。"
                    "下表按在播内容比较离开率（1 = 与全场相同）。"
                    if lang == "zh"
                    else "Drop-off from the minute trend instead: {entries} entries and {exits} exits; online viewer-minutes / "
                    "entries (Little's law) give a mean stay of about {stay} min per visit (platform average watch time "
                    "{avg}); {rate} exits per online viewer-minute. The table compares exit rates by what was on screen "
                    "(1 = as the whole session).",
                    entries=fmt("views", st.get("entries")),
                    exits=fmt("views", st.get("exits")),
                    stay=f"{st['mean_stay_min']:.1f}" if st.get("mean_stay_min") else "–",
                    avg=fmt("avg_watch_s", k.get("avg_watch_s"))
                    + (" 秒" if lang == "zh" else " s"),
                    rate=f"{st['exit_rate']:.3f}" if st.get("exit_rate") else "–",
                ),
                lang,
            )
        )
    else:
        display(nb.outcome(drop_out, lang))

# %% tags=["nbval-ignore-output"]
(
    review.step("review.retention", lambda: charts.retention_chart(ret.curves, lang), lang)
    if ret is not None and ret.curves.height
    else None
)

# %%
if ret is not None and ret.leaving.height:
    display(
        review.step(
            "review.retention",
            lambda: review.show(
                ret.leaving.head(10).drop("method", "dispersion"),
                t("on_screen", lang) + " · " + t("exit_rate", lang),
                lang,
                decimals={
                    "expected": 1,
                    "exit_rate": 4,
                    "obs_exp": 2,
                    "lo": 2,
                    "hi": 2,
                    "p_value": 4,
                },
            ),
            lang,
        )
    )

# %% tags=["nbval-ignore-output"]
(
    review.step("review.retention", lambda: charts.leaving_chart(ret.leaving, lang), lang)
    if ret is not None and ret.leaving.height
    else None
)

# %%
heading("funnel", lang)

# %%
fun_out = sections.run("review.funnel", frames, s, k, head.sources)
fun = fun_out.value if fun_out.ok else None
if fun is not None:
    display(
        review.step(
            "review.funnel",
            lambda: review.show(
                fun.stages,
                t("sec_funnel", lang),
                lang,
                decimals={"count": 0, "of_previous": 3, "of_top": 3},
            ),
            lang,
        )
    )
    display(
        review.step(
            "review.funnel",
            lambda: review.show(
                review.funnel_comparison(
                    fun.rates,
                    verdict.history if verdict is not None else pl.DataFrame(),
                    ctx.category,
                ),
                None,
                lang,
            ),
            lang,
        )
    )
    rates = {r["metric"]: r for r in fun.rates.iter_rows(named=True)}
    c2o = rates.get("click_to_order")
    display(
        review.step(
            "review.funnel",
            lambda: nb.say(
                "漏斗各步都是整场人数（观众明细，否则平台整场汇总），不用单个商品的数字代替。商品点击-成交率 {c2o}{c2o_iv}。{dropped}"
                if lang == "zh"
                else "Every step counts people over the whole room (viewer rows, else the platform's session totals), never one "
                "product's figures. Click→order {c2o}{c2o_iv}.{dropped}",
                c2o=fmt("click_to_order", c2o["rate"]) if c2o else "–",
                c2o_iv=(
                    f"（95% 区间 {fmt('click_to_order', c2o['lo'])}–{fmt('click_to_order', c2o['hi'])}）"
                    if lang == "zh"
                    else f" (95% interval {fmt('click_to_order', c2o['lo'])}–{fmt('click_to_order', c2o['hi'])})"
                )
                if c2o
                else "",
                dropped=(
                    ""
                    if not fun.dropped
                    else "未放入漏斗："
                    + "、".join(
                        t(d, lang) if d != "clicked" else t("product_clickers", lang)
                        for d in fun.dropped
                    )
                    + "（人数多于上一步，不是同一批人的计数）。"
                    if lang == "zh"
                    else " Left out: "
                    + ", ".join(
                        metrics.label(d if d != "clicked" else "product_clickers", lang)
                        for d in fun.dropped
                    )
                    + " (more people than the step before: not a "
                    "count of the same people)."
                ),
            ),
            lang,
        )
    )
else:
    display(nb.outcome(fun_out, lang))

# %% tags=["nbval-ignore-output"]
(
    review.step("review.funnel", lambda: charts.funnel_chart(fun.stages, lang), lang)
    if fun is not None and fun.stages.height
    else None
)

# %%
heading("products", lang)

# %%
prods_out = sections.run("review.products", frames, s)
ranking = prods_out.value if prods_out.ok else pl.DataFrame()
if prods_out.ok and ranking.height:
    display(
        review.step(
            "review.products",
            lambda: review.show(
                ranking.select(
                    "rank",
                    "name",
                    "role",
                    "exposures_uv",
                    "clicks_uv",
                    "buyers",
                    "gmv",
                    "share_gmv",
                    "ctr",
                    "click_to_order",
                    "gpm",
                    "refund_rate",
                ),
                t("sec_products", lang),
                lang,
                max_rows=15,
                decimals={
                    "gmv": 0,
                    "share_gmv": 3,
                    "ctr": 3,
                    "click_to_order": 3,
                    "gpm": 0,
                    "refund_rate": 3,
                },
            ),
            lang,
        )
    )
    top = ranking.row(0, named=True)
    display(
        review.step(
            "review.products",
            lambda: nb.say(
                "成交第一的商品是「{name}」，贡献 {share} 的成交，商品 GPM {gpm} 元。"
                if lang == "zh"
                else "The top product is “{name}”, {share} of GMV, product GPM {gpm} yuan.",
                name=top["name"],
                share=f"{top['share_gmv']:.1%}" if top["share_gmv"] is not None else "–",
                gpm=f"{top['gpm']:,.0f}" if top["gpm"] is not None else "–",
            ),
            lang,
        )
    )
else:
    display(nb.outcome(prods_out, lang))

# %% tags=["nbval-ignore-output"]
review.step(
    "review.products", lambda: charts.products_chart(ranking, lang), lang
) if ranking.height else None

# %%
explain_out = sections.run("review.explain", frames, s)
explain = explain_out.value if explain_out.ok else None
if windows is not None and windows.height:  # each 讲解 window, computed with page 1
    display(
        review.step(
            "review.windows",
            lambda: review.show(
                review.with_lift_text(
                    windows.select(
                        "name",
                        "nth",
                        "start_ts",
                        "minutes",
                        "orders_in",
                        "orders_per_min_in",
                        "orders_per_min_out",
                        "gmv_per_min_in",
                        "gmv_per_min_out",
                        "lift",
                        "lo",
                        "hi",
                        "reliable",
                    ),
                    lang,
                ),
                t("rate_ratio", lang),
                lang,
                max_rows=40,
                time_fmt="%H:%M",
                decimals={
                    "minutes": 0,
                    "orders_in": 0,
                    "orders_per_min_in": 2,
                    "orders_per_min_out": 3,
                    "gmv_per_min_in": 0,
                    "gmv_per_min_out": 0,
                },
            ),
            lang,
        )
    )
    display(
        review.step(
            "review.windows",
            lambda: nb.say(
                "{n} 次讲解中 {ok} 次的倍数可下结论，其中 {sig} 次该品每分钟订单显著高于讲解外（95% 区间下限 > 1）。{rule}"
                if lang == "zh"
                else "{ok} of {n} 讲解 windows have a conclusive lift; in {sig} the product sold significantly faster than "
                "outside its windows (95% interval above 1). {rule}",
                n=windows.height,
                ok=windows["reliable"].sum(),
                sig=windows.filter(pl.col("reliable") & (pl.col("lo") > 1.0)).height,
                rule=t("lift_rule", lang),
            ),
            lang,
        )
    )
else:
    display(nb.outcome(windows_out, lang))

# %% tags=["nbval-ignore-output"]
(
    review.step("review.explain", lambda: charts.explain_chart(explain, lang), lang)
    if explain is not None and explain.height
    else None
)

# %%
mix_out = sections.run("review.mix", frames, ranking)
mix = mix_out.value if mix_out.ok else None
if mix is not None:
    display(
        review.step(
            "review.mix",
            lambda: review.show(
                mix,
                t("role", lang),
                lang,
                decimals={"gmv": 0, "share_products": 3, "share_gmv": 3, "norm": 2},
            ),
            lang,
        )
    )
    display(
        nb.say(
            "货盘结构对照建议的 主推:利润:引流 = 3:5:2。"
            if lang == "zh"
            else "The product mix against the suggested hero : profit : traffic-driver = 3 : 5 : 2."
        )
    )
else:
    display(nb.outcome(mix_out, lang))

# %% tags=["nbval-ignore-output"]
review.step(
    "review.mix", lambda: charts.mix_chart(mix, lang), lang
) if mix is not None and mix.height else None

# %%
heading("traffic", lang)

# %%
if traffic is not None:  # computed with page 1
    count, rate = (
        ("buyers", "conversion") if "buyers" in traffic.columns else ("orders", "order_rate")
    )
    display(
        review.step(
            "review.traffic",
            lambda: review.show(
                traffic.select(
                    "channel",
                    "paid",
                    "viewers",
                    "share",
                    count,
                    rate,
                    "conv_lo",
                    "conv_hi",
                    "gmv",
                    "uv_value",
                    "spend",
                    "cpm",
                    "roi",
                ),
                t("sec_traffic", lang),
                lang,
                decimals={
                    "share": 3,
                    rate: 4,
                    "conv_lo": 4,
                    "conv_hi": 4,
                    "gmv": 0,
                    "uv_value": 2,
                    "spend": 0,
                    "cpm": 1,
                    "roi": 2,
                },
            ),
            lang,
        )
    )
    paid_row = traffic.filter((pl.col("level") == "total") & pl.col("paid"))
    roi_ok = review.common.roi_reliable(k.get("ad_spend"), k.get("orders"))
    display(
        review.step(
            "review.traffic",
            lambda: nb.say(
                "付费流量占观看人数 {share}，花费 {spend} 元，整体 ROI {roi}，投放 ROI {ad_roi}，CPM {cpm} 元。{basis}"
                if lang == "zh"
                else "Paid traffic brought {share} of viewers for {spend} yuan: overall ROI {roi}, ad ROI {ad_roi}, CPM {cpm} "
                "yuan.{basis}",
                share=f"{paid_row['share'].sum():.1%}" if paid_row.height else "–",
                spend=fmt("ad_spend", k.get("ad_spend")),
                roi=fmt("roi", k.get("roi")) if roi_ok else t("too_little_data", lang),
                ad_roi=fmt("ad_roi", k.get("ad_roi")) if roi_ok else t("too_little_data", lang),
                cpm=fmt("cpm", k.get("cpm")),
                basis=(
                    ""
                    if count == "buyers"
                    else "平台的渠道表只给订单数：表中是每位观众订单数（区间为订单数的泊松区间），不是成交人数。"
                    if lang == "zh"
                    else " The platform's channel table gives orders only: the table shows orders per viewer (Poisson "
                    "interval on the order count), not buyers."
                ),
            ),
            lang,
        )
    )
    display(nb.say(t("roi_rule", lang)))
else:
    display(nb.outcome(traffic_out, lang))

# %% tags=["nbval-ignore-output"]
(
    review.step("review.traffic", lambda: charts.traffic_chart(traffic, lang), lang)
    if traffic is not None and traffic.height
    else None
)

# %%
heading("promotions", lang)

# %%
if promo is not None:  # computed with page 1
    if promo.coupons.height:
        display(
            review.step(
                "review.promotions",
                lambda: review.show(
                    review.with_lift_text(promo.coupons, lang),
                    t("coupon", lang),
                    lang,
                    time_fmt="%H:%M",
                    decimals={
                        "minutes": 0,
                        "orders_in": 0,
                        "orders_per_min_in": 2,
                        "orders_per_min_out": 2,
                        "gmv_per_min_in": 0,
                        "gmv_per_min_out": 0,
                    },
                ),
                lang,
            )
        )
    ct = promo.coupon_totals
    display(
        nb.say(
            "平台口径：消费券引导支付 {gmv} 元（占 {share}），补贴 {sub} 元，使用 {uses} 张。"
            if lang == "zh"
            else "Platform figures: coupon-guided paid GMV {gmv} yuan ({share}), subsidy {sub} yuan, {uses} coupons used.",
            gmv=f"{ct['coupon_gmv']:,.0f}" if "coupon_gmv" in ct else "–",
            share=f"{ct['coupon_gmv_share']:.1%}" if "coupon_gmv_share" in ct else "–",
            sub=f"{ct['coupon_subsidy']:,.0f}" if "coupon_subsidy" in ct else "–",
            uses=f"{ct['coupon_uses']:,.0f}" if "coupon_uses" in ct else "–",
        )
        if ct
        else nb.say(
            "导出数据没有消费券领取与使用的数字（罗盘场次列表的 消费券 列），只能按优惠券时段比较成交。"
            if lang == "zh"
            else "The export has no coupon claim or use figures (the 消费券 columns of Compass's session list): coupons are "
            "judged by the sales during their windows only."
        )
    )
    if promo.flash.height:
        display(
            review.step(
                "review.promotions",
                lambda: review.show(
                    promo.flash,
                    t("flash_sale", lang),
                    lang,
                    time_fmt="%H:%M",
                    decimals={"minutes": 0, "stock": 0},
                ),
                lang,
            )
        )
    if promo.lotteries.height:
        display(
            review.step(
                "review.promotions",
                lambda: review.show(
                    review.with_lift_text(promo.lotteries, lang),
                    t("lottery", lang),
                    lang,
                    time_fmt="%H:%M",
                    decimals={
                        "minutes": 0,
                        "entries_per_min_in": 1,
                        "entries_per_min_out": 1,
                        "median_stay_in": 1,
                        "median_stay_out": 1,
                    },
                ),
                lang,
            )
        )
    display(nb.say(t("lift_rule", lang)))
else:
    display(nb.outcome(promo_out, lang))

# %%
heading("audience", lang)

# %%
aud_out = sections.run("review.audience", frames, s)
aud = aud_out.value if aud_out.ok else None
if aud is not None and aud.height:
    display(
        review.step(
            "review.audience",
            lambda: review.show(
                aud.drop("source"),
                t("sec_audience", lang),
                lang,
                max_rows=60,
                decimals={
                    "viewer_share": 3,
                    "buyer_share": 3,
                    "buyer_share_lo": 3,
                    "buyer_share_hi": 3,
                    "conversion": 4,
                    "lo": 4,
                    "hi": 4,
                    "index": 2,
                },
            ),
            lang,
        )
    )
    over = review.top_over(aud)
    display(
        review.step(
            "review.audience",
            lambda: (
                nb.say(
                    "买家中最突出的人群：{dim} = {level}（成交占比/观看占比 = {idx:.2f}）。数据来源：{src}。"
                    if lang == "zh"
                    else "The group most over-represented among buyers: {dim} = {level} (buyer share / viewer share = {idx:.2f}). "
                    "Source: {src}.",
                    dim=t(over["dimension"], lang),
                    level=over["level"],
                    idx=over["index"],
                    src=sections.TABLE_NAMES[
                        aud["source"][0] if aud["source"][0] == "audience_profile" else "viewers"
                    ][0 if lang == "zh" else 1],
                )
                if over
                else nb.say(
                    "人群数据不足以比较观看与成交。"
                    if lang == "zh"
                    else "Too little audience data to compare watchers and buyers."
                )
            ),
            lang,
        )
    )
elif aud is not None:
    display(
        nb.say(
            "人群数据里没有可比较的维度。"
            if lang == "zh"
            else "The audience data has no dimension to compare."
        )
    )
else:
    display(nb.outcome(aud_out, lang))

# %% tags=["nbval-ignore-output"]
review.step(
    "review.audience", lambda: charts.audience_chart(aud, lang), lang
) if aud is not None and aud.height else None

# %%
heading("returning", lang)

# %%
newret_out = sections.run("review.returning", frames, s, ctx.store)
if newret_out.ok and newret_out.value.table.height:
    newret = newret_out.value
    display(
        review.step(
            "review.returning",
            lambda: review.show(
                newret.table,
                t("sec_returning", lang),
                lang,
                decimals={"returning_share": 3, "lo": 3, "hi": 3, "tagged_share": 3},
            ),
            lang,
        )
    )
    rows = {r["population"]: r for r in newret.table.iter_rows(named=True)}

    def _part(pop: str) -> str:
        r = rows.get(pop)
        if r is None or r["returning_share"] is None:
            return ""
        who = t(pop, lang) if pop != "buyers" else ("买家" if lang == "zh" else "buyers")
        return (
            f"{who} {r['people']} 人中 {r['returning']} 人此前来过（{r['returning_share']:.1%}，"
            f"95% 区间 {r['lo']:.1%}–{r['hi']:.1%}）。"
            if lang == "zh"
            else f"{r['returning']} of {r['people']} {who.lower()} had been here before ({r['returning_share']:.1%}, "
            f"95% interval {r['lo']:.1%}–{r['hi']:.1%}). "
        )

    tag = rows.get("commenters", {}).get("tagged_share")
    display(
        review.step(
            "review.returning",
            lambda: nb.say(
                "{history}{buyers}{commenters}{tag}",
                history=(
                    f"“此前来过”指在本库该直播间此前 {newret.earlier_sessions} 场（自 {newret.since:%Y-%m-%d}）中下过单或发过弹幕。"
                    if lang == "zh"
                    else f"“Been here before” means ordered or commented in one of the room's {newret.earlier_sessions} "
                    f"earlier session(s) in this store (since {newret.since:%Y-%m-%d}). "
                )
                if newret.earlier_sessions
                else (
                    "本库没有该直播间更早的场次，无法区分新老客。"
                    if lang == "zh"
                    else "The store holds no earlier session of this room: new and returning cannot be told apart. "
                ),
                buyers=_part("buyers"),
                commenters=_part("commenters"),
                tag=(
                    f"评论者中带平台“老客”标签的占 {tag:.1%}。"
                    if lang == "zh"
                    else f"{tag:.1%} of commenters carry the platform's 老客 tag."
                )
                if tag is not None
                else "",
            ),
            lang,
        )
    )
else:
    display(
        nb.outcome(newret_out, lang)
        if not newret_out.ok
        else nb.say(
            "本场没有可识别的买家或评论者 ID。"
            if lang == "zh"
            else "No identifiable buyer or commenter ids this session."
        )
    )

# %%
heading("comments", lang)

# %%
said_out = sections.run("review.comments", frames, s)
if said_out.ok and said_out.value.height:
    display(
        review.step(
            "review.comments",
            lambda: review.show(
                said_out.value, "最常见的弹幕" if lang == "zh" else "Most frequent comments", lang
            ),
            lang,
        )
    )
intents_out = sections.run("review.intents", frames, s)
intents = intents_out.value if intents_out.ok else None
if not intents_out.ok:
    display(nb.outcome(intents_out, lang))
elif intents is None:
    display(
        nb.say(
            "弹幕意图分析不可用（helpers.comments 未安装）。"
            if lang == "zh"
            else "Comment intents are unavailable (helpers.comments is not installed)."
        )
    )
else:
    totals = (
        intents.group_by("intent")
        .agg(pl.col("comments").sum())
        .sort(["comments", "intent"], descending=[True, False])
    )
    display(
        review.step("review.intents", lambda: review.show(totals, t("intent", lang), lang), lang)
    )
    display(
        nb.say(
            "最常见的弹幕意图：{top}。"
            if lang == "zh"
            else "The most common comment intent: {top}.",
            top=totals["intent"][0] if totals.height else "–",
        )
    )

# %% tags=["nbval-ignore-output"]
(
    review.step("review.intents", lambda: charts.intents_chart(intents, lang), lang)
    if intents is not None and intents.height
    else None
)

# %%
heading("integrity", lang)

# %%
integ_out = sections.run("review.integrity", frames, s)
integ = integ_out.value if integ_out.ok else None
if not integ_out.ok:
    display(nb.outcome(integ_out, lang))
for part in ("review.bursts", "review.duplicates"):  # each part the data cannot support says so
    if integ is not None and sections.missing(part, frames):
        display(nb.outcome(sections.run(part, frames, s), lang))
if integ is not None:
    b, d = integ.bursts, integ.duplicate_summary
    if b.get("available"):
        display(
            review.step(
                "review.integrity",
                lambda: nb.say(
                    "进入人数异常激增且多数观看不足 10 秒的分钟：{m} 个，涉及 {v} 名观众（占 {sh:.1%}），其中下单 {buy} 人。"
                    "全场观看不足 10 秒的观众占 {short:.1%}。"
                    if lang == "zh"
                    else "Minutes with an entry burst of mostly sub-10-second viewers: {m}, covering {v} viewers ({sh:.1%}), {buy} "
                    "of whom bought. Overall {short:.1%} of viewers watched under 10 seconds.",
                    m=b["burst_minutes"],
                    v=b["suspect_viewers"],
                    sh=b["suspect_share"] or 0.0,
                    buy=b["suspect_buyers"],
                    short=b["short_watch_share"],
                ),
                lang,
            )
        )
    if integ.suspects.height:
        display(
            review.step(
                "review.integrity",
                lambda: review.show(
                    integ.suspects,
                    "sample (ids pseudonymised)" if lang == "en" else "样例（观众ID已脱敏）",
                    lang,
                    decimals={"watch_s": 1},
                ),
                lang,
            )
        )
    if d.get("available"):
        display(
            review.step(
                "review.integrity",
                lambda: review.show(
                    integ.duplicates,
                    "duplicated comment text" if lang == "en" else "多账号集中重复的弹幕",
                    lang,
                ),
                lang,
            )
        )
        display(
            review.step(
                "review.integrity",
                lambda: nb.say(
                    "集中重复弹幕 {n} 条，占全部弹幕 {sh:.1%}。"
                    if lang == "zh"
                    else "{n} comments ({sh:.1%} of all) are the same text posted together by many accounts.",
                    n=d["duplicated_comments"],
                    sh=d["duplicated_share"] or 0.0,
                ),
                lang,
            )
        )

# %% tags=["nbval-ignore-output"]
(
    review.step("review.integrity", lambda: charts.integrity_chart(integ.per_minute, lang), lang)
    if integ is not None and integ.per_minute.height
    else None
)

# %%
heading("findings", lang)

# %%
prods = review.Products(
    ranking,
    explain if explain is not None else pl.DataFrame(),
    mix if mix is not None else pl.DataFrame(),
)
found_out = sections.run(
    "review.findings", frames, head, story, ret, prods, traffic, integ, lang=lang
)
found = found_out.value if found_out.ok else []
(
    nb.outcome(found_out, lang)
    if not found_out.ok
    else nb.Markdown(
        "\n".join(
            f"{f['rank']}. {nb.escape(f['text'])} *({t('sec_' + f['figure'], lang)})*"
            for f in found
        )
        or ("本场没有需要特别关注的问题。" if lang == "zh" else "Nothing stands out.")
    )
)

# %%
heading("glossary", lang)

# %%
review.show(
    metrics.glossary(lang=lang).select("key", "zh", "en", "formula", "convention", "unit"),
    None,
    lang,
    max_rows=100,
)

# %%
from helpers.pipeline.render import write_summary

decision = review.decision_summary(
    verdict, acts, windows, review.funnel_steps(fun.stages) if fun is not None else []
)
summary = review.build_summary(
    s,
    head,
    found,
    integ,
    extra={"lang": lang, "category": ctx.category, "targets": ctx.targets, **decision},
)
write_summary(summary, summary_path)
nb.say(
    "summary.json: {n} KPI, {a} alerts, {f} findings; {skipped} section(s) left out for missing data, {failed} "
    "failed.",
    n=len(metrics.KPI_KEYS),
    a=len(summary["alerts"]),
    f=len(summary["findings"]),
    skipped=len(sections.summary_block()["sections_skipped"]),
    failed=len(sections.summary_block()["sections_failed"]),
)
