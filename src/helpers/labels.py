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
    # weekly report sections
    "sec_week_glance": ("本周概览", "Week at a glance"),
    "sec_week_board": ("场次排行", "Session leaderboard"),
    "sec_week_alerts": ("预警", "Alerts"),
    "sec_week_hosts": ("主播评分卡", "Host scorecards"),
    "sec_week_products": ("商品生命周期", "Product lifecycle"),
    "sec_week_audience": ("人群与 RFM 迁移", "Audience and RFM migration"),
    "sec_week_comments": ("弹幕主题", "Comment themes"),
    "sec_week_hours": ("最佳与最差时段", "Best and worst hours"),
    "sec_week_reviews": ("单场复盘", "Session reviews"),
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
    # weekly report
    "this_week": ("本周", "This week"), "last_week": ("上周", "Last week"), "wow_change": ("环比", "Week over week"),
    "wow_interval": ("环比差值95%区间", "95% interval of the difference"),
    "trailing_mean": ("近4周均值", "Trailing 4-week mean"), "vs_trailing": ("较近4周", "vs trailing mean"),
    "session_id": ("场次", "Session"), "start_ts": ("开播时间", "Start"), "host": ("主播", "Host"),
"rule": ("规则", "Rule"), "subject": ("对象", "Subject"),
    "reference": ("参照值", "Reference"), "change": ("变化", "Change"), "sessions": ("场次数", "Sessions"),
    "points": ("达标项", "Points"), "tier": ("评级", "Tier"), "product_id": ("商品ID", "Product ID"),
    "planned_hero": ("计划主推", "Planned hero"), "gmv_last_week": ("上周成交金额(元)", "GMV last week (yuan)"),
    "units_last_week": ("上周件数", "Units last week"), "week": ("周", "Week"),
    "from_segment": ("上周末分层", "Segment, end of last week"), "to_segment": ("本周末分层", "Segment, end of this week"),
    "intent_group": ("意图大类", "Intent group"), "share_last_week": ("上周占比", "Share last week"),
    "change_pp": ("占比变化(百分点)", "Change (points)"), "day": ("星期", "Day"), "hour": ("小时", "Hour"),
    # audience segments
    "segment": ("分层", "Segment"), "segment_zh": ("分层", "Segment"), "gmv_share": ("GMV占比", "Share of GMV"),
    "mean_recency_days": ("平均距今天数", "Mean recency (days)"), "mean_frequency": ("平均购买场次", "Mean frequency"),
    "conversion_lo": ("转化下限", "Conv. lower"), "conversion_hi": ("转化上限", "Conv. upper"),
    "aov_lo": ("客单价下限", "AOV lower"), "aov_hi": ("客单价上限", "AOV upper"), "gap": ("差距", "Gap"),
    "rate": ("比例", "Rate"), "viewer_share_lo": ("观看占比下限", "Viewer share lower"),
    "viewer_share_hi": ("观看占比上限", "Viewer share upper"), "buyer_share_lo": ("成交占比下限", "Buyer share lower"),
    "buyer_share_hi": ("成交占比上限", "Buyer share upper"), "first_order": ("首单", "First order"), "came_back": ("再次到访人数", "Came back"),
    "cluster": ("分群", "Cluster"), "description": ("特征", "Description"),
    "z_log_watch_min": ("观看时长(z)", "Watch time (z)"), "z_log_interactions": ("互动(z)", "Interactions (z)"),
    "z_log_clicks": ("商品点击(z)", "Product clicks (z)"), "z_entry_min": ("进场时间(z)", "Entry time (z)"),
    # comments
    "times": ("次数", "Times"), "start": ("开始", "Start"),
    "questions": ("提问数", "Questions"), "question_lift": ("提问倍数", "Questions (×)"),
    "top_question": ("最多的提问", "Top question"), "top_question_lift": ("该提问倍数", "Top question (×)"),
    "orders_per_min": ("每分钟订单", "Orders per minute"), "order_lift": ("订单倍数", "Orders (×)"),
    "orders_followed": ("订单随之上升", "Orders followed"), "asks": ("提问次数", "Asks"), "askers": ("提问人数", "Askers"),
    "re_askers": ("重复提问人数", "Asked again"), "examples": ("示例", "Examples"), "sentiment": ("正向概率", "Positive (prob.)"),
    "keywords": ("关键词", "Keywords"), "viewer": ("观众(已脱敏)", "Viewer (pseudonym)"),
    "minute_ts": ("分钟", "Minute"), "robust_z": ("稳健z值", "Robust z"), "top_text": ("最多的弹幕", "Top text"),
    "top_text_share": ("最多弹幕占比", "Top text share"), "peak_viewers": ("峰值观众数", "Peak viewers"),
    "span_min": ("持续分钟", "Span (min)"),
    # ingest
    "source_column": ("平台列名", "Platform column"), "checked": ("核对数", "Checked"), "ok": ("一致", "Agree"),
    "mismatch": ("不一致", "Disagree"), "max_abs_diff": ("最大绝对差", "Max abs. difference"),
    "table": ("标准表", "Table"), "rows": ("行数", "Rows"),
    # conversion models
    "term": ("变量", "Term"), "odds_ratio": ("优势比", "Odds ratio"), "or_lo": ("优势比下限", "OR lower"),
    "or_hi": ("优势比上限", "OR upper"), "p": ("p值", "p-value"), "ame": ("平均边际效应", "Avg. marginal effect"),
    "ame_lo": ("边际效应下限", "AME lower"), "ame_hi": ("边际效应上限", "AME upper"), "vif": ("方差膨胀因子", "VIF"),
    "bin": ("分组", "Decile"), "predicted": ("预测概率", "Predicted"), "observed": ("实际比例", "Observed"),
    "n": ("人数", "n"), "lift": ("提升倍数", "Lift (×)"), "category": ("品类", "Category"),
    "identified": ("可识别", "Identified"), "elasticity": ("价格弹性", "Elasticity"), "n_obs": ("观测数", "Observations"),
    "n_products": ("商品数", "Products"), "price_spread": ("价格跨度", "Price spread"), "reason": ("原因", "Reason"),
    "rel_lift": ("相对提升", "Relative lift"), "per_arm": ("每组所需人数", "Needed per arm"),
}

