"""Bilingual (zh/en) labels of the session review: section headings, axis titles, legend names.

Metric names come from :data:`helpers.metrics.METRICS`; everything else a chart or a heading shows
is here, so a report in ``en`` has no stray Chinese UI text (data such as product names and channel
names stays as exported).
"""

from __future__ import annotations

import html

from .metrics import METRICS

LABELS: dict[str, tuple[str, str]] = {
    # sections
    "sec_headline": ("核心指标：目标与行业基准", "Headline KPIs vs targets and benchmarks"),
    "sec_story": ("分钟级复盘：流量、成交与场控节奏", "The minute story: traffic, orders and the run sheet"),
    "sec_retention": ("留存：观众停留多久、在哪里离开", "Retention: how long viewers stayed and where they left"),
    "sec_funnel": ("转化漏斗", "The funnel"),
    "sec_products": ("商品：排名、讲解效果与货盘结构", "Products: ranking, explanation effect and mix"),
    "sec_traffic": ("流量来源：免费与付费", "Traffic sources: free vs paid"),
    "sec_audience": ("人群：谁在看、谁在买", "Audience: who watched vs who bought"),
    "sec_comments": ("弹幕意图", "Comment intents"),
    "sec_integrity": ("数据真实性信号", "Integrity signals"),
    "sec_findings": ("下次要改什么", "What to change next time"),
    "sec_glossary": ("指标说明", "Glossary"),
    # axes and legends
    "minute": ("时间", "Time"),
    "online": ("在线人数", "Online viewers"),
    "entries": ("进入人数", "Entries"),
    "exits": ("离开人数", "Exits"),
    "orders": ("订单数", "Orders"),
    "gmv": ("成交金额(元)", "GMV (yuan)"),
    "peak": ("峰值", "peak"),
    "trough": ("低谷", "trough"),
    "explain": ("讲解", "explain"),
    "lottery": ("福袋/抽奖", "lottery"),
    "coupon": ("优惠券", "coupon"),
    "flash_sale": ("秒杀", "flash sale"),
    "note": ("备注", "note"),
    "other": ("其他", "other"),
    "none": ("无活动", "nothing scheduled"),
    "minutes_since_entry": ("进入后分钟数", "Minutes since entry"),
    "still_watching": ("仍在观看比例", "Share still watching"),
    "exit_rate": ("离开人数：实际/按停留时长预期", "Exits: observed / expected from time in room"),
    "on_screen": ("当时在播", "On screen"),
    "stage": ("环节", "Stage"),
    "count": ("人数", "People"),
    "share": ("占比", "Share"),
    "product": ("商品", "Product"),
    "rate_ratio": ("讲解期间/讲解外 每分钟订单倍数", "Orders per minute, during vs outside 讲解 (ratio)"),
    "channel": ("渠道", "Channel"),
    "viewers_share": ("观看占比", "Share of viewers"),
    "buyers_share": ("成交占比", "Share of buyers"),
    "conversion": ("成交转化率", "Conversion"),
    "free": ("免费", "free"),
    "paid": ("付费", "paid"),
    "new": ("新客", "new"),
    "returning": ("老客", "returning"),
    "all": ("全部", "all"),
    "burst": ("疑似刷量分钟", "suspected burst minute"),
    "short_watch_share": ("极短观看占比", "Share with near-zero watch time"),
    "value": ("实际", "Actual"),
    "target": ("目标", "Target"),
    "benchmark": ("行业基准", "Benchmark"),
    "interval": ("95%区间", "95% interval"),
    "flag": ("判断", "Flag"),
    "source": ("数据来源", "Source"),
    "metric": ("指标", "Metric"),
    "intent": ("意图", "Intent"),
    "comments_per_min": ("每分钟弹幕数", "Comments per minute"),
    "hero": ("主推款", "hero"),
    "profit": ("利润款", "profit"),
    "traffic": ("引流款", "traffic driver"),
    "role": ("定位", "Role"),
    "planned": ("建议 3:5:2", "norm 3:5:2"),
    "dimension": ("维度", "Dimension"),
    "level": ("分组", "Group"),
    "index": ("成交/观看指数", "Buyer/viewer index"),
    # weekly report sections
    "sec_week_glance": ("本周概览", "Week at a glance"),
    "sec_week_board": ("场次排行", "Session leaderboard"),
    "sec_week_alerts": ("预警", "Alerts"),
    "sec_week_hosts": ("主播评分卡", "Host scorecards"),
    "sec_week_products": ("商品生命周期", "Product lifecycle"),
    "sec_week_audience": ("人群与 RFM 迁移", "Audience and RFM migration"),
    "sec_week_comments": ("弹幕主题", "Comment themes"),
    "sec_week_hours": ("最佳与最差时段", "Best and worst hours"),
    "sec_week_reviews": ("单场复盘", "Session reviews"),
    # room history (60-room-history)
    "sec_room_history": ("直播间历史：每场/每日核心指标", "Room history: KPIs per session or day"),
    "sec_room_change": ("两个周期的变化及其来源", "The change between two periods, and where it came from"),
    "sec_room_effects": ("开播时段、星期与时长", "Time slot, day of week and duration"),
    "sec_room_hosts": ("主播：每小时成交", "Hosts per hour on air"),
    "sec_room_extremes": ("最好与最差的场次", "Best and worst sessions"),
    "room_band": ("近5场均值±1个标准差", "Trailing 5-unit mean ± 1 SD"),
    "room_date": ("日期", "Date"),
    "slot_morning": ("早场(5–11点)", "morning (5–11h)"), "slot_noon": ("午场(11–14点)", "noon (11–14h)"),
    "slot_afternoon": ("下午场(14–18点)", "afternoon (14–18h)"), "slot_evening": ("晚场(18–22点)", "evening (18–22h)"),
    "slot_night": ("深夜场(22–5点)", "night (22–5h)"),
    "weekday_1": ("周一", "Mon"), "weekday_2": ("周二", "Tue"), "weekday_3": ("周三", "Wed"),
    "weekday_4": ("周四", "Thu"), "weekday_5": ("周五", "Fri"), "weekday_6": ("周六", "Sat"),
    "weekday_7": ("周日", "Sun"),
    "factor_viewers": ("观看人数", "viewers"), "factor_conversion": ("观看-成交率", "conversion"),
    "factor_aov": ("客单价(按成交金额)", "order value per buyer (GMV basis)"),
    "factor_views": ("观看次数", "views"), "factor_gpm": ("千次观看成交金额", "GPM"),
    "term_weekend": ("周末开播", "weekend show"), "term_duration_h": ("每多播1小时", "per extra hour on air"),
    "grain_session": ("按场次", "sessions"), "grain_day": ("按日，来自每日概览", "days, from the daily overview"),
    "slot": ("开播时段", "Time slot"), "weekday": ("星期", "Day of week"), "best": ("最好", "best"), "worst": ("最差", "worst"),
    # segments, conversion and comments reports (30/40/50): values, model terms, too-little sentences
    "value_yes": ("是", "yes"), "value_no": ("否", "no"), "value_True": ("是", "yes"), "value_False": ("否", "no"),
    "value_unknown": ("未知", "unknown"), "value_other": ("其他(合并的稀有水平)", "other (pooled rare levels)"),
    "value_female": ("女", "female"), "value_male": ("男", "male"), "value_android": ("安卓", "Android"),
    "value_ios": ("苹果 iOS", "iOS"), "value_pc": ("电脑", "PC"), "value_none": ("此前不是买家", "not yet a buyer"),
    "value_first": ("首单", "first order"), "value_repeat": ("复购", "repeat order"),
    "value_follower": ("粉丝", "follower"), "value_not_follower": ("非粉丝", "not a follower"),
    "value_earlier_comments": ("更早场次发过弹幕", "commented in an earlier session"),
    "value_tag": ("平台标记「老客」", "the platform's 老客 tag"),
    "value_watched": ("观看人群", "watched"), "value_bought": ("成交人群", "bought"),
    "term_Intercept": ("截距", "intercept"), "term_sep": ("：", ": "),
    "term_vs_ref": (" vs 基准 {ref}", " vs reference {ref}"),
    "term_channel": ("渠道", "channel"), "term_device": ("设备", "device"), "term_region": ("城市线级", "city tier"),
    "term_log_watch_min": ("观看时长（对数分钟）", "watch time (log minutes)"),
    "term_log_interactions": ("互动次数（对数）", "interactions (log)"),
    "term_was_follower": ("开播前已是粉丝", "follower before the show"), "term_returning": ("老客", "returning viewer"),
    "term_prime_time": ("20–22 点入场", "entered 20:00–22:00"),
    "term_start_hour": ("开播时刻（每晚 1 小时）", "start hour (per hour later)"),
    "term_paid_share": ("付费流量占比（0→100%）", "paid share of viewers (0 → 100%)"),
    "few_buyers": ("买家只有 {n} 位（少于 {min} 位），数据太少，不做估计。",
                   "Only {n} buyers (fewer than {min}): too little data for an estimate."),
    "few_sessions": ("有观看与成交人数的场次只有 {n} 场，数据太少。",
                     "Only {n} session(s) with viewer and buyer counts: too little data."),
    "few_minutes": ("只有 {n} 个有在线人数的分钟或订单太少，数据太少，不拟合计数模型。",
                    "Only {n} minutes with viewers online, or too few orders: too little data for the count model."),
    "no_prices": ("商品表没有可用的价格与销量，无法估计价格弹性。",
                  "The product table has no usable prices with units or orders: no elasticity."),
    "ab_empty_arm": ("A/B 分组中有一组没有观看或成交数据。", "An A/B arm has no viewers or buyers in the data."),
    "no_buyer_ids": ("订单没有买家 ID，无法识别买家。", "The orders carry no buyer ids: buyers cannot be told apart."),
    "few_viewers": ("观众明细只有 {n} 行（少于 {min}），数据太少，不做分群。",
                    "Only {n} viewer rows (fewer than {min}): too little data to cluster."),
    "no_later_session": ("范围内没有之后的场次，无法计算再次到访。", "No later session in scope: return visits cannot be counted yet."),
    "no_commenters": ("弹幕没有观众 ID 或老客标记。", "The comments carry neither viewer ids nor the 老客 tag."),
    "cap_logit": ("优势比与平均边际效应", "Odds ratios and average marginal effects"),
    "cap_vif": ("方差膨胀因子（>5 提示共线性）", "Variance inflation factors (> 5: collinearity)"),
    "cap_calibration": ("校准（留出样本，按预测概率十分位）", "Calibration (held-out, predicted-probability deciles)"),
    "cap_session_model": ("场次级转化模型：优势比（稳健标准误）", "Session-level conversion model: odds ratios (robust errors)"),
    "cap_session_conversion": ("各场次转化率（Wilson 95% 区间）", "Conversion per session (Wilson 95% interval)"),
    "cap_lifts": ("运营动作对下单率的提升", "Lift of run-sheet events on the order rate"),
    "cap_timing": ("事件对买家下单时机的提升", "Lift of events on when buyers order"),
    "cap_elasticity": ("各品类价格弹性（涨价 1% 销量变化 %）", "Price elasticity by category (% change in units per 1% price)"),
    "cap_planning": ("每组所需曝光数", "Exposures per arm needed"), "cap_ab": ("A/B 结果", "A/B result"),
    "ab_n_a": ("A 组观看人数", "viewers in A"), "ab_n_b": ("B 组观看人数", "viewers in B"),
    "ab_buyers_a": ("A 组买家", "buyers in A"), "ab_buyers_b": ("B 组买家", "buyers in B"),
    "ab_conv_a": ("A 组转化率", "conversion A"), "ab_conv_b": ("B 组转化率", "conversion B"),
    "ab_conv_diff": ("转化率差 A−B", "conversion difference A−B"), "ab_conv_lo": ("差值下限", "difference lower 95%"),
    "ab_conv_hi": ("差值上限", "difference upper 95%"), "ab_p_value": ("p值", "p-value"),
    "ab_aov_a": ("A 组客单价", "AOV A"), "ab_aov_b": ("B 组客单价", "AOV B"), "ab_aov_diff": ("客单价差", "AOV difference"),
    "ab_aov_lo": ("客单价差下限", "AOV difference lower"), "ab_aov_hi": ("客单价差上限", "AOV difference upper"),
    "ab_target_lift": ("目标相对提升", "target relative lift"), "ab_power_for_target": ("检验力", "power for the target"),
    "ab_mde_rel": ("最小可检测相对提升", "minimum detectable relative lift"),
    "ab_needed_per_arm": ("每组所需人数", "needed per arm"), "ab_looks": ("查看次数", "looks"),
    "cap_rfm": ("RFM 分层", "RFM segments"), "cap_migration": ("分层迁移（买家数）", "Migration (buyers)"),
    "cap_buyers_nr": ("新买家与回头买家（按订单买家 ID）", "New vs returning buyers (order buyer ids)"),
    "cap_first_order": ("首单 vs 复购订单的客单价", "AOV of first vs repeat orders"),
    "cap_commenters": ("发弹幕观众中的老客", "Returning viewers among commenters"),
    "cap_viewers_nr": ("新客 vs 老客（观众明细）", "New vs returning (viewer rows)"),
    "cap_retention": ("再次到访率（之后的场次中再次出现）", "Came back in a later session"),
    "cap_followers": ("开播前是否为粉丝", "Follower before the session"),
    "cap_clusters": ("互动分群画像（z 列为相对全体的标准差）", "Cluster profiles (z = standard deviations from the mean)"),
    "cap_demographics": ("人群画像", "Demographic cuts"),
    "cap_channels": ("各渠道观众与订单占比（汇总数据）", "Channel shares of viewers and orders (aggregates)"),
    "el_no_variation": ("没有商品的价格在场次间变动 {spread:.0%} 以上", "no product's price varied by {spread:.0%} or more across sessions"),
    "el_few_obs": ("价格有变动的商品-场次观测只有 {n} 个（少于 {min}）", "only {n} product-session observations with varying prices (< {min})"),
    "el_few_units": ("价格变动时售出不足 {min} 件", "fewer than {min} units sold at varying prices"),
    "el_not_separable": ("价格与固定效应无法区分", "price not separable from the fixed effects"),
    "el_too_wide": ("太不精确：95% 区间 {lo:.2f} 至 {hi:.2f} 宽于 {width:g}", "too imprecise: 95% interval {lo:.2f} to {hi:.2f} is wider than {width:g}"),
    "el_wrong_sign": ("符号错误：涨价反而多卖（{b:+.2f}），价格与别的带货因素同时变化（混杂）",
                      "wrong sign: sales rise with the price ({b:+.2f}), so price moved with something else that sold (confounded)"),
    "el_includes_zero": ("95% 区间 {lo:.2f} 至 {hi:.2f} 包含 0：看不出价格影响", "95% interval {lo:.2f} to {hi:.2f} includes zero: no detectable price response"),
    "sec_conversion.logit": ("观众级逻辑回归", "Viewer-level logistic model"),
    "sec_conversion.sessions": ("场次级转化模型", "Session-level conversion"),
    "sec_conversion.counts": ("分钟级计数模型", "Minute-level count model"),
    "sec_conversion.order_timing": ("买家下单时机", "When buyers order"),
    "sec_conversion.elasticity": ("价格弹性", "Price elasticity"), "sec_conversion.ab": ("A/B 检验", "A/B tests"),
    "sec_segments.rfm": ("RFM 分层", "RFM of buyers"),
    "sec_segments.buyers_new_returning": ("新买家与回头买家", "New vs returning buyers"),
    "sec_segments.first_order_aov": ("首单客单价", "First-order AOV"),
    "sec_segments.commenters": ("发弹幕的新老客", "New vs returning commenters"),
    "sec_segments.viewers_new_returning": ("新老客转化（观众明细）", "New vs returning viewers"),
    "sec_segments.retention": ("再次到访率", "Return visits"), "sec_segments.followers": ("粉丝与非粉丝", "Followers"),
    "sec_segments.clusters": ("互动分群", "Engagement clusters"), "sec_segments.demographics": ("人群画像", "Demographic cuts"),
    "sec_segments.channels": ("渠道占比", "Channel shares"),
    "sec_comments.intents": ("意图分布", "Intent mix"), "sec_comments.minutes": ("每分钟弹幕", "Comments per minute"),
    "sec_comments.explanations": ("讲解与提问", "Questions during explanations"),
    "sec_comments.unanswered": ("反复被问的问题", "Questions asked again"),
    "sec_comments.complaints": ("抱怨主题", "Complaint themes"), "sec_comments.integrity": ("重复文本与刷屏", "Duplicated text and bursts"),
    "sec_ingest.files": ("导入了什么", "What was ingested"), "sec_ingest.quarantine": ("隔离的数据行", "What was set aside"),
    "sec_ingest.checks": ("与平台口径核对", "Cross-checks"), "sec_ingest.contents": ("存储内容", "Store contents"),
    # session review sections
    "sec_returning": ("新老客：买家与评论者", "New vs returning buyers and commenters"),
    "exposed_rate": ("观看-商品曝光率", "View→product exposure"),
    "commenters": ("评论者", "Commenters"),
    "order_rate": ("每位观众订单数", "Orders per viewer"),
    # pitch report
    "sec_pitch_minutes": ("分钟级话术：主播说了什么", "Minute by minute: what the host said"),
    "sec_pitch_elements": ("话术要素", "Pitch elements"),
    "sec_pitch_converting": ("成交高峰说了什么：标准话术提纲", "What was said when orders peaked: a script outline"),
    "sec_pitch_effect": ("哪些话术之后订单更多", "Which elements were followed by more orders"),
    "sec_pitch_openings": ("讲解开场的黄金30秒", "The golden 30 seconds of each explanation"),
    "sec_pitch_questions": ("观众提问是否得到回答", "Were viewers answered?"),
    "sec_pitch_compliance": ("合规检查：广告法禁用词与功效宣称", "Compliance: advertising-law terms and claims"),
    "chars_per_min": ("每分钟字数", "Characters per minute"),
    "too_little_data": ("数据太少", "too little data"),
    "pitch_ok": ("可估计", "estimated"),
    "pitch_yes": ("有", "yes"),
    "pitch_no": ("无", "no"),
    "sev_high": ("高", "high"),
    "sev_medium": ("中", "medium"),
    "sev_low": ("低", "low"),
    "src_transcript": ("主播话术", "host's speech"),
    "src_product": ("商品标题", "product title"),
    "src_comment": ("弹幕", "comment"),
    "src_events": ("场记讲解", "run-sheet explanation"),
    "src_link_call": ("报链接号", "link call"),
    # weekly report (helpers.weekly_report)
    "sec_week_verdict": ("本周结论", "The week's verdict"),
    "wr_intro": ("本周结论、经营概览（环比与近期有数据周的对比）、场次排行、预警、主播评分、商品生命周期、人群、"
                 "弹幕主题和时段热力图；每场复盘的链接在文末。",
                 "The week's verdict, totals (week over week and against recent weeks with data), leaderboard, "
                 "alerts, host scorecards, product lifecycle, audience, comment themes and an hour heat map; links "
                 "to each session's review at the end."),
    "wr_scope": ("**{week}** · {n} {unit} · 参照：{trailing}", "**{week}** · {n} {unit} · reference: {trailing}"),
    "wr_unit_sessions": ("场", "sessions"), "wr_unit_days": ("个直播日", "room-days"),
    "wr_trailing": ("此前 {k} 个有数据的周：{weeks}（共 {n} {unit}；没有数据的周已跳过）",
                    "{k} earlier week(s) with data: {weeks} ({n} {unit}; weeks without data skipped)"),
    "wr_trailing_none": ("此前 {lookback} 周内没有有数据的周可作参照", "no earlier week with data in the last {lookback} weeks"),
    "wr_verdict": ("本周成交金额 {gmv} 元，参照 {k} 个有数据周的均值 {ref} 元，差额 {gap} 元（{change}）。",
                   "GMV this week {gmv} yuan against {ref} yuan, the mean of {k} reference week(s) with data: "
                   "a gap of {gap} yuan ({change})."),
    "wr_verdict_noref": ("本周成交金额 {gmv} 元；{trailing}。", "GMV this week {gmv} yuan; {trailing}."),
    "wr_gap": ("差额分解：观看人数 × 观看-成交率 × 客单价，各项贡献之和等于差额",
               "The gap decomposed into viewers × conversion × AOV; the contributions sum to the gap"),
    "wr_gap_main": ("差额主要来自{factor}（{contribution} 元）。", "Most of the gap came from {factor} ({contribution} yuan)."),
    "wr_gap_none": ("本周或参照周缺少观看人数、成交人数或成交金额，无法分解差额。",
                    "Viewers, buyers or GMV is missing this week or in the reference: the gap cannot be decomposed."),
    "wr_actions": ("本周各场复盘最常提出的改进：", "What the week's session reviews most often recommend:"),
    "wr_action_line": ("- {text}（{n} 场）", "- {text} ({n} sessions)"),
    "wr_actions_none": ("本周的单场复盘没有给出改进建议（或没有生成复盘）。",
                        "The week's session reviews list no actions (or no reviews were rendered)."),
    "wr_glance_caption": ("本周 vs 上周 vs 参照周均值（区间为环比差值的95%区间，比率的差值单位为百分点 pp）",
                          "This week vs last week vs the reference weeks' mean (95% interval of the week-over-week "
                          "difference; differences of rates in percentage points, pp)"),
    "wr_glance": ("本周成交金额 {gmv} 元（环比 {gmv_ch}），UV价值 {uv} 元（环比 {uv_ch}），观看-成交率 {conv}（环比 {conv_ch}，{sig}）。",
                  "GMV this week was {gmv} yuan ({gmv_ch} week over week), UV value {uv} yuan ({uv_ch}), "
                  "conversion {conv} ({conv_ch}, {sig})."),
    "wr_sig": ("差异显著", "a real difference"), "wr_noise": ("差异在误差范围内", "within the noise"),
    "wr_no_interval": ("无区间", "no interval"),
    "wr_weeks_title": ("近期各周", "Recent weeks"),
    "wr_board": ("按成交金额排序", "By GMV"),
    "wr_alert_rules": ("规则：单场成交金额较参照周场均波动 ≥{gmv}；UV价值低于品类（{category}）基准；"
                       "主推款每场销量较其自身此前场次下降 ≥{hero}。",
                       "Rules: a session's GMV ±{gmv} or more against the reference weeks' session mean; UV value "
                       "below the {category} benchmark; a hero product's sales per session down {hero} or more "
                       "against its own previous sessions."),
    "wr_rule_gmv_vs_trailing": ("单场成交金额较参照周场均波动 ≥{gmv}", "Session GMV ±{gmv} vs the reference mean"),
    "wr_rule_uv_value_below_benchmark": ("UV价值低于品类基准", "UV value below the category benchmark"),
    "wr_rule_hero_product_down": ("主推款每场销量较此前场次下降 ≥{hero}", "Hero product's sales per session down ≥{hero}"),
    "wr_level_warning": ("需处理", "warning"), "wr_level_info": ("提示", "info"),
    "wr_alerts": ("预警", "Alerts"),
    "wr_alerts_count": ("共 {n} 条预警，其中 {w} 条需要处理。", "{n} alerts, {w} of them warnings."),
    "wr_hosts": ("主播评分（每小时直播成交，与同时段比较）", "Host scorecards (GMV per hour on air, against the same slots)"),
    "wr_tier_rule": ("评分规则：主播成交金额 ÷ Σ（每场时长 × 该场开播时段在参照窗口内的每小时成交金额）= 时段指数"
                     "（时段：{slots}）；指数 ≥{s} 为S，≥{a} 为A，≥{b} 为B，其余为C。区间为按场次重抽样（bootstrap，"
                     "{n} 次，固定种子）的95%区间，至少 {min} 场才给出。",
                     "Rule: a host's GMV ÷ Σ over the host's sessions of (hours on air × the GMV per hour of the "
                     "session's start slot over the reference window) = the slot index (slots: {slots}); S at ≥{s}, "
                     "A at ≥{a}, B at ≥{b}, else C. Intervals: 95% bootstrap over the host's sessions ({n} "
                     "resamples, seeded), given from {min} sessions."),
    "wr_products": ("本周与上周在售商品（销售口径：{measure}）", "Products sold this week or last (sales measured as {measure})"),
    "wr_measure_gmv": ("成交金额(元)", "GMV (yuan)"), "wr_measure_units": ("件数", "units"),
    "wr_stage_order": ("生命周期按以下顺序判定，先符合者为准：", "Stages are tested in this order; the first that holds wins: "),
    "wr_stage_new": ("新品：本周首次售卖（上周及此前有数据的周均未售）",
                     "new: first sold this week (not last week, nor in the earlier weeks with data)"),
    "wr_stage_fading": ("衰退：销售较上周下降 ≥{change}", "fading: sales down ≥{change} vs last week"),
    "wr_stage_rising": ("上升：销售较上周增长 ≥{change}", "rising: sales up ≥{change} vs last week"),
    "wr_stage_hero": ("主力：占本周销售 ≥{share}，或计划主推", "hero: ≥{share} of the week's sales, or planned as hero"),
    "wr_stage_steady": ("平稳：其余（含上周没有销售可比的商品）",
                        "steady: everything else (including products without last week's sales to compare)"),
    "wr_stage_sep": ("；", "; "),
    "wr_stage_name_new": ("新品", "new"), "wr_stage_name_rising": ("上升", "rising"),
    "wr_stage_name_hero": ("主力", "hero"), "wr_stage_name_steady": ("平稳", "steady"),
    "wr_stage_name_fading": ("衰退", "fading"), "wr_col_stage": ("生命周期", "Stage"), "wr_col_level": ("级别", "Level"),
    "wr_too_little": ("数据不足", "too little data"),
    "wr_audience": ("回访观众与转粉（窗口内各周）", "Returning viewers and follower conversion (weeks of the window)"),
    "wr_rfm": ("上周末 → 本周末 RFM 分层迁移（买家数）", "RFM segment of buyers: end of last week → end of this week"),
    "wr_no_purchase": ("此前未购买", "no purchase before"),
    "wr_comments": ("弹幕意图分布（占比变化为百分点）", "Comment intents (change of share in percentage points)"),
    "wr_hours_rule": ("按直播时的钟点（星期 × 小时，来自分钟趋势，而非观众进入时间）汇总每小时在播的成交金额、订单数与平均在线人数；"
                      "本周在播不足 {min} 分钟的格子为数据不足，不参与排名（本周 {masked} 格）。",
                      "By the clock hour on air (weekday × hour, from the minute trend, not the viewers' entry time): "
                      "GMV and orders per hour on air and mean online viewers; cells with under {min} minutes on air "
                      "this week are too little data and not ranked ({masked} this week)."),
    "wr_best": ("{key}最高的时段", "Best hours by {key}"), "wr_worst": ("{key}最低的时段", "Worst hours by {key}"),
    "wr_hours_none": ("没有在播满 {min} 分钟的时段格子，数据太少，不排名。",
                      "No cell has {min} minutes on air: too little data to rank hours."),
    "wr_no_sessions": ("本周没有场次。", "No sessions this week."),
    "wr_review_failed": ("复盘失败", "review FAILED"), "wr_notebook": ("笔记本", "notebook"),
    "wr_reviews_failed": ("本周 {n} 场复盘未能生成：{ids}", "{n} session review(s) failed: {ids}"),
    "wr_reviews_ok": ("本周全部 {total} 场复盘均已生成。", "All {total} session reviews were generated."),
    "wr_reviews_missing": ("本次运行没有生成其中 {n} 场复盘（链接指向以往生成的报告，如有）。",
                           "{n} of them were not rendered by this run (the links point to earlier renders, if any)."),
    "wr_reviews_daily": ("本周只有直播间大盘的每日数据（room_days 表），没有场次列表，因此没有单场复盘。",
                         "This week has only the daily room overview (room_days table) and no session list, so there "
                         "are no session reviews."),
    # session review page 1: verdict, actions, promotions
    "sec_verdict": ("结论：本场与参照相比", "The verdict: this show against its reference"),
    "sec_actions": ("下一场要做的事", "What to do next show"),
    "sec_promotions": ("促销：优惠券、秒杀与福袋", "Promotions: coupons, flash sales and lotteries"),
    "conf_high": ("把握较大", "high"), "conf_medium": ("把握一般", "medium"), "conf_low": ("把握较小", "low"),
    "factor_aov_paid": ("客单价", "AOV"),
    "ref_target": ("目标", "the target"),
    "ref_target_scaled": ("目标（成交金额目标按本场支付占比折算）", "the target (GMV target scaled by this show's paid share)"),
    "ref_same_slot": ("本直播间同时段近 {n} 场均值", "the room's last {n} shows in this time slot"),
    "ref_recent": ("本直播间近 {n} 场均值", "the room's last {n} shows"),
    "verdict_line": ("本场用户支付金额 **¥{gmv}**，{ref_name} ¥{ref}：{word} **¥{gap}**（{pct}；95% 区间 {lo} 至 {hi}{noise}）。",
                     "Paid GMV **¥{gmv}** against {ref_name} ¥{ref}: {word} **¥{gap}** ({pct}; 95% interval {lo} to {hi}{noise})."),
    "gap_above": ("高出", "above by"), "gap_below": ("少了", "short by"),
    "within_noise": ("，差距在误差范围内", ", within noise"),
    "cells_line": ("粉丝带来 {b} 名买家中的 {fb} 名、{share} 的支付金额；付费流量带来 {pv} 的观看、{pg} 的支付金额。",
                   "Followers brought {fb} of {b} buyers and {share} of paid GMV; paid traffic brought {pv} of viewers and {pg} of paid GMV."),
    "reference_sessions": ("参照场次：{ids}。", "Reference shows: {ids}."),
    "no_actions": ("本场没有把握足够的改进动作。", "No action stands out with enough confidence."),
    "roi_rule": ("ROI 只在花费不少于 ¥1,000 且订单不少于 30 单时给出，否则为“数据太少”。",
                 "ROI is shown only with at least ¥1,000 of spend and 30 orders behind it; otherwise “too little data”."),
    "lift_rule": ("倍数的 95% 区间宽于 10 倍（上限/下限 > 10）或基数少于 5 单时显示为“数据太少”。",
                  "A lift whose 95% interval spans more than 10× (upper/lower > 10) or rests on fewer than 5 orders shows as “too little data”."),
    "legend_runsheet": ("场控", "Run sheet"),
    "value_followers": ("粉丝", "followers"), "value_non_followers": ("非粉丝", "non-followers"),
    "this_show": ("本场", "This show"), "ref_row": ("参照", "Reference"), "change_row": ("变化", "Change"),
    "contribution_row": ("对差距的贡献(元)", "Share of the gap (yuan)"), "evidence_link": ("依据", "evidence"),
    "decomp_caption": ("用户支付金额 = 观看人数 × 观看-成交率 × 客单价（客单价 = 支付金额 / 支付人数；LMDI 分解，三项相加等于差距）",
                       "Paid GMV = viewers × conversion × AOV (AOV = paid GMV / paying buyers; LMDI split: the three parts add up to the gap)"),
}

