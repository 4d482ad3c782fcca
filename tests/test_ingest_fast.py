"""The canonical fast path (helpers.ingest.fast): typed columns where polars' strict casts take a
column whole, the general parsers for the rest, and the same store and quarantine either way."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from helpers.data.schema import TABLES
from helpers.data.store import load_table
from helpers.ingest import fast, ingest_paths
from helpers.ingest.readers import read_csv


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A canonical sessions CSV, a clean canonical viewers CSV and a messy copy of it."""
    from helpers.sim.simulate import simulate_week

    sim = simulate_week(seed=4, viewers=400, sessions=1)
    d = tmp_path_factory.mktemp("canonical")
    sim.tables["sessions"].write_csv(d / "sessions.csv")
    viewers = sim.tables["viewers"].drop("sim_segment")
    viewers.write_csv(d / "viewers.csv")
    text = (d / "viewers.csv").read_text("utf-8").splitlines()
    header = text[0].split(",")
    cells = [line.split(",") for line in text[1:]]
    cells[3][header.index("watch_s")] = "-"  # missing token in a required column: quarantined
    cells[5][header.index("likes")] = "many"  # unreadable count: quarantined
    cells[7][header.index("returning")] = "是"  # another boolean spelling
    cells[9][header.index("source")] = " 关注 "  # padded text
    (d / "messy.csv").write_text(
        "\n".join([text[0], *(",".join(c) for c in cells)]) + "\n", "utf-8"
    )
    return d / "sessions.csv", d / "viewers.csv", d / "messy.csv"


def _ingest(paths: list[Path], store: Path) -> tuple[pl.DataFrame, list[int]]:
    out = ingest_paths(paths, store)
    viewers = load_table("viewers", store).sort("viewer_id")
    return viewers, [(f.rows_in, f.rows_kept, f.rows_quarantined) for f in out.files]


def test_clean_canonical_chunks_come_typed(files) -> None:
    _, clean, messy = files
    block = next(fast.typed_sheet(read_csv(clean)).blocks)
    schema = block.frame.schema
    assert isinstance(schema["enter_ts"], pl.Datetime) and schema["watch_s"] == pl.Float64
    assert schema["likes"] == pl.Int64 and schema["was_follower"] == pl.Boolean
    assert schema["viewer_id"] == pl.String  # text stays text
    block = next(fast.typed_sheet(read_csv(messy)).blocks)
    assert block.frame.schema["likes"] == pl.String  # "many": the general parser quarantines it
    assert block.frame.schema["shares"] == pl.Int64


@pytest.mark.parametrize("which", ["clean", "messy"])
def test_fast_and_general_paths_give_the_same_store(files, which, tmp_path, monkeypatch) -> None:
    sessions, clean, messy = files
    paths = [sessions, clean if which == "clean" else messy]
    fast_viewers, fast_counts = _ingest(paths, tmp_path / "fast")
    monkeypatch.setattr(fast, "typed_sheet", lambda sheet: sheet)  # the general parsers only
    slow_viewers, slow_counts = _ingest(paths, tmp_path / "slow")
    assert fast_counts == slow_counts
    assert fast_viewers.equals(slow_viewers)
    if which == "messy":  # file lines 5 (watch_s "-", required) and 7 (likes "many") set aside
        assert fast_counts[1] == (400, 398, 2)
        q = pl.concat(
            [pl.read_parquet(f) for f in (tmp_path / "fast" / "_quarantine").glob("*.parquet")]
        )
        assert sorted(zip(q["row"], q["column"], q["value"], strict=True)) == [
            (5, "watch_s", "-"),
            (7, "likes", "many"),
        ]
        assert fast_viewers["source"].str.starts_with(" ").sum() == 0  # padding stripped


def test_iso_times_are_read_by_position_else_by_the_strict_cast() -> None:
    from datetime import UTC, datetime

    def cast(values: list[str | None], dtype: pl.DataType) -> list[object] | None:
        out = fast._cast_all(pl.DataFrame({"t": values}, schema={"t": pl.String}), {"t": dtype})
        return out[0].to_list() if out else None

    utc = pl.Datetime("us", "UTC")
    got = cast(["2026-11-16T20:00:02.729956+0800", None, "2026-11-16T20:00:03.000001+0800"], utc)
    assert got == [
        datetime(2026, 11, 16, 12, 0, 2, 729956, tzinfo=UTC),
        None,
        datetime(2026, 11, 16, 12, 0, 3, 1, tzinfo=UTC),
    ]
    # another layout in one cell (no fraction): the strict cast reads the column whole
    got = cast(["2026-11-16T20:00:02.5+08:00", "2026-11-16T20:00:03+08:00"], utc)
    assert got == [
        datetime(2026, 11, 16, 12, 0, 2, 500000, tzinfo=UTC),
        datetime(2026, 11, 16, 12, 0, 3, tzinfo=UTC),
    ]
    naive = cast(["2026-11-16 20:00:02.250", "2026-11-16 20:00:04.000"], pl.Datetime("us"))
    assert naive == [datetime(2026, 11, 16, 20, 0, 2, 250000), datetime(2026, 11, 16, 20, 0, 4)]
    # not a time: the column stays text for the general parser (which quarantines it)
    assert cast(["2026-11-16T20:00:02.+12345+0800"], utc) is None
    assert cast(["2026-11-16T20:00:02.729956+0800", "2026-11-31T20:00:02.729956+0800"], utc) is None


def _store_of(paths: list[Path], store: Path) -> tuple[pl.DataFrame, pl.DataFrame, list[tuple]]:
    viewers, counts = _ingest(paths, store)
    found = sorted((store / "_quarantine").glob("*.parquet"))
    q = pl.concat([pl.read_parquet(f) for f in found]) if found else pl.DataFrame()
    return viewers, q, counts


