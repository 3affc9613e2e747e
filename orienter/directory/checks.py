"""Territory diagnostics for the people who keep a directory readable.

Five families of findings, all plain data (dicts ready for JSON), never printed here:

- ``chevauchements`` (overlaps, the *millefeuille*): services of different structures, of the
  same type or answering the same need for the same public, on the same communes;
- ``lacunes`` (gaps): communes of the perimeter that no available service of a key type, or no
  available service answering a need, covers;
- ``historiques`` (legacy): structures absorbed by a DAC (or CLIC merged) still listed active,
  structures or services of a historical type (MAIA, PTA, réseau, CTA) still active;
- ``fraicheur`` (freshness): entries not checked within their review frequency, structures that
  give no way to reach them, duplicate candidates;
- a readability score from 0 to 100 whose parts are explained;

and two summaries: ``couverture`` (key types present, and for each situation of ``SITUATIONS``
whether a local service answers it with a sourced contact, or why not) and ``contacts`` (how many
services give a sourced way to reach them).

Vocabulary used below (an interpretation, written once):
- a service is *listed* when its structure and itself are ``actif`` or ``suspendu``: it is part of
  the landscape a professional sees, so it counts for overlaps;
- a service is *available* when both are ``actif`` and no suspension runs today: only available
  services close a gap;
- the *national layer* is a territory whose perimeter is all of France, and any service whose
  zone is all of France: lines reached from anywhere. It complements local territories and never
  stands for one: it covers no perimeter, fills no gap, overlaps no local service, and has no
  local-coverage score of its own (``national_report`` says what applies to it instead).

Costs (issue 14.3): a territory's coverage is computed once, from the COG keys of its
perimeter and one expansion per distinct zone; overlaps are found commune by commune within a
type family or a need, never by comparing every pair of services of a type.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Sequence

from orienter.load.geo import fold
from orienter.store.index import Entry, Index, commune_keys
from orienter.load.model import Service, Statut, Structure, Zone
from orienter.load.territory import Territory
from orienter.load.workspace import Workspace

SCHEMA = "orienter/rapport@2"

BANDEAU_FICTIF = ("FICTIF : territoire de formation, données inventées ; ces structures n'existent pas, "
                  "ne les contactez pas.")

SANS_OBJET_NATIONAL = ("Sans objet pour la couche nationale : le score de lisibilité mesure la couverture "
                       "locale d'un périmètre (types clés, lacunes, chevauchements). Les lignes nationales "
                       "complètent les territoires sans couvrir aucun d'eux localement ; ce rapport en "
                       "donne les sources, la fraîcheur et les contacts.")

# Commune names given with each finding (all INSEE codes are given).
EXEMPLES = 20

# Key types: what every territory is expected to offer somewhere on its perimeter (DOMAIN §3-4).
# Each maps to the types that count for it. SAD (aide et soins) replaces SSIAD (décret 2023-608);
# a MDA is the MDPH where both merged. A structure that absorbed a structure of a key type (a DAC
# that took over a CLIC) also counts for that type: the function moved with the absorption.
KEY_TYPES: dict[str, tuple[str, ...]] = {
    "DAC": ("DAC",),
    "SSIAD": ("SSIAD", "SAD"),
    "HAD": ("HAD",),
    "EMSP": ("EMSP",),
    "CMP": ("CMP",),
    "CSAPA": ("CSAPA",),
    "PASS": ("PASS",),
    "MDPH": ("MDPH", "MDA"),
    "CLIC": ("CLIC",),
    "C360": ("C360",),
}

# The four situations of issue 11 (DOMAIN §3-5), and the types of service that answer each one
# locally, grouped as key types (a group counts when one of its types is there). Why these:
# - an older person living alone with falls and memory trouble: care and help at home (SSIAD or
#   SAD, SAAD or SAD), day care and respite (AJ, PFR), a place (EHPAD), memory and geriatric
#   assessment (CM, EMG), information and coordination (CLIC, or the DAC that absorbed it);
# - an adult with a psychiatric disorder losing housing: the sector's CMP, and the EMPP that goes
#   to people in precarity (the social side, CCAS or SSD, is not specific to it);
# - a person without health coverage: PASS or CASO for care, CCAS or the département's social
#   service to open rights;
# - alcohol dependence: the CSAPA. A CAARUD reduces the risks of drug use (DOMAIN §3): counting it
#   would claim an answer to alcohol dependence that the text does not give.
SITUATIONS: list[dict[str, Any]] = [
    {"code": "personne-agee-chutes-memoire",
     "libelle": "Personne âgée vivant seule, chutes et troubles de la mémoire",
     "types": {"SSIAD": ("SSIAD", "SAD"), "SAAD": ("SAAD", "SAD"), "AJ": ("AJ",), "PFR": ("PFR",),
               "EHPAD": ("EHPAD",), "CM": ("CM",), "EMG": ("EMG",), "CLIC": ("CLIC",), "DAC": ("DAC",)}},
    {"code": "psychiatrie-perte-logement",
     "libelle": "Adulte avec un trouble psychiatrique qui perd son logement",
     "types": {"CMP": ("CMP",), "EMPP": ("EMPP",)}},
    {"code": "sans-couverture-sante",
     "libelle": "Personne sans couverture santé",
     "types": {"PASS": ("PASS", "CASO"), "CCAS": ("CCAS",), "SSD": ("SSD",)}},
    {"code": "dependance-alcool",
     "libelle": "Personne dépendante à l'alcool",
     "types": {"CSAPA": ("CSAPA",)}},
]


def situation_key_types() -> dict[str, tuple[str, ...]]:
    """The key types of the four situations, each once, in the order of SITUATIONS."""
    out: dict[str, tuple[str, ...]] = {}
    for sit in SITUATIONS:
        for key, types in sit["types"].items():
            out.setdefault(key, types)
    return out


# Types treated as one for overlaps: two of them on the same communes are the same offer twice.
TYPE_FAMILY: dict[str, str] = {"SAD": "SSIAD", "MDA": "MDPH"}

# Types where several offers on one commune are the normal landscape, not a millefeuille: the
# person chooses a GP practice, an EHPAD or an SMR among several, and each commune has its CCAS
# next to the département's social service by law (CASF L123-4). Territorial schemes (CPTS, DAC,
# CLIC, SSIAD sectors, CMP sectors...) are expected to be one per commune: they stay checked.
PLURAL_TYPES = frozenset({"MSP", "CDS", "EHPAD", "SMR", "AJ", "CCAS"})

# --- readability score ------------------------------------------------------------------------
# Weights of the parts (sum 100). Why these values:
# - coverage of key types (35): a directory is first read to find *someone* for a need; a missing
#   DAC, HAD or CMP on part of the territory is the most serious flaw, so it weighs most;
# - overlaps (20): the millefeuille is what makes a territory hard to read (which of the two
#   SSIAD do I call?), but the person still finds an answer: second weight;
# - completeness of contacts and sources (20): an entry without a way to call it, or without a
#   source to check it against, cannot be used nor trusted: as heavy as overlaps;
# - freshness (15): old entries are often still right; they are a risk, not a failure;
# - legacy entries (10): few in number but each sends people to a door that closed (a MAIA
#   absorbed in 2022): a fixed penalty per entry rather than a share.
POIDS_COUVERTURE = 35
POIDS_CHEVAUCHEMENTS = 20
POIDS_COMPLETUDE = 20
POIDS_FRAICHEUR = 15
POIDS_HISTORIQUES = 10
# Each legacy entry removes half of its part: two leftovers are enough to lose it all.
PENALITE_HISTORIQUE = 0.5

# Duplicate names: rapidfuzz token_set_ratio on folded names, without these words.
SEUIL_NOM_SIMILAIRE = 90
_MOTS_VIDES = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "sur"}

_TOUS = "tous-publics"
_AGE_MAX = 200


def is_national(e: Entry) -> bool:
    """A line of the national layer: listed in the national territory, or reached from all of France."""
    return e.territory.national or e.national


def _national_zone(sv: Service) -> bool:
    return bool(sv.zone and sv.zone.france)


def _zone_signature(z: Zone) -> tuple[Any, ...]:
    ex = z.exclus
    return (tuple(z.communes), tuple(z.epci), tuple(z.departements), tuple(z.regions), z.france,
            (tuple(ex.communes), tuple(ex.epci), tuple(ex.departements), tuple(ex.regions)) if ex else None)


@dataclass
class Context:
    ws: Workspace
    index: Index
    today: date
    cache: dict[Any, Any] = field(default_factory=dict)  # per report: coverage, absorbers, duplicates
    # Work done, for the tests that keep the algorithms linear (never timed).
    counters: dict[str, int] = field(default_factory=dict)
    _pop: dict[str, int] = field(default_factory=dict)
    _zones: dict[tuple[Any, ...], frozenset[str]] = field(default_factory=dict)

    @property
    def geo(self) -> Any:
        return self.ws.geo

    @property
    def vocab(self) -> Any:
        return self.ws.vocab

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n

    def population(self, codes: Iterable[str]) -> int:
        pop = self._pop
        if isinstance(codes, (set, frozenset, list)):
            try:
                return sum(map(pop.__getitem__, codes))  # the common case: every code seen before
            except KeyError:
                pass
        total = 0
        for code in codes:
            n = pop.get(code)
            if n is None:
                c = self.geo.actuelles.get(code)
                n = pop[code] = c.population if c else 0
            total += n
        return total

    def communes_field(self, codes: Iterable[str]) -> dict[str, Any]:
        """`communes`: every INSEE code, most populated first; `communes_exemples`: the names of the
        first ones, for people. Codes only in full: a national report lists many thousands."""
        codes = list(codes)
        self.population(codes)
        pop = self._pop
        ordered = sorted(codes, key=lambda c: (-pop[c], c))
        names = []
        for code in ordered[:EXEMPLES]:
            c = self.geo.actuelles.get(code)
            names.append(c.nom if c else code)
        return {"communes": ordered, "communes_exemples": names}

    def perimeter_population(self, t: Territory) -> int:
        key = ("population", t.id)
        if key not in self.cache:
            self.cache[key] = self.population(t.communes)
        return self.cache[key]

    def zone_communes(self, z: Zone) -> frozenset[str]:
        """The current communes of a zone, expanded once per distinct zone of the report."""
        sig = _zone_signature(z)
        found = self._zones.get(sig)
        if found is None:
            out = self.geo.expand(z.communes, z.epci, z.departements, z.regions, france=z.france)
            if z.exclus:
                ex = z.exclus
                out -= self.geo.expand(ex.communes, ex.epci, ex.departements, ex.regions)
            found = self._zones[sig] = frozenset(out)
        return found

    def coverage(self, t: Territory) -> tuple[dict[int, frozenset[str]], list[Entry]]:
        """id(service) -> the perimeter communes it covers, and the local entries touching the
        perimeter (index order). The candidates are the services indexed under a COG key of the
        perimeter (its communes, their EPCI, département, région); each distinct zone is expanded
        once and met with the perimeter once. The national layer covers no perimeter."""
        key = ("coverage", t.id)
        if key in self.cache:
            return self.cache[key]
        here: dict[int, frozenset[str]] = {}
        touching: list[Entry] = []
        if not t.national:
            perimeter = t.communes
            keys: set[str] = set()
            for code in perimeter:
                c = self.geo.actuelles.get(code)
                if c is not None:
                    keys.update(commune_keys(c))
            found: set[int] = set()
            by_key = self.index.by_key
            for k in keys:
                found.update(by_key.get(k, ()))
            met: dict[tuple[Any, ...], frozenset[str]] = {}
            entries = self.index.entries
            for i in sorted(found):
                e = entries[i]
                z = e.service.zone
                if z is None or is_national(e):
                    continue
                sig = _zone_signature(z)
                covered = met.get(sig)
                if covered is None:
                    covered = met[sig] = self.zone_communes(z) & perimeter
                if covered:
                    here[id(e.service)] = covered
                    touching.append(e)
            self.count("coverage_candidates", len(found))
        self.cache[key] = (here, touching)
        return here, touching

    def forget(self, t: Territory) -> None:
        """Drop what only this territory's report needed: at national scale, the communes each
        service covers in each territory would otherwise add up to hundreds of megabytes."""
        self.cache.pop(("coverage", t.id), None)
        self.cache.pop(("pool", t.id), None)
        self._zones.clear()

    def national_entries(self, fictional: bool) -> list[Entry]:
        """Available services of the national layer (for the gaps: who answers from afar)."""
        key = ("national", fictional)
        if key not in self.cache:
            self.cache[key] = [e for e in self.index.entries if is_national(e) and e.fictif == fictional
                               and is_available(e.structure, e.service, self.today)]
        return self.cache[key]


# --- status helpers -----------------------------------------------------------------------------

_LISTED = (Statut.actif, Statut.suspendu)


def is_listed(s: Structure, sv: Service) -> bool:
    return s.statut in _LISTED and sv.statut in _LISTED


def is_suspended(sv: Service, today: date) -> bool:
    sus = sv.suspension
    return sus is not None and sus.du <= today and (sus.au is None or sus.au >= today)


def is_available(s: Structure, sv: Service, today: date) -> bool:
    return s.statut == Statut.actif and sv.statut == Statut.actif and not is_suspended(sv, today)


def historical_types(ws: Workspace) -> set[str]:
    return {code for code, t in ws.vocab.types.items() if t.historique}


def months_since(d: date, today: date) -> int:
    # Same arithmetic as validation (O403), so that both commands agree.
    return (today.year - d.year) * 12 + (today.month - d.month)


# --- entry point --------------------------------------------------------------------------------


def build_report(ws: Workspace, territory_ids: Sequence[str] | None = None, today: date | None = None,
                 index: Index | None = None, context: Context | None = None) -> dict[str, Any]:
    """The whole report as plain data: one entry per territory, sorted (real first, then by id).

    Services of every loaded territory count for the coverage of the territories chosen: load the
    territories whose perimeter meets theirs (orienter/directory/scope.py), or everything."""
    head, ctx, chosen = prepare_report(ws, territory_ids, today, index, context)
    return {**head, "territoires": list(territory_reports(ctx, chosen))}


def prepare_report(ws: Workspace, territory_ids: Sequence[str] | None = None, today: date | None = None,
                   index: Index | None = None, context: Context | None = None
                   ) -> tuple[dict[str, Any], Context, list[Territory]]:
    """The report's head (every key but `territoires`), its context and the territories chosen:
    `territory_reports` then yields them one by one, so that a national JSON report is written
    territory by territory instead of being held whole in memory."""
    today = today or date.today()
    ctx = context or Context(ws, index or Index(ws.territories, ws.geo), today)
    chosen = [ws.territory(i) for i in territory_ids] if territory_ids else list(ws.territories)
    chosen = sorted({t.id: t for t in chosen}.values(), key=lambda t: (t.model.fictif, t.national, t.id))
    errors = sum(1 for d in ws.diagnostics if d.level == "error")
    warnings = sum(1 for d in ws.diagnostics if d.level == "warning")
    head = {
        "schema": SCHEMA,
        "date": ctx.today.isoformat(),
        "validation": {"erreurs": errors, "avertissements": warnings},
        "types_cles": {k: list(v) for k, v in KEY_TYPES.items()},
        "situations": [{"code": s["code"], "libelle": s["libelle"], "types": {k: list(v) for k, v in s["types"].items()}}
                       for s in SITUATIONS],
    }
    return head, ctx, chosen


def territory_reports(ctx: Context, chosen: Sequence[Territory]) -> Iterator[dict[str, Any]]:
    """The report of each territory, in order, saying how far it is on the progress shown (if any)."""
    from orienter.core import progress

    for i, t in enumerate(chosen):
        progress.step(i, len(chosen), f"Rapport : {t.id}")
        report = territory_report(ctx, t)
        ctx.forget(t)
        yield report
    progress.step(len(chosen), len(chosen))


def _base(ctx: Context, t: Territory) -> dict[str, Any]:
    services = [sv for s in t.structures for sv in s.services]
    return {
        "id": t.id,
        "nom": t.model.nom,
        "fictif": t.model.fictif,
        "national": t.national,
        # JSON readers (dashboards, CI logs) show the banner too: a fictional territory must never
        # pass for a real one once copied somewhere else.
        **({"bandeau": BANDEAU_FICTIF} if t.model.fictif else {}),
        "structures": len(t.structures),
        "services": len(services),
        "communes": len(t.communes),
        "population": ctx.perimeter_population(t),
    }


def territory_report(ctx: Context, t: Territory) -> dict[str, Any]:
    if t.national:
        return national_report(ctx, t)
    ov = overlaps(ctx, t)
    gp = gaps(ctx, t)
    lg = legacy(ctx, t)
    st = stale(ctx, t)
    nc = missing_contacts(ctx, t)
    du = duplicates(ctx, t)
    cov = coverage_by_type(ctx, t)
    sc = score(ctx, t, cov, ov, lg)
    return {
        **_base(ctx, t),
        "score": sc,
        "chevauchements": ov,
        "lacunes": gp,
        "historiques": lg,
        "fraicheur": {"anciennes": st, "sans_contact": nc, "doublons": du},
        "couverture_types": cov,
        "couverture": coverage_summary(ctx, t),
        "contacts": contacts_summary(ctx, t),
        "matrice": matrix(ctx, t),
        "synthese": {
            "chevauchements": len(ov),
            "lacunes": len(gp),
            "lacunes_types": sum(1 for g in gp if g["nature"] == "type"),
            "lacunes_besoins": sum(1 for g in gp if g["nature"] == "besoin"),
            "historiques": len(lg),
            "anciennes": len(st),
            "sans_contact": len(nc),
            "doublons": len(du),
        },
    }


def national_report(ctx: Context, t: Territory) -> dict[str, Any]:
    """What applies to the national layer: its lines, their sources, freshness and contacts.
    No coverage, gap, overlap nor score: it covers no perimeter locally (see the module notes)."""
    lg = legacy(ctx, t)
    st = stale(ctx, t)
    nc = missing_contacts(ctx, t)
    du = duplicates(ctx, t)
    lines = []
    for s in sorted(t.structures, key=lambda s: s.id):
        for sv in sorted(s.services, key=lambda sv: sv.id):
            c = _route(s, sv)
            v = sv.verification or s.verification
            lines.append({"id": sv.id, "nom": sv.nom, "type": sv.type, "structure": s.id, "structure_nom": s.nom,
                          "statut": sv.statut.value if s.statut == Statut.actif else s.statut.value,
                          "telephone": c.telephone if c else None,
                          "contact_source": bool(c and c.source),
                          "sources": len(sv.sources) + len(s.sources),
                          "derniere_verification": (v.derniere_verification.isoformat()
                                                    if v and v.derniere_verification else None)})
    return {
        **_base(ctx, t),
        "score": {"total": None, "parties": [], "sans_objet": SANS_OBJET_NATIONAL},
        "chevauchements": [],
        "lacunes": [],
        "historiques": lg,
        "fraicheur": {"anciennes": st, "sans_contact": nc, "doublons": du},
        "couverture_types": [],
        "couverture": None,
        "contacts": contacts_summary(ctx, t),
        "lignes": lines,
        "matrice": None,
        "synthese": {"chevauchements": 0, "lacunes": 0, "lacunes_types": 0, "lacunes_besoins": 0,
                     "historiques": len(lg), "anciennes": len(st), "sans_contact": len(nc), "doublons": len(du)},
    }


# --- overlaps -----------------------------------------------------------------------------------


def _publics(sv: Service) -> frozenset[str]:
    return frozenset(sv.publics.inclus) or frozenset({_TOUS})


def _ages(sv: Service) -> tuple[int, int]:
    p = sv.publics
    return (p.age_min or 0, p.age_max if p.age_max is not None else _AGE_MAX)


def _family(code: str) -> str:
    return TYPE_FAMILY.get(code, code)


def _level(ctx: Context, sv: Service) -> str:
    if sv.niveau:
        return sv.niveau.value
    t = ctx.vocab.types.get(sv.type)
    return t.niveau.value if t else ""


def _links(structures: dict[str, Structure]) -> list[dict[str, Any]]:
    """How the structures of an overlap say they work together, pair by pair (an organised
    overlap): read from each structure's own declarations, never by trying every pair."""
    found: set[tuple[str, str, str]] = set()
    for s in structures.values():
        declared = [(s.porteur, "porteur")] if s.porteur else []
        declared += [(p, "partenaires") for p in s.partenaires]
        if s.absorbee_par:
            declared.append((s.absorbee_par.structure, "absorption"))
        for other, kind in declared:
            if other in structures and other != s.id:
                a, b = sorted((s.id, other))
                found.add((a, b, kind))
    return [{"structures": [a, b], "lien": kind} for a, b, kind in sorted(found)]


