"""Session identity of files that do not name their session: by time, rooms file, --session."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from helpers import cli
from helpers.data.store import list_sessions, load_table
from helpers.ingest import ingest_paths
from helpers.ingest.rooms import RoomsError, load_rooms
from helpers.sim import real_shapes as rs

T0 = datetime(2026, 11, 18, 20, 0, 12, tzinfo=rs.CN)
A = rs.Show("阿强的店", "70010000001", T0, 120)
B = rs.Show(
    "阿强的店·二号", "70010000002", T0 + timedelta(minutes=90), 100
)  # overlaps A's last 30 min
SID_A, SID_B = "dy-70010000001-20261118-2000", "dy-70010000002-20261118-2130"


@pytest.fixture()
def store(tmp_path) -> Path:
    rs.write_session_list(tmp_path / "list.xlsx", [A, B])
    out = ingest_paths([tmp_path / "list.xlsx"], tmp_path / "store")
    assert out.ok and list_sessions(tmp_path / "store")["session_id"].to_list() == [SID_A, SID_B]
    return tmp_path / "store"


def test_rows_go_to_the_one_session_whose_window_holds_them(tmp_path, store):
    # one comment a minute from 20:00:17; windows get one minute of slack on each side
    f = rs.write_comments_no_account(tmp_path / "c.csv", T0, ["x"] * 200)
    r = ingest_paths([f], store).files[0]
    assert r.attached_by_time == [SID_A, SID_B]
    assert r.rows_in == r.rows_kept + r.rows_quarantined == 200
    got = load_table("comments", store).group_by("session_id").len().sort("session_id").rows()
    # A alone until B's window opens at 21:29:12 (89 rows); B alone from 22:01:17 to 23:10:17 (70)
    assert got == [(SID_A, 89), (SID_B, 70)]
    reasons = pl.DataFrame(r.quarantined)["reason"]
    assert reasons.str.contains(
        f"several sessions' windows contain this time: {SID_A}, {SID_B}"
    ).any()
    assert reasons.str.contains("no known session's start–end window").any()


def test_the_table_says_attached_by_time(tmp_path, store):
    f = rs.write_trend_no_account(tmp_path / "t.csv", T0, 30)
    out = ingest_paths([f], store)
    assert f"attached by time to {SID_A}" in out.table()
    assert out.to_json()["files"][0]["attached_by_time"] == [SID_A]


def test_session_flag_attaches_every_row_and_an_unknown_one_is_refused(tmp_path, store):
    f = rs.write_comments_no_account(tmp_path / "c.csv", T0 + timedelta(minutes=95), ["x"] * 10)
    r = ingest_paths([f], store, session=SID_B).files[0]
    assert (r.rows_kept, r.rows_quarantined, r.attached_by_time) == (10, 0, [])
    assert load_table("comments", store)["session_id"].unique().to_list() == [SID_B]
    with pytest.raises(ValueError, match="give --room NAME and --start"):
        ingest_paths([f], store, session="dy-nope-20261118-2000")


def test_room_and_start_create_the_session_ending_at_the_last_time(tmp_path):
    f = rs.write_comments_no_account(tmp_path / "c.csv", T0, ["a", "b", "c"])
    store = tmp_path / "s"
    out = ingest_paths([f], store, room="小店", start=datetime(2026, 11, 18, 20, 0, tzinfo=rs.CN))
    assert out.ok
    row = list_sessions(store).row(0, named=True)
    assert (row["session_id"], row["room"], row["platform"]) == (
        "dy-小店-20261118-2000",
        "小店",
        "douyin",
    )
    assert row["end_ts"] == T0 + timedelta(minutes=2, seconds=5)  # the last comment


def test_orders_of_an_account_nobody_knows_say_to_add_it_to_the_rooms_file(tmp_path, store):
    f = rs.write_doudian_orders(tmp_path / "o.csv", "7001", T0, 3)
    rooms = tmp_path / "rooms.yaml"
    rooms.write_text('rooms:\n  - room: 别的店\n    accounts: ["9"]\n', encoding="utf-8")
    r = ingest_paths([f], store, rooms=rooms).files[0]
    assert r.rows_quarantined == 3
    assert f"add it to the rooms file ({rooms})" in r.quarantined[0]["reason"]
    assert r.quarantined[0]["value"] == "7001"


def test_shop_orders_without_a_daren_column_attach_by_time(tmp_path, store):
    f = rs.write_doudian_orders(tmp_path / "o.csv", "", T0 + timedelta(minutes=10), 3)
    text = f.read_text(encoding="utf-8-sig").replace(",达人ID", "").replace(",\n", "\n")
    f.write_text(text, encoding="utf-8-sig")
    r = ingest_paths([f], store).files[0]
    assert (r.rows_kept, r.rows_quarantined, r.attached_by_time) == (3, 0, [SID_A])


def test_rooms_file_makes_a_handle_trend_join_the_session_list_session(tmp_path, store):
    rooms = tmp_path / "rooms.yaml"
    rooms.write_text(
        'rooms:\n  - room: 阿强的店\n    platform: douyin\n    accounts: [aq002, "7001", '
        '"70010000001"]\n',
        encoding="utf-8",
    )
    lines = ["抖音号,开播时间,时间,在线人数"] + [
        f"aq002,2026-11-18 20:00,{T0 + timedelta(minutes=m):%Y-%m-%d %H:%M},{100 + m}"
        for m in range(5)
    ]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_paths([tmp_path / "t.csv"], store, rooms=rooms)
    assert load_table("trend", store)["session_id"].unique().to_list() == [SID_A]
    assert list_sessions(store).height == 2  # no second session for the handle


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("rooms: [", "not valid YAML"),
        (b"rooms:\n  - room: \xff\xfe\n", r"not UTF-8 text \(byte 0xff at offset 17\)"),
        ("rooms:\n  - room: !!python/object/apply:os.system [id]\n", "not valid YAML"),
        ("room: x", "top-level 'rooms:' list"),
        ("rooms:\n  - accounts: [a]\n", "entry 1 has no 'room:'"),
        (
            "rooms:\n  - room: x\n    accounts: [a]\n  - room: y\n    accounts: [a]\n",
            "listed under 'x' and 'y'",
        ),
    ],
)
def test_a_bad_rooms_file_is_named_with_what_is_wrong(tmp_path, text, match):
    p = tmp_path / "rooms.yaml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(RoomsError, match=match) as exc:
        load_rooms(p)
    assert str(p) in str(exc.value)


def test_cli_paths_are_relative_to_the_current_directory(tmp_path, monkeypatch, capsys):
    work = tmp_path / "elsewhere"
    (work / "data").mkdir(parents=True)
    rs.write_session_list(work / "list.xlsx", [A])
    rs.write_doudian_orders(work / "orders.csv", "7001", T0, 2)
    (work / "data" / "rooms.yaml").write_text(
        'rooms:\n  - room: 阿强的店\n    accounts: ["7001", "70010000001"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(work)
    assert cli.main(["ingest", "list.xlsx", "orders.csv", "--store", "new/store"]) == 0
    assert (work / "new" / "store" / "sessions").is_dir()  # created here, not in the checkout
    assert (
        load_table("orders", work / "new" / "store").height == 2
    )  # the default rooms file was read
    assert "store: " + str(work / "new" / "store") in capsys.readouterr().out
    assert cli.main(["ingest", "orders.csv", "--store", "new/store", "--session", "nope"]) == 2
