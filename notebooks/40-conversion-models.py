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
# # 转化驱动模型 · What drives purchase
#
# 有观众明细时：观众级逻辑回归（优势比、平均边际效应、95% 区间、分离与共线性检查、留出样本 AUC 与校准）；
# 没有时（真实导出都没有）：场次级转化模型（买家/观看人数）。另有分钟级计数模型、跨场次价格弹性、A/B 检验与样本量。
# Viewer-level logistic model when there are viewer rows; otherwise a session-level model of
# buyers / viewers. Minute-level count model, price response across sessions, A/B tests with power,
# each estimate with its interval; a section without the data it needs says so in one sentence.

# %% tags=["parameters"]
session_id: str = ""  # one session to analyse (or leave empty and give week)
week: str = ""  # ISO week, e.g. 2026-W47: pools the sessions starting in that week
store: str = "data/processed/store"  # canonical Parquet store
arm_a: str = ""  # A/B: comma-separated session ids of arm A (empty: planning figures only)
arm_b: str = ""  # A/B: comma-separated session ids of arm B
target_lift: float = 0.10  # A/B: relative conversion lift the test should detect
looks: int = 1  # A/B: how many times the result was looked at (above 1 means peeking)
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers import audience as sg
from helpers import models as md
from helpers.models import charts as ch
from helpers.models import report as cv
from helpers.paths import resolve
from helpers.present import nb, sections
from helpers.present.labels import chooser

# %%
nb.setup(lang)
if not 0 < target_lift < 10 or looks < 1:
    raise ValueError("target_lift must be in (0, 10) and looks >= 1")
L = chooser(lang)
scope = sg.load_scope(
    str(resolve(store)), session_id=session_id, week=week
)  # exactly one of the two
tables, outs = scope.frames(), []
nb.say(
    L(
        "范围：{label}，{n} 场直播，{v:,} 位观众记录，{o:,} 条订单。",
        "Scope: {label}, {n} session(s), {v:,} viewer rows, {o:,} order lines.",
    ),
    label=scope.label,
    n=len(scope.session_ids),
    v=scope.viewers.height,
    o=scope.orders.height,
)

# %% [markdown]
# ## 观众级逻辑回归 · Viewer-level logistic model
#
# 结果：观众在该场是否下单（存在已支付或已退款订单）。协变量：观看时长、互动、开播前是否粉丝、是否老客、渠道
# （基准 直播推荐）、设备（基准 安卓）、城市线级（基准 三线）、是否 20–22 点入场。留出 25% 观众计算 AUC 与校准。
# Outcome: the viewer placed a paid or refunded order. Odds ratios with Wald 95% intervals, average
# marginal effects, held-out AUC (25% of viewers) and calibration.

# %%
out = sections.run("conversion.logit", tables, scope)
outs.append(out)
if (why := cv.blocked(out, lang)) is None:
    logit = out.value
    display(cv.logit_table(logit, lang))
    display(
        nb.say(
            L(
                "{n:,} 位观众、{e:,} 位买家；留出样本 AUC {auc:.3f}，Brier {b:.4f}。",
                "{n:,} viewers, {e:,} buyers; held-out AUC {auc:.3f}, Brier score {b:.4f}.",
            ),
            n=logit.n,
            e=logit.events,
            auc=logit.auc,
            b=logit.brier,
        )
    )
else:
    logit = None
    display(nb.say("{w}", w=why))

# %% tags=["nbval-ignore-output"]
ch.coefficient_chart(logit, lang) if logit is not None else None

# %% [markdown]
# ### 主要影响因素与模型检查 · Top effects and checks
#
# 按概率尺度排序：0/1 变量为其平均边际效应，连续变量为增加一个标准差的效应；分离、共线性（VIF）、校准。

# %%
if logit is not None:
    for sentence in md.reading(logit, 3, lang):
        display(nb.say("- {s}", s=sentence))
    display(cv.vif_table(logit, lang))
    display(
        nb.say(
            L("分离：{s}。共线性（VIF>5）：{v}。", "Separation: {s}. Collinearity (VIF > 5): {v}."),
            s=", ".join(cv.term_label(x, lang) for x in logit.separation) or L("无", "none"),
            v=", ".join(cv.term_label(x, lang) for x in logit.high_vif) or L("无", "none"),
        )
    )
    display(cv.calibration_table(logit, lang))

# %% tags=["nbval-ignore-output"]
ch.calibration_chart(logit, lang) if logit is not None else None

# %% [markdown]
# ## 场次级转化模型 · Session-level conversion
#
# 没有观众明细也能做：每场 买家/观看人数（平台汇总），对开播时刻、是否周末、时长、付费流量占比做二项 GLM（稳健标准误）；
# 店铺场次少于 20 场时只描述每场转化率及其区间。Buyers / viewers per session from the platform's totals:
# a binomial GLM with robust errors from 20 sessions on, each session's conversion below that.

# %%
out = sections.run("conversion.sessions", tables, scope)
outs.append(out)
if (why := cv.blocked(out, lang)) is None:
    display(cv.session_table(out.value, lang))
    display(
        nb.say(
            L("{n} 场直播；{how}", "{n} sessions; {how}"),
            n=out.value.n_sessions,
            how=L("已拟合模型（稳健标准误）。", "model fitted (robust errors).")
            if out.value.kind == "model"
            else L(
                "少于 20 场，只描述不建模：场次间差异请看区间是否重叠。",
                "fewer than 20: described, not modelled; compare the intervals.",
            ),
        )
    )
