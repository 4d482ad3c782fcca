"""Synthetic files in the shapes of real downloads (docs: EXPORTS.md, "Real files seen in public").

Every value here is made up (seeded); only the shapes are real: the Compass session list as the
platform's Go writer emits it (one sheet 直播间明细, 54 columns, text times, bare fractions, ``-``
in the coupon columns), the daily overview CSV with a BOM, minute trends and comment exports with
no account column, 抖店 orders naming the numeric 达人ID, live-comment captures (TSV and JSON Lines)
and host transcripts in the formats speech-to-text tools write. Tests and the benchmark import it.

    >>> session_list_week(27, seed=7, path=Path("week.xlsx"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

CN = timezone(timedelta(hours=8))
SHEET = "直播间明细"
SESSION_LIST_COLUMNS = (
    "主播头像",
    "主播昵称",
    "主播抖音号",
    "直播开始时间",
    "直播结束时间",
    "直播时长(分钟)",
    "直播间曝光人数",
    "直播间曝光次数",
    "直播间观看人数",
    "单小时观看人数",
    "直播间观看次数",
    "最高在线人数",
    "平均在线人数",
    "人均观看时长(分钟)",
    "评论次数",
    "新加直播团人数",
    "新增粉丝数",
    "取关粉丝数",
    "观看老粉占比",
    "带货商品数",
    "直播间商品曝光人数",
    "直播间商品点击人数",
    "直播间商品曝光次数",
    "直播间商品点击次数",
    "直播间成交订单数",
    "直播间成交金额",
    "直播间用户支付金额",
    "单小时用户支付金额",
    "直播间成交件数",
    "直播间成交人数",
    "直播间退款订单数",
    "直播间退款金额",
    "直播间退款人数",
    "预估佣金支出",
    "商品曝光-点击率(次数)",
    "商品曝光-点击率(人数)",
    "商品点击-成交率(次数)",
    "商品点击-成交率(人数)",
    "观看-成交率(次数)",
    "观看-成交率(人数)",
    "预售订单数",
    "预售全款金额",
    "新加购物团人数",
    "投放消耗(店铺绑定)",
    "投放消耗(店铺被投)",
    "净成交金额",
    "净成交订单数",
    "1小时退款金额",
    "1小时退款订单数",
    "1小时退款率",
    "消费券引导支付金额",
    "消费券引导支付占比",
    "消费券补贴金额",
    "消费券使用量",
)
TEXT_TIME = "%Y/%m/%d %H:%M:%S"


@dataclass(frozen=True)
class Show:
    """One session of the synthetic shop: nickname, 主播抖音号 (digits), start (China time),
    minutes."""

    nickname: str
    account: str
    start: datetime
    minutes: int
    coupon: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


SHOP = (("阿强的店", "70010000001"), ("阿强的店·二号", "70010000002"))


def week_shows(
    n_sessions: int = 27, *, seed: int = 7, monday: datetime | None = None
) -> list[Show]:
    """``n_sessions`` shows over one week, two accounts of one shop, several a day, 80-160 min."""
    rng = np.random.default_rng(seed)
    monday = monday or datetime(2026, 11, 16, tzinfo=CN)
    slots = [(d, h) for d in range(7) for h in (9, 12, 15, 19, 22)]
    if n_sessions > len(slots):
        raise ValueError(f"at most {len(slots)} shows a week (five slots a day), not {n_sessions}")
    picked = sorted(rng.choice(len(slots), size=min(n_sessions, len(slots)), replace=False))
    shows = []
    for i, k in enumerate(picked[:n_sessions]):
        day, hour = slots[k]
        nick, acc = SHOP[i % 2]
        start = monday + timedelta(
            days=day, hours=hour, minutes=int(rng.integers(0, 20)), seconds=int(rng.integers(0, 60))
        )
        shows.append(
            Show(nick, acc, start, int(rng.integers(80, 161)), coupon=bool(rng.random() < 0.4))
        )
    return sorted(shows, key=lambda s: (s.start, s.account))


def _draw_counts(rng: np.random.Generator) -> dict[str, float]:
    """A session's base counts, each derived from the one before so the row's ratios agree."""
    impressions = int(rng.integers(20_000, 90_000))
    viewers = int(impressions * rng.uniform(0.15, 0.35))
    views = int(viewers * rng.uniform(1.2, 1.6))
    exposed = int(viewers * rng.uniform(0.5, 0.8))
    clickers = int(exposed * rng.uniform(0.08, 0.2))
    buyers = max(1, int(clickers * rng.uniform(0.1, 0.3)))
    orders = int(buyers * rng.uniform(1.0, 1.3))
    gmv = round(orders * float(rng.uniform(59, 199)), 2)
    refund_orders = int(orders * rng.uniform(0.02, 0.1))
    return {
        "impressions": impressions,
        "viewers": viewers,
        "views": views,
        "exposed": exposed,
        "clickers": clickers,
        "exp_n": int(exposed * 1.7),
        "clk_n": int(clickers * 1.4),
        "buyers": buyers,
        "orders": orders,
        "gmv": gmv,
        "paid": round(gmv * 0.97, 2),
        "refund_orders": refund_orders,
        "refund": round(gmv * refund_orders / max(orders, 1), 2),
    }


def _traffic_cells(show: Show, c: dict[str, float], rng: np.random.Generator) -> list[object]:
    """直播间曝光人数 … 带货商品数: exposure, viewing, watch time, comments, fans, products."""
    viewers, views = c["viewers"], c["views"]
    return [
        c["impressions"],
        int(c["impressions"] * 1.3),
        viewers,
        viewers / (show.minutes / 60),
        views,
        int(viewers * 0.08),
        round(viewers * 0.03, 2),
        round(float(rng.uniform(0.2, 3.5)), 2),
        int(views * 0.05),
        int(viewers * 0.003),
        int(viewers * 0.01),
        int(viewers * 0.002),
        round(float(rng.uniform(0.05, 0.3)), 4),
        int(rng.integers(8, 40)),
    ]


def _sales_cells(show: Show, c: dict[str, float]) -> list[object]:
    """直播间商品曝光人数 … 1小时退款率: the funnel, sales, refunds and the ratios they give."""
    orders, gmv, refund_orders, refund = c["orders"], c["gmv"], c["refund_orders"], c["refund"]
    return [
        c["exposed"],
        c["clickers"],
        c["exp_n"],
        c["clk_n"],
        orders,
        gmv,
        c["paid"],
        c["paid"] / (show.minutes / 60),
        int(orders * 1.2),
        c["buyers"],
        refund_orders,
        refund,
        refund_orders,
        round(gmv * 0.1, 2),
        c["clk_n"] / c["exp_n"],
        c["clickers"] / c["exposed"],
        orders / c["clk_n"],
        c["buyers"] / c["clickers"],
        orders / c["views"],
        c["buyers"] / c["viewers"],
        0,
        0,
        int(c["viewers"] * 0.001),
        round(gmv * 0.2, 2),
        0,
        round(gmv - refund, 2),
        orders - refund_orders,
        round(refund * 0.3, 2),
        refund_orders // 3,
        (refund_orders // 3) / max(orders, 1),
    ]


def session_list_row(show: Show, rng: np.random.Generator) -> list[object]:
    """One 直播间明细 row: counts consistent with the ratios the row states (bare fractions)."""
    c = _draw_counts(rng)
    gmv, orders = c["gmv"], c["orders"]
    coupon = (
        (round(gmv * 0.3, 2), 0.3, round(gmv * 0.05, 2), int(orders * 0.4))
        if show.coupon
        else ("-",) * 4
    )
    identity = [
        "https://p3.example.invalid/avatar.jpeg",
        show.nickname,
        show.account,
        show.start.strftime(TEXT_TIME),
        show.end.strftime(TEXT_TIME),
        show.minutes,
    ]
    return [*identity, *_traffic_cells(show, c, rng), *_sales_cells(show, c), *coupon]


def write_session_list(path: Path, shows: list[Show], *, seed: int = 7) -> Path:
    """The Compass session list of ``shows`` as the platform writes it: no styles, text cells."""
    import xlsxwriter

    rng = np.random.default_rng(seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = book.add_worksheet(SHEET)
    ws.write_row(0, 0, SESSION_LIST_COLUMNS)
    for i, show in enumerate(shows, start=1):
        for j, value in enumerate(session_list_row(show, rng)):
            ws.write_string(i, j, str(value))  # every cell a shared string, as the Go writer does
    book.close()
    return path


def session_list_week(
    n_sessions: int = 27, seed: int = 7, path: Path | str | None = None
) -> Path | bytes:
    """A week of ``n_sessions`` shows as a Compass session list: written to ``path``, else bytes."""
    import tempfile

    shows = week_shows(n_sessions, seed=seed)
    if path is not None:
        return write_session_list(Path(path), shows, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        return write_session_list(Path(tmp) / "week.xlsx", shows, seed=seed).read_bytes()


# ------------------------------------------------------------------------- daily overview CSV

DAILY_COLUMNS = (
    "日期",
    "直播间名称",
    "直播时长(小时)",
    "成交金额",
    "成交订单数",
    "成交人数",
    "直播间观看人数",
    "直播间观看人次",
    "看播成交转化率(人数)",
    "GPM",
    "投放消耗",
    "整体ROI",
    "投产净值",
    "退款率",
)


def write_daily_overview(
    path: Path, room: str, days: list[datetime], *, variant: str = "percent", seed: int = 7
) -> Path:
    """概览数据（日） CSV, UTF-8 with BOM. ``variant``: ``percent`` (YYYY/MM/DD, "10.75%") or
    ``serial`` (re-saved: Excel serial dates padded / ``2025/2/5`` dates, bare fractions)."""
    rng = np.random.default_rng(seed)
    lines = [",".join(DAILY_COLUMNS)]
    for i, day in enumerate(days):
        viewers = int(rng.integers(3000, 9000))
        buyers, gmv = int(viewers * 0.02), round(float(rng.uniform(8000, 30000)), 2)
        spend = round(gmv / 4, 2)
        views = int(viewers * 1.4)
        rate = buyers / viewers
        if variant == "percent":
            date, rate_s, refund_s = day.strftime("%Y/%m/%d"), f"{rate * 100:.2f}%", "3.10%"
        elif i % 2:
            date, rate_s, refund_s = f"{day.year}/{day.month}/{day.day}", f"{rate}", "0.031"
        else:
            serial = (day.date() - datetime(1899, 12, 30).date()).days
            date, rate_s, refund_s = f"{serial}.00 ", f"{rate}", "0.031"
        row = [
            date,
            room,
            "2.5",
            f"{gmv}",
            str(int(buyers * 1.1)),
            str(buyers),
            str(viewers),
            str(views),
            rate_s,
            f"{gmv * 1000 / views:.2f}",
            f"{spend}",
            f"{gmv / spend:.2f}",
            f"{-1512.52 + i:.2f}",
            refund_s,
        ]
        lines.append(",".join(row))
    path = Path(path)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return path


# --------------------------------------------------------- exports that carry no account column


def write_trend_no_account(path: Path, start: datetime, minutes: int, *, seed: int = 7) -> Path:
    """A minute-trend download (大屏 分钟趋势) with times but no account column."""
    rng = np.random.default_rng(seed)
    lines = ["时间,在线人数,进入人数,离开人数,评论次数,累计成交订单数,累计成交金额"]
    orders, gmv = 0, 0.0
    base = start.replace(second=0)
    for m in range(minutes):
        orders += int(rng.integers(0, 4))
        gmv += float(rng.integers(0, 4)) * 99.0
        t = base + timedelta(minutes=m)
        lines.append(
            f"{t:%Y-%m-%d %H:%M},{int(rng.integers(50, 300))},{int(rng.integers(10, 60))},"
            f"{int(rng.integers(10, 60))},{int(rng.integers(0, 20))},{orders},{gmv:.2f}"
        )
    Path(path).write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return Path(path)


def write_comments_no_account(path: Path, start: datetime, texts: list[str]) -> Path:
    """A comment export (评论时间, 用户昵称, 评论内容) with no account column, one a minute."""
    lines = ["评论时间,用户昵称,评论内容"]
    for i, text in enumerate(texts):
        lines.append(f"{start + timedelta(minutes=i, seconds=5):%Y-%m-%d %H:%M:%S},用户{i},{text}")
    Path(path).write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return Path(path)


def write_doudian_orders(path: Path, dar_id: str, start: datetime, n: int) -> Path:
    """抖店 order CSV (UTF-8 BOM) whose 达人ID is a numeric uid, ``n`` orders from ``start``."""
    head = "主订单编号,子订单编号,订单提交时间,订单应付金额,订单状态,商品ID,商品数量,达人ID"
    lines = [head]
    for i in range(n):
        t = start + timedelta(minutes=3 * i + 1)
        lines.append(
            f"69{i:016d},69{i:016d}1,{t:%Y/%m/%d %H:%M:%S},{99 + i}.00,已完成,"
            f"35{i % 3:08d},1,{dar_id}"
        )
    Path(path).write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return Path(path)


# ------------------------------------------------------------------- live-comment captures


def write_capture_tsv(
    path: Path, start: datetime, comments: list[tuple[str, str, str, str]], *, system_every: int = 3
) -> Path:
    """``epoch<TAB>nickname|short_id|sec_uid<TAB>text`` lines, one every 7.25 s from ``start``,
    with a ``##system: <id>`` line after every ``system_every`` comments."""
    lines = []
    epoch = start.timestamp()
    for i, (nick, short, sec, text) in enumerate(comments):
        lines.append(f"{epoch + i * 7.25:.3f}\t{nick}|{short}|{sec}\t{text}")
        if system_every and (i + 1) % system_every == 0:
            lines.append(f"##system: 72220{i:014d}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def write_capture_jsonl(
    path: Path, start: datetime, comments: list[tuple[str, str, str]], *, millis: bool = True
) -> Path:
    """JSON Lines capture: chat messages (nested user) with a like message between them."""
    lines = []
    for i, (nick, uid, text) in enumerate(comments):
        ts = start.timestamp() + i * 10
        stamp = int(ts * 1000) if millis else ts
        lines.append(
            json.dumps(
                {
                    "type": "WebcastChatMessage",
                    "content": text,
                    "user": {"nickname": nick, "id": uid},
                    "timestamp": stamp,
                },
                ensure_ascii=False,
            )
        )
        lines.append(
            json.dumps(
                {
                    "type": "WebcastLikeMessage",
                    "user": {"nickname": nick, "id": uid},
                    "timestamp": stamp,
                    "count": 3,
                },
                ensure_ascii=False,
            )
        )
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


