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
# 谁来看、谁购买：RFM 分层、新老买家、发弹幕的新老客、粉丝、互动分群与人群画像，每个比例都带 95%
# 区间。
# 没有观众明细时（平台都不导出观众级数据），先用订单买家 ID、弹幕观众 ID 与老客标记、
# 平台人群画像汇总。
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

from helpers.audience import display as sd
from helpers.audience.report import build_summary, open_segments
from helpers.models.display import left_out_lines
from helpers.present import nb

# %%
nb.setup(lang)
rep = open_segments(store, session_id, week, lang)  # exactly one of session_id and week
sd.scope_line(rep)

# %% [markdown]
# ## RFM 分层 · RFM of buyers
#
# 店铺全部历史场次（截至本范围结束）的订单买家 ID（脱敏 ID 也是 ID）：最近一次购买距今天数（R）、
# 购买场次（F）、
# 金额（M），按五分位打分并命名分层；迁移 = 本范围开始前一天与结束日的分层对比。

# %%
out = rep.run("segments.rfm")
display(*sd.show(out, lang))

# %% tags=["nbval-ignore-output"]
sd.rfm_figure(out, lang)

# %% tags=["nbval-ignore-output"]
sd.migration_figure(out, lang)

# %% [markdown]
# ## 新买家与回头买家 · New vs returning buyers
#
# 按订单买家 ID：本范围第一场开播前已在本店买过的为回头买家。买家占比为 Wilson 区间，客单价为
# bootstrap 区间。

# %%
out = rep.run("segments.buyers_new_returning")
display(*sd.show(out, lang))

# %%
out = rep.run("segments.first_order_aov")
display(*sd.show(out, lang))

# %% [markdown]
# ## 发弹幕的新老客 · New vs returning commenters
#
# 两种口径：观众 ID 在本店更早场次发过弹幕；平台给弹幕打的「老客」标记。

# %%
out = rep.run("segments.commenters")
display(*sd.show(out, lang))

# %% [markdown]
# ## 观众明细：新老客、再次到访、粉丝 · With viewer rows: new vs returning, return visits, followers
#
# 老客 = 在本直播间更早场次出现过的观众；转化率 = 买家 / 观众（Wilson 区间）。

# %%
out = rep.run("segments.viewers_new_returning")
display(*sd.show(out, lang))

# %%
out = rep.run("segments.retention")
display(*sd.show(out, lang))

# %%
out = rep.run("segments.followers")
display(*sd.show(out, lang))

# %% tags=["nbval-ignore-output"]
sd.followers_figure(out, lang)

# %% [markdown]
# ## 互动分群 · Engagement clusters
#
# 标准化后的观看时长、互动次数、商品点击（对数）做 k-means；k 由 Calinski–Harabasz 指数选出，
# 用不同随机种子
# 重复拟合检查稳定性（调整兰德指数）。需要观众明细。k-means on standardised behaviour; needs viewer
# rows.

# %%
out = rep.run("segments.clusters")
display(*sd.show(out, lang))

# %% tags=["nbval-ignore-output"]
sd.clusters_figure(out, lang)

# %% [markdown]
# ## 人群画像 · Demographic cuts
#
# 每个维度：观众占比、买家占比、转化率，带 Wilson 95% 区间。
# 没有观众明细时用平台的人群画像（audience_profile 表：
# 观看人群与成交人群的占比）。From viewer rows, else from the platform's audience portrait.

# %%
out = rep.run("segments.demographics")
display(*sd.show(out, lang))

# %%
out = rep.run("segments.channels")
display(*sd.show(out, lang))

# %% [markdown]
# ## 跳过的部分 · What was left out

# %%
display(*left_out_lines(rep.outcomes, lang))

# %%
from helpers.pipeline.render import write_summary

write_summary(build_summary(rep), summary_path)
