"""Where things live: the project root, the default store, reports, and path resolution.

A path a user types on the command line is relative to the current directory (:func:`from_cwd`;
a ``--store DIR`` that does not exist yet is created there). Only the documented defaults
(``data/processed/store``, ``reports/``, the bundled sample) live in the checkout. Notebooks run
from different working directories (JupyterLab in ``notebooks/``, papermill from the root, nbval
beside the goldens), so a relative path given as a notebook parameter is resolved against the
working directory first and then against the project root (:func:`resolve`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: Set to 1 in a kernel that runs as a report (:func:`helpers.pipeline.render.render`; read by
#: :mod:`helpers.present.nb`).
REPORT_ENV = "WORKBOOK_REPORT"

PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES = PACKAGE_DIR / "resources"


def project_root() -> Path:
    """The checkout's root (``WORKBOOK_HOME`` if set, else the folder holding pyproject.toml)."""
    env = os.environ.get("WORKBOOK_HOME")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), PACKAGE_DIR):
        for d in (start, *start.parents):
            if (d / "pyproject.toml").is_file() and (d / "notebooks").is_dir():
                return d
    return Path.cwd()


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """A YAML file (UTF-8), parsed safely: with libyaml's loader where PyYAML was built with it
    (about 8 times faster, the same result), else with PyYAML's own. A file that is not UTF-8 or
    not YAML raises ValueError naming the file (OSError for one that cannot be read)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=loader)  # a safe loader either way: no tags run code
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})"
        ) from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({' '.join(str(exc).split())[:200]})") from None


def resolve(path: str | os.PathLike[str]) -> Path:
    """Resolve a user path: absolute as is; relative to the cwd if it exists there, else the
    root."""
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p.resolve()
    return (project_root() / p).resolve()


def from_cwd(path: str | os.PathLike[str]) -> Path:
    """A command-line path: absolute as is, else relative to the cwd (never to the checkout)."""
    p = Path(path).expanduser()
    return (p if p.is_absolute() else Path.cwd() / p).resolve()


def default_store() -> Path:
    """The Parquet store used when none is given (``WORKBOOK_STORE`` overrides)."""
    return resolve(os.environ.get("WORKBOOK_STORE", "data/processed/store"))


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def reports_dir() -> Path:
    return project_root() / "reports"
