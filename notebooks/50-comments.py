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
# # 弹幕分析 · Comments
#
# What viewers asked, wanted, praised and complained about, minute by minute. Each comment gets an
# intent (question themes, purchase signal, praise, complaint themes, interaction, spam) and, where
# it is an opinion, a sentiment (probability of positive) from `helpers.comments` — rules calibrated
# to live rooms, evaluated on a hand-labelled set (`docs/comments.md`). Comment texts are shown as
# text, never markup; viewer ids are pseudonymised.

# %% tags=["parameters"]
session_id: str = ""  # session to analyse (empty: the latest session in the store)
store: str = "data/processed/store"  # canonical Parquet store
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from IPython.display import display

from helpers.comments import analysis
from helpers.comments import charts as cc
from helpers.comments.intent import label
from helpers.models.report import left_out
from helpers.present import nb, sections
from helpers.present.labels import chooser, columns

# %%
nb.setup(lang)
L = chooser(lang)
ctx = analysis.open_comments(session_id, store)  # empty session_id: the store's latest session
tables, outs = ctx.frames(), []
nb.say(
    L(
        "场次 `{sid}` · {room} · 弹幕 {n} 条，来自 {v} 位观众。",
        "Session `{sid}` · {room} · {n} comments from {v} viewers.",
    ),
    sid=ctx.session_id or "–",
    room=(ctx.session.info.get("room", "") if ctx.session else "") or "–",
    n=ctx.classified.height,
    v=ctx.classified["viewer_id"].n_unique() if "viewer_id" in ctx.classified.columns else 0,
)

# %% [markdown]
# ## 意图分布 · Intent mix

# %%
out = sections.run("comments.intents", tables, ctx)
outs.append(out)
if out.ok:
    mix, summ = out.value["mix"], out.value["summary"]
    display(
        nb.show_table(
            analysis.labelled(mix, lang),
            L("弹幕意图", "Comments by intent"),
            decimals={"share": 1},
            percent=("share",),
            rename=columns(mix.columns, lang),
        )
    )
    display(
        nb.say(
            L(
                "提问占 {q:.1%}，下单信号 {p:.1%}，好评 {pr:.1%}，抱怨 {c:.1%}；最常见的问题是{tq}，最常见的抱怨是{tc}。",
                "Questions are {q:.1%} of comments, purchase signals {p:.1%}, praise {pr:.1%}, complaints {c:.1%}; the most common question is {tq}, the most common complaint {tc}.",
            ),
            q=summ["intent_groups"]["question"] or 0,
            p=summ["intent_groups"]["purchase"] or 0,
            pr=summ["intent_groups"]["praise"] or 0,
            c=summ["intent_groups"]["complaint"] or 0,
            tq=label(summ["top_question"], lang),
            tc=label(summ["top_complaint"], lang),
        )
    )
else:
    display(nb.outcome(out, lang))

# %% tags=["nbval-ignore-output"]
cc.intent_mix_chart(out.value["mix"], lang) if out.ok else None

# %%
if out.ok:
    ex = analysis.labelled(out.value["examples"], lang)
    display(
        nb.show_table(
            ex,
            L("各意图的常见弹幕", "Most frequent comments per intent"),
            max_rows=60,
            rename=columns(ex.columns, lang),
        )
    )
    pos = out.value["summary"]["positive_share"]
    display(
        nb.say(
            L("有观点的弹幕中 {p} 为正向。", "Of the opinion comments, {p} are positive."),
            p="–" if pos is None else f"{pos:.0%}",
        )
    )

# %% [markdown]
# ## 每分钟：意图、情感与订单 · Per minute, with the run sheet and orders

# %%
out = sections.run("comments.minutes", tables, ctx)
outs.append(out)
if out.ok:
    busiest = out.value.sort(["question", "minute_ts"], descending=[True, False]).head(1)
    row = busiest.row(0, named=True) if busiest.height and busiest["question"][0] > 0 else None
    display(
        nb.say(
            L(
                "提问最多的一分钟是 {m}（{q} 条提问，当时讲解的商品：{p}）。",
                "The minute with most questions was {m} ({q} questions; product being explained: {p}).",
            )
            if row
            else L("本场没有提问类弹幕。", "No questions in this session."),
            m=row["minute_ts"].strftime("%H:%M") if row else "",
            q=row["question"] if row else 0,
            p=(ctx.names.get(row.get("product_id"), row.get("product_id")) or "–") if row else "",
        )
    )
else:
    display(nb.outcome(out, lang))

# %% tags=["nbval-ignore-output"]
cc.minute_chart(out.value, ctx.table("events"), lang) if out.ok else None

# %% [markdown]
# ## 讲解与提问：问题是否带来订单 · Questions during explanations, and whether orders followed

# %%
out = sections.run("comments.explanations", tables, ctx)
outs.append(out)
if out.ok:
    expl = out.value
    cols = [
        "name",
        "product_id",
        "start_ts",
        "minutes",
        "questions",
        "question_lift",
        "top_question",
        "top_question_lift",
        "orders_per_min",
        "order_lift",
        "orders_followed",
    ]
    display(
        nb.show_table(
            analysis.labelled(expl.select(cols), lang),
            L(
                "讲解窗口（增幅=相对非讲解时段）",
                "Explanation windows (lift = against outside explanations)",
            ),
            decimals={
                "minutes": 1,
                "question_lift": 2,
                "top_question_lift": 2,
                "orders_per_min": 2,
                "order_lift": 2,
            },
            rename=columns(cols, lang),
        )
    )
    display(
        nb.say(
            L(
                "{n} 次讲解中，{r} 次提问率高于非讲解时段，其中 {f} 次订单也随之上升。",
                "Of {n} explanations, questions rose in {r}; in {f} of them orders rose too.",
            ),
            n=expl.height,
            r=int((expl["question_lift"].fill_null(0) > 1).sum()),
            f=int(expl["orders_followed"].fill_null(False).sum()),
        )
    )
