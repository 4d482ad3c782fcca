"""nbval goldens: every template executed on the sample store, kept with its outputs.

``python -m tools.goldens [NN-name ...]`` (``make goldens``) runs each template notebook with its
parameters from ``params/ci.yaml`` and writes ``tests/goldens/NN-name.ipynb``. Outputs of cells
tagged ``nbval-ignore-output`` (figures) are stripped, as are papermill's timings, so the file only
changes when a checked number changes. ``make test`` re-executes the goldens with nbval in strict
mode (``--nbval --nbval-sanitize-with tests/goldens/sanitize.cfg``): a changed metric, model or
parser fails there before it reaches a report. Regenerate deliberately, review the diff, commit.

"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat

from helpers.paths import notebooks_dir, project_root, resolve
from helpers.pipeline.render import load_template

log = logging.getLogger(__name__)

CI_PARAMS = "params/ci.yaml"
GOLDENS_DIR = "tests/goldens"
IGNORE_TAG = "nbval-ignore-output"
#: Environment a golden is made and checked in (pseudonyms, hashing, the report switch).
GOLDEN_ENV = {"WORKBOOK_ID_SALT": "workbook-goldens", "PYTHONHASHSEED": "0"}


def load_ci(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """``params/ci.yaml``: ``defaults`` (given to a template only if it declares them), the sample
    ``store`` and what builds it (``store_source``), and per-notebook ``notebooks`` parameters."""
    import yaml

    p = resolve(path or CI_PARAMS)
    data = yaml.safe_load(p.read_text("utf-8")) or {}
    if not isinstance(data.get("notebooks"), Mapping):
        raise ValueError(f"{p}: expected a 'notebooks' mapping of template name -> parameters")
    return data


def templates(names: Sequence[str] = ()) -> list[Path]:
    """The template sources (``notebooks/NN-name.py``), optionally only some names."""
    found = sorted(notebooks_dir().glob("[0-9][0-9]-*.py"))
    if names:
        wanted = {n.removesuffix(".py").removesuffix(".ipynb") for n in names}
        unknown = wanted - {f.stem for f in found}
        if unknown:
            raise ValueError(f"no template(s) {', '.join(sorted(unknown))} in {notebooks_dir()}")
        found = [f for f in found if f.stem in wanted]
    return found


def declared_parameters(template: Path) -> set[str]:
    """The names a template's ``parameters`` cell declares (papermill's own reading of it)."""
    import papermill as pm

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{template.stem}.ipynb"
        nbformat.write(load_template(template), path)
        return set(pm.inspect_notebook(str(path)))


def notebook_params(template: Path, ci: Mapping[str, Any]) -> dict[str, Any]:
    """A template's run parameters: its ``notebooks`` entry over the ``defaults`` it declares."""

    declared = declared_parameters(template)
    defaults = {k: v for k, v in (ci.get("defaults") or {}).items() if k in declared}
    own = dict(ci["notebooks"].get(template.stem) or {})
    params = {**defaults, **own}
    if "store" in declared and "store" not in params and ci.get("store"):
        params["store"] = ci["store"]
    params.setdefault("summary_path", "")
    return {k: v for k, v in params.items() if k in declared or k in own}


def ensure_store(ci: Mapping[str, Any]) -> Path:
    """The sample store the CI parameters point at, ingested from ``store_source`` when absent."""
    store = resolve(ci["store"])
    source = resolve(ci["store_source"]) if ci.get("store_source") else None
    built = list(store.glob("*/platform=*/date=*/*.parquet"))
    newest_source = (
        max((p.stat().st_mtime for p in source.rglob("*") if p.is_file()), default=0.0)
        if source
        else 0.0
    )
    if built and newest_source <= max(p.stat().st_mtime for p in built):
        return store
    if source is None or not source.exists():
        if built:
            return store
        raise FileNotFoundError(
            f"sample store {store} is empty and its source {source} does not exist "
            "(run `make sample`)"
        )
    from helpers.ingest import ingest_paths

    log.info("building the sample store %s from %s", store, source)
    shutil.rmtree(store, ignore_errors=True)
    outcome = ingest_paths([source], store)
    if not getattr(outcome, "ok", True):
        raise RuntimeError(f"ingest of {source} into {store} failed:\n{outcome.table()}")
    return store


def execute(
    template: Path, params: Mapping[str, Any], output: Path, *, timeout_s: int = 900
) -> Path:
    """Run a template with papermill from the project root (raises on a failing cell)."""
    import papermill as pm

    from helpers.pipeline.render import kernel_manager_class, kernel_name

    saved = {k: os.environ.get(k) for k in GOLDEN_ENV}
    os.environ.update(GOLDEN_ENV)
    try:
        pm.execute_notebook(
            load_template(template),
            str(output),
            parameters=dict(params),
            kernel_name=kernel_name(),
            kernel_manager_class=kernel_manager_class(),
            cwd=str(project_root()),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout_s,
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return output


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A golden's stable form: ignored cells without outputs, no papermill timings or run
    metadata."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell["id"] = f"golden-{i:03d}"
        if cell.cell_type != "code":
            continue
        if IGNORE_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
        for out in cell.outputs:
            if out.get("output_type") == "execute_result":
                out["metadata"] = {}
            if out.get("output_type") == "display_data":
                out["metadata"] = {}
                out.get("data", {}).pop("application/vnd.plotly.v1+json", None)
    return nb


def generate(
    names: Sequence[str] = (), *, ci_path: str | None = None, out_dir: str | None = None
) -> list[Path]:
    """Execute templates on the sample store and write their goldens; returns the paths written."""
    ci = load_ci(ci_path)
    ensure_store(ci)
    target_dir = resolve(out_dir or GOLDENS_DIR)
    target_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for template in templates(names):
        params = notebook_params(template, ci)
        with tempfile.TemporaryDirectory() as tmp:
            executed = execute(template, params, Path(tmp) / f"{template.stem}.ipynb")
            nb = strip(nbformat.read(executed, as_version=4))
        golden = target_dir / f"{template.stem}.ipynb"
        text = nbformat.writes(nb) + "\n"
        if not golden.exists() or golden.read_text("utf-8") != text:
            golden.write_text(text, encoding="utf-8")
        log.info("golden %s", golden)
        written.append(golden)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.goldens", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "names", nargs="*", help="templates to regenerate (default: all), e.g. 20-session-review"
    )
    parser.add_argument(
        "--params", default=CI_PARAMS, help="CI parameters file (default params/ci.yaml)"
    )
    parser.add_argument("--out", default=GOLDENS_DIR, help="goldens folder (default tests/goldens)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for path in generate(args.names, ci_path=args.params, out_dir=args.out):
        print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
