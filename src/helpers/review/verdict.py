"""The verdict (结论): paid GMV against the target or the room's history, the gap in yuan with a 95%
interval, its decomposition viewers × conversion × AOV, and where it came from (paid vs free
traffic × followers vs non-followers, the 2×2 of Compass's self-broadcast diagnosis).

Basis: the verdict is on **paid GMV** (用户支付金额), so that viewers × conversion × AOV multiplies
out exactly with the one AOV definition of :mod:`helpers.metrics.definitions` (paid GMV / paying buyers).

- Reference: the session's ``paid_gmv`` target; else its ``gmv`` target (placed basis) scaled by the
  session's own paid/placed ratio; else the room's history: the previous sessions of the same room
  with paid GMV, viewers and buyers, the last :data:`TRAILING_SESSIONS` in the same time slot
  (:data:`helpers.metrics.slots.SLOTS`) when at least :data:`MIN_SAME_SLOT` exist, else the
  last :data:`TRAILING_SESSIONS` of any slot. The reference factors are pooled (Σbuyers/Σviewers,
  Σpaid/Σbuyers, mean viewers), so they multiply to the mean paid GMV exactly.
- Interval of the gap: ±1.96 × √(var(this GMV) + var(reference)), the session's GMV as a compound
  Poisson sum over paid orders (var = Σ amount²; without order lines buyers × AOV²), the history
  mean's standard error sd/√n (a target has none).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from helpers.data.store import Session
from helpers.metrics import definitions as metrics
from helpers.metrics.decompose import decompose, gmv_of
from helpers.metrics.decompose import method as split_method
from helpers.metrics.slots import slot_key, slot_of
from helpers.present import sections
from helpers.review.common import PAID_CHANNELS, TRAILING_SESSIONS, _f, per_viewer_gmv

Z95 = 1.959963984540054
MIN_SAME_SLOT = 3
LOOKBACK = 12  # previous sessions of the room read when looking for same-slot ones


@dataclass
class Verdict:
    gmv: float
    reference: float
    reference_kind: str  # target | history
    gap: float
    gap_pct: float | None
    lo: float | None
    hi: float | None
    decomposition: list[dict[str, Any]]
    split: str  # lmdi | shapley
    basis: str  # how the reference was built: target, target_scaled, same_slot, recent
    sessions: list[str] = field(default_factory=list)  # the history sessions used
    cells: pl.DataFrame = field(default_factory=pl.DataFrame)  # paid/free × followers 2×2
    history: pl.DataFrame = field(default_factory=pl.DataFrame)  # KPI rows of the reference shows

    def summary(self) -> dict[str, Any]:
        """The ``verdict`` block of summary.json (keys in docs/summary.md)."""
        return {
            "gmv": self.gmv,
            "reference": self.reference,
            "reference_kind": self.reference_kind,
            "gap": self.gap,
            "gap_pct": self.gap_pct,
            "lo": self.lo,
            "hi": self.hi,
        }


def factors(kpis: dict[str, Any]) -> dict[str, float] | None:
    """viewers, conversion (paying buyers / viewers), aov (paid GMV / paying buyers) of a KPI row;
    None without paid GMV, viewers and buyers."""
    paid, viewers, buyers = (
        _f(kpis.get("paid_gmv")),
        _f(kpis.get("viewers")),
        _f(kpis.get("buyers")),
    )
    if paid is None or not viewers or buyers is None:
        return None
    return {
        "viewers": viewers,
        "conversion": buyers / viewers,
        "aov": paid / buyers if buyers else 0.0,
    }


def history(
    s: Session, store: str | os.PathLike[str] | None, n: int = TRAILING_SESSIONS
) -> tuple[pl.DataFrame, str]:
    """KPI rows of the reference sessions and which rule chose them (``same_slot`` or ``recent``)."""
    if store is None:
        return pl.DataFrame(), "recent"
    from helpers.data.store import list_sessions

    prev = list_sessions(store).filter(
        (pl.col("room") == s.info["room"]) & (pl.col("start_ts") < s.info["start_ts"])
    )
    ids = prev.sort("start_ts", "session_id")["session_id"].tail(LOOKBACK).to_list()
    try:
        rows = [metrics.kpi_table(store, ids)] if ids else []
    except (
        OSError,
        pl.exceptions.PolarsError,
    ):  # then one at a time: an unreadable session is left out
        rows = []
        for sid in ids:
            try:
                rows.append(metrics.kpi_table(store, [sid]))
            except (OSError, pl.exceptions.PolarsError):
                continue
    if not rows:
        return pl.DataFrame(), "recent"
    kp = (
        pl.concat(rows, how="vertical_relaxed")
        .sort("start_ts", "session_id")
        .filter((pl.col("paid_gmv") > 0) & (pl.col("viewers") > 0) & pl.col("buyers").is_not_null())
    )
    this = slot_key(s.info["start_ts"].hour)
    same = kp.filter(slot_of(pl.col("start_ts").dt.hour()) == this)
    if same.height >= MIN_SAME_SLOT:
        return same.tail(n), "same_slot"
    return kp.tail(n), "recent"


def _pooled(kp: pl.DataFrame) -> dict[str, float]:
    v, b, g = float(kp["viewers"].sum()), float(kp["buyers"].sum()), float(kp["paid_gmv"].sum())
    return {"viewers": v / kp.height, "conversion": b / v, "aov": g / b if b else 0.0}


def _gmv_variance(s: Session, f: dict[str, float]) -> float:
    """Variance of this session's paid GMV as a compound Poisson sum over its paid orders."""
    if s.has("orders"):
        o = s.orders.filter(pl.col("status").is_in(list(metrics.BUYING_STATUSES)))
        return float((o["amount"] ** 2).sum())
    return f["viewers"] * f["conversion"] * f["aov"] ** 2