class _Items:
    """The services of an overlap check, as parallel columns (structure, ages, publics, family)."""

    def __init__(self, pairs: list[tuple[Structure, Service]], here: dict[int, frozenset[str]], ctx: Context):
        self.pairs = pairs
        self.structure = [s.id for s, _ in pairs]
        self.ages = [_ages(sv) for _, sv in pairs]
        self.publics = [_publics(sv) for _, sv in pairs]
        self.family = [_family(sv.type) for _, sv in pairs]
        self.level = [_level(ctx, sv) for _, sv in pairs]
        self.cover = [here[id(sv)] for _, sv in pairs]
        # No age bound: the usual case, where any two services of different structures meet.
        self.unbounded = [a == (0, _AGE_MAX) for a in self.ages]


def _partners(items: _Items, queries: Sequence[int], pool: Sequence[int], ctx: Context) -> set[int]:
    """The queries that have, in the pool, a service of another structure whose age bounds meet
    theirs. O((q + p) log p): the pool sorted by lower bound, with for each prefix the highest
    upper bound and the highest one of another structure; a query looks at the prefix of the
    services starting before its upper bound."""
    ctx.count("overlap_checks", len(queries) + len(pool))
    if not queries or not pool:
        return set()
    unbounded = items.unbounded
    if all(unbounded[i] for i in pool) and all(unbounded[i] for i in queries):
        structures = {items.structure[i] for i in pool}
        if len(structures) > 1:
            return set(queries)
        (only,) = structures
        return {q for q in queries if items.structure[q] != only}
    ordered = sorted(pool, key=lambda i: items.ages[i][0])
    los = [items.ages[i][0] for i in ordered]
    best: list[tuple[int, str | None, int]] = []  # (highest hi, its structure, highest hi of another structure)
    hi1, st1, hi2 = -1, None, -1
    for i in ordered:
        hi, st = items.ages[i][1], items.structure[i]
        if hi > hi1:
            if st != st1:
                hi2 = hi1
            hi1, st1 = hi, st
        elif st != st1 and hi > hi2:
            hi2 = hi
        best.append((hi1, st1, hi2))
    out = set()
    for q in queries:
        lo, hi = items.ages[q]
        k = bisect_right(los, hi)
        if k == 0:
            continue
        top, st, second = best[k - 1]
        reach = top if st != items.structure[q] else second
        if reach >= lo:
            out.add(q)
    return out