# table column headers (columns not listed fall back to LABELS / metric names / the key itself)
COLUMNS: dict[str, tuple[str, str]] = {
    "group_kind": ("分组方式", "Grouped by"), "group": ("分组", "Group"), "median_min": ("中位停留(分钟)", "Median stay (min)"),
    "still_5": ("5分钟留存", "Still watching at 5 min"), "still_30": ("30分钟留存", "Still watching at 30 min"),
    "kind": ("类型", "Kind"), "minutes": ("分钟数", "Minutes"), "lo": ("区间下限", "Lower 95%"),
    "hi": ("区间上限", "Upper 95%"), "p_value": ("p值", "p-value"), "of_previous": ("占上一步", "Of previous"),
    "of_top": ("占第一步", "Of first"), "rank": ("排名", "Rank"), "name": ("名称", "Name"),
    "exposures_uv": ("曝光人数", "Exposed"), "clicks_uv": ("点击人数", "Clickers"), "share_gmv": ("成交占比", "Share of GMV"),
    "ctr": ("曝光-点击率", "Exposure→click"), "windows": ("讲解次数", "Windows"), "minutes_in": ("讲解分钟", "Minutes explained"),
    "orders_in": ("讲解中订单", "Orders during"), "orders_out": ("讲解外订单", "Orders outside"), "ratio": ("倍数", "Ratio"),
    "products": ("商品数", "Products"), "share_products": ("商品占比", "Share of products"), "norm": ("建议占比", "Norm"),
    "paid": ("付费", "Paid"), "conv_lo": ("转化下限", "Conv. lower"), "conv_hi": ("转化上限", "Conv. upper"),
    "spend": ("花费(元)", "Spend (yuan)"), "viewer_share": ("观看占比", "Share of viewers"),
    "buyer_share": ("成交占比", "Share of buyers"), "text": ("弹幕", "Comment"), "comments": ("条数", "Comments"),
    "authors": ("账号数", "Accounts"), "first_ts": ("首次", "First"), "last_ts": ("最后", "Last"),
    "viewer_id": ("观众(已脱敏)", "Viewer (pseudonym)"), "enter_ts": ("进入时间", "Entered"), "watch_s": ("观看秒数", "Watched (s)"),
    "device": ("设备", "Device"), "source": ("数据来源", "Source"), "formula": ("公式", "Formula"),
    "convention": ("口径说明", "Convention"), "unit": ("单位", "Unit"), "zh": ("中文", "Chinese"), "en": ("英文", "English"),
    "count": ("人数", "People"), "stage": ("环节", "Stage"), "exit_rate": ("每分钟离开率", "Exits per viewer-minute"), "expected": ("预期离开", "Expected exits"),
    "dispersion": ("离散度", "Dispersion"), "method": ("方法", "Method"),
    "index": ("成交/观看指数", "Buyer / viewer index"), "obs_exp": ("实际/预期", "Observed / expected"), "on_screen": ("当时在播", "On screen"), "share": ("占比", "Share"),
    "conversion": ("转化率", "Conversion"), "dimension": ("维度", "Dimension"), "level": ("分组", "Group"),
    "online": ("在线人次", "Online (viewer-minutes)"), "exits": ("离开人数", "Exits"), "role": ("定位", "Role"),
    "price": ("价格", "Price"), "intent": ("意图", "Intent"), "channel": ("渠道", "Channel"),
    # weekly report
    "this_week": ("本周", "This week"), "last_week": ("上周", "Last week"), "wow_change": ("环比", "Week over week"),
    "wow_interval": ("环比差值95%区间", "95% interval of the difference"),
    "trailing_mean": ("参照周均值", "Reference weeks' mean"), "vs_trailing": ("较参照周", "vs reference mean"),
    "session_id": ("场次", "Session"), "start_ts": ("开播时间", "Start"), "host": ("主播", "Host"),
"rule": ("规则", "Rule"), "subject": ("对象", "Subject"),
    "reference": ("参照值", "Reference"), "change": ("变化", "Change"), "sessions": ("场次数", "Sessions"),
    "points": ("达标项", "Points"), "tier": ("评级", "Tier"), "product_id": ("商品ID", "Product ID"),
    "planned_hero": ("计划主推", "Planned hero"), "gmv_last_week": ("上周成交金额(元)", "GMV last week (yuan)"),
    "units_last_week": ("上周件数", "Units last week"), "week": ("周", "Week"),
    "from_segment": ("上周末分层", "Segment, end of last week"), "to_segment": ("本周末分层", "Segment, end of this week"),
    "intent_group": ("意图大类", "Intent group"), "share_last_week": ("上周占比", "Share last week"),
    "change_pp": ("占比变化(百分点)", "Change (points)"), "day": ("星期", "Day"), "hour": ("小时", "Hour"),
    # audience segments
    "segment": ("分层", "Segment"), "segment_zh": ("分层", "Segment"), "gmv_share": ("GMV占比", "Share of GMV"),
    "mean_recency_days": ("平均距今天数", "Mean recency (days)"), "mean_frequency": ("平均购买场次", "Mean frequency"),
    "conversion_lo": ("转化下限", "Conv. lower"), "conversion_hi": ("转化上限", "Conv. upper"),
    "aov_lo": ("客单价下限", "AOV lower"), "aov_hi": ("客单价上限", "AOV upper"), "gap": ("差距", "Gap"),
    "rate": ("比例", "Rate"), "viewer_share_lo": ("观看占比下限", "Viewer share lower"),
    "viewer_share_hi": ("观看占比上限", "Viewer share upper"), "buyer_share_lo": ("成交占比下限", "Buyer share lower"),
    "buyer_share_hi": ("成交占比上限", "Buyer share upper"), "first_order": ("首单", "First order"), "came_back": ("再次到访人数", "Came back"),
    "cluster": ("分群", "Cluster"), "description": ("特征", "Description"),
    "z_log_watch_min": ("观看时长(z)", "Watch time (z)"), "z_log_interactions": ("互动(z)", "Interactions (z)"),
    "z_log_clicks": ("商品点击(z)", "Product clicks (z)"), "z_entry_min": ("进场时间(z)", "Entry time (z)"),
    # comments
    "times": ("次数", "Times"), "start": ("开始", "Start"),
    "questions": ("提问数", "Questions"), "question_lift": ("提问倍数", "Questions (×)"),
    "top_question": ("最多的提问", "Top question"), "top_question_lift": ("该提问倍数", "Top question (×)"),
    "orders_per_min": ("每分钟订单", "Orders per minute"), "order_lift": ("订单倍数", "Orders (×)"),
    "orders_followed": ("订单随之上升", "Orders followed"), "asks": ("提问次数", "Asks"), "askers": ("提问人数", "Askers"),
    "re_askers": ("重复提问人数", "Asked again"), "examples": ("示例", "Examples"), "sentiment": ("正向概率", "Positive (prob.)"),
    "keywords": ("关键词", "Keywords"), "viewer": ("观众(已脱敏)", "Viewer (pseudonym)"),
    "minute_ts": ("分钟", "Minute"), "robust_z": ("稳健z值", "Robust z"), "top_text": ("最多的弹幕", "Top text"),
    "top_text_share": ("最多弹幕占比", "Top text share"), "peak_viewers": ("峰值观众数", "Peak viewers"),
    "span_min": ("持续分钟", "Span (min)"),
    # ingest
    "source_column": ("平台列名", "Platform column"), "checked": ("核对数", "Checked"), "ok": ("一致", "Agree"),
    "mismatch": ("不一致", "Disagree"), "max_abs_diff": ("最大绝对差", "Max abs. difference"),
    "table": ("标准表", "Table"), "rows": ("行数", "Rows"),
    # conversion models
    "term": ("变量", "Term"), "odds_ratio": ("优势比", "Odds ratio"), "or_lo": ("优势比下限", "OR lower"),
    "or_hi": ("优势比上限", "OR upper"), "p": ("p值", "p-value"), "ame": ("平均边际效应", "Avg. marginal effect"),
    "ame_lo": ("边际效应下限", "AME lower"), "ame_hi": ("边际效应上限", "AME upper"), "vif": ("方差膨胀因子", "VIF"),
    "bin": ("分组", "Decile"), "predicted": ("预测概率", "Predicted"), "observed": ("实际比例", "Observed"),
    "n": ("人数", "n"), "lift": ("提升倍数", "Lift (×)"), "category": ("品类", "Category"),
    "identified": ("可识别", "Identified"), "elasticity": ("价格弹性", "Elasticity"), "n_obs": ("观测数", "Observations"),
    "n_products": ("商品数", "Products"), "price_spread": ("价格跨度", "Price spread"), "reason": ("原因", "Reason"),
    "rel_lift": ("相对提升", "Relative lift"), "per_arm": ("每组所需人数", "Needed per arm"),
    # room history
    "unit_id": ("场次/日期", "Session or day"), "units": ("场次数", "Units"), "hours": ("开播小时", "Hours on air"),
    "gmv_per_hour": ("每小时成交(元)", "GMV per hour (yuan)"), "factor": ("因素", "Factor"),
    "contribution": ("贡献(元)", "Contribution (yuan)"), "main_factor": ("主因", "Main factor"),
    "main_contribution": ("主因贡献(元)", "Main factor's share (yuan)"), "effect": ("对成交金额的影响", "Effect on GMV"),
    # segments and conversion reports (30/40)
    "value": ("数值", "Value"), "start_hour": ("开播时刻", "Start hour"), "weekend": ("周末", "Weekend"),
    "duration_h": ("时长(小时)", "Duration (h)"), "paid_share": ("付费流量占比", "Paid share"),
    "commenters": ("发弹幕人数", "Commenters"), "returning_n": ("老客人数", "Returning"),
    "new_or_returning": ("新老客", "New / returning"), "order_kind": ("订单", "Order"),
    "population": ("人群", "Population"), "bucket": ("分组", "Bucket"),
    "order_share": ("订单占比", "Share of orders"), "order_share_lo": ("订单占比下限", "Order share lower"),
    "order_share_hi": ("订单占比上限", "Order share upper"),
    "band_mean": ("近期均值", "Trailing mean"),
    # session review sections
    "numerator": ("分子", "Numerator"), "denominator": ("分母", "Denominator"),
    "people": ("人数", "People"), "returning": ("老客数", "Returning"), "new": ("新客数", "New"),
    "returning_share": ("老客占比", "Returning share"), "tagged_returning": ("带老客标签人数", "Tagged 老客"),
    "tagged_share": ("老客标签占比", "Tagged 老客 share"), "order_rate": ("每位观众订单数", "Orders per viewer"),
    # pitch report
    "speech": ("主播话术", "Host's speech"), "chars_per_min": ("每分钟字数", "Characters / min"),
    "spoken_s": ("说话秒数", "Seconds speaking"), "silent_s": ("静默秒数", "Seconds silent"),
    "gaps": ("≥5秒停顿", "Pauses ≥ 5 s"), "on_air": ("场控", "Run sheet"), "element": ("话术要素", "Element"),
    "lines": ("句数", "Lines"), "minutes_with": ("出现分钟数", "Minutes heard"), "rate_ratio": ("订单倍数", "Rate ratio"),
    "status": ("结论", "Status"), "hook": ("有钩子", "Hook"), "elements": ("前30秒要素", "Elements in the first 30 s"),
    "chars": ("字数", "Characters"), "opening": ("讲解开场", "Opening"), "link": ("链接号", "Link"),
    "asked": ("提问数", "Asked"), "answered": ("已回答", "Answered"), "answered_share": ("回答率", "Answered share"),
    "median_delay_s": ("中位回答用时(秒)", "Median delay (s)"), "delay_s": ("回答用时(秒)", "Delay (s)"),
    "question": ("观众提问", "Question"), "answer": ("主播回答", "Host's answer"), "theme": ("主题", "Theme"),
    "hit_term": ("命中词", "Term found"), "severity": ("严重程度", "Severity"), "law": ("依据", "Legal basis"),
    "hits": ("命中次数", "Hits"), "terms": ("命中词", "Terms"), "sentence": ("原句", "Sentence"),
    "lines_converting": ("高峰句数", "Lines at peaks"), "share_converting": ("高峰占比", "Share at peaks"),
    "share_all": ("全场占比", "Share overall"), "example": ("例句", "Example"), "ts": ("时间", "Time"),
    "ask_ts": ("提问时间", "Asked at"), "answer_ts": ("回答时间", "Answered at"),
    # weekly report (helpers.weekly_report)
    "gmv_per_hour_lo": ("每小时成交下限", "GMV/hour lower"), "gmv_per_hour_hi": ("每小时成交上限", "GMV/hour upper"),
    "slots": ("开播时段", "Time slots"), "slot_gmv_per_hour": ("同时段每小时成交(元)", "Slot GMV per hour (yuan)"),
    "slot_index": ("时段指数", "Slot index"), "slot_index_lo": ("指数下限", "Index lower"),
    "slot_index_hi": ("指数上限", "Index upper"), "sales": ("本周销售", "Sales this week"),
    "sales_last_week": ("上周销售", "Sales last week"), "sold_before": ("此前售过", "Sold before"),
    "orders_per_hour": ("每小时订单", "Orders per hour"), "avg_online": ("平均在线人数", "Mean online viewers"),
    "per_session": ("本周每场销量", "Per session this week"), "per_session_before": ("此前每场销量", "Per session before"),
    "previous_sessions": ("此前场次", "Earlier sessions"),
    # session review page 1: verdict, windows, promotions
    "traffic_type": ("流量", "Traffic"), "audience": ("人群", "Audience"),
    "ref_viewers": ("参照观看", "Ref. viewers"), "ref_buyers": ("参照买家", "Ref. buyers"),
    "ref_gmv": ("参照支付金额(元)", "Ref. paid GMV (yuan)"), "change_viewers": ("观看变化", "Viewers change"),
    "change_buyers": ("买家变化", "Buyers change"), "change_gmv": ("支付金额变化", "Paid GMV change"),
    "nth": ("第几次", "Window #"), "reliable": ("可下结论", "Conclusive"),
    "orders_per_min_in": ("期间每分钟订单", "Orders/min during"),
    "orders_per_min_out": ("期间外每分钟订单", "Orders/min outside"),
    "gmv_per_min_in": ("期间每分钟成交(元)", "GMV/min during (yuan)"),
    "gmv_per_min_out": ("期间外每分钟成交(元)", "GMV/min outside (yuan)"),
    "step": ("环节", "Step"), "history": ("近期场次", "Room history"),
    "label": ("名称", "Label"), "units_in": ("期间件数", "Units during"), "sell_through": ("售罄率", "Sell-through"),
    "entries_per_min_in": ("期间每分钟进入", "Entries/min during"),
    "entries_per_min_out": ("期间外每分钟进入", "Entries/min outside"),
    "median_stay_in": ("期间进入者中位停留(分钟)", "Median stay of entrants (min)"),
    "median_stay_out": ("其他观众中位停留(分钟)", "Median stay of others (min)"),
    "impact_yuan": ("预计影响(元)", "Est. impact (yuan)"), "confidence": ("把握", "Confidence"),
    "evidence": ("依据", "Evidence"), "vs_history": ("较近期", "vs history"),
    "benchmark_low": ("基准下限", "Benchmark low"), "benchmark_high": ("基准上限", "Benchmark high"),
    "benchmark_flag": ("较基准", "vs benchmark"), "stock": ("库存", "Stock"),
}

