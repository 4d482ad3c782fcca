"""Bilingual (zh/en) labels of the session review: section headings, axis titles, legend names.

Metric names come from :data:`helpers.metrics.METRICS`; everything else a chart or a heading shows
is here, so a report in ``en`` has no stray Chinese UI text (data such as product names and channel
names stays as exported).
"""

from __future__ import annotations

import html

from .metrics import METRICS

LABELS: dict[str, tuple[str, str]] = {
    # sections
    "sec_headline": ("核心指标：目标与行业基准", "Headline KPIs vs targets and benchmarks"),
    "sec_story": ("分钟级复盘：流量、成交与场控节奏", "The minute story: traffic, orders and the run sheet"),
    "sec_retention": ("留存：观众停留多久、在哪里离开", "Retention: how long viewers stayed and where they left"),
    "sec_funnel": ("转化漏斗", "The funnel"),
    "sec_products": ("商品：排名、讲解效果与货盘结构", "Products: ranking, explanation effect and mix"),
    "sec_traffic": ("流量来源：免费与付费", "Traffic sources: free vs paid"),
    "sec_audience": ("人群：谁在看、谁在买", "Audience: who watched vs who bought"),
    "sec_comments": ("弹幕意图", "Comment intents"),
    "sec_integrity": ("数据真实性信号", "Integrity signals"),
    "sec_findings": ("下次要改什么", "What to change next time"),
    "sec_glossary": ("指标说明", "Glossary"),
    # axes and legends
    "minute": ("时间", "Time"),
    "online": ("在线人数", "Online viewers"),
    "entries": ("进入人数", "Entries"),
    "exits": ("离开人数", "Exits"),
    "orders": ("订单数", "Orders"),
    "gmv": ("成交金额(元)", "GMV (yuan)"),
    "peak": ("峰值", "peak"),
    "trough": ("低谷", "trough"),
    "explain": ("讲解", "explain"),
    "lottery": ("福袋/抽奖", "lottery"),
    "coupon": ("优惠券", "coupon"),
    "flash_sale": ("秒杀", "flash sale"),
    "note": ("备注", "note"),
    "other": ("其他", "other"),
    "none": ("无活动", "nothing scheduled"),
    "minutes_since_entry": ("进入后分钟数", "Minutes since entry"),
    "still_watching": ("仍在观看比例", "Share still watching"),
    "exit_rate": ("离开人数：实际/按停留时长预期", "Exits: observed / expected from time in room"),
    "on_screen": ("当时在播", "On screen"),
    "stage": ("环节", "Stage"),
    "count": ("人数", "People"),
    "share": ("占比", "Share"),
    "product": ("商品", "Product"),
    "rate_ratio": ("讲解期间/讲解外 每分钟订单倍数", "Orders per minute, during vs outside 讲解 (ratio)"),
    "channel": ("渠道", "Channel"),
    "viewers_share": ("观看占比", "Share of viewers"),
    "buyers_share": ("成交占比", "Share of buyers"),
    "conversion": ("成交转化率", "Conversion"),
    "free": ("免费", "free"),
    "paid": ("付费", "paid"),
    "new": ("新客", "new"),
    "returning": ("老客", "returning"),
    "all": ("全部", "all"),
    "burst": ("疑似刷量分钟", "suspected burst minute"),
    "short_watch_share": ("极短观看占比", "Share with near-zero watch time"),
    "value": ("实际", "Actual"),
    "target": ("目标", "Target"),
    "benchmark": ("行业基准", "Benchmark"),
    "interval": ("95%区间", "95% interval"),
    "flag": ("判断", "Flag"),
    "source": ("数据来源", "Source"),
    "metric": ("指标", "Metric"),
    "intent": ("意图", "Intent"),
    "comments_per_min": ("每分钟弹幕数", "Comments per minute"),
    "hero": ("主推款", "hero"),
    "profit": ("利润款", "profit"),
    "traffic": ("引流款", "traffic driver"),
    "role": ("定位", "Role"),
    "planned": ("建议 3:5:2", "norm 3:5:2"),
    "dimension": ("维度", "Dimension"),
    "level": ("分组", "Group"),
    "index": ("成交/观看指数", "Buyer/viewer index"),
}

