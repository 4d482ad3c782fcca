"""Value parsers for the quirks of real platform exports, vectorised over polars Series.

:func:`parse_series` parses a String column for a parser *kind* and returns the values and a
*rejected* mask: a cell that held something (not a missing-value token) the parser could not read.
Ingest quarantines those rows with the reason from :func:`expected`. Each parser first tries the
cheap form every clean export uses (one cast over the column) and sends only the cells that fail
to the full quirk handling, so a clean million-row column costs one pass. The scalar form
:func:`parse_value` runs the very same code on one value: it returns the value, or raises
:class:`ParseError` with what was expected (the property tests drive it with arbitrary text).

Kinds (the ``parser`` field of a mapping column):

============  =====================================================================================
``string``    trimmed text; "", "-", "--", "—" (and the other :data:`MISSING_TOKENS`) are missing
``text``      free text kept as written (only blank is missing): comment bodies, labels
``id``        id kept as a string: Excel ``="123"`` wrappers, ``'`` prefixes and ``123.0`` from a
              numeric cell repaired; ids mangled into ``1.23E+18`` are rejected
``number``    float: "1,234.5", "¥236,552", "3.06万", "1.2亿"
``count``     whole non-negative count, same forms ("3.06万" = 30600)
``money``     yuan (option ``unit: fen`` divides API cents by 100)
``ratio``     fraction: "12.5%" is 0.125; a bare number by the column's meaning (option
              ``scale: fraction`` as is, ``scale: percent`` divided by 100)
``duration``  seconds: "1分5秒", "1小时2分3.5秒", "00:01:23", "01:23"; a bare number is in ``unit``
              (s, min or h)
``datetime``  China time (Asia/Shanghai): "2026/09/07 08:55:37", "2025/2/5", "2025-02-05 20:00:00",
              "2025年2月5日 20:00", ISO "T" and "+08:00", fractions of seconds, unix seconds (with
              up to 6 decimals) or milliseconds
``date``      a calendar day in the same forms, or an Excel serial day ("45693.00 ") re-saved by Excel
``bool``      是/否, true/false, 1/0, yes/no, y/n, 有/无
``enum``      a label looked up in ``values`` (export label → canonical value)
============  =====================================================================================

One-cell ranges ("2026/07/28 08:15:49-2026/07/28 15:44:39", also with ~, 至, 到) are parsed by
:func:`parse_range_series`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from helpers.data.schema import TZ

MISSING_TOKENS = (
    "",
    "-",
    "--",
    "---",
    "—",
    "——",
    "－",
    "/",
    "N/A",
    "n/a",
    "NA",
    "null",
    "NULL",
    "None",
    "nan",
    "NaN",
)

EXPECTED: dict[str, str] = {
    "string": "text",
    "text": "text",
    "id": "an id (digits or text; not Excel scientific notation)",
    "number": "a number such as 1,234.5, ¥236,552 or 3.06万",
    "count": "a whole non-negative count such as 34,180 or 3.06万",
    "money": "an amount such as ¥1,234.00 or 3.06万",
    "ratio": "a ratio such as 0.125 or 12.5%",
    "duration": "a duration such as 65, 1分5秒 or 00:01:05",
    "datetime": "a China-time date-time such as 2026/11/16 20:00:00 or unix seconds",
    "date": "a date such as 2026/11/16 or 2026-11-16",
    "bool": "yes/no (是/否, true/false, 1/0)",
    "enum": "one of the known labels",
}
KINDS = tuple(EXPECTED)
RANGE_EXPECTED = "a start–end range such as 2026/11/16 20:00:00-2026/11/16 23:00:00"

TRUE_TOKENS = ("是", "true", "True", "TRUE", "1", "yes", "Yes", "YES", "y", "Y", "有", "1.0")
FALSE_TOKENS = ("否", "false", "False", "FALSE", "0", "no", "No", "NO", "n", "N", "无", "0.0")

_DURATION_UNITS = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0}
_FAST_DT = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
)
_SLOW_DT = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_NUM_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_CN_DUR = r"^(?:(\d+(?:\.\d+)?)(?:小时|时|h))?(?:(\d+(?:\.\d+)?)(?:分钟|分|min|m))?(?:(\d+(?:\.\d+)?)(?:秒|s))?$"
_HMS = r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$"
_RANGE = r"^(.*?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:-|~|～|至|到|—)\s*(.+)$"


class ParseError(ValueError):
    """A value a parser rejects; the message says what was expected."""


@dataclass
class Parsed:
    """Parsed values (null where missing or rejected) and the mask of rejected cells."""

    values: pl.Series
    rejected: pl.Series


# ------------------------------------------------------------------------------------ helpers


def _str(s: pl.Series) -> pl.Series:
    return s if s.dtype == pl.String else s.cast(pl.String)


def _stripped(s: pl.Series) -> pl.Series:
    """Strip surrounding whitespace, touching only the cells that have any (cheap on clean data)."""
    ws = (
        s.str.starts_with(" ")
        | s.str.ends_with(" ")
        | s.str.starts_with("\t")
        | s.str.ends_with("\t")
    )
    ws = (
        ws
        | s.str.starts_with("\u3000")
        | s.str.ends_with("\u3000")
        | s.str.ends_with("\r")
        | s.str.starts_with("\n")
    )
    if not ws.any():
        return s
    idx = ws.fill_null(False).arg_true()
    return s.scatter(idx, s.gather(idx).str.strip_chars())


def _fallback(s: pl.Series, fast: pl.Series, slow: Any) -> pl.Series:
    """``fast`` where it parsed; ``slow(subset)`` for the non-missing cells where it did not."""
    need = fast.is_null() & s.is_not_null() & ~s.is_in(MISSING_TOKENS)
    if not need.any():
        return fast
    idx = need.arg_true()
    sub = s.gather(idx).str.strip_chars()
    out = slow(sub)
    if out.dtype != fast.dtype:
        out = out.cast(fast.dtype, strict=False)
    return fast.scatter(idx, out)


def _finite(v: pl.Series) -> pl.Series:
    return v.set(~v.is_finite().fill_null(True), None) if v.len() else v


# ---------------------------------------------------------------------------------- numbers


def _number_slow(sub: pl.Series, percent: bool) -> pl.Series:
    df = pl.DataFrame({"s": sub.str.replace_all(r"[,，\s¥￥元]", "")})
    suffix = r"(万|亿|%)$" if percent else r"(万|亿)$"
    mult = (
        pl.when(pl.col("s").str.ends_with("亿"))
        .then(1e8)
        .when(pl.col("s").str.ends_with("万"))
        .then(1e4)
    )
    if percent:
        mult = mult.when(pl.col("s").str.ends_with("%")).then(0.01)
    df = df.with_columns(
        mult.otherwise(1.0).alias("m"), pl.col("s").str.replace(suffix, "").alias("c")
    )
    v = df.select(
        pl.when(pl.col("c").str.contains(_NUM_RE)).then(
            pl.col("c").cast(pl.Float64, strict=False) * pl.col("m")
        )
    ).to_series()
    return _finite(v)


def _number(s: pl.Series, percent: bool = False) -> pl.Series:
    fast = _finite(s.cast(pl.Float64, strict=False))
    return _fallback(s, fast, lambda sub: _number_slow(sub, percent))


def _count(s: pl.Series) -> pl.Series:
    fast = s.cast(pl.Int64, strict=False)
    fast = fast.set(fast < 0, None) if fast.len() else fast

    def slow(sub: pl.Series) -> pl.Series:
        v = _number(sub)
        r = v.round(0)
        ok = ((v - r).abs() < 1e-6) & (r >= 0) & (r < 9.2e18)
        return r.set(~ok.fill_null(False), None).cast(pl.Int64)

    return _fallback(s, fast, slow)


def _ratio(s: pl.Series, scale: str) -> pl.Series:
    fast = _finite(s.cast(pl.Float64, strict=False))
    if scale == "percent":
        fast = fast / 100.0

    def slow(sub: pl.Series) -> pl.Series:
        v = _number_slow(sub, True)
        return (
            pl.select(pl.when(sub.str.contains("%")).then(v).otherwise(v / 100.0)).to_series()
            if scale == "percent"
            else v
        )

    return _fallback(s, fast, slow)


def _duration(s: pl.Series, unit: str) -> pl.Series:
    factor = _DURATION_UNITS[unit]
    fast = _finite(s.cast(pl.Float64, strict=False)) * factor

    def slow(sub: pl.Series) -> pl.Series:
        t = sub.str.replace_all(r"\s", "")
        df = pl.DataFrame({"t": t}).with_columns(
            pl.col("t").str.extract_groups(_HMS).alias("h"),
            pl.col("t").str.extract_groups(_CN_DUR).alias("c"),
            (pl.col("t").str.contains(_CN_DUR) & pl.col("t").str.contains(r"[^\d.]")).alias(
                "cn_ok"
            ),
            pl.col("t").str.contains(_HMS).alias("hms_ok"),
        )
        f = lambda st, i: pl.col(st).struct.field(str(i)).cast(pl.Float64, strict=False)  # noqa: E731
        v = df.select(
            pl.when(pl.col("hms_ok"))
            .then(f("h", 1).fill_null(0) * 3600 + f("h", 2) * 60 + f("h", 3))
            .when(pl.col("cn_ok"))
            .then(
                f("c", 1).fill_null(0) * 3600 + f("c", 2).fill_null(0) * 60 + f("c", 3).fill_null(0)
            )
            .otherwise(None)
        ).to_series()
        bare = _number_slow(sub, False) * factor
        return _finite(v.fill_null(bare))

    v = _fallback(s, fast, slow)
    return v.set((v < 0).fill_null(False), None) if v.len() else v


# ---------------------------------------------------------------------------------- datetimes


def _cache(s: pl.Series) -> bool:
    head = s.head(512).drop_nulls()
    return head.len() == 0 or head.n_unique() < 0.5 * head.len()


_US = 1_000_000
_CN_OFFSET_US = 8 * 3600 * _US
_LO_US = 0  # 1970-01-01
_NO_DST_US = 694_224_000 * _US  # 1992-01-01 00:00 UTC: China has kept UTC+8 without DST since
_HI_US = 4_133_980_800 * _US  # 2101-01-01


def _dt_naive(s: pl.Series) -> pl.Series:
    """Naive China-time datetimes (µs) from the common export forms; null where not parsed.

    "2026/11/16 20:02:03.990648" is split at fixed positions (the date-time part repeats across
    rows, so its parse is cached; the fraction is a cheap integer cast).
    """
    out = pl.Series(s.name, dtype=pl.Datetime("us")).extend_constant(None, s.len())
    sample = s.drop_nulls().head(64)
    fixed_frac = bool(sample.len()) and bool(
        ((sample.str.slice(19, 1) == ".") & (sample.str.len_bytes() >= 21)).all()
    )
    micros = None
    head = s
    if fixed_frac:
        frac = s.str.slice(20)
        n = frac.str.len_bytes()
        df = pl.DataFrame({"f": frac, "n": n, "dot": s.str.slice(19, 1) == "."}).select(
            pl.when(pl.col("dot") & (pl.col("n") <= 6) & (pl.col("n") >= 1))
            .then(
                pl.col("f").cast(pl.Int64, strict=False)
                * pl.lit(10, dtype=pl.Int64).pow(6 - pl.col("n").cast(pl.Int64))
            )
            .when(pl.col("n") == 0)  # "2026/11/16 20:00:00" among fractional ones: no fraction
            .then(pl.lit(0, dtype=pl.Int64))
            .otherwise(None)
        )
        micros = df.to_series()
        head = s.str.slice(0, 19).set(micros.is_null(), None)
    cache = _cache(head)
    for fmt in _FAST_DT:
        todo = out.is_null() & head.is_not_null()
        if not todo.any():
            break
        if todo.all():
            out = head.str.to_datetime(fmt, time_unit="us", strict=False, cache=cache)
        else:
            idx = todo.arg_true()
            out = out.scatter(
                idx,
                head.gather(idx).str.to_datetime(fmt, time_unit="us", strict=False, cache=cache),
            )
    if micros is not None:
        out = (out.cast(pl.Int64) + micros).cast(pl.Datetime("us"))
    return out


def _dt_slow(sub: pl.Series) -> pl.Series:
    """The rarer forms: 年月日, ISO "T", "+08:00", single digits, unix seconds/milliseconds."""
    df = pl.DataFrame({"t": sub})
    norm = (
        pl.col("t")
        .str.replace_all(r"[年月/]", "-")
        .str.replace_all("日", " ")
        .str.replace("T", " ")
        .str.replace(r"\+08:?00$", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    df = df.with_columns(norm.alias("n"))
    parsed = pl.coalesce(
        [pl.col("n").str.to_datetime(f, time_unit="us", strict=False) for f in _SLOW_DT]
    )
    digits = pl.col("t").str.contains(r"^\d{10}(\.\d{1,6})?$")
    millis = pl.col("t").str.contains(r"^\d{13}$")
    whole = pl.col("t").str.extract(r"^(\d{10,13})", 1).cast(pl.Int64, strict=False)
    frac = (
        pl.col("t")
        .str.extract(r"^\d{10}\.(\d{1,6})", 1)
        .str.pad_end(6, "0")
        .cast(pl.Int64, strict=False)
        .fill_null(0)
    )
    micros = pl.when(millis).then(whole * 1000).otherwise(whole * 1_000_000 + frac)
    unix = (
        pl.from_epoch(micros, time_unit="us")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(TZ)
        .dt.replace_time_zone(None)
    )
    return df.select(pl.when(digits | millis).then(unix).otherwise(parsed)).to_series()


def _datetime(s: pl.Series) -> pl.Series:
    """Aware Asia/Shanghai datetimes; years outside 1970–2100 are rejected."""
    naive = _fallback(s, _dt_naive(s), _dt_slow)
    us = naive.cast(pl.Int64)
    naive = naive.set(~((us >= _LO_US) & (us < _HI_US)).fill_null(True), None)
    utc_us = us - _CN_OFFSET_US
    old = (utc_us < _NO_DST_US).fill_null(False)
    aware = utc_us.cast(pl.Datetime("us", "UTC")).dt.convert_time_zone(TZ)
    aware = aware.set(naive.is_null(), None)
    if old.any():  # before 1992 China had DST in some years: use the tz database
        idx = old.arg_true()
        aware = aware.scatter(
            idx,
            naive.gather(idx).dt.replace_time_zone(TZ, ambiguous="earliest", non_existent="null"),
        )
    return aware


def _excel_serial_dates(t: pl.Series, dates: pl.Series) -> pl.Series:
    """Dates re-saved by Excel as serial numbers ("45693.00 ", padded) where nothing else parsed."""
    todo = dates.is_null() & t.str.contains(r"^\s*\d{5}(?:\.0+)?\s*$").fill_null(False)
    if not todo.any():
        return dates
    idx = todo.arg_true()
    days = t.gather(idx).str.strip_chars().cast(pl.Float64).cast(pl.Int32)
    serial = (pl.lit(date(1899, 12, 30)) + pl.duration(days=days)).cast(pl.Date)
    return dates.scatter(idx, pl.select(serial).to_series())


# ------------------------------------------------------------------------------ ids and labels


def _id(s: pl.Series) -> pl.Series:
    special = s.str.contains(r"^[\s='\"]|\s$|\.0$|[eE]\+?\d+$").fill_null(False)
    if special.any():
        idx = special.arg_true()
        sub = s.gather(idx).str.strip_chars()
        fixed = (
            sub.str.replace(r'^="(.*)"$', "$1")
            .str.replace(r"^'", "")
            .str.replace(r"^(\d+)\.0$", "$1")
            .str.strip_chars()
        )
        mangled = fixed.str.contains(r"^\d(\.\d+)?[eE]\+?\d+$")
        fixed = fixed.set(mangled | (fixed == ""), None)
        s = s.scatter(idx, fixed)
    return s


def _bool(s: pl.Series) -> pl.Series:
    def look(x: pl.Series) -> pl.Series:
        return (
            pl.select(
                pl.when(x.is_in(TRUE_TOKENS))
                .then(True)
                .when(x.is_in(FALSE_TOKENS))
                .then(False)
                .otherwise(None)
            )
            .to_series()
            .alias(x.name)
        )

    return _fallback(s, look(s), look)


def _enum(s: pl.Series, values: dict[str, str]) -> pl.Series:
    table = {**{v: v for v in values.values()}, **values}

    def look(x: pl.Series) -> pl.Series:
        return x.replace_strict(table, default=None, return_dtype=pl.String)

    return _fallback(s, look(s), look)


# ---------------------------------------------------------------------------------- public API


def parse_series(s: pl.Series, kind: str, **opts: Any) -> Parsed:
    """Parse a column for a parser ``kind``: values (null where missing or rejected) and rejected mask."""
    if kind not in EXPECTED:
        raise ValueError(f"unknown parser kind {kind!r}; known: {', '.join(KINDS)}")
    raw = _str(s)
    if raw.len() > 256 and raw.null_count() == 0 and bool((raw == raw[0]).all()):
        # a constant column (the session's account or start on every row): parse one cell
        one = parse_series(raw.head(1), kind, **opts)
        n = raw.len()
        return Parsed(
            one.values.extend_constant(one.values[0], n - 1).alias(s.name),
            one.rejected.extend_constant(bool(one.rejected[0]), n - 1).alias(s.name),
        )
    if kind == "text":
        miss = raw.is_null() | (raw.str.strip_chars() == "")
        values = raw.set(miss, None) if raw.len() else raw
        return Parsed(values, pl.Series(s.name, dtype=pl.Boolean).extend_constant(False, s.len()))
    t = _stripped(raw) if kind in ("string", "id") else raw
    miss = t.is_null() | t.is_in(MISSING_TOKENS)
    if kind == "string":
        values = t
    elif kind == "id":
        values = _id(t)
    elif kind == "number":
        values = _number(t, percent=bool(opts.get("percent", False)))
    elif kind == "count":
        values = _count(t)
    elif kind == "money":
        values = _number(t)
        if opts.get("unit") == "fen":
            values = values / 100.0
    elif kind == "ratio":
        values = _ratio(t, opts.get("scale", "fraction"))
    elif kind == "duration":
        values = _duration(t, opts.get("unit", "s"))
    elif kind in ("datetime", "date"):
        values = _datetime(t)
        if kind == "date":
            values = _excel_serial_dates(t, values.dt.date())
    elif kind == "bool":
        values = _bool(t)
    else:
        values = _enum(t, opts.get("values") or {})
    if values.len():
        values = values.set(miss, None)
    rejected = values.is_null() & ~miss
    if (
        kind not in ("string", "id") and rejected.any()
    ):  # " - " padded tokens are missing, not wrong
        idx = rejected.arg_true()
        sub = raw.gather(idx).str.strip_chars()
        rejected = rejected.scatter(idx, ~(sub.is_in(MISSING_TOKENS) | (sub == "")))
    return Parsed(values.alias(s.name), rejected.alias(s.name))


def parse_range_series(s: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(start, end, rejected) of one-cell ranges; an end written as a time only takes the start's date."""
    t = _stripped(_str(s))
    miss = t.is_null() | t.is_in(MISSING_TOKENS)
    g = pl.DataFrame({"t": t}).select(pl.col("t").str.extract_groups(_RANGE).alias("g")).unnest("g")
    a, b = g["1"], g["2"]
    start = _datetime(a)
    full_end = (
        pl.DataFrame({"a": a, "b": b})
        .select(
            pl.when(pl.col("b").str.contains(r"^\d{1,2}:\d{2}(:\d{2})?$"))
            .then(
                pl.concat_str(
                    [
                        pl.col("a")
                        .str.replace_all("/", "-")
                        .str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})", 1),
                        pl.lit(" "),
                        pl.col("b"),
                    ]
                )
            )
            .otherwise(pl.col("b"))
        )
        .to_series()
    )
    end = _datetime(full_end)
    start = start.set(miss, None) if start.len() else start
    end = end.set(miss | start.is_null(), None) if end.len() else end
    rejected = ~miss & (start.is_null() | end.is_null())
    return start.alias(s.name), end.alias(s.name), rejected.alias(s.name)


