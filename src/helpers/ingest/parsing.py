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
``date``      a calendar day in the same forms, or an Excel serial day ("45693.00 ", re-saved)
``bool``      是/否, true/false, 1/0, yes/no, y/n, 有/无
``enum``      a label looked up in ``values`` (export label → canonical value)
============  =====================================================================================

One-cell ranges ("2026/07/28 08:15:49-2026/07/28 15:44:39", also with ~, 至, 到) are parsed by
:func:`parse_range_series`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from helpers.ingest.cells import MISSING_TOKENS, as_text, fallback, finite, plain, stripped
from helpers.ingest.parse_time import datetimes, excel_serial_dates

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
_NUM_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_CN_DUR = (
    r"^(?:(\d+(?:\.\d+)?)(?:小时|时|h))?"
    r"(?:(\d+(?:\.\d+)?)(?:分钟|分|min|m))?"
    r"(?:(\d+(?:\.\d+)?)(?:秒|s))?$"
)
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
    return finite(v)


def _number(s: pl.Series, percent: bool = False) -> pl.Series:
    fast = finite(s.cast(pl.Float64, strict=False))
    return fallback(s, fast, lambda sub: _number_slow(sub, percent))


def _count(s: pl.Series) -> pl.Series:
    fast = s.cast(pl.Int64, strict=False)
    fast = fast.set(fast < 0, None) if fast.len() else fast

    def slow(sub: pl.Series) -> pl.Series:
        v = _number(sub)
        r = v.round(0)
        ok = ((v - r).abs() < 1e-6) & (r >= 0) & (r < 9.2e18)
        return r.set(~ok.fill_null(False), None).cast(pl.Int64)

    return fallback(s, fast, slow)


def _ratio(s: pl.Series, scale: str) -> pl.Series:
    fast = finite(s.cast(pl.Float64, strict=False))
    if scale == "percent":
        fast = fast / 100.0

    def slow(sub: pl.Series) -> pl.Series:
        v = _number_slow(sub, True)
        return (
            pl.select(pl.when(sub.str.contains("%")).then(v).otherwise(v / 100.0)).to_series()
            if scale == "percent"
            else v
        )

    return fallback(s, fast, slow)


def _duration(s: pl.Series, unit: str) -> pl.Series:
    factor = _DURATION_UNITS[unit]
    fast = finite(s.cast(pl.Float64, strict=False)) * factor

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
        return finite(v.fill_null(bare))

    v = fallback(s, fast, slow)
    return v.set((v < 0).fill_null(False), None) if v.len() else v


# ------------------------------------------------------------------------------ ids and labels


_ID_SPECIAL = r"^[\s='\"]|\s$|\.0$|[eE]\+?\d+$"  # an Excel-mangled or quoted id


def _id(s: pl.Series) -> pl.Series:
    special = s.str.contains(_ID_SPECIAL).fill_null(False)
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

    return fallback(s, look(s), look)


def _enum(s: pl.Series, values: dict[str, str]) -> pl.Series:
    table = {**{v: v for v in values.values()}, **values}

    def look(x: pl.Series) -> pl.Series:
        return x.replace_strict(table, default=None, return_dtype=pl.String)

    return fallback(s, look(s), look)


# ---------------------------------------------------------------------------------- public API


def _money(t: pl.Series, opts: dict[str, Any]) -> pl.Series:
    values = _number(t)
    return values / 100.0 if opts.get("unit") == "fen" else values


def _date(t: pl.Series) -> pl.Series:
    return excel_serial_dates(t, datetimes(t).dt.date())


# kind -> values of the (stripped) text column; null where missing or unreadable
_VALUES: dict[str, Callable[[pl.Series, dict[str, Any]], pl.Series]] = {
    "string": lambda t, o: t,
    "id": lambda t, o: _id(t),
    "number": lambda t, o: _number(t, percent=bool(o.get("percent", False))),
    "count": lambda t, o: _count(t),
    "money": _money,
    "ratio": lambda t, o: _ratio(t, o.get("scale", "fraction")),
    "duration": lambda t, o: _duration(t, o.get("unit", "s")),
    "datetime": lambda t, o: datetimes(t),
    "date": lambda t, o: _date(t),
    "bool": lambda t, o: _bool(t),
    "enum": lambda t, o: _enum(t, o.get("values") or {}),
}


