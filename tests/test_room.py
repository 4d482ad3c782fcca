"""The room history report on hand-built stores with known answers, and on the sample's variants."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from helpers import room
from helpers.data import schema
from helpers.data.store import atomic_write_parquet, write_session_tables
from helpers.present import sections

TZ = schema.TZ


def _store(tmp: Path, rows: list[dict]) -> Path:
    """sessions + session_totals of one room from rows of start, hours, host, viewers, buyers,
    gmv."""
    sessions, totals = [], []
    for i, r in enumerate(rows):
        sid = f"s{i:03d}"
        start = r["start"].replace(tzinfo=None)
        sessions.append(
            {
                "session_id": sid,
                "platform": "douyin",
                "room": "店",
                "host": r.get("host", "甲"),
                "start_ts": start,
                "end_ts": start + timedelta(hours=r.get("hours", 2.0)),
            }
        )
        for metric in ("viewers", "buyers", "gmv", "views"):
            if metric in r:
                totals.append({"session_id": sid, "metric": metric, "value": float(r[metric])})
    s = pl.DataFrame(sessions).with_columns(pl.col("start_ts", "end_ts").dt.replace_time_zone(TZ))
    write_session_tables({"sessions": s, "session_totals": pl.DataFrame(totals)}, tmp)
    return tmp


def _run(key: str, units: room.RoomUnits):
    out = sections.run(key, units.tables(), units)
    assert out.status == "ok", out
    return out.value


def test_period_change_splits_the_gap_into_known_factors(tmp_path):
    a = [
        {"start": datetime(2026, 11, d, 20), "viewers": 1000, "buyers": 50, "gmv": 5000}
        for d in (2, 4)
    ]
    b = [
        {"start": datetime(2026, 11, d, 20), "viewers": 1200, "buyers": 72, "gmv": 72 * 110}
        for d in (10, 12)
    ]
    units = room.open_room(_store(tmp_path, a + b))
    ch = _run("room_change", units)
    assert ch.gap == pytest.approx(15840 - 10000)
    parts = {p["factor"]: p["contribution"] for p in ch.by_conversion}
    assert sum(parts.values()) == pytest.approx(ch.gap)
    w = (15840 - 10000) / math.log(15840 / 10000)  # LMDI weight
    assert parts["viewers"] == pytest.approx(w * math.log(1.2))
    assert parts["conversion"] == pytest.approx(parts["viewers"])
    assert parts["aov"] == pytest.approx(w * math.log(1.1))


def test_slot_effect_recovers_a_planted_halving(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for i in range(24):
        evening = i % 3 != 0
        gmv = (20000 if evening else 10000) * math.exp(rng.normal(0, 0.05))
        rows.append(
            {
                "start": datetime(2026, 11, 1, 20 if evening else 12) + timedelta(days=i),
                "viewers": 1000,
                "buyers": 50,
                "gmv": gmv,
            }
        )
    ef = _run("room_effects", room.open_room(_store(tmp_path, rows)))
    assert ef.method == "ols_hc3" and ef.n == 24
    noon = ef.model.filter(pl.col("term") == "slot:noon").row(0, named=True)
    assert noon["effect"] == pytest.approx(-0.5, abs=0.05)
    assert noon["lo"] < -0.5 < noon["hi"]


def test_few_units_are_described_not_modelled(tmp_path):
    rows = [
        {"start": datetime(2026, 11, d, 20), "viewers": 1000, "buyers": 50, "gmv": 5000}
        for d in range(1, 6)
    ]
    ef = _run("room_effects", room.open_room(_store(tmp_path, rows)))
    assert ef.method == "descriptive" and ef.model.height == 0
    evening = ef.groups.filter(
        (pl.col("dimension") == "slot") & (pl.col("group") == "evening")
    ).row(0, named=True)
    assert evening["units"] == 5 and evening["gmv_per_hour"] == pytest.approx(2500)


def test_hosts_rank_by_gmv_per_hour_not_by_total(tmp_path):
    rows = [
        {
            "start": datetime(2026, 11, d, 20),
            "host": "甲",
            "hours": 2.0,
            "viewers": 1,
            "buyers": 1,
            "gmv": 10000,
        }
        for d in (1, 2)
    ]
    rows += [
        {
            "start": datetime(2026, 11, d, 10),
            "host": "乙",
            "hours": 1.0,
            "viewers": 1,
            "buyers": 1,
            "gmv": 6000 + 100 * d,
        }
        for d in (3, 4, 5)
    ]
    hosts = _run("room_hosts", room.open_room(_store(tmp_path, rows)))
    assert hosts["host"].to_list() == ["乙", "甲"]
    b, a = hosts.row(0, named=True), hosts.row(1, named=True)
    assert b["gmv_per_hour"] == pytest.approx(6400) and b["lo"] <= 6400 <= b["hi"]
    assert (
        a["gmv_per_hour"] == pytest.approx(5000) and a["lo"] is None
    )  # two sessions: too little data


def test_best_and_worst_name_their_main_factor(tmp_path):
    base = {"viewers": 1000, "buyers": 50, "gmv": 5000}
    rows = [{"start": datetime(2026, 11, d, 20), **base} for d in (1, 2, 3, 4)]
    rows.append({"start": datetime(2026, 11, 5, 20), "viewers": 3000, "buyers": 150, "gmv": 15000})
    rows.append({"start": datetime(2026, 11, 6, 20), "viewers": 1000, "buyers": 50, "gmv": 1000})
    ex = _run("room_extremes", room.open_room(_store(tmp_path, rows)))
    assert ex["best"][0]["unit_id"] == "s004" and ex["best"][0]["main_factor"] == "viewers"
    assert ex["worst"][0]["unit_id"] == "s005" and ex["worst"][0]["main_factor"] == "aov"


def _daily_store(tmp: Path) -> Path:
    rows = []
    for d in range(1, 11):
        day = date(2026, 11, d)
        shown = d != 5  # a day without a show: the overview writes zeros
        for metric, value in (
            ("duration_h", 2.0),
            ("viewers", 1000.0 + 10 * d),
            ("buyers", 40.0 + d),
            ("gmv", 4000.0 + 100 * d),
            ("views", 1500.0),
        ):
            rows.append(
                {
                    "room": "店",
                    "date": day,
                    "metric": metric,
                    "value": value if shown else 0.0,
                    "source_column": metric,
                }
            )
    df = schema.validate("room_days", pl.DataFrame(rows))
    for (day,), part in df.partition_by("date", as_dict=True).items():
        atomic_write_parquet(
            part, tmp / "room_days" / "platform=douyin" / f"date={day}" / "店.parquet"
        )
    return tmp


def test_daily_overview_alone_gives_days_with_the_same_metric_definitions(tmp_path):
    units = room.open_room(_daily_store(tmp_path))
    assert units.grain == "day" and units.frame.height == 9  # the zero day is not a show
    first = units.frame.row(0, named=True)
    assert first["conversion_rate"] == pytest.approx(41 / 1010)
    assert first["gpm"] == pytest.approx(1000 * 4100 / 1500)
    assert first["duration_min"] == pytest.approx(120)
    hosts = sections.run("room_hosts", units.tables(), units)
    assert hosts.status == "needs" and "host" in sections.needs_text(hosts, "en")


def test_date_range_and_unknown_room(tmp_path):
    store = _daily_store(tmp_path)
    units = room.open_room(store, "店", "2026-11-03", "2026-11-06")
    assert units.frame["date"].to_list() == [date(2026, 11, d) for d in (3, 4, 6)]
    with pytest.raises(ValueError, match="not in the store"):
        room.open_room(store, "别的店")


@pytest.mark.slow
def test_room_report_renders_on_a_daily_overview_alone(tmp_path):
    from helpers.pipeline.render import render

    res = render(
        "room", {"store": str(_daily_store(tmp_path / "store"))}, tmp_path / "out", lang="en"
    )
    assert res.ok, res.error
    text = res.html.read_text("utf-8")
    assert "Traceback" not in text and "This section needs the host column" in text
    assert res.data["grain"] == "day" and res.data["units"] == 9 and res.data["change"] is not None


def test_report_sentences_in_both_languages(tmp_path):
    from helpers.room import display
    from helpers.room.periods import PERIOD_DAYS

    rows = [
        {"start": datetime(2026, 11, d, 20), "viewers": 1000, "buyers": 50, "gmv": 5000}
        for d in (2, 4)
    ]
    units = room.open_room(_store(tmp_path, rows))
    scope = "**店** · 2026-11-02 – 2026-11-04 · 2 units (sessions)"
    assert repr(display.scope_text(units, "en")) == scope
    nothing = sections.Outcome("room_change", "ok", value=None)
    (said,) = display.change(nothing, "en")
    assert repr(said) == (
        f"The range does not hold two {PERIOD_DAYS}-day periods with data: nothing to compare."
    )
    ef = _run("room_effects", units)
    (_, text) = display.effects(sections.Outcome("room_effects", "ok", value=ef), "zh")
    assert repr(text).startswith("只有 2 个单位")