# table column headers (columns not listed fall back to LABELS / metric names / the key itself)
COLUMNS: dict[str, tuple[str, str]] = {
    "group_kind": ("分组方式", "Grouped by"), "group": ("分组", "Group"), "median_min": ("中位停留(分钟)", "Median stay (min)"),
    "still_5": ("5分钟留存", "Still watching at 5 min"), "still_30": ("30分钟留存", "Still watching at 30 min"),
    "kind": ("类型", "Kind"), "minutes": ("分钟数", "Minutes"), "lo": ("区间下限", "Lower 95%"),
    "hi": ("区间上限", "Upper 95%"), "p_value": ("p值", "p-value"), "of_previous": ("占上一步", "Of previous"),
    "of_top": ("占第一步", "Of first"), "rank": ("排名", "Rank"), "name": ("名称", "Name"),
    "exposures_uv": ("曝光人数", "Exposed"), "clicks_uv": ("点击人数", "Clickers"), "share_gmv": ("成交占比", "Share of GMV"),
    "ctr": ("曝光-点击率", "Exposure→click"), "windows": ("讲解次数", "Windows"), "minutes_in": ("讲解分钟", "Minutes explained"),
    "orders_in": ("讲解中订单", "Orders during"), "orders_out": ("讲解外订单", "Orders outside"), "ratio": ("倍数", "Ratio"),
    "products": ("商品数", "Products"), "share_products": ("商品占比", "Share of products"), "norm": ("建议占比", "Norm"),
    "paid": ("付费", "Paid"), "conv_lo": ("转化下限", "Conv. lower"), "conv_hi": ("转化上限", "Conv. upper"),
    "spend": ("花费(元)", "Spend (yuan)"), "viewer_share": ("观看占比", "Share of viewers"),
    "buyer_share": ("成交占比", "Share of buyers"), "text": ("弹幕", "Comment"), "comments": ("条数", "Comments"),
    "authors": ("账号数", "Accounts"), "first_ts": ("首次", "First"), "last_ts": ("最后", "Last"),
    "viewer_id": ("观众(已脱敏)", "Viewer (pseudonym)"), "enter_ts": ("进入时间", "Entered"), "watch_s": ("观看秒数", "Watched (s)"),
    "device": ("设备", "Device"), "source": ("数据来源", "Source"), "formula": ("公式", "Formula"),
    "convention": ("口径说明", "Convention"), "unit": ("单位", "Unit"), "zh": ("中文", "Chinese"), "en": ("英文", "English"),
    "count": ("人数", "People"), "stage": ("环节", "Stage"), "exit_rate": ("每分钟离开率", "Exits per viewer-minute"), "expected": ("预期离开", "Expected exits"),
    "dispersion": ("离散度", "Dispersion"), "method": ("方法", "Method"),
    "index": ("成交/观看指数", "Buyer / viewer index"), "obs_exp": ("实际/预期", "Observed / expected"), "on_screen": ("当时在播", "On screen"), "share": ("占比", "Share"),
    "conversion": ("转化率", "Conversion"), "dimension": ("维度", "Dimension"), "level": ("分组", "Group"),
    "online": ("在线人次", "Online (viewer-minutes)"), "exits": ("离开人数", "Exits"), "role": ("定位", "Role"),
    "price": ("价格", "Price"), "intent": ("意图", "Intent"), "channel": ("渠道", "Channel"),
}

STAGES: dict[str, tuple[str, str]] = {
    "impressions": ("直播间曝光人数", "Room impressions"), "viewers": ("观看人数", "Viewers"),
    "product_exposed": ("商品曝光人数", "Product-exposed"), "clicked": ("商品点击人数", "Product clickers"),
    "ordered": ("成交人数", "Buyers (placed)"), "paid": ("支付人数", "Paid buyers"),
    "net_of_refunds": ("未退款支付人数", "Paid, not refunded"),
}

FLAGS: dict[str, tuple[str, str]] = {
    "met": ("达标", "met"),
    "missed": ("未达标", "missed"),
    "missed_noise": ("未达标(差距在误差内)", "missed (within noise)"),
    "met_noise": ("达标(差距在误差内)", "met (within noise)"),
    "below": ("低于基准", "below benchmark"),
    "above": ("高于基准", "above benchmark"),
    "within": ("基准范围内", "within benchmark"),
}

DIMENSIONS: dict[str, tuple[str, str]] = {
    "age_band": ("年龄", "Age"),
    "gender": ("性别", "Gender"),
    "region": ("城市线级", "City tier"),
    "device": ("设备", "Device"),
    "source": ("渠道", "Channel"),
    "was_follower": ("是否粉丝", "Follower before"),
    "returning": ("新老客", "New vs returning"),
}


def columns(names: list[str], lang: str = "zh") -> dict[str, str]:
    """Display headers for a table's columns (for ``nb.show_table(..., rename=...)``)."""
    out = {}
    for n in names:
        if n in COLUMNS:
            out[n] = COLUMNS[n][0 if lang == "zh" else 1]
        else:
            out[n] = t(n, lang)
    return out


def stage(key: str, lang: str = "zh") -> str:
    """A funnel stage's name."""
    zh, en = STAGES.get(key, (key, key))
    return zh if lang == "zh" else en


def t(key: str, lang: str = "zh") -> str:
    """A label in the language; metric keys fall back to the metric registry, else the key."""
    if key in LABELS:
        zh, en = LABELS[key]
        return zh if lang == "zh" else en
    if key in FLAGS:
        zh, en = FLAGS[key]
        return zh if lang == "zh" else en
    if key in DIMENSIONS:
        zh, en = DIMENSIONS[key]
        return zh if lang == "zh" else en
    if key in METRICS:
        m = METRICS[key]
        return m.zh if lang == "zh" else m.en
    return key


class Heading:
    """A section heading emitted by a code cell (so its language follows the ``lang`` parameter).

    Renders as an ``<h2>`` inside a ``jp-MarkdownCell`` wrapper so the report template's table of
    contents (which collects ``.jp-MarkdownCell h2``) lists it like a Markdown-cell heading; its
    plain-text form is the Markdown ``## title`` (what nbval compares).
    """

    def __init__(self, title: str, anchor: str) -> None:
        self.title = title
        self.anchor = anchor

    def __repr__(self) -> str:
        return f"## {self.title}"

    def _repr_markdown_(self) -> str:
        return f"## {self.title}"

    def _repr_html_(self) -> str:
        return (f'<div class="jp-MarkdownCell wb-section"><div class="jp-RenderedMarkdown">'
                f'<h2 id="{html.escape(self.anchor)}">{html.escape(self.title)}</h2></div></div>')


def heading(section: str, lang: str = "zh") -> Heading:
    """The heading of a review section in the language (``## title``)."""
    return Heading(t("sec_" + section, lang), f"section-{section}")