def _target_reference(
    tg: dict[str, float], kpis: dict[str, Any], cur: dict[str, float]
) -> tuple[float, dict[str, float], str] | None:
    """The target GMV on the paid basis and reference factors multiplying to it: targeted viewers
    and conversion where set, else this session's own; AOV is what the target then implies."""
    if tg.get("paid_gmv"):
        ref, basis = float(tg["paid_gmv"]), "target"
    elif tg.get("gmv") and kpis.get("gmv") and kpis.get("paid_gmv"):
        ref, basis = float(tg["gmv"]) * kpis["paid_gmv"] / kpis["gmv"], "target_scaled"
    else:
        return None
    v = float(tg.get("viewers") or cur["viewers"])
    c = float(tg.get("conversion_rate") or cur["conversion"] or 1.0)
    return ref, {"viewers": v, "conversion": c, "aov": ref / (v * c)}, basis


@sections.section(
    "review.verdict",
    needs=["orders|session_totals.metric|trend.paid_gmv", "viewers|session_totals.metric|traffic"],
)
def verdict(
    s: Session,
    targets: dict[str, float] | None = None,
    store: str | os.PathLike[str] | None = None,
    *,
    kpis: dict[str, Any] | None = None,
) -> Verdict:
    """The verdict of a session (see the module docstring for the reference and the interval)."""
    kpis = kpis if kpis is not None else metrics.session_kpis(s)
    cur = factors(kpis)
    if cur is None:
        raise ValueError("paid GMV, viewers and buyers are needed for the verdict")
    gmv = gmv_of(cur)
    hist, rule = history(s, store)
    tref = _target_reference(targets or {}, kpis, cur)
    ref_var = 0.0
    if tref is not None:
        ref, ref_f, basis = tref
        kind, used = "target", []
    elif hist.height:
        ref_f, kind, basis = _pooled(hist), "history", rule
        ref, used = gmv_of(ref_f), hist["session_id"].to_list()
        sd = hist["paid_gmv"].std()
        ref_var = (sd**2 / hist.height) if hist.height >= 2 and sd is not None else 0.0
    else:
        raise sections.Unavailable(
            "本场没有目标，本直播间在仓库中也没有更早的场次可比：无法给出判断。",
            "No target, and no earlier session of this room in the store to compare "
            "with: there is no verdict to give.",
        )
    gap = gmv - ref
    half = Z95 * math.sqrt(_gmv_variance(s, cur) + ref_var)
    parts = decompose(cur, ref_f)
    return Verdict(
        gmv,
        ref,
        kind,
        gap,
        gap / ref if ref else None,
        gap - half,
        gap + half,
        parts,
        split_method(cur, ref_f),
        basis,
        used,
        source_cells(s, store, hist["session_id"].to_list() if hist.height else []),
        hist,
    )


