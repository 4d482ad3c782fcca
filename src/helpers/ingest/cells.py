"""What every value parser shares: the missing-value tokens, text and whitespace handling, and
the fallback that sends only the cells the cheap form could not read to the full quirk handling."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

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


def as_text(s: pl.Series) -> pl.Series:
    return s if s.dtype == pl.String else s.cast(pl.String)


def _padded() -> pl.Expr:
    c = pl.col("s")
    starts = [c.str.starts_with(x) for x in (" ", "\t", "\u3000", "\n")]
    ends = [c.str.ends_with(x) for x in (" ", "\t", "\u3000", "\r")]
    return pl.any_horizontal(*starts, *ends)


_FEW, _FEW_FROM = 256, 8192  # (distinct values in the first 1,024 cells, column length)


def plain(s: pl.Series, special: str | None = None) -> bool:
    """No cell is padded, a missing token or (``special``) matches that pattern: one pass, so a
    clean text column costs one select (the parsers would leave it as it is). A column of few
    distinct values (as its first cells show) is checked on those values only: same answer."""
    if s.len() > _FEW_FROM and s.head(1024).n_unique() <= _FEW:
        s = s.unique()
    bad = _padded() | pl.col("s").is_in(MISSING_TOKENS)
    if special is not None:
        bad = bad | pl.col("s").str.contains(special)
    return not pl.DataFrame({"s": s}).select(bad.any()).item()


def stripped(s: pl.Series) -> pl.Series:
    """Strip surrounding whitespace, touching only the cells that have any (cheap on clean data:
    the eight tests run in one select, in parallel)."""
    ws = pl.DataFrame({"s": s}).select(_padded()).to_series()
    if not ws.any():
        return s
    idx = ws.fill_null(False).arg_true()
    return s.scatter(idx, s.gather(idx).str.strip_chars())


def fallback(s: pl.Series, fast: pl.Series, slow: Callable[[pl.Series], pl.Series]) -> pl.Series:
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


def finite(v: pl.Series) -> pl.Series:
    return v.set(~v.is_finite().fill_null(True), None) if v.len() else v
