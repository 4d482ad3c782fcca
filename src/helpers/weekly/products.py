"""Product lifecycle: each product sold this week or last, its sales both weeks and its stage.

The stages are tested in the order of :data:`STAGE_ORDER`, the first that holds wins; the footnote
(:func:`lifecycle_rule`) renders from the same order and constants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from helpers.present import sections
from helpers.present.i18n import t
from helpers.weekly.alerts import HERO_SHARE, _products, sales_measure
from helpers.weekly.data import WeekData

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

LIFECYCLE_CHANGE = 0.15  # rising / fading: sales this much above / below last week's
STAGE_ORDER = ("new", "fading", "rising", "hero", "steady")


def _conditions() -> dict[str, pl.Expr]:
    return {
        "new": ~pl.col("sold_before") & ~pl.col("sold_last_week"),
        "fading": pl.col("change") <= -LIFECYCLE_CHANGE,
        "rising": pl.col("change") >= LIFECYCLE_CHANGE,
        "hero": (pl.col("share") >= HERO_SHARE) | pl.col("planned_hero"),
        "steady": pl.lit(True),
    }


def stage_expr() -> pl.Expr:
    """The stage of each product row: the first of :data:`STAGE_ORDER` whose condition holds."""
    cond = _conditions()
    first, *rest = STAGE_ORDER
    expr: Then | ChainedThen = pl.when(cond[first].fill_null(False)).then(pl.lit(first))
    for key in rest:
        expr = expr.when(cond[key].fill_null(False)).then(pl.lit(key))
    return expr.otherwise(pl.lit("steady"))


@sections.section("week_products", needs=["sessions", "products.units|products.gmv"])
def product_lifecycle(data: WeekData) -> pl.DataFrame:
    """Each product sold this week or last: sales (GMV, else units when the export has no GMV)
    each week, share of the week's sales, change vs last week and its stage (:data:`STAGE_ORDER`).
    ``sold_before``: sold in one of the trailing weeks with data before last week."""
    p = _products(data)
    if p.height == 0:
        return pl.DataFrame(schema={"product_id": pl.String, "name": pl.String, "stage": pl.String})
    m = "gmv" if p["gmv"].null_count() < p.height else sales_measure(p)
    last_w, wk = data.last_week, pl.col("week")
    agg = (
        p.group_by("product_id")
        .agg(
            pl.col("name").first(),
            (pl.col("role") == "hero").any().fill_null(False).alias("planned_hero"),
            pl.col(m).filter(wk == data.week).sum().cast(pl.Float64).alias("sales"),
            pl.col(m).filter(wk == last_w).sum().cast(pl.Float64).alias("sales_last_week"),
            (wk < last_w).any().alias("sold_before"),
            (wk == last_w).any().alias("sold_last_week"),
            (wk == data.week).any().alias("sold_this_week"),
        )
        .filter(pl.col("sold_this_week") | pl.col("sold_last_week"))
    )
    total = agg["sales"].sum() or 0.0
    agg = agg.with_columns(
        (pl.col("sales") / total if total else pl.lit(None, pl.Float64)).alias("share"),
        pl.when(pl.col("sales_last_week") > 0)
        .then(pl.col("sales") / pl.col("sales_last_week") - 1)
        .otherwise(None)
        .alias("change"),
        pl.lit(m).alias("measure"),
    )
    order = [
        "product_id",
        "name",
        "stage",
        "planned_hero",
        "sales",
        "sales_last_week",
        "change",
        "share",
        "sold_before",
        "measure",
    ]
    return (
        agg.with_columns(stage_expr().alias("stage"))
        .select(order)
        .sort(["sales", "product_id"], descending=[True, False])
    )


def lifecycle_rule(lang: str = "zh") -> str:
    """The lifecycle footnote in the order the stages are tested (:data:`STAGE_ORDER`)."""
    parts = [
        t(f"wr_stage_{k}", lang).format(change=f"{LIFECYCLE_CHANGE:.0%}", share=f"{HERO_SHARE:.0%}")
        for k in STAGE_ORDER
    ]
    return (
        t("wr_stage_order", lang)
        + t("wr_stage_sep", lang).join(parts)
        + t("weekly.full_stop", lang)
    )
