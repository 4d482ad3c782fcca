"""Model terms and cell values in words: what a report table shows instead of raw keys
(``channel[T.关注]`` → 渠道：关注 vs 基准 直播推荐, ``True`` → 是, ``female`` → 女)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.models.design import REFERENCES
from helpers.present.i18n import t
from helpers.present.labels import value_label


def term_label(term: str, lang: str = "zh") -> str:
    """A model term in words: ``channel[T.关注]`` → ``渠道：关注 vs 基准 直播推荐``; numeric
    and event terms by their label (``log_watch_min`` → 观看时长（对数分钟）)."""
    name = term.removeprefix("Q('").removesuffix("')")
    if "[T." in name:
        var, level = name.split("[T.", 1)
        var = var.removeprefix("Q('").removesuffix("')")
        ref = REFERENCES.get(var)
        vs = t("term_vs_ref", lang).format(ref=value_label(ref, lang)) if ref else ""
        level_words = value_label(level.rstrip("]"), lang)
        return f"{t('term_' + var, lang)}{t('term_sep', lang)}{level_words}{vs}"
    label = t(f"term_{name}", lang)
    return label if label != f"term_{name}" else t(name, lang)


def readable_terms(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``table`` with its ``term`` column in words (the raw keys stay in summary.json)."""
    return table.assign(term=[term_label(x, lang) for x in table["term"]])


def show_frame(df: pd.DataFrame, caption_key: str, lang: str = "zh", **fmt: Any) -> Any:
    """``nb.show_table`` of ``df`` as a report shows it: captioned by label key, headers in the
    language, boolean and coded cells in words (:func:`value_label`)."""
    from helpers.present import nb
    from helpers.present.labels import columns

    shown = df.copy()
    for c in shown.columns:
        if shown[c].dtype == bool or (len(shown) and shown[c].map(type).isin([bool]).all()):
            shown[c] = shown[c].map(lambda v: value_label(bool(v), lang))
        elif shown[c].dtype == object:
            shown[c] = shown[c].map(lambda v: value_label(v, lang) if isinstance(v, str) else v)
    return nb.show_table(
        shown, t(caption_key, lang), rename=columns(list(shown.columns), lang), **fmt
    )
