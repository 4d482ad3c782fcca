"""Value parsers: one test per quirk of EXPORTS.md, plus property tests (no input crashes a
parser)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.ingest.parsing import KINDS, ParseError, parse_range, parse_series, parse_value

CN = ZoneInfo("Asia/Shanghai")


def dt(*a: int) -> datetime:
    return datetime(*a, tzinfo=CN)


@pytest.mark.parametrize("token", ["-", "--", "—", "——", "", "  ", " - ", None, "N/A", "nan"])
@pytest.mark.parametrize(
    "kind", ["number", "count", "money", "ratio", "duration", "datetime", "bool", "id", "string"]
)
def test_missing_tokens_are_missing_not_errors(token, kind):
    assert parse_value(token, kind) is None


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("3.06万", "count", 30600),
        ("34,180", "count", 34180),
        ("1.2亿", "money", 120_000_000.0),
        ("¥236,552", "money", 236552.0),
        ("￥1,234.00", "money", 1234.0),
        ("1,234.00", "money", 1234.0),
        ("1234.5", "money", 1234.5),
        ("-12.5", "money", -12.5),
        (" 42 ", "count", 42),
        ("3.06万", "number", 30600.0),
    ],
)
def test_numbers_money_and_wan(text, kind, expected):
    assert parse_value(text, kind) == pytest.approx(expected)


def test_money_in_fen_from_apis():
    assert parse_value("123456", "money", unit="fen") == pytest.approx(1234.56)


@pytest.mark.parametrize(
    ("text", "scale", "expected"),
    [
        ("12.5%", "fraction", 0.125),
        ("0.68%", "fraction", 0.0068),
        ("0.1528", "fraction", 0.1528),
        ("12.5", "percent", 0.125),
        ("12.5%", "percent", 0.125),
        ("1,250%", "percent", 12.5),
    ],
)
def test_ratios_by_column_meaning(text, scale, expected):
    assert parse_value(text, "ratio", scale=scale) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "unit", "seconds"),
    [
        ("1分5秒", "s", 65),
        ("1小时2分3.5秒", "s", 3723.5),
        ("00:01:23", "s", 83),
        ("01:23", "s", 83),
        ("1:02:03.25", "s", 3723.25),
        ("65", "s", 65),
        ("1.07", "min", 64.2),
        ("2", "h", 7200),
        ("45秒", "s", 45),
        ("3分钟", "s", 180),
    ],
)
def test_durations(text, unit, seconds):
    assert parse_value(text, "duration", unit=unit) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026/09/07 08:55:37", dt(2026, 9, 7, 8, 55, 37)),
        ("2025/2/5", dt(2025, 2, 5)),
        ("2025-02-05 20:00:00", dt(2025, 2, 5, 20)),
        ("2025-02-05 20:00", dt(2025, 2, 5, 20)),
        ("2025年2月5日 20:00", dt(2025, 2, 5, 20)),
        ("2026-11-16T20:00:00+08:00", dt(2026, 11, 16, 20)),
        ("2026/11/16 20:10:47.654266", dt(2026, 11, 16, 20, 10, 47, 654266)),
        ("2026-11-16 20:10:47.5", dt(2026, 11, 16, 20, 10, 47, 500000)),
        ("1763294400", dt(2025, 11, 16, 20)),  # unix seconds are UTC instants, shown in China time
        ("1763294400000", dt(2025, 11, 16, 20)),
        ("1763294523.990648", dt(2025, 11, 16, 20, 2, 3, 990648)),
    ],
)
def test_datetimes_china_time(text, expected):
    got = parse_value(text, "datetime")
    assert got == expected
    assert got.utcoffset().total_seconds() == 8 * 3600


def test_date_kind():
    assert parse_value("2026/11/16", "date") == date(2026, 11, 16)


@pytest.mark.parametrize(
    "bad", ["2026-02-30", "99999-1-1", "2026-11-16T20:00:00Z", "tomorrow", "1800-01-01"]
)
def test_bad_datetimes_are_rejected_with_reason(bad):
    with pytest.raises(ParseError, match="date-time"):
        parse_value(bad, "datetime")


def test_one_cell_range_and_time_only_end():
    assert parse_range("2026/07/28 08:15:49-2026/07/28 15:44:39") == (
        dt(2026, 7, 28, 8, 15, 49),
        dt(2026, 7, 28, 15, 44, 39),
    )
    assert parse_range("2026/07/28 08:15 ~ 2026/07/28 09:00") == (
        dt(2026, 7, 28, 8, 15),
        dt(2026, 7, 28, 9),
    )
    assert parse_range("2026/07/28 20:00-23:30") == (dt(2026, 7, 28, 20), dt(2026, 7, 28, 23, 30))
    with pytest.raises(ParseError, match="range"):
        parse_range("2026/07/28")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('="3701087276940114534"', "3701087276940114534"),
        ("'123456", "123456"),
        ("123.0", "123"),
        ("6938345900000000001", "6938345900000000001"),
        (" abc ", "abc"),
        ("\t3701087276940114534", "3701087276940114534"),
    ],
)
def test_ids_stay_strings(text, expected):
    assert parse_value(text, "id") == expected


def test_ids_mangled_by_excel_are_rejected():
    with pytest.raises(ParseError, match="scientific"):
        parse_value("3.70109E+18", "id")


@pytest.mark.parametrize(
    ("text", "expected"), [("是", True), ("否", False), ("true", True), ("0", False), ("Y", True)]
)
def test_bools(text, expected):
    assert parse_value(text, "bool") is expected


def test_enum_labels_and_canonical_values():
    values = {"已支付": "paid", "已退款": "refunded"}
    assert parse_value("已支付", "enum", values=values) == "paid"
    assert parse_value("refunded", "enum", values=values) == "refunded"
    with pytest.raises(ParseError, match="one of"):
        parse_value("发货中", "enum", values=values)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("abc", "count"),
        ("1.5", "count"),
        ("-3", "count"),
        ("inf", "number"),
        ("1e400", "money"),
        ("12%%", "ratio"),
        ("1分钟5", "duration"),
    ],
)
def test_rejections(text, kind):
    with pytest.raises(ParseError):
        parse_value(text, kind)


def test_text_is_kept_as_written():
    assert parse_value("  主播说话太快 ", "text") == "  主播说话太快 "
    assert parse_value("-", "text") == "-"  # a comment may be "-"


def test_series_mixes_fast_and_slow_forms_in_one_column():
    s = pl.Series(["65", "1分5秒", "00:01:05", "-", "bad", None, "1.5"])
    p = parse_series(s, "duration")
    assert p.values.to_list() == [65.0, 65.0, 65.0, None, None, None, 1.5]
    assert p.rejected.to_list() == [False, False, False, False, True, False, False]
    d = parse_series(
        pl.Series(["2026/11/16 20:00:00.5", "2026-11-16 20:00:01", "2026年11月16日 20:00", "x"]),
        "datetime",
    )
    assert d.values.to_list()[:3] == [
        dt(2026, 11, 16, 20, 0, 0, 500000),
        dt(2026, 11, 16, 20, 0, 1),
        dt(2026, 11, 16, 20),
    ]
    assert d.rejected.to_list() == [False, False, False, True]


# ------------------------------------------------------------------------- property tests

cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.from_regex(r"[ ¥￥]?[0-9]{1,9}([.,][0-9]{0,6})?[万亿%]?", fullmatch=True),
    st.from_regex(
        r"\d{4}[-/]\d{1,2}[-/]\d{1,2}( \d{1,2}:\d{2}(:\d{2}(\.\d{1,8})?)?)?", fullmatch=True
    ),
    st.from_regex(r"(\d+小时)?(\d+分)?(\d+(\.\d+)?秒)?|\d+:\d{1,2}(:\d{1,2})?", fullmatch=True),
    st.from_regex(r'="?\d{1,20}"?|\d\.\d+E\+\d+', fullmatch=True),
)


@settings(max_examples=150, deadline=None)
@given(value=cells, kind=st.sampled_from([k for k in KINDS if k != "enum"]))
def test_no_input_crashes_a_parser(value, kind):
    """Every parser returns a value (or None for missing) or raises ParseError with a reason."""
    try:
        out = parse_value(value, kind)
    except ParseError as exc:
        assert "expected" in str(exc)
        return
    if out is None:
        return
    expected_types = {
        "count": int,
        "number": float,
        "money": float,
        "ratio": float,
        "duration": float,
        "datetime": datetime,
        "date": date,
        "bool": bool,
        "id": str,
        "string": str,
        "text": str,
    }
    assert isinstance(out, expected_types[kind])
    if kind in ("count", "duration"):
        assert out >= 0


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(cells, min_size=1, max_size=12),
    kind=st.sampled_from(["count", "money", "duration", "datetime", "id"]),
)
def test_column_parse_equals_cell_by_cell(values, kind):
    """The vectorised column path gives each cell exactly what the scalar path gives it."""
    col = parse_series(
        pl.Series("v", [None if v is None else str(v) for v in values], dtype=pl.String), kind
    )
    for v, got, rejected in zip(values, col.values.to_list(), col.rejected.to_list(), strict=True):
        try:
            assert parse_value(v, kind) == got
            assert not rejected
        except ParseError:
            assert rejected and got is None


@settings(max_examples=80, deadline=None)
@given(value=st.one_of(st.none(), st.text(max_size=60)))
def test_ranges_never_crash(value):
    try:
        start, end = parse_range(value)
    except ParseError:
        return
    assert start is not None and end is not None


def test_constant_columns_take_the_one_cell_shortcut_without_changing_results():
    s = pl.Series(["2026/11/16 20:00:00"] * 300 + [None])
    p = parse_series(s, "datetime")
    assert p.values.null_count() == 1 and p.values[0] == dt(2026, 11, 16, 20)
    c = parse_series(pl.Series(["x"] * 400), "count")
    assert c.rejected.all() and c.values.null_count() == 400


def test_fractional_times_among_whole_seconds_read_as_without_the_split():
    from helpers.ingest import parse_time

    head = ["2026/11/16 22:25:03.799540", "2026/11/16 23:00:00"] * 40
    odd = ["2026/11/16 22:25:03.+12", "2026/11/16 23:00:00 ", "2026-11/16 22:25:03.5", None, "-"]
    s = pl.Series("t", head + odd)
    split, micros = parse_time._split(s)
    assert micros is not None and split[0] == "2026/11/16 22:25:03" and split[-4] == odd[1]
    whole = parse_time.fallback(
        s, pl.Series("t", [None] * s.len(), pl.Datetime("us")), parse_time._dt_slow
    )
    assert parse_time._dt_naive(s).head(80).equals(whole.head(80))
    assert parse_time.datetimes(s)[0].microsecond == 799540


def test_plain_checks_a_column_of_few_values_on_those_values_with_the_same_answer():
    from helpers.ingest.cells import plain

    clean = pl.Series("s", ["男", "女", None] * 5000)
    assert plain(clean)
    for late in (" 男", "-", "女\r"):
        assert not plain(clean.extend(pl.Series("s", [late])))
