"""One shape for every run: a template notebook executed by papermill, then an offline HTML report.

``render(kind, params, out_dir)`` writes into ``out_dir``:

- ``<notebook>.ipynb``: the executed notebook (kept even when a cell fails, with its error);
- ``report.html``: code hidden, charts interactive and offline (plotly.js loaded once: embedded,
  or ``plotlyjs="../../plotly.min.js"`` from the run folder; no require.js/MathJax/CDN), a table
  of contents, the data's as-of time;
- ``summary.json``: what the notebook computed, under documented keys (``docs/summary.md``),
  wrapped with the run's metadata (``report`` block: kind, status, notebook, parameters, timing).

The CLI, the weekly runner and the tests all call this function.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from helpers.paths import REPORT_ENV, notebooks_dir, project_root
from helpers.pipeline.export import EMBED, t, to_html, warm_up

log = logging.getLogger(__name__)

KERNEL_NAME = "livecommerce-workbook"
KERNEL_DISPLAY = "Python (live-commerce workbook)"
SUMMARY_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ReportKind:
    """A report kind: its template notebook (its title is ``pipeline.title_<kind>`` in the
    catalogue of words)."""

    notebook: str


REPORT_KINDS: dict[str, ReportKind] = {
    "ingest": ReportKind("10-ingest"),
    "session": ReportKind("20-session-review"),
    "segments": ReportKind("30-audience-segments"),
    "conversion": ReportKind("40-conversion-models"),
    "comments": ReportKind("50-comments"),
    "pitch": ReportKind("55-pitch"),
    "room": ReportKind("60-room-history"),
    "weekly": ReportKind("90-weekly-report"),
}


def report_title(kind: str, lang: str = "zh") -> str:
    """A report kind's title in the report language (the HTML page's heading)."""
    return t(f"pipeline.title_{kind}", lang)


def kernel_manager_class(warm: bool = False) -> type:
    """A kernel manager on local IPC sockets (nothing listens on TCP, and ipykernel does not warn
    about unencrypted TCP at every report run) that starts the report kernel
    (:mod:`helpers.pipeline.kernel`) where the kernel spec says ``-m ipykernel_launcher``: cold, or
    with ``warm`` forked from this process's zygote (a fresh process with the libraries
    imported)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    from helpers.pipeline.kernel import zygote_for

    class _IPC(AsyncKernelManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # each kernel gets its own socket folder: parallel runs must never share socket names
            self._socket_dir = tempfile.mkdtemp(prefix="workbook-kernel-")
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(self._socket_dir, "kernel"))
            super().__init__(*args, **kwargs)

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd = super().format_kernel_cmd(extra_arguments)
            return ["helpers.pipeline.kernel" if a == "ipykernel_launcher" else a for a in cmd]

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            m = kernel_cmd.index("-m") if "-m" in kernel_cmd else -1
            if not warm or kernel_cmd[m + 1 : m + 2] != ["helpers.pipeline.kernel"]:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            env = {
                **(kw.get("env") or os.environ),
                "JPY_PARENT_PID": str(os.getpid()),
            }  # as launch_kernel
            cwd = str(kw.get("cwd") or os.getcwd())
            proc = zygote_for(kernel_cmd[:m], env).spawn(kernel_cmd[m + 2 :], cwd, env)
            prov = self.provisioner
            # jupyter_client sets the provisioner (the local one, for a local kernel) before
            # launching
            assert isinstance(prov, LocalProvisioner)
            prov.process = cast(Any, proc)  # a ForkedProcess stands in for the Popen it expects
            prov.pid, prov.pgid, prov.cwd = proc.pid, proc.pid, cwd
            self._reconcile_connection_info(prov.connection_info)

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts before every shutdown; a finished report has nothing to
            # stop, and the interrupt only makes ipykernel log "KeyboardInterrupt caught in kernel"
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

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


def report_kind(kind: str) -> ReportKind:
    """The report kind named ``kind`` (a :class:`ReportError` naming the kinds if unknown)."""
    if kind not in REPORT_KINDS:
        raise ReportError(f"unknown report kind {kind!r}; kinds: {', '.join(REPORT_KINDS)}")
    return REPORT_KINDS[kind]


def template_path(kind: str) -> Path:
    """A kind's template: its py:percent source (``notebooks/NN-name.py``, the one truth)."""
    return notebooks_dir() / f"{report_kind(kind).notebook}.py"


def load_template(path: Path) -> Any:
    """A template notebook read from its py:percent source (see :func:`template_from_source`)."""
    return template_from_source(path.read_text("utf-8"), path.stem)


