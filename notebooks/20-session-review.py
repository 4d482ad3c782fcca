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
# **单场直播复盘 · Session review** — 每个数字由 `helpers.metrics.definitions` / `helpers.review`
# 计算，比率附 95% 区间，文末有指标说明 · every number is computed by
# `helpers.metrics.definitions` / `helpers.review`, ratios with 95% intervals, glossary at the end.

# %% tags=["parameters"]
session_id: str = ""  # session to review (empty: the latest session in the store)
store: str = "data/processed/store"  # canonical Parquet store
# targets: a CSV or YAML file of metric,target[,session_id] (empty: the store's targets only)
targets: str = ""
category: str = "general"  # benchmark category: general, apparel, beauty, food
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers import review
from helpers.present import nb
from helpers.present.labels import heading
from helpers.review import page

nb.setup(lang)
ctx = review.open_review(session_id, store, targets, category, lang)
page.opening(ctx)

# %%
heading("verdict", lang)

# %%
# page 1: the verdict against the target or the room's history, its decomposition, and the actions;
# the sections they draw on were computed by open_review and are shown further down
page.page_one(ctx)

# %%
heading("headline", lang)

# %%
display(*page.headline(ctx))

# %% tags=["nbval-ignore-output"]
page.targets_chart(ctx)

# %%
heading("story", lang)

# %%
display(*page.story(ctx))

# %% tags=["nbval-ignore-output"]
page.story_chart(ctx)

# %%
heading("retention", lang)

# %%
display(*page.retention(ctx))  # without viewer rows: the drop-off from the minute trend

# %% tags=["nbval-ignore-output"]
page.retention_chart(ctx)

# %%
display(*page.leaving(ctx))

# %% tags=["nbval-ignore-output"]
page.leaving_chart(ctx)

# %%
heading("funnel", lang)

# %%
display(*page.funnel(ctx))

# %% tags=["nbval-ignore-output"]
page.funnel_chart(ctx)

# %%
heading("products", lang)

# %%
display(*page.products(ctx))

# %% tags=["nbval-ignore-output"]
page.products_chart(ctx)

# %%
display(*page.windows(ctx))  # each 讲解 window against the product's sales outside it

# %% tags=["nbval-ignore-output"]
page.explain_chart(ctx)

# %%
display(*page.mix(ctx))

# %% tags=["nbval-ignore-output"]
page.mix_chart(ctx)

# %%
heading("traffic", lang)

# %%
display(*page.traffic(ctx))

# %% tags=["nbval-ignore-output"]
page.traffic_chart(ctx)

# %%
heading("promotions", lang)

# %%
display(*page.promotions(ctx))

# %%
heading("audience", lang)

# %%
display(*page.audience(ctx))

# %% tags=["nbval-ignore-output"]
page.audience_chart(ctx)

# %%
heading("returning", lang)

# %%
display(*page.returning(ctx))

# %%
heading("comments", lang)

# %%
display(*page.comments(ctx))

# %% tags=["nbval-ignore-output"]
page.intents_chart(ctx)

# %%
heading("integrity", lang)

# %%
display(*page.integrity(ctx))

# %% tags=["nbval-ignore-output"]
page.integrity_chart(ctx)

# %%
heading("findings", lang)

# %%
page.findings(ctx)

# %%
heading("glossary", lang)

# %%
page.glossary(ctx)

# %%
from helpers.pipeline.render import write_summary

write_summary(review.build_summary(ctx), summary_path)
page.summary_note(ctx)