# ---------------------------------------------------------------------------------------------
# where it came from: paid vs free × followers vs non-followers


CELL_SCHEMA = {
    "traffic_type": pl.String,
    "audience": pl.String,
    "viewers": pl.Float64,
    "buyers": pl.Float64,
    "gmv": pl.Float64,
}


def _paid_flags(s: Session) -> dict[str, bool]:
    if s.has("traffic") and "paid" in s.traffic.columns:
        return {
            c: bool(p) for c, p in s.traffic.select("channel", "paid").iter_rows() if p is not None
        }
    return {}


def is_paid(channel: str | None, flags: dict[str, bool] | None = None) -> bool:
    """Whether a channel is paid: the traffic table's ``paid`` flag, else the known paid channel
    names (千川, 随心推, 品牌投放, 其他投放, 千川PC). Everything else is free."""
    if channel is None:
        return False
    flags = flags or {}
    return flags.get(channel, channel in PAID_CHANNELS)


def _cells_from_viewers(s: Session) -> pl.DataFrame:
    v = s.viewers
    flags = _paid_flags(s)
    traffic = (
        pl.col("source").map_elements(
            lambda c: "paid" if is_paid(c, flags) else "free",
            return_dtype=pl.String,
            skip_nulls=False,
        )
        if "source" in v.columns and v["source"].null_count() < v.height
        else pl.lit("all")
    )
    audience = (
        pl.when(pl.col("was_follower")).then(pl.lit("followers")).otherwise(pl.lit("non_followers"))
        if "was_follower" in v.columns and v["was_follower"].null_count() < v.height
        else pl.lit("all")
    )
    pay = per_viewer_gmv(s, paid_only=True)
    rows = (
        v.select("viewer_id", traffic.alias("traffic_type"), audience.alias("audience"))
        .join(pay.select("viewer_id", "gmv"), on="viewer_id", how="left")
        .group_by("traffic_type", "audience")
        .agg(
            pl.len().cast(pl.Float64).alias("viewers"),
            pl.col("gmv").is_not_null().sum().cast(pl.Float64).alias("buyers"),
            pl.col("gmv").fill_null(0.0).sum().alias("gmv"),
        )
    )
    return rows.select(list(CELL_SCHEMA)).sort("traffic_type", "audience")


def _cells_from_totals(s: Session) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    if s.has("traffic"):
        tr = s.traffic
        flags = _paid_flags(s)
        g = tr.with_columns(
            pl.col("channel")
            .map_elements(lambda c: "paid" if is_paid(c, flags) else "free", return_dtype=pl.String)
            .alias("traffic_type")
        )
        agg = g.group_by("traffic_type").agg(
            pl.col("viewers").sum().cast(pl.Float64),
            (pl.col("gmv").sum() if "gmv" in tr.columns else pl.lit(None))
            .cast(pl.Float64)
            .alias("gmv"),
        )
        rows += [
            {
                "traffic_type": r["traffic_type"],
                "audience": "all",
                "viewers": r["viewers"],
                "buyers": None,
                "gmv": r["gmv"],
            }
            for r in agg.sort("traffic_type").iter_rows(named=True)
        ]
    k = metrics.session_kpis(s)
    share, viewers = _f(k.get("follower_share")), _f(k.get("viewers"))
    if share is not None and viewers:
        rows += [
            {
                "traffic_type": "all",
                "audience": "followers",
                "viewers": share * viewers,
                "buyers": None,
                "gmv": None,
            },
            {
                "traffic_type": "all",
                "audience": "non_followers",
                "viewers": (1 - share) * viewers,
                "buyers": None,
                "gmv": None,
            },
        ]
    return pl.DataFrame(rows, schema=CELL_SCHEMA)


