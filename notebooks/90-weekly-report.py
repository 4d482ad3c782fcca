# %% [markdown]
# # 直播周报 · Weekly report
#
# 本周全部场次的经营概览、环比与近4周对比、预警、主播评分、商品生命周期、人群迁移、弹幕主题和时段热力图。
# 由 `workbook report weekly` 每周一自动生成；每场复盘的链接在文末。

# %% tags=["parameters"]
week: str = "last"  # ISO week to report (2026-W47) or "last": the latest week with data that has ended
store: str = "data/processed/store"  # canonical Parquet store
rooms: str = ""  # comma-separated rooms to include; empty for all
category: str = "general"  # benchmark category for the UV value alert: general, apparel, beauty, food
reviews: list = []  # session reviews of this run (set by the runner): session_id, status, error, href
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from helpers import nb, weekly
from helpers.benchmarks import CATEGORIES
from helpers.metrics import label

nb.setup(lang)
if category not in CATEGORIES:
    raise ValueError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
if not isinstance(reviews, list):
    raise ValueError("reviews must be a list of {session_id, status, error, href}")
room_list = [r.strip() for r in rooms.split(",") if r.strip()]
data = weekly.load_week(store, week, room_list)
zh = lang == "zh"
nb.say("**{w}** · {n} 场 · 对比 {a} 至 {b}" if zh else "**{w}** · {n} sessions · compared with {a} to {b}",
       w=data.week, n=len(data.ids(data.week)), a=data.weeks[0], b=data.weeks[-2])

# %% [markdown]
# ## 本周概览 · Week at a glance

# %%
glance = weekly.glance(data)
nb.show_table(
    glance.with_columns(glance["metric"].map_elements(lambda k: label(k, lang), return_dtype=str).alias("metric"))
    .select("metric", "this_week", "last_week", "wow_change", "wow_diff_lo", "wow_diff_hi", "trailing_mean",
            "vs_trailing"),
    "本周 vs 上周 vs 近4周均值（比例为小数；区间为差值的95%区间）" if zh
    else "This week vs last week vs trailing 4-week mean (ratios as fractions; 95% interval of the difference)",
    decimals=4,
)

# %%
nb.say("{s}", s=weekly.describe_glance(glance, lang))

# %% tags=["nbval-ignore-output"]
weekly.fig_weeks(weekly.week_totals(data), ("gmv", "uv_value"), lang)

# %% [markdown]
# ## 场次排行 · Session leaderboard

# %%
board = weekly.leaderboard(data)
nb.show_table(board.with_columns(board["start_ts"].dt.strftime("%m-%d %H:%M")),
              "按成交金额排序" if zh else "By GMV", decimals={"gmv": 0, "viewers": 0, "gpm": 0, "uv_value": 2,
                                                               "conversion_rate": 4, "refund_rate": 4,
                                                               "follower_rate": 4})

# %% [markdown]
# ## 预警 · Alerts
#
# 规则（METRICS.md）：单场 GMV 较近4周场均波动 ±30%；UV价值低于品类基准；主推款日销下降 15% 以上。

# %%
alert_df = weekly.alerts(data, category)
nb.show_table(alert_df, "预警" if zh else "Alerts", decimals=2)

# %%
nb.say("共 {n} 条预警，其中 {w} 条需要处理。" if zh else "{n} alerts, {w} of them warnings.",
       n=alert_df.height, w=alert_df.filter(alert_df["level"] == "warning").height)

# %% [markdown]
# ## 主播评分卡 · Host scorecards

# %%
hosts = weekly.host_scorecards(data)
nb.show_table(hosts, "主播评分" if zh else "Host scorecards",
              decimals={"avg_watch_s": 0, "conversion_rate": 4, "uv_value": 2, "follower_rate": 4, "gmv": 0,
                        "viewers": 0})

# %%
nb.say("{rule}", rule=weekly.TIER_RULE_ZH if zh else weekly.TIER_RULE)

# %% [markdown]
# ## 商品生命周期 · Product lifecycle

# %%
products = weekly.product_lifecycle(data)
nb.show_table(products, "本周与上周在售商品" if zh else "Products sold this week or last",
              decimals={"gmv": 0, "gmv_last_week": 0, "change": 3, "share": 3})

# %%
nb.say("{rule}", rule=weekly.LIFECYCLE_RULE)

# %% [markdown]
# ## 人群与 RFM 迁移 · Audience and RFM migration

# %%
nb.show_table(weekly.audience_mix(data), "回访观众与转粉（近5周）" if zh else "Returning viewers and follower conversion",
              decimals={"sessions": 0, "viewers": 0, "returning_rate": 4, "follower_rate": 4})

# %%
migration = weekly.rfm_migration(data)
nb.show_table(migration, "上周末 → 本周末 RFM 分层迁移（买家数）" if zh else "RFM segment of buyers: end of last week → end of this week",
              max_rows=60)

# %% [markdown]
# ## 弹幕主题 · Comment themes

# %%
themes = weekly.comment_themes(data)
nb.show_table(themes, "弹幕意图分布（占比为小数，变化为百分点）" if zh else "Comment intents (share as fraction, change in points)",
              decimals={"share": 4, "share_last_week": 4, "change_pp": 2})

# %% [markdown]
# ## 最佳与最差时段 · Best and worst hours
#
# 按观众进入时间（星期 × 小时）汇总观看-成交率与 UV价值。

# %%
cells = weekly.heatmap(data)

# %% tags=["nbval-ignore-output"]
weekly.fig_heatmap(cells, "uv_value", lang)

# %% tags=["nbval-ignore-output"]
weekly.fig_heatmap(cells, "conversion_rate", lang)

# %%
best, worst = weekly.best_worst_hours(cells)
nb.show_table(weekly.with_day_names(best, lang), "UV价值最高的时段" if zh else "Best hours by UV value",
              decimals={"viewers": 0, "buyers": 0, "gmv": 0, "conversion_rate": 4, "uv_value": 2})

# %%
nb.show_table(weekly.with_day_names(worst, lang), "UV价值最低的时段" if zh else "Worst hours by UV value",
              decimals={"viewers": 0, "buyers": 0, "gmv": 0, "conversion_rate": 4, "uv_value": 2})

# %% [markdown]
# ## 单场复盘 · Session reviews

# %%
links = weekly.review_links(data, reviews)
nb.Markdown(weekly.links_markdown(links, lang))

# %%
failed = links.filter(links["status"] == "failed")["session_id"].to_list()
nb.say("本周 {n} 场复盘未能生成：{ids}" if zh else "{n} session review(s) failed: {ids}", n=len(failed),
       ids=", ".join(failed) or "–")

# %%
from helpers.report import write_summary

write_summary(weekly.summary(data, glance_df=glance, alerts_df=alert_df, hosts=hosts, products=products,
                             links=links), summary_path)
