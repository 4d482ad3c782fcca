# %% [markdown]
# # 人群分层 · Audience segments
#
# 谁来看、谁购买：RFM 分层、新老客、粉丝、互动分群与人群画像，每个比例都带 95% 区间。
# Who watched and who bought: RFM, new vs returning, followers, engagement clusters and
# demographics, every share with its 95% interval.

# %% tags=["parameters"]
session_id: str = ""  # one session to analyse (or leave empty and give week)
week: str = ""  # ISO week, e.g. 2026-W47: pools the sessions starting in that week
store: str = "data/processed/store"  # canonical Parquet store
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
import polars as pl

from helpers import nb
from helpers import segments as sg
from helpers.charts_models import cluster_chart, group_chart, migration_chart, rfm_chart
from helpers.labels import chooser, t, table_format
from helpers.models import viewer_design
from helpers.paths import resolve
from helpers.weekly import migration_display

nb.setup(lang)
L = chooser(lang)
scope = sg.load_scope(str(resolve(store)), session_id=session_id, week=week)  # exactly one of the two
summary: dict = {"scope": scope.describe(session_id, week), "skipped": {}}
design = viewer_design(scope.viewers, scope.orders) if scope.has_viewers else None
nb.say(L("范围：{label}，{n} 场直播，{v:,} 位观众记录，{o:,} 条订单。",
         "Scope: {label}, {n} session(s), {v:,} viewer rows, {o:,} order lines."),
       label=scope.label, n=len(scope.session_ids), v=scope.viewers.height, o=scope.orders.height)

# %% [markdown]
# ## RFM 分层 · RFM of buyers
#
# 店铺全部历史场次（截至本范围结束）的买家：最近一次购买距今天数（R）、购买场次（F）、金额（M），
# 按五分位打分并命名分层。Buyers across every session in the store up to the scope's end.

# %%
if scope.has_buyer_ids:
    rfm_table = sg.rfm(scope.all_orders, scope.end_date)
    rfm_seg = sg.rfm_segments(rfm_table)
    summary["rfm"] = {
        "ref_date": scope.end_date.isoformat(), "buyers": len(rfm_table),
        "segments": {r["segment"]: {"buyers": r["buyers"], "buyer_share": r["buyer_share"],
                                    "gmv_share": r["gmv_share"]} for r in rfm_seg.to_dict("records")},
    }
    rfm_cols = ["segment_zh" if lang == "zh" else "segment", "buyers", "buyer_share", "gmv_share",
                "mean_recency_days", "mean_frequency"]
    display(nb.show_table(rfm_seg[rfm_cols], L("RFM 分层", "RFM segments"),
                          **table_format(rfm_cols, lang, percent={"buyer_share": 1, "gmv_share": 1},
                                         decimals={"buyers": 0, "mean_recency_days": 1, "mean_frequency": 2})))
    top = rfm_seg.sort_values(["gmv_share", "segment"], ascending=[False, True]).iloc[0]
    display(nb.say(L("GMV 占比最高的分层是 **{s}**：{b:,} 位买家贡献了 {g:.1%} 的 GMV。",
                     "The segment with the largest GMV share is **{s}**: {b:,} buyers, {g:.1%} of GMV."),
                   s=top["segment_zh"] if lang == "zh" else top["segment"], b=int(top["buyers"]),
                   g=float(top["gmv_share"])))
else:
    summary["skipped"]["rfm"] = "orders carry no buyer ids"
    display(nb.say(L("跳过 RFM：订单没有买家 ID。", "RFM skipped: the orders carry no buyer ids.")))

# %% tags=["nbval-ignore-output"]
if scope.has_buyer_ids:
    rfm_chart(rfm_seg, lang).show()

# %% [markdown]
# ### 分层迁移 · Migration
#
# 本范围开始前一天与结束日的分层对比（"none" = 当时还不是买家）。
# Segments the day before the scope began vs at its end ("none" = not yet a buyer).

# %%
from datetime import timedelta

