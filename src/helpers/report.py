"""One shape for every run: a template notebook executed by papermill, then an offline HTML report.

``render(kind, params, out_dir)`` writes into ``out_dir``:

- ``<notebook>.ipynb``: the executed notebook (kept even when a cell fails, with its error);
- ``report.html``: code hidden, charts interactive and offline (plotly.js embedded once, no
  require.js/MathJax/CDN), a table of contents, the data's as-of time;
- ``summary.json``: what the notebook computed, under documented keys (``docs/summary.md``),
  wrapped with the run's metadata (``report`` block: kind, status, notebook, parameters, timing).

The CLI, the weekly runner and the tests all call this function.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .paths import RESOURCES, notebooks_dir, project_root

log = logging.getLogger(__name__)

KERNEL_NAME = "livecommerce-workbook"
REPORT_ENV = "WORKBOOK_REPORT"
SUMMARY_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ReportKind:
    """A report kind: its template notebook and its title in each language."""

    notebook: str
    title_zh: str
    title_en: str


REPORT_KINDS: dict[str, ReportKind] = {
    "ingest": ReportKind("10-ingest", "数据导入与质量", "Ingest and data quality"),
    "session": ReportKind("20-session-review", "单场直播复盘", "Session review"),
    "segments": ReportKind("30-audience-segments", "人群分层", "Audience segments"),
    "conversion": ReportKind("40-conversion-models", "转化驱动模型", "What drives purchase"),
    "comments": ReportKind("50-comments", "弹幕分析", "Comments"),
    "weekly": ReportKind("90-weekly-report", "直播周报", "Weekly report"),
}


def kernel_manager_class() -> type:
    """A kernel manager on local IPC sockets: nothing listens on TCP, and ipykernel does not warn
    about unencrypted TCP at every report run."""
    from jupyter_client.manager import AsyncKernelManager

    class _IPC(AsyncKernelManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # each kernel gets its own socket folder: parallel runs must never share socket names
            self._socket_dir = tempfile.mkdtemp(prefix="workbook-kernel-")
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(self._socket_dir, "kernel"))
            super().__init__(*args, **kwargs)

        def __del__(self) -> None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    return _IPC


class ReportError(RuntimeError):
    """A report run failed; the executed notebook (with its error cell) is kept."""


@dataclass
class RunResult:
    kind: str
    out_dir: Path
    notebook: Path
    html: Path
    summary: Path
    ok: bool
    seconds: float
    error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def template_path(kind: str) -> Path:
    if kind not in REPORT_KINDS:
        raise ReportError(f"unknown report kind {kind!r}; kinds: {', '.join(REPORT_KINDS)}")
    return notebooks_dir() / f"{REPORT_KINDS[kind].notebook}.ipynb"


def kernel_name() -> str:
    """The project's registered kernel, or the environment's own python3 kernel if not registered."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become null, numpy and dates become plain values, keys stay ordered."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_json(data: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write JSON atomically (UTF-8, not ASCII-escaped, NaN as null)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(_clean(data), fh, ensure_ascii=False, indent=2, allow_nan=False)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def write_summary(summary: Mapping[str, Any], path: str | None) -> None:
    """Called by a notebook's last cell: write its summary where the runner asked (no-op if ''),
    with the kernel's section outcomes (``sections_failed``, ``sections_skipped``) added."""
    from . import sections

    if path:
        write_json({**summary, **sections.summary_block()}, path)


def to_html(notebook: Path, html: Path, *, title: str, subtitle: str, lang: str = "zh") -> Path:
    """Convert an executed notebook to the offline report HTML (code hidden)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(
        template_name="workbook",
        extra_template_basedirs=[str(RESOURCES / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources = {
        "wb_title": title,
        "wb_subtitle": subtitle,
        "wb_toc_label": "目录" if lang == "zh" else "Contents",
        "wb_generated": ("生成于 " if lang == "zh" else "generated ")
        + datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "language_code": "zh-CN" if lang == "zh" else "en",
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    fd, tmp = tempfile.mkstemp(dir=html.parent, prefix=".tmp-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body)
    os.chmod(tmp, 0o644)
    os.replace(tmp, html)
    return html


def render(
    kind: str,
    params: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    lang: str = "zh",
    subtitle: str = "",
    timeout_s: int = 1800,
) -> RunResult:
    """Execute the kind's template with ``params`` into ``out_dir`` and write HTML and summary.

    Never raises for a failing notebook: the result says ``ok=False`` with the error, the executed
    notebook keeps the error cell, and ``summary.json`` records ``status: failed``.
    """
    import papermill as pm

    template = template_path(kind)
    spec = REPORT_KINDS[kind]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    executed = out / f"{spec.notebook}.ipynb"
    html = out / "report.html"
    summary = out / "summary.json"
    summary.unlink(missing_ok=True)
    params = {**params, "summary_path": str(summary.resolve()), "lang": lang}
    started = time.perf_counter()
    error: str | None = None
    previous = os.environ.get(REPORT_ENV)
    os.environ[REPORT_ENV] = "1"
    try:
        pm.execute_notebook(
            str(template),
            str(executed),
            parameters=params,
            kernel_name=kernel_name(),
            kernel_manager_class=kernel_manager_class(),
            cwd=str(project_root()),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout_s,
        )
    except pm.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
    except Exception as exc:  # kernel death, timeout: still leave a record
        error = f"{type(exc).__name__}: {exc}"
    finally:
        if previous is None:
            os.environ.pop(REPORT_ENV, None)
        else:
            os.environ[REPORT_ENV] = previous
    seconds = time.perf_counter() - started
    title = spec.title_zh if lang == "zh" else spec.title_en
    if executed.exists():
        to_html(executed, html, title=title, subtitle=subtitle, lang=lang)
    data: dict[str, Any] = json.loads(summary.read_text("utf-8")) if summary.exists() else {}
    failed_sections = [f["section"] for f in data.get("sections_failed") or []]
    if not error and failed_sections:
        error = f"sections failed: {', '.join(failed_sections)}"
    data["report"] = {
        "kind": kind,
        "status": "failed" if error and not failed_sections else ("partial" if failed_sections else "ok"),
        "error": error,
        "notebook": executed.name,
        "html": html.name,
        "parameters": {k: v for k, v in params.items() if k != "summary_path"},
        "seconds": round(seconds, 2),
        "schema_version": SUMMARY_SCHEMA_VERSION,
    }
    write_json(data, summary)
    if error:
        log.error("%s report failed: %s (notebook kept at %s)", kind, error, executed)
    return RunResult(kind, out, executed, html, summary, error is None, seconds, error, data)


def replace_dir(staging: Path, final: Path) -> None:
    """Move a finished staging folder into place, replacing any previous run of the same target."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)
