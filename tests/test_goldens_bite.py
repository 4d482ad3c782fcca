"""The goldens bite: with a metric definition changed in a temporary copy of ``helpers`` (UV value
divided by views instead of viewers), nbval on the golden fails; with the real code it passes.
Also the goldens machinery itself: stable stripping and per-template parameters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.pipeline.render import load_template
from tools import goldens

ROOT = Path(__file__).resolve().parents[1]
GOLDENS = ROOT / "tests" / "goldens"
NAMES = [t.stem for t in goldens.templates()]
MUTATION = (
    "\n# goldens-bite test: UV value divided by views (PV) instead of viewers\n"
    'RATIOS["uv_value"] = ("gmv", "views", 1.0)\n'
)


def _nbval(golden: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WORKBOOK_HOME": str(ROOT)}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(GOLDENS / "sanitize.cfg"),
        "-p",
        "no:cacheprovider",
        "-q",
        str(golden),
    ]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["20-session-review", "90-weekly-report"])
def test_goldens_bite(name: str, tmp_path: Path) -> None:
    golden = GOLDENS / f"{name}.ipynb"
    assert golden.exists(), f"no golden {golden.name}: run `make goldens`"
    checked = [
        o
        for c in nbformat.read(golden, as_version=4).cells
        if c.cell_type == "code" and goldens.IGNORE_TAG not in c.metadata.get("tags", [])
        for o in c.outputs
    ]
    assert checked, f"{golden.name} checks no output: it cannot catch a changed number"

    real = _nbval(golden)
    assert real.returncode == 0, real.stdout[-3000:]

    shutil.copytree(
        ROOT / "src" / "helpers", tmp_path / "helpers", ignore=shutil.ignore_patterns("__pycache__")
    )
    metrics = tmp_path / "helpers" / "metrics" / "definitions.py"
    metrics.write_text(metrics.read_text("utf-8") + MUTATION, encoding="utf-8")
    changed = _nbval(golden, pythonpath=tmp_path)
    assert changed.returncode != 0, "nbval passed although UV value was redefined"
    assert "failed" in changed.stdout and "mismatch" in changed.stdout.lower(), changed.stdout[
        -3000:
    ]


def test_strip_is_stable_and_drops_figures() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"start_time": "2026-11-22T01:00:00"}
    fig = nbformat.v4.new_code_cell(
        "fig", metadata={"tags": [goldens.IGNORE_TAG], "papermill": {"duration": 1.0}}
    )
    fig.outputs = [
        nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": {}})
    ]
    table = nbformat.v4.new_code_cell("t", metadata={"execution": {"iopub.status.busy": "x"}})
    table.outputs = [
        nbformat.v4.new_output("execute_result", data={"text/plain": "uv 10.84"}, execution_count=1)
    ]
    nb.cells = [fig, table]
    out = goldens.strip(nb)
    assert "papermill" not in out.metadata
    assert out.cells[0].outputs == [] and out.cells[0].metadata == {"tags": [goldens.IGNORE_TAG]}
    assert out.cells[1].outputs[0]["data"] == {"text/plain": "uv 10.84"}
    assert out.cells[1].metadata == {} and [c["id"] for c in out.cells] == [
        "golden-000",
        "golden-001",
    ]
    assert nbformat.writes(goldens.strip(out)) == nbformat.writes(out)


def test_ci_params_cover_every_template() -> None:
    ci = goldens.load_ci()
    for template in goldens.templates():
        assert template.stem in ci["notebooks"], f"params/ci.yaml has no entry for {template.stem}"
        declared = goldens.declared_parameters(template)
        params = goldens.notebook_params(template, ci)
        assert set(params) <= declared, f"{template.stem}: undeclared {set(params) - declared}"
        assert params["summary_path"] == ""


@pytest.mark.parametrize("name", NAMES)
def test_golden_runs_the_template_as_it_is_now(name: str) -> None:
    """A golden is the template executed: same code cells (papermill's injected parameters aside),
    so nbval re-running the goldens runs every template — a template changed without `make goldens`
    fails here."""
    golden = nbformat.read(GOLDENS / f"{name}.ipynb", as_version=4)
    template = load_template(goldens.templates([name])[0])

    def code(nb: nbformat.NotebookNode) -> list[str]:
        return [
            c.source
            for c in nb.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
        ]

    assert code(golden) == code(template), f"{name}: run `make goldens`"
