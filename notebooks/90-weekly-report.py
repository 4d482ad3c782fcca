# %% [markdown]
# # 直播周报 · Weekly report
#

# %% tags=["parameters"]
week: str = "last"  # ISO week to report (2026-W47) or "last": the latest week with data that has ended
store: str = "data/processed/store"  # canonical Parquet store
rooms: str = ""  # comma-separated rooms to include; empty for all
category: str = "general"  # benchmark category for the UV value alert: general, apparel, beauty, food
reviews: list = []  # session reviews of this run (set by the runner): session_id, status, error, href
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers import nb, weekly
from helpers.benchmarks import CATEGORIES
from helpers.labels import heading, table_format

nb.setup(lang)
if category not in CATEGORIES:
    raise ValueError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
if not isinstance(reviews, list):
    raise ValueError("reviews must be a list of {session_id, status, error, href}")
room_list = [r.strip() for r in rooms.split(",") if r.strip()]
data = weekly.load_week(store, week, room_list)
zh = lang == "zh"
display(nb.say("本周全部场次的经营概览、环比与近4周对比、预警、主播评分、商品生命周期、人群迁移、弹幕主题和时段热力图；"
               "每场复盘的链接在文末。" if zh else
               "All sessions of the week: totals, week-over-week and trailing 4-week comparison, alerts, host "
               "scorecards, product lifecycle, audience migration, comment themes and an hour heat map; links to "
               "each session's review at the end."))
nb.say("**{w}** · {n} 场 · 对比 {a} 至 {b}" if zh else "**{w}** · {n} sessions · compared with {a} to {b}",
       w=data.week, n=len(data.ids(data.week)), a=data.weeks[0], b=data.weeks[-2])

# %%
heading("week_glance", lang)

# %%
glance = weekly.glance(data)
nb.show_table(weekly.glance_display(glance, lang),
              "本周 vs 上周 vs 近4周均值（区间为环比差值的95%区间，比率的差值单位为百分点 pp）" if zh
              else "This week vs last week vs the trailing 4-week mean (95% interval of the week-over-week "
              "difference; differences of rates in percentage points, pp)")

# %%
nb.say("{s}", s=weekly.describe_glance(glance, lang))

# %% tags=["nbval-ignore-output"]
weekly.fig_weeks(weekly.week_totals(data), ("gmv", "uv_value"), lang)

# %%
heading("week_board", lang)

# %%
board = weekly.leaderboard(data)
nb.show_table(board.with_columns(board["start_ts"].dt.strftime("%m-%d %H:%M")),
              "按成交金额排序" if zh else "By GMV", **table_format(board.columns, lang))

# %%
heading("week_alerts", lang)

# %%
alert_df = weekly.alerts(data, category)
display(nb.say("规则（METRICS.md）：单场成交金额较近4周场均波动 ±30%；UV价值低于品类基准；主推款日销下降 15% 以上。" if zh
               else "Rules (METRICS.md): a session's GMV ±30% against the trailing 4-week session mean; UV value "
               "below the category benchmark; a hero product's daily units down 15% or more."))
nb.show_table(weekly.alerts_display(alert_df, lang), "预警" if zh else "Alerts")

# %%
nb.say("共 {n} 条预警，其中 {w} 条需要处理。" if zh else "{n} alerts, {w} of them warnings.",
       n=alert_df.height, w=alert_df.filter(alert_df["level"] == "warning").height)

# %%
heading("week_hosts", lang)

# %%
hosts = weekly.host_scorecards(data)
nb.show_table(hosts, "主播评分" if zh else "Host scorecards", **table_format(hosts.columns, lang))

# %%
nb.say("{rule}", rule=weekly.TIER_RULE_ZH if zh else weekly.TIER_RULE)

# %%
heading("week_products", lang)

# %%
products = weekly.product_lifecycle(data)
nb.show_table(weekly.lifecycle_display(products, lang), "本周与上周在售商品" if zh else "Products sold this week or last",
              **table_format(products.columns, lang, percent={"change": 1, "share": 1}, signed=("change",),
                             decimals={"gmv_last_week": 0}, rename={"stage": "生命周期" if zh else "Stage"}))

# %%
nb.say("{rule}", rule=weekly.LIFECYCLE_RULE_ZH if zh else weekly.LIFECYCLE_RULE)

# %%
heading("week_audience", lang)

# %%
mix = weekly.audience_mix(data)
nb.show_table(mix, "回访观众与转粉（近5周）" if zh else "Returning viewers and follower conversion (last 5 weeks)",
              **table_format(mix.columns, lang, decimals={"sessions": 0}))

# %%
migration = weekly.rfm_migration(data)
nb.show_table(weekly.migration_display(migration, lang), "上周末 → 本周末 RFM 分层迁移（买家数）" if zh else "RFM segment of buyers: end of last week → end of this week",
              max_rows=60, **table_format(migration.columns, lang, decimals={"buyers": 0}))

# %%
heading("week_comments", lang)

# %%
themes = weekly.comment_themes(data)
nb.show_table(weekly.themes_display(themes, lang), "弹幕意图分布（占比变化为百分点）" if zh else "Comment intents (change of share in percentage points)",
              **table_format(themes.columns, lang, percent={"share": 1, "share_last_week": 1},
                             decimals={"change_pp": 1}, signed=("change_pp",)))

# %%
heading("week_hours", lang)

# %%
cells = weekly.heatmap(data)
nb.say("按观众进入时间（星期 × 小时）汇总观看-成交率与 UV价值。" if zh
       else "Conversion and UV value by the viewer's entry time (day × hour).")

# %% tags=["nbval-ignore-output"]
weekly.fig_heatmap(cells, "uv_value", lang)

# %% tags=["nbval-ignore-output"]
weekly.fig_heatmap(cells, "conversion_rate", lang)

# %%
best, worst = weekly.best_worst_hours(cells)
nb.show_table(weekly.with_day_names(best, lang), "UV价值最高的时段" if zh else "Best hours by UV value",
              **table_format(best.columns, lang))

# %%
nb.show_table(weekly.with_day_names(worst, lang), "UV价值最低的时段" if zh else "Worst hours by UV value",
              **table_format(worst.columns, lang))

# %%
heading("week_reviews", lang)

# %%
links = weekly.review_links(data, reviews)
nb.Markdown(weekly.links_markdown(links, lang))

# %%
failed = links.filter(links["status"] == "failed")["session_id"].to_list()
nb.say(("本周 {n} 场复盘未能生成：{ids}" if zh else "{n} session review(s) failed: {ids}") if failed else
       ("本周全部 {total} 场复盘均已生成。" if zh else "All {total} session reviews were generated."),
       n=len(failed), ids=", ".join(failed), total=links.height)

# %%
from helpers.report import write_summary

write_summary(weekly.summary(data, glance_df=glance, alerts_df=alert_df, hosts=hosts, products=products,
                             links=links), summary_path)
