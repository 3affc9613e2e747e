"""Pydantic models of the files a territory lead writes, and of a situation.

Keys are French because the people who edit the files are French. Codes (INSEE, FINESS,
SIRET, postal codes) are strings: the loader keeps them as written (DESIGN §8).
Cross-file checks (does this commune exist, is this type in the vocabulary) live in
`validation.py`; this module only says what a well-formed file looks like.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Identifiant = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", min_length=1, max_length=80)
]
Code = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Texte = Annotated[str, StringConstraints(min_length=1)]


class Strict(BaseModel):
    # Unknown keys are typos more often than extensions: refuse them, with their position.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Niveau(str, Enum):
    acces_direct = "acces_direct"
    premier_recours = "premier_recours"
    appui = "appui"
    specialise = "specialise"
    institutionnel = "institutionnel"


class Statut(str, Enum):
    actif = "actif"
    suspendu = "suspendu"
    ferme = "ferme"
    absorbe = "absorbe"
    en_projet = "en_projet"


class PolitiqueAccueil(str, Enum):
    inconditionnel = "inconditionnel"
    preferentiel = "preferentiel"
    exclusif = "exclusif"


class Mode(str, Enum):
    sur_place = "sur_place"
    a_domicile = "a_domicile"
    telephone = "telephone"
    a_distance = "a_distance"
    mobile = "mobile"


class Source(Strict):
    titre: Texte
    url: str | None = None
    consulte_le: date
    editeur: str | None = None
    note: str | None = None


class Verification(Strict):
    derniere_modification: date | None = None
    derniere_verification: date | None = None
    frequence_revue_mois: int = Field(default=6, ge=1, le=60)
    par: str | None = None


class ZoneExclue(Strict):
    communes: list[Code] = Field(default_factory=list)
    epci: list[Code] = Field(default_factory=list)
    departements: list[Code] = Field(default_factory=list)
    regions: list[Code] = Field(default_factory=list)


class Zone(ZoneExclue):
    """COG codes whose union, minus `exclus`, is the set of communes served. `france: true` is
    every commune: the national layer (lines and services with one national entry point)."""

    france: bool = False
    exclus: ZoneExclue | None = None

    def est_vide(self) -> bool:
        return not (self.france or self.communes or self.epci or self.departements or self.regions)


class Contact(Strict):
    telephone: str | None = None
    courriel: str | None = None
    site: str | None = None
    formulaire: str | None = None
    note: str | None = None
    # A contact of a real structure must say where it comes from (issue 3, honesty rule).
    source: str | None = None


class Adresse(Strict):
    ligne: str | None = None
    complement: str | None = None
    code_postal: str | None = None
    commune: Code | None = None  # INSEE code


class Identifiants(Strict):
    finess: list[str] = Field(default_factory=list)
    finess_juridique: str | None = None
    siret: str | None = None
    siren: str | None = None


class Publics(Strict):
    inclus: list[Code] = Field(default_factory=list)
    exclus: list[Code] = Field(default_factory=list)
    age_min: int | None = Field(default=None, ge=0, le=130)
    age_max: int | None = Field(default=None, ge=0, le=130)
    accueil: PolitiqueAccueil = PolitiqueAccueil.inconditionnel
    note: str | None = None


class Acces(Strict):
    prescription: bool = False
    orienteurs: list[Code] = Field(default_factory=list)
    consentement: bool = False
    gratuit: bool | None = None
    conditions: list[Texte] = Field(default_factory=list)
    delai: str | None = None


class Suspension(Strict):
    du: date
    au: date | None = None
    motif: str | None = None


class Service(Strict):
    id: Identifiant
    nom: Texte
    type: Code
    description: str | None = None
    besoins: list[Code] = Field(default_factory=list)
    niveau: Niveau | None = None  # default: the level of the type in the vocabulary
    publics: Publics = Field(default_factory=Publics)
    acces: Acces = Field(default_factory=Acces)
    zone: Zone | None = None  # default: the territory's perimeter is NOT assumed (O301)
    modes: list[Mode] = Field(default_factory=list)
    horaires: str | None = None  # OSM opening_hours syntax
    contact: Contact | None = None
    suspension: Suspension | None = None
    statut: Statut = Statut.actif
    sources: list[Source] = Field(default_factory=list)
    verification: Verification | None = None


class Evenement(Strict):
    date: date
    evenement: Literal["creation", "absorption", "fusion", "renommage", "fermeture", "autre"]
    description: Texte
    structures: list[Identifiant] = Field(default_factory=list)
    source: str | None = None


class Absorption(Strict):
    structure: Identifiant
    depuis: date


class Structure(Strict):
    id: Identifiant
    nom: Texte
    sigle: str | None = None
    type: Code | None = None
    nature: str | None = None  # association, établissement de santé, GIP, collectivité...
    description: str | None = None
    identifiants: Identifiants = Field(default_factory=Identifiants)
    adresse: Adresse | None = None
    contact: Contact | None = None
    statut: Statut = Statut.actif
    porteur: Identifiant | None = None
    partenaires: list[Identifiant] = Field(default_factory=list)
    absorbee_par: Absorption | None = None
    historique: list[Evenement] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    verification: Verification | None = None
    fictif: bool | None = None


class Territoire(Strict):
    id: Identifiant
    nom: Texte
    fictif: bool = False
    description: str | None = None
    perimetre: Zone
    population: int | None = None
    sources: list[Source] = Field(default_factory=list)
    verification: Verification | None = None
    historique: list[Evenement] = Field(default_factory=list)
    note: str | None = None


# --- situation (input of `suggest`) -------------------------------------------------


class Situation(Strict):
    commune: str | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    texte: str = ""
    besoins: list[Code] = Field(default_factory=list)
    criteres: dict[str, bool | int | float | str] = Field(default_factory=dict)
    complexe: bool | None = None  # the professional's own judgement overrides the rule


# --- vocabulary (rules/*.yaml) ----------------------------------------------------------


class Nomenclature(Strict):
    liste: Texte
    version: Texte


class TypeService(Strict):
    libelle: Texte
    niveau: Niveau
    finess: str | None = None
    ror: str | None = None
    acces_direct: bool = False
    prescription: bool = False
    historique: bool = False
    besoins: list[Code] = Field(default_factory=list)
    reference: Texte
    description: str | None = None


class FichierTypes(Strict):
    version: Texte
    nomenclatures: dict[str, Nomenclature]
    types: dict[Code, TypeService]
    natures: list[Code] = Field(default_factory=list)


# How a hit of the text is qualified (matcher.py): a suspected diagnosis, a past event, a fact
# about a relative. An entry lists the qualifiers that cancel its hits.
Qualificatif = Literal["hypothese", "passe", "proche"]


class Besoin(Strict):
    libelle: Texte
    axe: Literal["medical", "social", "organisationnel"]
    synonymes: list[Texte] = Field(default_factory=list)
    # "pas de dossier MDPH", "pas d'aide à domicile": for a need that is a missing resource,
    # saying it is missing is the need itself.
    manque_est_besoin: bool = False
    annule_si: list[Qualificatif] = Field(default_factory=list)


class FichierBesoins(Strict):
    version: Texte
    besoins: dict[Identifiant, Besoin]


class Public(Strict):
    libelle: Texte
    age_min: int | None = None
    age_max: int | None = None
    critere: str | None = None
    data_inclusion: str | None = None


class FichierPublics(Strict):
    version: Texte
    publics: dict[Identifiant, Public]
    orienteurs: dict[Identifiant, Texte]


class Critere(Strict):
    libelle: Texte
    type: Literal["booleen", "nombre"]
    synonymes: list[Texte] = Field(default_factory=list)
    motif: str | None = None
    axe: Literal["medical", "social", "organisationnel"] | None = None
    annule: list[Code] = Field(default_factory=list)
    annule_si: list[Qualificatif] = Field(default_factory=list)


class FichierCriteres(Strict):
    version: Texte
    abreviations: dict[str, Texte] = Field(default_factory=dict)
    criteres: dict[Identifiant, Critere]


# --- orientation rules (rules/regles.yaml) ------------------------------------------------


class Condition(Strict):
    """One test, or a combination. Exactly one kind per node (checked in rules.py)."""

    besoin: Code | None = None
    critere: Code | None = None
    min: float | None = None
    max: float | None = None
    age_min: int | None = None
    age_max: int | None = None
    complexe: bool | None = None
    connu: Code | None = None
    urgence: bool | None = None  # an emergency rule has fired (set while rules run)
    tous: list[Condition] | None = None
    un_de: list[Condition] | None = None
    aucun: list[Condition] | None = None


class Proposition(Strict):
    type: Code
    poids: float = Field(ge=-1, le=1)


class Exclusion(Strict):
    type: Code
    raison: Texte


class ConditionAffichee(Strict):
    type: Code
    texte: Texte


class Appel(Strict):
    """A number to call, from the catalogue `numeros` of regles.yaml."""

    numero: Code
    en_premier: bool = False  # before the numbers of the other fired rules (114 for a deaf person)


class Numero(Strict):
    libelle: Texte
    description: Texte
    reference: Texte


class Effets(Strict):
    proposer: list[Proposition] = Field(default_factory=list)
    exclure: list[Exclusion] = Field(default_factory=list)
    ajouter_besoins: list[Code] = Field(default_factory=list)
    niveau: Literal["premier_recours", "appui", "specialise"] | None = None
    conditions: list[ConditionAffichee] = Field(default_factory=list)
    avertissement: str | None = None
    urgence: bool = False
    appeler: list[Appel] = Field(default_factory=list)


class Regle(Strict):
    id: Identifiant
    description: Texte
    reference: Texte
    si: Condition
    alors: Effets


class FichierRegles(Strict):
    version: Texte
    numeros: dict[Code, Numero] = Field(default_factory=dict)
    regles: list[Regle]