def cells(s: Session) -> pl.DataFrame:
    """Viewers, paying buyers and paid GMV per traffic (paid/free) × audience (followers/
    non_followers) cell: from viewer rows when present, else margins from the traffic table and
    the platform's follower share (buyers and GMV unknown there)."""
    if s.has("viewers"):
        return _cells_from_viewers(s)
    return _cells_from_totals(s)


def source_cells(
    s: Session, store: str | os.PathLike[str] | None, ref_ids: list[str]
) -> pl.DataFrame:
    """:func:`cells` with each cell's change against the mean of the same cell in ``ref_ids``."""
    from helpers.data.store import load_session

    cur = cells(s)
    refs = []
    for sid in ref_ids if store is not None else []:
        try:
            refs.append(cells(load_session(sid, store)))
        except (OSError, KeyError, pl.exceptions.PolarsError):
            continue
    keys = ["traffic_type", "audience"]
    if refs:
        ref = (
            pl.concat(refs)
            .group_by(keys)
            .agg(
                (pl.col(c).sum() / len(refs)).alias(f"ref_{c}")
                for c in ("viewers", "buyers", "gmv")
            )
        )
        cur = cur.join(ref, on=keys, how="left")
    for c in ("viewers", "buyers", "gmv"):
        if f"ref_{c}" not in cur.columns:
            cur = cur.with_columns(pl.lit(None, dtype=pl.Float64).alias(f"ref_{c}"))
        cur = cur.with_columns(
            pl.when(pl.col(f"ref_{c}") > 0)
            .then(pl.col(c) / pl.col(f"ref_{c}") - 1)
            .alias(f"change_{c}")
        )
    return cur.sort(keys)


# ---------------------------------------------------------------------------------------------
# the Compass five-step funnel against the room's history and the category benchmark

FUNNEL_STEPS = (
    ("impressions", "impressions"),
    ("viewers", "viewers"),
    ("product_exposed", "product_exposed"),
    ("clicked", "product_clickers"),
    ("paid", "buyers"),
)


def funnel_steps(stages: pl.DataFrame) -> list[dict[str, Any]]:
    """The five Compass steps ``{step, count, rate}``: the rate is the share of the previous step
    present (null for the first); a step the funnel does not have has a null count and rate."""
    by = {r["stage"]: r for r in stages.iter_rows(named=True)}
    out, prev = [], None
    for step, _ in FUNNEL_STEPS:
        r = by.get(step)
        count = r["count"] if r is not None else None
        out.append(
            {
                "step": step,
                "count": count,
                "rate": count / prev if count is not None and prev else None,
            }
        )
        prev = count if count is not None else prev
    return out


def funnel_comparison(
    rates: pl.DataFrame, hist: pl.DataFrame, category: str = "general"
) -> pl.DataFrame:
    """Each named step rate of the funnel (``Funnel.rates``) with the room's pooled history
    (Σ numerator / Σ denominator over the reference sessions) and the category benchmark, and
    whether history lies outside the rate's 95% interval (``below``/``above``/``within``)."""
    from helpers.metrics.benchmarks import benchmarks

    kpi = dict(FUNNEL_STEPS)
    bms = benchmarks(category)
    rows = []
    for r in rates.iter_rows(named=True):
        num, den = kpi.get(r["numerator"]), kpi.get(r["denominator"])
        h = None
        if hist.height and num in hist.columns and den in hist.columns:
            pair = hist.select(num, den).drop_nulls()
            h = (
                float(pair[num].sum()) / float(pair[den].sum())
                if pair.height and pair[den].sum()
                else None
            )
        flag = (
            None
            if h is None
            else ("below" if r["hi"] < h else "above" if r["lo"] > h else "within")
        )
        bm = bms.get(r["metric"])
        rows.append(
            {
                "metric": r["metric"],
                "rate": r["rate"],
                "lo": r["lo"],
                "hi": r["hi"],
                "history": h,
                "vs_history": flag,
                "benchmark_low": bm.low if bm else None,
                "benchmark_high": bm.high if bm else None,
                "benchmark_flag": bm.flag(r["rate"]) if bm else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "rate": pl.Float64,
            "lo": pl.Float64,
            "hi": pl.Float64,
            "history": pl.Float64,
            "vs_history": pl.String,
            "benchmark_low": pl.Float64,
            "benchmark_high": pl.Float64,
            "benchmark_flag": pl.String,
        },
    )


