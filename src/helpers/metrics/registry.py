"""The registry of every live-commerce metric (METRICS.md): one :class:`Metric` per key with its
中文 and English names, formula, platform convention, unit and which direction is good.

:mod:`helpers.metrics.definitions` computes the metrics and generates ``docs/metrics.md`` from this
registry; the reports' glossaries and headers read it. A metric's zh/en names live here (the
catalogue of words falls back to them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One metric: names, formula, platform convention, unit and which direction is good."""

    zh: str
    en: str
    formula: str
    convention: str = ""
    unit: str = ""
    higher_is_better: bool | None = True
    group: str = "traffic"
    decimals: int = 0

    def name(self, lang: str) -> str:
        """The metric's name in a report language (English for any language but Chinese)."""
        return {"zh": self.zh, "en": self.en}.get(lang, self.en)


def _m(
    zh: str,
    en: str,
    formula: str,
    convention: str = "",
    unit: str = "",
    hib: bool | None = True,
    group: str = "traffic",
    decimals: int = 0,
) -> Metric:
    return Metric(zh, en, formula, convention, unit, hib, group, decimals)


METRICS: dict[str, Metric] = {
    # traffic
    "viewers": _m(
        "观看人数",
        "Viewers (UV)",
        "distinct viewers",
        "UV: one viewer counted once; one UI labels 观看次数 'uv' – mapped by meaning",
        "人",
        decimals=0,
    ),
    "views": _m(
        "观看次数",
        "Views (PV)",
        "entries into the room, counting repeats",
        "PV ≥ UV; per-viewer visits, else channel views, else the platform total, "
        "else per-minute entries",
        "次",
    ),
    "impressions": _m(
        "直播间曝光人数",
        "Room impressions",
        "people the room was shown to in a feed",
        "platform total only",
        "人",
    ),
    "impression_watch_rate": _m(
        "曝光-观看率",
        "Impression→view rate",
        "viewers / room impressions",
        "人数 (people) variant",
        "%",
        decimals=1,
    ),
    "pcu": _m(
        "最高在线人数",
        "Peak concurrent viewers (PCU)",
        "max over minutes of the online count",
        "",
        "人",
    ),
    "acu": _m(
        "平均在线人数",
        "Average concurrent viewers (ACU)",
        "mean over minutes of the online count",
        "",
        "人",
    ),
    "avg_watch_s": _m(
        "人均观看时长",
        "Average watch time",
        "total watch seconds / viewers",
        "weight by viewers when averaging sessions",
        "秒",
    ),
    "duration_min": _m("直播时长", "Duration", "end − start, minutes", "", "分钟", None),
    "returning_rate": _m(
        "回访率",
        "Returning viewers share",
        "viewers seen in an earlier session / viewers",
        "",
        "%",
        decimals=1,
    ),
    "follower_share": _m(
        "观看老粉占比",
        "Followers among viewers",
        "viewers who followed before the session / viewers",
        "",
        "%",
        decimals=1,
    ),
    # engagement
    "new_followers": _m(
        "新增粉丝数",
        "New followers",
        "viewers who followed during the session",
        "",
        "人",
        group="engagement",
    ),
    "follower_rate": _m(
        "转粉率",
        "Follower conversion",
        "new followers / viewers",
        "rule of thumb: apparel rooms should exceed 3%",
        "%",
        group="engagement",
        decimals=2,
    ),
    "interaction_rate": _m(
        "互动率",
        "Interaction rate",
        "distinct viewers who liked, commented or shared / viewers",
        "divides by viewers; Compass's trend chart divides by the online count instead",
        "%",
        group="engagement",
        decimals=1,
    ),
    "comment_rate": _m(
        "评论率",
        "Comment rate",
        "commenting viewers / viewers",
        "",
        "%",
        group="engagement",
        decimals=1,
    ),
    # funnel
    "product_exposed": _m(
        "商品曝光人数",
        "Product-exposed viewers",
        "distinct viewers shown any product",
        "room level (直播间商品曝光人数); a single product's count is never used for the room",
        "人",
        group="funnel",
    ),
    "product_clickers": _m(
        "商品点击人数",
        "Product clickers",
        "distinct viewers who clicked any product",
        "room level: viewer rows, else the platform's 商品点击人数",
        "人",
        group="funnel",
    ),
    "product_ctr": _m(
        "商品曝光-点击率(人数)",
        "Product exposure→click",
        "product clickers / product-exposed viewers (room level, else summed over products)",
        "人数 variant; a 次数 variant uses counts",
        "%",
        group="funnel",
        decimals=1,
    ),
    "click_to_order": _m(
        "商品点击-成交率(人数)",
        "Click→order",
        "buyers / product clickers",
        "",
        "%",
        group="funnel",
        decimals=1,
    ),
    "conversion_rate": _m(
        "观看-成交率(人数)",
        "Conversion (watch→order)",
        "buyers / viewers",
        "not Taobao's 种草成交转化率 (buyers / clickers); rule of thumb: live rooms 6–8%",
        "%",
        group="funnel",
        decimals=2,
    ),
    # money
    "gmv": _m(
        "成交金额",
        "GMV (placed)",
        "value of orders placed, refunds not removed",
        "placed (直播间成交金额), not paid",
        "元",
        group="money",
        decimals=0,
    ),
    "paid_gmv": _m(
        "用户支付金额",
        "Paid GMV",
        "amount paid (paid and later-refunded orders)",
        "lower than GMV: unpaid and cancelled orders excluded",
        "元",
        group="money",
    ),
    "refund_amount": _m(
        "退款金额",
        "Refunds",
        "refunded amount as of the data's as-of time",
        "refunds mature for days (D+7)",
        "元",
        False,
        group="money",
    ),
    "net_gmv": _m(
        "净成交金额",
        "Net GMV",
        "GMV − refunds",
        "Compass's 净成交金额 uses 1-hour refunds",
        "元",
        group="money",
    ),
    "refund_rate": _m(
        "退款率",
        "Refund rate",
        "refund amount / GMV",
        "rule of thumb: live 15–25%, apparel ~30%",
        "%",
        False,
        group="money",
        decimals=1,
    ),
    "buyers": _m(
        "成交人数",
        "Buyers",
        "distinct viewers with a paid order (refunded later included)",
        "Compass 成交人数 counts paid buyers",
        "人",
        group="money",
    ),
    "orders": _m("成交订单数", "Orders", "order lines placed", "", "单", group="money"),
    "units": _m("成交件数", "Units", "units in orders placed", "", "件", group="money"),
    "aov": _m(
        "客单价",
        "Average order value per buyer (AOV)",
        "paid GMV / paying buyers",
        "per buyer, not per order; one basis: paid orders over paying buyers "
        "(件单价 stays on the GMV basis)",
        "元",
        None,
        group="money",
        decimals=1,
    ),
    "unit_price": _m(
        "件单价", "Price per unit", "GMV / units", "", "元", None, group="money", decimals=1
    ),
    "uv_value": _m(
        "UV价值",
        "UV value",
        "GMV / viewers",
        "rule of thumb: above 20 yuan is a strong room",
        "元",
        group="money",
        decimals=2,
    ),
    "gpm": _m(
        "千次观看成交金额",
        "GPM",
        "GMV × 1000 / views (PV)",
        "platform divides by views, not viewers; product GPM divides by exposures",
        "元",
        group="money",
        decimals=0,
    ),
    # paid traffic
    "ad_spend": _m(
        "投放消耗", "Ad spend", "spend of paid channels", "", "元", None, group="traffic_sources"
    ),
    "roi": _m(
        "整体ROI",
        "Overall ROI",
        "GMV / ad spend",
        "overall, not ad-attributed (see ad_roi)",
        "×",
        group="traffic_sources",
        decimals=2,
    ),
    "ad_roi": _m(
        "投放ROI",
        "Ad ROI",
        "GMV attributed to paid channels / ad spend",
        "ad-attributed revenue, not GMV/spend",
        "×",
        group="traffic_sources",
        decimals=2,
    ),
    "cpm": _m(
        "千次展示费用",
        "CPM",
        "spend × 1000 / impressions of paid channels",
        "rule of thumb: act on channels costing 20% over the average",
        "元",
        False,
        group="traffic_sources",
        decimals=1,
    ),
}

KPI_KEYS: tuple[str, ...] = tuple(METRICS)


#: Order statuses that count as a purchase (成交): paid, including orders refunded later. Buyers,
#: paid GMV and the conversion models' outcome all use this one definition.
BUYING_STATUSES = ("paid", "refunded")
