"""summary.json of the room history report (keys in docs/summary.md, section "room")."""

from __future__ import annotations

from typing import Any

from helpers.present.sections import Outcome
from helpers.room.units import RoomUnits


def _value(out: Outcome | None) -> Any:
    return out.value if out is not None and out.ok else None


def build_summary(
    units: RoomUnits,
    change: Outcome | None = None,
    effects: Outcome | None = None,
    hosts: Outcome | None = None,
    extremes: Outcome | None = None,
) -> dict[str, Any]:
    """The report's decision-relevant results as plain values."""
    ch, ef, ho, ex = _value(change), _value(effects), _value(hosts), _value(extremes)
    frame = units.frame
    return {
        "room": units.room,
        "grain": units.grain,
        "units": frame.height,
        "date_from": frame["date"].min() if frame.height else None,
        "date_to": frame["date"].max() if frame.height else None,
        "change": None
        if ch is None
        else {
            "gap": ch.gap,
            "current": {
                k: ch.current[k] for k in ("from", "to", "units", "gmv", "viewers", "buyers")
            },
            "reference": {
                k: ch.reference[k] for k in ("from", "to", "units", "gmv", "viewers", "buyers")
            },
            "decomposition": ch.by_conversion,
            "decomposition_gpm": ch.by_gpm,
        },
        "effects": None
        if ef is None
        else {
            "method": ef.method,
            "n": ef.n,
            "terms": ef.model.to_dicts() if ef.model.height else [],
        },
        "hosts": [] if ho is None else ho.to_dicts(),
        "best": []
        if ex is None
        else [{k: v for k, v in r.items() if k != "decomposition"} for r in ex["best"]],
        "worst": []
        if ex is None
        else [{k: v for k, v in r.items() if k != "decomposition"} for r in ex["worst"]],
    }
