"""The benchmarks' own set-up (``make bench`` is not run by the suite; what it builds on is)."""

from __future__ import annotations

from pathlib import Path

from helpers.pipeline.render import REPORT_KINDS, template_path


def test_the_weekly_bench_home_holds_every_template(tmp_path: Path, monkeypatch) -> None:
    from bench.weekly import frozen_home

    home = frozen_home(tmp_path)
    monkeypatch.setenv("WORKBOOK_HOME", str(home))
    for kind in REPORT_KINDS:
        path = template_path(kind)
        assert path.is_relative_to(home) and path.is_file(), kind


def test_the_canonical_bench_file_ingests_clean(tmp_path: Path) -> None:
    """The ratio compares like with like only if every row of the bench's file is kept."""
    from bench.ingest import make_canonical, phase_canonical_ingest

    out = phase_canonical_ingest(make_canonical(tmp_path / "viewers.csv", 1_000))
    assert (out["rows_in"], out["rows"], out["quarantined"]) == (1_000, 1_000, 0)
