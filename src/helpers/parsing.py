"""Value parsers for the quirks of real platform exports, as polars expressions.

Every parser is a function ``kind -> pl.Expr`` over a String column (see :func:`parse_expr`): it
returns the parsed value, or null. A null from a cell that was not a missing-value token is a
*rejection*; :func:`rejected_expr` marks those cells so ingest can quarantine the row with the
reason from :data:`EXPECTED`. The scalar forms (:func:`parse_value`) run the very same expressions
on one value, so the property tests exercise the code ingest runs; they return the value or raise
:class:`ParseError` with a reason.

Kinds (the ``parser`` field of a mapping column):

============  =====================================================================================
``string``    trimmed text; "-", "--", "—", "" are missing
``text``      free text kept as written (only "" is missing): comment bodies, titles
``id``        id kept as a string: Excel ``="123"`` wrappers and ``'`` prefixes removed, ``123.0``
              from a numeric cell repaired; ids mangled into ``1.23E+18`` are rejected
``number``    float: "1,234.5", "¥236,552", "3.06万", "1.2亿"
``count``     non-negative integer, same forms as number ("3.06万" = 30600)
``money``     yuan (option ``unit: fen`` divides by 100)
``ratio``     fraction: "12.5%" is 0.125; a bare number is read by the column's meaning
              (option ``scale: fraction`` as is, ``scale: percent`` divided by 100)
``duration``  seconds: "1分5秒", "1小时2分", "00:01:23", "01:23"; a bare number is read in
              ``unit`` (s, min or h)
``datetime``  China time: "2026/09/07 08:55:37", "2025/2/5", "2025-02-05 20:00:00",
              "2025年2月5日 20:00", ISO with "T", unix seconds or milliseconds
``date``      a calendar day in the same forms
``bool``      是/否, true/false, 1/0, yes/no, y/n, 有/无
``enum``      a value looked up in the column's ``values`` table (export label → canonical)
============  =====================================================================================
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .schema import TZ

MISSING_TOKENS = ("", "-", "--", "---", "—", "——", "－", "/", "N/A", "n/a", "NA", "null", "NULL", "None", "nan", "NaN")

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

TRUE_TOKENS = ("是", "true", "True", "TRUE", "1", "yes", "Yes", "YES", "y", "Y", "有", "1.0")
FALSE_TOKENS = ("否", "false", "False", "FALSE", "0", "no", "No", "NO", "n", "N", "无", "0.0")

_DURATION_UNITS = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0}
_DT_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")


class ParseError(ValueError):
    """A value that a parser rejects; the message says what was expected."""


def _trimmed(col: str | pl.Expr) -> pl.Expr:
    e = pl.col(col) if isinstance(col, str) else col
    return e.cast(pl.String).str.strip_chars()


def missing_expr(col: str | pl.Expr, kind: str = "string") -> pl.Expr:
    """True where the cell is empty or a missing-value token ("-", "--", "—" ...)."""
    t = _trimmed(col)
    if kind == "text":
        return t.is_null() | (t == "")
    return t.is_null() | t.is_in(MISSING_TOKENS)


def _number_core(t: pl.Expr, *, percent: bool) -> tuple[pl.Expr, pl.Expr]:
    """(numeric part, multiplier) of a cleaned number string."""
    s = t.str.replace_all(r"[,，\s¥￥元]", "")
    mult = (
        pl.when(s.str.ends_with("亿"))
        .then(pl.lit(1e8))
        .when(s.str.ends_with("万"))
        .then(pl.lit(1e4))
    )
    if percent:
        mult = mult.when(s.str.ends_with("%")).then(pl.lit(0.01))
    mult = mult.otherwise(pl.lit(1.0))
    core = s.str.replace(r"(万|亿|%)$", "") if percent else s.str.replace(r"(万|亿)$", "")
    return core, mult


def _finite(e: pl.Expr) -> pl.Expr:
    return pl.when(e.is_finite()).then(e).otherwise(None)


def number_expr(col: str | pl.Expr, *, percent: bool = False) -> pl.Expr:
    """A float from "1,234.5", "¥236,552", "3.06万", "1.2亿" (and "12.5%" when ``percent``)."""
    core, mult = _number_core(_trimmed(col), percent=percent)
    ok = core.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
    return _finite(pl.when(ok).then(core.cast(pl.Float64, strict=False) * mult).otherwise(None))


def count_expr(col: str | pl.Expr) -> pl.Expr:
    """A non-negative whole count (Int64); fractional or negative values are rejected."""
    v = number_expr(col)
    r = v.round(0)
    ok = (v - r).abs() < 1e-6
    return pl.when(ok & (r >= 0) & (r < 9.2e18)).then(r).otherwise(None).cast(pl.Int64)


def money_expr(col: str | pl.Expr, *, unit: str = "yuan") -> pl.Expr:
    """Yuan as Float64; ``unit="fen"`` for API figures in cents."""
    v = number_expr(col)
    return v / 100.0 if unit == "fen" else v


def ratio_expr(col: str | pl.Expr, *, scale: str = "fraction") -> pl.Expr:
    """A fraction: "12.5%" → 0.125; a bare number as is (``fraction``) or /100 (``percent``)."""
    t = _trimmed(col)
    v = number_expr(t, percent=True)
    has_pct = t.str.contains("%")
    if scale == "percent":
        return pl.when(has_pct).then(v).otherwise(v / 100.0)
    return v


def duration_expr(col: str | pl.Expr, *, unit: str = "s") -> pl.Expr:
    """Seconds (Float64) from "1分5秒", "1小时2分3秒", "00:01:23", "01:23" or a bare number in ``unit``."""
    factor = _DURATION_UNITS[unit]
    t = _trimmed(col).str.replace_all(r"\s", "")
    bare = number_expr(t) * factor
    cn = t.str.extract_groups(r"^(?:(\d+(?:\.\d+)?)(?:小时|时|h))?(?:(\d+(?:\.\d+)?)(?:分钟|分|min|m))?(?:(\d+(?:\.\d+)?)(?:秒|s))?$")
    cn_ok = t.str.contains(r"^(?:\d+(?:\.\d+)?(?:小时|时|h))?(?:\d+(?:\.\d+)?(?:分钟|分|min|m))?(?:\d+(?:\.\d+)?(?:秒|s))?$") & t.str.contains(r"[^\d.]")
    cn_val = (
        cn.struct.field("1").cast(pl.Float64, strict=False).fill_null(0) * 3600
        + cn.struct.field("2").cast(pl.Float64, strict=False).fill_null(0) * 60
        + cn.struct.field("3").cast(pl.Float64, strict=False).fill_null(0)
    )
    hms = t.str.extract_groups(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
    hms_ok = t.str.contains(r"^(?:\d+:)?\d{1,2}:\d{1,2}(?:\.\d+)?$")
    hms_val = (
        hms.struct.field("1").cast(pl.Float64, strict=False).fill_null(0) * 3600
        + hms.struct.field("2").cast(pl.Float64, strict=False) * 60
        + hms.struct.field("3").cast(pl.Float64, strict=False)
    )
    v = pl.when(hms_ok).then(hms_val).when(cn_ok).then(cn_val).otherwise(bare)
    return pl.when(v >= 0).then(v).otherwise(None)


def _normalise_dt(t: pl.Expr) -> pl.Expr:
    s = t.str.replace_all(r"[年月/](\d)", "-$1").str.replace_all("日", " ").str.replace("T", " ")
    s = s.str.replace(r"\+08:?00$", "")
    return s.str.replace_all(r"\s+", " ").str.strip_chars()


def datetime_expr(col: str | pl.Expr) -> pl.Expr:
    """An aware datetime (µs, Asia/Shanghai) from the date-time forms of EXPORTS.md or unix time."""
    t = _trimmed(col)
    s = _normalise_dt(t)
    parsed = pl.coalesce([s.str.to_datetime(f, time_unit="us", strict=False) for f in _DT_FORMATS])
    local = parsed.dt.replace_time_zone(TZ, ambiguous="earliest", non_existent="null")
    digits = t.str.contains(r"^\d{10}(\.\d{1,6})?$")
    millis = t.str.contains(r"^\d{13}$")
    whole = t.str.extract(r"^(\d{10,13})", 1).cast(pl.Int64, strict=False)
    frac = t.str.extract(r"^\d{10}\.(\d{1,6})", 1).str.pad_end(6, "0").cast(pl.Int64, strict=False).fill_null(0)
    micros = pl.when(millis).then(whole * 1000).otherwise(whole * 1_000_000 + frac)
    unix = pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC").dt.convert_time_zone(TZ)
    value = pl.when(digits | millis).then(unix).otherwise(local)
    year = value.dt.year()
    return pl.when((year >= 1970) & (year <= 2100)).then(value).otherwise(None)


def date_expr(col: str | pl.Expr) -> pl.Expr:
    """A calendar day (pl.Date) in the same forms as :func:`datetime_expr`."""
    return datetime_expr(col).dt.date()


def range_exprs(col: str | pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(start, end) of a one-cell range "2026/07/28 08:15:49-2026/07/28 15:44:39" (also ~, 至, 到).

    An end written as a time only ("20:00-23:00") takes the start's date.
    """
    t = _trimmed(col)
    g = t.str.extract_groups(
        r"^(.*?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:-|~|～|至|到|—)\s*(.+)$"
    )
    start_s, end_s = g.struct.field("1"), g.struct.field("2")
    start = datetime_expr(start_s)
    end_full = datetime_expr(end_s)
    date_part = _normalise_dt(start_s).str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})")
    end_time_only = datetime_expr(pl.concat_str([date_part, pl.lit(" "), end_s]))
    end = pl.when(end_s.str.contains(r"^\d{1,2}:\d{2}(:\d{2})?$")).then(end_time_only).otherwise(end_full)
    return start, end


