"""The vocabulary compiled for reading: plain data (strings, lists, dicts), so that it can be
kept in the data-only cache and read back without building anything.

Compiling lemmatises every vocabulary word (simplemma), keeps the table of the written forms
that lead to those lemmas, and precomputes the derivational roots that may be trusted (see
`morphology.py`). A run that finds the compiled lexicon in the cache never imports simplemma.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from orienter.engine import morphology

if TYPE_CHECKING:
    from orienter.load.vocabulary import Vocabulary

FORMAT = 8
# Small words that typing drops or adds ("troubles de mémoire" = "troubles de la mémoire",
# "sa fille est épuisée" = "fille épuisée"): ignored on both sides of every comparison.
STOPWORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "un", "une", "sa", "son", "ses", "est", "qui",
                       "a", "au", "aux", "en", "et", "sur", "pour", "par", "avec", "tres", "y", "il",
                       "elle", "qu", "que", "se", "s", "lui", "leur", "ce", "cet", "cette", "etre", "avoir",
                       "ont", "sont", "etait", "avait", "m", "me", "t", "j", "je"})
# Spoken and typed French drops the "ne" of a negation ("il se réveille pas"): a phrase never
# requires it (the reader still sees it, for "n'a plus de...").
OPTIONAL = frozenset({"ne", "n"})
# Verbs and adjectives of the reader's own grammar (negation, inability, refusal, qualifiers):
# their inflected forms must reach the lemma table too.
GRAMMAR_LEMMAS = ("pouvoir", "arriver", "savoir", "parvenir", "reussir", "supporter", "vouloir", "souhaiter",
                  "desirer", "accepter", "refuser", "opposer", "suspecter", "evoquer", "eliminer", "craindre",
                  "nier", "ecarter", "exclure", "guerir", "sevrer")


@dataclass
class Phrase:
    kind: str  # "besoin" or "critere"
    code: str
    keys: list[str]  # one key (folded lemma) per meaningful word
    roots: list[str | None]  # derivational root per word, None where not to be trusted
    text: str  # the phrase as written in rules/


@dataclass
class Combination:
    """One alternative of each group, close together in one sentence, establishes the entry."""

    kind: str
    code: str
    groups: list[list[list[str]]]  # group -> its alternatives -> keys of the alternative, in order
    text: str


@dataclass
class CompiledLexicon:
    format: int = FORMAT
    phrases: list[Phrase] = field(default_factory=list)
    by_first: dict[str, list[int]] = field(default_factory=dict)
    by_first_root: dict[str, list[int]] = field(default_factory=dict)
    # form -> its lemmas joined by spaces: one string per form reads back three times faster
    # than a list per form, and only the note's few words are ever split
    lemmas: dict[str, str] = field(default_factory=dict)
    # Known words: the lemma table's forms, and these (phrase keys no table form leads to);
    # kept apart so that reading back does not build a second set of 20,000 words.
    known: list[str] = field(default_factory=list)
    fuzzy_words: list[str] = field(default_factory=list)
    abbreviations: dict[str, list[str]] = field(default_factory=dict)
    patterns: dict[str, str] = field(default_factory=dict)  # numbers: group 1 is the value
    flag_patterns: dict[str, str] = field(default_factory=dict)  # facts established by a match
    type_codes: dict[str, str] = field(default_factory=dict)
    cancels: dict[str, list[str]] = field(default_factory=dict)
    lack_is_need: list[str] = field(default_factory=list)
    cancelled_by: dict[str, list[str]] = field(default_factory=dict)  # code -> qualifiers that cancel a hit
    french: bytes = b""  # WordSet of the dictionary's words: real words are never "corrected"
    combinations: list[Combination] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CompiledLexicon:
        data = dict(data)
        data["phrases"] = [Phrase(**p) for p in data["phrases"]]
        data["combinations"] = [Combination(**c) for c in data.get("combinations", [])]
        return cls(**data)


def compile_vocabulary(vocab: Vocabulary) -> CompiledLexicon:
    entries: list[tuple[str, str, str]] = []
    combos: list[tuple[str, str, list[list[str]]]] = []
    for code, b in vocab.besoins.items():
        entries += [("besoin", code, s) for s in b.synonymes]
        combos += [("besoin", code, groups) for groups in b.combinaisons]
    for code, c in vocab.criteres.items():
        entries += [("critere", code, s) for s in c.synonymes]
        combos += [("critere", code, groups) for groups in c.combinaisons]
    words = {w for _, _, text in entries for w in _words(text)}
    words |= {w for _, _, groups in combos for group in groups for text in group for w in _words(text)}
    words |= {w for text in vocab.abreviations.values() for w in _words(text)}
    lemma_of = {w: morphology.lemmatize_word(w) for w in words}
    out = CompiledLexicon()
    for kind, code, text in entries:
        keys = _phrase_keys(text, lemma_of)
        # Reduced to "incapable" alone, a phrase would read every inability.
        if keys and keys != [morphology.INCAPABLE]:
            out.phrases.append(Phrase(kind, code, keys, [morphology.root(k) for k in keys], text))
    for kind, code, groups in combos:
        keyed = [[keys for text in group if (keys := _phrase_keys(text, lemma_of))] for group in groups]
        out.combinations.append(Combination(kind, code, keyed, " + ".join("/".join(g[:3]) for g in groups)))
    _drop_duplicates(out)
    _trustworthy_roots(out)
    for i, p in enumerate(out.phrases):
        out.by_first.setdefault(p.keys[0], []).append(i)
        if p.roots[0]:
            out.by_first_root.setdefault(p.roots[0], []).append(i)
    keys = {k for p in out.phrases for k in p.keys} | {k for c in out.combinations for g in c.groups for alt in g for k in alt}
    out.lemmas = {form: " ".join(lemmas) for form, lemmas in morphology.build_lemma_table(keys | set(GRAMMAR_LEMMAS)).items()}
    out.known = sorted(keys - set(out.lemmas))
    out.french = morphology.WordSet.build(morphology.dictionary_forms()).bits
    out.fuzzy_words = sorted(k for k in keys if len(k) >= 5 and k.isalpha())
    out.abbreviations = {morphology.fold(k): [lemma_of[w] for w in _words(v) if morphology.fold(w) not in STOPWORDS]
                         for k, v in vocab.abreviations.items()}
    out.patterns = {code: c.motif for code, c in vocab.criteres.items() if c.motif and c.type == "nombre"}
    out.flag_patterns = {code: c.motif for code, c in vocab.criteres.items() if c.motif and c.type != "nombre"}
    out.type_codes = {morphology.fold(t): t for t in vocab.types}
    out.cancels = {code: list(c.annule) for code, c in vocab.criteres.items() if c.annule}
    out.lack_is_need = sorted(code for code, b in vocab.besoins.items() if b.manque_est_besoin)
    out.cancelled_by = {code: list(c.annule_si) for code, c in vocab.criteres.items() if c.annule_si}
    out.cancelled_by |= {code: list(b.annule_si) for code, b in vocab.besoins.items() if b.annule_si}
    return out


def _words(text: str) -> list[str]:
    """The words of a vocabulary phrase, accents kept (the lemmatiser needs them)."""
    return re.findall(r"[^\W_]+", text.lower())


def _phrase_keys(text: str, lemma_of: dict[str, str]) -> list[str]:
    """Keys of a phrase, read the way the text is read (same small words dropped, same
    collapse of "ne peut plus" into one word), so that both sides always meet."""
    tokens = [morphology.Token(frozenset({lemma_of[w]}), morphology.fold(w), i,
                               stop=morphology.fold(w) in STOPWORDS or morphology.fold(w) in OPTIONAL)
              for i, w in enumerate(_words(text))]
    return [next(iter(t.keys)) for t in morphology.collapse_inability(tokens) if not t.stop]


def _drop_duplicates(lex: CompiledLexicon) -> None:
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    kept = []
    for p in lex.phrases:
        key = (p.kind, p.code, tuple(p.keys))
        if key not in seen:
            seen.add(key)
            kept.append(p)
    lex.phrases = kept


def _trustworthy_roots(lex: CompiledLexicon) -> None:
    """A root reached by a one-word entry must lead to one concept: "dépendant" (dependence
    in daily life) and "dépendance" (addiction) share a root and stay apart. Within a phrase of
    several words the other words disambiguate, so every long root is kept."""
    codes: dict[str, dict[str, set[str]]] = {}  # root -> word -> codes it signals
    for p in lex.phrases:
        if len(p.keys) == 1 and p.roots[0]:
            codes.setdefault(p.roots[0], {}).setdefault(p.keys[0], set()).add(p.code)
    ambiguous = {r for r, by_word in codes.items()
                 if len({frozenset(c) for c in by_word.values()}) > 1}
    for p in lex.phrases:
        if len(p.keys) == 1 and p.roots[0] in ambiguous:
            p.roots = [None]