else:
    display(nb.outcome(out, lang))

# %% tags=["nbval-ignore-output"]
cc.explanation_chart(out.value, lang) if out.ok and out.value.height else None

# %% [markdown]
# ## 未解答的问题 · Questions that kept coming back
#
# 没有主播语音转写，因此把"首次被问 3 分钟后仍有新观众在问"的问题主题视为未被（清楚）解答；需要弹幕的观众 ID。
# Without a transcript of the host, a question theme still asked by new viewers three minutes after
# it was first asked is read as not (clearly) answered; this needs the comments' viewer ids.

# %%
out = sections.run("comments.unanswered", tables, ctx)
outs.append(out)
if out.ok:
    cols = ["intent", "product_id", "asks", "askers", "re_askers", "minutes", "examples"]
    display(
        nb.show_table(
            analysis.labelled(out.value.select(cols), lang, ctx.names),
            L("反复被问的问题主题", "Question themes asked again and again"),
            rename=columns(cols, lang),
        )
    )
    top = out.value.row(0, named=True) if out.value.height else None
    display(
        nb.say(
            L(
                "最需要补充说明的是{i}（{p}）：{r} 位新观众在首次提问 3 分钟后仍在问。",
                "The theme most in need of an answer is {i} ({p}): {r} new viewers still asked it three minutes after the first ask.",
            )
            if top
            else L("没有反复被问的问题。", "No question theme kept coming back."),
            i=label(top["intent"], lang) if top else "",
            r=top["re_askers"] if top else 0,
            p=(
                ctx.names.get(top["product_id"], top["product_id"])
                or L("非讲解时段", "outside explanations")
            )
            if top
            else "",
        )
    )
else:
    display(nb.outcome(out, lang))

# %% [markdown]
# ## 抱怨主题 · Complaint themes

# %%
out = sections.run("comments.complaints", tables, ctx)
outs.append(out)
if out.ok:
    themes, ex = (
        analysis.labelled(out.value["themes"], lang),
        analysis.labelled(out.value["examples"], lang),
    )
    display(
        nb.show_table(
            themes,
            L("抱怨主题", "Complaint themes"),
            decimals={"share": 1, "sentiment": 2},
            percent=("share",),
            rename=columns(themes.columns, lang),
        )
    )
    display(
        nb.show_table(
            ex,
            L("抱怨示例（观众 ID 已匿名化）", "Example complaints (viewer ids pseudonymised)"),
            rename=columns(ex.columns, lang),
        )
    )
    display(
        nb.say(
            L("抱怨共 {n} 条，最多的主题是{t}。", "{n} complaints; the largest theme is {t}."),
            n=int(out.value["themes"]["comments"].sum()),
            t=label(out.value["themes"]["intent"][0], lang) if out.value["themes"].height else "–",
        )
    )
else:
    display(nb.outcome(out, lang))

# %% [markdown]
# ## 重复文本与刷屏 · Duplicated text and bursts (integrity)
#
# 多位观众复制粘贴的长文本需要弹幕的观众 ID（没有时该表为空）；弹幕突增只需要弹幕时间。

# %%
out = sections.run("comments.integrity", tables, ctx)
outs.append(out)
if out.ok:
    dups, bursts, integ = (
        analysis.labelled(out.value[k], lang) if k != "figures" else out.value[k]
        for k in ("duplicates", "bursts", "figures")
    )
    display(
        nb.show_table(
            dups,
            L(
                "多位观众短时间内发送的相同长文本",
                "Long texts posted by many viewers within minutes",
            ),
            rename=columns(dups.columns, lang),
        )
    )
    display(
        nb.show_table(
            bursts,
            L("弹幕突增的分钟", "Minutes with a burst of comments"),
            decimals={"robust_z": 1, "top_text_share": 0},
            percent=("top_text_share",),
            rename=columns(bursts.columns, lang),
        )
    )
    display(
        nb.say(
            L(
                "{d} 条文本被多位观众复制粘贴（共 {c} 条，占 {sh:.1%}）；{b} 个分钟弹幕突增；{r} 位观众重复发送同一内容三次以上。{flag}",
                "{d} text(s) were copy-pasted by many viewers ({c} comments, {sh:.1%}); {b} burst minute(s); {r} viewer(s) repeated the same text three or more times. {flag}",
            ),
            d=integ["duplicate_texts"],
            c=integ["duplicate_comments"],
            sh=integ["duplicate_share"],
            b=integ["burst_minutes"],
            r=integ["repeating_viewers"],
            flag=L(
                "⚠ 可能存在刷评，请结合进场与停留数据核查。",
                "⚠ Possible bought comments: check entries and watch time.",
            )
            if integ["flag"]
            else "",
        )
    )
else:
    display(nb.outcome(out, lang))

# %% [markdown]
# ## 跳过的部分 · What was left out

# %%
gaps = left_out(outs, lang)
for name, why in gaps:
    display(nb.say("- **{k}**：{w}" if lang == "zh" else "- **{k}**: {w}", k=name, w=why))
display(nb.say(L("全部分析均已运行。", "Every section ran.")) if not gaps else None)

# %%
from helpers.pipeline.render import write_summary

write_summary(analysis.build_summary(ctx, outs), summary_path)
