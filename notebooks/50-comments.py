# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
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
import polars as pl
from IPython.display import display

from helpers import nb
from helpers.comments import analysis, classify_frame
from helpers.comments import charts as cc
from helpers.comments.intent import label
from helpers.labels import columns
from helpers.store import list_sessions, load_session

nb.setup(lang)
if not session_id:
    known = list_sessions(store)
    if known.is_empty():
        raise ValueError(f"no sessions in the store {store!r}: run `workbook ingest` first")
    session_id = known["session_id"][-1]
s = load_session(session_id, store)
cl = classify_frame(s.comments) if s.has("comments") else classify_frame(
    pl.DataFrame(schema={"session_id": pl.String, "ts": s.trend.schema.get("minute_ts", pl.Datetime("us", "Asia/Shanghai")),
                         "text": pl.String, "viewer_id": pl.String}))
zh = lang == "zh"
names = dict(s.products.select("product_id", "name").iter_rows()) if s.has("products") else {}
nb.say(
    "场次 `{sid}` · {room} · 弹幕 {n} 条，来自 {v} 位观众。" if zh else
    "Session `{sid}` · {room} · {n} comments from {v} viewers.",
    sid=session_id, room=s.info.get("room", ""), n=cl.height,
    v=cl["viewer_id"].n_unique() if "viewer_id" in cl.columns else 0,
)

# %% [markdown]
# ## 意图分布 · Intent mix

# %%
mix = analysis.intent_mix(cl)
display(nb.show_table(mix.with_columns(pl.col("intent_group").map_elements(lambda g: label(g, lang), return_dtype=pl.String),
                                      pl.col("intent").map_elements(lambda i: label(i, lang), return_dtype=pl.String))
                      .select("intent_group", "intent", "comments", "share", "viewers"),
                      "弹幕意图" if zh else "Comments by intent", decimals={"share": 1}, percent=("share",),
                      rename=columns(["intent_group", "intent", "comments", "share", "viewers"], lang)))
summ = analysis.summary(cl, s.events if s.has("events") else None, s.trend if s.has("trend") else None)
nb.say(
    "提问占 {q:.1%}，下单信号 {p:.1%}，好评 {pr:.1%}，抱怨 {c:.1%}；最常见的问题是 {tq}，最常见的抱怨是 {tc}。"
    "有观点的弹幕中 {pos} 为正向。" if zh else
    "Questions are {q:.1%} of comments, purchase signals {p:.1%}, praise {pr:.1%}, complaints {c:.1%}; the most "
    "common question is {tq}, the most common complaint {tc}. Of the opinion comments, {pos} are positive.",
    q=summ["intent_groups"]["question"] or 0, p=summ["intent_groups"]["purchase"] or 0,
    pr=summ["intent_groups"]["praise"] or 0, c=summ["intent_groups"]["complaint"] or 0,
    tq=label(summ["top_question"], lang), tc=label(summ["top_complaint"], lang),
    pos="–" if summ["positive_share"] is None else f"{summ['positive_share']:.0%}",
)

# %% tags=["nbval-ignore-output"]
cc.intent_mix_chart(mix, lang)

# %%
ex = analysis.examples_by_intent(cl, per_intent=3)
display(nb.show_table(ex.with_columns(pl.col("intent_group").map_elements(lambda g: label(g, lang), return_dtype=pl.String),
                                      pl.col("intent").map_elements(lambda i: label(i, lang), return_dtype=pl.String)),
                      "各意图的常见弹幕" if zh else "Most frequent comments per intent", max_rows=60,
                      rename=columns(ex.columns, lang)))

# %% [markdown]
# ## 每分钟：意图、情感与订单 · Per minute, with the run sheet and orders

# %%
minutes = analysis.per_minute(cl, s.trend if s.has("trend") else None, s.events if s.has("events") else None)
busiest = minutes.sort(["question", "minute_ts"], descending=[True, False]).head(1)
if busiest.height and busiest["question"][0] > 0:
    row = busiest.row(0, named=True)
    display(nb.say("提问最多的一分钟是 {m}（{q} 条提问，当时讲解的商品：{p}）。" if zh else
                   "The minute with most questions was {m} ({q} questions; product being explained: {p}).",
                   m=row["minute_ts"].strftime("%H:%M"), q=row["question"],
                   p=names.get(row.get("product_id"), row.get("product_id")) or "–"))
else:
    display(nb.say("本场没有提问类弹幕。" if zh else "No questions in this session."))

# %% tags=["nbval-ignore-output"]
cc.minute_chart(minutes, s.events if s.has("events") else None, lang)

# %% [markdown]
# ## 讲解与提问：问题是否带来订单 · Questions during explanations, and whether orders followed

# %%
expl = analysis.explanation_questions(cl, s.events, s.trend if s.has("trend") else None,
                                      s.products if s.has("products") else None)