def id_expr(col: str | pl.Expr) -> pl.Expr:
    """An id kept as a string: ``="123"`` wrappers, ``'`` prefixes and ``.0`` from numeric cells removed.

    Ids Excel has turned into scientific notation ("1.23457E+18") lost their digits: rejected.
    """
    t = _trimmed(col)
    s = t.str.replace(r'^="(.*)"$', "$1").str.replace(r"^'", "").str.replace(r"^(\d+)\.0$", "$1")
    s = s.str.strip_chars()
    mangled = s.str.contains(r"^\d(\.\d+)?[eE]\+?\d+$")
    return pl.when(mangled | (s == "")).then(None).otherwise(s)


def bool_expr(col: str | pl.Expr) -> pl.Expr:
    """True/False from 是/否, true/false, 1/0, yes/no, y/n, 有/无."""
    t = _trimmed(col)
    return pl.when(t.is_in(TRUE_TOKENS)).then(True).when(t.is_in(FALSE_TOKENS)).then(False).otherwise(None)


def enum_expr(col: str | pl.Expr, values: dict[str, str]) -> pl.Expr:
    """Look a label up in ``values`` (export label → canonical value); canonical values map to themselves."""
    table = {**{v: v for v in values.values()}, **values}
    return _trimmed(col).replace_strict(table, default=None, return_dtype=pl.String)


