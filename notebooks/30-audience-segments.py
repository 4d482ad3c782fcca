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
# # 人群分层 · Audience segments
#
# 谁来看、谁购买：RFM 分层、新老买家、发弹幕的新老客、粉丝、互动分群与人群画像，每个比例都带 95% 区间。
# 没有观众明细时（平台都不导出观众级数据），先用订单买家 ID、弹幕观众 ID 与老客标记、平台人群画像汇总。
# Who watched and who bought, every share with its 95% interval. Without viewer rows (no platform
# exports them) the aggregates come first: order buyer ids, comment viewer ids and the 老客 tag,
# the platform's audience portrait. A section without the data it needs says so in one sentence.

# %% tags=["parameters"]
session_id: str = ""  # one session to analyse (or leave empty and give week)
week: str = ""  # ISO week, e.g. 2026-W47: pools the sessions starting in that week
store: str = "data/processed/store"  # canonical Parquet store
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers import audience as sg
from helpers.audience.charts import cluster_chart, group_chart, migration_chart, rfm_chart
from helpers.models.report import blocked, left_out
from helpers.paths import resolve
from helpers.present import nb, sections
from helpers.present.labels import chooser

# %%
nb.setup(lang)
L = chooser(lang)
scope = sg.load_scope(
    str(resolve(store)), session_id=session_id, week=week
)  # exactly one of the two
tables, outs = scope.frames(), []
nb.say(
    L(
        "范围：{label}，{n} 场直播，{v:,} 位观众记录，{o:,} 条订单，{c:,} 条弹幕。",
        "Scope: {label}, {n} session(s), {v:,} viewer rows, {o:,} order lines, {c:,} comments.",
    ),
    label=scope.label,
    n=len(scope.session_ids),
    v=scope.viewers.height,
    o=scope.orders.height,
    c=scope.comments.height,
)

# %% [markdown]
# ## RFM 分层 · RFM of buyers
#
# 店铺全部历史场次（截至本范围结束）的订单买家 ID（脱敏 ID 也是 ID）：最近一次购买距今天数（R）、购买场次（F）、
# 金额（M），按五分位打分并命名分层；迁移 = 本范围开始前一天与结束日的分层对比。

# %%
out = sections.run("segments.rfm", tables, scope)
outs.append(out)
if (why := blocked(out, lang)) is None:
    display(sg.segment_table("rfm", out.value, lang))
    top = (
        out.value["segments"].sort_values(["gmv_share", "segment"], ascending=[False, True]).iloc[0]
    )
    display(
        nb.say(
            L(
                "GMV 占比最高的分层是 **{s}**：{b:,} 位买家贡献了 {g:.1%} 的 GMV。",
                "The segment with the largest GMV share is **{s}**: {b:,} buyers, {g:.1%} of GMV.",
            ),
            s=top["segment_zh"] if lang == "zh" else top["segment"],
            b=int(top["buyers"]),
            g=float(top["gmv_share"]),
        )
    )
else:
    display(nb.say("{w}", w=why))

# %% tags=["nbval-ignore-output"]
rfm_chart(out.value["segments"], lang) if blocked(out, lang) is None else None

# %% tags=["nbval-ignore-output"]
migration_chart(out.value["migration"], lang) if blocked(out, lang) is None and len(
    out.value["migration"]
) else None

# %% [markdown]
# ## 新买家与回头买家 · New vs returning buyers
#
# 按订单买家 ID：本范围第一场开播前已在本店买过的为回头买家。买家占比为 Wilson 区间，客单价为 bootstrap 区间。

# %%
out = sections.run("segments.buyers_new_returning", tables, scope)
outs.append(out)
if (why := blocked(out, lang)) is None:
    display(sg.segment_table("buyers_nr", out.value, lang))
    r = out.value.set_index("kind").loc["returning"]
    display(
        nb.say(
            L(
                "回头买家占 {s:.1%}（{lo:.1%}–{hi:.1%}），贡献 {g:.1%} 的成交金额。",
                "Returning buyers are {s:.1%} ({lo:.1%}–{hi:.1%}) of buyers and bring {g:.1%} of GMV.",
            ),
            s=r["buyer_share"],
            lo=r["buyer_share_lo"],
            hi=r["buyer_share_hi"],
            g=r["gmv_share"],
        )
    )
else:
    display(nb.say("{w}", w=why))

# %%
out = sections.run("segments.first_order_aov", tables, scope)
outs.append(out)
if (why := blocked(out, lang)) is None:
    display(sg.segment_table("first_order", out.value, lang))
    display(
        nb.say(
            L(
                "首单客单价比复购订单低 {g:.0%}（经验值：低 25–40%）。",
                "First orders are {g:.0%} below repeat orders in value (rule of thumb: 25–40% lower).",
            ),
            g=-float(out.value["gap"].iloc[0]),
        )
    )
else:
    display(nb.say("{w}", w=why))

# %% [markdown]
# ## 发弹幕的新老客 · New vs returning commenters
#
# 两种口径：观众 ID 在本店更早场次发过弹幕；平台给弹幕打的「老客」标记。