def test_clean_canonical_file_is_read_typed(files, tmp_path, monkeypatch) -> None:
    sessions, clean, _ = files
    text = fast.typed_block

    def no_text_path(*args: object, **kwargs: object) -> object:
        raise AssertionError("a clean canonical chunk is read typed, not as text")

    monkeypatch.setattr(fast, "typed_block", no_text_path)
    typed, _, typed_counts = _store_of([sessions, clean], tmp_path / "typed")
    monkeypatch.setattr(fast, "typed_block", text)
    monkeypatch.setattr(fast, "typed_sheet", lambda sheet: sheet)  # the general parsers only
    general, _, general_counts = _store_of([sessions, clean], tmp_path / "general")
    assert typed_counts == general_counts and typed_counts[1] == (400, 400, 0)
    assert typed.schema == general.schema and typed.equals(general)


def test_one_bad_cell_sends_its_chunk_to_the_text_path(files, tmp_path, monkeypatch) -> None:
    sessions, clean, _ = files
    lines = clean.read_text("utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[4].split(",")
    cells[header.index("comments")] = "1x"  # not a count
    lines[4] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", "utf-8")
    dtypes = dict(TABLES["viewers"].dtypes)
    assert fast._typed_read(clean.read_bytes().split(b"\n", 1)[1], header, ",", dtypes) is not None
    assert fast._typed_read(bad.read_bytes().split(b"\n", 1)[1], header, ",", dtypes) is None
    text_reads: list[int] = []
    text = fast.typed_block

    def counted(*args: object, **kwargs: object) -> object:
        text_reads.append(1)
        return text(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fast, "typed_block", counted)
    viewers, q, counts = _store_of([sessions, bad], tmp_path / "store")
    assert text_reads and counts[1] == (400, 399, 1)
    assert q.select("row", "column", "value", "reason").rows() == [
        (5, "comments", "1x", "unreadable value")
    ]
    monkeypatch.setattr(fast, "typed_sheet", lambda sheet: sheet)
    general, general_q, general_counts = _store_of([sessions, bad], tmp_path / "general")
    assert counts == general_counts and viewers.equals(general)
    assert q.drop("sha256", strict=False).equals(general_q.drop("sha256", strict=False))


def test_a_small_utf8_file_is_read_whole_and_a_larger_one_in_chunks(files, monkeypatch) -> None:
    _, clean, _ = files
    whole = list(fast.typed_sheet(read_csv(clean, chunk_bytes=8192)).blocks)
    assert [(b.first_row, b.frame.height) for b in whole] == [(2, 400)]
    assert whole[0].nbytes == clean.stat().st_size
    monkeypatch.setattr(fast, "WHOLE_BYTES", clean.stat().st_size - 1)
    chunks = list(fast.typed_sheet(read_csv(clean, chunk_bytes=8192)).blocks)
    assert len(chunks) > 2 and chunks[0].first_row == 2
    assert [b.first_row for b in chunks[1:]] == [b.first_row + b.frame.height for b in chunks[:-1]]
    assert pl.concat([b.frame for b in chunks]).equals(whole[0].frame)


def test_whole_and_chunked_reads_give_the_same_store(files, tmp_path, monkeypatch) -> None:
    sessions, clean, messy = files
    bom = tmp_path / "bom.csv"  # UTF-8 with a byte-order mark: read in chunks
    bom.write_bytes(b"\xef\xbb\xbf" + clean.read_bytes())
    for path in (clean, messy):
        whole = _store_of([sessions, path], tmp_path / f"whole-{path.stem}")
        with monkeypatch.context() as m:
            m.setattr(fast, "WHOLE_BYTES", 0)
            chunked = _store_of([sessions, path], tmp_path / f"chunked-{path.stem}")
        assert whole[2] == chunked[2] and whole[0].equals(chunked[0])
        if path == messy:
            assert whole[1].drop("sha256").equals(chunked[1].drop("sha256"))
    assert read_csv(bom).utf8_path is None and read_csv(clean).utf8_path == clean
    with_bom = _store_of([sessions, bom], tmp_path / "bom")
    plain = _store_of([sessions, clean], tmp_path / "plain")
    assert with_bom[2] == plain[2] and with_bom[2][1] == (400, 400, 0)
    assert with_bom[0].equals(plain[0])


def test_canonical_viewers_stream_and_list_their_repeated_keys(files, tmp_path, monkeypatch):
    """A canonical viewers file goes where the viewer-level export goes (streamed past
    STREAM_ROWS: flat memory at 10M rows); a repeated key is quarantined with its record."""
    from helpers.ingest import readers, sink
    from helpers.ingest.mapping import load_mappings

    assert next(m for m in load_mappings() if m.id == "canonical_viewers").streamable
    sessions, clean, _ = files
    lines = clean.read_text("utf-8").splitlines()
    dup = tmp_path / "dup.csv"
    dup.write_text("\n".join([*lines, *lines[1:4]]) + "\n", "utf-8")
    whole = _store_of([sessions, dup], tmp_path / "whole")
    monkeypatch.setattr(fast, "WHOLE_BYTES", 0)
    monkeypatch.setattr(readers, "CHUNK_BYTES", 8192)
    monkeypatch.setattr(sink, "STREAM_ROWS", 50)
    streamed = _store_of([sessions, dup], tmp_path / "streamed")
    for viewers, q, counts in (whole, streamed):
        assert counts[1] == (403, 400, 3) and viewers.height == 400
        assert q["reason"].to_list() == ["duplicate key (an earlier row has it)"] * 3
        assert q["column"].unique().to_list() == ["session_id, viewer_id"]
    assert whole[0].equals(streamed[0])
    assert sorted(whole[1]["value"]) == sorted(streamed[1]["value"])
