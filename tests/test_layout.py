"""The package's stages and the one-way arrows between them (CONTRIBUTING.md, "Layout").

Every ``helpers`` import inside ``src/helpers`` is read with :mod:`ast`; an import from a stage to
one it may not use fails with the importing file and line. Imports under ``TYPE_CHECKING`` count
too: a type is a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "helpers"

BASE = {"paths", "data", "metrics", "present"}
# stage -> the stages it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "paths": set(),
    "data": {"paths"},
    "metrics": {"paths", "data"},
    "present": {"paths", "data", "metrics"},
    "ingest": BASE,
    "comments": BASE,
    "models": BASE,
    "audience": BASE | {"models"},
    "pitch": BASE | {"comments"},
    "review": BASE | {"comments"},
    "room": BASE,
    "weekly": BASE | {"audience", "comments"},
    "pipeline": BASE | {"ingest", "room", "weekly"},
    "sim": BASE | {"ingest", "comments", "pipeline"},
    "cli": BASE | {"ingest", "comments", "pipeline", "sim"},
    "__init__": set(),
}


def stage_of(module: str) -> str:
    """``helpers.review.story`` -> ``review``; ``helpers.paths`` -> ``paths``; ``helpers`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported helpers module) for every import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            if node.module == "helpers":
                found += [(node.lineno, f"helpers.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("helpers")]
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_stage_is_declared() -> None:
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    stages |= {p.stem for p in PACKAGE.glob("*.py")}
    assert stages == set(ALLOWED), "declare each stage's allowed imports in ALLOWED"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    rel = path.relative_to(PACKAGE)
    own = rel.parts[0] if len(rel.parts) > 1 else rel.stem
    bad = [
        f"{rel}:{line} imports {target}"
        for line, target in imports(path)
        if (stage := stage_of(target)) != own
        and stage not in ALLOWED[own]
        and target != "helpers.__version__"
    ]
    assert not bad, f"{own} may import only {sorted(ALLOWED[own])}: " + "; ".join(bad)


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from helpers.pipeline.render import render\n", encoding="utf-8")
    assert [stage_of(t) for _, t in imports(bad)] == ["pipeline"]
    assert "pipeline" not in ALLOWED["metrics"]
