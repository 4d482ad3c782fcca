"""Date-time parsers: China time (Asia/Shanghai) from the forms exports write (see
:mod:`.parsing`), the common ones by one cast per column, the rare ones cell by cell."""

from __future__ import annotations

from datetime import date

import polars as pl

from helpers.data.schema import TZ
from helpers.ingest.cells import fallback

_FAST_DT = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
)
_SLOW_DT = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _cache(s: pl.Series) -> bool:
    head = s.head(512).drop_nulls()
    return head.len() == 0 or head.n_unique() < 0.5 * head.len()


_US = 1_000_000
_CN_OFFSET_US = 8 * 3600 * _US
_LO_US = 0  # 1970-01-01
_NO_DST_US = 694_224_000 * _US  # 1992-01-01 00:00 UTC: China has kept UTC+8 without DST since
_HI_US = 4_133_980_800 * _US  # 2101-01-01


def _fraction(s: pl.Series, whole: pl.Expr) -> pl.Series:
    """Microseconds of the ".ffffff" after position 19; 0 where ``whole`` (the cell is read as it
    is); null elsewhere."""
    frac = s.str.slice(20)
    n = frac.str.len_bytes()
    df = pl.DataFrame({"f": frac, "n": n, "dot": s.str.slice(19, 1) == "."})
    return df.select(
        pl.when(pl.col("dot") & (pl.col("n") <= 6) & (pl.col("n") >= 1))
        .then(
            pl.col("f").cast(pl.Int64, strict=False)
            * pl.lit(10, dtype=pl.Int64).pow(6 - pl.col("n").cast(pl.Int64))
        )
        .when(whole)
        .then(pl.lit(0, dtype=pl.Int64))
        .otherwise(None)
    ).to_series()


def _split(s: pl.Series) -> tuple[pl.Series, pl.Series | None]:
    """(the text parsed by the formats, microseconds to add or None): the fraction split off at
    fixed positions when the first cells all have one (a cell without one has no fraction), or
    when they are fractional and 19-character cells (then only well-formed fractions are split
    off, every other cell is read whole, exactly as without the split)."""
    sample = s.drop_nulls().head(64)
    if not sample.len():
        return s, None
    frac = (sample.str.slice(19, 1) == ".") & (sample.str.len_bytes() >= 21)
    if bool(frac.all()):
        micros = _fraction(s, pl.col("n") == 0)
        return s.str.slice(0, 19).set(micros.is_null(), None), micros
    if not (bool(frac.any()) and bool((frac | (sample.str.len_bytes() == 19)).all())):
        return s, None
    split = s.str.contains(r"^.{19}\.\d{1,6}$").fill_null(False)
    micros = _fraction(s.set(~split, ""), pl.lit(True))
    head = pl.select(pl.when(split).then(s.str.slice(0, 19)).otherwise(s)).to_series()
    return head.alias(s.name), micros


def _dt_naive(s: pl.Series) -> pl.Series:
    """Naive China-time datetimes (µs) from the common export forms; null where not parsed.

    "2026/11/16 20:02:03.990648" is split at fixed positions (the date-time part repeats across
    rows, so its parse is cached; the fraction is a cheap integer cast).
    """
    out = pl.Series(s.name, dtype=pl.Datetime("us")).extend_constant(None, s.len())
    head, micros = _split(s)
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


def datetimes(s: pl.Series) -> pl.Series:
    """Aware Asia/Shanghai datetimes; years outside 1970–2100 are rejected."""
    naive = fallback(s, _dt_naive(s), _dt_slow)
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


def excel_serial_dates(t: pl.Series, dates: pl.Series) -> pl.Series:
    """Dates re-saved by Excel as serial numbers ("45693.00 ", padded) where nothing else parsed."""
    todo = dates.is_null() & t.str.contains(r"^\s*\d{5}(?:\.0+)?\s*$").fill_null(False)
    if not todo.any():
        return dates
    idx = todo.arg_true()
    days = t.gather(idx).str.strip_chars().cast(pl.Float64).cast(pl.Int32)
    serial = (pl.lit(date(1899, 12, 30)) + pl.duration(days=pl.lit(days))).cast(pl.Date)
    return dates.scatter(idx, pl.select(serial).to_series())