# ---------------------------------------------------------------------------- transcripts

Segment = tuple[float, float, str]  # seconds from the recording start, text


def _clock(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def transcript_text(segments: list[Segment], fmt: str) -> str:
    """The segments as a speech-to-text tool writes them: srt, vtt, tsv, json, list, txt."""
    if fmt == "srt":
        return "\n".join(
            f"{i}\n{_clock(a, ',')} --> {_clock(b, ',')}\n{t}\n"
            for i, (a, b, t) in enumerate(segments, start=1)
        )
    if fmt == "vtt":
        return "WEBVTT\n\n" + "\n".join(
            f"{_clock(a, '.')} --> {_clock(b, '.')}\n{t}\n" for a, b, t in segments
        )
    if fmt == "tsv":
        return "start\tend\ttext\n" + "".join(
            f"{round(a * 1000)}\t{round(b * 1000)}\t{t}\n" for a, b, t in segments
        )
    if fmt in ("json", "list"):
        segs = [{"id": i, "start": a, "end": b, "text": t} for i, (a, b, t) in enumerate(segments)]
        body = {"text": "".join(t for _a, _b, t in segments), "segments": segs, "language": "zh"}
        return json.dumps(body if fmt == "json" else segs, ensure_ascii=False)
    if fmt == "txt":
        return "".join(f"[{_clock(a, '.')[:8]}] {t}\n" for a, _b, t in segments)
    raise ValueError(f"unknown transcript format {fmt!r}")
