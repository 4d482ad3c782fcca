# %% [markdown]
# # 转化驱动模型 · What drives purchase
#
# 观众级逻辑回归（优势比、平均边际效应、95% 区间、分离与共线性检查、留出样本 AUC 与校准）、
# 分钟级计数模型（运营动作的提升）、跨场次价格弹性、A/B 检验与样本量。
# Viewer-level logistic model, minute-level count model, price response across sessions, A/B tests
# with power, each estimate with its interval.

# %% tags=["parameters"]
session_id: str = ""  # one session to analyse (or leave empty and give week)
week: str = ""  # ISO week, e.g. 2026-W47: pools the sessions starting in that week
store: str = "data/processed/store"  # canonical Parquet store
arm_a: str = ""  # A/B: comma-separated session ids of arm A (empty: planning figures only)
arm_b: str = ""  # A/B: comma-separated session ids of arm B
target_lift: float = 0.10  # A/B: relative conversion lift the test should detect
looks: int = 1  # A/B: how many times the result was looked at (above 1 means peeking)
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
import pandas as pd

from helpers import charts_models as ch
from helpers import experiments as ex
from helpers import models as md
from helpers import nb
from helpers import segments as sg
from helpers.labels import chooser, columns
from helpers.paths import resolve

nb.setup(lang)
if not 0 < target_lift < 10 or looks < 1:
    raise ValueError("target_lift must be in (0, 10) and looks >= 1")
L = chooser(lang)
scope = sg.load_scope(str(resolve(store)), session_id=session_id, week=week)  # exactly one of the two
summary: dict = {"scope": scope.describe(session_id, week), "skipped": {}}
design = md.viewer_design(scope.viewers, scope.orders) if scope.has_viewers else None
nb.say(L("范围：{label}，{n} 场直播，{v:,} 位观众记录。", "Scope: {label}, {n} session(s), {v:,} viewer rows."),
       label=scope.label, n=len(scope.session_ids), v=scope.viewers.height)

# %% [markdown]
# ## 观众级逻辑回归 · Viewer-level logistic model
#
# 结果：观众在该场是否下单（存在已支付或已退款订单）。协变量：log(1+观看分钟)、log(1+点赞+评论+分享)、
# 开播前是否粉丝、是否老客、渠道（参照 直播推荐）、设备（参照 android）、城市等级（参照 三线）、
# 是否 20–22 点入场。优势比与 Wald 95% 区间；平均边际效应（百分点）；留出 25% 观众计算 AUC 与校准。
# Outcome: the viewer placed a paid or refunded order in the session. Odds ratios with Wald 95%
# intervals, average marginal effects, held-out AUC (25% of viewers) and calibration.

# %%
logit = None
if design is not None and design["bought"].sum() >= 10:
    logit = md.fit_viewer_logit(design)
    summary["logit"] = logit.summary()
    t = logit.table.assign(term=[md.describe_term(x) for x in logit.table["term"]])
    display(nb.show_table(t[["term", "odds_ratio", "or_lo", "or_hi", "p", "ame", "ame_lo", "ame_hi"]],
                          L("优势比与平均边际效应", "Odds ratios and average marginal effects"),
                          points=("ame", "ame_lo", "ame_hi"), signed=("ame", "ame_lo", "ame_hi"),
                          rename=columns(list(t.columns), lang),
                          decimals={"odds_ratio": 3, "or_lo": 3, "or_hi": 3, "p": 4, "ame": 2, "ame_lo": 2,
                                    "ame_hi": 2}))
    display(nb.say(L("{n:,} 位观众、{e:,} 位买家；留出样本 AUC {auc:.3f}，Brier {b:.4f}。",
                     "{n:,} viewers, {e:,} buyers; held-out AUC {auc:.3f}, Brier score {b:.4f}."),
                   n=logit.n, e=logit.events, auc=logit.auc, b=logit.brier))
else:
    summary["skipped"]["logit"] = "no viewer-level data (or fewer than 10 buyers)"
    display(nb.say(L("跳过逻辑回归：没有观众明细（或买家少于 10 位），只能运行下面基于分钟趋势的模型。",
                     "Logistic model skipped: no viewer-level data (or fewer than 10 buyers); the minute-level model below still runs.")))

# %% tags=["nbval-ignore-output"]
if logit is not None:
    ch.coefficient_chart(logit, lang).show()

# %% [markdown]
# ### 主要影响因素 · The top effects in plain words
#
# 按概率尺度的影响排序：0/1 变量为其平均边际效应，连续变量为增加一个标准差的效应。
# Ranked on the probability scale: AME of a 0/1 change, or of one standard deviation.

