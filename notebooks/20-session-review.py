# %% [markdown]
# # 单场直播复盘 · Session review

# %% tags=["parameters"]
session_id: str = ""  # session to review (see `workbook ingest` output)
store: str = "data/processed/store"  # canonical Parquet store
targets: str = ""  # targets file (CSV: metric,target[,session_id]); empty for none
category: str = "general"  # benchmark category: general, apparel, beauty, food
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from helpers import nb
nb.setup(lang)

# %% [markdown]
# ## 分钟趋势

# %% tags=["nbval-ignore-output"]
import plotly.express as px
px.line(x=[1, 2, 3], y=[3, 1, 2], title="在线人数")

# %%
from helpers.report import write_summary
write_summary({"session_id": session_id}, summary_path)
