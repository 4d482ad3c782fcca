"""The look the session review's charts share: font, colours, layout, and safe data labels.

Data text (product names, comment text) goes through :func:`safe` before it reaches a label or
hover text, so a name like ``<img src=x onerror=...>`` is shown as text, never parsed (plotly
renders a subset of HTML tags in labels).
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go

FONT = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Micro Hei", sans-serif'
)
COLORS = {
    "online": "#1f4e79",
    "entries": "#5b9bd5",
    "exits": "#c55a11",
    "orders": "#70ad47",
    "gmv": "#2e7d32",
    "explain": "rgba(91,155,213,0.13)",
    "lottery": "rgba(255,192,0,0.30)",
    "coupon": "rgba(112,173,71,0.25)",
    "flash_sale": "rgba(192,0,0,0.22)",
    "note": "rgba(128,128,128,0.15)",
    "other": "rgba(128,128,128,0.15)",
    "hero": "#c00000",
    "profit": "#1f4e79",
    "traffic": "#ffc000",
    "?": "#999999",
    "viewers": "#9dc3e6",
    "buyers": "#1f4e79",
    "bad": "#b00020",
    "good": "#1b7f3b",
}
#: The run sheet's marker colours (the shaded windows use the lighter :data:`COLORS`).
STRIP = {"explain": "#5b9bd5", "lottery": "#ffc000", "coupon": "#70ad47", "flash_sale": "#c00000"}


def safe(text: Any, limit: int = 60) -> str:
    """Data text for a plotly label: HTML-escaped (plotly shows entities as characters) and cut."""
    s = "" if text is None else str(text)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    # plotly decodes &lt; &gt; &amp; in labels but not &quot;: quotes stay raw (harmless in SVG
    # text)
    return html.escape(s, quote=False)


def layout(fig: go.Figure, title: str, *, height: int = 420) -> go.Figure:
    """The shared title, font, margins and legend of a review chart."""
    fig.update_layout(
        title={"text": safe(title, 120), "x": 0.01},
        font={"family": FONT, "size": 12},
        height=height,
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.15},
        hovermode="closest",
    )
    return fig


def pct_axis(fig: go.Figure, **kw: Any) -> None:
    fig.update_yaxes(tickformat=".0%", **kw)