UNIT_SUFFIX: dict[str, tuple[str, str]] = {"元": ("元", "yuan"), "秒": ("秒", "s"), "分钟": ("分钟", "min")}


def metric_header(key: str, lang: str = "zh") -> str:
    """A metric's column header in the language with its unit where it helps (``成交金额(元)``)."""
    m = METRICS[key]
    unit = UNIT_SUFFIX.get(m.unit)
    name = m.zh if lang == "zh" else m.en
    if not unit:
        return name
    return f"{name}({unit[0]})" if lang == "zh" else f"{name} ({unit[1]})"


def format_metric(key: str, value: float | None, *, signed: bool = False) -> str:
    """A metric value as printed in reports: % metrics as percent, × metrics with ×, others with
    thousands separators, each with the registry's decimals; ``signed`` for a difference (a
    difference of % metrics is in percentage points, ``pp``)."""
    if value is None or value != value:
        return "–"
    m = METRICS.get(key)
    d = m.decimals if m else 2
    sign = "+" if signed else ""
    if m and m.unit == "%":
        return f"{value * 100:{sign}.{d}f}{' pp' if signed else '%'}"
    if m and m.unit == "×":
        return f"{value:{sign}.{d}f}×"
    return f"{value:{sign},.{d}f}"


def table_format(names: list[str], lang: str = "zh", *, percent: dict[str, int] | None = None,
                 decimals: dict[str, int] | None = None, signed: tuple[str, ...] = (),
                 rename: dict[str, str] | None = None) -> dict[str, object]:
    """Keyword arguments for :func:`helpers.nb.show_table` of a frame with these columns: metric
    columns (keys of :data:`METRICS`) with the registry's decimals, % metrics as percentages, money
    headers with their unit; other headers from :data:`COLUMNS` / :func:`t`. ``percent`` adds
    fraction columns shown as % (column → decimals), ``decimals`` sets other columns' decimals,
    ``signed`` columns carry an explicit sign (changes), ``rename`` overrides headers."""
    dec: dict[str, int] = {}
    pct: list[str] = []
    headers = columns(names, lang)
    for n in names:
        m = METRICS.get(n)
        if m is not None:
            dec[n] = m.decimals
            if m.unit == "%":
                pct.append(n)
            headers[n] = metric_header(n, lang)
    headers.update(rename or {})
    for n, d in (percent or {}).items():
        dec[n] = d
        pct.append(n)
    dec.update(decimals or {})
    return {"decimals": {n: dec.get(n, 2) for n in names}, "percent": tuple(pct), "signed": tuple(signed),
            "rename": headers}

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


def chooser(lang: str):
    """``L = chooser(lang)``; ``L("中文", "English")`` picks the report language's text."""
    return (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en)


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