if scope.has_buyer_ids:
    mig = sg.rfm_migration(scope.all_orders, scope.start_date - timedelta(days=1), scope.end_date)
    summary["rfm"]["migration"] = mig.to_dict("records")
    display(nb.show_table(migration_display(pl.from_pandas(mig), lang), L("分层迁移（买家数）", "Migration (buyers)"),
                          **table_format(list(mig.columns), lang, decimals={"buyers": 0},
                                         rename={"from_segment": L("开始前分层", "Segment before"),
                                                 "to_segment": L("结束时分层", "Segment at end")})))
    new_b = int(mig.loc[mig["from_segment"] == "none", "buyers"].sum())
    display(nb.say(L("本范围新增买家 {n:,} 位；其余 {m:,} 位在此之前已购买过。",
                     "{n:,} buyers are new in this scope; {m:,} had bought before."),
                   n=new_b, m=int(mig["buyers"].sum()) - new_b))

# %% tags=["nbval-ignore-output"]
if scope.has_buyer_ids and len(mig):
    migration_chart(mig, lang).show()

# %% [markdown]
# ## 新客与老客 · New vs returning
#
# 老客 = 在本直播间更早场次出现过的观众。转化率 = 买家 / 观众（买家：有已支付或已退款订单的观众），
# 客单价 = GMV / 买家（bootstrap 区间）。
# Returning = seen in an earlier session of the room. Conversion = buyers / viewers; AOV = GMV /
# buyers (bootstrap interval).

# %%
if design is not None and "returning" in design.columns:
    nr = sg.group_table(design, "returning", labels={1: "returning", 0: "new"})
    summary["new_vs_returning"] = nr.to_dict("records")
    nr_cols = ["returning", "viewers", "viewer_share", "buyers", "conversion", "conversion_lo",
               "conversion_hi", "gmv_share", "aov", "aov_lo", "aov_hi"]
    display(nb.show_table(nr[nr_cols].assign(returning=nr["returning"].map(lambda v: t(str(v), lang))),
                          L("新客 vs 老客", "New vs returning"),
                          **table_format(nr_cols, lang, percent=dict.fromkeys(nr_cols[2:3] + nr_cols[4:8], 1) | {
                              "conversion": 2, "conversion_lo": 2, "conversion_hi": 2},
                              decimals={"viewers": 0, "buyers": 0, "aov_lo": 1, "aov_hi": 1},
                              rename={"returning": L("新老客", "New / returning")})))
    r_ = nr.set_index("returning")
    if {"returning", "new"} <= set(r_.index):
        display(nb.say(L("老客转化率 {a:.2%}（{al:.2%}–{ah:.2%}），新客 {b:.2%}（{bl:.2%}–{bh:.2%}）。",
                         "Returning viewers convert at {a:.2%} ({al:.2%}–{ah:.2%}), new viewers at {b:.2%} ({bl:.2%}–{bh:.2%})."),
                       a=r_.loc["returning", "conversion"], al=r_.loc["returning", "conversion_lo"],
                       ah=r_.loc["returning", "conversion_hi"], b=r_.loc["new", "conversion"],
                       bl=r_.loc["new", "conversion_lo"], bh=r_.loc["new", "conversion_hi"]))
else:
    summary["skipped"]["new_vs_returning"] = "no viewer-level data with returning flags"
    display(nb.say(L("跳过新老客对比：没有观众明细或老客标记。",
                     "New vs returning skipped: no viewer-level data with a returning flag.")))