# ---------------------------------------------------------------------------------------------
# page 1: the verdict, its decomposition and the actions, as one block


def _yuan(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{'−' if x < 0 else '+' if signed and x > 0 else ''}{abs(x):,.0f}"


def _factor_value(factor: str, x: float | None) -> str:
    if x is None:
        return "–"
    return (
        f"{x:.2%}" if factor == "conversion" else f"¥{x:,.1f}" if factor == "aov" else f"{x:,.0f}"
    )


def verdict_lines(v: Verdict, lang: str = "zh") -> dict[str, str]:
    """The verdict's sentences (plain text, data escaped by the caller): verdict, cells."""
    from helpers.present.i18n import t

    n = len(v.sessions)
    ref_name = t("ref_" + v.basis, lang).format(n=n)
    noise = v.lo is not None and v.hi is not None and v.lo <= 0 <= v.hi
    line = t("verdict_line", lang).format(
        gmv=_yuan(v.gmv),
        ref_name=ref_name,
        ref=_yuan(v.reference),
        word=t("gap_above" if v.gap >= 0 else "gap_below", lang),
        gap=_yuan(abs(v.gap)),
        pct=f"{v.gap_pct:+.1%}" if v.gap_pct is not None else "–",
        lo=_yuan(v.lo, signed=True),
        hi=_yuan(v.hi, signed=True),
        noise=t("within_noise", lang) if noise else "",
    )
    out = {"verdict": line}
    c = v.cells if v.cells.height else pl.DataFrame(schema=CELL_SCHEMA)
    full = c.filter((pl.col("traffic_type") != "all") & (pl.col("audience") != "all"))
    if full.height and full["buyers"].null_count() == 0:
        b, g, vw = full["buyers"].sum(), full["gmv"].sum(), full["viewers"].sum()
        fans = full.filter(pl.col("audience") == "followers")
        paid = full.filter(pl.col("traffic_type") == "paid")
        out["cells"] = t("cells_line", lang).format(
            b=f"{b:,.0f}",
            fb=f"{fans['buyers'].sum():,.0f}",
            share=f"{fans['gmv'].sum() / g:.0%}" if g else "–",
            pv=f"{paid['viewers'].sum() / vw:.1%}" if vw else "–",
            pg=f"{paid['gmv'].sum() / g:.1%}" if g else "–",
        )
    if v.sessions:
        out["sessions"] = t("reference_sessions", lang).format(ids=", ".join(v.sessions))
    return out


class PageOne:
    """Page 1 of the review: verdict, decomposition, actions (escaped HTML, plain-text form)."""

    def __init__(
        self,
        v: Verdict | None,
        acts: list[dict[str, Any]] | None,
        lang: str = "zh",
        missing: str = "",
    ) -> None:
        self.v, self.acts, self.lang, self.missing = v, acts or [], lang, missing

    def _action_parts(self, a: dict[str, Any]) -> tuple[str, str, str]:
        from helpers.present.i18n import t

        return (a["text"], f"¥{a['impact_yuan']:,.0f}", t("conf_" + a["confidence"], self.lang))

    def __repr__(self) -> str:
        from helpers.present.i18n import t

        lines = []
        if self.v is None:
            lines.append(self.missing)
        else:
            lines += [s.replace("**", "") for s in verdict_lines(self.v, self.lang).values()]
            lines += [
                f"{t('factor_' + p['factor'] if p['factor'] != 'aov' else 'factor_aov_paid', self.lang)}: "
                f"{_factor_value(p['factor'], p['value'])} vs {_factor_value(p['factor'], p['reference'])}"
                f" → {_yuan(p['contribution'], signed=True)}"
                for p in self.v.decomposition
            ]
        lines.append(t("sec_actions", self.lang))
        lines += [
            f"{i}. {x} · {y} · {z}"
            for i, (x, y, z) in enumerate((self._action_parts(a) for a in self.acts), start=1)
        ] or [t("no_actions", self.lang)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        from helpers.present.i18n import t

        e = html.escape
        body = [
            '<div class="wb-page1" style="border:1px solid #1f4e79;border-radius:6px;padding:.6rem 1rem;'
            'margin:.4rem 0 1rem;background:#f8fbff">'
        ]
        if self.v is None:
            body.append(f"<p>{e(self.missing)}</p>")
        else:
            lines = verdict_lines(self.v, self.lang)
            verdict = e(lines["verdict"]).replace("**", "")
            body.append(f'<p style="font-size:1.1rem;margin:.1rem 0 .35rem">{verdict}</p>')
            body.append(self._decomposition_html())
            if "cells" in lines:
                body.append(f'<p style="margin:.15rem 0;color:#333">{e(lines["cells"])}</p>')
        body.append(
            f'<h3 id="sec_actions" style="margin:.4rem 0 .1rem;font-size:1.05rem">'
            f"{e(t('sec_actions', self.lang))}</h3>"
        )
        if not self.acts:
            body.append(f"<p>{e(t('no_actions', self.lang))}</p>")
        else:
            items = []  # each: text · impact · confidence · link to the evidence further down
            for a in self.acts:
                text, impact, conf = self._action_parts(a)
                items.append(
                    f'<li style="margin:.1rem 0" data-impact="{e(impact)}">{e(text)} <span style="color:#555">'
                    f'· {e(conf)} · <a href="#{e(a["evidence"])}">{e(t("evidence_link", self.lang))}</a>'
                    "</span></li>"
                )  # the text states the yuan at stake
            body.append(
                '<ol style="margin:.1rem 0 .1rem 1.2rem;padding:0;font-size:.9rem;line-height:1.35">'
                + "".join(items)
                + "</ol>"
            )
        body.append("</div>")
        return "".join(body)

    def _decomposition_html(self) -> str:
        """The three factors side by side: this show vs the reference, change, yuan share of the gap."""
        import html

        from helpers.present.i18n import t

        e = html.escape
        v = self.v
        assert v is not None
        chips = []
        for p in v.decomposition:
            name = t(
                "factor_" + p["factor"] if p["factor"] != "aov" else "factor_aov_paid", self.lang
            )
            change = f" ({p['value'] / p['reference'] - 1:+.1%})" if p["reference"] else ""
            color = "#b00020" if p["contribution"] < 0 else "#1b7f3b"
            chips.append(
                '<div style="flex:1;border:1px solid #dde3ea;border-radius:4px;padding:.2rem .6rem;background:#fff">'
                f'<span style="color:#555;font-size:.85rem">{e(name)}</span> '
                f'{e(_factor_value(p["factor"], p["value"]))} <span style="color:#777">vs '
                f"{e(_factor_value(p['factor'], p['reference']))}{e(change)}</span> "
                f'<b style="color:{color}">¥{e(_yuan(p["contribution"], signed=True))}</b></div>'
            )
        cap = e(t("decomp_caption", self.lang))
        if v.sessions:  # which history the reference came from
            cap += " " + e(t("reference_sessions", self.lang).format(ids=", ".join(v.sessions)))
        return (
            f'<div style="display:flex;gap:.6rem;margin:.2rem 0">{"".join(chips)}</div>'
            f'<div style="color:#555;font-size:.8rem;margin:.1rem 0 .2rem">{cap}</div>'
        )