UNIT_SUFFIX: dict[str, tuple[str, str]] = {"元": ("元", "yuan"), "秒": ("秒", "s"), "分钟": ("分钟", "min")}


def metric_header(key: str, lang: str = "zh") -> str:
    """A metric's column header in the language with its unit where it helps (``成交金额(元)``)."""
    m = METRICS[key]
    unit = UNIT_SUFFIX.get(m.unit)
    name = m.zh if lang == "zh" else m.en
    if not unit:
        return name
    return f"{name}({unit[0]})" if lang == "zh" else f"{name} ({unit[1]})"


def format_metric(key: str, value: float | None, *, signed: bool = False) -> str:
    """A metric value as printed in reports: % metrics as percent, × metrics with ×, others with
    thousands separators, each with the registry's decimals; ``signed`` for a difference (a
    difference of % metrics is in percentage points, ``pp``)."""
    if value is None or value != value:
        return "–"
    m = METRICS.get(key)
    d = m.decimals if m else 2
    sign = "+" if signed else ""
    if m and m.unit == "%":
        return f"{value * 100:{sign}.{d}f}{' pp' if signed else '%'}"
    if m and m.unit == "×":
        return f"{value:{sign}.{d}f}×"
    return f"{value:{sign},.{d}f}"


def table_format(names: list[str], lang: str = "zh", *, percent: dict[str, int] | None = None,
                 decimals: dict[str, int] | None = None, signed: tuple[str, ...] = (),
                 rename: dict[str, str] | None = None) -> dict[str, object]:
    """Keyword arguments for :func:`helpers.nb.show_table` of a frame with these columns: metric
    columns (keys of :data:`METRICS`) with the registry's decimals, % metrics as percentages, money
    headers with their unit; other headers from :data:`COLUMNS` / :func:`t`. ``percent`` adds
    fraction columns shown as % (column → decimals), ``decimals`` sets other columns' decimals,
    ``signed`` columns carry an explicit sign (changes), ``rename`` overrides headers."""
    dec: dict[str, int] = {}
    pct: list[str] = []
    headers = columns(names, lang)
    for n in names:
        m = METRICS.get(n)
        if m is not None:
            dec[n] = m.decimals
            if m.unit == "%":
                pct.append(n)
            headers[n] = metric_header(n, lang)
    headers.update(rename or {})
    for n, d in (percent or {}).items():
        dec[n] = d
        pct.append(n)
    dec.update(decimals or {})
    return {"decimals": {n: dec.get(n, 2) for n in names}, "percent": tuple(pct), "signed": tuple(signed),
            "rename": headers}