display(nb.show_table(
    expl.select("name", "product_id", pl.col("start_ts").dt.strftime("%H:%M").alias("start"), "minutes", "questions",
                "question_lift", pl.col("top_question").replace_strict(
                    {i: label(i, lang) for i in expl["top_question"].drop_nulls().unique()}, default=None),
                "top_question_lift", "orders_per_min", "order_lift", "orders_followed"),
    "讲解窗口（增幅=相对非讲解时段）" if zh else "Explanation windows (lift = against outside explanations)",
    decimals={"minutes": 1, "question_lift": 2, "top_question_lift": 2, "orders_per_min": 2, "order_lift": 2},
    rename=columns(["name", "product_id", "start", "minutes", "questions", "question_lift", "top_question",
                    "top_question_lift", "orders_per_min", "order_lift", "orders_followed"], lang),
))
rose = int((expl["question_lift"].fill_null(0) > 1).sum()) if expl.height else 0
followed = int(expl["orders_followed"].fill_null(False).sum()) if expl.height else 0
nb.say("{n} 次讲解中，{r} 次提问率高于非讲解时段，其中 {f} 次订单也随之上升。" if zh else
       "Of {n} explanations, questions rose in {r}; in {f} of them orders rose too.",
       n=expl.height, r=rose, f=followed)

# %% tags=["nbval-ignore-output"]
cc.explanation_chart(expl, lang) if expl.height else nb.say("没有讲解记录。" if zh else "No explanations in the run sheet.")

# %% [markdown]
# ## 未解答的问题 · Questions that kept coming back
#
# 没有主播语音转写，因此把"首次被问 3 分钟后仍有新观众在问"的问题主题视为未被（清楚）解答。
# Without a transcript of the host, a question theme still asked by new viewers three minutes after
# it was first asked is read as not (clearly) answered.

# %%
uq = analysis.unanswered_questions(cl, s.events if s.has("events") else None, top=10)
display(nb.show_table(
    uq.select(pl.col("intent").replace_strict({i: label(i, lang) for i in uq["intent"].unique()}, default=None),
              pl.col("product_id").replace_strict(names, default=pl.col("product_id")).alias("product"),
              "asks", "askers", "re_askers", "minutes", pl.col("examples").list.join(" / ")),
    "反复被问的问题主题" if zh else "Question themes asked again and again",
    rename=columns(["intent", "product", "asks", "askers", "re_askers", "minutes", "examples"], lang),
))
if uq.height:
    top = uq.row(0, named=True)
    display(nb.say(
        "最需要补充说明的是{i}（{p}）：{r} 位新观众在首次提问 3 分钟后仍在问。" if zh else
        "The theme most in need of an answer is {i} ({p}): {r} new viewers still asked it three minutes after the first ask.",
        i=label(top["intent"], lang), r=top["re_askers"],
        p=names.get(top["product_id"], top["product_id"]) or ("非讲解时段" if zh else "outside explanations")))

# %% [markdown]
# ## 抱怨主题 · Complaint themes

# %%
themes = analysis.complaint_themes(cl)
display(nb.show_table(themes.with_columns(pl.col("keywords").list.join(" "),
                                         pl.col("intent").map_elements(lambda i: label(i, lang), return_dtype=pl.String)),
                      "抱怨主题" if zh else "Complaint themes", decimals={"share": 1, "sentiment": 2}, percent=("share",),
                      rename=columns(themes.columns, lang)))
display(nb.show_table(
    analysis.complaint_examples(cl, per_theme=3).with_columns(
        pl.col("first_ts").dt.strftime("%H:%M"),
        pl.col("intent").map_elements(lambda i: label(i, lang), return_dtype=pl.String)),
    "抱怨示例（观众 ID 已匿名化）" if zh else "Example complaints (viewer ids pseudonymised)",
    rename=columns(["intent", "text", "times", "viewer", "first_ts"], lang),
))
nb.say("抱怨共 {n} 条，最多的主题是 {t}。" if zh else "{n} complaints; the largest theme is {t}.",
       n=summ["complaints"], t=label(summ["top_complaint"], lang))

# %% [markdown]
# ## 重复文本与刷屏 · Duplicated text and bursts (integrity)

# %%
integ = summ["integrity"]
dups = analysis.duplicate_texts(cl)
display(nb.show_table(dups.with_columns(pl.col("first_ts", "last_ts").dt.strftime("%H:%M")),
                      "多位观众短时间内发送的相同长文本" if zh else "Long texts posted by many viewers within minutes",
                      rename=columns(dups.columns, lang)))
bursts = analysis.comment_bursts(cl)
display(nb.show_table(bursts.with_columns(pl.col("minute_ts").dt.strftime("%H:%M")),
                      "弹幕突增的分钟" if zh else "Minutes with a burst of comments", decimals={"robust_z": 1, "top_text_share": 0},
                      percent=("top_text_share",), rename=columns(bursts.columns, lang)))
nb.say(
    "{d} 条文本被多位观众复制粘贴（共 {c} 条，占 {sh:.1%}）；{b} 个分钟弹幕突增；{r} 位观众重复发送同一内容三次以上。{flag}" if zh else
    "{d} text(s) were copy-pasted by many viewers ({c} comments, {sh:.1%}); {b} burst minute(s); {r} viewer(s) "
    "repeated the same text three or more times. {flag}",
    d=integ["duplicate_texts"], c=integ["duplicate_comments"], sh=integ["duplicate_share"], b=integ["burst_minutes"],
    r=integ["repeating_viewers"],
    flag=("⚠ 可能存在刷评，请结合进场与停留数据核查。" if zh else "⚠ Possible bought comments: check entries and watch time.")
    if integ["flag"] else "",
)

# %%
from helpers.report import write_summary

write_summary({"session_id": session_id, **summ}, summary_path)
