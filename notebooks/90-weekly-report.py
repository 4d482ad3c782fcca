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
week: str = (
    "last"  # ISO week to report (2026-W47) or "last": the latest week with data that has ended
)
store: str = "data/processed/store"  # canonical Parquet store
rooms: str = ""  # comma-separated rooms to include; empty for all
category: str = (
    "general"  # benchmark category for the UV value alert: general, apparel, beauty, food
)
reviews: list = []  # session reviews of this run (set by the runner): session_id, status, error, href
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers import weekly as wr
from helpers.present import nb
from helpers.present.labels import heading

nb.setup(lang)
wr.check_parameters(category, reviews)
data = wr.load_week(store, week, [r.strip() for r in rooms.split(",") if r.strip()])
display(*wr.intro(data, lang))

# %%
heading("week_verdict", lang)

# %%
verdict = wr.run("week_verdict", data, wr.reviews_dir(summary_path), lang)
gap = wr.run("week_gap", data)
display(*wr.show(verdict, lang, data=data, gap=gap))

# %%
heading("week_glance", lang)

# %%
glance = wr.run("week_glance", data)
display(*wr.show(glance, lang))

# %% tags=["nbval-ignore-output"]
wr.figure(wr.run("week_trend", data), lang)

# %%
heading("week_board", lang)

# %%
display(*wr.show(wr.run("week_board", data), lang))

# %%
heading("week_alerts", lang)

# %%
alerts = wr.run("week_alerts", data, category)
hero = wr.run("week_hero_alerts", data)
display(*wr.show(alerts, lang, hero=hero, category=category))

# %%
heading("week_hosts", lang)

# %%
hosts = wr.run("week_hosts", data)
display(*wr.show(hosts, lang))

# %%
heading("week_products", lang)

# %%
products = wr.run("week_products", data)
display(*wr.show(products, lang))

# %%
heading("week_audience", lang)

# %%
display(*wr.show(wr.run("week_audience", data), lang))
display(*wr.show(wr.run("week_rfm", data), lang))

# %%
heading("week_comments", lang)

# %%
display(*wr.show(wr.run("week_comments", data), lang))

# %%
heading("week_hours", lang)

# %%
hours = wr.run("week_hours", data)
display(*wr.show(hours, lang))

# %% tags=["nbval-ignore-output"]
wr.figure(hours, lang, "gmv_per_hour")

# %% tags=["nbval-ignore-output"]
wr.figure(hours, lang, "orders_per_hour")

# %% tags=["nbval-ignore-output"]
wr.figure(hours, lang, "avg_online")

# %%
heading("week_reviews", lang)

# %%
links = wr.run("week_reviews", data, reviews)
display(*wr.show(links, lang, data=data))

# %%
from helpers.pipeline.render import write_summary

parts = {
    "glance_df": glance.value,
    "alerts_df": wr.alert_table(alerts, hero),
    "hosts": hosts.value,
    "products": products.value,
    "links": links.value,
    "verdict": verdict.value,
    "gap": gap.value,
}
write_summary(wr.summary(data, **parts), summary_path)