def template_from_source(source: str, name: str) -> Any:
    """A template notebook from py:percent text, read with jupytext: no outputs, the project's
    kernelspec, cell ids numbered from the file name (so goldens and run hashes are stable)."""
    import jupytext

    nb = jupytext.reads(source, fmt="py:percent")
    nb.metadata = {
        "kernelspec": {"name": KERNEL_NAME, "display_name": KERNEL_DISPLAY, "language": "python"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def template_source(kind: str) -> str:
    """A kind's template as py:percent text: what a job carries to a worker (which needs no
    checkout) and what staleness hashes, read without importing jupytext."""
    return template_path(kind).read_text("utf-8")


def kernel_name() -> str:
    """The project's registered kernel, or the environment's own python3 kernel if not
    registered."""
    from helpers.pipeline.kernel import spec_file

    if spec_file(KERNEL_NAME) is not None:  # found without importing jupyter_client
        return KERNEL_NAME
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


SAVE_EVERY_S = 30


@functools.cache
def papermill_engine() -> str:
    """papermill's nbclient engine, registered as ``workbook``, that writes the executed notebook
    when the run ends (and every ``SAVE_EVERY_S`` seconds of a long run) instead of before and
    after every cell (two full writes per cell, most of papermill's own time on a 50-cell
    notebook). The notebook written at the end is the same."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class Manager(NotebookExecutionManager):
        final = False

        def save(self, **kwargs: Any) -> None:
            since = (
                (self.now() - self.last_save_time).total_seconds() if self.last_save_time else 0.0
            )
            if self.final or since >= SAVE_EVERY_S:
                super().save(**kwargs)

        def notebook_complete(self, **kwargs: Any) -> None:
            self.final = True
            super().notebook_complete(**kwargs)

    class Engine(NBClientEngine):
        @classmethod
        def execute_notebook(
            cls,
            nb: Any,
            kernel_name: str,
            output_path: Any = None,
            progress_bar: bool = True,
            log_output: bool = False,
            autosave_cell_every: int = 30,
            **kwargs: Any,
        ) -> Any:
            nb_man = Manager(
                nb,
                output_path=output_path,
                progress_bar=progress_bar,
                log_output=log_output,
                autosave_cell_every=autosave_cell_every,
            )
            nb_man.last_save_time = nb_man.now()
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register("workbook", Engine)
    return "workbook"


def _warm_up() -> None:
    """Start (or keep) this process's zygote for the report kernel's interpreter."""
    from helpers.pipeline.kernel import kernel_argv, zygote_for

    argv = kernel_argv(kernel_name())
    if argv and not os.path.isabs(argv[0]):  # "python": jupyter_client runs sys.executable
        argv[0] = sys.executable
    if "-m" in argv:
        zygote_for(argv[: argv.index("-m")], {**os.environ, REPORT_ENV: "1"})


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
    from helpers.present import sections

    if path:
        write_json({**summary, **sections.summary_block()}, path)


def _execute(
    template: Any, executed: Path, params: Mapping[str, Any], *, warm: bool, timeout_s: int
) -> str | None:
    """Run the template with papermill into ``executed``; the error (None when it ran through).

    The report kernel sees ``REPORT_ENV`` set for the run; this process's value is restored."""
    import papermill as pm

    warm_up(params["lang"])  # the exporter loads while the kernel starts: this process waits
    error: str | None = None
    previous = os.environ.get(REPORT_ENV)
    os.environ[REPORT_ENV] = "1"
    try:
        pm.execute_notebook(
            template,
            str(executed),
            parameters=dict(params),
            kernel_name=kernel_name(),
            kernel_manager_class=kernel_manager_class(warm),
            engine_name=papermill_engine(),
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
    return error


def _status(error: str | None, failed_sections: list[str]) -> str:
    """``failed`` (the notebook stopped), ``partial`` (some sections failed) or ``ok``."""
    if failed_sections:
        return "partial"
    return "failed" if error else "ok"


def render(
    kind: str,
    params: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    lang: str = "zh",
    subtitle: str = "",
    timeout_s: int = 1800,
    plotlyjs: str = EMBED,
    template_text: str = "",
    warm: bool = True,
) -> RunResult:
    """Execute the kind's template (or the py:percent ``template_text``, so a worker needs no
    checkout) with ``params`` into ``out_dir`` and write HTML and summary; ``plotlyjs``: see
    :func:`to_html`.

    Never raises for a failing notebook: the result says ``ok=False`` with the error, the executed
    notebook keeps the error cell, and ``summary.json`` records ``status: failed``. With ``warm``
    the kernel is forked from this process's zygote (:mod:`helpers.pipeline.kernel`), started
    here first so that its imports overlap this process's; the HTML exporter loads on a thread
    while the kernel starts (:func:`helpers.pipeline.export.warm_up`).
    """
    from helpers.pipeline.kernel import skip_unused_imports

    skip_unused_imports()
    if warm:
        _warm_up()
    spec = report_kind(kind)
    template = template_from_source(template_text or template_source(kind), spec.notebook)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    executed = out / f"{spec.notebook}.ipynb"
    html, summary = out / "report.html", out / "summary.json"
    summary.unlink(missing_ok=True)
    params = {**params, "summary_path": str(summary.resolve()), "lang": lang}
    started = time.perf_counter()
    error = _execute(template, executed, params, warm=warm, timeout_s=timeout_s)
    seconds = time.perf_counter() - started
    if executed.exists():
        title = report_title(kind, lang)
        to_html(executed, html, title=title, subtitle=subtitle, lang=lang, plotlyjs=plotlyjs)
    data: dict[str, Any] = json.loads(summary.read_text("utf-8")) if summary.exists() else {}
    failed_sections = [f["section"] for f in data.get("sections_failed") or []]
    if not error and failed_sections:
        error = f"sections failed: {', '.join(failed_sections)}"
    data["report"] = {
        "kind": kind,
        "status": _status(error, failed_sections),
        "error": error,
        "notebook": executed.name,
        "html": html.name,
        "parameters": {k: v for k, v in params.items() if k != "summary_path"},
        "seconds": round(seconds, 2),
        "schema_version": SUMMARY_SCHEMA_VERSION,
    }
    write_json(data, summary)
    if error:
        log.error("%s report failed: %s (its notebook %s is kept)", kind, error, executed.name)
    return RunResult(kind, out, executed, html, summary, error is None, seconds, error, data)


def replace_dir(staging: Path, final: Path) -> None:
    """Move a finished staging folder into place, replacing any previous run of the same target."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)
