"""The report kernel: ipykernel, cold (``python -m helpers.pipeline.kernel -f CONNECTION_FILE``) or
forked from a warm *zygote* that imported the notebooks' libraries once.

Cold: :func:`helpers.pipeline.render.kernel_manager_class` launches this module in place of
``ipykernel_launcher``. It differs from a plain ipykernel in one thing: jsonschema (imported by
nbformat, which plotly's renderers import) registers an optional "iri" format checker at import if
``rfc3987_syntax`` is installed, and that package compiles 39 lark grammars at import (about
1.5 s); nbformat never checks formats, so the report process and its kernel mark the module absent
(:func:`skip_unused_imports`); the kernel also marks debugpy absent (ipykernel's optional
debugger).

Warm: ``python -m helpers.pipeline.kernel --zygote`` imports :data:`PRELOAD` (polars, numpy,
pandas, plotly, statsmodels, scipy.stats, IPython, ipykernel and the ``helpers`` modules the
notebooks use) with the garbage collector off and freezes them (``gc.freeze``, Python's recipe for
a process that forks: nothing collectable is made by imports, and the children's collections skip
what they inherit), then forks one child per request; each child is a brand-new kernel process (its
own connection file, working directory and environment, numpy's global generator re-seeded like a
fresh interpreter's) that starts with those modules already imported. Nothing a notebook computes
is shared between two kernels: only the imported code, as after ``import`` in a cold kernel. The
protocol on the zygote's stdin/stdout is one JSON request per line (``{"argv", "cwd", "env"}``: the
kernel's arguments, ``-f CONNECTION_FILE …``) answered by the child's pid; the zygote exits when
its stdin closes (its worker went away).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import sys
from pathlib import Path

# optional imports a report never uses: jsonschema's "iri" format checker (never checked), and in
# the kernel ipykernel's debugger (nothing attaches to a report's kernel; debugpy takes 0.18 s)
UNUSED = ("rfc3987_syntax",)
KERNEL_UNUSED = ("debugpy",)
# a report's cells are not the analyst's history: no SQLite history file, no thread writing it
REPORT_KERNEL_ARGS = ("--HistoryManager.enabled=False",)
# plotly's figure objects the reports build (imported lazily by plotly on first construction)
PLOTLY_OBJECTS = (
    "_bar",
    "_funnel",
    "_layout",
    "_scatter",
    "bar",
    "bar._error_x",
    "bar._marker",
    "funnel",
    "funnel._marker",
    "scatter",
    "scatter._error_x",
    "scatter._error_y",
    "scatter._line",
    "scatter._marker",
    "scatter.marker._line",
    "layout",
    "layout.annotation._font",
    "layout.shape._line",
    "layout.xaxis._title",
    "layout.yaxis._title",
    "layout._activeselection",
    "layout._activeshape",
    "layout._annotation",
    "layout._coloraxis",
    "layout._colorscale",
    "layout._font",
    "layout._geo",
    "layout._grid",
    "layout._hoverlabel",
    "layout._image",
    "layout._legend",
    "layout._map",
    "layout._margin",
    "layout._modebar",
    "layout._newselection",
    "layout._newshape",
    "layout._polar",
    "layout._scene",
    "layout._selection",
    "layout._shape",
    "layout._slider",
    "layout._smith",
    "layout._template",
    "layout._ternary",
    "layout._title",
    "layout._transition",
    "layout._uniformtext",
    "layout._updatemenu",
    "layout._xaxis",
    "layout._yaxis",
)
PRELOAD = (
    "numpy",
    "polars",
    "pandas",
    "scipy.stats",
    "statsmodels.stats.proportion",
    "statsmodels.stats.rates",
    "plotly.graph_objects",
    "plotly.subplots",
    "plotly.io",
    "plotly.io._renderers",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "helpers.review.charts",
    "helpers.models.charts",
    "helpers.present.nb",
    "helpers.metrics.definitions",
    "helpers.present.labels",
    "helpers.present.sections",
    "helpers.review",
    "helpers.data.store",
    "helpers.pipeline.weekly",
    # what the review's first cell and its figures import on first use
    "helpers.review.page",
    "helpers.metrics.targets",
    "helpers.comments.analysis",
    "helpers.data.privacy",
    "statsmodels.duration.survfunc",
    "scipy.signal",
    "pyarrow.pandas_compat",
    "plotly.validator_cache",
    *(f"plotly.graph_objs.{m}" for m in PLOTLY_OBJECTS),
)


def skip_unused_imports(kernel: bool = False) -> None:
    """Make the :data:`UNUSED` imports (and in a ``kernel`` :data:`KERNEL_UNUSED`) raise
    ImportError in this process, unless imported already: jsonschema then skips the format checker
    it only registers, ipykernel starts without its debugger."""
    for name in (*UNUSED, *KERNEL_UNUSED) if kernel else UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None blocks the import


def load_static_data() -> None:
    """Read the package data plotly reads on a first figure (its validators' JSON and the default
    template): files of the installed package, the same in every kernel, like imported code."""
    try:
        import plotly.io as pio
        from plotly.validator_cache import ValidatorCache

        ValidatorCache.get_validator("scatter", "type")
        pio.templates[pio.templates.default]
    except Exception:  # an older plotly: the kernel reads them itself
        return


def _child(request: dict) -> None:
    """In the forked child: become a fresh kernel process for ``request`` (never returns)."""
    try:
        os.setsid()
        gc.enable()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(2, 1)  # fd 1 is the zygote's answer pipe
        if sys.path and sys.path[0] == os.getcwd():  # `python -m` put the start folder first
            sys.path[0] = request["cwd"]
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()  # fresh entropy, as a new interpreter would have
        argv = [*request["argv"], *REPORT_KERNEL_ARGS]
        if os.environ.get(
            "JPY_PARENT_PID"
        ):  # read at import by a cold kernel: exit with the runner
            argv.append(f"--IPKernelApp.parent_handle={os.environ['JPY_PARENT_PID']}")
        sys.argv = [sys.argv[0], *argv]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=argv)
    finally:
        os._exit(0)


def zygote() -> None:
    """Import :data:`PRELOAD`, say ``ready``, then fork a kernel per request line on stdin."""
    skip_unused_imports(kernel=True)
    gc.disable()  # what the preload allocates lives as long as the process: no collection frees any
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a module that cannot import here is imported by the notebook itself
            continue
    load_static_data()
    gc.freeze()  # a child's collections never scan (or touch the shared pages of) what it inherits
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        out.write(f"{pid}\n")
        out.flush()


# --------------------------------------------------------------------------- the runner's side


class ForkedProcess:
    """A kernel forked by the zygote, as jupyter_client's provisioner handles a ``Popen`` (the
    zygote reaps it; liveness is ``kill(pid, 0)``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"kernel {self.pid} still running")
            time.sleep(0.05)
        return 0

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Zygote:
    """A warm zygote process of this worker (see the module docstring)."""

    def __init__(self, python: list[str], env: dict[str, str]) -> None:
        import subprocess

        self.env = dict(env)
        self.proc = subprocess.Popen(
            [*python, "-m", "helpers.pipeline.kernel", "--zygote"],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.ready = False

    def fits(self, env: dict[str, str]) -> bool:
        """Can a kernel with ``env`` come from here (same interpreter settings read at start)?"""
        keys = ("PYTHONHASHSEED", "PYTHONPATH", "WORKBOOK_HOME", "PATH")
        return self.proc.poll() is None and all(env.get(k) == self.env.get(k) for k in keys)

    def spawn(self, argv: list[str], cwd: str, env: dict[str, str]) -> ForkedProcess:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if not self.ready:
            if self.proc.stdout.readline().strip() != "ready":
                raise RuntimeError("the warm kernel zygote did not start")
            self.ready = True
        self.proc.stdin.write(json.dumps({"argv": argv, "cwd": cwd, "env": env}) + "\n")
        self.proc.stdin.flush()
        return ForkedProcess(int(self.proc.stdout.readline()))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def spec_file(name: str) -> Path | None:
    """The first ``kernels/<name>/kernel.json`` on Jupyter's data path (where jupyter_client
    looks first), or None."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("kernels"):
        spec = Path(folder) / name / "kernel.json"
        if spec.is_file():
            return spec
    return None


def kernel_argv(name: str) -> list[str]:
    """The kernel spec's command line: read from its ``kernel.json`` (:func:`spec_file`, without
    importing jupyter_client: the zygote starts sooner), else from jupyter_client."""
    spec = spec_file(name)
    try:
        argv = json.loads(spec.read_text("utf-8"))["argv"] if spec is not None else None
    except (OSError, ValueError, KeyError, TypeError):
        argv = None
    if isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv):
        return argv
    from jupyter_client.kernelspec import KernelSpecManager

    return list(KernelSpecManager().get_kernel_spec(name).argv)


_ZYGOTES: dict[tuple[str, ...], Zygote] = {}


def zygote_for(python: list[str], env: dict[str, str]) -> Zygote:
    """This process's zygote for the kernel interpreter ``python`` (started on first use, again if
    it died or the environment changed)."""
    import atexit

    key = tuple(python)
    z = _ZYGOTES.get(key)
    if z is None or not z.fits(env):
        if z is not None:
            z.close()
        z = _ZYGOTES[key] = Zygote(python, env)
        atexit.register(z.close)
    return z


def main() -> None:
    if sys.argv[1:] == ["--zygote"]:
        zygote()
        return
    skip_unused_imports(kernel=True)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=[*sys.argv[1:], *REPORT_KERNEL_ARGS])


if __name__ == "__main__":
    main()
