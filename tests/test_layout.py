"""The house rules of the package: its stages and the one-way arrows between them (CONTRIBUTING.md,
"Where things are"), functions and modules a reader can hold, words only from the catalogue.

Every ``helpers`` import inside ``src/helpers`` is read with :mod:`ast`; an import from a stage to
one it may not use fails with the importing file and line. Imports under ``TYPE_CHECKING`` count
too: a type is a dependency.
"""

from __future__ import annotations

import ast
import re
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
    """``helpers.review.story`` -> ``review``; ``helpers.paths`` -> ``paths``; ``helpers`` ->
    ``__init__``."""
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


def test_every_stage_says_what_it_may_import() -> None:
    """Each package's docstring names its stage and what it may import (a ``Stage:`` line)."""
    missing = [
        p.parent.name
        for p in sorted(PACKAGE.glob("*/__init__.py"))
        if "Stage:" not in (ast.get_docstring(ast.parse(p.read_text("utf-8"))) or "")
    ]
    assert missing == []


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from helpers.pipeline.render import render\n", encoding="utf-8")
    assert [stage_of(t) for _, t in imports(bad)] == ["pipeline"]
    assert "pipeline" not in ALLOWED["metrics"]


MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500
#: ``X if lang == "zh" else Y``, ``zh if zh else en``, ``L = chooser(lang)``: words are keys
BILINGUAL = re.compile(r"""if lang == ["']zh["'] else|\bif zh else\b|\bchooser\(""")


def long_functions(path: Path) -> list[str]:
    """Functions over the limit whose ``def`` (or first decorator) does not follow a line
    ``# long: <why>``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            said_why = first >= 2 and lines[first - 2].strip().startswith("# long:")
            if length > MAX_FUNCTION_LINES and not said_why:
                found.append(f"{path.name}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_functions_fit_on_a_screen() -> None:
    assert [f for p in modules() for f in long_functions(p)] == []


def test_modules_stay_small() -> None:
    sizes = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in modules()}
    assert [
        f"{p.relative_to(PACKAGE)} ({n})" for p, n in sizes.items() if n > MAX_MODULE_LINES
    ] == []


def test_words_come_from_the_catalogue() -> None:
    files = [*modules(), *sorted((PACKAGE.parents[1] / "notebooks").glob("*.py"))]
    found = [
        f"{p.name}:{i}"
        for p in files
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if BILINGUAL.search(line)
    ]
    assert found == []


def test_the_size_check_catches_a_long_function_and_honours_a_reason(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    bare, excused = tmp_path / "bare.py", tmp_path / "excused.py"
    bare.write_text(f"def f():\n{body}\n", encoding="utf-8")
    excused.write_text(f"# long: one table of cases\ndef f():\n{body}\n", encoding="utf-8")
    assert long_functions(bare) == [f"bare.py:1 f ({MAX_FUNCTION_LINES + 1} lines)"]
    assert long_functions(excused) == []
    assert BILINGUAL.search('x = "中" if lang == "zh" else "en"')
