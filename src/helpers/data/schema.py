"""The canonical session data model: every adapter writes these tables, every notebook reads them.

One declaration per table (:data:`TABLES`) gives each column's polars dtype, whether it is
required, and a one-line meaning. :func:`validate` checks a frame against it and :func:`conform`
casts and orders columns. ``docs/data-model.md`` is generated from this module
(``python -m helpers.data.schema``), so the documentation cannot drift from the code.

Conventions: times are timezone-aware in Asia/Shanghai; money is yuan (Float64); ids are strings.
Columns not declared here are kept (extra columns from a platform are data, not noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

TZ = "Asia/Shanghai"
TS = pl.Datetime("us", TZ)

EVENT_KINDS = ("explain", "lottery", "coupon", "flash_sale", "note", "other")
ORDER_STATUSES = ("paid", "unpaid", "cancelled", "refunded")
POPULATIONS = ("watched", "bought")


class SchemaError(ValueError):
    """A frame does not fit the canonical model; the message names table, column and row."""


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    required: bool
    doc: str
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def dtypes(self) -> dict[str, pl.DataType]:
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(
    name: str, dtype: pl.DataType, doc: str, *, req: bool = False, allowed: tuple[str, ...] = ()
) -> Column:
    return Column(name, dtype, req, doc, allowed)


S, F, INT, B = pl.String(), pl.Float64(), pl.Int64(), pl.Boolean()

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "sessions",
            "one live session",
            (
                _c(
                    "session_id",
                    S,
                    "unique across platforms (adapters may prefix the platform)",
                    req=True,
                ),
                _c("platform", S, "douyin, taobao, kuaishou or canonical", req=True),
                _c("room", S, "live room (account) name", req=True),
                _c("start_ts", TS, "session start", req=True),
                _c("end_ts", TS, "session end", req=True),
                _c("host", S, "host(s) on air, comma separated"),
                _c("title", S, "session title"),
                _c("category", S, "main product category (benchmark category)"),
            ),
            key=("session_id",),
        ),
        Table(
            "trend",
            "session × minute",
            (
                _c("session_id", S, "session", req=True),
                _c("minute_ts", TS, "start of the minute", req=True),
                _c("online", INT, "viewers online during the minute (在线人数)", req=True),
                _c("entries", INT, "viewers entering (进入人数)"),
                _c("exits", INT, "viewers leaving (离开人数)"),
                _c("likes", INT, "likes"),
                _c("comments", INT, "comments"),
                _c("shares", INT, "shares"),
                _c("new_followers", INT, "new followers (新增粉丝)"),
                _c("product_clicks", INT, "product clicks"),
                _c("orders", INT, "orders placed (成交订单数)"),
                _c("buyers", INT, "buyers (成交人数)"),
                _c("gmv", F, "value of orders placed (成交金额), yuan"),
                _c("paid_gmv", F, "amount paid (用户支付金额), yuan"),
                _c("ad_spend", F, "ad spend (投放消耗), yuan"),
            ),
            key=("session_id", "minute_ts"),
        ),
        Table(
            "events",
            "run-sheet event",
            (
                _c("session_id", S, "session", req=True),
                _c("start_ts", TS, "event start", req=True),
                _c("kind", S, "event kind", req=True, allowed=EVENT_KINDS),
                _c("end_ts", TS, "event end (讲解 windows, coupons)"),
                _c("product_id", S, "product explained or discounted"),
                _c("label", S, "free text from the run sheet"),
            ),
            key=("session_id", "start_ts", "kind", "product_id"),
        ),
        Table(
            "products",
            "session × product",
            (
                _c("session_id", S, "session", req=True),
                _c("product_id", S, "product id (kept as string)", req=True),
                _c("name", S, "product title", req=True),
                _c("category", S, "product category"),
                _c("price", F, "selling price (到手价), yuan"),
                _c("list_price", F, "list price, yuan"),
                _c("role", S, "hero, profit or traffic (引流款/主推款/利润款)"),
                _c("exposures_uv", INT, "viewers shown the product (商品曝光人数)"),
                _c("clicks_uv", INT, "viewers who clicked it (商品点击人数)"),
                _c("orders", INT, "orders (成交订单数)"),
                _c("units", INT, "units sold (成交件数)"),
                _c("buyers", INT, "buyers (成交人数)"),
                _c("gmv", F, "GMV of the product, yuan"),
                _c("refund_amount", F, "refunds, yuan"),
            ),
            key=("session_id", "product_id"),
        ),
        Table(
            "viewers",
            "session × viewer",
            (
                _c("session_id", S, "session", req=True),
                _c("viewer_id", S, "viewer id (pseudonymised in reports)", req=True),
                _c("enter_ts", TS, "first entry", req=True),
                _c("watch_s", F, "total watch time, seconds", req=True),
                _c("leave_ts", TS, "last exit"),
                _c("source", S, "traffic channel of the entry"),
                _c("device", S, "ios, android, pc"),
                _c("region", S, "province or city tier"),
                _c("gender", S, "female, male, unknown"),
                _c("age_band", S, "18-23, 24-30, 31-40, 41-50, 50+"),
                _c("was_follower", B, "followed the room before the session"),
                _c("returning", B, "seen in an earlier session of the room"),
                _c("followed", B, "followed during the session"),
                _c("likes", INT, "likes"),
                _c("comments", INT, "comments"),
                _c("shares", INT, "shares"),
                _c("product_clicks", INT, "product clicks"),
            ),
            key=("session_id", "viewer_id"),
        ),
        Table(
            "orders",
            "order line",
            (
                _c("session_id", S, "session", req=True),
                _c("order_id", S, "order (line) id, kept as string", req=True),
                _c("ts", TS, "order time", req=True),
                _c("amount", F, "order amount, yuan", req=True),
                _c("status", S, "order status", req=True, allowed=ORDER_STATUSES),
                _c("viewer_id", S, "buyer (pseudonymised in reports)"),
                _c("product_id", S, "product"),
                _c("units", INT, "units"),
                _c("refund_amount", F, "refunded, yuan"),
                _c("first_order", B, "buyer's first order in the room"),
            ),
            key=("session_id", "order_id"),
        ),
        Table(
            "comments",
            "one comment",
            (
                _c("session_id", S, "session", req=True),
                _c("ts", TS, "time", req=True),
                _c("text", S, "comment text (data, never markup)", req=True),
                _c("viewer_id", S, "author (pseudonymised in reports)"),
                _c("tag", S, "platform tag, e.g. 老客, fan-club level"),
            ),
        ),
        Table(
            "traffic",
            "session × channel",
            (
                _c("session_id", S, "session", req=True),
                _c("channel", S, "traffic channel (渠道名称)", req=True),
                _c("viewers", INT, "viewers from the channel", req=True),
                _c("paid", B, "paid channel (千川, 品牌投放 ...)"),
                _c("views", INT, "views from the channel"),
                _c("gmv", F, "GMV attributed to the channel, yuan"),
                _c("orders", INT, "orders attributed"),
                _c("spend", F, "ad spend, yuan"),
                _c("impressions", INT, "impressions bought or shown"),
            ),
            key=("session_id", "channel"),
        ),
        Table(
            "targets",
            "session or room-day goal",
            (
                _c("metric", S, "metric key as in summary.json (gmv, uv_value ...)", req=True),
                _c("target", F, "target value", req=True),
                _c("session_id", S, "session the target is for"),
                _c("room", S, "room (with date)"),
                _c("date", pl.Date(), "day (with room)"),
            ),
        ),
        Table(
            "session_totals",
            "session (platform's own totals)",
            (
                _c("session_id", S, "session", req=True),
                _c("metric", S, "metric key (workbook name)", req=True),
                _c("value", F, "the platform's figure", req=True),
                _c("source_column", S, "the export's column header"),
            ),
            key=("session_id", "metric"),
        ),
        Table(
            "room_days",
            "room × day (platform's own totals)",
            (
                _c("room", S, "room", req=True),
                _c("date", pl.Date(), "day", req=True),
                _c("metric", S, "metric key (workbook name)", req=True),
                _c("value", F, "the platform's figure", req=True),
                _c("source_column", S, "the export's column header"),
            ),
            key=("room", "date", "metric"),
        ),
        # audience portraits and host transcripts
        Table(
            "audience_profile",
            "room (or session) × period × population × dimension × bucket (人群画像)",
            (
                _c("session_id", S, "session the portrait is of (empty for a room over a period)"),
                _c("room", S, "room (account) name", req=True),
                _c("date_from", pl.Date(), "first day the portrait covers"),
                _c("date_to", pl.Date(), "last day the portrait covers"),
                _c("population", S, "who is described", req=True, allowed=POPULATIONS),
                _c(
                    "dimension",
                    S,
                    "gender, age, region, city, city_tier, device or crowd8 (八大人群)",
                    req=True,
                ),
                _c(
                    "bucket",
                    S,
                    "the bucket as the export names it (男, 18-23, 广东, 一线 ...)",
                    req=True,
                ),
                _c("share", F, "share of the population in the bucket (fraction 0-1)"),
                _c("count", INT, "people in the bucket"),
            ),
            key=("session_id", "room", "date_from", "date_to", "population", "dimension", "bucket"),
        ),
        Table(
            "transcript",
            "one transcribed segment of the host's speech",
            (
                _c("session_id", S, "session", req=True),
                _c("start_ts", TS, "segment start (absolute)", req=True),
                _c("end_ts", TS, "segment end (absolute)", req=True),
                _c("text", S, "what was said, as transcribed (data, never markup)", req=True),
                _c("speaker", S, "speaker label when the tool gives one"),
                _c("source", S, "transcript format it came from (srt, vtt, tsv, json, txt)"),
            ),
        ),
    )
}


def table(name: str) -> Table:
    """The declaration of a canonical table, with a clear error for an unknown name."""
    try:
        return TABLES[name]
    except KeyError:
        raise SchemaError(
            f"unknown table {name!r}; canonical tables: {', '.join(TABLES)}"
        ) from None


def empty(name: str) -> pl.DataFrame:
    """An empty frame with the table's full column set."""
    return pl.DataFrame(schema=table(name).dtypes)