# %%
if logit is not None:
    for sentence in md.reading(logit, 3, lang):
        display(nb.say("- {s}", s=sentence))

# %% [markdown]
# ### 模型检查 · Checks: separation, collinearity, calibration

# %%
if logit is not None:
    display(nb.show_table(logit.vif, L("方差膨胀因子（>5 提示共线性）", "Variance inflation factors (> 5: collinearity)"),
                          decimals=2, rename=columns(list(logit.vif.columns), lang)))
    display(nb.say(L("分离：{s}。共线性（VIF>5）：{v}。合并的稀有水平：{p}。",
                     "Separation: {s}. Collinearity (VIF > 5): {v}. Pooled rare levels: {p}."),
                   s=", ".join(logit.separation) or L("无", "none"), v=", ".join(logit.high_vif) or L("无", "none"),
                   p="; ".join(f"{k}: {', '.join(v)}" for k, v in logit.pooled.items()) or L("无", "none")))
    display(nb.show_table(logit.calibration, L("校准（留出样本，按预测概率十分位）", "Calibration (held-out, predicted-probability deciles)"),
                          decimals={"predicted": 2, "observed": 2}, percent=("predicted", "observed"),
                          rename=columns(list(logit.calibration.columns), lang)))

# %% tags=["nbval-ignore-output"]
if logit is not None:
    ch.calibration_chart(logit, lang).show()

# %% [markdown]
# ## 分钟级计数模型 · Minute-level count model
#
# 每分钟订单数 ~ 讲解/福袋/优惠券/秒杀 + 开播后时间（样条）+ 场次，在线人数为暴露量（offset）。
# 先拟合泊松模型并做离散度检验，过度离散时改用负二项。提升 = 事件进行时每位在线观众下单率的倍数。
# Orders per minute on run-sheet events, a spline of time since start and session effects, with
# online viewers as exposure; Poisson, or negative binomial when the dispersion test rejects it.

# %%
counts = None
if scope.trend.height and scope.trend["orders"].null_count() < scope.trend.height and scope.events.height:
    mdf = md.minute_design(scope.trend, scope.events, scope.sessions)
    counts = md.fit_counts(mdf)
    summary["counts"] = counts.summary()
    display(nb.show_table(counts.lifts, L("运营动作对下单率的提升", "Lift of run-sheet events on the order rate"),
                          decimals={"lift": 3, "lo": 3, "hi": 3, "p": 4},
                          rename=columns(["term", "lift", "lo", "hi", "p"], lang)))
    display(nb.say(L("模型：{f}（Pearson 离散度 {r:.2f}，检验 p = {p:.3f}），{n:,} 个分钟。",
                     "Model: {f} (Pearson dispersion {r:.2f}, test p = {p:.3f}), {n:,} minutes."),
                   f=counts.family, r=counts.dispersion_ratio, p=counts.dispersion_p, n=counts.n_minutes))
else:
    summary["skipped"]["counts"] = "no per-minute orders or no run sheet"
    display(nb.say(L("跳过计数模型：没有分钟订单数据或运营脚本。",
                     "Count model skipped: no per-minute orders or no run sheet.")))

# %% tags=["nbval-ignore-output"]
if counts is not None:
    ch.lift_chart(counts, lang).show()

# %% [markdown]
# ### 买家下单时机 · When buyers order (viewer-level)
#
# 有观众明细时：以每位买家为一组的条件泊松模型（买家在场的每一分钟为一行），只看事件如何改变买家
# 在场期间的下单时机，与谁会买、买几单无关。With viewer-level data: a conditional Poisson model,
# one group per buyer, of orders per minute of the buyer's stay.

# %%
timing = None
if counts is not None and scope.has_viewers and scope.has_buyer_ids:
    td = md.order_timing_design(scope.viewers, scope.orders, mdf, scope.sessions)
    timing = md.fit_order_timing(td)
    summary["order_timing"] = timing.summary()
    display(nb.show_table(timing.lifts, L("事件对买家下单时机的提升", "Lift of events on when buyers order"),
                          decimals={"lift": 3, "lo": 3, "hi": 3, "p": 4},
                          rename=columns(["term", "lift", "lo", "hi", "p"], lang)))
else:
    summary["skipped"]["order_timing"] = "needs viewer-level data with buyer ids and a run sheet"
    display(nb.say(L("跳过下单时机模型：需要观众明细、买家 ID 和运营脚本。",
                     "Order-timing model skipped: needs viewer-level data, buyer ids and a run sheet.")))

