"""The verdict in words: its sentences, and page 1 of the review (verdict, decomposition, actions
as one block, in escaped HTML and in plain text)."""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from helpers.present.i18n import t
from helpers.review.verdict import Verdict
from helpers.review.verdict_cells import CELL_SCHEMA

PAGE_STYLE = (
    "border:1px solid #1f4e79;border-radius:6px;padding:.6rem 1rem;margin:.4rem 0 1rem;"
    "background:#f8fbff"
)
CHIP_STYLE = "flex:1;border:1px solid #dde3ea;border-radius:4px;padding:.2rem .6rem;background:#fff"
ACTIONS_STYLE = "margin:.1rem 0 .1rem 1.2rem;padding:0;font-size:.9rem;line-height:1.35"
GAP_COLOURS = ("#b00020", "#1b7f3b")  # a factor that cost yuan, one that brought them


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


def _factor_name(factor: str, lang: str) -> str:
    # the verdict's AOV is on the paid basis (the catalogue's factor_aov is on the GMV basis)
    return t("factor_aov_paid" if factor == "aov" else "factor_" + factor, lang)


def _cells_line(c: pl.DataFrame, lang: str) -> str | None:
    """Followers' and paid traffic's shares, when every cell of the 2×2 has its buyers."""
    full = c.filter((pl.col("traffic_type") != "all") & (pl.col("audience") != "all"))
    if not full.height or full["buyers"].null_count():
        return None
    b, g, vw = (float(full[c].sum()) for c in ("buyers", "gmv", "viewers"))
    fans = full.filter(pl.col("audience") == "followers")
    paid = full.filter(pl.col("traffic_type") == "paid")
    return t(
        "cells_line",
        lang,
        b=f"{b:,.0f}",
        fb=f"{float(fans['buyers'].sum()):,.0f}",
        share=f"{float(fans['gmv'].sum()) / g:.0%}" if g else "–",
        pv=f"{float(paid['viewers'].sum()) / vw:.1%}" if vw else "–",
        pg=f"{float(paid['gmv'].sum()) / g:.1%}" if g else "–",
    )


def verdict_lines(v: Verdict, lang: str = "zh") -> dict[str, str]:
    """The verdict's sentences (plain text, data escaped by the caller): ``verdict``, ``cells``
    (when the 2×2 has its buyers) and ``sessions`` (the reference shows)."""
    noise = v.lo is not None and v.hi is not None and v.lo <= 0 <= v.hi
    line = t(
        "verdict_line",
        lang,
        gmv=_yuan(v.gmv),
        ref_name=t("ref_" + v.basis, lang, n=len(v.sessions)),
        ref=_yuan(v.reference),
        word=t("gap_above" if v.gap >= 0 else "gap_below", lang),
        gap=_yuan(abs(v.gap)),
        pct=f"{v.gap_pct:+.1%}" if v.gap_pct is not None else "–",
        lo=_yuan(v.lo, signed=True),
        hi=_yuan(v.hi, signed=True),
        noise=t("within_noise", lang) if noise else "",
    )
    out = {"verdict": line}
    cells = _cells_line(v.cells if v.cells.height else pl.DataFrame(schema=CELL_SCHEMA), lang)
    if cells is not None:
        out["cells"] = cells
    if v.sessions:
        out["sessions"] = t("reference_sessions", lang, ids=", ".join(v.sessions))
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
        return (a["text"], f"¥{a['impact_yuan']:,.0f}", t("conf_" + a["confidence"], self.lang))

    def _factor_line(self, p: dict[str, Any]) -> str:
        return t(
            "verdict.factor_line",
            self.lang,
            name=_factor_name(p["factor"], self.lang),
            value=_factor_value(p["factor"], p["value"]),
            reference=_factor_value(p["factor"], p["reference"]),
            contribution=_yuan(p["contribution"], signed=True),
        )

    def __repr__(self) -> str:
        lines = []
        if self.v is None:
            lines.append(self.missing)
        else:
            lines += [s.replace("**", "") for s in verdict_lines(self.v, self.lang).values()]
            lines += [self._factor_line(p) for p in self.v.decomposition]
        lines.append(t("sec_actions", self.lang))
        parts = (self._action_parts(a) for a in self.acts)
        lines += [f"{i}. {x} · {y} · {z}" for i, (x, y, z) in enumerate(parts, start=1)] or [
            t("no_actions", self.lang)
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        body = [f'<div class="wb-page1" style="{PAGE_STYLE}">']
        if self.v is None:
            body.append(f"<p>{e(self.missing)}</p>")
        else:
            lines = verdict_lines(self.v, self.lang)
            verdict = e(lines["verdict"]).replace("**", "")
            body.append(f'<p style="font-size:1.1rem;margin:.1rem 0 .35rem">{verdict}</p>')
            body.append(self._decomposition_html(self.v))
            if "cells" in lines:
                body.append(f'<p style="margin:.15rem 0;color:#333">{e(lines["cells"])}</p>')
        body.append(
            f'<h3 id="sec_actions" style="margin:.4rem 0 .1rem;font-size:1.05rem">'
            f"{e(t('sec_actions', self.lang))}</h3>"
        )
        if not self.acts:
            body.append(f"<p>{e(t('no_actions', self.lang))}</p>")
        else:
            items = "".join(self._action_html(a) for a in self.acts)
            body.append(f'<ol style="{ACTIONS_STYLE}">{items}</ol>')
        body.append("</div>")
        return "".join(body)

    def _action_html(self, a: dict[str, Any]) -> str:
        """One action: text · confidence · link to the evidence further down (the text states the
        yuan at stake; the impact is kept as data)."""
        e = html.escape
        text, impact, conf = self._action_parts(a)
        link = f'<a href="#{e(a["evidence"])}">{e(t("evidence_link", self.lang))}</a>'
        return (
            f'<li style="margin:.1rem 0" data-impact="{e(impact)}">{e(text)} '
            f'<span style="color:#555">· {e(conf)} · {link}</span></li>'
        )

    def _chip_html(self, p: dict[str, Any]) -> str:
        """One factor: this show vs the reference, its change, its yuan share of the gap."""
        e = html.escape
        change = f" ({p['value'] / p['reference'] - 1:+.1%})" if p["reference"] else ""
        color = GAP_COLOURS[0] if p["contribution"] < 0 else GAP_COLOURS[1]
        name = _factor_name(p["factor"], self.lang)
        reference = _factor_value(p["factor"], p["reference"])
        return (
            f'<div style="{CHIP_STYLE}">'
            f'<span style="color:#555;font-size:.85rem">{e(name)}</span> '
            f'{e(_factor_value(p["factor"], p["value"]))} <span style="color:#777">'
            f"{e(t('verdict.versus', self.lang))} {e(reference)}{e(change)}</span> "
            f'<b style="color:{color}">¥{e(_yuan(p["contribution"], signed=True))}</b></div>'
        )

    def _decomposition_html(self, v: Verdict) -> str:
        """The three factors side by side, with the caption naming the reference shows."""
        e = html.escape
        chips = "".join(self._chip_html(p) for p in v.decomposition)
        cap = e(t("decomp_caption", self.lang))
        if v.sessions:  # which history the reference came from
            cap += " " + e(t("reference_sessions", self.lang, ids=", ".join(v.sessions)))
        return (
            f'<div style="display:flex;gap:.6rem;margin:.2rem 0">{chips}</div>'
            f'<div style="color:#555;font-size:.8rem;margin:.1rem 0 .2rem">{cap}</div>'
        )
