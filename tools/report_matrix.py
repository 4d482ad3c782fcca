"""Print the kinds × store variants matrix: how many sections of each report run (ok), say what they
need (skip) or fail, on every variant of the bundled sample (tests/store_variants.py).

    .venv/bin/python tools/report_matrix.py
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_report_matrix as matrix  # noqa: E402
import test_review_sections as review_sections  # noqa: E402
import test_weekly_sections as weekly_sections  # noqa: E402
from store_variants import VARIANTS, make_variant, sample_store  # noqa: E402

from helpers import room  # noqa: E402
from helpers import weekly as wr  # noqa: E402
from helpers.data.store import list_sessions  # noqa: E402
from helpers.pitch import analysis as pitch  # noqa: E402
from helpers.present import sections  # noqa: E402


def _session(store: Path) -> dict[str, sections.Outcome]:
    if list_sessions(store).height == 0:  # a session review needs a session
        return {"review": sections.Outcome("review", "needs")}
    return review_sections.run_all(review_sections._latest(store), str(store))


def _room(store: Path) -> dict[str, sections.Outcome]:
    u = room.open_room(store)
    keys = ("room_history", "room_change", "room_effects", "room_hosts", "room_extremes")
    return {k: sections.run(k, u.tables(), u) for k in keys}


KINDS = {
    "ingest": matrix.DIRECT["ingest"],
    "session": _session,
    "segments": matrix.DIRECT["segments"],
    "conversion": matrix.DIRECT["conversion"],
    "comments": matrix.DIRECT["comments"],
    "pitch": lambda store: pitch.run_all(pitch.open_pitch("", str(store))),
    "room": _room,
    "weekly": lambda store: weekly_sections._run_all(wr.load_week(store, matrix.WEEK)),
}


def main() -> int:
    logging.disable(logging.WARNING)
    root = Path(tempfile.mkdtemp(prefix="matrix-"))
    full = sample_store(root / "full")
    stores = {v: full if v == "full" else make_variant(full, v, root / v) for v in VARIANTS}
    print("| kind | " + " | ".join(VARIANTS) + " |")
    print("|---|" + "---|" * len(VARIANTS))
    failed = 0
    for kind, run in KINDS.items():
        cells = []
        for v in VARIANTS:
            c = Counter(o.status for o in run(stores[v]).values())
            failed += c["failed"]
            cells.append(
                f"{c['ok']} ok / {c['needs']} skip"
                + (f" / {c['failed']} FAILED" if c["failed"] else "")
            )
        print(f"| {kind} | " + " | ".join(cells) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
