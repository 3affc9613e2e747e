"""The commune reference shipped in the package: resolve a commune, expand a zone.

A person lives in a *current* commune (commune actuelle). Arrondissements of Paris, Lyon and
Marseille and communes déléguées resolve to their current commune, because services declare
their zones on current communes (and on EPCI, départements, régions).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

GEODATA = Path(__file__).resolve().parent.parent / "geodata"

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "s/": "sur"}


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    nom: str
    type: str  # C actuelle, D déléguée, A associée, M arrondissement municipal
    parent: str
    departement: str
    region: str
    epci: str
    ept: str
    codes_postaux: tuple[str, ...]
    population: int

    @property
    def libelle(self) -> str:
        return f"{self.nom} ({self.code})"


@dataclass(frozen=True)
class Resolution:
    """What a query resolved to: one commune, or candidates to choose from."""

    query: str
    commune: Commune | None
    candidats: tuple[Commune, ...] = ()
    note: str = ""


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation to spaces: the form all matching uses."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.lower().replace("œ", "oe").replace("æ", "ae")
    return re.sub(r"[^a-z0-9/]+", " ", stripped).strip()


def fold_name(text: str) -> str:
    return " ".join(_ABBREVIATIONS.get(tok, tok) for tok in fold(text).split())


class Geo:
    """The file is kept as one string; a lookup by code or by exact name searches it directly,
    and the full indexes are built only when a command needs them (validation, fuzzy names):
    `suggest` resolves one commune and must not pay for splitting 37,000 lines."""

    def __init__(self, folder: Path = GEODATA):
        self.folder = folder
        with open(folder / "communes.tsv", "rb") as f:
            next(f)
            # Kept as bytes: decoding 2 MB costs more than the lookups of a question.
            # A leading newline makes "\n<code>\t" match the first row too.
            self._text = b"\n" + f.read()
        self._objects: dict[tuple[str, str], Commune] = {}

    @cached_property
    def _rows(self) -> list[list[str]]:
        return [ln.split("\t") for ln in self._text.decode("utf-8").split("\n") if ln]

    @cached_property
    def _actuelles(self) -> dict[str, list[str]]:
        return {r[0]: r for r in self._rows if r[2] == "C"}

    def _search(self, needle: str) -> list[list[str]]:
        """Rows whose line contains `needle` (which carries its own tab or newline anchors)."""
        rows, i, text, wanted = [], 0, self._text, needle.encode("utf-8")
        while True:
            i = text.find(wanted, i)
            if i < 0:
                return rows
            start = text.rfind(b"\n", 0, i + 1) + 1 if needle[0] != "\n" else i + 1
            end = text.find(b"\n", i + 1)
            end = len(text) if end < 0 else end
            rows.append(text[start:end].decode("utf-8").split("\t"))
            i = end

    @cached_property
    def _parents(self) -> dict[str, str]:
        with open(self.folder / "parents.tsv", encoding="utf-8") as f:
            next(f)
            return dict(ln.rstrip("\n").split("\t") for ln in f if ln.strip())

    def current_code(self, code: str) -> str:
        """The current commune of a commune code (itself for a current commune), without a search."""
        return self._parents.get(code, code)

    def codes_now(self, code: str) -> set[str]:
        """The codes whose current commune is `code`: itself when current, and its former
        communes, arrondissements and communes déléguées."""
        own = {code} if self.current_code(code) == code else set()
        return own | {old for old, now in self._parents.items() if now == code}

    def _postal(self, code: str) -> list[list[str]]:
        if "by_postal" in self.__dict__:
            return self.by_postal.get(code, [])
        # Postal codes are column 9, "|"-separated; a 5-digit code can also stand in other
        # columns (INSEE code, population), hence the check on the parsed row. One pass over
        # the text for the bare code, each hit checked for its separators.
        text, wanted, rows, i = self._text, code.encode("utf-8"), [], 0
        while (i := text.find(wanted, i)) >= 0:
            end = i + len(wanted)
            if text[i - 1:i] in (b"\t", b"|") and text[end:end + 1] in (b"\t", b"|"):
                start = text.rfind(b"\n", 0, i) + 1
                stop = text.find(b"\n", end)
                row = text[start:len(text) if stop < 0 else stop].decode("utf-8").split("\t")
                if code in row[8].split("|") and row not in rows:
                    rows.append(row)
                end = len(text) if stop < 0 else stop
            i = end
        return rows

    def _row(self, code: str) -> list[str] | None:
        if "_rows" in self.__dict__:
            return self._actuelles.get(code) or self.other_by_code.get(code)
        rows = self._sorted_rows(code) or self._search(f"\n{code}\t")
        return next((r for r in rows if r[2] == "C"), rows[0] if rows else None)

    def _sorted_rows(self, code: str) -> list[list[str]]:
        """Rows of this code by bisection over the text, sorted by code (a search from the start
        costs 2 ms a commune: a sheet names forty). A code out of order (97501 after Mayotte) is
        not found here, and is found by the plain search."""
        text, target = self._text, (code + "\t").encode("utf-8")
        lo, hi = 1, len(text)  # line starts; the text opens with "\n"
        while lo < hi:
            mid = (lo + hi) // 2
            start = text.rfind(b"\n", 0, mid + 1) + 1
            if text[start:start + len(target)] < target:
                end = text.find(b"\n", mid)
                if end < 0:
                    return []
                lo = end + 1
            else:
                hi = start
        rows = []
        while text.startswith(target, lo):
            end = text.find(b"\n", lo)
            end = len(text) if end < 0 else end
            rows.append(text[lo:end].decode("utf-8").split("\t"))
            lo = end + 1
        return rows

    def _make(self, row: list[str]) -> Commune:
        key = (row[0], row[2])
        c = self._objects.get(key)
        if c is None:
            c = Commune(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                        tuple(x for x in row[8].split("|") if x), int(row[9] or 0))
            self._objects[key] = c
        return c

    @property
    def actuelles(self) -> _Lazy:
        return _Lazy(self._actuelles, self._make)

    @cached_property
    def other_by_code(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self._rows:
            if r[2] != "C":
                out.setdefault(r[0], r)
        return out

    @cached_property
    def by_postal(self) -> dict[str, list[list[str]]]:
        out: dict[str, list[list[str]]] = {}
        for r in self._rows:
            for cp in r[8].split("|"):
                if cp:
                    out.setdefault(cp, []).append(r)
        return out

    @cached_property
    def by_name(self) -> dict[str, list[list[str]]]:
        out: dict[str, list[list[str]]] = {}
        for r in self._rows:
            out.setdefault(r[10], []).append(r)  # folded at build time (bench/build_geodata.py)
        return out

    @cached_property
    def departements(self) -> dict[str, dict[str, str]]:
        return _read_table(self.folder / "departements.tsv")

    @cached_property
    def regions(self) -> dict[str, dict[str, str]]:
        return _read_table(self.folder / "regions.tsv")

    @cached_property
    def epci(self) -> dict[str, dict[str, str]]:
        return _read_table(self.folder / "epci.tsv")

    @cached_property
    def _groups(self) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
        by_epci: dict[str, list[str]] = {}
        by_dep: dict[str, list[str]] = {}
        by_region: dict[str, list[str]] = {}
        for r in self._actuelles.values():
            if r[6]:
                by_epci.setdefault(r[6], []).append(r[0])
            if r[7]:
                by_epci.setdefault(r[7], []).append(r[0])
            by_dep.setdefault(r[4], []).append(r[0])
            by_region.setdefault(r[5], []).append(r[0])
        return by_epci, by_dep, by_region

    @property
    def by_epci(self) -> dict[str, list[str]]:
        return self._groups[0]

    @property
    def by_dep(self) -> dict[str, list[str]]:
        return self._groups[1]

    @property
    def by_region(self) -> dict[str, list[str]]:
        return self._groups[2]

    @cached_property
    def _names(self) -> list[str]:
        return list(self.by_name)

    # --- lookups -------------------------------------------------------------------

    def current(self, c: Commune) -> Commune:
        """The current commune a délégué / arrondissement belongs to."""
        if c.type == "C":
            return c
        parent = self._row(c.parent)
        return self._make(parent) if parent and parent[2] == "C" else c

    def get(self, code: str) -> Commune | None:
        row = self._row(code)
        return self._make(row) if row else None

    def all_current(self) -> list[str]:
        return list(self._actuelles)

    def population(self, codes: Iterable[str]) -> int:
        rows = self._actuelles
        return sum(int(rows[c][9] or 0) for c in codes if c in rows)

    def expand(self, communes: Iterable[str] = (), epci: Iterable[str] = (),
               departements: Iterable[str] = (), regions: Iterable[str] = (), france: bool = False) -> set[str]:
        """Current commune codes covered by a union of COG codes (unknown codes add nothing)."""
        if france:
            return set(self.all_current())
        out: set[str] = set()
        for code in communes:
            c = self.get(code)
            if c is not None:
                out.add(self.current(c).code)
        for code in epci:
            out.update(self.by_epci.get(code, ()))
        for code in departements:
            out.update(self.by_dep.get(code, ()))
        for code in regions:
            out.update(self.by_region.get(code, ()))
        return out

    # --- resolution ----------------------------------------------------------------

    def resolve(self, query: str, limit: int = 10) -> Resolution:
        q = query.strip()
        dep_hint = ""
        m = re.match(r"^(.*?)[\s,]*\(?\b(\d{2}|2[ab]|97\d)\)?\s*$", q, re.IGNORECASE)
        if m and m.group(1) and not re.fullmatch(r"\d{5}", q):
            q, dep_hint = m.group(1).strip(), m.group(2).upper()
        if re.fullmatch(r"(?i)\d[0-9ab]\d{3}", q):
            return self._resolve_code(query, q.upper())
        return self._resolve_name(query, q, dep_hint, limit)

    def _resolve_code(self, query: str, code: str) -> Resolution:
        c = self.get(code)
        if c is not None:
            cur = self.current(c)
            note = "" if c is cur else f"{c.nom} fait partie de {cur.nom}"
            homonym = [self.current(self._make(x)) for x in self._postal(code)]
            if any(h.code != cur.code for h in homonym):
                note = (f"{code} est le code INSEE de {cur.nom} ; c'est aussi le code postal de "
                        f"{homonym[0].nom} : écrivez le nom de la commune en cas de doute")
            return Resolution(query, cur, (), note)
        by_cp = _unique(self.current(self._make(x)) for x in self._postal(code))
        if len(by_cp) == 1:
            return Resolution(query, by_cp[0], (), f"code postal {code}")
        if by_cp:
            return Resolution(query, None, tuple(_by_population(by_cp)), f"code postal {code} partagé")
        return Resolution(query, None, (), f"aucune commune ni code postal « {code} »")

    def _resolve_name(self, query: str, q: str, dep_hint: str, limit: int) -> Resolution:
        key = fold_name(q)
        if not key:
            return Resolution(query, None, (), "nom de commune vide")
        rows = self.by_name.get(key, []) if "by_name" in self.__dict__ else self._search(f"\t{key}\n")
        exact = _unique(self.current(self._make(r)) for r in rows)
        if len(exact) == 1 and (not dep_hint or exact[0].departement == dep_hint):
            return Resolution(query, exact[0])
        prefixed = _unique(self.current(self._make(r)) for name, rows in self.by_name.items()
                           if name.startswith(key + " ") for r in rows)
        if dep_hint:
            exact = [c for c in exact if c.departement == dep_hint]
            prefixed = [c for c in prefixed if c.departement == dep_hint]
            # "La Garde (83)": the commune of that exact name wins over "La Garde-Freinet (83)",
            # as it does without a département.
            if len(exact) == 1 or len(exact) + len(prefixed) == 1:
                return Resolution(query, (exact + prefixed)[0])
        if not exact and len(prefixed) == 1:
            return Resolution(query, prefixed[0])
        if exact or prefixed:
            # Exact homonyms first ("Saint-Maur"), then longer names ("Saint-Maur-des-Fossés").
            both = _unique(_by_population(exact) + _by_population(prefixed))
            return Resolution(query, None, tuple(both[:limit]), "plusieurs communes possibles")
        return self._resolve_fuzzy(query, key, dep_hint, limit)

    def _resolve_fuzzy(self, query: str, key: str, dep_hint: str, limit: int) -> Resolution:
        from rapidfuzz import fuzz, process

        hits = process.extract(key, self._names, scorer=fuzz.ratio, processor=None,
                               limit=limit * 3, score_cutoff=80)
        found: list[Commune] = []
        for name, _score, _ in hits:
            found.extend(self.current(self._make(r)) for r in self.by_name[name])
        found = _unique(found)
        if dep_hint:
            found = [c for c in found if c.departement == dep_hint] or found
        if len(found) == 1 or (found and hits and hits[0][1] >= 92 and len(self.by_name[hits[0][0]]) == 1
                               and (len(hits) == 1 or hits[1][1] < hits[0][1] - 4)):
            return Resolution(query, found[0], (), f"nom approché : {found[0].nom}")
        if found:
            return Resolution(query, None, tuple(found[:limit]), "nom approché, plusieurs possibilités")
        return Resolution(query, None, (), f"aucune commune ne ressemble à « {query} »")


class _Lazy:
    """A read-only mapping code -> Commune over raw rows."""

    def __init__(self, rows: dict[str, list[str]], make: Callable[[list[str]], Commune]):
        self._rows, self._make = rows, make

    def __contains__(self, code: object) -> bool:
        return code in self._rows

    def __getitem__(self, code: str) -> Commune:
        return self._make(self._rows[code])

    def get(self, code: str, default: Commune | None = None) -> Commune | None:
        row = self._rows.get(code)
        return self._make(row) if row else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def values(self) -> Iterator[Commune]:
        return (self._make(r) for r in self._rows.values())


def _read_table(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        header = next(f).rstrip("\n").split("\t")
        return {row[0]: dict(zip(header, row)) for row in (ln.rstrip("\n").split("\t") for ln in f)}


def _unique(communes: Iterable[Commune]) -> list[Commune]:
    seen: dict[str, Commune] = {}
    for c in communes:
        seen.setdefault(c.code, c)
    return list(seen.values())


def _by_population(communes: list[Commune]) -> list[Commune]:
    return sorted(communes, key=lambda c: (-c.population, c.code))


@lru_cache(maxsize=1)
def load_geo() -> Geo:
    return Geo()