else:
    display(nb.say("{w}", w=why))

# %% tags=["nbval-ignore-output"]
ch.session_chart(out.value, lang) if out.ok and cv.blocked(out, lang) is None else None

# %% [markdown]
# ## 分钟级计数模型 · Minute-level count model
#
# 每分钟订单数（分钟趋势，缺失时由订单时间汇总）~ 讲解/福袋/优惠券/秒杀 + 开播后时间（样条）+ 场次，在线人数为暴露量；
# 过度离散时改用负二项。Orders per minute (from the trend, else from the order lines' times) on
# run-sheet events; Poisson, or negative binomial when over-dispersed.

# %%
out = sections.run("conversion.counts", tables, scope)
outs.append(out)
if (why := cv.blocked(out, lang)) is None:
    counts = out.value[0]
    display(cv.lift_table(counts, lang))
    display(
        nb.say(
            L(
                "模型：{f}（Pearson 离散度 {r:.2f}），{n:,} 个分钟。",
                "Model: {f} (Pearson dispersion {r:.2f}), {n:,} minutes.",
            ),
            f=counts.family,
            r=counts.dispersion_ratio,
            n=counts.n_minutes,
        )
    )
else:
    counts = None
    display(nb.say("{w}", w=why))

# %% tags=["nbval-ignore-output"]
ch.lift_chart(counts, lang) if counts is not None else None

# %% [markdown]
# ### 买家下单时机 · When buyers order (viewer-level)
#
# 以每位买家为一组的条件泊松模型（买家在场的每一分钟为一行）：事件如何改变买家在场期间的下单时机。

# %%
out = sections.run("conversion.order_timing", tables, scope)
outs.append(out)
if (why := cv.blocked(out, lang)) is None:
    display(cv.lift_table(out.value, lang, "cap_timing"))
    display(nb.say(L("{n:,} 个买家在场分钟。", "{n:,} buyer-minutes."), n=out.value.n_minutes))
else:
    display(nb.say("{w}", w=why))

# %% [markdown]
# ## 价格弹性 · Price response across sessions
#
# 店铺截至本范围结束的全部场次：各品类对数-对数弹性（涨价 1% 销量变化 %，正常为负），控制商品与场次固定效应。
# 价格没有变化、符号错误（涨价反而多卖，说明价格与别的因素同时变化）、区间跨过 0 或太宽时不报告估计值。

# %%
out = sections.run("conversion.elasticity", tables, scope)
outs.append(out)
if (why := cv.blocked(out, lang)) is None:
    display(cv.elasticity_table(out.value, lang))
    display(
        nb.say(
            L(
                "{k} 个品类可识别弹性，{u} 个不报告（原因见表）。",
                "{k} categories have an identified elasticity; {u} are not reported (reasons in the table).",
            ),
            k=int(out.value["identified"].sum()),
            u=int((~out.value["identified"]).sum()),
        )
    )
else:
    display(nb.say("{w}", w=why))

# %% tags=["nbval-ignore-output"]
ch.elasticity_chart(out.value, lang) if out.ok and cv.blocked(out, lang) is None and out.value[
    "identified"
].any() else None

# %% [markdown]
# ## A/B 检验 · A/B tests
#
# 两组转化率差（Newcombe 区间）、客单价差（bootstrap）、检验力与最小可检测效应、所需样本量（经验值：每组至少约
# 5,000 次曝光），多次查看结果时给出警告。有观众明细时用观众，否则用平台的观看与成交人数。

# %%
arms = (
    [s.strip() for s in arm_a.split(",") if s.strip()],
    [s.strip() for s in arm_b.split(",") if s.strip()],
)
out = sections.run("conversion.ab", tables, scope, *arms, target_lift, looks)
outs.append(out)
if (why := cv.blocked(out, lang)) is None:
    display(cv.ab_table(out.value, lang))
    for w_ in getattr(out.value, "warnings", []):
        display(nb.say("⚠️ {w}", w=w_))
else:
    display(nb.say("{w}", w=why))

# %%
if out.ok and isinstance(out.value, dict):
    display(
        nb.say(
            L(
                "未指定 A/B 分组。基线转化率 {b:.2%}；把本范围 {n:,} 位观看者平分两组，80% 检验力下最小可检测的相对提升为 {m:.1%}。",
                "No arms named. Baseline conversion {b:.2%}; splitting this scope's {n:,} viewers in two, the minimum detectable relative lift at 80% power is {m:.1%}.",
            ),
            b=out.value["baseline_conversion"],
            n=out.value["viewers"],
            m=out.value["mde_rel_half_split"],
        )
    )

# %% tags=["nbval-ignore-output"]
ch.ab_chart(out.value, lang) if out.ok and hasattr(out.value, "arm_a") else None

# %% [markdown]
# ## 跳过的部分 · What was left out

# %%
summary = cv.build_summary(scope, outs)
left_out = cv.left_out(outs, lang)
for name, why in left_out:
    display(nb.say("- **{k}**：{w}" if lang == "zh" else "- **{k}**: {w}", k=name, w=why))
display(nb.say(L("全部分析均已运行。", "Every section ran.")) if not left_out else None)

# %%
from helpers.pipeline.render import write_summary

write_summary(summary, summary_path)
