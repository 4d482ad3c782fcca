"""Words put to use: metric headers with units, formatted values, table headers, funnel stages,
section headings and readable cells, all from the catalogue (:mod:`helpers.present.i18n`), so a
report in ``en`` has no stray Chinese UI text (data such as product names stays as exported).
"""

from __future__ import annotations

import html
from typing import Any, NotRequired, TypedDict

from helpers.metrics.definitions import METRICS
from helpers.present.i18n import has, t


def metric_header(key: str, lang: str = "zh") -> str:
    """A metric's column header in the language with its unit where it helps (``成交金额(元)``)."""
    m = METRICS[key]
    name = m.name(lang)
    if not has(f"unit.{m.unit}", lang):
        return name
    return t("metric_with_unit", lang, name=name, unit=t(f"unit.{m.unit}", lang))


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


class TableFormat(TypedDict):
    """What :func:`table_format` gives: keyword arguments of
    :func:`helpers.present.nb.show_table`."""

    decimals: dict[str, int]
    percent: tuple[str, ...]
    signed: tuple[str, ...]
    rename: NotRequired[dict[str, str]]  # NotRequired: a caller may pop it


def table_format(
    names: list[str],
    lang: str = "zh",
    *,
    percent: dict[str, int] | None = None,
    decimals: dict[str, int] | None = None,
    signed: tuple[str, ...] = (),
    rename: dict[str, str] | None = None,
) -> TableFormat:
    """Keyword arguments for :func:`helpers.present.nb.show_table` of a frame with these columns:
    metric columns (keys of :data:`METRICS`) with the registry's decimals, % metrics as
    percentages, money headers with their unit; other headers from the catalogue
    (:func:`columns`). ``percent`` adds
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
    return {
        "decimals": {n: dec.get(n, 2) for n in names},
        "percent": tuple(pct),
        "signed": tuple(signed),
        "rename": headers,
    }


def columns(names: list[str], lang: str = "zh") -> dict[str, str]:
    """Display headers for a table's columns (for ``nb.show_table(..., rename=...)``): a ``col.``
    entry of the catalogue, else the label or metric name, else the name itself."""
    return {n: t(f"col.{n}", lang) if has(f"col.{n}", lang) else t(n, lang) for n in names}


def stage(key: str, lang: str = "zh") -> str:
    """A funnel stage's name."""
    return t(f"stage.{key}", lang) if has(f"stage.{key}", lang) else key


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
        return (
            f'<div class="jp-MarkdownCell wb-section"><div class="jp-RenderedMarkdown">'
            f'<h2 id="{html.escape(self.anchor)}"><a id="{inner}"></a>'
            f"{html.escape(self.title)}</h2></div></div>"
        )


def heading(section: str, lang: str = "zh") -> Heading:
    """The heading of a review section in the language (``## title``)."""
    return Heading(t("sec_" + section, lang), f"section-{section}")


def value_label(value: Any, lang: str = "zh") -> str:
    """A readable cell: booleans as 是/否 (yes/no), known codes (android, female, unknown, other)
    in the report language, anything else as it is."""
    if isinstance(value, bool):
        return t("value_yes" if value else "value_no", lang)
    key = f"value_{value}"
    return t(key, lang) if isinstance(value, str) and t(key, lang) != key else str(value)
