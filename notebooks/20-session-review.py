# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 单场直播复盘 · Session review
#
# Every number below is computed by `helpers.metrics` / `helpers.review` (one definition per metric,
# see the glossary at the end); ratios carry 95% intervals so a gap can be told from noise.

# %% tags=["parameters"]
session_id: str = ""  # session to review (empty: the latest session in the store)
store: str = "data/processed/store"  # canonical Parquet store
targets: str = ""  # targets file, CSV or YAML with metric,target[,session_id] (empty: the store targets only)
category: str = "general"  # benchmark category: general, apparel, beauty, food
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
import polars as pl
from IPython.display import display

from helpers import charts, metrics, nb, review
from helpers.labels import heading, t

nb.setup(lang)
ctx = review.open_review(session_id, store, targets, category, lang)
s = ctx.session
note = review.data_note(ctx)
nb.say(
    "**{room}** · 主播 {host} · {start}–{end} · 场次 `{session_id}` · 数据截至 **{as_of}**（退款会在 D+7 内继续发生）。"
    "本场数据包含：{present}；缺少：{missing}。目标 {targets} 项，行业基准类目：{category}。"
    if lang == "zh" else
    "**{room}** · host {host} · {start}–{end} · session `{session_id}` · data as of **{as_of}** (refunds keep "
    "arriving until D+7). Tables present: {present}; missing: {missing}. {targets} target(s); benchmark category: {category}.",
    **note,
)

# %%
heading("headline", lang)

# %%
head = review.headline(s, ctx.targets, ctx.category, ctx.store)
k = head.kpis
display(nb.show_table(review.headline_table(head, lang), None))  # already in the language
nb.say(
    "成交金额 {gmv} 元（支付 {paid} 元，退款后 {net} 元），{viewers} 人观看、{buyers} 人下单，"
    "观看-成交率 {conv}，UV价值 {uv} 元。{n_alerts} 项指标未达目标或落后于基准。"
    if lang == "zh" else
    "GMV {gmv} yuan (paid {paid}, net of refunds {net}); {viewers} viewers, {buyers} buyers, conversion {conv}, "
    "UV value {uv} yuan. {n_alerts} metric(s) missed a target or trail the benchmark.",
    gmv=review.format_value("gmv", k["gmv"]), paid=review.format_value("paid_gmv", k["paid_gmv"]),
    net=review.format_value("net_gmv", k["net_gmv"]), viewers=review.format_value("viewers", k["viewers"]),
    buyers=review.format_value("buyers", k["buyers"]), conv=review.format_value("conversion_rate", k["conversion_rate"]),
    uv=review.format_value("uv_value", k["uv_value"]), n_alerts=len(head.alerts),
)

# %% tags=["nbval-ignore-output"]
charts.targets_chart(head.table, lang) if head.table["target"].is_not_null().any() else nb.say(
    "本场没有设定目标。" if lang == "zh" else "No targets were set for this session.")

# %%
heading("story", lang)

# %%
story = review.minute_story(s)
display(review.show(story.extrema.select("minute_ts", pl.col("series").alias("metric"), "kind", "value", "on_screen")
                    .with_columns(pl.col("metric").replace_strict({"online": t("online", lang), "orders": t("orders", lang)})),
                    t("peak", lang) + " / " + t("trough", lang), lang, decimals=1))
nb.say(
    "在线人数最高 {pcu} 人（{pcu_at}），平均 {acu} 人；上图阴影为场控节奏（蓝=讲解，黄=福袋，绿=优惠券，红=秒杀），"
    "峰值与低谷已自动标注当时在播内容。"
    if lang == "zh" else
    "Online viewers peaked at {pcu} ({pcu_at}), {acu} on average; shaded windows are the run sheet (blue 讲解, "
    "yellow lottery, green coupon, red flash sale), peaks and troughs are annotated with what was on screen.",
    pcu=review.format_value("pcu", k["pcu"]), acu=review.format_value("acu", k["acu"]),
    pcu_at=f"{story.minutes.sort('online', descending=True, nulls_last=True)['minute_ts'][0]:%H:%M}"
    if story.minutes["online"].null_count() < story.minutes.height else "–",
)

