"""Import data·inclusion v1 exports (structures and services of the GIP de l'inclusion's open data)
into a territory.

Every record is checked with the official schema package (`data_inclusion.schema.v1.Structure`
and `.Service`); a record that fails is reported (file, record number, id, field) and skipped.
Only structures whose network (`reseaux_porteurs`) maps to an orienter type are kept
(rules/correspondances/data-inclusion.yaml): most of data·inclusion is employment and training,
outside this directory. Thematiques become needs, publics become publics, `zone_eligibilite`
becomes the zone (given by the source, so not provisional). The same three-way merge as FINESS
applies on re-import; a structure absent from a later export is reported, not closed (data·inclusion
drops structures for quality reasons, not only closures).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from orienter.core.diagnostics import OrienterError
from orienter.core.paths import display_path
from orienter.load.geo import Geo
from orienter.load.vocabulary import Vocabulary
from orienter.registers import merge, writer
from orienter.registers.mapping import DIMapping, load_di_mapping
from orienter.registers.records import Record, slug, territory_document

DI_OWNED = ("nom", "statut", "identifiants.siret", "adresse.ligne", "adresse.complement", "adresse.code_postal",
            "adresse.commune", "adresse.latitude", "adresse.longitude", "contact.telephone", "contact.courriel",
            "contact.site", "contact.source")
MARK = "Registre data·inclusion"
LABEL = "data·inclusion (export open data, schéma v1)"
MAX_REPORTED = 20


def read_records(paths: list[Path]) -> tuple[list[tuple[str, int, dict[str, Any]]], list[tuple[str, int, dict[str, Any]]]]:
    """(file, record number, data) of structures and of services, told apart by `structure_id`."""
    structures, services = [], []
    for path in paths:
        shown = display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise OrienterError(f"{shown} : lecture impossible ({exc.strerror or exc}).") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise OrienterError(f"{shown}:{line}: le fichier n'est pas en UTF-8 (octet 0x{raw[exc.start]:02X}) : "
                                "re-téléchargez l'export data·inclusion au format JSON.") from None
        items = _parse(text, shown)
        for i, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise OrienterError(f"{shown} : enregistrement {i} : un objet JSON était attendu. Ce fichier n'est pas "
                                    "un export data·inclusion (structures.json ou services.json).")
            (services if "structure_id" in item else structures).append((shown, i, item))
    return structures, services


def _parse(text: str, shown: str) -> list[Any]:
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            data = json.loads(text)
            return data if isinstance(data, list) else [data]
        return [json.loads(line) for line in text.splitlines() if line.strip()]  # JSON lines
    except json.JSONDecodeError as exc:
        raise OrienterError(f"{shown}:{exc.lineno}:{exc.colno}: JSON invalide ({exc.msg}) : fichier tronqué ? "
                            "Re-téléchargez l'export data·inclusion.") from None


def _validate(items: list[tuple[str, int, dict[str, Any]]], model: Any, plan: merge.Plan) -> list[Any]:
    import pydantic

    out = []
    for shown, i, item in items:
        try:
            out.append(model.model_validate(item))
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ()))
            plan.skip("refusés par data-inclusion-schema")
            if len(plan.notes) < MAX_REPORTED:
                plan.notes.append(f"{shown} : enregistrement {i} (id {item.get('id', '?')}) : {where} : {err.get('msg')}")
    return out


def import_data_inclusion(req: Any) -> merge.Plan:
    from data_inclusion.schema import v1

    from orienter.registers.importer import load_rules

    vocab, geo = load_rules(req.rules)
    dmap = load_di_mapping(req.rules, vocab)
    deps = merge.check_departements(req.departements, geo)
    target = merge.resolve_target(req.root, req.territoire, geo, req.force)
    raw_structures, raw_services = read_records(req.files)
    if not raw_structures:
        raise OrienterError("Aucune structure data·inclusion dans ces fichiers : donnez aussi structures.json "
                            "(les services seuls ne suffisent pas).")
    extraction = _extraction_date(req.files, raw_structures, req.today)
    plan = merge.Plan("data-inclusion", target.ident, target.folder, not target.exists,
                      {"format": "data-inclusion-v1", "libelle": LABEL,
                       "fichier": ", ".join(display_path(p) for p in req.files),
                       "date_extraction": extraction.isoformat(), "date_extraction_lue": True},
                      read=len(raw_structures) + len(raw_services))
    structures = _validate(raw_structures, v1.Structure, plan)
    services = _validate(raw_services, v1.Service, plan)
    by_structure: dict[str, list[Any]] = {}
    for sv in services:
        by_structure.setdefault(sv.structure_id, []).append(sv)
    state = merge.load_state(target.folder, "data-inclusion")
    entries = state["entrees"]
    scope = set(deps or target.departements)
    owned_files = {target.folder / e["fichier"] for e in entries.values()}
    existing = merge.scan_existing(req.root, owned_files)
    taken = set(existing.ids) | {v["id"] for v in entries.values()}
    seen: set[str] = set()
    for s in sorted(structures, key=lambda s: s.id):
        kind = next((dmap.reseau_to_type[str(r.value)] for r in sorted(s.reseaux_porteurs or [], key=str)
                     if str(r.value) in dmap.reseau_to_type), None)
        commune = s.code_insee
        if kind is None:
            plan.skip("réseau porteur sans type orienter")
            continue
        if not commune or geo.get(commune) is None:
            plan.skip("commune absente ou inconnue du référentiel", commune or "sans commune")
            continue
        dep = commune[:3] if commune.startswith("97") else commune[:2]
        if scope and dep not in scope:
            plan.skip("hors des départements demandés")
            continue
        if target.exists and geo.current_code(commune) not in target.communes:
            plan.skip("hors du périmètre du territoire")
            continue
        if s.siret and s.siret in existing.sirets and s.id not in entries:
            plan.skip("déjà décrits dans l'annuaire (même SIRET)")
            continue
        seen.add(s.id)
        ident = entries[s.id]["id"] if s.id in entries else merge.unique_id(
            f"{slug(s.nom, 40)}-di-{hashlib.sha1(s.id.encode()).hexdigest()[:8]}", taken)
        record = _record(s, by_structure.get(s.id, []), kind, ident, extraction, vocab, geo, dmap)
        if s.id in entries:
            merge.plan_update(plan, record, target, state, extraction)
        else:
            merge.plan_add(plan, record, target, state)
    absent = [k for k, v in entries.items() if k not in seen and not v.get("ecarte")
              and (not scope or v.get("departement") in scope)]
    if absent:
        plan.notes.append(f"{len(absent)} structure(s) importée(s) avant sont absentes de cet export : à vérifier "
                          "(data·inclusion retire aussi des fiches pour leur qualité ; statut inchangé)")
    if not req.plan_only:
        merge.guard(plan, target, req.force, len(entries))
    territory_text = None
    if not target.exists:
        if not plan.added:
            raise OrienterError(f"Aucune structure à importer dans le nouveau territoire « {target.ident} » : rien n'a "
                                "été écrit. Vérifiez --departement et les réseaux porteurs des structures.")
        tdeps = sorted(scope or {(a.commune or "")[:3] if (a.commune or "").startswith("97") else (a.commune or "")[:2]
                                 for a in plan.added})
        comments, doc = territory_document(target.ident, req.nom or target.nom, tdeps, LABEL, extraction, req.today)
        territory_text = writer.header(comments) + writer.emit(doc)
    state["flux"] = plan.feed
    merge.finish(plan, target, state, territory_text)
    from orienter.registers.importer import name_communes

    name_communes(plan, geo)
    if not req.plan_only and plan.writes:
        writer.commit(plan.writes)
    return plan


def _extraction_date(paths: list[Path], structures: list[tuple[str, int, dict[str, Any]]], today: date) -> date:
    """The export date from a file name (…-2026-11-30.json), else the most recent date_maj."""
    for p in paths:
        m = re.search(r"(20\d{2})-?(\d{2})-?(\d{2})", p.name)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    dates = [str(item.get("date_maj", ""))[:10] for _, _, item in structures]
    valid = sorted(d for d in dates if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d))
    return min(date.fromisoformat(valid[-1]), today) if valid else today


def _zone(codes: list[str] | None, geo: Geo, commune: str) -> dict[str, Any]:
    zone: dict[str, Any] = {"communes": [], "epci": [], "departements": []}
    for code in codes or []:
        if code == "france":
            return {"france": True}
        if re.fullmatch(r"\d{9}", code) and code in geo.epci:
            zone["epci"].append(code)
        elif code in geo.departements:
            zone["departements"].append(code)
        elif len(code) == 5 and geo.get(code) is not None:
            zone["communes"].append(code)
    zone = {k: sorted(set(v)) for k, v in zone.items() if v}
    if not zone:  # nothing usable: the structure's commune, to be confirmed
        return {"communes": [commune], "provisoire": writer.Commented(True, "zone non donnée par data·inclusion : "
                                                                      "à confirmer, puis retirez cette ligne")}
    return zone


def _record(s: Any, services: list[Any], kind: str, ident: str, extraction: date, vocab: Vocabulary, geo: Geo,
            dmap: DIMapping) -> Record:
    from orienter.registers.importer import valid_siret

    commune = s.code_insee
    owned: dict[str, Any] = {
        "nom": s.nom, "statut": "actif", "identifiants.siret": valid_siret(s.siret),
        "adresse.ligne": s.adresse, "adresse.complement": s.complement_adresse, "adresse.code_postal": s.code_postal,
        "adresse.commune": commune, "adresse.latitude": s.latitude, "adresse.longitude": s.longitude,
        "contact.telephone": s.telephone, "contact.courriel": str(s.courriel) if s.courriel else None,
        "contact.site": str(s.site_web) if s.site_web else None,
    }
    has_contact = any(owned[k] for k in ("contact.telephone", "contact.courriel", "contact.site"))
    owned["contact.source"] = (str(s.lien_source) if s.lien_source else f"{MARK} ({s.source})") if has_contact else None
    dep = commune[:3] if commune.startswith("97") else commune[:2]
    source_entry = {"titre": f"{MARK} : structure {s.id}, export du {extraction:%d/%m/%Y}",
                    "url": str(s.lien_source) if s.lien_source else None,
                    "editeur": f"data·inclusion (GIP de l'inclusion), producteur : {s.source} (Licence Ouverte 2.0)",
                    "consulte_le": extraction}
    record = Record("data-inclusion", s.id, kind, s.nom, s.id, commune, owned, departement=dep,
                    source_entry=source_entry)
    t = vocab.types[kind]
    out_services = []
    for i, sv in enumerate(sorted(services, key=lambda x: x.id)):
        needs = sorted({b for th in (sv.thematiques or []) for b in dmap.thematique_to_besoins.get(str(th.value), [])})
        publics = sorted({dmap.public_di_to_public[str(p.value)] for p in (sv.publics or [])
                          if str(p.value) in dmap.public_di_to_public})
        modes = sorted({"sur_place" if str(m.value) == "en-presentiel" else "a_distance" for m in (sv.modes_accueil or [])})
        who = {str(p.value) for p in (sv.mobilisable_par or [])}
        orienteurs = [o for o, flag in (("personne", "usagers" in who), ("professionnels", "professionnels" in who)) if flag]
        out_services.append({
            "id": f"{ident}-{slug(sv.nom, 30)}-{i + 1}",
            "nom": sv.nom,
            "type": kind,
            "description": sv.description,
            "besoins": needs or list(t.besoins),
            "publics": {"inclus": publics} if publics else None,
            "acces": {"prescription": t.prescription, "orienteurs": orienteurs,
                      "gratuit": None if sv.frais is None else str(sv.frais.value) == "gratuit",
                      "conditions": [sv.conditions_acces] if sv.conditions_acces else None},
            "zone": _zone([str(c) for c in sv.zone_eligibilite or []], geo, commune),
            "modes": modes or None,
            "horaires": sv.horaires_accueil,
        })
    if not out_services:
        out_services.append({"id": f"{ident}-{kind.lower()}", "nom": t.libelle, "type": kind,
                             "besoins": list(t.besoins),
                             "acces": {"prescription": t.prescription},
                             "zone": _zone([], geo, commune)})
    o = owned
    contact = {k.split(".", 1)[1]: o[k] for k in ("contact.telephone", "contact.courriel", "contact.site",
                                                  "contact.source")}
    record.document = {
        "id": ident, "nom": s.nom, "type": kind, "description": s.description,
        "identifiants": {"siret": owned["identifiants.siret"]},
        "adresse": {k.split(".", 1)[1]: v for k, v in o.items() if k.startswith("adresse.")},
        "contact": contact if has_contact else None,
        "statut": "actif",
        "sources": [source_entry],
        "verification": {"origine": writer.Commented("registre", "pas encore relue par une personne"),
                         "derniere_modification": extraction},
        "services": out_services,
    }
    record.comments = [
        f"Fiche créée par `orienter importe data-inclusion` (export du {extraction:%d/%m/%Y}, structure {s.id}).",
        "data·inclusion tient : nom, adresse, contact, SIRET. Un nouvel import les met à jour s'ils n'ont pas été",
        "modifiés ici, et ne touche jamais au reste (services, zones, publics, accès, besoins, notes).",
    ]
    return record
