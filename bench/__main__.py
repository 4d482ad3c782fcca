"""Run every benchmark module's ``main()`` in order (``python -m bench [name ...]``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    chosen = [n for n in names if not argv or n in argv]
    failed = 0
    for name in chosen:
        mod = importlib.import_module(f"bench.{name}")
        if not hasattr(mod, "main"):
            continue
        print(f"\n=== bench/{name}.py ===", flush=True)
        started = time.perf_counter()
        try:
            mod.main()
        except Exception as exc:  # report and go on with the others
            failed += 1
            print(f"bench {name} failed: {type(exc).__name__}: {exc}")
        print(f"--- {name}: {time.perf_counter() - started:.1f}s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