# %%
fo = sg.first_order_aov(scope.orders)
if len(fo) and fo["orders"].min() > 0:
    summary["first_order_aov"] = {"first": fo.loc[0, "aov"], "first_lo": fo.loc[0, "aov_lo"],
                                  "first_hi": fo.loc[0, "aov_hi"], "repeat": fo.loc[1, "aov"],
                                  "repeat_lo": fo.loc[1, "aov_lo"], "repeat_hi": fo.loc[1, "aov_hi"],
                                  "gap": fo.loc[0, "gap"]}
    kinds = {"first": L("首单", "first order"), "repeat": L("复购", "repeat order")}
    display(nb.show_table(fo.assign(kind=fo["kind"].map(lambda v: kinds.get(v, v))), L("首单 vs 复购订单的客单价", "AOV of first vs repeat orders"),
                          **table_format(list(fo.columns), lang, percent={"gap": 1}, signed=("gap",),
                                         decimals={"aov_lo": 1, "aov_hi": 1})))
    display(nb.say(L("新客首单客单价比复购订单低 {g:.0%}（经验值：低 25–40%）。",
                     "First orders are {g:.0%} below repeat orders in value (rule of thumb: 25–40% lower)."),
                   g=-float(fo.loc[0, "gap"])))
else:
    summary["skipped"]["first_order_aov"] = "orders carry no first_order flag"
    display(nb.say(L("跳过首单客单价：订单没有首单标记。", "First-order AOV skipped: no first_order flag.")))

# %%
ret = sg.retention(scope.viewers, scope.sessions, "returning", {True: "returning", False: "new"}) \
    if scope.has_viewers and "returning" in scope.viewers.columns else None
if ret is not None and len(ret):
    summary["retention"] = ret.to_dict("records")
    display(nb.show_table(ret.assign(returning=ret["returning"].map(lambda v: t(str(v), lang))), L("再次到访率（之后的场次中再次出现）", "Came back in a later session"),
                          **table_format(list(ret.columns), lang, percent={"rate": 1, "lo": 1, "hi": 1},
                                         rename={"returning": L("新老客", "New / returning")})))
else:
    summary["skipped"]["retention"] = "needs viewer-level data and a later session"
    display(nb.say(L("跳过再次到访率：需要观众明细和之后的场次。",
                     "Retention skipped: needs viewer-level data and a later session in scope.")))

# %% [markdown]
# ## 粉丝与非粉丝 · Followers

# %%
if design is not None and "was_follower" in design.columns:
    fol = sg.group_table(design, "was_follower", labels={1: "follower", 0: "not_follower"})
    summary["followers"] = fol.to_dict("records")
    fol_cols = ["was_follower", "viewers", "viewer_share", "buyers", "conversion", "conversion_lo",
                "conversion_hi", "gmv_share", "aov"]
    fol_words = {"follower": L("粉丝", "follower"), "not_follower": L("非粉丝", "not a follower")}
    display(nb.show_table(fol[fol_cols].assign(was_follower=fol["was_follower"].map(lambda v: fol_words.get(v, v))), L("开播前是否为粉丝", "Follower before the session"),
                          **table_format(fol_cols, lang, percent={"viewer_share": 1, "conversion": 2, "conversion_lo": 2,
                                                                  "conversion_hi": 2, "gmv_share": 1},
                                         decimals={"viewers": 0, "buyers": 0})))
else:
    summary["skipped"]["followers"] = "no viewer-level follower flags"
    display(nb.say(L("跳过粉丝对比：没有观众明细。", "Followers skipped: no viewer-level data.")))

# %% tags=["nbval-ignore-output"]
if design is not None and "was_follower" in design.columns:
    group_chart(fol, "was_follower", lang, L("粉丝 vs 非粉丝转化率", "Conversion: followers vs not")).show()

# %% [markdown]
# ## 互动分群 · Engagement clusters
#
# 用标准化后的观看时长、互动次数、商品点击（对数）做 k-means；k 由 Calinski–Harabasz 指数选出
# （同时列出轮廓系数），用不同随机种子重复拟合检查稳定性（调整兰德指数）。入场时间和渠道只用于描述。
# k-means on standardised log watch time, interactions and product clicks; k by the
# Calinski–Harabasz index (silhouette listed too); stability across seeds by adjusted Rand index.
# Entry time and channel describe the clusters but do not define them.

