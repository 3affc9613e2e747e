"""The directory as data: territories with counts, who covers a commune, one structure's sheet,
fuzzy search. Returns plain dicts (the JSON output); renderers turn them into tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.load.geo import Commune, Geo, fold
from orienter.store.index import Index
from orienter.load.model import Service, Structure, to_data
from orienter.load.territory import Territory
from orienter.load.workspace import Workspace

NON_RENSEIGNE = "non renseigné"


def territories_summary(ws: Workspace, today: date | None = None) -> list[dict[str, Any]]:
    """One row per territory, real first. `couverture`, for every local territory (None for the
    national layer, which covers no perimeter): key types of the four situations present,
    services with a sourced contact route, situations a local service answers (see
    checks.coverage_summary; the same figures as `rapport`)."""
    from orienter.directory.checks import Context, coverage_summary

    ctx = Context(ws, Index(ws.territories, ws.geo), today or date.today())
    rows = []
    for t in sorted(ws.territories, key=lambda t: (t.model.fictif, t.national, t.id)):
        services = [sv for s in t.structures for sv in s.services]
        checked = [s.verification.derniere_verification for s in t.structures
                   if s.verification and s.verification.derniere_verification]
        cov = coverage_summary(ctx, t)
        ctx.forget(t)  # the communes each service covers here: hundreds of megabytes nationally
        rows.append({
            "id": t.id,
            "nom": t.model.nom,
            "fictif": t.model.fictif,
            "national": t.national,
            "structures": len(t.structures),
            "services": len(services),
            "types": len({sv.type for sv in services}),
            "communes": len(t.communes),
            "population": t.model.population or ws.geo.population(t.communes),
            "verifie_le": max(checked).isoformat() if checked else None,
            "couverture": None if cov is None else {
                "types_cles_presents": cov["types_cles"]["presents"],
                "types_cles": cov["types_cles"]["total"],
                "types_cles_absents": cov["types_cles"]["absents"],
                "services_contact_source": cov["services_contact_source"],
                "services_listes": cov["services"],
                "situations_repondues": cov["situations_repondues"],
                "situations": [{"code": r["code"], "libelle": r["libelle"], "repond": r["repond"],
                                **({"raison": r["raison"]} if not r["repond"] else {})}
                               for r in cov["situations"]],
            },
        })
    return rows


def resolve_commune(ws: Workspace, query: str) -> Commune:
    return resolve_in(ws.geo, query)


def resolve_in(geo: Geo, query: str) -> Commune:
    res = geo.resolve(query)
    if res.commune is not None:
        return res.commune
    if res.candidats:
        choices = "\n".join(f"  - {c.nom} ({c.code}, {c.departement})" for c in res.candidats)
        raise OrienterError(f"Commune « {query} » ambiguë : précisez le code INSEE ou le département.\n"
                            f"Candidates :\n{choices}", ExitCode.INPUT)
    raise OrienterError(f"Commune « {query} » introuvable : écrivez son nom, son code INSEE ou son code "
                        "postal (essayez `orienter communes \"début du nom\"`).", ExitCode.INPUT)


def structures_list(ws: Workspace, index: Index, territoire: str | None = None, type_: str | None = None,
                    commune: str | None = None) -> dict[str, Any]:
    place = resolve_commune(ws, commune) if commune else None
    type_ = type_code(ws, type_) if type_ else None
    territories = [ws.territory(territoire)] if territoire else ws.territories
    wanted = {t.id for t in territories}
    rows: dict[str, dict[str, Any]] = {}
    entries = index.covering(place) if place else index.entries
    for e in entries:
        if e.territory.id not in wanted:
            continue
        if type_ and e.service.type != type_ and e.structure.type != type_:
            continue
        row = rows.setdefault(e.structure.id, _structure_row(e.territory, e.structure))
        row["services"].append({"id": e.service.id, "nom": e.service.nom, "type": e.service.type,
                                "niveau": _level(ws, e.service)})
    if not place and not type_:
        for t in territories:  # structures without services are part of the directory too
            for s in t.structures:
                rows.setdefault(s.id, _structure_row(t, s))
    # Active coordination first; absorbed or closed structures stay listed (history) but last.
    ordered = sorted(rows.values(), key=lambda r: (r["fictif"], r["statut"] != "actif", _level_rank(r),
                                                   r["territoire"], r["nom"]))
    return {
        "commune": {"code": place.code, "nom": place.nom} if place else None,
        "fictif": any(r["fictif"] for r in ordered),
        "structures": ordered,
    }


def type_code(ws: Workspace, given: str) -> str:
    """A type code as the vocabulary spells it, whatever the case (`csapa` is `CSAPA`)."""
    if given in ws.vocab.types:
        return given
    by_fold = {fold(code): code for code in ws.vocab.types}
    found = by_fold.get(fold(given))
    if found is None:
        raise OrienterError(f"Type « {given} » inconnu. Types : {', '.join(sorted(ws.vocab.types))}.",
                            ExitCode.INPUT)
    return found


_LEVELS = ["acces_direct", "premier_recours", "appui", "specialise", "institutionnel"]


def _level_rank(row: dict[str, Any]) -> int:
    levels = [_LEVELS.index(s["niveau"]) for s in row["services"] if s["niveau"] in _LEVELS]
    # Coordination structures first: "who do I call for support" is the usual question.
    return 0 if any(s["niveau"] == "appui" for s in row["services"]) else (min(levels) + 1 if levels else 9)


def _level(ws: Workspace, sv: Service) -> str:
    if sv.niveau:
        return sv.niveau.value
    t = ws.vocab.types.get(sv.type)
    return t.niveau.value if t else ""


def _structure_row(t: Territory, s: Structure) -> dict[str, Any]:
    return {"id": s.id, "nom": s.nom, "type": s.type, "statut": s.statut.value, "territoire": t.id,
            "fictif": t.model.fictif, "services": []}


def structure_sheet(ws: Workspace, index: Index, ident: str) -> dict[str, Any]:
    for t in ws.territories:
        for s in t.structures:
            if s.id == ident or any(sv.id == ident for sv in s.services):
                return _sheet(ws, index, t, s)
    from rapidfuzz import process

    ids = [s.id for t in ws.territories for s in t.structures]
    close = process.extract(ident, ids, limit=3, score_cutoff=60)
    hint = (" Vouliez-vous : " + ", ".join(c[0] for c in close) + " ?") if close else ""
    raise OrienterError(f"Aucune structure ni service « {ident} ».{hint} "
                        "(`orienter cherche TEXTE` pour chercher par nom)", ExitCode.INPUT)


def _sheet(ws: Workspace, index: Index, t: Territory, s: Structure) -> dict[str, Any]:
    def contact(c: Any) -> dict[str, Any]:
        keys = ("telephone", "courriel", "site", "formulaire")
        return {k: (getattr(c, k) if c and getattr(c, k) else None) for k in keys} | (
            {"source": c.source} if c and c.source else {})

    def public(code: str) -> str:
        return ws.vocab.publics[code].libelle if code in ws.vocab.publics else code

    services = []
    for sv in s.services:
        communes = index.service_communes(sv)
        services.append({
            "id": sv.id, "nom": sv.nom, "type": sv.type, "type_libelle": ws.vocab.type_label(sv.type),
            "niveau": _level(ws, sv), "statut": sv.statut.value, "description": sv.description,
            "besoins": [{"code": b, "libelle": ws.vocab.need_label(b)} for b in sv.besoins],
            "publics": to_data(sv.publics),
            "acces": to_data(sv.acces),
            "zone": to_data(sv.zone, drop_empty=True) if sv.zone else None,
            "couverture": {"communes": len(communes), "population": ws.geo.population(communes)},
            "modes": [m.value for m in sv.modes], "horaires": sv.horaires,
            "suspension": to_data(sv.suspension) if sv.suspension else None,
            "contact": contact(sv.contact) if sv.contact else None,
            # French words for the codes above, for the people who read the sheet.
            "libelles": {"publics_inclus": [public(p) for p in sv.publics.inclus],
                         "publics_exclus": [public(p) for p in sv.publics.exclus],
                         "orienteurs": [ws.vocab.orienteurs.get(o, o) for o in sv.acces.orienteurs]},
        })
    v = s.verification
    return {
        "territoire": {"id": t.id, "nom": t.model.nom, "fictif": t.model.fictif},
        "id": s.id, "nom": s.nom, "sigle": s.sigle, "type": s.type, "nature": s.nature,
        "statut": s.statut.value, "description": s.description,
        "identifiants": to_data(s.identifiants, drop_empty=True),
        "adresse": (to_data(s.adresse) | {"commune_nom": _commune_name(ws, s.adresse.commune)}) if s.adresse else None,
        "contact": contact(s.contact),
        "porteur": s.porteur, "partenaires": s.partenaires,
        "absorbee_par": to_data(s.absorbee_par) if s.absorbee_par else None,
        "historique": [to_data(e) for e in s.historique],
        "services": services,
        "sources": [to_data(src) for src in s.sources],
        "verification": to_data(v) if v else None,
        "noms": _names(ws, [*s.partenaires, *([s.porteur] if s.porteur else []),
                            *([s.absorbee_par.structure] if s.absorbee_par else []),
                            *(x for e in s.historique for x in e.structures)]),
        "a_jour": _fresh(v.derniere_verification, v.frequence_revue_mois) if v and v.derniere_verification else False,
    }


def _commune_name(ws: Workspace, code: str | None) -> str | None:
    place = ws.geo.get(code) if code else None
    return place.nom if place else None


def _names(ws: Workspace, idents: list[str]) -> dict[str, str]:
    """Names of the structures a sheet refers to, for people who do not read identifiers."""
    wanted = set(idents)
    return {s.id: s.nom for t in ws.territories for s in t.structures if s.id in wanted}


def _fresh(checked: date, months: int) -> bool:
    today = date.today()
    return (today.year - checked.year) * 12 + today.month - checked.month <= months


def search(ws: Workspace, text: str, limit: int = 15, index: Index | None = None,
           commune: str | None = None) -> list[dict[str, Any]]:
    """Structures whose name, sigle, type or needs resemble `text`; with `commune`, only those
    with a listed service covering it. An exact type code or sigle ranks above a name."""
    from rapidfuzz import fuzz

    query = fold(text)
    if not query:
        raise OrienterError("Texte de recherche vide : écrivez un nom, un type ou un besoin.", ExitCode.INPUT)
    covering: set[str] | None = None
    if commune is not None:
        from orienter.store.index import Index as _Index

        place = resolve_commune(ws, commune)
        covering = {e.structure.id for e in (index or _Index(ws.territories, ws.geo)).covering(place)}
    scored: list[tuple[int, float, str, dict[str, Any]]] = []
    for t in ws.territories:
        for s in t.structures:
            if covering is not None and s.id not in covering:
                continue
            codes = [s.sigle or "", s.type or "", *(sv.type for sv in s.services)]
            exact = any(query == fold(c) for c in codes if c)
            fields = [s.nom, s.sigle or "", s.type or "", s.description or ""]
            for sv in s.services:
                fields += [sv.nom, sv.type, ws.vocab.type_label(sv.type)]
                fields += [ws.vocab.need_label(b) for b in sv.besoins] + sv.besoins
            haystack = [fold(f) for f in fields if f]
            best = 100.0 if exact else max((_score(fuzz, query, h) for h in haystack), default=0.0)
            if best >= 70:
                scored.append((0 if exact else 1, best, s.id, {
                    "id": s.id, "nom": s.nom, "type": s.type, "territoire": t.id, "fictif": t.model.fictif,
                    "score": round(best / 100, 2), "correspondance": "type ou sigle" if exact else "texte",
                    "services": [sv.type for sv in s.services]}))
    scored.sort(key=lambda x: (x[0], -x[1], x[2]))
    return [row for _, _, _, row in scored[:limit]]


def _score(fuzz: Any, query: str, hay: str) -> float:
    if query == hay or f" {query} " in f" {hay} ":
        return 100.0
    return float(max(fuzz.token_set_ratio(query, hay, processor=None),
                     fuzz.partial_ratio(query, hay, processor=None) if len(query) >= 4 else 0) * 0.95)
