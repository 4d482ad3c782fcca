"""Parameters of the simulated room: hosts, audience segments, purchase model, event lifts and
the catalogue.

Every number the simulator plants lives here, so ``truth.json`` and ``docs/simulator.md`` can
state them and tests can compare estimates against them.
"""

from __future__ import annotations

from typing import Any

ACCOUNT = "nuanyang88"
ROOM = "暖阳服饰旗舰店"
PLATFORM = "douyin"
CATEGORY = "apparel"

# Hosts differ in how long viewers stay (watch-time multiplier), never directly in purchase.
HOSTS: dict[str, float] = {"小暖": 1.30, "莉莉": 1.0, "阿杰": 0.75, "团团": 1.12}

# Weekly slots: (day offset from Monday, hour, duration in hours, host). ``sessions`` takes the
# first N; more than 7 sessions use the second list too.
SLOTS: tuple[tuple[int, int, int, str], ...] = (
    (0, 20, 3, "小暖"),
    (1, 14, 2, "阿杰"),
    (2, 19, 3, "莉莉"),
    (3, 10, 2, "团团"),
    (4, 20, 4, "小暖"),
    (5, 21, 3, "莉莉"),
    (6, 12, 2, "阿杰"),
    (0, 10, 2, "团团"),
    (1, 20, 3, "莉莉"),
    (2, 12, 2, "阿杰"),
    (3, 20, 3, "小暖"),
    (4, 14, 2, "团团"),
    (5, 10, 2, "阿杰"),
    (6, 20, 3, "小暖"),
)

CHANNELS = ("直播推荐", "短视频引流", "关注", "搜索", "商城推荐", "千川")
PAID_CHANNELS = ("千川",)
DEVICES = ("android", "ios", "pc")
DEVICE_P = (0.55, 0.38, 0.07)
REGIONS = ("一线", "新一线", "二线", "三线", "四线及以下")
REGION_P = (0.12, 0.18, 0.23, 0.25, 0.22)
AGE_BANDS = ("18-23", "24-30", "31-40", "41-50", "50+")

# Planted audience segments. Shares are of real viewers in each session; behaviour parameters are
# medians (log-normal) or Poisson means; ``entry`` names the entry-time profile; ``pool`` sizes the
# segment's persistent pool relative to its per-session count (small pool = many returns).
SEGMENTS: dict[str, dict[str, Any]] = {
    "loyal_fans": {
        "label": "忠实粉丝",
        "share": 0.20,
        "watch_min": 45.0,
        "watch_sigma": 0.4,
        "likes": 50.0,
        "comments": 2.5,
        "shares": 0.5,
        "clicks": 3.0,
        "entry": "early",
        "pool": "fixed:1.6",
        "channel_p": (0.30, 0.20, 0.35, 0.10, 0.05, 0.00),
        "female": 0.90,
        "age_p": (0.30, 0.48, 0.15, 0.05, 0.02),
        "prior_visit": 0.90,
        "prior_follower": 0.85,
        "prior_buyer": 0.70,
        "follow_p": 0.06,
    },
    "bargain_hunters": {
        "label": "价格敏感型",
        "share": 0.20,
        "watch_min": 20.0,
        "watch_sigma": 0.4,
        "likes": 0.6,
        "comments": 1.0,
        "shares": 0.05,
        "clicks": 10.0,
        "entry": "promo",
        "pool": "weekly:0.8",
        "channel_p": (0.25, 0.10, 0.05, 0.30, 0.25, 0.05),
        "female": 0.88,
        "age_p": (0.32, 0.47, 0.14, 0.05, 0.02),
        "prior_visit": 0.40,
        "prior_follower": 0.25,
        "prior_buyer": 0.40,
        "follow_p": 0.05,
    },
    "browsers": {
        "label": "路过浏览",
        "share": 0.42,
        "watch_min": 0.8,
        "watch_sigma": 0.6,
        "likes": 0.15,
        "comments": 0.12,
        "shares": 0.02,
        "clicks": 0.15,
        "entry": "flat",
        "pool": "weekly:1.5",
        "channel_p": (0.55, 0.20, 0.02, 0.03, 0.05, 0.15),
        "female": 0.60,
        "age_p": (0.20, 0.30, 0.25, 0.15, 0.10),
        "prior_visit": 0.10,
        "prior_follower": 0.04,
        "prior_buyer": 0.03,
        "follow_p": 0.02,
    },
    "impulse_newcomers": {
        "label": "冲动新客",
        "share": 0.18,
        "watch_min": 4.0,
        "watch_sigma": 0.4,
        "likes": 20.0,
        "comments": 0.6,
        "shares": 0.4,
        "clicks": 1.0,
        "entry": "late",
        "pool": "new",
        "channel_p": (0.30, 0.30, 0.00, 0.02, 0.08, 0.30),
        "female": 0.90,
        "age_p": (0.36, 0.44, 0.14, 0.04, 0.02),
        "prior_visit": 0.0,
        "prior_follower": 0.0,
        "prior_buyer": 0.0,
        "follow_p": 0.07,
    },
}

