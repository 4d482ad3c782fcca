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
# # 弹幕分析 · Comments
#
# What viewers asked, wanted, praised and complained about, minute by minute. Each comment gets an
# intent (question themes, purchase signal, praise, complaint themes, interaction, spam) and, where
# it is an opinion, a sentiment (probability of positive) from `helpers.comments` — rules calibrated
# to live rooms, evaluated on a hand-labelled set (`docs/comments.md`). Comment texts are shown as
# text, never markup; viewer ids are pseudonymised.

# %% tags=["parameters"]
session_id: str = ""  # session to analyse (empty: the latest session in the store)
store: str = "data/processed/store"  # canonical Parquet store
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers.comments import analysis
from helpers.comments import charts as cc
from helpers.comments import display as cd
from helpers.pipeline.render import write_summary
from helpers.present import nb, sections

# %%
nb.setup(lang)
ctx = analysis.open_comments(session_id, store)  # empty session_id: the store's latest session
tables, outs = ctx.frames(), []
cd.intro(ctx, lang)

# %% [markdown]
# ## 意图分布 · Intent mix

# %%
out = sections.run("comments.intents", tables, ctx)
outs.append(out)
display(*cd.intents(out, lang))

# %% tags=["nbval-ignore-output"]
cc.intent_mix_chart(out.value["mix"], lang) if out.ok else None

# %%
display(*cd.examples(out, lang))

# %% [markdown]
# ## 每分钟：意图、情感与订单 · Per minute, with the run sheet and orders

# %%
out = sections.run("comments.minutes", tables, ctx)
outs.append(out)
display(cd.minutes(out, ctx, lang))

# %% tags=["nbval-ignore-output"]
cc.minute_chart(out.value, ctx.table("events"), lang) if out.ok else None

# %% [markdown]
# ## 讲解与提问：问题是否带来订单 · Questions during explanations, and whether orders followed

# %%
out = sections.run("comments.explanations", tables, ctx)
outs.append(out)
display(*cd.explanations(out, lang))

# %% tags=["nbval-ignore-output"]
cc.explanation_chart(out.value, lang) if out.ok and out.value.height else None

# %% [markdown]
# ## 未解答的问题 · Questions that kept coming back
#
# 没有主播语音转写，因此把"首次被问 3 分钟后仍有新观众在问"的问题主题视为未被（清楚）解答；
# 需要弹幕的观众 ID。
# Without a transcript of the host, a question theme still asked by new viewers three minutes after
# it was first asked is read as not (clearly) answered; this needs the comments' viewer ids.

# %%
out = sections.run("comments.unanswered", tables, ctx)
outs.append(out)
display(*cd.unanswered(out, ctx, lang))

# %% [markdown]
# ## 抱怨主题 · Complaint themes

# %%
out = sections.run("comments.complaints", tables, ctx)
outs.append(out)
display(*cd.complaints(out, lang))

# %% [markdown]
# ## 重复文本与刷屏 · Duplicated text and bursts (integrity)
#
# 多位观众复制粘贴的长文本需要弹幕的观众 ID（没有时该表为空）；弹幕突增只需要弹幕时间。

# %%
out = sections.run("comments.integrity", tables, ctx)
outs.append(out)
display(*cd.integrity(out, lang))

# %% [markdown]
# ## 跳过的部分 · What was left out

# %%
display(*cd.left_out(outs, lang))

# %%
write_summary(analysis.build_summary(ctx, outs), summary_path)
