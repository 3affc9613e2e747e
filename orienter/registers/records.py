"""Register records as orienter structures: what the register owns, and the file a new one gets.

Ownership (issue 10): a register owns the name, the address, the phone, the status and its own
identifiers; a person owns everything else (zones, publics, access, needs, description, notes,
comments). `Record.owned` holds the register's values by dotted path; a re-import compares them
with the values of the previous import and with the file (three-way, see `merge`). The human
fields of a new file are only a starting point, taken from rules/ (type defaults and the
correspondence table); an import never comes back to them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orienter.load.geo import Geo
from orienter.load.vocabulary import Vocabulary
from orienter.registers.finess import Etablissement, Flux
from orienter.registers.mapping import CategorieFiness
from orienter.registers.writer import Commented

# Values the register owns, by dotted path in the structure.
FINESS_OWNED = ("nom", "statut", "identifiants.finess_juridique", "identifiants.siret", "adresse.ligne",
                "adresse.complement", "adresse.code_postal", "adresse.commune", "adresse.latitude",
                "adresse.longitude", "contact.telephone", "contact.source")

FINESS_EDITOR = "FINESS (ministère chargé de la santé), données publiées sur data.gouv.fr (Licence Ouverte 2.0)"
FINESS_CONTACT_SOURCE = "Registre FINESS (data.gouv.fr)"
SOURCE_MARK = "Registre FINESS"  # the title of the source entry an import keeps up to date


@dataclass
class Record:
    source: str  # "finess" | "data-inclusion"
    key: str  # FINESS EG number, or data·inclusion structure id
    type: str
    label: str
    ref: str
    commune: str | None
    owned: dict[str, Any]
    document: dict[str, Any] = field(default_factory=dict)  # the structure of a new file
    comments: list[str] = field(default_factory=list)  # header of a new file
    categorie: str | None = None
    departement: str | None = None
    closed: bool = False
    closing_date: str | None = None
    source_entry: dict[str, Any] = field(default_factory=dict)


def slug(text: str, limit: int = 50) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if len(words) > limit:
        words = words[:limit].rsplit("-", 1)[0]
    return words or "structure"


def finess_id(e: Etablissement) -> str:
    return f"{slug(e.nom)}-{e.finess.lower()}"


def address_values(e: Etablissement, geo: Geo) -> dict[str, Any]:
    """The register's address; a postal code that is not the commune's (CEDEX, BP) moves to the
    complement, verbatim, rather than failing `validate` (O105)."""
    postal, complement = e.code_postal, e.complement
    commune = geo.get(e.commune) if e.commune else None
    if postal and commune is not None:
        allowed = set(commune.codes_postaux) | set(geo.current(commune).codes_postaux)
        if allowed and postal not in allowed:
            extra = " ".join(p for p in (postal, e.acheminement) if p)
            complement = f"{complement}, {extra}" if complement else extra
            postal = None
    return {"ligne": e.ligne, "complement": complement, "code_postal": postal, "commune": e.commune,
            "latitude": e.latitude, "longitude": e.longitude}


def finess_source_entry(e: Etablissement, flux: Flux, row: CategorieFiness | None) -> dict[str, Any]:
    category = f"catégorie {e.categorie} « {row.libelle} » (liste {row.version})" if row else f"catégorie {e.categorie}"
    return {"titre": f"{SOURCE_MARK} : {flux.libelle}, extraction du {flux.date_extraction:%d/%m/%Y}",
            "editeur": FINESS_EDITOR, "consulte_le": flux.date_extraction,
            "note": f"Établissement {e.finess}, {category} ; {e.ref} du fichier {flux.nom_fichier}."}


def finess_record(e: Etablissement, flux: Flux, row: CategorieFiness, vocab: Vocabulary, geo: Geo,
                  siret: str | None, ident: str | None = None) -> Record:
    address = address_values(e, geo)
    owned: dict[str, Any] = {
        "nom": e.nom, "statut": "actif" if e.ouvert else "ferme",
        "identifiants.finess_juridique": e.finess_ej, "identifiants.siret": siret,
        **{f"adresse.{k}": v for k, v in address.items()},
        "contact.telephone": e.telephone, "contact.source": FINESS_CONTACT_SOURCE if e.telephone else None,
    }
    assert row.type is not None
    record = Record("finess", e.finess, row.type, e.nom, e.ref, e.commune, owned, categorie=e.categorie,
                    departement=e.departement, closed=not e.ouvert, closing_date=e.date_fermeture,
                    source_entry=finess_source_entry(e, flux, row))
    record.document = _finess_document(record, e, flux, row, vocab, ident or finess_id(e))
    record.comments = [
        f"Fiche créée par `orienter importe finess` depuis le {flux.libelle.split(' (')[0]}, extraction du "
        f"{flux.date_extraction:%d/%m/%Y}.",
        "Le registre tient : nom, adresse, téléphone, statut, identifiants. Un nouvel import les met à jour",
        "s'ils n'ont pas été modifiés ici, et ne touche jamais au reste : zone, publics, accès, besoins,",
        "description, notes et commentaires sont à vous. À relire : la zone (provisoire), les publics, l'accès.",
    ]
    return record


def _finess_document(record: Record, e: Etablissement, flux: Flux, row: CategorieFiness, vocab: Vocabulary,
                     ident: str) -> dict[str, Any]:
    t = vocab.types[row.type or ""]
    o = record.owned
    commune = e.commune or ""
    dep = record.departement or ""
    zone: dict[str, Any] = ({"departements": [dep]} if row.zone_provisoire == "departement" else {"communes": [commune]})
    zone["provisoire"] = Commented(True, "posée par l'import : vérifiez les communes desservies, puis retirez cette ligne")
    service: dict[str, Any] = {
        "id": f"{ident}-{row.type.lower()}" if row.type else f"{ident}-service",
        "nom": t.libelle,
        "type": row.type,
        "besoins": list(t.besoins),
        "publics": {"inclus": list(row.publics)} if row.publics else None,
        "acces": {"prescription": t.prescription, "orienteurs": list(row.orienteurs)},
        "zone": zone,
        "modes": list(row.modes) or None,
    }
    return {
        "id": ident,
        "nom": o["nom"],
        "type": row.type,
        "identifiants": {"finess": [e.finess], "finess_juridique": o["identifiants.finess_juridique"],
                         "siret": o["identifiants.siret"]},
        "adresse": {k.split(".", 1)[1]: v for k, v in o.items() if k.startswith("adresse.")},
        "contact": {"telephone": o["contact.telephone"], "source": o["contact.source"]} if o["contact.telephone"] else None,
        "statut": o["statut"],
        "sources": [record.source_entry],
        "verification": {"origine": Commented("registre", "pas encore relue par une personne"),
                         "derniere_modification": flux.date_extraction},
        "services": [service],
    }


def territory_document(ident: str, nom: str, departements: list[str], flux_label: str, extraction: date,
                       today: date) -> tuple[list[str], dict[str, Any]]:
    comments = [f"Territoire créé par `orienter importe` le {today:%d/%m/%Y} à partir d'un registre : {flux_label}.",
                "Relisez le nom, la description et le périmètre (codes du COG), puis ajoutez vos sources."]
    doc = {
        "id": ident, "nom": nom, "fictif": False,
        "description": f"Territoire constitué à partir d'un registre public, {flux_label}, extraction du "
                       f"{extraction:%d/%m/%Y} ; fiches à relire.",
        "perimetre": {"departements": departements},
        "sources": [{"titre": f"{flux_label}, extraction du {extraction:%d/%m/%Y}",
                     "editeur": FINESS_EDITOR if "FINESS" in flux_label else None, "consulte_le": extraction}],
    }
    return comments, doc
