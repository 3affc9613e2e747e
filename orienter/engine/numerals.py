"""Numbers written in words, as dictation and voice messages write them ("quatre vingt onze
ans", "GIR deux", "depuis dix minutes"), turned into digits so that ages, scores and durations
are read the same way as when they are typed.

Works on folded text (lower case, no accents). Only the numbers are rewritten; the words around
them are kept, so the patterns of the vocabulary apply unchanged.
"""

from __future__ import annotations

import re

_UNITS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
          "neuf": 9}
_TEENS = {"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16}
_TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
         "septante": 70, "huitante": 80, "octante": 80, "nonante": 90}
_HUNDREDS = {"cent", "cents"}
_WORDS = set(_UNITS) | set(_TEENS) | set(_TENS) | _HUNDREDS
# "un" and "une" are articles far more often than numbers: a number only before a unit.
_UNITS_OF_MEASURE = {"an", "ans", "mois", "semaine", "semaines", "jour", "jours", "heure", "heures", "h",
                     "minute", "minutes", "min", "fois", "nuit", "nuits", "annee", "annees"}
_TOKEN = re.compile(r"[a-z]+|[^a-z]+")


def digits(folded: str) -> str:
    """The text with every number written in words replaced by its digits."""
    tokens = _TOKEN.findall(folded)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        value, end = _number_at(tokens, i)
        if value is None:
            out.append(tokens[i])
            i += 1
            continue
        out.append(str(value))
        i = end
    return "".join(out)


def _number_at(tokens: list[str], start: int) -> tuple[int | None, int]:
    """The number that starts at `start` and the index after its last word, or (None, start)."""
    words: list[tuple[int, str]] = []  # (index, word) of the number's words
    i = start
    while i < len(tokens):
        word = tokens[i]
        if word in _WORDS or (word == "et" and words):
            if words and not _may_follow(words[-1][1], word, [w for _, w in words]):
                break
            words.append((i, word))
            i += 1
            # words of one number are joined by one space or one hyphen
            if i < len(tokens) and tokens[i] in {" ", "-"}:
                i += 1
                continue
            break
        break
    while words and words[-1][1] == "et":
        words.pop()
    if not words:
        return None, start
    names = [w for _, w in words]
    if names in (["un"], ["une"]) and not _unit_follows(tokens, words[-1][0] + 1):
        return None, start
    return _value(names), words[-1][0] + 1


def _may_follow(previous: str, word: str, so_far: list[str]) -> bool:
    """Whether `word` continues the number: "vingt quatre", "soixante dix", "quatre vingt",
    "dix huit", but not "deux trois jours" (two or three days)."""
    if previous == "et":
        return word in _UNITS or word in {"onze"}
    if previous in _TENS:
        tens_of_seventy = previous in {"soixante", "vingt", "vingts"}
        return word in _UNITS or word == "et" or (tens_of_seventy and word in _TEENS)
    if previous == "dix":
        return word in {"sept", "huit", "neuf"}
    if previous in _UNITS:
        return (word in {"vingt", "vingts"} and previous == "quatre") or (word in _HUNDREDS and previous != "un")
    if previous in _HUNDREDS:
        return word in _UNITS or word in _TEENS or word in _TENS
    return False


def _unit_follows(tokens: list[str], i: int) -> bool:
    following = tokens[i + 1] if i < len(tokens) and tokens[i] == " " and i + 1 < len(tokens) else ""
    return following in _UNITS_OF_MEASURE


def _value(names: list[str]) -> int:
    total = 0
    for name in names:
        if name == "et":
            continue
        if name in _HUNDREDS:
            total = max(total, 1) * 100
        elif name in {"vingt", "vingts"} and total % 100 == 4:
            total = total - 4 + 80
        else:
            total += _UNITS.get(name) or _TEENS.get(name) or _TENS.get(name, 0)
    return total