STAGES: dict[str, tuple[str, str]] = {
    "impressions": ("直播间曝光人数", "Room impressions"), "viewers": ("观看人数", "Viewers"),
    "product_exposed": ("商品曝光人数", "Product-exposed"), "clicked": ("商品点击人数", "Product clickers"),
    "ordered": ("成交人数", "Buyers (placed)"), "paid": ("支付人数", "Paid buyers"),
    "net_of_refunds": ("未退款支付人数", "Paid, not refunded"),
}

FLAGS: dict[str, tuple[str, str]] = {
    "met": ("达标", "met"),
    "missed": ("未达标", "missed"),
    "missed_noise": ("未达标(差距在误差内)", "missed (within noise)"),
    "met_noise": ("达标(差距在误差内)", "met (within noise)"),
    "below": ("低于基准", "below benchmark"),
    "above": ("高于基准", "above benchmark"),
    "within": ("基准范围内", "within benchmark"),
}

DIMENSIONS: dict[str, tuple[str, str]] = {
    "age_band": ("年龄", "Age"),
    "gender": ("性别", "Gender"),
    "region": ("城市线级", "City tier"),
    "device": ("设备", "Device"),
    "source": ("渠道", "Channel"),
    "was_follower": ("是否粉丝", "Follower before"),
    "returning": ("新老客", "New vs returning"),
}


