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
# # 直播周报 · Weekly report
#
# Every section is computed by `helpers.weekly` (one module per section, registered with
# `helpers.present.sections`): a section the data cannot support says what it needs instead.

# %% tags=["parameters"]
# week: the ISO week to report (2026-W47), or "last": the latest week with data that has ended
week: str = "last"
store: str = "data/processed/store"  # canonical Parquet store
rooms: str = ""  # comma-separated rooms to include; empty for all
category: str = "general"  # benchmark category of the UV-value alert: general/apparel/beauty/food
reviews: list = []  # this run's session reviews, set by the runner: session_id, status, error, href
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers import weekly as wr
from helpers.present import nb
from helpers.present.labels import heading

nb.setup(lang)
opts = {"category": category, "reviews": reviews, "summary_path": summary_path, "lang": lang}
report = wr.open_week(store, week, rooms, **opts)
display(*wr.intro(report.data, lang))

# %%
heading("week_verdict", lang)

# %%
display(*wr.section(report, "week_verdict", lang))

# %%
heading("week_glance", lang)

# %%
display(*wr.section(report, "week_glance", lang))

# %% tags=["nbval-ignore-output"]
wr.figure(report["week_trend"], lang)

# %%
heading("week_board", lang)

# %%
display(*wr.section(report, "week_board", lang))

# %%
heading("week_alerts", lang)

# %%
display(*wr.section(report, "week_alerts", lang))

# %%
heading("week_hosts", lang)

# %%
display(*wr.section(report, "week_hosts", lang))

# %%
heading("week_products", lang)

# %%
display(*wr.section(report, "week_products", lang))

# %%
heading("week_audience", lang)

# %%
display(*wr.section(report, "week_audience", lang))
display(*wr.section(report, "week_rfm", lang))

# %%
heading("week_comments", lang)

# %%
display(*wr.section(report, "week_comments", lang))

# %%
heading("week_hours", lang)

# %%
display(*wr.section(report, "week_hours", lang))

# %% tags=["nbval-ignore-output"]
wr.figure(report["week_hours"], lang, "gmv_per_hour")

# %% tags=["nbval-ignore-output"]
wr.figure(report["week_hours"], lang, "orders_per_hour")

# %% tags=["nbval-ignore-output"]
wr.figure(report["week_hours"], lang, "avg_online")

# %%
heading("week_reviews", lang)

# %%
display(*wr.section(report, "week_reviews", lang))

# %%
from helpers.pipeline.render import write_summary

write_summary(wr.build_summary(report), summary_path)
