"""Free French text to needs and facts, offline.

How it reads a professional's note, in order:
1. cut the text into clauses at punctuation (a negation never crosses a comma: "pas de chute,
   troubles de mémoire" denies the fall, not the memory);
2. fold accents and case, expand the abbreviations of `rules/criteres.yaml` (MT, IDE, hospit,
   SEP...), reduce plural and feminine endings ("épuisées" reads as "épuisé");
3. correct typos against the words of the vocabulary only (rapidfuzz, "alzeimer" -> "alzheimer"):
   correcting against a general dictionary would invent needs;
4. look up every phrase of the vocabulary (needs and facts) in the token stream;
5. mark a phrase negated when a negation cue ("pas", "sans", "aucun", "ni", "jamais", "n'... plus")
   stands within four words before it in the same clause, unless the phrase itself carries the
   negation ("pas de médecin traitant" is a fact, not a denied doctor);
6. read numbers with the patterns of the facts (age, MMSE, GIR) and refusals of a service type
   ("ne veut pas aller au CMP").
Every need and fact keeps the words that triggered it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from orienter.load.geo import fold

_CLAUSE = re.compile(r"[.,;:!?\n()\[\]/]+|\s+mais\s+|\s+-\s+", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_NEGATIONS = {"pas", "sans", "aucun", "aucune", "ni", "jamais", "absence", "non", "nie", "nier"}
_REFUSALS = {"refuse", "refus", "refusent", "oppose", "opposant", "opposante"}
_REFUSAL_VERBS = {"veut", "veux", "souhaite", "desire", "accepte", "voulait"}
# Small words that typing drops or adds ("troubles de mémoire" = "troubles de la mémoire",
# "sa fille est épuisée" = "fille épuisée"): ignored on both sides of every comparison.
_STOPWORDS = {"de", "du", "des", "d", "la", "le", "les", "l", "un", "une", "sa", "son", "ses", "est",
              "a", "au", "aux", "en", "et", "sur", "pour", "par", "avec", "tres", "bien", "y", "il", "elle"}
_SCOPE = 4
_ABILITY = {"peut", "pouvait", "pourra", "arrive", "arrivait", "sait", "parvient", "reussit", "supporte"}
# "depuis 10 ans", "il y a 3 ans": a duration, not an age.
_DURATION = {"depuis", "pendant", "ya", "dans", "apres", "avant", "duree", "environ", "plus", "moins", "fois"}
# "suivi de grossesse ok", "SSIAD en place", "APA faite": the need is already answered.
# "infirmière du CMP", "suivi CMP", "l'IDEC de l'EHPAD": that service is already involved (often
# the caller); it is not the new call to make.
_INVOLVED = {"infirmiere", "infirmier", "ide", "idec", "idel", "medecin", "psychiatre", "psychologue", "assistante",
             "assistant", "educateur", "educatrice", "equipe", "cadre", "secretaire", "coordinatrice",
             "coordinateur", "suivi", "suivie", "suit", "accompagne", "accompagnee", "ergotherapeute", "appel",
             "connu", "connue", "pris", "prise", "charge"}
_SATISFIED = {"ok", "place", "assure", "fait", "faite", "jour", "organise", "organisee", "present", "presente",
              "effectif", "effective", "actif", "active", "regle", "reglee", "obtenu", "obtenue", "acquis", "acquise"}
_MIN_FUZZY_LEN = 5


def stem(token: str) -> str:
    """Plural and feminine endings away, so "chutes" = "chute" and "épuisée" = "épuisé"."""
    if len(token) > 3 and token.endswith(("s", "x")) and not token.endswith("ss"):
        token = token[:-1]
    if len(token) > 4 and token.endswith("ee"):
        token = token[:-1]
    return token


@dataclass(frozen=True)
class Hit:
    kind: str  # "besoin" or "critere"
    code: str
    words: str  # the words of the text, as typed
    negated: bool = False
    corrected: bool = False


@dataclass
class Reading:
    needs: dict[str, list[Hit]] = field(default_factory=dict)
    facts: dict[str, list[Hit]] = field(default_factory=dict)
    numbers: dict[str, tuple[float, str]] = field(default_factory=dict)
    negated: list[Hit] = field(default_factory=list)
    refused_types: dict[str, str] = field(default_factory=dict)
    mentioned_types: dict[str, str] = field(default_factory=dict)
    involved_types: dict[str, str] = field(default_factory=dict)
    corrections: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Token:
    text: str  # folded, expanded, stemmed: what is matched
    plain: str  # folded and expanded, not stemmed: what number patterns read
    source: int  # index of the original word


class Lexicon:
    """Every phrase of the vocabulary, folded and stemmed, to the needs and facts it signals."""

    def __init__(self, needs: dict[str, Iterable[str]], facts: dict[str, Iterable[str]],
                 abbreviations: dict[str, str], number_patterns: dict[str, str], type_codes: Iterable[str],
                 cancels: dict[str, list[str]] | None = None, lack_is_need: Iterable[str] = ()):
        self.phrases: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for kind, table in (("besoin", needs), ("critere", facts)):
            for code, synonyms in table.items():
                for phrase in synonyms:
                    key = tuple(stem(t) for t in fold(phrase).split() if t not in _STOPWORDS)
                    if key and (kind, code) not in self.phrases.setdefault(key, []):
                        self.phrases[key].append((kind, code))
        self.longest = max((len(k) for k in self.phrases), default=1)
        self.abbreviations = {fold(k): fold(v).split() for k, v in abbreviations.items()}
        self.words = sorted({t for key in self.phrases for t in key if len(t) >= _MIN_FUZZY_LEN})
        self._known = set(t for key in self.phrases for t in key) | set(self.abbreviations)
        self.patterns = {code: re.compile(p) for code, p in number_patterns.items()}
        self.type_codes = {fold(t): t for t in type_codes}
        self.cancels = cancels or {}
        self.lack_is_need = set(lack_is_need)

    def read(self, text: str) -> Reading:
        reading = Reading()
        for clause in _CLAUSE.split(text):
            if clause and clause.strip():
                self._read_clause(clause, reading)
        return reading

    # --- one clause ---------------------------------------------------------------------

    def _read_clause(self, clause: str, reading: Reading) -> None:
        spans = [m.span() for m in _TOKEN.finditer(clause)]
        originals = [clause[a:b] for a, b in spans]

        def typed(first: int, last: int) -> str:
            """The words as typed, apostrophes and hyphens included ("sortie d'hospit")."""
            return clause[spans[first][0]:spans[last][1]]

        tokens = self._tokens(originals, reading)
        if not tokens:
            return
        self._numbers(tokens, originals, reading)
        cues, unable = self._negation_cues(tokens)
        self._refusals(tokens, typed, reading)
        found: dict[tuple[str, str], tuple[int, int, bool]] = {}
        n = len(tokens)
        for i in range(n):
            for length in range(min(self.longest, n - i), 0, -1):
                key = tuple(t.text for t in tokens[i:i + length])
                for kind, code in self.phrases.get(key, ()):
                    negated = any(0 < i - c <= _SCOPE for c in cues)
                    # "ne peut plus faire sa toilette seul" denies the autonomy phrase only.
                    if code in self.cancels and any(0 < i - c <= _SCOPE for c in unable):
                        negated = True
                    if negated and kind == "besoin" and code in self.lack_is_need:
                        negated = False
                    if kind == "besoin" and not negated and any(
                            t.plain in _SATISFIED for t in tokens[i + length:i + length + 2]):
                        negated = True
                    prev = found.get((kind, code))
                    # Prefer a positive reading, then the longest phrase.
                    if prev is None or (prev[2] and not negated) or (prev[2] == negated and length > prev[1] - prev[0]):
                        found[(kind, code)] = (i, i + length, negated)
        cancelled = {c for (kind, code), (_, _, neg) in found.items() if not neg
                     for c in self.cancels.get(code, ())}
        for i, t in enumerate(tokens):
            code = self.type_codes.get(t.plain)
            if not code or code in cancelled or any(0 < i - c <= _SCOPE for c in cues):
                continue
            before = tokens[max(0, i - 3):i]
            if any(x.plain in _INVOLVED for x in before) or any(x.plain in _SATISFIED for x in tokens[i + 1:i + 3]):
                first = before[0].source if before else t.source
                reading.involved_types.setdefault(code, typed(first, t.source))
            else:
                reading.mentioned_types.setdefault(code, originals[t.source])
        for (kind, code), (start, end, negated) in found.items():
            if code in cancelled:
                continue
            first, last = tokens[start].source, tokens[end - 1].source
            words = typed(first, last)
            corrected = any(t.text != stem(fold(originals[t.source])) for t in tokens[start:end]
                            if fold(originals[t.source]) not in self.abbreviations)
            hit = Hit(kind, code, words, negated, corrected)
            if negated:
                reading.negated.append(hit)
                continue
            target = reading.needs if kind == "besoin" else reading.facts
            target.setdefault(code, []).append(hit)

    def _tokens(self, originals: list[str], reading: Reading) -> list[_Token]:
        from rapidfuzz import fuzz, process

        out: list[_Token] = []
        for idx, word in enumerate(originals):
            folded = fold(word)
            if not folded:
                continue
            expansion = self.abbreviations.get(folded)
            # Two-letter abbreviations (AS, TS, PA, OH) are common words in lower case.
            if expansion and (len(folded) > 2 or word.isupper() or folded == "mt"):
                out.extend(_Token(stem(part), part, idx) for part in expansion if part not in _STOPWORDS)
                continue
            for part in folded.split():
                if part in _STOPWORDS:
                    continue
                text = stem(part)
                if len(text) >= _MIN_FUZZY_LEN and text not in self._known and not part.isdigit():
                    cutoff = 80 if len(text) >= 8 else 85
                    best = process.extractOne(text, self.words, scorer=fuzz.ratio, score_cutoff=cutoff)
                    if best:
                        reading.corrections.append((word, best[0]))
                        text = best[0]
                out.append(_Token(text, part, idx))
        return out

    def _negation_cues(self, tokens: list[_Token]) -> tuple[list[int], list[int]]:
        """Positions of denials ("pas de chute") and of inabilities ("ne peut plus se laver"):
        an inability states a need, it does not deny it."""
        cues: list[int] = []
        unable: list[int] = []
        for i, t in enumerate(tokens):
            before = {x.plain for x in tokens[max(0, i - 2):i]}
            if t.plain in {"pas", "plus"} and before & _ABILITY:
                unable.append(i)
            elif t.plain in _NEGATIONS:
                # "ne ... que" restricts, it does not deny.
                if not (i + 1 < len(tokens) and tokens[i + 1].plain == "que"):
                    cues.append(i)
            elif t.plain == "plus" and before & {"n", "ne"}:
                cues.append(i)
        return cues, unable

    def _refusals(self, tokens: list[_Token], typed: Any, reading: Reading) -> None:
        for i, t in enumerate(tokens):
            refusal = t.plain in _REFUSALS or t.text in _REFUSALS or (
                t.plain in _REFUSAL_VERBS and any(x.plain == "pas" for x in tokens[max(0, i - 2):i + 3]))
            if not refusal:
                continue
            for later in tokens[i + 1:i + 8]:
                code = self.type_codes.get(later.plain)
                if code:
                    first, last = tokens[i].source, later.source
                    reading.refused_types.setdefault(code, typed(max(0, first - 1), last))

    def _numbers(self, tokens: list[_Token], originals: list[str], reading: Reading) -> None:
        plain = " ".join(t.plain for t in tokens)
        for code, pattern in self.patterns.items():
            if code in reading.numbers:
                continue
            for m in pattern.finditer(plain):
                previous = plain[:m.start()].split()[-1:]
                if code == "age" and previous and previous[0] in _DURATION:
                    continue
                try:
                    value = float(m.group(1))
                except (IndexError, ValueError):
                    continue
                reading.numbers[code] = (int(value) if value.is_integer() else value, m.group(0).strip())
                break