# %%
if design is not None and len(design) >= 50:
    feats, _num, _cat = sg.engagement_features(design)
    cl = sg.cluster_viewers(feats, [c for c in sg.CLUSTER_FEATURES if c in feats.columns])
    prof = sg.cluster_profiles(design, cl, feats, lang=lang)
    summary["clusters"] = {**cl.summary(), "profiles": prof.to_dict("records")}
    display(nb.show_table(prof, L("互动分群画像（z 列为相对全体的标准差）", "Cluster profiles (z = standard deviations from the mean)"),
                          **table_format(list(prof.columns), lang, decimals={"viewers": 0},
                                         percent={c: 1 for c in prof.columns
                                                  if c in ("share", "gmv_share") or c.startswith("conversion")})))
    best = prof.sort_values(["gmv_share", "cluster"], ascending=[False, True]).iloc[0]
    display(nb.say(L("选出 k = {k}（稳定性 ARI {a:.2f}）。GMV 主要来自第 {c} 群（{d}）：占观众 {s:.0%}、GMV {g:.0%}，转化率 {cv:.1%}。",
                     "k = {k} (stability ARI {a:.2f}). Most GMV comes from cluster {c} ({d}): {s:.0%} of viewers, {g:.0%} of GMV, conversion {cv:.1%}."),
                   k=cl.k, a=cl.stability_ari, c=int(best["cluster"]), d=best["description"],
                   s=float(best["share"]), g=float(best["gmv_share"]), cv=float(best["conversion"])))
else:
    summary["skipped"]["clusters"] = "no viewer-level behaviour data"
    display(nb.say(L("跳过互动分群：没有观众明细。", "Engagement clusters skipped: no viewer-level data.")))

# %% tags=["nbval-ignore-output"]
if "clusters" in summary:
    cluster_chart(prof, lang).show()

# %% [markdown]
# ## 人群画像 · Demographic cuts
#
# 每个维度：观众占比、买家占比、转化率，都带 Wilson 95% 区间（不是裸比例）。
# Per dimension: share of viewers, share of buyers and conversion, each with a Wilson 95% interval.

# %%
if design is not None:
    demo = sg.demographic_cuts(design)
    summary["demographics"] = demo.to_dict("records")
    display(nb.show_table(demo[["dimension", "level", "viewers", "viewer_share", "viewer_share_lo", "viewer_share_hi",
                                "buyer_share", "buyer_share_lo", "buyer_share_hi", "conversion", "conversion_lo",
                                "conversion_hi"]],
                          L("人群画像", "Demographic cuts"), max_rows=60,
                          **table_format(list(demo.columns), lang, decimals={"viewers": 0},
                                         percent={c: 2 if c.startswith("conversion") else 1 for c in demo.columns
                                                  if "share" in c or c.startswith("conversion")})))
else:
    summary["skipped"]["demographics"] = "no viewer-level data (channel shares from the traffic table instead)"
    display(nb.say(L("没有观众明细，跳过人群画像；下面只用渠道汇总表给出各渠道的观众与订单占比。",
                     "No viewer-level data: demographics skipped; the channel table below uses the per-channel aggregates only.")))
    chan = sg.channel_shares(scope.traffic)
    if len(chan):
        summary["channel_shares"] = chan.to_dict("records")
        display(nb.show_table(chan, L("各渠道观众与订单占比（汇总数据）", "Channel shares of viewers and orders (aggregates)"),
                              decimals=3))

# %% tags=["nbval-ignore-output"]
if design is not None and "age_band" in design.columns:
    group_chart(sg.group_table(design, "age_band"), "age_band", lang, L("各年龄段转化率", "Conversion by age band")).show()

# %% [markdown]
# ## 跳过的部分 · What was skipped

# %%
if summary["skipped"]:
    for k_, why in summary["skipped"].items():
        display(nb.say("- **{k}**: {w}", k=k_, w=why))
else:
    display(nb.say(L("全部分析均已运行。", "Every section ran.")))

# %%
from helpers.report import write_summary

write_summary(summary, summary_path)
