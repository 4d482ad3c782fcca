"""The session a block's rows belong to, from the columns its mapping names: ``--session``, the
workbook's key/value sheet, a session column, a session id, or account + start time."""

from __future__ import annotations

from typing import Any, NamedTuple

import polars as pl

from helpers.data import schema
from helpers.ingest import identity, parsing
from helpers.ingest.builder import Builder, find
from helpers.ingest.records import SheetError

PREFIX = {"douyin": "dy", "taobao": "tb", "kuaishou": "ks"}


class SessionKey(NamedTuple):
    """Session id, account and start (expressions or Series, None when the block has none) and
    the headers they were read from."""

    sid: Any = None
    account: Any = None
    start: Any = None
    headers: tuple[str, ...] = ()


def _forced(target: identity.Target) -> SessionKey:
    """``--session``: every row goes to the target (its start when the run creates it)."""
    start = pl.lit(target.start).dt.convert_time_zone(schema.TZ) if target.create else None
    return SessionKey(pl.lit(target.session_id), None, start)


def _from_context(b: Builder) -> SessionKey:
    if b.ctx.session_id is None:
        raise SheetError(
            "no session identity: this sheet belongs to a 整场数据 workbook whose 基本信息 sheet "
            "(抖音号 and 直播时间) is missing"
        )
    return SessionKey(pl.lit(b.ctx.session_id))


def _from_column(b: Builder, aliases: list[str]) -> SessionKey:
    col = find(b.columns, aliases)
    if col is None:
        raise SheetError(f"missing the session column ({' / '.join(aliases)})")
    if b.df.schema[col] != pl.String:
        return SessionKey(pl.col(col).cast(pl.String), headers=(col,))
    return SessionKey(parsing.parse_series(b.df[col], "id").values, headers=(col,))


def _start(b: Builder, s: dict[str, Any]) -> tuple[pl.Series | None, tuple[str, ...]]:
    """The session start from its own column, else from a start–end range column."""
    col = find(b.columns, s["start"]) if s.get("start") else None
    if col is not None:
        return parsing.parse_series(b.df[col], "datetime").values, (col,)
    col = find(b.columns, s["range"]) if s.get("range") else None
    if col is not None:
        return parsing.parse_range_series(b.df[col])[0], (col,)
    return None, ()


def _constant(account: pl.Series, start: pl.Series) -> bool:
    """One account and one start on every row (the usual export of one session)."""
    return bool(
        account.len()
        and account.null_count() == 0
        and start.null_count() == 0
        and bool((account == account[0]).all())
        and bool((start == start[0]).all())
    )


def _ids(prefix: str, account: pl.Series, start: pl.Series) -> pl.Series:
    """``<prefix>-<account>-YYYYMMDD-HHMM`` per row (null where either part is)."""
    if _constant(account, start):
        one = f"{prefix}-{account[0]}-{start[0]:%Y%m%d-%H%M}"
        return pl.Series("sid", [one], dtype=pl.String).extend_constant(one, account.len() - 1)
    keys = pl.DataFrame({"a": account, "s": start})
    sid = pl.concat_str(
        [pl.lit(f"{prefix}-"), pl.col("a"), pl.lit("-"), pl.col("s").dt.strftime("%Y%m%d-%H%M")]
    )
    uniq = keys.unique().with_columns(sid.alias("sid"))
    joined = keys.join(uniq, on=["a", "s"], how="left", nulls_equal=True, maintain_order="left")
    return joined["sid"]


def _from_account(b: Builder, s: dict[str, Any], prefix: str) -> SessionKey:
    """Account and start columns: the id is made of them (or found by time later)."""
    acc_col = find(b.columns, s.get("account", ()))
    if acc_col is None and b.ctx.windows is not None:
        b.by_time = True
        return SessionKey()
    if acc_col is None:
        wanted = " / ".join(s.get("account", ()))
        raise SheetError(f"no session identity: missing the account column ({wanted})")
    account = parsing.parse_series(b.df[acc_col], "id").values
    if s.get("assign_by_time"):
        return SessionKey(None, account, None, (acc_col,))
    start, used = _start(b, s)
    if start is None:
        wanted = " / ".join([*s.get("start", ()), *s.get("range", ())])
        raise SheetError(f"no session identity: missing the start time column ({wanted})")
    return SessionKey(_ids(prefix, account, start), account, start, (acc_col, *used))


def _from_id(b: Builder, s: dict[str, Any], prefix: str) -> SessionKey:
    start, used = _start(b, s)
    col = find(b.columns, s["id"])
    if col is None:
        raise SheetError(f"missing the session id column ({' / '.join(s['id'])})")
    sid = parsing.parse_series(b.df[col], "id").values
    return SessionKey(pl.concat_str([pl.lit(f"{prefix}-"), pl.lit(sid)]), sid, start, (col, *used))


def session_key(b: Builder) -> SessionKey:
    """The block's session identity by the mapping's ``session`` rule (see the module docstring);
    sets ``b.forced`` (``--session``) or ``b.by_time`` (placed by the rows' times)."""
    m, s, target = b.m, b.m.session, b.ctx.target
    if target is not None and "sessions" not in m.tables and (s or not m.room):
        b.forced = True
        return _forced(target)
    if (not s and m.room) or s.get("optional"):  # room-level: no session, or one it may name
        return SessionKey()
    if s.get("by_time"):
        b.by_time = True
        return SessionKey()
    if s.get("context"):
        return _from_context(b)
    if s.get("column"):
        return _from_column(b, s["column"])
    prefix = s.get("prefix") or PREFIX.get(m.platform, m.platform)
    if s.get("id"):
        return _from_id(b, s, prefix)
    return _from_account(b, s, prefix)
