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
# # 直播间历史 · Room history
#
# A room over time from what every user has: session lists, session totals and daily overviews.
# Every figure is computed by `helpers.room` with the metric definitions of
# `helpers.metrics.definitions`.

# %% tags=["parameters"]
room: str = ""  # room name (empty: the store's room with the most sessions or days)
date_from: str = ""  # first day, YYYY-MM-DD (empty: from the first unit)
date_to: str = ""  # last day, YYYY-MM-DD (empty: to the last unit)
store: str = "data/processed/store"  # canonical Parquet store
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers import room as rh
from helpers.pipeline.render import write_summary
from helpers.present import nb, sections
from helpers.present.labels import heading

nb.setup(lang)
units = rh.open_room(store, room, date_from or None, date_to or None)
tables = units.tables()
rh.display.scope_text(units, lang)

# %%
heading("room_history", lang)

# %%
hist = sections.run("room_history", tables, units)
display(rh.display.history(hist, units, lang))

# %% tags=["nbval-ignore-output"]
rh.history_chart(hist.value, lang) if hist.ok and hist.value.height else None

# %%
heading("room_change", lang)

# %%
change = sections.run("room_change", tables, units)
display(*rh.display.change(change, lang))

# %%
heading("room_effects", lang)

# %%
effects = sections.run("room_effects", tables, units)
display(*rh.display.effects(effects, lang))

# %%
heading("room_hosts", lang)

# %%
hosts = sections.run("room_hosts", tables, units)
display(rh.display.hosts(hosts, lang))

# %%
heading("room_extremes", lang)

# %%
extremes = sections.run("room_extremes", tables, units)
display(rh.display.extremes(extremes, lang))

# %%
write_summary(rh.build_summary(units, change, effects, hosts, extremes), summary_path)
