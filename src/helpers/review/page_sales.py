"""What the review shows of what was sold and how: products, 讲解 windows, the product mix,
traffic sources and promotions (see :mod:`helpers.review.page`)."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.present import nb
from helpers.present.i18n import t
from helpers.review import charts
from helpers.review.common import roi_reliable
from helpers.review.context import Context
from helpers.review.display import format_value, say, show, step
from helpers.review.promotions import with_lift_text

PRODUCT_COLUMNS = (
    "rank",
    "name",
    "role",
    "exposures_uv",
    "clicks_uv",
    "buyers",
    "gmv",
    "share_gmv",
    "ctr",
    "click_to_order",
    "gpm",
    "refund_rate",
)
PRODUCT_DECIMALS = {
    "gmv": 0,
    "share_gmv": 3,
    "ctr": 3,
    "click_to_order": 3,
    "gpm": 0,
    "refund_rate": 3,
}
WINDOW_COLUMNS = (
    "name",
    "nth",
    "start_ts",
    "minutes",
    "orders_in",
    "orders_per_min_in",
    "orders_per_min_out",
    "gmv_per_min_in",
    "gmv_per_min_out",
    "lift",
    "lo",
    "hi",
    "reliable",
)
WINDOW_DECIMALS = {
    "minutes": 0,
    "orders_in": 0,
    "orders_per_min_in": 2,
    "orders_per_min_out": 3,
    "gmv_per_min_in": 0,
    "gmv_per_min_out": 0,
}
MIX_DECIMALS = {"gmv": 0, "share_products": 3, "share_gmv": 3, "norm": 2}
TRAFFIC_COLUMNS = ("channel", "paid", "viewers", "share")  # then the count and rate, then:
TRAFFIC_MONEY = ("conv_lo", "conv_hi", "gmv", "uv_value", "spend", "cpm", "roi")
TRAFFIC_DECIMALS = {
    "share": 3,
    "conv_lo": 4,
    "conv_hi": 4,
    "gmv": 0,
    "uv_value": 2,
    "spend": 0,
    "cpm": 1,
    "roi": 2,
}
COUPON_DECIMALS = {
    "minutes": 0,
    "orders_in": 0,
    "orders_per_min_in": 2,
    "orders_per_min_out": 2,
    "gmv_per_min_in": 0,
    "gmv_per_min_out": 0,
}
FLASH_DECIMALS = {"minutes": 0, "stock": 0}
LOTTERY_DECIMALS = {
    "minutes": 0,
    "entries_per_min_in": 1,
    "entries_per_min_out": 1,
    "median_stay_in": 1,
    "median_stay_out": 1,
}
#: The platform's coupon figures the promotions sentence states, with their formats.
COUPON_FIGURES = {
    "gmv": ("coupon_gmv", "{:,.0f}"),
    "share": ("coupon_gmv_share", "{:.1%}"),
    "sub": ("coupon_subsidy", "{:,.0f}"),
    "uses": ("coupon_uses", "{:,.0f}"),
}


def _ranking(ctx: Context) -> pl.DataFrame:
    return ctx.value("review.products", pl.DataFrame())


def products(ctx: Context) -> list[Any]:
    """The product ranking and the top product's sentence."""
    out, ranking, lang = ctx.out["review.products"], _ranking(ctx), ctx.lang
    if not (out.ok and ranking.height):
        return [nb.outcome(out, lang)]
    table, caption = ranking.select(PRODUCT_COLUMNS), t("sec_products", lang)
    kw = {"max_rows": 15, "decimals": PRODUCT_DECIMALS}
    return [
        step("review.products", lambda: show(table, caption, lang, **kw), lang),
        step("review.products", lambda: say("review.top_product", lang, **_top(ranking)), lang),
    ]


def _top(ranking: pl.DataFrame) -> dict[str, Any]:
    top = ranking.row(0, named=True)
    return {
        "name": top["name"],
        "share": f"{top['share_gmv']:.1%}" if top["share_gmv"] is not None else "–",
        "gpm": f"{top['gpm']:,.0f}" if top["gpm"] is not None else "–",
    }


def products_chart(ctx: Context) -> Any:
    ranking, lang = _ranking(ctx), ctx.lang
    if not ranking.height:
        return None
    return step("review.products", lambda: charts.products_chart(ranking, lang), lang)


def windows(ctx: Context) -> list[Any]:
    """Each 讲解 window's orders per minute against outside it, and how many lifts hold."""
    win, lang = ctx.value("review.windows"), ctx.lang
    if win is None or not win.height:
        return [nb.outcome(ctx.out["review.windows"], lang)]
    table, caption = with_lift_text(win.select(WINDOW_COLUMNS), lang), t("rate_ratio", lang)
    kw = {"max_rows": 40, "time_fmt": "%H:%M", "decimals": WINDOW_DECIMALS}
    return [
        step("review.windows", lambda: show(table, caption, lang, **kw), lang),
        step("review.windows", lambda: say("review.windows_note", lang, **_lifts(win, lang)), lang),
    ]


