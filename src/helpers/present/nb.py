"""Notebook plumbing: set up a kernel for a report run, and show tables and text safely.

- :func:`setup` chooses the ``workbook`` plotly renderer (figures without plotly.js, which the
  report's HTML loads once) when the notebook runs as a report (``WORKBOOK_REPORT=1``, set by
  :func:`helpers.pipeline.render.render`), and leaves an analyst's interactive default alone
  otherwise.
- :func:`show_table` renders a frame with fixed decimals as escaped HTML plus a plain-text form, so
  nbval compares stable text and viewer text can never become markup.
- :func:`say` writes a sentence of Markdown with any interpolated data escaped.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from helpers.paths import REPORT_ENV  # set to 1 in a kernel that runs as a report
from helpers.present.i18n import t

if TYPE_CHECKING:  # pandas is imported where a table is shown (the weekly runner never needs it)
    import pandas as pd


def in_report() -> bool:
    return os.environ.get(REPORT_ENV) == "1"


def report_renderer() -> Any:
    """The ``workbook`` renderer: each figure as a ``<div>`` and the ``Plotly.newPlot`` call, with
    neither plotly.js nor MathJax (plotly's own ``notebook`` renderer embeds 4.8 MB of plotly.js in
    the notebook and adds a MathJax ``<script src>`` on a CDN to every figure). The report's HTML
    loads plotly.js once in its head (:func:`helpers.pipeline.export.to_html`: embedded, or a
    relative file of the run folder). The figure's JSON rides along as
    ``application/vnd.plotly.v1+json`` so the executed notebook shows its charts in JupyterLab
    too."""
    import json

    from plotly.io import to_html, to_json
    from plotly.io._base_renderers import MimetypeRenderer

    class ReportRenderer(MimetypeRenderer):
        def to_mimebundle(self, fig_dict: Any) -> dict[str, Any]:
            html = to_html(
                fig_dict,
                include_plotlyjs=False,
                include_mathjax=False,
                full_html=False,
                default_width="100%",
                default_height=525,
                validate=False,
            )
            return {
                "application/vnd.plotly.v1+json": json.loads(to_json(fig_dict, validate=False)),
                "text/html": html,
            }

    return ReportRenderer()


def setup(lang: str = "zh") -> None:
    """Prepare the kernel: plotly renderer for reports, quiet logging, stable display options."""
    import pandas as pd
    import plotly.io as pio

    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    if in_report():
        pio.renderers["workbook"] = report_renderer()
        pio.renderers.default = "workbook"
    pio.templates.default = "plotly_white"
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 40)


def escape(text: Any) -> str:
    """HTML-escape any value (viewer text is data, never markup)."""
    return html.escape("" if text is None else str(text), quote=True)


class Table:
    """A display object: escaped HTML table and a fixed-width text form of the same values."""

    def __init__(self, df: pd.DataFrame, caption: str | None = None) -> None:
        self.df = df
        self.caption = caption

    def __repr__(self) -> str:
        head = f"{self.caption}\n" if self.caption else ""
        return head + self.df.to_string(index=False)

    def _repr_html_(self) -> str:
        body = self.df.to_html(index=False, escape=True, border=0, classes="wb-table", na_rep="–")
        cap = f"<p><strong>{escape(self.caption)}</strong></p>" if self.caption else ""
        return cap + body


def _format(
    value: Any, decimals: int, percent: bool = False, signed: bool = False, points: bool = False
) -> Any:
    if isinstance(value, bool) or value is None:
        return "–" if value is None else value
    if isinstance(value, int | float) and (percent or points):
        if value != value:  # NaN
            return "–"
        return f"{value * 100:{'+' if signed else ''},.{decimals}f}{' pp' if points else '%'}"
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:{'+' if signed else ''},.{decimals}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def show_table(
    df: pl.DataFrame | pd.DataFrame,
    caption: str | None = None,
    *,
    decimals: int | Mapping[str, int] = 2,
    rename: Mapping[str, str] | None = None,
    max_rows: int = 50,
    percent: Collection[str] = (),
    signed: Collection[str] = (),
    points: Collection[str] = (),
    lang: str = "en",
) -> Table:
    """Format a frame for a report: fixed decimals (per column if a mapping), thousands separators,
    fractions of the ``percent`` columns as percentages (``0.0807`` → ``8.07%`` with 2 decimals),
    differences of fractions in the ``points`` columns as percentage points (``0.0413`` →
    ``4.13 pp``), an explicit sign on the ``signed`` columns (changes), at most ``max_rows`` rows
    (the caption says when rows were cut, in ``lang``). :func:`helpers.present.labels.table_format`
    builds these arguments from the metric registry."""
    import pandas as pd

    pdf = df.to_pandas() if isinstance(df, pl.DataFrame) else df.copy()
    cut = len(pdf) > max_rows
    pdf = pdf.head(max_rows)
    for col in pdf.columns:
        d = decimals.get(col, 2) if isinstance(decimals, Mapping) else decimals
        pct, sign, pts = col in percent, col in signed, col in points
        pdf[col] = pd.Series(
            [_format(v, d, pct, sign, pts) for v in pdf[col].tolist()],
            index=pdf.index,
            dtype=object,
        )
    if rename:
        pdf = pdf.rename(columns=dict(rename))
    if cut and caption:
        caption = t("pipeline.first_rows", lang, caption=caption, n=max_rows)
    return Table(pdf, caption)


class Markdown:
    """Markdown display object with a plain-text form (what nbval compares)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def outcome(out: Any, lang: str = "zh") -> Markdown:
    """The one sentence a section that could not run shows in its place (escaped)."""
    from helpers.present.sections import needs_text

    return Markdown(escape(needs_text(out, lang)))


def say(template: str, **values: Any) -> Markdown:
    """A sentence of interpretation; interpolated values are escaped (numbers formatted as
    given)."""
    safe = {k: (v if isinstance(v, int | float) else escape(v)) for k, v in values.items()}
    return Markdown(template.format(**safe))
