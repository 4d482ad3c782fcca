"""Papermill smoke runs: every template notebook executes on the sample store with its parameters
from ``params/ci.yaml`` (the same runs the goldens are made from), without a failing cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import goldens

TEMPLATES = [t.stem for t in goldens.templates()]


@pytest.fixture(scope="module")
def ci() -> dict:
    ci = goldens.load_ci()
    goldens.ensure_store(ci)
    return ci


@pytest.mark.slow
@pytest.mark.parametrize("name", TEMPLATES)
def test_template_runs_on_sample_store(name: str, ci: dict, tmp_path: Path) -> None:
    template = goldens.templates([name])[0]
    params = goldens.notebook_params(template, ci)
    summary = tmp_path / "summary.json"
    if "summary_path" in params:
        params["summary_path"] = str(summary)
    goldens.execute(template, params, tmp_path / template.name)  # raises on a failing cell
    if "summary_path" in params:
        assert json.loads(summary.read_text("utf-8")), f"{name} wrote an empty summary"