def columns(names: list[str], lang: str = "zh") -> dict[str, str]:
    """Display headers for a table's columns (for ``nb.show_table(..., rename=...)``)."""
    out = {}
    for n in names:
        if n in COLUMNS:
            out[n] = COLUMNS[n][0 if lang == "zh" else 1]
        else:
            out[n] = t(n, lang)
    return out


def stage(key: str, lang: str = "zh") -> str:
    """A funnel stage's name."""
    zh, en = STAGES.get(key, (key, key))
    return zh if lang == "zh" else en


def chooser(lang: str):
    """``L = chooser(lang)``; ``L("中文", "English")`` picks the report language's text."""
    return (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en)


def t(key: str, lang: str = "zh") -> str:
    """A label in the language; metric keys fall back to the metric registry, else the key."""
    if key in LABELS:
        zh, en = LABELS[key]
        return zh if lang == "zh" else en
    if key in FLAGS:
        zh, en = FLAGS[key]
        return zh if lang == "zh" else en
    if key in DIMENSIONS:
        zh, en = DIMENSIONS[key]
        return zh if lang == "zh" else en
    if key in METRICS:
        m = METRICS[key]
        return m.zh if lang == "zh" else m.en
    return key


class Heading:
    """A section heading emitted by a code cell (so its language follows the ``lang`` parameter).

    Renders as an ``<h2>`` inside a ``jp-MarkdownCell`` wrapper so the report template's table of
    contents (which collects ``.jp-MarkdownCell h2``) lists it like a Markdown-cell heading; its
    plain-text form is the Markdown ``## title`` (what nbval compares).
    """

    def __init__(self, title: str, anchor: str) -> None:
        self.title = title
        self.anchor = anchor

    def __repr__(self) -> str:
        return f"## {self.title}"

    def _repr_markdown_(self) -> str:
        return f"## {self.title}"

    def _repr_html_(self) -> str:
        # the inner anchor ``sec_<section>`` is what page 1's evidence links point at (#sec_traffic)
        inner = html.escape("sec_" + self.anchor.removeprefix("section-"))
        return (f'<div class="jp-MarkdownCell wb-section"><div class="jp-RenderedMarkdown">'
                f'<h2 id="{html.escape(self.anchor)}"><a id="{inner}"></a>{html.escape(self.title)}</h2></div></div>')


def heading(section: str, lang: str = "zh") -> Heading:
    """The heading of a review section in the language (``## title``)."""
    return Heading(t("sec_" + section, lang), f"section-{section}")
