"""What a change did to the reports: the goldens' outputs compared with a git revision, cell by
cell.

``python -m tools.golden_outputs [--rev HEAD] [--dir DIR] [NN-name ...]`` prints, per golden, how
many code cells changed their source and which changed their outputs, with a unified diff of
each changed output (``--diff``). Exit status 1 when any output changed: a refactor that leaves
the reports alone exits 0.
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
from pathlib import Path

GOLDENS = Path(__file__).resolve().parents[1] / "tests" / "goldens"


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _text(outputs: list) -> list[str]:
    return json.dumps(outputs, ensure_ascii=False, indent=0, sort_keys=True).splitlines()


def compare(path: Path, rev: str, *, diff: bool = False) -> int:
    """Print the comparison of one golden (or of a notebook of that name written elsewhere) with
    the committed golden; return how many cells' outputs changed."""
    rel = (GOLDENS / path.name).relative_to(GOLDENS.parents[1]).as_posix()
    shown = subprocess.run(
        ["git", "show", f"{rev}:{rel}"], capture_output=True, text=True, cwd=GOLDENS
    )
    if shown.returncode:
        print(f"{path.name}: new (not in {rev})")
        return 0
    old, new = (
        _code_cells(json.loads(shown.stdout)),
        _code_cells(json.loads(path.read_text("utf-8"))),
    )
    sources = sum(a["source"] != b["source"] for a, b in zip(old, new, strict=False))
    changed = [
        i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a["outputs"] != b["outputs"]
    ]
    count = (
        f"{len(old)} -> {len(new)} code cells" if len(old) != len(new) else f"{len(new)} code cells"
    )
    print(
        f"{path.name}: {count}, {sources} sources changed, outputs changed in {changed or 'none'}"
    )
    for i in changed if diff else []:
        lines = difflib.unified_diff(
            _text(old[i]["outputs"]), _text(new[i]["outputs"]), lineterm=""
        )
        print("\n".join(f"    {line}" for line in list(lines)[2:]))
    return len(changed) + (len(old) != len(new))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.golden_outputs", description=__doc__.split("\n")[0]
    )
    parser.add_argument("names", nargs="*", help="goldens to compare (default: all)")
    parser.add_argument("--rev", default="HEAD", help="git revision to compare with (default HEAD)")
    parser.add_argument("--diff", action="store_true", help="print each changed output")
    parser.add_argument(
        "--dir",
        type=Path,
        default=GOLDENS,
        help="folder of the new notebooks (default tests/goldens; e.g. `tools.goldens --out DIR`)",
    )
    args = parser.parse_args(argv)
    paths = sorted(args.dir.glob("[0-9][0-9]-*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in {n.removesuffix(".ipynb") for n in args.names}]
    return 1 if sum(compare(p, args.rev, diff=args.diff) for p in paths) else 0


if __name__ == "__main__":
    sys.exit(main())
