"""Text of the host's speech: Traditional → Simplified, normalisation, link numbers, numerals.

Speech-to-text output mixes Traditional and Simplified characters (鏈接/链接) and mishears words
(福福弟弟 for 福利). :func:`normalise_expr` maps Traditional characters to Simplified with a small
table of the characters the rules use (``resources/pitch/t2s.tsv``), applies Unicode NFKC and lower
case, then the recognition fixes of ``elements.yaml``; :func:`link_numbers` reads 3号链接, 一号链接,
19號鏈接 as link numbers, Chinese numerals included.
"""

from __future__ import annotations

import functools
import re

import polars as pl

from helpers.paths import RESOURCES

T2S_PATH = RESOURCES / "pitch" / "t2s.tsv"

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUM = r"[0-9]{1,3}|[零〇一二两三四五六七八九十百]{1,4}"
# a number + 号 (not a date: 4月15号); the link word may follow after 和 / 、 (6号和8号链接)
_LINK = re.compile(rf"({_NUM})号")
_LINK_WORD = re.compile(
    r"(?:[和跟、与及,，\s]*(?:[0-9]{1,3}|[零〇一二两三四五六七八九十百]{1,4})号)*"
    r"[和跟、与及,，\s]*(?:链接|链|宝贝|小黄车)"
)


@functools.lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """The Traditional → Simplified character table for :meth:`str.translate` (loaded once)."""
    table: dict[int, str] = {}
    for line in T2S_PATH.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            trad, simp = line.split("\t")
            table[ord(trad)] = simp
    return table


def to_simplified(text: str | None) -> str:
    """``text`` with the tabled Traditional characters replaced by Simplified ones."""
    return (text or "").translate(t2s_table())


def normalise_expr(col: str, fixes: tuple[tuple[str, str], ...] = ()) -> pl.Expr:
    """Normalised text of column ``col``: Simplified, NFKC, lower case, recognition ``fixes``."""
    table = t2s_table()
    src = [chr(k) for k in table]
    e = (
        pl.col(col)
        .cast(pl.String)
        .fill_null("")
        .str.replace_many(src, [table[ord(c)] for c in src])
        .str.normalize("NFKC")
        .str.to_lowercase()
    )
    for pattern, repl in fixes:
        e = e.str.replace_all(pattern, repl)
    return e


def chinese_number(token: str) -> int | None:
    """An integer written in digits or Chinese numerals up to 999 (十九 → 19, 二十 → 20, 三 → 3)."""
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _DIGITS:
            current = current * 10 + _DIGITS[ch] if current and ch in "零〇" else _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def link_numbers(text: str, *, need_link_word: bool = True) -> list[int]:
    """The product link numbers named in normalised ``text`` (3号链接, 6号和8号链接 → [6, 8]).

    A number followed by 号 right after 月 (a date: 4月15号) is not a link. With
    ``need_link_word`` the number must be followed by 链接 / 链 / 宝贝 / 小黄车 (possibly after
    other numbers: 一号二号链接); without it (viewers' comments: 19号哪里点) any N号 counts.
    """
    out: list[int] = []
    for m in _LINK.finditer(text):
        if "月" in text[max(0, m.start() - 5) : m.start()]:
            continue
        if need_link_word and not _LINK_WORD.match(text, m.end()):
            continue
        n = chinese_number(m.group(1))
        if n is not None and 0 < n < 1000 and n not in out:
            out.append(n)
    return out
