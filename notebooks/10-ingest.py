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
# # 数据导入与质量 · Ingest and data quality
#
# Which exports went into the store, which rows were set aside and why, and whether the platform's
# own ratios agree with the ones recomputed from its counts. Everything is computed by
# `helpers.ingest` (the same code as `workbook ingest`); see `docs/ingest.md`.

# %% tags=["parameters"]
inputs: list = []  # export files or folders to ingest first (empty: just report on the store)
store: str = "data/processed/store"  # canonical Parquet store
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers.ingest import report as ir
from helpers.present import nb

# %%
nb.setup(lang)
rep = ir.open_ingest(inputs, store)

# %% [markdown]
# ## 导入了什么 · What was ingested

# %%
display(*ir.show(rep, "ingest.files", lang))

# %%
ir.files_sentence(rep, lang)

# %% tags=["nbval-ignore-output"]
ir.files_chart(rep, lang)

# %% [markdown]
# ## 隔离了什么、为什么 · What was set aside and why

# %%
display(*ir.show(rep, "ingest.quarantine", lang))

# %% [markdown]
# ## 与平台口径核对 · Cross-checks against the platform

# %%
display(*ir.show(rep, "ingest.checks", lang))

# %% [markdown]
# ## 存储内容 · Store contents

# %%
display(*ir.show(rep, "ingest.contents", lang))

# %%
display(*ir.left_out(rep, lang))

# %%
from helpers.pipeline.render import write_summary

write_summary(ir.build_summary(rep), summary_path)
