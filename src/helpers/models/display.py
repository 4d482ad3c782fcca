"""What the conversion report (``40-conversion-models``) shows of each section: its table, the
sentence that reads it, or the one sentence saying why it is missing; the scope line, the list
of what was left out, and the charts (None when there is nothing to draw)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from helpers.models import charts
from helpers.models.elasticity import reason_text
from helpers.models.logit import reading
from helpers.models.report import ConversionReport, blocked, left_out
from helpers.models.terms import readable_terms, show_frame, term_label
from helpers.present import nb, sections
from helpers.present.i18n import t


def logit_table(result: Any, lang: str = "zh") -> Any:
    cols = ["term", "odds_ratio", "or_lo", "or_hi", "p", "ame", "ame_lo", "ame_hi"]
    return show_frame(
        readable_terms(result.table[cols], lang),
        "cap_logit",
        lang,
        points=("ame", "ame_lo", "ame_hi"),
        signed=("ame", "ame_lo", "ame_hi"),
        decimals={
            "odds_ratio": 3,
            "or_lo": 3,
            "or_hi": 3,
            "p": 4,
            "ame": 2,
            "ame_lo": 2,
            "ame_hi": 2,
        },
    )


def vif_table(result: Any, lang: str = "zh") -> Any:
    return show_frame(readable_terms(result.vif, lang), "cap_vif", lang, decimals=2)


def calibration_table(result: Any, lang: str = "zh") -> Any:
    return show_frame(
        result.calibration,
        "cap_calibration",
        lang,
        decimals={"predicted": 1, "observed": 1, "bin": 0, "n": 0},
        percent=("predicted", "observed"),
    )


def session_table(model: Any, lang: str = "zh") -> Any:
    """The session model's odds ratios, or (descriptive) each session's conversion."""
    if model.kind == "model":
        return show_frame(
            readable_terms(model.table, lang),
            "cap_session_model",
            lang,
            decimals={"odds_ratio": 3, "or_lo": 3, "or_hi": 3, "p": 4},
        )
    per = model.per_session.drop(columns=["weekday"], errors="ignore").astype({"weekend": bool})
    return show_frame(
        per,
        "cap_session_conversion",
        lang,
        max_rows=60,
        percent=("conversion", "lo", "hi", "paid_share"),
        decimals={
            "conversion": 2,
            "lo": 2,
            "hi": 2,
            "paid_share": 0,
            "start_hour": 0,
            "duration_h": 1,
            "viewers": 0,
            "buyers": 0,
        },
    )


def lift_table(result: Any, lang: str = "zh", caption: str = "cap_lifts") -> Any:
    return show_frame(
        readable_terms(result.lifts, lang),
        caption,
        lang,
        decimals={"lift": 3, "lo": 3, "hi": 3, "p": 4},
    )


def elasticity_table(table: pd.DataFrame, lang: str = "zh") -> Any:
    """Elasticities with the refusal reasons in the report language."""
    reasons = [reason_text(v, lang) for v in table["verdict"]]
    table = table.assign(reason=reasons).drop(columns="verdict")
    return show_frame(
        table,
        "cap_elasticity",
        lang,
        percent=("price_spread",),
        decimals={
            "elasticity": 2,
            "lo": 2,
            "hi": 2,
            "p": 4,
            "price_spread": 0,
            "n_obs": 0,
            "n_products": 0,
        },
    )


def ab_table(value: Any, lang: str = "zh") -> Any:
    """An A/B reading as rows of (field, value), or the planning table without arms."""
    if isinstance(value, dict):
        return show_frame(
            value["planning"], "cap_planning", lang, percent=("rel_lift",), decimals={"rel_lift": 0}
        )
    pct = {
        "conv_a",
        "conv_b",
        "conv_diff",
        "conv_lo",
        "conv_hi",
        "target_lift",
        "power_for_target",
        "mde_rel",
    }
    rows = []
    for k, v in value.as_dict().items():
        if k in ("warnings", "arm_a", "arm_b"):
            continue
        shown = (
            ("–" if v != v else f"{v:.2%}")
            if k in pct
            else (f"{v:,}" if isinstance(v, int) else ("–" if v != v else f"{v:,.4g}"))
        )
        rows.append({"term": t(f"ab_{k}", lang), "value": shown})
    return show_frame(pd.DataFrame(rows), "cap_ab", lang)


# --------------------------------------------------------------------------------------------
# Sentences and what each section shows
# --------------------------------------------------------------------------------------------

#: A Markdown list item (the interpolated sentence is escaped by :func:`nb.say`).
BULLET = "- {s}"


def scope_line(report: ConversionReport) -> nb.Markdown:
    """The opening sentence: scope, sessions, viewer rows, order lines."""
    s = report.scope
    return nb.say(
        t("models.scope", report.lang),
        label=s.label,
        n=len(s.session_ids),
        v=s.viewers.height,
        o=s.orders.height,
    )


def _logit(value: Any, lang: str) -> list[Any]:
    fit = t("models.logit_fit", lang)
    sentence = nb.say(fit, n=value.n, e=value.events, auc=value.auc, b=value.brier)
    return [logit_table(value, lang), sentence]


def _sessions(value: Any, lang: str) -> list[Any]:
    how = t("models.sessions_model" if value.kind == "model" else "models.sessions_described", lang)
    sentence = nb.say(t("models.sessions_fit", lang), n=value.n_sessions, how=how)
    return [session_table(value, lang), sentence]


def _counts(value: Any, lang: str) -> list[Any]:
    counts = value[0]
    sentence = nb.say(
        t("models.counts_fit", lang),
        f=t(f"models.family_{counts.family}", lang),
        r=counts.dispersion_ratio,
        n=counts.n_minutes,
    )
    return [lift_table(counts, lang), sentence]


def _timing(value: Any, lang: str) -> list[Any]:
    sentence = nb.say(t("models.timing_fit", lang), n=value.n_minutes)
    return [lift_table(value, lang, "cap_timing"), sentence]


def _elasticity(value: pd.DataFrame, lang: str) -> list[Any]:
    k = int(value["identified"].sum())
    sentence = nb.say(t("models.elasticity_fit", lang), k=k, u=len(value) - k)
    return [elasticity_table(value, lang), sentence]


def _ab(value: Any, lang: str) -> list[Any]:
    warned = [] if isinstance(value, dict) else value.warning_texts(lang)
    return [ab_table(value, lang), *(nb.say(t("models.ab_warning", lang), w=w) for w in warned)]


_SHOW: dict[str, Callable[[Any, str], list[Any]]] = {
    "conversion.logit": _logit,
    "conversion.sessions": _sessions,
    "conversion.counts": _counts,
    "conversion.order_timing": _timing,
    "conversion.elasticity": _elasticity,
    "conversion.ab": _ab,
}


def show(out: sections.Outcome, lang: str = "zh") -> list[Any]:
    """What a section shows: its table and the sentence reading it, or why it is missing."""
    why = blocked(out, lang)
    if why is not None:
        return [nb.say("{w}", w=why)]
    return _SHOW[out.key](out.value, lang)


def checks(out: sections.Outcome, lang: str = "zh", k: int = 3) -> list[Any]:
    """The viewer model's top ``k`` effects in words, its VIF table, the separation and
    collinearity sentence and the calibration table (nothing without a model)."""
    if blocked(out, lang) is not None:
        return []
    logit = out.value
    sep = t("models.list_sep", lang)

    def named(terms: list[str]) -> str:
        return sep.join(term_label(x, lang) for x in terms) or t("models.none", lang)

    effects = [nb.say(BULLET, s=sentence) for sentence in reading(logit, k, lang)]
    verdict = nb.say(t("models.checks", lang), s=named(logit.separation), v=named(logit.high_vif))
    return [*effects, vif_table(logit, lang), verdict, calibration_table(logit, lang)]


def ab_planning(out: sections.Outcome, lang: str = "zh") -> list[nb.Markdown]:
    """Without arms: the baseline and the smallest lift a half split of the scope could detect
    (nothing when arms were named or the section is missing)."""
    if not out.ok or not isinstance(out.value, dict):
        return []
    v = out.value
    sentence = nb.say(
        t("models.ab_planning", lang),
        b=v["baseline_conversion"],
        n=v["viewers"],
        m=v["mde_rel_half_split"],
    )
    return [sentence]


def left_out_lines(outcomes: list[sections.Outcome], lang: str = "zh") -> list[nb.Markdown]:
    """One line per section left out (title: why), or the one sentence that every section ran."""
    gaps = left_out(outcomes, lang)
    if not gaps:
        return [nb.say(t("models.all_ran", lang))]
    return [nb.say(t("models.left_out_line", lang), k=name, w=why) for name, why in gaps]


# --------------------------------------------------------------------------------------------
# Charts (None when the section has nothing to draw)
# --------------------------------------------------------------------------------------------


def _drawn(out: sections.Outcome, lang: str) -> Any:
    """The section's result when there is one to draw, else None."""
    return out.value if blocked(out, lang) is None else None


def coefficient_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    logit = _drawn(out, lang)
    return charts.coefficient_chart(logit, lang) if logit is not None else None


def calibration_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    logit = _drawn(out, lang)
    return charts.calibration_chart(logit, lang) if logit is not None else None


def session_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    model = _drawn(out, lang)
    return charts.session_chart(model, lang) if model is not None else None


def lift_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    value = _drawn(out, lang)
    return charts.lift_chart(value[0], lang) if value is not None else None


def elasticity_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    table = _drawn(out, lang)
    drawn = table is not None and bool(table["identified"].any())
    return charts.elasticity_chart(table, lang) if drawn else None


def ab_figure(out: sections.Outcome, lang: str = "zh") -> go.Figure | None:
    value = _drawn(out, lang)
    return charts.ab_chart(value, lang) if hasattr(value, "arm_a") else None
