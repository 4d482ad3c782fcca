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
import polars as pl
from IPython.display import display

from helpers.pitch import analysis as pa
from helpers.pitch import display as pd_
from helpers.present import nb, sections
from helpers.present.labels import heading

nb.setup(lang)
zh = lang == "zh"
ctx = pa.open_pitch(session_id, store)
frames, det = ctx.frames(), ctx.detected
out: dict[str, sections.Outcome] = {}


def show(
    df: pl.DataFrame, caption: str, **kwargs
):  # a table with its columns named in the report's language
    return pd_.show(df, caption, lang, **kwargs)


spoken_min = (
    float((det["end_ts"] - det["start_ts"]).dt.total_seconds().sum() / 60) if det.height else 0.0
)
nb.say(
    "场次 `{sid}` · {room} · 话术转写 {n} 句（共 {m:.1f} 分钟说话），弹幕 {c} 条。"
    if zh
    else "Session `{sid}` · {room} · {n} transcript lines ({m:.1f} minutes of speech), {c} comments.",
    sid=ctx.session_id,
    room=ctx.session.info.get("room", "") if ctx.session else "",
    n=det.height,
    m=spoken_min,
    c=frames["comments"].height if frames.get("comments") is not None else 0,
)

# %%
heading("pitch_minutes", lang)

# %%
out["pitch.minutes"] = sections.run("pitch.minutes", frames, ctx)
if out["pitch.minutes"].ok:
    mt = out["pitch.minutes"].value
    display(
        show(
            pd_.minutes_view(mt, lang),
            "每分钟话术与成交" if zh else "Speech and orders per minute",
            decimals={"chars_per_min": 0, "silent_s": 0, "gmv": 0},
            max_rows=240,
        )
    )
    talking = mt.filter(pl.col("spoken_s") > 0)
    display(
        nb.say(
            "主播说话的 {n} 分钟里，中位语速 {r:.0f} 字/分钟；{q} 分钟几乎无声（静默超过 45 秒），{g} 次停顿达 5 秒以上。"
            if zh
            else "In the {n} minutes the host spoke, the median rate was {r:.0f} characters a minute; {q} minute(s) were "
            "nearly silent (over 45 s without speech) and there were {g} pause(s) of 5 s or more.",
            n=talking.height,
            r=float(talking["chars_per_min"].median() or 0),
            q=int((mt["silent_s"] > 45).sum()),
            g=int(mt["gaps"].sum()),
        )
    )
else:
    display(nb.outcome(out["pitch.minutes"], lang))

# %% tags=["nbval-ignore-output"]
if out["pitch.minutes"].ok:
    display(
        sections.guard("pitch.minutes", lambda: pd_.minute_chart(out["pitch.minutes"].value, lang))
    )

# %%
heading("pitch_elements", lang)

# %%
out["pitch.elements"] = sections.run("pitch.elements", frames, ctx)
if out["pitch.elements"].ok:
    cnt = out["pitch.elements"].value["counts"]
    display(
        show(
            pd_.counts_view(cnt, lang),
            "话术要素出现次数（规则识别）" if zh else "Pitch elements heard (rule-based detection)",
        )
    )
    top = cnt.sort(["lines", "element"], descending=[True, False]).row(0, named=True)
    missing = [pd_.element_name(k, lang) for k in cnt.filter(pl.col("lines") == 0)["element"]]
    display(
        nb.say(
            "最常出现的要素是{e}（{n} 句）；本场没有出现：{m}。"
            if zh
            else "The element heard most was {e} ({n} lines); never heard: {m}.",
            e=pd_.element_name(top["element"], lang),
            n=top["lines"],
            m=("、" if zh else ", ").join(missing) or "–",
        )
    )
else:
    display(nb.outcome(out["pitch.elements"], lang))

# %%
heading("pitch_converting", lang)

# %%
out["pitch.converting"] = sections.run("pitch.converting", frames, ctx)
if out["pitch.converting"].ok:
    conv = out["pitch.converting"].value
    display(
        show(
            pd_.converting_view(conv["minutes"], lang),
            "订单最多的分钟说了什么" if zh else "What was said in the minutes with most orders",
        )
    )
    display(
        show(
            pd_.outline_view(conv["outline"], lang),
            "话术提纲：高峰分钟（含前一分钟）里各要素出现的比例，与全场相比"
            if zh
            else "Script outline: how often each element was heard around the peak minutes (and the minute "
            "before) against the whole show",
            decimals={"lift": 2, "share_converting": 0, "share_all": 0},
            percent=("share_converting", "share_all"),
        )
    )
    lead = conv["outline"].filter(pl.col("lift") > 1)
    display(
        nb.say(
            "高峰前后共 {n} 句话；比全场更常出现的要素：{e}。这是描述，不是因果：下一节用计数模型检验。"
            if zh
            else "{n} lines around the peaks; elements heard there more often than over the whole show: {e}. This describes, "
            "it does not prove: the next section tests it with a count model.",
            n=conv["lines"],
            e=("、" if zh else ", ").join(pd_.element_name(k, lang) for k in lead["element"])
            or "–",
        )
    )
else:
    display(nb.outcome(out["pitch.converting"], lang))

# %%
heading("pitch_effect", lang)