# %% [markdown]
# ## 价格弹性 · Price response across sessions
#
# 店铺截至本范围结束的全部场次：各品类对数-对数弹性（商品与场次固定效应，控制讲解时长与秒杀）。
# 价格没有变化或区间太宽时不报告估计值。Log-log elasticity per category over every session in the
# store up to the scope's end; not reported where prices did not vary or the interval is too wide.

# %%
obs = md.price_observations(scope.all_products, scope.all_events, scope.all_sessions)
if len(obs):
    el = md.price_elasticity(obs)
    summary["elasticity"] = {r["category"]: {k: r[k] for k in ("identified", "elasticity", "lo", "hi", "n_obs", "reason")}
                             for r in el.to_dict("records")}
    display(nb.show_table(el, L("各品类价格弹性", "Price elasticity by category"),
                          decimals={"elasticity": 2, "lo": 2, "hi": 2, "p": 4, "price_spread": 2},
                          rename=columns(list(el.columns), lang)))
    ok = el[el["identified"]]
    display(nb.say(L("{k} 个品类可识别弹性，{u} 个不报告（原因见表）。",
                     "{k} categories have an identified elasticity; {u} are not reported (reasons in the table)."),
                   k=len(ok), u=len(el) - len(ok)))
else:
    el = None
    summary["skipped"]["elasticity"] = "no product prices"
    display(nb.say(L("跳过价格弹性：没有商品价格数据。", "Elasticity skipped: no product prices.")))

# %% tags=["nbval-ignore-output"]
if el is not None and el["identified"].any():
    ch.elasticity_chart(el, lang).show()

# %% [markdown]
# ## A/B 检验 · A/B tests
#
# 两组转化率差（Newcombe 区间、score 检验）、客单价差（bootstrap 区间）、现有样本的检验力与最小可检测效应、
# 达到目标提升所需样本量（经验值：每组至少约 5,000 次曝光），多次查看结果时给出警告。
# Conversion difference, AOV difference, power and minimum detectable effect for the sample at
# hand, the sample a target lift needs (rule of thumb: ≥ 5,000 exposures per arm), peeking warning.

# %%
if design is not None and arm_a and arm_b:
    a_ids = [s.strip() for s in arm_a.split(",") if s.strip()]
    b_ids = [s.strip() for s in arm_b.split(",") if s.strip()]
    arm_of = {**{s: "A" for s in a_ids}, **{s: "B" for s in b_ids}}
    ab = ex.ab_from_design(design, arm_of, arm_a="A", arm_b="B", target_lift=target_lift, looks=looks)
    summary["ab"] = ab.as_dict()
    ab_rows = [{"field": k, "value": v} for k, v in ab.as_dict().items() if k != "warnings"]
    display(nb.show_table(pd.DataFrame(ab_rows), L("A/B 结果", "A/B result"), decimals=4))
    for w_ in ab.warnings:
        display(nb.say("⚠️ {w}", w=w_))
else:
    base = float(design["bought"].mean()) if design is not None else float("nan")
    n_half = len(design) // 2 if design is not None else 0
    plan = ex.planning_table(base) if design is not None else None
    summary["ab"] = {"arms": None, "baseline_conversion": base,
                     "mde_rel_half_split": ex.mde(base, n_half, n_half) if design is not None else None,
                     "planning": plan.to_dict("records") if plan is not None else None}
    summary["skipped"]["ab_test"] = "no arms named (arm_a / arm_b)"
    if plan is not None:
        display(nb.show_table(plan, L(f"每组所需曝光数（基线转化率 {base:.2%}）",
                                      f"Exposures per arm needed (baseline conversion {base:.2%})"),
                              percent=("rel_lift",), decimals={"rel_lift": 0}, rename=columns(list(plan.columns), lang)))
        display(nb.say(L("未指定 A/B 分组。若把本范围 {n:,} 位观众平分两组，80% 检验力下最小可检测的相对提升为 {m:.1%}。",
                         "No arms named. Splitting this scope's {n:,} viewers in two, the minimum detectable relative lift at 80% power is {m:.1%}."),
                       n=2 * n_half, m=summary["ab"]["mde_rel_half_split"]))

# %% tags=["nbval-ignore-output"]
if design is not None and arm_a and arm_b:
    ch.ab_chart(ab, lang).show()

# %% [markdown]
# ## 跳过的部分 · What was skipped

# %%
if summary["skipped"]:
    for k_, why in summary["skipped"].items():
        display(nb.say("- **{k}**: {w}", k=k_, w=why))
else:
    display(nb.say(L("全部分析均已运行。", "Every section ran.")))

# %%
from helpers.report import write_summary

write_summary(summary, summary_path)
