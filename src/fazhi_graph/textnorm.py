"""Length-preserving normalisation for matching.

Reports mix full-width and half-width forms （一） / (一), ＡＢＣ / ABC, and some
copies are in traditional characters. Matching runs on a normalised copy that has
exactly the same length as the original, so an offset found in the copy is an
offset in the original: evidence always quotes the words as written.
"""

from __future__ import annotations

from functools import lru_cache

_SPACES = "\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff"


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Full-width ASCII block → ASCII.
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = chr(cp - 0xFEE0)
    for ch in _SPACES:
        table[ord(ch)] = " "
    # Traditional → simplified, one character at a time (OpenCC's character table;
    # phrase-level conversion could change the length, so it is not used here).
    try:
        import opencc

        conv = opencc.OpenCC("t2s.json")
        for cp in list(range(0x3400, 0x4DC0)) + list(range(0x4E00, 0xA000)) + list(range(0xF900, 0xFB00)):
            ch = chr(cp)
            out = conv.convert(ch)
            if out != ch and len(out) == 1:
                table[cp] = out
    except Exception:  # pragma: no cover - opencc is a declared dependency
        pass
    return table


def normalize(text: str) -> str:
    """Return a copy of ``text`` of the same length, for matching only."""
    out = text.translate(_table())
    assert len(out) == len(text)
    return out


def is_mostly_traditional(text: str, sample: int = 20000) -> bool:
    """True when a noticeable share of CJK characters change under t2s conversion."""
    table = _table()
    cjk = changed = 0
    for ch in text[:sample]:
        if "\u4e00" <= ch <= "\u9fff":
            cjk += 1
            if ord(ch) in table:
                changed += 1
    return cjk > 50 and changed / cjk > 0.05