def conform(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Cast declared columns to their canonical dtypes and put them first, in declared order.

    Extra columns are kept after the declared ones. Casting is strict: a value that does not fit
    raises :class:`SchemaError` naming the column and the first offending row.
    """
    t = table(name)
    missing = [c for c in t.required if c not in df.columns]
    if missing:
        raise SchemaError(f"{name}: missing required column(s) {', '.join(missing)}")
    exprs = []
    for col in t.columns:
        if col.name not in df.columns:
            continue
        src = df.schema[col.name]
        if src == col.dtype:
            exprs.append(pl.col(col.name))
            continue
        if isinstance(col.dtype, pl.Datetime) and isinstance(src, pl.Datetime):
            expr = pl.col(col.name)
            expr = expr.dt.convert_time_zone(TZ) if src.time_zone else expr.dt.replace_time_zone(TZ)
            exprs.append(expr.dt.cast_time_unit("us"))
            continue
        casted = df.select(pl.col(col.name).cast(col.dtype, strict=False))[col.name]
        bad = casted.is_null() & df[col.name].is_not_null()
        if bad.any():
            row = int(bad.arg_true()[0])
            raise SchemaError(
                f"{name}.{col.name}: row {row}: value {df[col.name][row]!r} is not {col.dtype}"
            )
        exprs.append(pl.col(col.name).cast(col.dtype, strict=False))
    declared = [c.name for c in t.columns if c.name in df.columns]
    extras = [c for c in df.columns if c not in declared]
    return df.select([*exprs, *[pl.col(c) for c in extras]])


def validate(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Check a frame against the model; return it conformed or raise :class:`SchemaError`.

    Checks: required columns present, dtypes castable, required values not null, enumerations
    (event kind, order status) respected, key unique. Errors name the table, column and row.
    """
    out = conform(name, df)
    t = table(name)
    for col in t.columns:
        if col.name not in out.columns:
            continue
        s = out[col.name]
        if col.required and s.null_count():
            row = int(s.is_null().arg_true()[0])
            raise SchemaError(f"{name}.{col.name}: row {row}: required value is missing")
        if col.allowed:
            bad = s.is_not_null() & ~s.is_in(list(col.allowed))
            if bad.any():
                row = int(bad.arg_true()[0])
                raise SchemaError(
                    f"{name}.{col.name}: row {row}: {s[row]!r} not one of {', '.join(col.allowed)}"
                )
    if t.key and all(k in out.columns for k in t.key) and out.height:
        dup = ~out.select(pl.struct(list(t.key)).is_first_distinct()).to_series()
        if dup.any():
            row = int(dup.arg_true()[0])
            keyval = out.row(row, named=True)
            raise SchemaError(
                f"{name}: row {row}: duplicate key {', '.join(f'{k}={keyval[k]!r}' for k in t.key)}"
            )
    return out


def dtype_name(dtype: pl.DataType) -> str:
    """A reader's name for a dtype (``datetime[Asia/Shanghai]`` rather than polars' repr)."""
    if isinstance(dtype, pl.Datetime):
        return f"datetime[{dtype.time_zone}]"
    return {
        pl.String(): "string",
        pl.Float64(): "float",
        pl.Int64(): "int",
        pl.Boolean(): "bool",
        pl.Date(): "date",
    }.get(dtype, str(dtype))


def markdown() -> str:
    """The data model as a Markdown page (docs/data-model.md is this output)."""
    lines = [
        "# Canonical data model",
        "",
        "Generated from `src/helpers/data/schema.py` by "
        "`python -m helpers.data.schema > docs/data-model.md`;",
        "do not edit by hand. Times are Asia/Shanghai, money is yuan, ids are strings. Columns not",
        "listed are kept. The same tables written as CSV or Parquet with exactly these headers are",
        "an input format of their own (the canonical export).",
        "",
    ]
    for t in TABLES.values():
        lines += [
            f"## {t.name}",
            "",
            f"Grain: {t.grain}." + (f" Key: {', '.join(t.key)}." if t.key else ""),
            "",
        ]
        lines += ["| column | type | required | meaning |", "|---|---|---|---|"]
        for c in t.columns:
            doc = c.doc + (f" ({' / '.join(c.allowed)})" if c.allowed else "")
            lines.append(
                f"| {c.name} | {dtype_name(c.dtype)} | {'yes' if c.required else ''} | {doc} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
