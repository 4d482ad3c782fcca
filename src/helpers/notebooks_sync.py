"""Templates are written as py:percent sources (``notebooks/NN-name.py``, easy to review and diff)
and paired with ``.ipynb`` files (what papermill, JupyterLab and nbval open), kept without outputs.

``python -m helpers.notebooks_sync`` rebuilds every ``.ipynb`` from its source; ``--check`` exits 1
when a pair is out of step (the test suite runs the check).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

from .paths import notebooks_dir
from .report import KERNEL_NAME

KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python (live-commerce workbook)", "language": "python"}


def build(source: Path) -> nbformat.NotebookNode:
    """The template notebook of a py:percent source: no outputs, the project's kernelspec."""
    nb = jupytext.read(source, fmt="py:percent")
    nb.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        "jupytext": {"formats": "ipynb,py:percent"},
    }
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{source.stem[:2]}-{i:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def sources(folder: Path | None = None) -> list[Path]:
    return sorted((folder or notebooks_dir()).glob("[0-9][0-9]-*.py"))


def out_of_step(folder: Path | None = None) -> list[str]:
    """Names of templates whose .ipynb differs from what their .py source builds."""
    stale = []
    for src in sources(folder):
        target = src.with_suffix(".ipynb")
        want = nbformat.writes(build(src))
        if not target.exists() or target.read_text("utf-8") != want:
            stale.append(target.name)
    return stale


def sync(folder: Path | None = None) -> list[Path]:
    written = []
    for src in sources(folder):
        target = src.with_suffix(".ipynb")
        text = nbformat.writes(build(src))
        if not target.exists() or target.read_text("utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


if __name__ == "__main__":
    if "--check" in sys.argv:
        stale = out_of_step()
        if stale:
            print("out of step with their .py sources (run `make notebooks`):", ", ".join(stale))
            sys.exit(1)
        sys.exit(0)
    for p in sync():
        print("wrote", p)
