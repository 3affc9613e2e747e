"""Territory diagnostics for the people who keep a directory readable.

Five families of findings, all plain data (dicts ready for JSON), never printed here:

- ``chevauchements`` (overlaps, the *millefeuille*): two services of different structures, of the
  same type or answering the same need for the same public, on the same communes;
- ``lacunes`` (gaps): communes of the perimeter that no available service of a key type, or no
  available service answering a need, covers;
- ``historiques`` (legacy): structures absorbed by a DAC (or CLIC merged) still listed active,
  structures or services of a historical type (MAIA, PTA, réseau, CTA) still active;
- ``fraicheur`` (freshness): entries not checked within their review frequency, structures that
  give no way to reach them, duplicate candidates;
- a readability score from 0 to 100 whose parts are explained.

Vocabulary used below (an interpretation, written once):
- a service is *listed* when its structure and itself are ``actif`` or ``suspendu``: it is part of
  the landscape a professional sees, so it counts for overlaps;
- a service is *available* when both are ``actif`` and no suspension runs today: only available
  services close a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

from orienter.load.geo import fold
from orienter.store.index import Entry, Index
from orienter.load.model import Service, Statut, Structure
from orienter.load.validation import Territory
from orienter.load.workspace import Workspace

SCHEMA = "orienter/rapport@1"

BANDEAU_FICTIF = ("FICTIF : territoire de formation, données inventées ; ces structures n'existent pas, "
                  "ne les contactez pas.")

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


@dataclass
class Context:
    ws: Workspace
    index: Index
    today: date
    cache: dict[Any, Any] = field(default_factory=dict)  # per report: coverage, absorbers, duplicates
    _pop: dict[str, int] = field(default_factory=dict)

    @property
    def geo(self) -> Any:
        return self.ws.geo

    @property
    def vocab(self) -> Any:
        return self.ws.vocab

    def population(self, codes: Iterable[str]) -> int:
        pop = self._pop
        total = 0
        for code in codes:
            n = pop.get(code)
            if n is None:
                c = self.geo.actuelles.get(code)
                n = pop[code] = c.population if c else 0
            total += n
        return total

    def communes_field(self, codes: set[str]) -> dict[str, Any]:
        """`communes`: every INSEE code, most populated first; `communes_exemples`: the names of the
        first ones, for people. Codes only in full: a national report lists many thousands."""
        self.population(codes)
        ordered = sorted(codes, key=lambda c: (-self._pop[c], c))
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

    def coverage(self, t: Territory) -> tuple[dict[int, set[str]], list[Entry]]:
        """id(service) -> the perimeter communes it covers, and the entries touching the perimeter
        (index order). Built by asking the index who covers each commune of the perimeter, rather
        than expanding every zone: a region-wide zone is thousands of communes, many times over."""
        key = ("coverage", t.id)
        if key not in self.cache:
            here: dict[int, set[str]] = {}
            touching: dict[int, tuple[int, Entry]] = {}
            order = self.cache.setdefault("order", {id(e.service): i for i, e in enumerate(self.index.entries)})
            for code in t.communes:
                c = self.geo.actuelles.get(code)
                if c is None:
                    continue
                for e in self.index.covering(c):
                    k = id(e.service)
                    here.setdefault(k, set()).add(code)
                    touching.setdefault(k, (order.get(k, 0), e))
            self.cache[key] = (here, [e for _, e in sorted(touching.values(), key=lambda x: x[0])])
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
                 index: Index | None = None) -> dict[str, Any]:
    """The whole report as plain data: one entry per territory, sorted (real first, then by id)."""
    today = today or date.today()
    ctx = Context(ws, index or Index(ws.territories, ws.geo), today)
    chosen = [ws.territory(i) for i in territory_ids] if territory_ids else list(ws.territories)
    chosen = sorted({t.id: t for t in chosen}.values(), key=lambda t: (t.model.fictif, t.id))
    errors = sum(1 for d in ws.diagnostics if d.level == "error")
    warnings = sum(1 for d in ws.diagnostics if d.level == "warning")
    return {
        "schema": SCHEMA,
        "date": today.isoformat(),
        "validation": {"erreurs": errors, "avertissements": warnings},
        "types_cles": {k: list(v) for k, v in KEY_TYPES.items()},
        "territoires": [territory_report(ctx, t) for t in chosen],
    }


def territory_report(ctx: Context, t: Territory) -> dict[str, Any]:
    ov = overlaps(ctx, t)
    gp = gaps(ctx, t)
    lg = legacy(ctx, t)
    st = stale(ctx, t)
    nc = missing_contacts(ctx, t)
    du = duplicates(ctx, t)
    cov = coverage_by_type(ctx, t)
    sc = score(ctx, t, cov, ov, lg)
    services = [sv for s in t.structures for sv in s.services]
    return {
        "id": t.id,
        "nom": t.model.nom,
        "fictif": t.model.fictif,
        # JSON readers (dashboards, CI logs) show the banner too: a fictional territory must never
        # pass for a real one once copied somewhere else.
        **({"bandeau": BANDEAU_FICTIF} if t.model.fictif else {}),
        "structures": len(t.structures),
        "services": len(services),
        "communes": len(t.communes),
        "population": ctx.perimeter_population(t),
        "score": sc,
        "chevauchements": ov,
        "lacunes": gp,
        "historiques": lg,
        "fraicheur": {"anciennes": st, "sans_contact": nc, "doublons": du},
        "couverture_types": cov,
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


# --- overlaps -----------------------------------------------------------------------------------


def _publics(sv: Service) -> set[str]:
    return set(sv.publics.inclus) or {"tous-publics"}


def _ages_disjoint(a: Service, b: Service) -> bool:
    lo_a, hi_a = a.publics.age_min or 0, a.publics.age_max if a.publics.age_max is not None else 200
    lo_b, hi_b = b.publics.age_min or 0, b.publics.age_max if b.publics.age_max is not None else 200
    return hi_a < lo_b or hi_b < lo_a


def _family(code: str) -> str:
    return TYPE_FAMILY.get(code, code)


def _level(ctx: Context, sv: Service) -> str:
    if sv.niveau:
        return sv.niveau.value
    t = ctx.vocab.types.get(sv.type)
    return t.niveau.value if t else ""


def _link(a: Structure, b: Structure) -> str | None:
    """How two structures say they work together, if they do (an organised overlap)."""
    if a.porteur == b.id or b.porteur == a.id:
        return "porteur"
    if b.id in a.partenaires or a.id in b.partenaires:
        return "partenaires"
    if (a.absorbee_par and a.absorbee_par.structure == b.id) or (b.absorbee_par and b.absorbee_par.structure == a.id):
        return "absorption"
    return None


def overlaps(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """Pairs of listed services of the territory, from different structures, that serve the same
    people on the same communes of the perimeter:

    - ``type``: same type (or family: SSIAD and SAD, MDPH and MDA) with publics that meet
      (``tous-publics`` meets every public);
    - ``besoin``: different types at the same level of recourse answering a shared need for exactly
      the same publics. Different levels are the gradation of recourse (DOMAIN §4), not a
      duplicate: a DAC and an HAD both organise hospital discharges, at different levels.

    Types where several offers per commune are the norm (``PLURAL_TYPES``) are left out, and
    explicit age bounds that do not meet rule a pair out. Structures that declare a link
    (partners, carried by, absorbed by) are still reported, with the link: the overlap is then
    organised, which a reader should know.
    """
    here, _ = ctx.coverage(t)
    items = [(s, sv) for s in t.structures for sv in s.services
             if is_listed(s, sv) and sv.type not in PLURAL_TYPES and here.get(id(sv))]
    # Only services sharing a type family or a need can overlap: bucket them instead of trying
    # every pair (a département lists hundreds of services).
    buckets: dict[str, list[int]] = {}
    for i, (_, sv) in enumerate(items):
        buckets.setdefault(f"t:{_family(sv.type)}", []).append(i)
        for need in set(sv.besoins):
            buckets.setdefault(f"b:{need}", []).append(i)
    candidates = sorted({(x, y) for members in buckets.values() for k, x in enumerate(members)
                         for y in members[k + 1:]})
    found: list[dict[str, Any]] = []
    for i, j in candidates:
        (sa, a), (sb, b) = items[i], items[j]
        if sa.id == sb.id or _ages_disjoint(a, b):
            continue
        pa, pb = _publics(a), _publics(b)
        common_needs = sorted(set(a.besoins) & set(b.besoins))
        if _family(a.type) == _family(b.type):
            if not (pa & pb or "tous-publics" in pa or "tous-publics" in pb):
                continue
            nature = "type"
            common_publics = sorted(pa & pb) or sorted((pa | pb) - {"tous-publics"})
        else:
            if not common_needs or pa != pb or _level(ctx, a) != _level(ctx, b):
                continue
            nature = "besoin"
            common_publics = sorted(pa)
        shared = here[id(a)] & here[id(b)]
        if not shared:
            continue
        first, second = sorted(((sa, a), (sb, b)), key=lambda x: x[1].id)
        pop = ctx.population(shared)
        found.append({
            "nature": nature,
            "services": [_service_ref(ctx, *first), _service_ref(ctx, *second)],
            "types": sorted({a.type, b.type}),
            "besoins": common_needs,
            "publics": common_publics,
            "lien": _link(sa, sb),
            **ctx.communes_field(shared),
            "population": pop,
            "part": _share(pop, ctx.perimeter_population(t)),
        })
    found.sort(key=lambda f: (-f["population"], f["nature"] != "type", f["services"][0]["id"],
                              f["services"][1]["id"]))
    return found


def _service_ref(ctx: Context, s: Structure, sv: Service) -> dict[str, Any]:
    return {"id": sv.id, "nom": sv.nom, "type": sv.type, "structure": s.id, "structure_nom": s.nom,
            "statut": sv.statut.value if s.statut == Statut.actif else s.statut.value,
            "suspendu": is_suspended(sv, ctx.today)}


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# --- gaps ---------------------------------------------------------------------------------------


def _pool(ctx: Context, t: Territory) -> list[tuple[Structure, Service, set[str]]]:
    """Services that may cover the territory, with the perimeter communes each one covers: every
    loaded territory's, but a fictional territory only counts fictional services and a real one
    only real services."""
    here, touching = ctx.coverage(t)
    fictional = t.model.fictif
    return [(e.structure, e.service, here[id(e.service)]) for e in touching if e.fictif == fictional]


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


def gaps(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """For each key type, then each need of the vocabulary: perimeter communes no available
    service covers. Services only suspended today are named, as they would close the gap."""
    pool = _pool(ctx, t)
    here_of = {id(sv): here for _, sv, here in pool}
    absorbers = _absorbers(ctx, t.model.fictif)
    total = ctx.perimeter_population(t)
    out: list[dict[str, Any]] = []

    def finding(nature: str, code: str, label: str, match: Any) -> None:
        covered: set[str] = set()
        suspended: list[tuple[Structure, Service]] = []
        for s, sv, here in pool:
            if not match(s, sv):
                continue
            if is_available(s, sv, ctx.today):
                covered |= here
            elif is_suspended(sv, ctx.today) and s.statut == Statut.actif and sv.statut == Statut.actif:
                suspended.append((s, sv))
        missing = t.communes - covered
        if not missing:
            return
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
        })

    for key, types in KEY_TYPES.items():
        counted = set(types)
        via = set().union(*(absorbers.get(x, set()) for x in types))
        finding("type", key, ctx.vocab.type_label(key),
                lambda s, sv, counted=counted, via=via: sv.type in counted or s.id in via)
    for code in ctx.vocab.besoins:
        finding("besoin", code, ctx.vocab.need_label(code), lambda s, sv, code=code: code in sv.besoins)
    return out


def coverage_by_type(ctx: Context, t: Territory) -> list[dict[str, Any]]:
    """Share of the perimeter population covered, per key type (the bars of the HTML report)."""
    pool = _pool(ctx, t)
    absorbers = _absorbers(ctx, t.model.fictif)
    total = ctx.perimeter_population(t)
    rows = []
    for key, types in KEY_TYPES.items():
        via = set().union(*(absorbers.get(x, set()) for x in types))
        covered: set[str] = set()
        count = 0
        for s, sv, here in pool:
            if (sv.type in types or s.id in via) and is_available(s, sv, ctx.today):
                covered |= here
                count += 1
        pop = ctx.population(covered)
        rows.append({"type": key, "libelle": ctx.vocab.type_label(key), "services": count,
                     "communes": len(covered), "population": pop, "part": _share(pop, total)})
    return rows


def matrix(ctx: Context, t: Territory) -> dict[str, Any]:
    """Needs x service types: available services of the pool touching the perimeter, and the share
    of the perimeter population they cover. Columns: key types, then other types in use."""
    pool = [(sv, here) for s, sv, here in _pool(ctx, t) if is_available(s, sv, ctx.today)]
    used = {sv.type for sv, _ in pool}
    hist = historical_types(ctx.ws)
    types = [k for k in KEY_TYPES] + sorted((used - set(KEY_TYPES)) - hist) + sorted(used & hist)
    needs = list(ctx.vocab.besoins)
    total = ctx.perimeter_population(t)
    cells: list[list[dict[str, Any]]] = []
    for need in needs:
        row = []
        for ty in types:
            covered: set[str] = set()
            n = 0
            for sv, here in pool:
                if sv.type == ty and need in sv.besoins:
                    covered |= here
                    n += 1
            spec = ctx.vocab.types.get(ty)
            row.append({"services": n, "part": _share(ctx.population(covered), total),
                        # the vocabulary says this type answers this need: an empty cell is a hole
                        "attendu": bool(spec and need in spec.besoins)})
        cells.append(row)
    return {"besoins": [{"code": b, "libelle": ctx.vocab.need_label(b)} for b in needs],
            "types": [{"code": ty, "libelle": ctx.vocab.type_label(ty)} for ty in types],
            "cellules": cells}


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


_CHANNELS = ("telephone", "courriel", "site", "formulaire")


def _has_channel(contact: Any) -> bool:
    return contact is not None and any(getattr(contact, k) for k in _CHANNELS)


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
    mine = {s.id for s in t.structures}
    return [p for p in _all_duplicates(ctx) if p["structures"][0]["id"] in mine or p["structures"][1]["id"] in mine]


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
    by_commune: dict[str, list[tuple[Territory, Structure, str]]] = {}
    for u in ctx.ws.territories:
        for s in u.structures:
            for f in s.identifiants.finess:
                by_id.setdefault(("FINESS", f), []).append((u, s))
            if s.identifiants.siret:
                by_id.setdefault(("SIRET", s.identifiants.siret), []).append((u, s))
            if s.adresse and s.adresse.commune:
                c = ctx.geo.get(s.adresse.commune)
                code = ctx.geo.current(c).code if c else s.adresse.commune
                by_commune.setdefault(code, []).append((u, s, _name_key(s.nom)))
    for (kind, value), holders in sorted(by_id.items()):
        for i, a in enumerate(holders):
            for b in holders[i + 1:]:
                if a[1].id != b[1].id:
                    add(a, b, f"même {kind} {value}")
    for code, group in sorted(by_commune.items()):
        for i, (ua, sa, ka) in enumerate(group):
            for ub, sb, kb in group[i + 1:]:
                if sa.id == sb.id or not ka or not kb:
                    continue
                if _similar_names(ka, kb):
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
    """French reasons why a CI run should fail; empty when it passes."""
    out: list[str] = []
    labels = {"lacunes": "lacune(s)", "chevauchements": "chevauchement(s)",
              "historiques": "structure(s) historique(s) encore active(s)",
              "anciennes": "fiche(s) ancienne(s)"}
    for t in report["territoires"]:
        for kind in kinds:
            n = len(t["fraicheur"]["anciennes"]) if kind == "anciennes" else len(t[kind])
            if n:
                out.append(f"{t['id']} : {n} {labels[kind]}")
        if min_score is not None and t["score"]["total"] < min_score:
            out.append(f"{t['id']} : score {t['score']['total']} inférieur au minimum {min_score}")
    return out
