"""Shared fixtures: a small simulated week (canonical tables + truth) and a store holding it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("WORKBOOK_HOME", str(ROOT))


@pytest.fixture(scope="session")
def sim_week():
    """A seeded simulated week of 7 sessions, 1,500 viewers each (canonical tables + truth)."""
    from helpers.sim.simulate import simulate_week

    return simulate_week(seed=11, viewers=1500)


@pytest.fixture(scope="session")
def sim_store(sim_week, tmp_path_factory) -> Path:
    """A canonical store holding ``sim_week``."""
    from helpers.data.store import write_session_tables

    store = tmp_path_factory.mktemp("store")
    write_session_tables(sim_week.tables, store)
    return store