# %%
out = sections.run("segments.commenters", tables, scope)
outs.append(out)
if (why := blocked(out, lang)) is None:
    display(sg.segment_table("commenters", out.value, lang))
    first = out.value.iloc[0]
    display(
        nb.say(
            L(
                "发弹幕的 {n:,} 位观众中老客占 {s:.1%}（{lo:.1%}–{hi:.1%}，口径：{m}）。",
                "Of {n:,} commenters, {s:.1%} ({lo:.1%}–{hi:.1%}) are returning (basis: {m}).",
            ),
            n=int(first["commenters"]),
            s=first["share"],
            lo=first["lo"],
            hi=first["hi"],
            m=sg.group_words(out.value["method"], lang).iloc[0],
        )
    )
else:
    display(nb.say("{w}", w=why))

# %% [markdown]
# ## 观众明细：新老客、再次到访、粉丝 · With viewer rows: new vs returning, return visits, followers
#
# 老客 = 在本直播间更早场次出现过的观众；转化率 = 买家 / 观众（Wilson 区间）。

# %%
out = sections.run("segments.viewers_new_returning", tables, scope)
outs.append(out)
if (why := blocked(out, lang)) is None:
    display(sg.segment_table("viewers_nr", out.value, lang))
    r_ = out.value.set_index("returning")
    display(
        nb.say(
            L(
                "老客转化率 {a:.2%}，新客 {b:.2%}（区间见表）。",
                "Returning viewers convert at {a:.2%}, new viewers at {b:.2%} (intervals in the table).",
            ),
            a=r_["conversion"].get("returning", float("nan")),
            b=r_["conversion"].get("new", float("nan")),
        )
    )
else:
    display(nb.say("{w}", w=why))

# %%
out = sections.run("segments.retention", tables, scope)
outs.append(out)
display(
    sg.segment_table("retention", out.value, lang)
    if blocked(out, lang) is None
    else nb.say("{w}", w=blocked(out, lang))
)

# %%
out = sections.run("segments.followers", tables, scope)
outs.append(out)
if (why := blocked(out, lang)) is None:
    display(sg.segment_table("followers", out.value, lang))
    display(
        nb.say(
            L(
                "粉丝与非粉丝的转化率差异见上表（95% 区间）。",
                "Followers vs non-followers: conversion with 95% intervals above.",
            )
        )
    )
else:
    display(nb.say("{w}", w=why))

# %% tags=["nbval-ignore-output"]
group_chart(
    out.value, "was_follower", lang, L("粉丝 vs 非粉丝转化率", "Conversion: followers vs not")
) if blocked(out, lang) is None else None

# %% [markdown]
# ## 互动分群 · Engagement clusters
#
# 标准化后的观看时长、互动次数、商品点击（对数）做 k-means；k 由 Calinski–Harabasz 指数选出，用不同随机种子
# 重复拟合检查稳定性（调整兰德指数）。需要观众明细。k-means on standardised behaviour; needs viewer rows.

# %%
out = sections.run("segments.clusters", tables, scope, lang)
outs.append(out)
if (why := blocked(out, lang)) is None:
    cl, prof = out.value
    display(sg.segment_table("clusters", prof, lang))
    best = prof.sort_values(["gmv_share", "cluster"], ascending=[False, True]).iloc[0]
    display(
        nb.say(
            L(
                "选出 k = {k}（稳定性 ARI {a:.2f}）。GMV 主要来自第 {c} 群（{d}）：占观众 {s:.0%}、GMV {g:.0%}。",
                "k = {k} (stability ARI {a:.2f}). Most GMV comes from cluster {c} ({d}): {s:.0%} of viewers, {g:.0%} of GMV.",
            ),
            k=cl.k,
            a=cl.stability_ari,
            c=int(best["cluster"]),
            d=best["description"],
            s=float(best["share"]),
            g=float(best["gmv_share"]),
        )
    )
else:
    display(nb.say("{w}", w=why))

# %% tags=["nbval-ignore-output"]
cluster_chart(out.value[1], lang) if blocked(out, lang) is None else None

# %% [markdown]
# ## 人群画像 · Demographic cuts
#
# 每个维度：观众占比、买家占比、转化率，带 Wilson 95% 区间。没有观众明细时用平台的人群画像（audience_profile 表：
# 观看人群与成交人群的占比）。From viewer rows, else from the platform's audience portrait.

# %%
out = sections.run("segments.demographics", tables, scope)
outs.append(out)
if (why := blocked(out, lang)) is None:
    display(sg.segment_table("demographics", out.value, lang))
    display(
        nb.say(
            L("来源：{s}。", "Source: {s}."),
            s=L("观众明细", "viewer rows")
            if out.value["source"].iloc[0] == "viewers"
            else L("平台人群画像", "the platform's portrait"),
        )
    )
else:
    display(nb.say("{w}", w=why))

# %%
out = sections.run("segments.channels", tables, scope)
outs.append(out)
display(
    sg.segment_table("channels", out.value, lang)
    if blocked(out, lang) is None
    else nb.say("{w}", w=blocked(out, lang))
)

# %% [markdown]
# ## 跳过的部分 · What was left out

# %%
summary = sg.build_summary(scope, outs)
gaps = left_out(outs, lang)
for name, why in gaps:
    display(nb.say("- **{k}**：{w}" if lang == "zh" else "- **{k}**: {w}", k=name, w=why))
display(nb.say(L("全部分析均已运行。", "Every section ran.")) if not gaps else None)

# %%
from helpers.pipeline.render import write_summary

write_summary(summary, summary_path)
