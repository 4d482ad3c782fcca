"""The project's own files agree with each other: dependencies, notebook pairs, CI command."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]} | {
        _name(r) for r in project["optional-dependencies"]["test"]
    }
    env = yaml.safe_load((ROOT / "environment.yml").read_text("utf-8"))
    have = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert wanted == have, f"only in pyproject: {wanted - have}; only in environment.yml: {have - wanted}"


def test_design_card_layout_exists():
    for name in ("notebooks", "data", "src/helpers", "reports", "tests", "environment.yml", "pyproject.toml"):
        assert (ROOT / name).exists(), name


def test_notebook_templates_are_in_step_with_their_sources_and_have_no_outputs():
    from helpers.notebooks_sync import out_of_step, sources

    assert sources(), "no notebook sources found"
    assert out_of_step() == [], "run `make notebooks`"
    for src in sources():
        text = src.with_suffix(".ipynb").read_text("utf-8")
        assert '"output_type"' not in text, f"{src.stem}.ipynb keeps outputs"


def test_every_template_has_a_tagged_parameters_cell_with_lang_and_summary_path():
    import nbformat

    for nb_path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, nb_path.name
        assert "lang: str" in params[0].source and "summary_path: str" in params[0].source, nb_path.name


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text("utf-8")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "make test" in readme and "make test" in ci
