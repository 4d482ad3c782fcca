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
# 有观众明细时：观众级逻辑回归（优势比、平均边际效应、95% 区间、分离与共线性检查、留出样本 AUC
# 与校准）；
# 没有时（真实导出都没有）：场次级转化模型（买家/观看人数）。另有分钟级计数模型、跨场次价格弹性、
# A/B 检验与样本量。
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

from helpers.models import display as dp
from helpers.models.report import build_summary, open_conversion
from helpers.present import nb

# %%
nb.setup(lang)
rep = open_conversion(store, session_id, week, arm_a, arm_b, target_lift, looks, lang)
dp.scope_line(rep)

# %% [markdown]
# ## 观众级逻辑回归 · Viewer-level logistic model
#
# 结果：观众在该场是否下单（存在已支付或已退款订单）。协变量：观看时长、互动、开播前是否粉丝、
# 是否老客、渠道
# （基准 直播推荐）、设备（基准 安卓）、城市线级（基准 三线）、是否 20–22 点入场。留出 25% 观众计算
# AUC 与校准。
# Outcome: the viewer placed a paid or refunded order. Odds ratios with Wald 95% intervals, average
# marginal effects, held-out AUC (25% of viewers) and calibration.

# %%
logit = rep.run("conversion.logit")
display(*dp.show(logit, lang))

# %% tags=["nbval-ignore-output"]
dp.coefficient_figure(logit, lang)

# %% [markdown]
# ### 主要影响因素与模型检查 · Top effects and checks
#
# 按概率尺度排序：0/1 变量为其平均边际效应，连续变量为增加一个标准差的效应；分离、共线性（VIF）、
# 校准。

# %%
display(*dp.checks(logit, lang))

# %% tags=["nbval-ignore-output"]
dp.calibration_figure(logit, lang)

# %% [markdown]
# ## 场次级转化模型 · Session-level conversion
#
# 没有观众明细也能做：每场 买家/观看人数（平台汇总），对开播时刻、是否周末、时长、
# 付费流量占比做二项 GLM（稳健标准误）；
# 店铺场次少于 20 场时只描述每场转化率及其区间。Buyers / viewers per session from the platform's
# totals:
# a binomial GLM with robust errors from 20 sessions on, each session's conversion below that.

# %%
out = rep.run("conversion.sessions")
display(*dp.show(out, lang))

# %% tags=["nbval-ignore-output"]
dp.session_figure(out, lang)

# %% [markdown]
# ## 分钟级计数模型 · Minute-level count model
#
# 每分钟订单数（分钟趋势，缺失时由订单时间汇总）~ 讲解/福袋/优惠券/秒杀 + 开播后时间（样条）+ 场次，
# 在线人数为暴露量；
# 过度离散时改用负二项。Orders per minute (from the trend, else from the order lines' times) on
# run-sheet events; Poisson, or negative binomial when over-dispersed.

# %%
out = rep.run("conversion.counts")
display(*dp.show(out, lang))

# %% tags=["nbval-ignore-output"]
dp.lift_figure(out, lang)

# %% [markdown]
# ### 买家下单时机 · When buyers order (viewer-level)
#
# 以每位买家为一组的条件泊松模型（买家在场的每一分钟为一行）：事件如何改变买家在场期间的下单时机。

# %%
out = rep.run("conversion.order_timing")
display(*dp.show(out, lang))

# %% [markdown]
# ## 价格弹性 · Price response across sessions
#
# 店铺截至本范围结束的全部场次：各品类对数-对数弹性（涨价 1% 销量变化 %，正常为负），
# 控制商品与场次固定效应。
# 价格没有变化、符号错误（涨价反而多卖，说明价格与别的因素同时变化）、区间跨过 0
# 或太宽时不报告估计值。

# %%
out = rep.run("conversion.elasticity")
display(*dp.show(out, lang))

# %% tags=["nbval-ignore-output"]
dp.elasticity_figure(out, lang)

# %% [markdown]
# ## A/B 检验 · A/B tests
#
# 两组转化率差（Newcombe 区间）、客单价差（bootstrap）、检验力与最小可检测效应、所需样本量（经验值：
# 每组至少约
# 5,000 次曝光），多次查看结果时给出警告。有观众明细时用观众，否则用平台的观看与成交人数。

# %%
out = rep.run("conversion.ab")
display(*dp.show(out, lang))

# %%
display(*dp.ab_planning(out, lang))

# %% tags=["nbval-ignore-output"]
dp.ab_figure(out, lang)

# %% [markdown]
# ## 跳过的部分 · What was left out

# %%
display(*dp.left_out_lines(rep.outcomes, lang))

# %%
from helpers.pipeline.render import write_summary

write_summary(build_summary(rep), summary_path)