def _same_type_overlapping(items: _Items, members: list[int], ctx: Context) -> set[int]:
    """Services of one type family that overlap another one here: another structure, age bounds
    that meet, publics that meet (`tous-publics` meets every public)."""
    everyone = [i for i in members if _TOUS in items.publics[i]]
    others = [i for i in members if _TOUS not in items.publics[i]]
    out = _partners(items, everyone, members, ctx) | _partners(items, others, everyone, ctx)
    by_public: dict[str, list[int]] = {}
    for i in others:
        for p in items.publics[i]:
            by_public.setdefault(p, []).append(i)
    for group in by_public.values():
        if len(group) > 1:
            out |= _partners(items, group, group, ctx)
    return out


def _same_need_overlapping(items: _Items, members: list[int], ctx: Context) -> set[int]:
    """Services answering one need for the same publics at the same level that overlap a service
    of another type family here (another structure, age bounds that meet)."""
    by_family: dict[str, list[int]] = {}
    for i in members:
        by_family.setdefault(items.family[i], []).append(i)
    if len(by_family) < 2:
        return set()
    out: set[int] = set()
    for fam, group in by_family.items():
        out |= _partners(items, group, [i for i in members if items.family[i] != fam], ctx)
    return out


def _overlap_zones(items: _Items, members: list[int], overlapping: Callable[[list[int]], set[int]],
                   ctx: Context) -> dict[frozenset[int], set[str]]:
    """Communes of the perimeter grouped by the set of services that overlap there.

    Services with the same coverage form one class (a département-wide zone is met once, not
    once per service); each commune gets the tuple of the classes covering it; each distinct
    tuple is checked once. The work grows with the communes covered and the services, not with
    the pairs of services."""
    classes: dict[frozenset[str], list[int]] = {}
    for i in members:
        classes.setdefault(items.cover[i], []).append(i)
    listed = list(classes.items())
    by_commune: dict[str, list[int]] = defaultdict(list)
    for ci, (communes, _) in enumerate(listed):
        ctx.count("overlap_cells", len(communes))
        for code in communes:
            by_commune[code].append(ci)
    by_signature: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for code, sig in by_commune.items():
        if len(sig) > 1 or len(listed[sig[0]][1]) > 1:
            by_signature[tuple(sig)].append(code)
    zones: dict[frozenset[int], set[str]] = {}
    for sig, codes in by_signature.items():
        here = [i for ci in sig for i in listed[ci][1]]
        involved = overlapping(here)
        if len(involved) > 1:
            zones.setdefault(frozenset(involved), set()).update(codes)
    return zones


