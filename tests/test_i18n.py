"""The catalogue of words (``resources/words/<lang>/*.yaml``): every language holds the same keys
with the same placeholders, and every key the code or a notebook asks for by name exists."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from helpers.metrics.definitions import METRICS
from helpers.present import i18n

ROOT = Path(__file__).resolve().parents[1]


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert sorted(set(zh) ^ set(en)) == []
    assert [k for k in zh if _fields(zh[k]) != _fields(en[k])] == []


def test_each_language_has_the_same_files() -> None:
    files = {
        lang: sorted(p.name for p in (i18n.WORDS / lang).glob("*.yaml")) for lang in i18n.LANGS
    }
    assert files["zh"] == files["en"] and files["zh"]


def test_a_key_defined_twice_names_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / "zh").mkdir(exist_ok=True)
        (tmp_path / "zh" / name).write_text("greeting: 你好\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "WORDS", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(
            ValueError, match=r"b.yaml: key 'greeting' is already defined in a.yaml"
        ):
            i18n.catalogue("zh")
    finally:
        i18n.catalogue.cache_clear()


def test_t_fills_placeholders_and_falls_back_to_metric_names() -> None:
    assert i18n.t("metric_with_unit", "en", name="GMV", unit="yuan") == "GMV (yuan)"
    metric = next(k for k in METRICS if not i18n.has(k, "en"))
    assert i18n.t(metric, "en") == METRICS[metric].en
    assert i18n.t("not-a-key-抖音", "zh") == "not-a-key-抖音"
    with pytest.raises(ValueError, match="language 'fr'"):
        i18n.t("sec_funnel", "fr")


def _asked_for(path: Path) -> list[tuple[int, str]]:
    """(line, key) of every ``t("literal", ...)`` call in a Python file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "t"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.lineno, node.args[0].value))
    return out


def test_every_literal_key_exists() -> None:
    files = [
        *sorted((ROOT / "src" / "helpers").rglob("*.py")),
        *sorted((ROOT / "notebooks").glob("*.py")),
    ]
    words = i18n.catalogue("zh")
    missing = [
        f"{p.relative_to(ROOT)}:{line} {key!r}"
        for p in files
        for line, key in _asked_for(p)
        if key not in words and key not in METRICS
    ]
    assert missing == []