def expected(kind: str, **opts: Any) -> str:
    """What a parser expected, for quarantine records."""
    if kind in ("range_start", "range_end"):
        return RANGE_EXPECTED
    if kind == "enum" and opts.get("values"):
        labels = sorted(set(opts["values"]) | set(opts["values"].values()))
        return "one of " + ", ".join(labels)
    if kind == "duration" and opts.get("unit"):
        return f"{EXPECTED[kind]} (bare numbers in {opts['unit']})"
    return EXPECTED[kind]


def parse_value(value: Any, kind: str, **opts: Any) -> Any:
    """Parse one value with the same code ingest runs: missing → None, rejection → :class:`ParseError`."""
    text = None if value is None else str(value)
    p = parse_series(pl.Series("v", [text], dtype=pl.String), kind, **opts)
    if p.rejected[0]:
        raise ParseError(f"{text!r}: expected {expected(kind, **opts)}")
    return p.values[0]


def parse_range(value: Any) -> tuple[Any, Any]:
    """Scalar form of :func:`parse_range_series`; raises :class:`ParseError` if the cell is not a range."""
    text = None if value is None else str(value)
    start, end, bad = parse_range_series(pl.Series("v", [text], dtype=pl.String))
    if bad[0] or start[0] is None:
        raise ParseError(f"{text!r}: expected {RANGE_EXPECTED}")
    return start[0], end[0]