# Viewer-level purchase model: logit P(bought) = sum(coef * covariate). Treatment coding with the
# reference levels below; names follow patsy/statsmodels for
#   bought ~ log_watch_min + log_interactions + was_follower + returning
#            + C(channel, Treatment('直播推荐')) + C(device, Treatment('android'))
#            + C(region, Treatment('三线')) + prime_time
# (the truth JSON also lists the long C(...) names).
PURCHASE_COEFFICIENTS: dict[str, float] = {
    "Intercept": -5.40,
    "log_watch_min": 0.55,
    "log_interactions": 0.22,
    "was_follower": 0.45,
    "returning": 0.40,
    "channel[T.短视频引流]": -0.20,
    "channel[T.关注]": 0.30,
    "channel[T.搜索]": 0.50,
    "channel[T.商城推荐]": 0.35,
    "channel[T.千川]": -0.30,
    "device[T.ios]": 0.30,
    "device[T.pc]": -0.40,
    "region[T.一线]": 0.25,
    "region[T.新一线]": 0.20,
    "region[T.二线]": 0.10,
    "region[T.四线及以下]": -0.15,
    "prime_time": 0.35,
}

PURCHASE_MODEL: dict[str, Any] = {
    "outcome": "bought: the viewer placed at least one order in the session (any status; every "
    "buyer's first order in a session is paid or refunded, so 'any status except unpaid/cancelled' "
    "gives the same outcome)",
    "link": "logit",
    "covariates": {
        "log_watch_min": "log1p(watch_s / 60)",
        "log_interactions": "log1p(likes + comments + shares)",
        "was_follower": "viewers.was_follower (bool)",
        "returning": "viewers.returning (bool)",
        "channel": "viewers.source",
        "device": "viewers.device",
        "region": "viewers.region (city tier)",
        "prime_time": "entry hour (Asia/Shanghai) in [20, 22)",
    },
    "reference_levels": {"channel": "直播推荐", "device": "android", "region": "三线"},
    "levels": {"channel": list(CHANNELS), "device": list(DEVICES), "region": list(REGIONS)},
    "formula": "bought ~ log_watch_min + log_interactions + was_follower + returning"
    " + C(channel, Treatment('直播推荐')) + C(device, Treatment('android'))"
    " + C(region, Treatment('三线')) + prime_time",
    "coefficients": PURCHASE_COEFFICIENTS,
}

# Multiplicative lifts on the per-minute order intensity while an event is active (product of the
# active events' lifts). A buyer's order minute is drawn within their stay with these weights.
EVENT_LIFTS: dict[str, float] = {"coupon": 1.8, "lottery": 1.3, "explain": 1.5, "flash_sale": 2.0}
# Multiplicative lifts on the entry intensity (lotteries and coupons pull viewers in); bargain
# hunters respond with the square of the lift.
ENTRY_LIFTS: dict[str, float] = {"lottery": 2.2, "coupon": 1.6, "flash_sale": 1.4}
# The product being explained is this many times more likely to be picked by a buyer ordering
# during its window (and clicked by a viewer clicking then).
EXPLAIN_PICK_BOOST = 30.0

# Product choice ∝ attractiveness × (price / category reference price)^(-elasticity); the
# reference price is the category's median catalogue list price.
ELASTICITY: dict[str, float] = {"上衣": 1.5, "裤装": 1.4, "连衣裙": 1.3, "外套": 1.7, "配饰": 0.8}
REFUND_P: dict[str, float] = {
    "上衣": 0.30,
    "裤装": 0.30,
    "连衣裙": 0.32,
    "外套": 0.28,
    "配饰": 0.12,
}
ROLE_SHARES: dict[str, float] = {"hero": 0.3, "profit": 0.5, "traffic": 0.2}

# Orders per buyer: 1 + Poisson(EXTRA_ORDER_RATE × lift-minutes of the stay), i.e. add-on orders
# arrive as a Poisson process with intensity EXTRA_ORDER_RATE × lift(t) while the buyer watches.
# Extra order lines are unpaid/cancelled with these probabilities (so every buyer has a paid or
# refunded order line).
EXTRA_ORDER_RATE = 0.006
EXTRA_STATUS_P = {"unpaid": 0.12, "cancelled": 0.13}
# Units per order line: first order in the room vs later orders (first orders ~31% smaller).
UNITS_FIRST = (0.90, 0.10, 0.0)
UNITS_REPEAT = (0.55, 0.30, 0.15)

# 千川 economics.
CPM_RANGE = (30.0, 60.0)
QIANCHUAN_CTR_RANGE = (0.015, 0.035)

# Integrity plant: fabricated entries in one session.
FAKE_SHARE = 0.04
FAKE_CHANNEL = "直播推荐"
FAKE_BURST_S = 120
FAKE_MAX_WATCH_S = 4.5
DUPLICATE_TEXT = "这家店衣服质量太好了，强烈推荐大家下单！"

CATALOGUE: dict[str, dict[str, Any]] = {
    "上衣": {"n": 10, "price": (79, 199), "words": ("针织衫", "卫衣", "衬衫", "打底衫", "毛衣")},
    "裤装": {"n": 8, "price": (99, 229), "words": ("阔腿裤", "牛仔裤", "直筒裤", "半身裙")},
    "连衣裙": {
        "n": 8,
        "price": (129, 329),
        "words": ("碎花连衣裙", "针织连衣裙", "衬衫裙", "毛呢裙"),
    },
    "外套": {"n": 8, "price": (199, 599), "words": ("羊毛大衣", "羽绒服", "西装外套", "棉服")},
    "配饰": {"n": 6, "price": (29, 99), "words": ("围巾", "发夹", "腰带", "针织帽")},
}
STYLE_WORDS = ("法式", "复古", "韩版", "宽松", "修身", "简约", "百搭", "气质", "慵懒风", "通勤")
SEASON_WORDS = ("秋冬新款", "冬季加厚", "早春款", "显瘦款", "2026新款")