# %% tags=["nbval-ignore-output"]
charts.minute_story_chart(story.minutes, story.events, story.extrema, lang)

# %%
heading("retention", lang)

# %%
ret = review.retention(s)
if ret.summary.height:
    display(review.show(ret.summary, t("still_watching", lang), lang, decimals={"median_min": 1, "still_5": 3, "still_30": 3}))
    overall = ret.summary.row(0, named=True)
    worst = ret.leaving.row(0, named=True) if ret.leaving.height else None
    display(nb.say(
        "观众中位停留 {med:.1f} 分钟；进入 5 分钟后仍在看的占 {s5:.1%}，30 分钟后 {s30:.1%}。"
        "离开最多的在播内容：{worst}（离开人数是按停留时长预期的 {idx:.2f} 倍；预期已扣除刚进来就走的自然流失）。"
        if lang == "zh" else
        "Median stay {med:.1f} min; {s5:.1%} still watching 5 minutes after entry, {s30:.1%} after 30. "
        "Most viewers left during: {worst} ({idx:.2f}× the exits their time in the room predicts, so early "
        "bouncing is already accounted for).",
        med=overall["median_min"], s5=overall["still_5"], s30=overall["still_30"],
        worst=review.screen_label(worst["on_screen"], lang) if worst else "–", idx=worst["obs_exp"] if worst else float("nan")))
else:
    display(nb.say("本场没有观众明细数据，无法计算留存。" if lang == "zh" else
                   "No viewer-level data for this session: retention cannot be computed."))

# %% tags=["nbval-ignore-output"]
charts.retention_chart(ret.curves, lang) if ret.curves.height else None

# %%
display(review.show(ret.leaving.head(10).drop("method", "dispersion"), t("on_screen", lang) + " · " + t("exit_rate", lang),
                    lang, decimals={"expected": 1, "exit_rate": 4, "obs_exp": 2, "lo": 2, "hi": 2, "p_value": 4}))

# %% tags=["nbval-ignore-output"]
charts.leaving_chart(ret.leaving, lang) if ret.leaving.height else None

# %%
heading("funnel", lang)

# %%
fun = review.funnel(s, head.kpis)
display(review.show(fun.stages, t("sec_funnel", lang), lang, decimals={"count": 0, "of_previous": 3, "of_top": 3}))
nb.say(
    "从观看到下单保留 {conv}，下单后实际支付且未退款的人占下单人数的 {net}。商品曝光人数取曝光最多的单品（下限）。"
    if lang == "zh" else
    "{conv} of viewers placed an order; {net} of buyers paid and kept their order. Product exposure is the most-exposed "
    "product's count (a lower bound).",
    conv=review.format_value("conversion_rate", k["conversion_rate"]),
    net=f"{fun.stages.filter(fun.stages['stage'] == 'net_of_refunds')['count'].sum() / max(k['buyers'] or 1, 1):.1%}",
)

# %% tags=["nbval-ignore-output"]
charts.funnel_chart(fun.stages, lang)

# %%
heading("products", lang)

# %%
prods = review.products(s)
if prods.ranking.height:
    display(review.show(prods.ranking.select("rank", "name", "role", "exposures_uv", "clicks_uv", "buyers", "gmv",
                                             "share_gmv", "ctr", "click_to_order", "gpm", "refund_rate"),
                        t("sec_products", lang), lang, max_rows=15,
                          decimals={"gmv": 0, "share_gmv": 3, "ctr": 3, "click_to_order": 3, "gpm": 0, "refund_rate": 3}))
    top = prods.ranking.row(0, named=True)
    display(nb.say("成交第一的商品是「{name}」，贡献 {share:.1%} 的成交，商品 GPM {gpm:,.0f} 元。"
                   if lang == "zh" else
                   "The top product is “{name}”, {share:.1%} of GMV, product GPM {gpm:,.0f} yuan.",
                   name=top["name"], share=top["share_gmv"] or 0.0, gpm=top["gpm"] or 0.0))
