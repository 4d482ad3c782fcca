"""Tables and sentences of the room history report, in the report's language."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.present import nb
from helpers.present.i18n import t
from helpers.present.labels import format_metric, table_format
from helpers.room.effects import MIN_MODEL, Effects
from helpers.room.periods import PeriodChange
from helpers.room.units import KEYS, RoomUnits


def _table(df: pl.DataFrame, caption: str | None, lang: str, **fmt: Any) -> nb.Table:
    return nb.show_table(df, caption, **table_format(df.columns, lang, **fmt))


def scope_text(units: RoomUnits, lang: str = "zh") -> nb.Markdown:
    """Which room, which units, what the store had."""
    f = units.frame
    span = f"{f['date'].min()} – {f['date'].max()}" if f.height else "–"
    grain = t("grain_" + units.grain, lang)
    others = len(units.rooms) - 1
    if lang == "zh":
        text = f"**{nb.escape(units.room)}** · {span} · {f.height} 个单位（{grain}）" + (
            f" · 仓库中另有 {others} 个直播间" if others else ""
        )
    else:
        text = f"**{nb.escape(units.room)}** · {span} · {f.height} units ({grain})" + (
            f" · the store holds {others} other room(s)" if others else ""
        )
    return nb.Markdown(text)


def units_table(units: RoomUnits, lang: str = "zh") -> nb.Table:
    cols = ["unit_id", *(k for k in ("host", *KEYS) if k in units.frame.columns)]
    return _table(units.frame.select(cols), None, lang)


FACTOR_METRIC = {
    "viewers": "viewers",
    "conversion": "conversion_rate",
    "aov": "aov",
    "views": "views",
    "gpm": "gpm",
}


def change_table(ch: PeriodChange, lang: str = "zh") -> nb.Table:
    """Each factor's value in both periods and its contribution to the GMV change."""
    rows = [
        {
            "factor": t("factor_" + r["factor"], lang),
            "reference": format_metric(FACTOR_METRIC[r["factor"]], r["reference"]),
            "value": format_metric(FACTOR_METRIC[r["factor"]], r["value"]),
            "contribution": r["contribution"],
        }
        for r in ch.by_conversion + ch.by_gpm
    ]
    df = pl.DataFrame(
        rows,
        schema={
            "factor": pl.String,
            "reference": pl.String,
            "value": pl.String,
            "contribution": pl.Float64,
        },
    )
    return _table(df, None, lang, decimals={"contribution": 0}, signed=("contribution",))


def change_text(ch: PeriodChange, lang: str = "zh") -> nb.Markdown:
    c, r = ch.current, ch.reference
    main = max(ch.by_conversion, key=lambda p: abs(p["contribution"])) if ch.by_conversion else None
    pct = ch.gap / r["gmv"] if r["gmv"] else None
    factor = t("factor_" + main["factor"], lang) if main else "–"
    share = format_metric("gmv", main["contribution"], signed=True) if main else "–"
    template = (
        "{cf}–{ct}（{cu} 个单位）成交 {cg} 元，较 {rf}–{rt}（{ru} 个单位）的 {rg} 元变化 {gap} 元（{pct}）；"
        "按 成交金额 = 观看人数 × 观看-成交率 × 客单价 拆分（LMDI 对数拆分，各项之和等于变化），"
        "贡献最大的是{factor}（{share} 元）。"
        if lang == "zh"
        else "{cf}–{ct} ({cu} units) took {cg} yuan, {gap} yuan ({pct}) against {rf}–{rt} ({ru} units, "
        "{rg} yuan); split as GMV = viewers × conversion × order value per buyer (LMDI log split; the "
        "parts sum to the change), the largest part is {factor} ({share} yuan)."
    )
    return nb.say(
        template,
        cf=c["from"], ct=c["to"], cu=c["units"], cg=format_metric("gmv", c["gmv"]),
        rf=r["from"], rt=r["to"], ru=r["units"], rg=format_metric("gmv", r["gmv"]),
        gap=format_metric("gmv", ch.gap, signed=True),
        pct=f"{pct:+.1%}" if pct is not None else "–", factor=factor, share=share,
    )  # fmt: skip


