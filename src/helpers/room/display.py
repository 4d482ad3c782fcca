"""Tables and sentences of the room history report, in the report's language."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import polars as pl

from helpers.present import nb
from helpers.present.i18n import t
from helpers.present.labels import format_metric, table_format
from helpers.present.sections import Outcome
from helpers.room.effects import MIN_MODEL, Effects
from helpers.room.periods import PERIOD_DAYS, PeriodChange
from helpers.room.units import KEYS, RoomUnits


def _table(df: pl.DataFrame, caption: str | None, lang: str, **fmt: Any) -> nb.Table:
    return nb.show_table(df, caption, **table_format(df.columns, lang, **fmt))


def scope_text(units: RoomUnits, lang: str = "zh") -> nb.Markdown:
    """Which room, which units, what the store had."""
    f = units.frame
    first, last = cast(date, f["date"].min()), cast(date, f["date"].max())
    span = f"{first} – {last}" if f.height else "–"
    grain = t("grain_" + units.grain, lang)
    others = len(units.rooms) - 1
    text = t("room.scope", lang, room=nb.escape(units.room), span=span, n=f.height, grain=grain)
    return nb.Markdown(text + (t("room.scope_others", lang, k=others) if others else ""))


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
    return nb.say(
        t("room.change_text", lang),
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
        return nb.say(t("room.effects_descriptive", lang), n=ef.n, m=MIN_MODEL)
    sig = ef.model.filter((pl.col("lo") > 0) | (pl.col("hi") < 0))
    return nb.say(t("room.effects_model", lang), n=ef.n, k=sig.height)


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
    return t("room.no_periods", lang, days=PERIOD_DAYS)


# --------------------------------------------------------------------------------------------
# Sections as the report shows them (the sentence of what is missing when one could not run)
# --------------------------------------------------------------------------------------------


def history(out: Outcome, units: RoomUnits, lang: str = "zh") -> Any:
    """The units with their KPIs."""
    return units_table(units, lang) if out.ok else nb.outcome(out, lang)


def change(out: Outcome, lang: str = "zh") -> list[Any]:
    """The two periods' factors and the sentence of where the change came from; the sentence
    that there is nothing to compare when the range does not hold two periods."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    if out.value is None:
        return [nb.Markdown(no_periods_text(lang))]
    return [change_table(out.value, lang), change_text(out.value, lang)]


def effects(out: Outcome, lang: str = "zh") -> list[Any]:
    """Slot, weekday and duration effects: their tables and sentence."""
    if not out.ok:
        return [nb.outcome(out, lang)]
    return [*effects_tables(out.value, lang), effects_text(out.value, lang)]


def hosts(out: Outcome, lang: str = "zh") -> Any:
    """GMV per hour of each host."""
    return hosts_table(out.value, lang) if out.ok else nb.outcome(out, lang)


def extremes(out: Outcome, lang: str = "zh") -> Any:
    """The best and worst units and what made them so."""
    return extremes_table(out.value, lang) if out.ok else nb.outcome(out, lang)