else:
    display(nb.say("本场没有商品明细。" if lang == "zh" else "No product table for this session."))

# %% tags=["nbval-ignore-output"]
charts.products_chart(prods.ranking, lang) if prods.ranking.height else None

# %%
display(review.show(prods.explain.select("name", "windows", "minutes_in", "orders_in", "orders_out", "ratio", "lo", "hi",
                                         "p_value"), t("rate_ratio", lang), lang, max_rows=15,
                      decimals={"minutes_in": 0, "ratio": 2, "lo": 2, "hi": 2, "p_value": 4}))
sig = prods.explain.filter(prods.explain["lo"] > 1.0).height
nb.say("{sig}/{n} 个讲解过的商品在讲解期间每分钟订单显著高于讲解外（95% 区间下限 > 1）。"
       if lang == "zh" else
       "{sig} of {n} explained products sold significantly faster during their 讲解 windows (95% interval above 1).",
       sig=sig, n=prods.explain.height)

# %% tags=["nbval-ignore-output"]
charts.explain_chart(prods.explain, lang) if prods.explain.height else None

# %%
display(review.show(prods.mix, t("role", lang), lang, decimals={"gmv": 0, "share_products": 3, "share_gmv": 3, "norm": 2}))
nb.say("货盘结构对照建议的 主推:利润:引流 = 3:5:2。" if lang == "zh" else
       "The product mix against the suggested hero : profit : traffic-driver = 3 : 5 : 2.")

# %% tags=["nbval-ignore-output"]
charts.mix_chart(prods.mix, lang) if prods.mix.height else None

# %%
heading("traffic", lang)

# %%
traffic = review.traffic_sources(s)
display(review.show(traffic.select("channel", "paid", "viewers", "share", "buyers", "conversion", "conv_lo", "conv_hi",
                                   "gmv", "uv_value", "spend", "cpm", "roi"), t("sec_traffic", lang), lang,
                      decimals={"share": 3, "conversion": 4, "conv_lo": 4, "conv_hi": 4, "gmv": 0, "uv_value": 2,
                                "spend": 0, "cpm": 1, "roi": 2}))
paid_row = traffic.filter((traffic["level"] == "total") & traffic["paid"])
nb.say("付费流量占观看人数 {share:.1%}，花费 {spend} 元，整体 ROI {roi}，投放 ROI {ad_roi}，CPM {cpm} 元。"
       if lang == "zh" else
       "Paid traffic brought {share:.1%} of viewers for {spend} yuan: overall ROI {roi}, ad ROI {ad_roi}, CPM {cpm} yuan.",
       share=float(paid_row["share"].sum()) if paid_row.height else 0.0,
       spend=review.format_value("ad_spend", k["ad_spend"]), roi=review.format_value("roi", k["roi"]),
       ad_roi=review.format_value("ad_roi", k["ad_roi"]), cpm=review.format_value("cpm", k["cpm"]))

# %% tags=["nbval-ignore-output"]
charts.traffic_chart(traffic, lang) if traffic.height else None

# %%
heading("audience", lang)

# %%
aud = review.audience(s)
display(review.show(aud, t("sec_audience", lang), lang, max_rows=60,
                      decimals={"viewer_share": 3, "buyer_share": 3, "conversion": 4, "lo": 4, "hi": 4, "index": 2}))
if aud.height:
    over = aud.filter(aud["viewers"] >= 50).sort("index", descending=True, nulls_last=True).row(0, named=True)
    display(nb.say("买家中最突出的人群：{dim} = {level}（成交占比/观看占比 = {idx:.2f}）。"
                   if lang == "zh" else
                   "The group most over-represented among buyers: {dim} = {level} (buyer share / viewer share = {idx:.2f}).",
                   dim=t(over["dimension"], lang), level=over["level"], idx=over["index"] or 0.0))

