"""Exports of a validated directory: data·inclusion v1 (structures.json, services.json) for the
national platforms, and CSV (one row per service) for a spreadsheet.

data·inclusion: every record is built, then checked with the official models
(`data_inclusion.schema.v1.Structure`, `.Service`) before anything is written; what does not
pass is an error, never a silently broken file. Only real territories are published; closed,
absorbed or suspended entries and services whose zone is still provisional (O311) are left out,
and the summary says how many.

CSV: UTF-8 with a byte order mark and `;` separators, CRLF line ends, fields quoted when they hold
`;`, quotes or line breaks: what Excel (French locale) and LibreOffice open without an import
dialog. A cell starting with `=`, `+`, `-` or `@` that is not a number gets a leading apostrophe,
so that no spreadsheet runs it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.load.model import Service, Structure, Zone
from orienter.registers.mapping import DIMapping

SOURCE = "orienter"
ACTIVE = "actif"


@dataclass
class Export:
    structures: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    def leave(self, reason: str) -> None:
        self.left_out[reason] = self.left_out.get(reason, 0) + 1


def pick_territories(ws: Any, ident: str | None, allow_fictional: bool) -> list[Any]:
    if ident:
        t = ws.territory(ident)
        if t.model.fictif and not allow_fictional:
            raise OrienterError(f"Le territoire « {ident} » est fictif (formation) : il ne se publie pas vers "
                                "data·inclusion. Choisissez un territoire réel.", ExitCode.INPUT)
        return [t]
    return [t for t in ws.territories if allow_fictional or not t.model.fictif]


def data_inclusion(ws: Any, territories: Iterable[Any], dmap: DIMapping, today: date | None = None) -> Export:
    from data_inclusion.schema import v1

    today = today or date.today()
    out = Export()
    for t in territories:
        out.territories.append(t.id)
        for s in sorted(t.structures, key=lambda s: s.id):
            if s.statut.value != ACTIVE:
                out.leave(f"structure {s.statut.value}")
                continue
            structure = _di_structure(s, t, dmap, today)
            services = []
            for sv in s.services:
                if sv.statut.value != ACTIVE or (sv.suspension and sv.suspension.du <= today
                                                 and (sv.suspension.au is None or today <= sv.suspension.au)):
                    out.leave("service fermé ou suspendu")
                    continue
                if sv.zone is None or sv.zone.provisoire:
                    out.leave("service à zone provisoire (non relu)")
                    continue
                services.append(_di_service(sv, s, t, ws, dmap, today))
            if not services:
                out.leave("structure sans service publiable")
                continue
            out.structures.append(structure)
            out.services.extend(services)
    _check(out, v1)
    return out


def _check(out: Export, v1: Any) -> None:
    import pydantic

    problems = []
    for kind, model, rows in (("structure", v1.Structure, out.structures), ("service", v1.Service, out.services)):
        for row in rows:
            try:
                model.model_validate(row, context={"ignore_warnings": True})
            except pydantic.ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err.get("loc", ()))
                problems.append(f"{kind} {row.get('id')} : {where} : {err.get('msg')}")
    if problems:
        raise OrienterError("L'export ne passe pas le schéma data·inclusion (rien n'a été écrit) :\n  "
                            + "\n  ".join(problems[:20]), ExitCode.USAGE)


def _date_maj(*verifications: Any, sources: Iterable[Any] = (), today: date) -> str:
    dates = [d for v in verifications if v is not None
             for d in (v.derniere_modification, v.derniere_verification) if d is not None]
    dates += [s.consulte_le for s in sources]
    valid = [d for d in dates if date(2000, 1, 1) <= d <= today]
    return (max(valid) if valid else today).isoformat()


def _text(value: str | None, low: int, high: int) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    if len(value) < low:
        return None
    return value if len(value) <= high else value[: high - 1].rstrip() + "…"


def _url(value: str | None) -> str | None:
    return value if value and re.match(r"^https?://[^\s/]+\.[^\s]+$", value) else None


def _email(value: str | None) -> str | None:
    if not value:
        return None
    try:
        from email_validator import EmailNotValidError, validate_email

        validate_email(value, check_deliverability=False)
        return value
    except (ImportError, EmailNotValidError):
        return None


def _di_structure(s: Structure, t: Any, dmap: DIMapping, today: date) -> dict[str, Any]:
    name = s.nom if len(s.nom) >= 3 else f"{s.nom} ({s.sigle or s.type or 'structure'})"
    address = s.adresse
    contact = s.contact
    reseau = dmap.type_to_reseau.get(s.type or "")
    return _clean({
        "source": SOURCE,
        "id": f"{SOURCE}--{s.id}",
        "nom": _text(name, 3, 150),
        "date_maj": _date_maj(s.verification, sources=s.sources, today=today),
        "description": _text(s.description, 5, 10000),
        "siret": s.identifiants.siret if s.identifiants.siret and re.fullmatch(r"\d{14}", s.identifiants.siret) else None,
        "code_insee": address.commune if address and address.commune and len(address.commune) == 5 else None,
        "code_postal": address.code_postal if address and address.code_postal and re.fullmatch(r"\d{5}", address.code_postal) else None,
        "adresse": address.ligne if address else None,
        "complement_adresse": address.complement if address else None,
        "latitude": address.latitude if address else None,
        "longitude": address.longitude if address else None,
        "telephone": contact.telephone if contact else None,
        "courriel": _email(contact.courriel) if contact else None,
        "site_web": _url(contact.site) if contact else None,
        "reseaux_porteurs": [reseau] if reseau else None,
    })


def zone_codes(zone: Zone, geo: Any) -> list[str]:
    """COG codes for `zone_eligibilite`; a region becomes its départements, an exclusion the
    communes that remain (data·inclusion has no exclusion)."""
    if zone.france:
        return ["france"]
    if zone.exclus:
        covered = geo.expand(zone.communes, zone.epci, zone.departements, zone.regions)
        covered -= geo.expand(zone.exclus.communes, zone.exclus.epci, zone.exclus.departements, zone.exclus.regions)
        return sorted(covered)
    codes = [*zone.communes, *zone.epci, *zone.departements]
    for region in zone.regions:
        codes += sorted(code for code, row in geo.departements.items() if row.get("reg", row.get("region")) == region)
    return sorted(dict.fromkeys(codes))


def _di_service(sv: Service, s: Structure, t: Any, ws: Any, dmap: DIMapping, today: date) -> dict[str, Any]:
    vocab = ws.vocab
    themes = sorted({th for b in sv.besoins for th in dmap.besoin_to_thematiques.get(b, [])})
    publics = sorted({dmap.public_to_public_di[p] for p in sv.publics.inclus if p in dmap.public_to_public_di})
    if "tous-publics" in publics or not sv.publics.inclus:
        publics = ["tous-publics"] if (not sv.publics.inclus or "tous-publics" in sv.publics.inclus) else \
            [p for p in publics if p != "tous-publics"]
    contact = sv.contact or s.contact
    modes = {m.value for m in sv.modes}
    accueil = sorted({"en-presentiel" for m in modes if m in ("sur_place", "a_domicile", "mobile")}
                     | {"a-distance" for m in modes if m in ("telephone", "a_distance")})
    who = set(sv.acces.orienteurs)
    tdef = vocab.types.get(sv.type)
    mobilisable = sorted({"usagers" for o in who if o in ("personne", "aidant")}
                         | {"professionnels" for o in who if o not in ("personne", "aidant")})
    if not who and tdef is not None and tdef.acces_direct:
        mobilisable = ["professionnels", "usagers"]
    mobilisation = sorted({"telephoner" for _ in [1] if contact and contact.telephone}
                          | {"envoyer-un-courriel" for _ in [1] if contact and _email(contact.courriel)}
                          | {"se-presenter" for _ in [1] if "sur_place" in modes})
    conditions = list(sv.acces.conditions)
    if sv.acces.prescription:
        conditions.insert(0, "Prescription médicale nécessaire")
    type_label = vocab.type_label(sv.type)
    description = _text(sv.description, 5, 10000) or _text(f"{type_label} : {sv.nom}", 5, 10000)
    age = []
    if sv.publics.age_min is not None:
        age.append(f"à partir de {sv.publics.age_min} ans")
    if sv.publics.age_max is not None:
        age.append(f"jusqu'à {sv.publics.age_max} ans")
    return _clean({
        "source": SOURCE,
        "structure_id": f"{SOURCE}--{s.id}",
        "id": f"{SOURCE}--{sv.id}",
        "nom": _text(sv.nom if len(sv.nom) >= 3 else f"{sv.nom} ({type_label})", 3, 150),
        "description": description,
        "date_maj": _date_maj(sv.verification, s.verification, sources=[*sv.sources, *s.sources], today=today),
        "type": dmap.type_to_type_service.get(sv.type),
        "thematiques": themes or None,
        "frais": None if sv.acces.gratuit is None else ("gratuit" if sv.acces.gratuit else "payant"),
        "publics": publics or None,
        "publics_precisions": _text(" ; ".join(filter(None, [", ".join(age), sv.publics.note])), 1, 10000),
        "conditions_acces": _text(" ; ".join(conditions), 1, 10000),
        "code_insee": s.adresse.commune if s.adresse and s.adresse.commune and len(s.adresse.commune) == 5 else None,
        "code_postal": s.adresse.code_postal if s.adresse and s.adresse.code_postal and re.fullmatch(r"\d{5}", s.adresse.code_postal) else None,
        "adresse": s.adresse.ligne if s.adresse else None,
        "latitude": s.adresse.latitude if s.adresse else None,
        "longitude": s.adresse.longitude if s.adresse else None,
        "telephone": contact.telephone if contact else None,
        "courriel": _email(contact.courriel) if contact else None,
        "modes_accueil": accueil or None,
        "zone_eligibilite": zone_codes(sv.zone, ws.geo) if sv.zone else None,
        "modes_mobilisation": mobilisation or None,
        "mobilisable_par": mobilisable or None,
        "horaires_accueil": sv.horaires,
    })


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != []}


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


# --- CSV -------------------------------------------------------------------------------------------

CSV_COLUMNS = ("territoire", "fictif", "structure_id", "structure", "structure_statut", "service_id", "service",
               "type", "type_libelle", "niveau", "besoins", "publics", "age_min", "age_max", "prescription",
               "orienteurs", "gratuit", "conditions", "zone", "zone_provisoire", "modes", "horaires", "telephone",
               "courriel", "site", "adresse", "code_postal", "commune_insee", "commune", "finess", "siret",
               "derniere_verification", "sources")

_NUMBER = re.compile(r"^[+-]?\d[\d .,]*$")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(text):
        return "'" + text  # never a formula in a spreadsheet
    return text


def _zone_text(zone: Zone | None) -> str:
    if zone is None:
        return ""
    if zone.france:
        return "France entière"
    parts = []
    for label, codes in (("communes", zone.communes), ("EPCI", zone.epci), ("départements", zone.departements),
                         ("régions", zone.regions)):
        if codes:
            parts.append(f"{label} {' '.join(codes)}")
    if zone.exclus:
        parts.append("sauf " + " ".join([*zone.exclus.communes, *zone.exclus.epci, *zone.exclus.departements]))
    return " ; ".join(parts)


def csv_rows(ws: Any, territories: Iterable[Any]) -> list[list[str]]:
    vocab, geo = ws.vocab, ws.geo
    rows = []
    for t in territories:
        for s in sorted(t.structures, key=lambda s: s.id):
            commune = geo.get(s.adresse.commune) if s.adresse and s.adresse.commune else None
            for sv in s.services:
                contact = sv.contact or s.contact
                v = sv.verification or s.verification
                tdef = vocab.types.get(sv.type)
                values = {
                    "territoire": t.id, "fictif": t.model.fictif, "structure_id": s.id, "structure": s.nom,
                    "structure_statut": s.statut.value, "service_id": sv.id, "service": sv.nom, "type": sv.type,
                    "type_libelle": vocab.type_label(sv.type),
                    "niveau": (sv.niveau.value if sv.niveau else tdef.niveau.value if tdef else ""),
                    "besoins": sv.besoins, "publics": sv.publics.inclus, "age_min": sv.publics.age_min,
                    "age_max": sv.publics.age_max,
                    "prescription": sv.acces.prescription or bool(tdef and tdef.prescription),
                    "orienteurs": sv.acces.orienteurs, "gratuit": sv.acces.gratuit,
                    "conditions": " ; ".join(sv.acces.conditions), "zone": _zone_text(sv.zone),
                    "zone_provisoire": bool(sv.zone and sv.zone.provisoire), "modes": [m.value for m in sv.modes],
                    "horaires": sv.horaires, "telephone": contact.telephone if contact else None,
                    "courriel": contact.courriel if contact else None, "site": contact.site if contact else None,
                    "adresse": s.adresse.ligne if s.adresse else None,
                    "code_postal": s.adresse.code_postal if s.adresse else None,
                    "commune_insee": s.adresse.commune if s.adresse else None,
                    "commune": commune.nom if commune else None, "finess": s.identifiants.finess,
                    "siret": s.identifiants.siret,
                    "derniere_verification": v.derniere_verification.isoformat() if v and v.derniere_verification else None,
                    "sources": " | ".join(dict.fromkeys(src.url or src.titre for src in [*sv.sources, *s.sources])),
                }
                rows.append([_cell(values[c]) for c in CSV_COLUMNS])
    return rows


def to_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()