def _constant(raw: pl.Series, name: str, kind: str, opts: dict[str, Any]) -> Parsed:
    """A column with one value on every row (the session's account or start): one cell parsed."""
    one = parse_series(raw.head(1), kind, **opts)
    n = raw.len()
    return Parsed(
        one.values.extend_constant(one.values[0], n - 1).alias(name),
        one.rejected.extend_constant(bool(one.rejected[0]), n - 1).alias(name),
    )


def _text(raw: pl.Series, name: str) -> Parsed:
    """Free text as written; only blank is missing, nothing is rejected."""
    miss = raw.is_null() | (raw.str.strip_chars() == "")
    values = raw.set(miss, None) if raw.len() else raw
    return Parsed(values, pl.Series(name, dtype=pl.Boolean).extend_constant(False, raw.len()))


def parse_series(s: pl.Series, kind: str, **opts: Any) -> Parsed:
    """Parse a column for a parser ``kind``: values (null where missing or rejected) and the
    rejected mask."""
    if kind not in EXPECTED:
        raise ValueError(f"unknown parser kind {kind!r}; known: {', '.join(KINDS)}")
    raw = as_text(s)
    if raw.len() > 256 and raw.null_count() == 0 and bool((raw == raw[0]).all()):
        return _constant(raw, s.name, kind, opts)
    if kind == "text":
        return _text(raw, s.name)
    if kind in ("string", "id") and plain(raw, _ID_SPECIAL if kind == "id" else None):
        none = pl.Series(s.name, dtype=pl.Boolean).extend_constant(False, raw.len())
        return Parsed(raw.alias(s.name), none)  # nothing to strip, nothing missing or mangled
    t = stripped(raw) if kind in ("string", "id") else raw
    miss = t.is_null() | t.is_in(MISSING_TOKENS)
    values = _VALUES[kind](t, opts)
    if values.len():
        values = values.set(miss, None)
    rejected = values.is_null() & ~miss
    if kind not in ("string", "id") and rejected.any():  # " - " padded: missing, not wrong
        idx = rejected.arg_true()
        sub = raw.gather(idx).str.strip_chars()
        rejected = rejected.scatter(idx, ~(sub.is_in(MISSING_TOKENS) | (sub == "")))
    return Parsed(values.alias(s.name), rejected.alias(s.name))


def parse_range_series(s: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(start, end, rejected) of one-cell ranges; an end written as a time only takes the
    start's date."""
    t = stripped(as_text(s))
    miss = t.is_null() | t.is_in(MISSING_TOKENS)
    g = pl.DataFrame({"t": t}).select(pl.col("t").str.extract_groups(_RANGE).alias("g")).unnest("g")
    a, b = g["1"], g["2"]
    start = datetimes(a)
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
    end = datetimes(full_end)
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
    """Parse one value with the same code ingest runs: missing → None, rejection →
    :class:`ParseError`."""
    text = None if value is None else str(value)
    p = parse_series(pl.Series("v", [text], dtype=pl.String), kind, **opts)
    if p.rejected[0]:
        raise ParseError(f"{text!r}: expected {expected(kind, **opts)}")
    return p.values[0]


def parse_range(value: Any) -> tuple[Any, Any]:
    """Scalar form of :func:`parse_range_series`; raises :class:`ParseError` if the cell is not
    a range."""
    text = None if value is None else str(value)
    start, end, bad = parse_range_series(pl.Series("v", [text], dtype=pl.String))
    if bad[0] or start[0] is None:
        raise ParseError(f"{text!r}: expected {RANGE_EXPECTED}")
    return start[0], end[0]