# %% tags=["nbval-ignore-output"]
charts.audience_chart(aud, lang) if aud.height else None

# %%
heading("comments", lang)

# %%
said = review.top_comments(s)
if said.height:
    display(review.show(said, "最常见的弹幕" if lang == "zh" else "Most frequent comments", lang))
intents = review.comment_intents(s)
if intents is None:
    display(nb.say("弹幕意图分析不可用（没有弹幕数据或 helpers.comments 未安装）。" if lang == "zh" else
                   "Comment intents are unavailable (no comments, or helpers.comments is not installed)."))
else:
    totals = intents.group_by("intent").agg(pl.col("comments").sum()).sort("comments", "intent", descending=[True, False])
    display(review.show(totals, t("intent", lang), lang))
    display(nb.say("最常见的弹幕意图：{top}。" if lang == "zh" else "The most common comment intent: {top}.",
                   top=totals["intent"][0] if totals.height else "–"))

# %% tags=["nbval-ignore-output"]
charts.intents_chart(intents, lang) if intents is not None and intents.height else None

# %%
heading("integrity", lang)

# %%
integ = review.integrity(s)
b, d = integ.bursts, integ.duplicate_summary
if b.get("available"):
    display(nb.say(
        "进入人数异常激增且多数观看不足 10 秒的分钟：{m} 个，涉及 {v} 名观众（占 {sh:.1%}），其中下单 {buy} 人。"
        "全场观看不足 10 秒的观众占 {short:.1%}。"
        if lang == "zh" else
        "Minutes with an entry burst of mostly sub-10-second viewers: {m}, covering {v} viewers ({sh:.1%}), {buy} of "
        "whom bought. Overall {short:.1%} of viewers watched under 10 seconds.",
        m=b["burst_minutes"], v=b["suspect_viewers"], sh=b["suspect_share"] or 0.0, buy=b["suspect_buyers"],
        short=b["short_watch_share"]))
if integ.suspects.height:
    display(review.show(integ.suspects, "sample (ids pseudonymised)" if lang == "en" else "样例（观众ID已脱敏）", lang,
                        decimals={"watch_s": 1}))
if d.get("available"):
    display(review.show(integ.duplicates, "duplicated comment text" if lang == "en" else "多账号集中重复的弹幕", lang))
    display(nb.say("集中重复弹幕 {n} 条，占全部弹幕 {sh:.1%}。" if lang == "zh" else
                   "{n} comments ({sh:.1%} of all) are the same text posted together by many accounts.",
                   n=d["duplicated_comments"], sh=d["duplicated_share"] or 0.0))

# %% tags=["nbval-ignore-output"]
charts.integrity_chart(integ.per_minute, lang) if integ.per_minute.height else None

# %%
heading("findings", lang)

# %%
found = review.findings(head, story, ret, prods, traffic, integ, lang=lang)
nb.Markdown("\n".join(f"{f['rank']}. {nb.escape(f['text'])} *({t('sec_' + f['figure'], lang)})*" for f in found)
            or ("本场没有需要特别关注的问题。" if lang == "zh" else "Nothing stands out."))

# %%
heading("glossary", lang)

# %%
review.show(metrics.glossary(lang=lang).select("key", "zh", "en", "formula", "convention", "unit"), None, lang,
            max_rows=100)

# %%
from helpers.report import write_summary

summary = review.build_summary(s, head, found, integ, extra={"lang": lang, "category": ctx.category,
                                                             "targets": ctx.targets})
write_summary(summary, summary_path)
nb.say("summary.json: {n} KPI, {a} alerts, {f} findings.", n=len(metrics.KPI_KEYS), a=len(summary["alerts"]),
       f=len(summary["findings"]))