def _lifts(win: pl.DataFrame, lang: str) -> dict[str, Any]:
    return {
        "n": win.height,
        "ok": win["reliable"].sum(),
        "sig": win.filter(pl.col("reliable") & (pl.col("lo") > 1.0)).height,
        "rule": t("lift_rule", lang),
    }


def explain_chart(ctx: Context) -> Any:
    explain, lang = ctx.value("review.explain"), ctx.lang
    if explain is None or not explain.height:
        return None
    return step("review.explain", lambda: charts.explain_chart(explain, lang), lang)


def mix(ctx: Context) -> list[Any]:
    """The role mix of the product list against the suggested 3:5:2."""
    m, lang = ctx.value("review.mix"), ctx.lang
    if m is None:
        return [nb.outcome(ctx.out["review.mix"], lang)]
    caption = t("role", lang)
    return [
        step("review.mix", lambda: show(m, caption, lang, decimals=MIX_DECIMALS), lang),
        say("review.mix_note", lang),
    ]


def mix_chart(ctx: Context) -> Any:
    m, lang = ctx.value("review.mix"), ctx.lang
    if m is None or not m.height:
        return None
    return step("review.mix", lambda: charts.mix_chart(m, lang), lang)


def _basis(tr: pl.DataFrame) -> tuple[str, str]:
    """The count and rate columns: buyers where viewer rows give them, else the platform's
    orders."""
    return ("buyers", "conversion") if "buyers" in tr.columns else ("orders", "order_rate")


def traffic(ctx: Context) -> list[Any]:
    """Viewers, conversion, GMV and spend per channel, the paid traffic's sentence, the ROI rule."""
    tr, lang = ctx.value("review.traffic"), ctx.lang
    if tr is None:
        return [nb.outcome(ctx.out["review.traffic"], lang)]
    count, rate = _basis(tr)
    table = tr.select(*TRAFFIC_COLUMNS, count, rate, *TRAFFIC_MONEY)
    caption, dec = t("sec_traffic", lang), TRAFFIC_DECIMALS | {rate: 4}
    return [
        step("review.traffic", lambda: show(table, caption, lang, decimals=dec), lang),
        step("review.traffic", lambda: say("review.traffic_note", lang, **_paid(ctx, tr)), lang),
        nb.say(t("roi_rule", lang)),
    ]


def _paid(ctx: Context, tr: pl.DataFrame) -> dict[str, Any]:
    assert ctx.head is not None
    k, lang = ctx.head.kpis, ctx.lang
    paid_row = tr.filter((pl.col("level") == "total") & pl.col("paid"))
    roi_ok = roi_reliable(k.get("ad_spend"), k.get("orders"))
    too_little = t("too_little_data", lang)
    return {
        "share": f"{paid_row['share'].sum():.1%}" if paid_row.height else "–",
        "spend": format_value("ad_spend", k.get("ad_spend")),
        "roi": format_value("roi", k.get("roi")) if roi_ok else too_little,
        "ad_roi": format_value("ad_roi", k.get("ad_roi")) if roi_ok else too_little,
        "cpm": format_value("cpm", k.get("cpm")),
        "basis": "" if _basis(tr)[0] == "buyers" else t("review.traffic_orders_basis", lang),
    }


def traffic_chart(ctx: Context) -> Any:
    tr, lang = ctx.value("review.traffic"), ctx.lang
    if tr is None or not tr.height:
        return None
    return step("review.traffic", lambda: charts.traffic_chart(tr, lang), lang)


def promotions(ctx: Context) -> list[Any]:
    """Coupon windows, the platform's coupon figures, flash sales, lotteries, and the lift rule."""
    promo, lang = ctx.value("review.promotions"), ctx.lang
    if promo is None:
        return [nb.outcome(ctx.out["review.promotions"], lang)]
    parts = []
    if promo.coupons.height:
        parts.append(
            _window_table(with_lift_text(promo.coupons, lang), "coupon", COUPON_DECIMALS, lang)
        )
    parts.append(coupon_sentence(promo.coupon_totals, lang))
    if promo.flash.height:
        parts.append(_window_table(promo.flash, "flash_sale", FLASH_DECIMALS, lang))
    if promo.lotteries.height:
        table = with_lift_text(promo.lotteries, lang)
        parts.append(_window_table(table, "lottery", LOTTERY_DECIMALS, lang))
    return [*parts, nb.say(t("lift_rule", lang))]


def _window_table(table: pl.DataFrame, kind: str, dec: dict[str, int], lang: str) -> Any:
    caption = t(kind, lang)
    return step(
        "review.promotions",
        lambda: show(table, caption, lang, time_fmt="%H:%M", decimals=dec),
        lang,
    )


def coupon_sentence(totals: dict[str, float], lang: str = "zh") -> nb.Markdown:
    """The platform's coupon figures, or the sentence that the export has none."""
    if not totals:
        return say("review.no_coupon_figures", lang)
    figures = {
        name: fmt.format(totals[key]) if key in totals else "–"
        for name, (key, fmt) in COUPON_FIGURES.items()
    }
    return say("review.coupon_totals", lang, **figures)
