"""Chinese comment texts for the simulator: an intent per comment, then a template for the
intent."""

from __future__ import annotations

import numpy as np
import polars as pl

# Intent → templates. ``{n}`` is a product link number, ``{h}`` a body weight in 斤.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "question_price": (
        "多少钱",
        "{n}号多少钱",
        "{n}号链接呢",
        "怎么买",
        "链接呢",
        "{n}号什么价",
        "这个多少钱啊",
        "有优惠券吗",
        "{n}号怎么买",
    ),
    "question_size": (
        "尺码怎么选",
        "160穿什么码",
        "{h}斤穿什么码",
        "{n}号有大码吗",
        "有别的色号吗",
        "这个颜色显黑吗",
        "S码偏大吗",
        "{n}号有黑色吗",
        "{h}斤能穿吗",
    ),
    "question_stock": ("还有货吗", "{n}号还有吗", "M码没货了吗", "什么时候补货", "{n}号库存还有吗"),
    "question_shipping": (
        "什么时候发货",
        "包邮吗",
        "发什么快递",
        "偏远地区包邮吗",
        "几天能到",
        "{n}号今天能发吗",
    ),
    "purchase": (
        "已拍",
        "拍了",
        "下单了",
        "{n}号已拍",
        "已下单",
        "拍了两件",
        "抢到了",
        "{n}号拍了",
    ),
    "praise": (
        "好看",
        "质量好",
        "主播好美",
        "上身效果好好看",
        "面料舒服",
        "买过一次质量很好",
        "颜色好温柔",
        "{n}号好好看",
    ),
    "complaint_quality": (
        "起球了",
        "上次买的起球",
        "面料有点薄",
        "线头好多",
        "洗了掉色",
        "{n}号会起球吗",
    ),
    "complaint_price": ("太贵了", "比昨天贵了", "别家更便宜", "价格有点高", "{n}号太贵了"),
    "complaint_host": (
        "主播说话太快",
        "能不能慢点讲",
        "主播不回答问题",
        "一直不讲{n}号",
        "主播别催了",
    ),
    "complaint_logistics": ("发货太慢", "退货好麻烦", "上次等了一周", "物流太慢了", "退货运费谁出"),
    "interaction": (
        "666",
        "福袋",
        "来了",
        "来了来了",
        "主播晚上好",
        "冲冲冲",
        "扣1",
        "1",
        "抽我抽我",
    ),
    "spam": ("加微信领优惠vx8866", "私聊有低价货源", "兼职日结加V", "关注我送福利"),
}
INTENTS: tuple[str, ...] = tuple(TEMPLATES)
QUESTION_INTENTS = ("question_price", "question_size", "question_stock", "question_shipping")

# Base intent weights per segment (order of INTENTS).
SEGMENT_INTENT_W: dict[str, tuple[float, ...]] = {
    "loyal_fans": (0.08, 0.08, 0.04, 0.04, 0.02, 0.25, 0.02, 0.01, 0.02, 0.02, 0.42, 0.0),
    "bargain_hunters": (0.25, 0.10, 0.10, 0.08, 0.02, 0.08, 0.03, 0.10, 0.03, 0.03, 0.18, 0.0),
    "browsers": (0.10, 0.04, 0.02, 0.03, 0.005, 0.10, 0.04, 0.08, 0.05, 0.04, 0.44, 0.05),
    "impulse_newcomers": (0.15, 0.10, 0.05, 0.06, 0.02, 0.15, 0.02, 0.05, 0.02, 0.03, 0.33, 0.02),
    "fabricated": (0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 0, 0),
}
QUESTION_BOOST_EXPLAIN = 2.5  # question intents are this much likelier while a product is explained
PURCHASE_AFTER_ORDER = 6.0  # purchase-signal weight multiplier after the author's first order
RETURNING_TAG_P = 0.7  # share of returning viewers' comments tagged 老客


def draw_comments(
    rng: np.random.Generator,
    segment: np.ndarray,
    segment_names: tuple[str, ...],
    explaining: np.ndarray,
    after_order: np.ndarray,
    returning: np.ndarray,
    product_no: np.ndarray,
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Text, intent and tag for each comment (Series aligned with the inputs)."""
    n = len(segment)
    w = np.array([SEGMENT_INTENT_W[s] for s in segment_names], dtype=float)[segment]
    q = np.array([i in QUESTION_INTENTS for i in INTENTS])
    w[:, q] *= np.where(explaining, QUESTION_BOOST_EXPLAIN, 1.0)[:, None]
    pi = INTENTS.index("purchase")
    w[:, pi] *= np.where(after_order, PURCHASE_AFTER_ORDER * 4, 0.15)
    cw = np.cumsum(w, axis=1)
    u = rng.random(n) * cw[:, -1]
    intent = (cw < u[:, None]).sum(axis=1)
    intent = np.minimum(intent, len(INTENTS) - 1)
    sizes = np.array([len(TEMPLATES[i]) for i in INTENTS])
    tmpl_idx = np.floor(rng.random(n) * sizes[intent]).astype(np.int64)
    flat = [t for i in INTENTS for t in TEMPLATES[i]]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat_idx = offsets[intent] + tmpl_idx
    heights = rng.integers(90, 141, n)
    df = pl.DataFrame(
        {
            "t": pl.Series(flat, dtype=pl.String)[flat_idx],
            "n": product_no.astype(np.int64),
            "h": heights,
        }
    ).with_columns(
        pl.col("t")
        .str.replace_all("{n}", pl.col("n").cast(pl.String), literal=True)
        .str.replace_all("{h}", pl.col("h").cast(pl.String), literal=True)
    )
    intents = pl.Series(INTENTS, dtype=pl.String)[intent]
    tagged = pl.Series(returning & (rng.random(n) < RETURNING_TAG_P))
    tags = pl.select(pl.when(tagged).then(pl.lit("老客")).otherwise(None)).to_series()
    return df["t"], intents, tags
