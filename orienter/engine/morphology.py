"""French word forms: which vocabulary word a written form may stand for.

Three mechanisms, from the most to the least certain:
1. inflection, from a real lemmatiser (simplemma, its French dictionary: "tombée" -> tomber,
   "chutes" -> chute, "buvait" -> boire). Loading that dictionary costs about 0.2 s, so it is
   read only when the vocabulary is compiled (a cache miss) and reduced to a table of the
   forms whose lemma is a vocabulary word: the table is all the reader needs at run time;
2. derivation, from the Snowball French stemmer ("dépressive" and "dépression" share the root
   "depress", "toxicomane" and "toxicomanie" share "toxicoman"). Stemming conflates words of
   different meanings ("aidant" and "aide", "dépendant" and "dépendance"), so a root is used
   only when it is long and, for a one-word entry, when it leads to one concept only
   (decided when the vocabulary is compiled, see `lexicon.py`);
3. compounds: a hyphenated word is also read as its parts, and a combining form ending in -o
   ("alcoolo-", "toxico-") as its base ("alcool").
Plural and feminine endings are stripped as a last resort for forms the dictionary lacks
("polymédiquées" -> "polymediquee" -> "polymedique").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterable

# Roots shorter than this conflate too much ("aid", "soin", "cour").
MIN_ROOT = 6

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)


_LATIN = str.maketrans("àâäáãåçéèêëíìîïñóòôöõúùûüýÿ", "aaaaaaceeeeiiiinooooouuuuyy")


def fold(text: str) -> str:
    """Lower case, accents removed; the form every comparison uses. (A translation table
    first: folding the 240,000 forms of the dictionary through unicodedata took 1.4 s.)"""
    low = text.lower().replace("œ", "oe").replace("æ", "ae").translate(_LATIN)
    if low.isascii():
        return low
    decomposed = unicodedata.normalize("NFKD", low)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[tuple[int, int]]:
    """Spans of the words of a text; hyphenated compounds stay one word here."""
    return [m.span() for m in _WORD.finditer(text)]


def strip_inflection(form: str) -> str:
    """Plural and feminine endings away: the fallback for forms no dictionary knows."""
    if len(form) > 3 and form.endswith(("s", "x")) and not form.endswith("ss"):
        form = form[:-1]
    if len(form) > 4 and form.endswith("ee"):
        form = form[:-1]
    return form


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    from snowballstemmer.french_stemmer import FrenchStemmer

    return FrenchStemmer()


def root(form: str) -> str | None:
    """Derivational root of a folded form, or None when it would be too short to trust."""
    if len(form) < MIN_ROOT or not form.isalpha():
        return None
    stem = _stemmer().stemWord(form)
    return stem if len(stem) >= MIN_ROOT else None


def combining_base(part: str) -> str | None:
    """"alcoolo" -> "alcool", "toxico" -> "toxic": the base of a combining form in -o."""
    if len(part) >= 5 and part.endswith("o"):
        return part[:-1]
    return None


def build_lemma_table(wanted: Iterable[str]) -> dict[str, list[str]]:
    """Folded form -> folded lemmas, for every form whose lemma is one of `wanted` (folded
    lemmas of the vocabulary and of the reader's cue words). Reads simplemma's dictionary."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    wanted = set(wanted)
    # A noun of the vocabulary reached from its verb: "(conjoint) frappe" from "frapper",
    # "frappait"; "tombe" from "tombée".
    verbs = {k + "r": k for k in wanted if k.endswith("e") and len(k) >= 4}
    table: dict[str, set[str]] = {}
    dictionary = DefaultDictionaryFactory().get_dictionary("fr")
    plurals: dict[str, str] = {}  # forms in "-ent" the dictionary knows, and their lemma
    for form, lemma in dictionary.items():
        folded_form, folded_lemma = fold(form), fold(lemma)
        if folded_lemma in wanted:
            table.setdefault(folded_form, set()).add(folded_lemma)
        if folded_lemma in verbs:
            table.setdefault(folded_form, set()).add(verbs[folded_lemma])
        if folded_form.endswith("ent"):
            plurals[folded_form] = folded_lemma
    for lemma in wanted:
        for form in _first_group_forms(lemma):
            # "violent" is the adjective before it is "ils violent": a plural the dictionary
            # knows as another word keeps that word.
            if form.endswith("ent") and plurals.get(form, lemma) != lemma:
                continue
            table.setdefault(form, set()).add(lemma)
    return {form: sorted(lemmas) for form, lemmas in table.items()}


# "ne peut plus", "n'arrive pas à", "impossible de", "incapable de": one meaning, many
# spellings. Both the vocabulary and the text collapse them into one word, INCAPABLE, so
# that "ne peut plus lever le bras" in rules/ meets "n'arrive plus à lever le bras".
INCAPABLE = "incapable"
EXHAUSTED = "epuise"
ABILITY_LEMMAS = frozenset({"pouvoir", "arriver", "parvenir", "reussir", "savoir"})
_NOT = frozenset({"plus", "pas", "jamais"})
_UNABLE_WORDS = frozenset({"impossible", "incapable", "impossibilite", "incapacite"})


@dataclass
class Token:
    """A word of the text (or of a vocabulary phrase) and the keys it may stand for."""

    keys: frozenset[str]  # what vocabulary words it may stand for
    plain: str  # folded word (or expansion word): what the grammar reads
    source: int  # index of the original word in the clause
    via: str = "forme"
    root: str | None = None
    stop: bool = False


def collapse_inability(tokens: list[Token]) -> list[Token]:
    """"n'arrive plus à", "ne peut pas", "impossible de" become one INCAPABLE token (the small
    words after it are dropped); the idiom "n'en peut plus" is exhaustion, read as "épuisé"."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        content = [j for j in range(i + 1, min(len(tokens), i + 4)) if not tokens[j].stop]
        if t.keys & ABILITY_LEMMAS and content and tokens[content[0]].plain in {"plus", "pas", "jamais"}:
            idiom = "pouvoir" in t.keys and bool(out) and out[-1].plain == "en"
            while out and out[-1].plain in ("n", "ne", "en"):
                out.pop()
            word = EXHAUSTED if idiom else INCAPABLE
            out.append(Token(frozenset({word}), word, t.source))
            i = content[0] + 1
            continue
        if t.plain in {"impossible", "incapable", "impossibilite", "incapacite"}:
            out.append(Token(frozenset({INCAPABLE}), INCAPABLE, t.source))
        else:
            out.append(t)
        i += 1
    return out


def dictionary_forms() -> set[str]:
    """Every folded form and lemma simplemma's French dictionary knows: real words, which a
    typo correction must leave alone ("stable" is not a misspelt "instable")."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    dictionary = DefaultDictionaryFactory().get_dictionary("fr")
    return {fold(k) for k in dictionary.keys()} | {fold(v) for v in dictionary.values()}


class WordSet:
    """A Bloom filter: "is this a French word?" for 240,000 words in 300 kB of bytes that the
    data-only cache stores as they are. A false "yes" (1 %) only forgoes a typo correction."""

    HASHES = 7

    def __init__(self, bits: bytes):
        self.bits = bits

    @classmethod
    def build(cls, words: set[str]) -> WordSet:
        bits = bytearray(max(8, len(words) * 12 // 10))  # 9.6 bits a word: about 1 % false yes
        size = len(bits) * 8
        for w in words:
            for i in _positions(w, size):
                bits[i >> 3] |= 1 << (i & 7)
        return cls(bytes(bits))

    def __contains__(self, word: str) -> bool:
        return all(self.bits[i >> 3] & (1 << (i & 7)) for i in _positions(word, len(self.bits) * 8))


def _positions(word: str, size: int) -> list[int]:
    from orienter.core.hashing import blake2b

    digest = blake2b(word.encode("utf-8", "surrogateescape"), digest_size=16).digest()
    h1, h2 = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1
    return [(h1 + k * h2) % size for k in range(WordSet.HASHES)]


def lemmatize_word(word: str) -> str:
    """Folded lemma of one vocabulary word (when the vocabulary is compiled)."""
    import simplemma

    return fold(simplemma.lemmatize(word.lower(), lang="fr"))


def _first_group_forms(lemma: str) -> list[str]:
    """The dictionary gives "tombe" only as the noun (a grave): the present and the participles
    of a first-group verb are added so that "elle tombe" reads as tomber."""
    if not lemma.endswith("er") or len(lemma) < 5:
        return []
    base = lemma[:-2]
    return [base + end for end in ("e", "es", "ent", "e", "ee", "es", "ees", "ant")]
