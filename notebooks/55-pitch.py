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
# # 主播话术复盘 · The host's pitch
#
# What the host said minute by minute (from the speech-to-text transcript), which pitch elements —
# pain points, selling points, price anchors, scarcity, giveaways, interaction prompts, closing
# pushes, link calls — came before orders, whether viewers' questions were answered, and whether
# every claim kept within the advertising law. Rules are data (`resources/pitch/`); the method, its
# limits and the legal sources are in `docs/pitch.md`. Transcript and comment texts are data, shown
# as text; viewer ids are never shown.

# %% tags=["parameters"]
session_id: str = ""  # session to analyse (empty: the latest session in the store)
store: str = "data/processed/store"  # canonical Parquet store
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers.pipeline.render import write_summary
from helpers.pitch import analysis as pa
from helpers.pitch import display as pd_
from helpers.present import nb
from helpers.present.labels import heading

nb.setup(lang)
ctx = pa.open_pitch(session_id, store)  # empty session_id: the store's latest session
pd_.intro(ctx, lang)

# %%
heading("pitch_minutes", lang)

# %%
out = ctx.run("pitch.minutes")
display(*pd_.section(out, lang))

# %% tags=["nbval-ignore-output"]
if out.ok:
    display(pd_.chart(out, lang))

# %%
heading("pitch_elements", lang)

# %%
out = ctx.run("pitch.elements")
display(*pd_.section(out, lang))

# %%
heading("pitch_converting", lang)

# %%
out = ctx.run("pitch.converting")
display(*pd_.section(out, lang))

# %%
heading("pitch_effect", lang)

# %%
out = ctx.run("pitch.effect")
display(*pd_.section(out, lang))

# %%
heading("pitch_openings", lang)

# %%
out = ctx.run("pitch.openings")
display(*pd_.section(out, lang))

# %%
heading("pitch_questions", lang)

# %%
out = ctx.run("pitch.questions")
display(*pd_.section(out, lang))

# %%
heading("pitch_compliance", lang)

# %%
out = ctx.run("pitch.compliance")
display(*pd_.section(out, lang))

# %%
write_summary(pa.build_summary(ctx), summary_path)
