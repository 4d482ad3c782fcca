"""nbval goldens run in the environment they were made in (``tools.goldens.GOLDEN_ENV``) and on
the sample store named by ``params/ci.yaml`` (ingested from the bundled sample if absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    if not getattr(config.option, "nbval", False):
        return
    os.environ.setdefault("WORKBOOK_HOME", str(ROOT))
    from tools import goldens

    os.environ.update(goldens.GOLDEN_ENV)
    goldens.ensure_store(goldens.load_ci())