def overlaps(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """Listed services of the territory, from different structures, that serve the same people on
    the same communes of the perimeter, one finding per type family or need:

    - ``type``: same type (or family: SSIAD and SAD, MDPH and MDA) with publics that meet
      (``tous-publics`` meets every public);
    - ``besoin``: different types at the same level of recourse answering a shared need for exactly
      the same publics. Different levels are the gradation of recourse (DOMAIN §4), not a
      duplicate: a DAC and an HAD both organise hospital discharges, at different levels.

    A finding names every service involved, the communes where at least two of them overlap, and
    its ``zones``: the communes grouped by the services that overlap there (most populated zone
    first; codes in order).
    Types where several offers per commune are the norm (``PLURAL_TYPES``) are left out, and
    explicit age bounds that do not meet rule a pair out. Structures that declare a link
    (partners, carried by, absorbed by) are still reported, with the links: the overlap is then
    organised, which a reader should know. The national layer overlaps nothing: a national line
    and a local service are two doors of different kinds, not a millefeuille.
    """
    if t.national:
        return []
    here, _ = ctx.coverage(t)
    items = _Items([(s, sv) for s in t.structures for sv in s.services
                    if is_listed(s, sv) and sv.type not in PLURAL_TYPES and not _national_zone(sv)
                    and here.get(id(sv))], here, ctx)
    buckets: dict[tuple[str, ...], list[int]] = {}
    for i, (_, sv) in enumerate(items.pairs):
        buckets.setdefault(("type", items.family[i]), []).append(i)
        for need in set(sv.besoins):
            buckets.setdefault(("besoin", need, items.level[i], ",".join(sorted(items.publics[i]))), []).append(i)
    total = ctx.perimeter_population(t)
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key, members in sorted(buckets.items()):
        if len(members) < 2 or len({items.structure[i] for i in members}) < 2:
            continue
        if key[0] == "type":
            zones = _overlap_zones(items, members, lambda m: _same_type_overlapping(items, m, ctx), ctx)
        else:
            if len({items.family[i] for i in members}) < 2:
                continue
            zones = _overlap_zones(items, members, lambda m: _same_need_overlapping(items, m, ctx), ctx)
        if not zones:
            continue
        involved = sorted(set().union(*zones), key=lambda i: items.pairs[i][1].id)
        communes = set().union(*zones.values())
        ident = (key[0], frozenset(involved), frozenset(communes), key[3] if key[0] == "besoin" else "")
        if ident in merged:  # the same services on the same communes for another shared need
            merged[ident]["besoins"] = sorted({*merged[ident]["besoins"], key[1]})
            continue
        merged[ident] = _overlap_finding(ctx, items, key, involved, zones, communes, total)
    found = list(merged.values())
    found.sort(key=lambda f: (-f["population"], f["nature"] != "type", [s["id"] for s in f["services"]]))
    return found


def _overlap_finding(ctx: Context, items: _Items, key: tuple[str, ...], involved: list[int],
                     zones: dict[frozenset[int], set[str]], communes: set[str], total: int) -> dict[str, Any]:
    services = [items.pairs[i] for i in involved]
    publics: set[str] = set().union(*(items.publics[i] for i in involved))
    if key[0] == "type":
        counted: dict[str, int] = {}
        for _, sv in services:
            for need in set(sv.besoins):
                counted[need] = counted.get(need, 0) + 1
        needs = sorted(n for n, k in counted.items() if k > 1)
        shown_publics = sorted(publics - {_TOUS}) or sorted(publics)
    else:
        needs = [key[1]]
        shown_publics = sorted(publics)
    parts = []
    for members, codes in zones.items():
        pop = ctx.population(codes)
        parts.append({"services": sorted(items.pairs[i][1].id for i in members), "communes": sorted(codes),
                      "population": pop})
    parts.sort(key=lambda z: (-z["population"], z["services"]))
    pop = ctx.population(communes)
    return {
        "nature": key[0],
        "services": [_service_ref(ctx, s, sv) for s, sv in services],
        "types": sorted({sv.type for _, sv in services}),
        "besoins": needs,
        "publics": shown_publics,
        "liens": _links({s.id: s for s, _ in services}),
        **ctx.communes_field(communes),
        "population": pop,
        "part": _share(pop, total),
        "multiplicite_max": max(len(z["services"]) for z in parts),
        "zones": parts,
    }


def _service_ref(ctx: Context, s: Structure, sv: Service) -> dict[str, Any]:
    return {"id": sv.id, "nom": sv.nom, "type": sv.type, "structure": s.id, "structure_nom": s.nom,
            "statut": sv.statut.value if s.statut == Statut.actif else s.statut.value,
            "suspendu": is_suspended(sv, ctx.today)}


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# --- gaps ---------------------------------------------------------------------------------------


def _pool(ctx: Context, t: Territory) -> list[tuple[Structure, Service, frozenset[str]]]:
    """Local services that may cover the territory, with the perimeter communes each one covers:
    every loaded territory's, but a fictional territory only counts fictional services and a real
    one only real services; the national layer never counts (see the module notes)."""
    key = ("pool", t.id)
    if key not in ctx.cache:
        here, touching = ctx.coverage(t)
        fictional = t.model.fictif
        ctx.cache[key] = [(e.structure, e.service, here[id(e.service)]) for e in touching if e.fictif == fictional]
    return ctx.cache[key]


def _absorbers(ctx: Context, fictional: bool) -> dict[str, set[str]]:
    """Type code -> ids of structures that absorbed a structure of that type (before today)."""
    key = ("absorbers", fictional)
    if key not in ctx.cache:
        out: dict[str, set[str]] = {}
        for t in ctx.ws.territories:
            if t.model.fictif != fictional:
                continue
            for s in t.structures:
                if s.type and s.absorbee_par and s.absorbee_par.depuis <= ctx.today:
                    out.setdefault(s.type, set()).add(s.absorbee_par.structure)
        ctx.cache[key] = out
    return ctx.cache[key]


def _union(sets: Iterable[frozenset[str]]) -> set[str]:
    out: set[str] = set()
    for s in set(sets):  # services sharing a zone share its set: each one is added once
        out |= s
    return out


def gaps(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """For each key type, then each need of the vocabulary: perimeter communes no available
    local service covers. Services only suspended today are named, as they would close the gap;
    national lines that answer from afar are named too (``nationaux``), and close nothing."""
    if t.national:
        return []
    pool = _pool(ctx, t)
    here_of = {id(sv): here for _, sv, here in pool}
    absorbers = _absorbers(ctx, t.model.fictif)
    national = ctx.national_entries(t.model.fictif)
    total = ctx.perimeter_population(t)
    out: list[dict[str, Any]] = []

    def finding(nature: str, code: str, label: str, chosen: list[tuple[Structure, Service, frozenset[str]]],
                remote: list[Entry]) -> None:
        covered = _union(here for s, sv, here in chosen if is_available(s, sv, ctx.today))
        missing = t.communes - covered
        if not missing:
            return
        suspended = [(s, sv) for s, sv, _ in chosen if is_suspended(sv, ctx.today)
                     and s.statut == Statut.actif and sv.statut == Statut.actif]
        pop = ctx.population(missing)
        out.append({
            "nature": nature,
            "code": code,
            "libelle": label,
            **ctx.communes_field(missing),
            "population": pop,
            "part": _share(pop, total),
            "tout_le_territoire": missing == t.communes,
            "suspendus": [_service_ref(ctx, s, sv) for s, sv in sorted(suspended, key=lambda x: x[1].id)
                          if not here_of[id(sv)].isdisjoint(missing)],
            "nationaux": [_service_ref(ctx, e.structure, e.service) for e in sorted(remote, key=lambda e: e.service.id)],
        })

    by_type: dict[str, list[tuple[Structure, Service, frozenset[str]]]] = {}
    by_structure: dict[str, list[tuple[Structure, Service, frozenset[str]]]] = {}
    by_need: dict[str, list[tuple[Structure, Service, frozenset[str]]]] = {}
    for row in pool:
        s, sv, _ = row
        by_type.setdefault(sv.type, []).append(row)
        by_structure.setdefault(s.id, []).append(row)
        for need in set(sv.besoins):
            by_need.setdefault(need, []).append(row)
    for key, types in KEY_TYPES.items():
        via = set().union(*(absorbers.get(x, set()) for x in types))
        rows = {id(r[1]): r for x in types for r in by_type.get(x, ())}
        rows.update({id(r[1]): r for sid in via for r in by_structure.get(sid, ())})
        remote = [e for e in national if e.service.type in types]
        finding("type", key, ctx.vocab.type_label(key), list(rows.values()), remote)
    for code in ctx.vocab.besoins:
        remote = [e for e in national if code in e.service.besoins]
        finding("besoin", code, ctx.vocab.need_label(code), by_need.get(code, []), remote)
    return out


def coverage_by_type(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """Share of the perimeter population covered, per key type (the bars of the HTML report)."""
    if t.national:
        return []
    pool = _pool(ctx, t)
    absorbers = _absorbers(ctx, t.model.fictif)
    total = ctx.perimeter_population(t)
    rows = []
    for key, types in KEY_TYPES.items():
        via = set().union(*(absorbers.get(x, set()) for x in types))
        chosen = [here for s, sv, here in pool
                  if (sv.type in types or s.id in via) and is_available(s, sv, ctx.today)]
        covered = _union(chosen)
        pop = ctx.population(covered)
        rows.append({"type": key, "libelle": ctx.vocab.type_label(key), "services": len(chosen),
                     "communes": len(covered), "population": pop, "part": _share(pop, total)})
    return rows


def matrix(ctx: Context, t: Territory) -> dict[str, Any] | None:
    """Needs x service types: available local services of the pool touching the perimeter, and the
    share of the perimeter population they cover. Columns: key types, then other types in use."""
    if t.national:
        return None
    pool = [(sv, here) for s, sv, here in _pool(ctx, t) if is_available(s, sv, ctx.today)]
    used = {sv.type for sv, _ in pool}
    hist = historical_types(ctx.ws)
    types = [k for k in KEY_TYPES] + sorted((used - set(KEY_TYPES)) - hist) + sorted(used & hist)
    needs = list(ctx.vocab.besoins)
    total = ctx.perimeter_population(t)
    by_cell: dict[tuple[str, str], list[frozenset[str]]] = {}
    for sv, here in pool:
        for need in set(sv.besoins):
            by_cell.setdefault((need, sv.type), []).append(here)
    cells: list[list[dict[str, Any]]] = []
    for need in needs:
        row = []
        for ty in types:
            found = by_cell.get((need, ty), [])
            spec = ctx.vocab.types.get(ty)
            row.append({"services": len(found),
                        "part": _share(ctx.population(_union(found)), total) if found else 0.0,
                        # the vocabulary says this type answers this need: an empty cell is a hole
                        "attendu": bool(spec and need in spec.besoins)})
        cells.append(row)
    return {"besoins": [{"code": b, "libelle": ctx.vocab.need_label(b)} for b in needs],
            "types": [{"code": ty, "libelle": ctx.vocab.type_label(ty)} for ty in types],
            "cellules": cells}


# --- coverage shown honestly (issue 11.3) --------------------------------------------------------

_CHANNELS = ("telephone", "courriel", "site", "formulaire")
_SOURCED_CHANNELS = ("telephone", "courriel", "site")


def _has_channel(contact: Any) -> bool:
    return contact is not None and any(getattr(contact, k) for k in _CHANNELS)


def _route(s: Structure, sv: Service) -> Any:
    """The contact a professional uses for this service: its own when it gives a way to reach it,
    else its structure's."""
    if _has_channel(sv.contact):
        return sv.contact
    return s.contact if _has_channel(s.contact) else None


def has_sourced_contact(s: Structure, sv: Service) -> bool:
    """A telephone, e-mail or site, with the source it was read from (`contact.source`)."""
    c = _route(s, sv)
    return c is not None and bool(c.source) and any(getattr(c, k) for k in _SOURCED_CHANNELS)


def contacts_summary(ctx: Context, t: Territory) -> dict[str, Any]:
    """How many listed services of the territory can be reached through a sourced contact route,
    and which cannot (with why)."""
    listed = [(s, sv) for s in t.structures for sv in s.services if is_listed(s, sv)]
    live = [s for s in t.structures if s.statut not in (Statut.ferme, Statut.absorbe)]
    without = []
    reachable = 0
    sourced = 0
    for s, sv in sorted(listed, key=lambda x: x[1].id):
        route = _route(s, sv)
        if route is not None:
            reachable += 1
        if has_sourced_contact(s, sv):
            sourced += 1
            continue
        without.append({"id": sv.id, "structure": s.id,
                        "raison": "aucun moyen de contact" if route is None else "contact sans source"})
    return {"services": len(listed), "avec_contact": reachable, "contact_source": sourced,
            "structures": len(live), "structures_avec_source": sum(1 for s in live if s.sources),
            "sans_contact_source": without}


def coverage_summary(ctx: Context, t: Territory) -> dict[str, Any] | None:
    """Per local territory: how many key types of the four situations are present (an available
    local service of the type touches the perimeter), and for each situation whether a local
    service answers it with a sourced contact, or why not. None for the national layer."""
    if t.national:
        return None
    pool = _pool(ctx, t)
    total = ctx.perimeter_population(t)
    available = [(s, sv, here) for s, sv, here in pool if is_available(s, sv, ctx.today)]
    types_in_pool = {sv.type for _, sv, _ in pool}
    types_available = {sv.type for _, sv, _ in available}
    keys = situation_key_types()
    present = [k for k, types in keys.items() if types_available & set(types)]
    situations = []
    for sit in SITUATIONS:
        types = {x for group in sit["types"].values() for x in group}
        candidates = [(s, sv, here) for s, sv, here in available if sv.type in types]
        answering = [(s, sv, here) for s, sv, here in candidates if has_sourced_contact(s, sv)]
        covered = _union(here for _, _, here in answering)
        pop = ctx.population(covered)
        row: dict[str, Any] = {
            "code": sit["code"], "libelle": sit["libelle"], "repond": bool(answering),
            "services": len(answering),
            "exemples": [_service_ref(ctx, s, sv) for s, sv, _ in
                         sorted(answering, key=lambda x: (-len(x[2]), x[1].id))[:5]],
            "communes": len(covered), "part": _share(pop, total),
        }
        names = ", ".join(sit["types"])
        if not answering:
            if candidates:
                shown = sorted(candidates, key=lambda x: x[1].id)
                row["raison"] = (f"{len(candidates)} service(s) local(aux) de ces types, aucun avec un contact "
                                 "sourcé (téléphone, courriel ou site, et sa source) : "
                                 + ", ".join(f"{sv.id} ({'contact sans source' if _route(s, sv) else 'aucun contact'})"
                                             for s, sv, _ in shown[:5])
                                 + (f" et {len(shown) - 5} autre(s)" if len(shown) > 5 else ""))
            elif types & types_in_pool:
                row["raison"] = f"les services locaux de ces types ({names}) sont suspendus ou fermés aujourd'hui"
            else:
                row["raison"] = f"aucun service local de ces types ({names}) ne couvre le périmètre dans l'annuaire"
        elif covered != t.communes:
            row["note"] = f"couvre {len(covered)} commune(s) sur {len(t.communes)}"
        situations.append(row)
    contacts = contacts_summary(ctx, t)
    return {
        "types_cles": {"presents": len(present), "total": len(keys), "liste": present,
                       "absents": [k for k in keys if k not in present]},
        "services_contact_source": contacts["contact_source"],
        "services": contacts["services"],
        "situations": situations,
        "situations_repondues": sum(1 for r in situations if r["repond"]),
    }


# --- legacy -------------------------------------------------------------------------------------


def legacy(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """Structures the convergence into the DAC should have retired, still presented as open."""
    hist = historical_types(ctx.ws)
    out: list[dict[str, Any]] = []
    for s in t.structures:
        reasons: list[str] = []
        absorbed = s.absorbee_par is not None and s.absorbee_par.depuis <= ctx.today
        if absorbed and s.statut == Statut.actif:
            assert s.absorbee_par is not None
            reasons.append(f"absorbée par {s.absorbee_par.structure} depuis le "
                           f"{s.absorbee_par.depuis:%d/%m/%Y} mais toujours « actif »")
        if s.type in hist and s.statut == Statut.actif:
            reasons.append(f"type historique {s.type} ({ctx.vocab.type_label(s.type)}) encore actif")
        old = [sv for sv in s.services if sv.type in hist and s.statut == Statut.actif
               and sv.statut == Statut.actif]
        if old:
            reasons.append("service(s) d'un type historique encore actif(s) : "
                           + ", ".join(f"{sv.id} ({sv.type})" for sv in old))
        if not reasons:
            continue
        listed = [sv for sv in s.services if is_listed(s, sv)]
        cover, _ = ctx.coverage(t)
        zone = set().union(*(cover.get(id(sv), set()) for sv in listed))
        out.append({
            "structure": s.id,
            "nom": s.nom,
            "type": s.type,
            "statut": s.statut.value,
            "absorbee_par": ({"structure": s.absorbee_par.structure,
                              "depuis": s.absorbee_par.depuis.isoformat()} if s.absorbee_par else None),
            "services": [sv.id for sv in (old or listed)],
            "raisons": reasons,
            **ctx.communes_field(zone),
            "population": ctx.population(zone),
            "fichier": t.files.get(s.id),
        })
    return sorted(out, key=lambda f: f["structure"])


# --- freshness, contacts, duplicates -------------------------------------------------------------


def stale(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """Structures (and services with their own verification) not checked within their review
    frequency, or never checked."""
    out: list[dict[str, Any]] = []

    def check(kind: str, ident: str, name: str, v: Any, structure: str) -> None:
        if v is None or v.derniere_verification is None:
            if kind == "structure":
                out.append({"nature": kind, "id": ident, "nom": name, "structure": structure,
                            "derniere_verification": None, "frequence_revue_mois": None, "mois": None,
                            "fichier": t.files.get(structure)})
            return
        months = months_since(v.derniere_verification, ctx.today)
        if months > v.frequence_revue_mois:
            out.append({"nature": kind, "id": ident, "nom": name, "structure": structure,
                        "derniere_verification": v.derniere_verification.isoformat(),
                        "frequence_revue_mois": v.frequence_revue_mois, "mois": months,
                        "fichier": t.files.get(structure)})

    for s in t.structures:
        if s.statut in (Statut.ferme, Statut.absorbe):
            continue  # a closed entry is kept for history, not for use
        check("structure", s.id, s.nom, s.verification, s.id)
        for sv in s.services:
            if sv.verification is not None:
                check("service", sv.id, sv.nom, sv.verification, s.id)
    return sorted(out, key=lambda f: (f["derniere_verification"] or "", f["id"]))


def missing_contacts(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """Open structures with no telephone, e-mail, site or form, on the structure nor its services."""
    out = []
    for s in t.structures:
        if s.statut in (Statut.ferme, Statut.absorbe):
            continue
        if _has_channel(s.contact) or any(_has_channel(sv.contact) for sv in s.services):
            continue
        out.append({"structure": s.id, "nom": s.nom, "type": s.type, "fichier": t.files.get(s.id)})
    return sorted(out, key=lambda f: f["structure"])


def _name_key(name: str) -> str:
    return " ".join(w for w in fold(name).split() if w not in _MOTS_VIDES)


def _similar_names(ka: str, kb: str) -> bool:
    """Folded names that probably designate the same place.

    token_set_ratio scores 100 when one name is contained in the other, and over 90 when two
    names share a long word and differ by a short one ("SSIAD Tilleuls" / "SSIAD Tulipes" would
    not, "EHPAD A" / "EHPAD B" would): so the words that differ must themselves be close (a typo),
    and a name contained in another needs two words in common ("CCAS" alone matches nothing).
    """
    from rapidfuzz import fuzz

    if ka == kb:
        return True
    if fuzz.token_set_ratio(ka, kb, processor=None) < SEUIL_NOM_SIMILAIRE:
        return False
    wa, wb = set(ka.split()), set(kb.split())
    rest_a, rest_b = " ".join(sorted(wa - wb)), " ".join(sorted(wb - wa))
    if rest_a and rest_b:
        return fuzz.ratio(rest_a, rest_b, processor=None) >= 80
    return len(wa & wb) >= 2


def duplicates(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """Pairs involving a structure of the territory: same FINESS or SIRET anywhere in the loaded
    data, or a similar name (accents folded) at an address in the same commune."""
    everything = _all_duplicates(ctx)
    by_structure = ctx.cache.get("duplicates_by_structure")
    if by_structure is None:
        by_structure = ctx.cache["duplicates_by_structure"] = {}
        for i, p in enumerate(everything):
            for s in p["structures"]:
                by_structure.setdefault(s["id"], []).append(i)
    found = sorted({i for s in t.structures for i in by_structure.get(s.id, ())})
    return [everything[i] for i in found]


def _all_duplicates(ctx: Context) -> list[dict[str, Any]]:
    """Every duplicate pair in the loaded data, computed once per report."""
    if "duplicates" in ctx.cache:
        return ctx.cache["duplicates"]
    pairs: dict[tuple[str, str], dict[str, Any]] = {}

    def add(a: tuple[Territory, Structure], b: tuple[Territory, Structure], reason: str) -> None:
        (ta, sa), (tb, sb) = sorted((a, b), key=lambda x: x[1].id)
        entry = pairs.setdefault((sa.id, sb.id), {
            "structures": [{"id": sa.id, "nom": sa.nom, "territoire": ta.id},
                           {"id": sb.id, "nom": sb.nom, "territoire": tb.id}],
            "raisons": []})
        if reason not in entry["raisons"]:
            entry["raisons"].append(reason)

    by_id: dict[tuple[str, str], list[tuple[Territory, Structure]]] = {}
    by_commune: dict[str, list[tuple[Territory, Structure]]] = {}
    for u in ctx.ws.territories:
        for s in u.structures:
            for f in s.identifiants.finess:
                by_id.setdefault(("FINESS", f), []).append((u, s))
            if s.identifiants.siret:
                by_id.setdefault(("SIRET", s.identifiants.siret), []).append((u, s))
            if s.adresse and s.adresse.commune:
                c = ctx.geo.get(s.adresse.commune)
                code = ctx.geo.current(c).code if c else s.adresse.commune
                by_commune.setdefault(code, []).append((u, s))
    for (kind, value), holders in sorted(by_id.items()):
        for i, a in enumerate(holders):
            for b in holders[i + 1:]:
                if a[1].id != b[1].id:
                    add(a, b, f"même {kind} {value}")
    from rapidfuzz import fuzz, process

    for code, group in sorted(by_commune.items()):
        if len(group) < 2:
            continue
        keys = [_name_key(s.nom) for _, s in group]  # folded only where two structures share a commune
        for i, ((ua, sa), ka) in enumerate(zip(group, keys)):
            if not ka:
                continue
            # The first, cheap test runs in rapidfuzz over the rest of the commune's structures.
            close = process.extract(ka, keys[i + 1:], scorer=fuzz.token_set_ratio, processor=None,
                                    score_cutoff=SEUIL_NOM_SIMILAIRE, limit=None)
            for kb, _score, j in close:
                ub, sb = group[i + 1 + j]
                if sa.id != sb.id and kb and _similar_names(ka, kb):
                    c = ctx.geo.actuelles.get(code)
                    add((ua, sa), (ub, sb), f"noms proches à {c.nom if c else code}")
    ctx.cache["duplicates"] = [pairs[k] for k in sorted(pairs)]
    return ctx.cache["duplicates"]


# --- score --------------------------------------------------------------------------------------


def score(ctx: Context, t: Territory, coverage: list[dict[str, Any]], ov: list[dict[str, Any]],
          lg: list[dict[str, Any]]) -> dict[str, Any]:
    total_pop = ctx.perimeter_population(t)
    parts: list[dict[str, Any]] = []

    def part(code: str, label: str, weight: int, value: float, why: str) -> None:
        value = max(0.0, min(1.0, value))
        parts.append({"code": code, "libelle": label, "poids": weight, "valeur": round(value, 4),
                      "points": round(weight * value, 1), "explication": why})

    cov_value = sum(r["part"] for r in coverage) / len(coverage) if coverage else 0.0
    absent = [r["type"] for r in coverage if r["part"] == 0]
    partial = [r["type"] for r in coverage if 0 < r["part"] < 1]
    why = f"{len(coverage) - len(absent) - len(partial)} type(s) clé(s) sur {len(coverage)} couvrent tout le périmètre"
    if partial:
        why += f" ; partiels : {', '.join(partial)}"
    if absent:
        why += f" ; absents : {', '.join(absent)}"
    part("couverture", "Couverture des types clés", POIDS_COUVERTURE, cov_value,
         why + " (moyenne des parts de population couvertes)")

    overlapped: set[str] = set()
    for f in ov:
        overlapped.update(f["communes"])
    pop = ctx.population(overlapped)
    share = _share(pop, total_pop)
    part("chevauchements", "Peu de chevauchements", POIDS_CHEVAUCHEMENTS, 1 - share,
         f"{len(ov)} chevauchement(s) ; {round(share * 100)} % de la population vit dans une commune où deux "
         "services se chevauchent" if ov else "aucun chevauchement")

    live = [s for s in t.structures if s.statut not in (Statut.ferme, Statut.absorbe)]
    entries = 0
    fresh = 0
    for s in live:
        for v in [s.verification] + [sv.verification for sv in s.services if sv.verification]:
            entries += 1
            if v and v.derniere_verification and months_since(v.derniere_verification, ctx.today) <= \
                    v.frequence_revue_mois:
                fresh += 1
    part("fraicheur", "Fraîcheur des fiches", POIDS_FRAICHEUR, fresh / entries if entries else 1.0,
         f"{fresh} fiche(s) sur {entries} vérifiée(s) dans leur délai de revue" if entries
         else "aucune fiche à vérifier")

    part("historiques", "Pas de dispositif historique affiché actif", POIDS_HISTORIQUES,
         1 - PENALITE_HISTORIQUE * len(lg),
         f"{len(lg)} structure(s) historique(s) ou absorbée(s) encore active(s) "
         f"(−{round(PENALITE_HISTORIQUE * 100)} % de la part chacune)" if lg else "aucune")

    with_contact = sum(1 for s in live if _has_channel(s.contact) or any(_has_channel(sv.contact)
                                                                          for sv in s.services))
    with_source = sum(1 for s in live if s.sources)
    n = len(live)
    value = ((with_contact + with_source) / (2 * n)) if n else 0.0
    part("completude", "Contacts et sources renseignés", POIDS_COMPLETUDE, value,
         f"{with_contact}/{n} structure(s) avec un moyen de contact, {with_source}/{n} avec une source"
         if n else "aucune structure ouverte")

    total = round(sum(p["points"] for p in parts))
    return {"total": int(total), "parties": parts}


# --- thresholds for CI --------------------------------------------------------------------------

FAIL_ALIASES = {
    "gaps": "lacunes", "lacunes": "lacunes",
    "overlaps": "chevauchements", "chevauchements": "chevauchements",
    "legacy": "historiques", "historiques": "historiques",
    "stale": "anciennes", "anciennes": "anciennes",
}


def parse_fail_on(text: str | None) -> list[str]:
    """`gaps,overlaps` -> ["lacunes", "chevauchements"]; raises ValueError on an unknown word."""
    if not text:
        return []
    out: list[str] = []
    for word in (w.strip().lower() for w in text.split(",")):
        if not word:
            continue
        if word not in FAIL_ALIASES:
            raise ValueError(word)
        if FAIL_ALIASES[word] not in out:
            out.append(FAIL_ALIASES[word])
    return out


def failures(report: dict[str, Any], kinds: Sequence[str], min_score: int | None) -> list[str]:
    """French reasons why a CI run should fail; empty when it passes. Reads only each territory's
    `id`, `score.total` and `synthese` (what a streamed report keeps)."""
    out: list[str] = []
    labels = {"lacunes": "lacune(s)", "chevauchements": "chevauchement(s)",
              "historiques": "structure(s) historique(s) encore active(s)",
              "anciennes": "fiche(s) ancienne(s)"}
    for t in report["territoires"]:
        for kind in kinds:
            n = t["synthese"][kind]
            if n:
                out.append(f"{t['id']} : {n} {labels[kind]}")
        # The national layer has no score (see national_report): no threshold applies to it.
        if min_score is not None and t["score"]["total"] is not None and t["score"]["total"] < min_score:
            out.append(f"{t['id']} : score {t['score']['total']} inférieur au minimum {min_score}")
    return out