def parse_expr(col: str | pl.Expr, kind: str, **opts: Any) -> pl.Expr:
    """The parsed value of a String column for a parser ``kind`` (null where missing or rejected)."""
    t = _trimmed(col)
    miss = missing_expr(t, kind)
    if kind in ("string", "text"):
        value: pl.Expr = t
    elif kind == "id":
        value = id_expr(t)
    elif kind == "number":
        value = number_expr(t, percent=bool(opts.get("percent", False)))
    elif kind == "count":
        value = count_expr(t)
    elif kind == "money":
        value = money_expr(t, unit=opts.get("unit", "yuan"))
    elif kind == "ratio":
        value = ratio_expr(t, scale=opts.get("scale", "fraction"))
    elif kind == "duration":
        value = duration_expr(t, unit=opts.get("unit", "s"))
    elif kind == "datetime":
        value = datetime_expr(t)
    elif kind == "date":
        value = date_expr(t)
    elif kind == "bool":
        value = bool_expr(t)
    elif kind == "enum":
        value = enum_expr(t, opts.get("values") or {})
    else:
        raise ValueError(f"unknown parser kind {kind!r}; known: {', '.join(KINDS)}")
    return pl.when(miss).then(None).otherwise(value)


def rejected_expr(col: str | pl.Expr, parsed: pl.Expr, kind: str = "string") -> pl.Expr:
    """True where a cell held a value (not a missing token) that the parser could not read."""
    return ~missing_expr(col, kind) & parsed.is_null()


def expected(kind: str, **opts: Any) -> str:
    """What a parser expected, for quarantine records."""
    if kind == "enum" and opts.get("values"):
        labels = sorted(set(opts["values"]) | set(opts["values"].values()))
        return "one of " + ", ".join(labels)
    if kind == "duration" and opts.get("unit"):
        return f"{EXPECTED[kind]} (bare numbers in {opts['unit']})"
    return EXPECTED[kind]


def parse_value(value: Any, kind: str, **opts: Any) -> Any:
    """Parse one value with the same expression ingest uses; missing → None, rejection → ParseError."""
    text = None if value is None else str(value)
    frame = pl.DataFrame({"v": [text]}, schema={"v": pl.String})
    parsed = parse_expr("v", kind, **opts)
    out = frame.select(parsed.alias("p"), rejected_expr("v", parsed, kind).alias("bad"))
    if out["bad"][0]:
        raise ParseError(f"{text!r}: expected {expected(kind, **opts)}")
    return out["p"][0]


def parse_range(value: Any) -> tuple[Any, Any]:
    """Scalar form of :func:`range_exprs`; raises :class:`ParseError` if the cell is not a range."""
    text = None if value is None else str(value)
    start, end = range_exprs("v")
    out = pl.DataFrame({"v": [text]}, schema={"v": pl.String}).select(start.alias("s"), end.alias("e"))
    s, e = out["s"][0], out["e"][0]
    if s is None or e is None:
        raise ParseError(f"{text!r}: expected a start–end range such as 2026/11/16 20:00:00-2026/11/16 23:00:00")
    return s, e