def effects_tables(ef: Effects, lang: str = "zh") -> list[Any]:
    groups = ef.groups.with_columns(
        pl.when(pl.col("dimension") == "slot")
        .then(pl.concat_str([pl.lit("slot_"), pl.col("group")]))
        .otherwise(pl.concat_str([pl.lit("weekday_"), pl.col("group")]))
        .alias("group"),
    ).with_columns(
        pl.col("group").map_elements(lambda k: t(k, lang), return_dtype=pl.String),
        pl.col("dimension").replace({"slot": t("slot", lang), "weekday": t("weekday", lang)}),
    )
    out: list[Any] = [_table(groups, None, lang, decimals={"gmv_per_hour": 0, "lo": 0, "hi": 0})]
    if ef.model.height:
        model = ef.model.with_columns(
            pl.col("term").map_elements(lambda k: _term_label(k, lang), return_dtype=pl.String)
        )
        out.append(
            _table(
                model, None, lang, percent={"effect": 1, "lo": 1, "hi": 1}, decimals={"p_value": 3}
            )
        )
    return out


def _term_label(key: str, lang: str) -> str:
    if key.startswith("slot:"):
        return t("slot_" + key.split(":", 1)[1], lang)
    return t("term_" + key, lang)


def effects_text(ef: Effects, lang: str = "zh") -> nb.Markdown:
    if ef.method == "descriptive":
        return nb.say(
            "只有 {n} 个单位（少于 {m} 个），只做描述：每组每小时成交的均值与 95% 区间；不据此下结论。"
            if lang == "zh"
            else "Only {n} units (fewer than {m}): descriptive only — each group's mean GMV per hour "
            "with a 95% interval; no effect is claimed.",
            n=ef.n,
            m=MIN_MODEL,
        )
    sig = ef.model.filter((pl.col("lo") > 0) | (pl.col("hi") < 0))
    return nb.say(
        "{n} 个单位的回归（对数成交金额，HC3 稳健标准误）：{k} 项效应的 95% 区间不含 0。"
        if lang == "zh"
        else "Regression over {n} units (log GMV, HC3 robust errors): {k} effect(s) have a 95% interval "
        "that excludes 0.",
        n=ef.n,
        k=sig.height,
    )


def hosts_table(hosts: pl.DataFrame, lang: str = "zh") -> nb.Table:
    return _table(
        hosts, None, lang, decimals={"hours": 1, "gmv": 0, "gmv_per_hour": 0, "lo": 0, "hi": 0}
    )


def extremes_table(ex: dict[str, list[dict[str, Any]]], lang: str = "zh") -> nb.Table:
    rows = [
        {
            "rank": t(kind, lang),
            "unit_id": r["unit_id"],
            "host": r.get("host"),
            "gmv": r["gmv"],
            "gap": r["gap"],
            "main_factor": t("factor_" + r["main_factor"], lang),
            "main_contribution": r["main_contribution"],
        }
        for kind in ("best", "worst")
        for r in ex[kind]
    ]
    df = pl.DataFrame(
        rows,
        schema={
            "rank": pl.String,
            "unit_id": pl.String,
            "host": pl.String,
            "gmv": pl.Float64,
            "gap": pl.Float64,
            "main_factor": pl.String,
            "main_contribution": pl.Float64,
        },
    )
    return _table(
        df,
        None,
        lang,
        decimals={"gap": 0, "main_contribution": 0},
        signed=("gap", "main_contribution"),
    )


def no_periods_text(lang: str = "zh") -> str:
    """Said when the range does not hold two periods with data to compare."""
    from helpers.room.periods import PERIOD_DAYS

    return (
        f"范围内没有两个都有数据的 {PERIOD_DAYS} 天周期，无法比较。"
        if lang == "zh"
        else f"The range does not hold two {PERIOD_DAYS}-day periods with data: nothing to compare."
    )
