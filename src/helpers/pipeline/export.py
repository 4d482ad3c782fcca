"""The executed notebook as the offline report HTML: code hidden, plotly.js loaded once (embedded,
or from a run folder's one copy), a table of contents, the time it was generated.

:func:`warm_up` loads the exporter on a thread while a report's kernel starts (this process only
waits then), so the conversion at the end of a run finds nbconvert imported and the report
template compiled.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from helpers.paths import RESOURCES

PLOTLYJS = "plotly.min.js"
EMBED = "embed"


def t(key: str, lang: str = "zh", **values: Any) -> str:
    """:func:`helpers.present.i18n.t`, imported on first use (it imports polars: a report run
    starts its kernel's zygote before that)."""
    from helpers.present.i18n import t as translate

    return translate(key, lang, **values)


def plotlyjs_path() -> Path:
    """The installed plotly package's minified plotly.js (what every report loads)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / PLOTLYJS


def write_plotlyjs(folder: Path) -> Path:
    """Copy plotly.js into a run folder, for its reports to load by relative path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / PLOTLYJS
    shutil.copyfile(plotlyjs_path(), target)
    return target


@functools.cache
def _exporter() -> Any:
    """One HTML exporter per process: its templates are loaded and compiled once."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="workbook",
        extra_template_basedirs=[str(RESOURCES / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def _has_charts(nb: Any) -> bool:
    return any(
        "application/vnd.plotly.v1+json" in out.get("data", {})
        for cell in nb.cells
        for out in cell.get("outputs", [])
    )


def _resources(title: str, subtitle: str, lang: str) -> dict[str, str]:
    generated = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return {
        "wb_title": title,
        "wb_subtitle": subtitle,
        "wb_toc_label": t("pipeline.toc_label", lang),
        "wb_generated": t("pipeline.generated", lang, time=generated),
        "language_code": t("pipeline.language_code", lang),
    }


def to_html(
    notebook: Path,
    html: Path,
    *,
    title: str,
    subtitle: str,
    lang: str = "zh",
    plotlyjs: str = EMBED,
) -> Path:
    """Convert an executed notebook to the offline report HTML (code hidden). A report with charts
    loads plotly.js once: embedded (``plotlyjs="embed"``, a self-contained file) or from the
    relative path ``plotlyjs`` (e.g. ``../../plotly.min.js``: one copy per run folder)."""
    import nbformat

    while _warming:
        _warming.pop().join()
    nb = nbformat.read(notebook, as_version=4)
    resources = _resources(title, subtitle, lang)
    if _has_charts(nb):
        if plotlyjs == EMBED:
            resources["wb_plotlyjs"] = plotlyjs_path().read_text("utf-8")
        else:
            resources["wb_plotlyjs_src"] = plotlyjs
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    fd, tmp = tempfile.mkstemp(dir=html.parent, prefix=".tmp-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body)
    os.chmod(tmp, 0o644)
    os.replace(tmp, html)
    return html


@functools.cache
def _compile(lang: str) -> None:
    """Convert a tiny notebook holding every kind of output a report has (its HTML is dropped):
    nbconvert, its filters and the report template are then loaded, once per process."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

    outputs = [
        new_output("display_data", data={"text/html": "<p>x</p>", "text/plain": "x"}),
        new_output("display_data", data={"text/markdown": "**x**", "text/plain": "x"}),
        new_output(
            "display_data",
            data={"application/vnd.plotly.v1+json": {"data": []}, "text/html": "<div></div>"},
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=[new_markdown_cell("# x"), new_code_cell(outputs=outputs)])
    resources = {**_resources("x", "x", lang), "wb_plotlyjs_src": PLOTLYJS}
    _exporter().from_notebook_node(nb, resources=resources)


def _compile_quietly(lang: str) -> None:
    try:
        _compile(lang)
    except Exception:  # to_html meets the same failure and reports it
        return


_warming: list[threading.Thread] = []


def warm_up(lang: str) -> None:
    """Start loading the exporter for ``lang`` on a thread (:func:`to_html` waits for it)."""
    thread = threading.Thread(target=_compile_quietly, args=(lang,), daemon=True)
    thread.start()
    _warming.append(thread)
