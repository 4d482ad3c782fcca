"""The strongest ingest test: simulate → platform-style exports → ingest → the simulated tables
again.

Also: the ledger (same folder twice changes nothing; a "(1)" copy is a duplicate), a newer export of
a session replacing the older one with history kept, and atomicity (a crash mid-ingest leaves the
store byte-for-byte as it was).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import polars as pl
import pytest

from helpers.data import schema
from helpers.data.store import HISTORY, ledger_table, load_table, read_ledger
from helpers.ingest import ingest_paths, load_quarantine
from helpers.sim.platform_exports import write_platform_exports

MONEY = {
    "amount",
    "gmv",
    "paid_gmv",
    "refund_amount",
    "ad_spend",
    "spend",
    "price",
    "list_price",
    "target",
}


@pytest.fixture(scope="module")
def exports(sim_week, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    write_platform_exports(sim_week.tables, out, seed=3)
    return out


@pytest.fixture(scope="module")
def ingested(exports, tmp_path_factory):
    store = tmp_path_factory.mktemp("rt") / "store"
    return store, ingest_paths([exports], store)


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_exports_exercise_the_quirks(exports):
    names = sorted(p.name for p in exports.iterdir())
    assert any(n.startswith("直播间列表") for n in names)
    for prefix in (
        "整场数据_",
        "分钟趋势_",
        "直播商品_",
        "场记_",
        "直播订单_",
        "评论_",
        "观众明细_",
    ):
        assert sum(n.startswith(prefix) for n in names) == 7, prefix
    orders = next(exports.glob("直播订单_*.csv")).read_bytes()
    assert orders.startswith(b"\xef\xbb\xbf") and b'"=""' in orders
    viewers = next(exports.glob("观众明细_*.csv")).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        viewers.decode("utf-8")
    text = viewers.decode("gb18030")
    assert (
        "分" in text and "秒" in text and text.count("用户ID") == 2
    )  # mixed durations, a repeated header
    trend = next(exports.glob("分钟趋势_*.csv")).read_bytes().decode("gb18030")
    assert "累计成交订单数" in trend and "累计成交金额" in trend


def test_round_trip_equals_the_simulation(sim_week, ingested):
    store, outcome = ingested
    assert outcome.ok and outcome.totals()["rows_quarantined"] == 0
    for f in outcome.files:
        assert f.status == "ingested" and f.rows_in == f.rows_kept, f.path
    for name, sim in sim_week.tables.items():
        cols = [c for c in sim.columns if not c.startswith("sim_")]
        got = load_table(name, store)
        assert set(cols) <= set(got.columns), (name, set(cols) - set(got.columns))
        key = list(schema.TABLES[name].key) or [
            c for c in ("session_id", "metric", "ts", "text", "viewer_id") if c in cols
        ]
        a, b = (
            sim.select(cols).sort(key, nulls_last=True),
            got.select(cols).sort(key, nulls_last=True),
        )
        assert a.height == b.height, name
        for c in cols:
            x, y = a[c], b[c]
            assert x.dtype == y.dtype, (name, c)
            if x.dtype == pl.Float64:
                tol = 0.0051 if c in MONEY else 1e-6
                diff = (x - y).abs().max()
                assert diff is None or diff <= tol, (name, c, diff)
                assert (x.is_null() == y.is_null()).all(), (name, c)
            else:
                assert x.equals(y), (name, c)


def test_platform_ratios_agree_with_recomputed(ingested):
    _store, outcome = ingested
    checks = outcome.cross_checks
    assert checks.height > 50 and set(checks["metric"]) >= {
        "conversion_rate",
        "product_ctr",
        "click_to_order",
        "gpm",
    }
    assert outcome.totals()["cross_check_mismatches"] == 0


def test_skipped_rows_are_listed_with_reasons(ingested):
    store, _ = ingested
    skipped = load_quarantine(store, action="skipped")
    reasons = skipped.group_by("reason").len().sort("reason")
    assert dict(reasons.iter_rows()) == {
        "repeated header row": 7,
        "total row (整体/合计), not a data row": 7,
    }


def test_same_folder_twice_changes_nothing_and_says_so(exports, ingested, tmp_path):
    store, first = ingested
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    before = snapshot(copy)
    again = ingest_paths([exports], copy)
    assert {f.status for f in again.files} == {"duplicate"}
    assert all(f.duplicate_of for f in again.files) and again.totals()["rows_kept"] == 0
    assert snapshot(copy) == before
    assert len(read_ledger(copy)) == len(first.files)


def test_downloaded_twice_is_a_duplicate_even_in_one_run(exports, tmp_path):
    src = next(exports.glob("评论_*.csv"))
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(src, folder / src.name)
    shutil.copy(src, folder / f"{src.stem}(1){src.suffix}")
    out = ingest_paths([folder], tmp_path / "store")
    assert sorted(f.status for f in out.files) == ["duplicate", "ingested"]
    n = load_table("comments", tmp_path / "store").height
    assert n == next(f for f in out.files if f.status == "ingested").rows_kept


def test_newer_export_replaces_older_and_keeps_history(exports, ingested, tmp_path):
    store, _ = ingested
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    old = next(exports.glob("直播订单_*.csv"))
    sid = "dy-" + old.stem.split("_", 1)[1]
    # refunds matured: a later download of the same session's orders with one more refund
    df = pl.read_csv(old, infer_schema=False)
    paid = df["订单状态"].to_list().index("已支付")
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) == paid)
        .then(pl.lit("已退款"))
        .otherwise(pl.col("订单状态"))
        .alias("订单状态"),
        pl.when(pl.int_range(pl.len()) == paid)
        .then(pl.col("订单金额").str.replace("¥", "").str.replace_all(",", ""))
        .otherwise(pl.col("退款金额"))
        .alias("退款金额"),
    )
    newer = tmp_path / "新下载" / old.name
    newer.parent.mkdir()
    newer.write_bytes(df.write_csv().encode("utf-8-sig"))
    before = load_table("orders", copy, session_ids=sid)
    out = ingest_paths([newer], copy)
    r = out.files[0]
    assert r.status == "ingested" and r.replaced and r.replaced[0]["path"] == str(old)
    after = load_table("orders", copy, session_ids=sid)
    assert after.height == before.height  # replaced, not added
    assert (after["status"] == "refunded").sum() == (before["status"] == "refunded").sum() + 1
    assert list((copy / HISTORY).rglob("*.parquet"))  # the older part is kept
    led = ledger_table(copy)
    assert led.filter(pl.col("path") == str(newer))["replaces"][0] == str(old)


def test_crash_mid_ingest_leaves_the_store_as_it_was(exports, ingested, tmp_path, monkeypatch):
    store, _ = ingested
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    before = snapshot(copy)
    newer = tmp_path / "in"
    newer.mkdir()
    for p in sorted(exports.glob("评论_*.csv"))[:3]:
        (newer / p.name).write_bytes(p.read_bytes().replace("抽我".encode(), "抽他".encode()))
    from helpers.ingest import run

    calls = {"n": 0}
    real = run._Run._stage_part

    def flaky(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full (injected)")
        return real(self, *a, **k)

    monkeypatch.setattr(run._Run, "_stage_part", flaky)
    with pytest.raises(OSError, match="injected"):
        ingest_paths([newer], copy)
    assert calls["n"] == 4
    assert snapshot(copy) == before
    assert not list(copy.glob(".txn-*"))


def test_crash_after_commit_marker_is_rolled_forward(exports, tmp_path, monkeypatch):
    from helpers.data import store as st

    src = next(exports.glob("场记_*.csv"))
    root = tmp_path / "store"
    real = st._apply_plan

    def die(root_, txn, plan):
        raise KeyboardInterrupt("power cut (injected)")

    monkeypatch.setattr(st, "_apply_plan", die)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([src], root)
    assert list(root.glob(".txn-*/COMMITTED"))
    monkeypatch.setattr(st, "_apply_plan", real)
    assert st.recover(root)[0].startswith("rolled forward")
    assert load_table("events", root).height > 0 and len(read_ledger(root)) == 1


def test_canonical_and_platform_exports_of_the_same_week_are_not_counted_twice(
    sim_week, exports, ingested, tmp_path
):
    store, _ = ingested
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    canon = tmp_path / "canonical"
    canon.mkdir()
    for name in ("viewers", "comments", "orders"):
        sim_week.tables[name].write_parquet(canon / f"{name}.parquet")
    out = ingest_paths([canon], copy)
    assert out.ok and {f.export_type for f in out.files} == {
        "canonical_viewers",
        "canonical_comments",
        "canonical_orders",
    }
    for name in ("viewers", "comments", "orders"):
        assert load_table(name, copy).height == sim_week.tables[name].height, name


def test_files_hashed_while_read_give_the_same_store_and_duplicates(
    exports, ingested, tmp_path, monkeypatch
):
    """Large CSVs are hashed in a thread while they are read: the same store, the same ledger,
    and a copy in the same run or a second run is still a duplicate."""
    from helpers.ingest import inputs

    store, first = ingested
    monkeypatch.setattr(inputs, "hash_beside", lambda path: True)
    threaded = tmp_path / "store"
    out = ingest_paths([exports], threaded)
    assert [(f.status, f.sha256, f.rows_kept) for f in out.files] == [
        (f.status, f.sha256, f.rows_kept) for f in first.files
    ]
    assert snapshot(threaded).keys() - {"_ledger.jsonl"} == snapshot(store).keys() - {
        "_ledger.jsonl"
    }
    again = ingest_paths([exports], threaded)
    assert {f.status for f in again.files} == {"duplicate"}
    src = next(exports.glob("评论_*.csv"))
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(src, folder / src.name)
    shutil.copy(src, folder / f"{src.stem}(1){src.suffix}")
    twice = ingest_paths([folder], tmp_path / "store2")
    assert sorted(f.status for f in twice.files) == ["duplicate", "ingested"]
