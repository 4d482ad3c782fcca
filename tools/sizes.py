"""Modules over 500 lines and functions over 60 lines in a package tree (what tests/test_layout.py
enforces), for comparing trees: ``python -m tools.sizes [DIR]`` (default ``src/helpers``)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else "src/helpers")
    modules, functions = [], []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if (n := len(text.splitlines())) > 500:
            modules.append(f"{n:5d} {path}")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (length := (node.end_lineno or node.lineno) - node.lineno + 1) > 60:
                functions.append(f"{length:5d} {path}:{node.lineno} {node.name}")
    print(f"modules over 500 lines: {len(modules)}", *modules, sep="\n  ")
    print(
        f"functions over 60 lines: {len(functions)}", *sorted(functions, reverse=True), sep="\n  "
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
