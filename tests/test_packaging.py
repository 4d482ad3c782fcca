"""The project's own files agree with each other: dependencies, notebook pairs, CI command."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    name = re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503 normal form


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]} | {
        _name(r) for r in project["optional-dependencies"]["test"]
    }
    env = yaml.safe_load((ROOT / "environment.yml").read_text("utf-8"))
    have = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert wanted == have, (
        f"only in pyproject: {wanted - have}; only in environment.yml: {have - wanted}"
    )


def test_design_card_layout_exists():
    for name in (
        "notebooks",
        "data",
        "src/helpers",
        "reports",
        "tests",
        "environment.yml",
        "pyproject.toml",
    ):
        assert (ROOT / name).exists(), name


def test_templates_are_py_percent_sources_naming_the_project_kernel():
    """The .py sources are the truth (read with jupytext at render time); no .ipynb copy to drift,
    and the header names the kernel JupyterLab should start (the one `make setup` registers)."""
    import jupytext

    from helpers.pipeline.render import KERNEL_NAME

    sources = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py"))
    assert len(sources) == 8
    assert not list((ROOT / "notebooks").glob("*.ipynb")), "templates are .py only"
    for src in sources:
        assert jupytext.read(src).metadata["kernelspec"]["name"] == KERNEL_NAME, src.name


def test_notebooks_narrate_and_helpers_compute():
    """Beside the parameters, no code cell of any template holds over 10 lines of code, a loop, a
    comprehension or a try: one call, then a chart or a table (CONTRIBUTING.md)."""
    import re

    from helpers.pipeline.render import load_template

    logic = re.compile(r"^\s*(for|while|try)\b|\bfor\b.+\bin\b", re.M)
    for src in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py")):
        for i, cell in enumerate(load_template(src).cells):
            if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
                continue
            code = [
                ln
                for ln in cell.source.splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")
            ]
            assert len(code) <= 10, f"{src.name} cell {i}: {len(code)} lines of code"
            assert not logic.search("\n".join(code)), f"{src.name} cell {i} holds logic"


def test_every_template_has_a_tagged_parameters_cell_with_lang_and_summary_path():
    from helpers.pipeline.render import load_template

    for nb_path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py")):
        nb = load_template(nb_path)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, nb_path.name
        assert "lang: str" in params[0].source and "summary_path: str" in params[0].source, (
            nb_path.name
        )


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text("utf-8")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "make test" in readme and "make test" in ci


def _imported_top_modules(root: Path) -> set[str]:
    import ast
    import sys

    names: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "helpers"}


def test_runtime_dependencies_are_exactly_what_the_package_imports():
    """Every third-party import of src/helpers is declared, and every declared runtime dependency
    is imported (directly, or as the documented engine of one: fastexcel behind polars.read_excel,
    pyarrow behind Parquet, ipykernel/jupyterlab/nbformat/patsy behind the notebook stack)."""
    from importlib.metadata import packages_distributions

    dist_of = packages_distributions()
    imported = {
        _name(dist_of.get(m, [m])[0]) for m in _imported_top_modules(ROOT / "src" / "helpers")
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    # the evaluation modules compare against SnowNLP, a test extra they import lazily
    declared_for_evaluation = {_name(r) for r in project["optional-dependencies"]["test"]} & {
        "snownlp"
    }
    imported -= declared_for_evaluation
    imported -= {_name(r) for r in project["optional-dependencies"]["dask"]}  # --executor dask://
    engines = {"fastexcel", "pyarrow", "ipykernel", "jupyterlab", "nbformat", "patsy", "jupytext"}
    assert imported - declared == set(), f"imported but not declared: {imported - declared}"
    assert declared - imported - engines == set(), (
        f"declared but never imported: {declared - imported - engines}"
    )