# %%
out["pitch.effect"] = sections.run("pitch.effect", frames, ctx)
if out["pitch.effect"].ok:
    eff = out["pitch.effect"].value
    display(
        show(
            pd_.effect_view(eff, lang),
            "话术要素之后 0–2 分钟的订单倍数（泊松回归，控制讲解/福袋/优惠券/秒杀窗口），95% 区间"
            if zh
            else "Orders in the 0–2 minutes after each element, as a rate ratio (Poisson GLM with explanation, "
            "lottery, coupon and flash-sale windows as controls), 95% interval",
            decimals={"rate_ratio": 2, "lo": 2, "hi": 2, "p_value": 3},
        )
    )
    clear = eff.filter((pl.col("status") == "ok") & (pl.col("lo") > 1))
    display(
        nb.say(
            "{k} 个要素之后订单明显多于主播的基线（区间下限高于 1）：{e}。{t} 个要素数据太少（出现少于 5 分钟或区间宽于 10 倍）。"
            "注意：主播往往在上链接、秒杀、福袋时说这些话，场控窗口已作为控制变量，但未记录在场记里的节奏仍会混杂进来——"
            "这是相关，不是因果。"
            if zh
            else "{k} element(s) were followed by clearly more orders than the host's baseline (lower bound above 1): {e}. "
            "{t} element(s) had too little data (heard in fewer than 5 minutes, or an interval wider than 10×). Mind the "
            "confounding: hosts say these words when a link goes up, a flash sale starts or a lottery runs; the recorded run "
            "sheet is controlled for, anything it does not record is not — an association, not a causal effect.",
            k=clear.height,
            e=("、" if zh else ", ").join(pd_.element_name(k, lang) for k in clear["element"])
            or "–",
            t=int((eff["status"] == "too_little_data").sum()),
        )
    )
else:
    display(nb.outcome(out["pitch.effect"], lang))

# %%
heading("pitch_openings", lang)

# %%
out["pitch.openings"] = sections.run("pitch.openings", frames, ctx)
if out["pitch.openings"].ok:
    ops = out["pitch.openings"].value
    display(
        show(
            pd_.openings_view(ops, lang),
            "每次讲解开场前 30 秒说了什么"
            if zh
            else "What the first 30 seconds of each explanation contained",
            max_rows=60,
        )
    )
    display(
        nb.say(
            "{n} 次开场中 {h} 次在前 30 秒有钩子（痛点、价格/优惠、稀缺或福利）。"
            if zh
            else "{h} of {n} openings had a hook (pain point, price/discount, scarcity or giveaway) in their first 30 seconds.",
            n=ops.height,
            h=int(ops["hook"].sum()),
        )
        if ops.height
        else nb.say(
            "没有讲解记录，也没有识别到报链接号。"
            if zh
            else "No explanations in the run sheet and no link calls heard."
        )
    )
else:
    display(nb.outcome(out["pitch.openings"], lang))

# %%
heading("pitch_questions", lang)

# %%
out["pitch.questions"] = sections.run("pitch.questions", frames, ctx)
if out["pitch.questions"].ok:
    qv = out["pitch.questions"].value
    qs = qv["summary"]
    display(
        show(
            pd_.topics_view(qv["by_topic"], lang),
            "各类提问的回答率与中位回答用时"
            if zh
            else "Answer rate and median delay per question topic",
            decimals={"median_delay_s": 0, "answered_share": 0},
            percent=("answered_share",),
        )
    )
    display(
        show(
            pd_.answered_view(qv["matched"], lang),
            "已回答的提问（按提问时间）" if zh else "Questions answered, in the order asked",
            decimals={"delay_s": 0},
            max_rows=60,
        )
    )
    display(
        show(
            pd_.themes_view(qv["themes"], lang),
            "未回答的问题主题（按提问人数）"
            if zh
            else "Unanswered question themes, by number of askers",
        )
    )
    display(
        nb.say(
            "{a} 条提问中 {b} 条在 3 分钟内得到主播回答（同一话题、同一链接号），中位用时 {d}。"
            if zh
            else "{b} of {a} questions were answered by the host within 3 minutes (same topic, same link number); median "
            "delay {d}.",
            a=qs["asked"],
            b=qs["answered"],
            d="–"
            if qs["median_delay_s"] is None
            else (f"{qs['median_delay_s']:.0f} 秒" if zh else f"{qs['median_delay_s']:.0f} s"),
        )
    )
else:
    display(nb.outcome(out["pitch.questions"], lang))

# %%
heading("pitch_compliance", lang)

# %%
out["pitch.compliance"] = sections.run("pitch.compliance", frames, ctx)
if out["pitch.compliance"].ok:
    hits = out["pitch.compliance"].value
    display(
        show(
            pd_.compliance_view(hits, lang),
            "命中的禁用词与功效宣称（高严重度在前）"
            if zh
            else "Forbidden terms and claims found (most severe first)",
            max_rows=100,
        )
    )
    sev = {k: int((hits["severity"] == k).sum()) for k in ("high", "medium", "low")}
    display(
        nb.say(
            "共 {n} 处命中：高 {h}、中 {m}、低 {l}；其中主播话术 {t} 处。规则清单依据《广告法》第九条等（见 docs/pitch.md），"
            "“第一次”“最后3分钟”等不构成宣称的用法已排除；命中需人工复核。"
            if zh
            else "{n} hit(s): {h} high, {m} medium, {l} low severity; {t} in the host's speech. The list follows Article 9 of the "
            "Advertising Law and related rules (docs/pitch.md); uses that are not claims (第一次, 最后3分钟) are excluded; "
            "every hit needs a human check.",
            n=hits.height,
            h=sev["high"],
            m=sev["medium"],
            l=sev["low"],
            t=int((hits["source"] == "transcript").sum()),
        )
    )
else:
    display(nb.outcome(out["pitch.compliance"], lang))

# %%
from helpers.pipeline.render import write_summary

write_summary({"session_id": ctx.session_id, **pa.summary(out)}, summary_path)
