"""The files a territory lead writes, and a situation, as plain dataclasses.

Keys are French because the people who edit the files are French. Codes (INSEE, FINESS,
SIRET, postal codes) are strings: the loader keeps them as written (DESIGN §8).
Cross-file checks (does this commune exist, is this type in the vocabulary) live in
`validation.py`; this module only says what a well-formed file looks like.

Why dataclasses and not pydantic models: the same classes serve two paths. Validation
(`schema.validate_model`) checks files with pydantic, which reads these dataclasses, their
`__pydantic_config__` and the constraints in their annotations, and reports every error with
its location. The answer path (`suggest` with a warm cache) decodes the data-only cache straight
into them with msgspec and never imports pydantic (about 0.17 s of every start-up otherwise).
Constraints are small objects of this module (`_Str`, `_Int`, `Bounds`) that pydantic applies
and msgspec ignores (the cache only holds validated data); not annotated_types, whose import
alone costs 15 ms of every start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal



class _Str:
    """A string constraint pydantic applies when it validates; built without importing it."""

    def __init__(self, pattern: str | None = None, min_length: int | None = None, max_length: int | None = None):
        self.pattern, self.min_length, self.max_length = pattern, min_length, max_length

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.str_schema(pattern=self.pattern, min_length=self.min_length,
                                      max_length=self.max_length, strip_whitespace=True)


class Bounds:
    """A number between two bounds, included: pydantic applies them when it validates."""

    def __init__(self, ge: float, le: float):
        self.ge, self.le = ge, le

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        inner = schema["schema"] if schema.get("type") == "nullable" else schema
        inner["ge"], inner["le"] = self.ge, self.le
        return schema


class _Int:
    """An integer in bounds, strictly: `true` is not an age (YAML and JSON give real ints)."""

    def __init__(self, ge: int, le: int):
        self.ge, self.le = ge, le

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        number = core_schema.int_schema(ge=self.ge, le=self.le, strict=True)
        return core_schema.nullable_schema(number) if source is not int else number


Jour = date
Identifiant = Annotated[str, _Str(r"^[a-z0-9][a-z0-9_-]*$", 1, 80)]
Code = Annotated[str, _Str(min_length=1, max_length=80)]
Texte = Annotated[str, _Str(min_length=1)]
# Unknown keys are typos more often than extensions: refuse them, with their position.
STRICT = {"extra": "forbid", "str_strip_whitespace": True}


def strict(cls: type) -> type:
    """A keyword-only dataclass that pydantic validates strictly.

    Its `__init__`, `__repr__` and `__eq__` are `Strict`'s, shared by every record: the ones
    `dataclass` writes are compiled class by class at import, which cost the warm `suggest` a
    tenth of its time. A docstring spares `dataclass` computing one from the signature. Slots:
    a record has no `__dict__`, and the whole country's 90,000 records fit in less memory."""
    cls.__pydantic_config__ = STRICT  # type: ignore[attr-defined]
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__
    return dataclass(kw_only=True, init=False, repr=False, eq=False, slots=True)(cls)


class Strict:
    """Base of every file record (kept for `isinstance` and for readers of the code).

    Decoders (pydantic, msgspec) fill records without calling `__init__`; code that builds
    one by hand gets the checks of a keyword-only dataclass constructor."""

    __slots__ = ()
    __dataclass_fields__: dict[str, Any]

    def __init__(self, **values: Any) -> None:
        from dataclasses import MISSING

        fields = self.__dataclass_fields__
        unknown = values.keys() - fields.keys()
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        for name, f in fields.items():
            if name in values:
                value = values[name]
            elif f.default is not MISSING:
                value = f.default
            elif f.default_factory is not MISSING:
                value = f.default_factory()
            else:
                raise TypeError(f"{type(self).__name__}() missing required keyword argument: {name!r}")
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        inside = ", ".join(f"{name}={getattr(self, name)!r}" for name, f in self.__dataclass_fields__.items() if f.repr)
        return f"{type(self).__name__}({inside})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n, f in self.__dataclass_fields__.items() if f.compare)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq


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


@strict
class Source(Strict):
    titre: Texte
    url: str | None = None
    consulte_le: date
    editeur: str | None = None
    note: str | None = None


@strict
class Verification(Strict):
    derniere_modification: date | None = None
    derniere_verification: date | None = None
    frequence_revue_mois: Annotated[int, Bounds(1, 60)] = 6
    par: str | None = None
    # "registre": written by an import (FINESS, data·inclusion), not yet checked by a person.
    origine: Literal["registre"] | None = None


@strict
class ZoneExclue(Strict):
    communes: list[Code] = field(default_factory=list)
    epci: list[Code] = field(default_factory=list)
    departements: list[Code] = field(default_factory=list)
    regions: list[Code] = field(default_factory=list)


@strict
class Zone(ZoneExclue):
    """COG codes whose union, minus `exclus`, is the set of communes served. `france: true` is
    every commune: the national layer (lines and services with one national entry point)."""

    france: bool = False
    exclus: ZoneExclue | None = None
    # Set by a register import (a register says where a service is, not whom it serves): `validate`
    # warns (O311) until a person confirms the zone and removes this flag.
    provisoire: bool = False

    def est_vide(self) -> bool:
        return not (self.france or self.communes or self.epci or self.departements or self.regions)


@strict
class Contact(Strict):
    telephone: str | None = None
    courriel: str | None = None
    site: str | None = None
    formulaire: str | None = None
    note: str | None = None
    # A contact of a real structure must say where it comes from (issue 3, honesty rule).
    source: str | None = None


@strict
class Adresse(Strict):
    ligne: str | None = None
    complement: str | None = None
    code_postal: str | None = None
    commune: Code | None = None  # INSEE code
    latitude: Annotated[float | None, Bounds(-90, 90)] = None  # WGS84, as the register gives it
    longitude: Annotated[float | None, Bounds(-180, 180)] = None


@strict
class Identifiants(Strict):
    finess: list[str] = field(default_factory=list)
    finess_juridique: str | None = None
    siret: str | None = None
    siren: str | None = None


@strict
class Publics(Strict):
    inclus: list[Code] = field(default_factory=list)
    exclus: list[Code] = field(default_factory=list)
    age_min: Annotated[int | None, Bounds(0, 130)] = None
    age_max: Annotated[int | None, Bounds(0, 130)] = None
    accueil: PolitiqueAccueil = PolitiqueAccueil.inconditionnel
    note: str | None = None


@strict
class Acces(Strict):
    prescription: bool = False
    orienteurs: list[Code] = field(default_factory=list)
    consentement: bool = False
    gratuit: bool | None = None
    conditions: list[Texte] = field(default_factory=list)
    delai: str | None = None


@strict
class Suspension(Strict):
    du: date
    au: date | None = None
    motif: str | None = None


@strict
class Service(Strict):
    id: Identifiant
    nom: Texte
    type: Code
    description: str | None = None
    besoins: list[Code] = field(default_factory=list)
    niveau: Niveau | None = None  # default: the level of the type in the vocabulary
    publics: Publics = field(default_factory=Publics)
    acces: Acces = field(default_factory=Acces)
    zone: Zone | None = None  # default: the territory's perimeter is NOT assumed (O301)
    modes: list[Mode] = field(default_factory=list)
    horaires: str | None = None  # OSM opening_hours syntax
    contact: Contact | None = None
    suspension: Suspension | None = None
    statut: Statut = Statut.actif
    sources: list[Source] = field(default_factory=list)
    verification: Verification | None = None


@strict
class Evenement(Strict):
    date: Jour  # not `date`: with slots, the field's own name would hide the type
    evenement: Literal["creation", "absorption", "fusion", "renommage", "fermeture", "autre"]
    description: Texte
    structures: list[Identifiant] = field(default_factory=list)
    source: str | None = None


@strict
class Absorption(Strict):
    structure: Identifiant
    depuis: date


@strict
class Structure(Strict):
    id: Identifiant
    nom: Texte
    sigle: str | None = None
    type: Code | None = None
    nature: str | None = None  # association, établissement de santé, GIP, collectivité...
    description: str | None = None
    identifiants: Identifiants = field(default_factory=Identifiants)
    adresse: Adresse | None = None
    contact: Contact | None = None
    statut: Statut = Statut.actif
    porteur: Identifiant | None = None
    partenaires: list[Identifiant] = field(default_factory=list)
    absorbee_par: Absorption | None = None
    historique: list[Evenement] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    verification: Verification | None = None
    fictif: bool | None = None


@strict
class Territoire(Strict):
    id: Identifiant
    nom: Texte
    fictif: bool = False
    description: str | None = None
    perimetre: Zone
    # Beyond the perimeter, where some of its services also reach (a département's MDPH filed in
    # a territory of a few EPCI): a question about a commune there reads this territory too.
    rayonnement: Zone | None = None
    population: int | None = None
    sources: list[Source] = field(default_factory=list)
    verification: Verification | None = None
    historique: list[Evenement] = field(default_factory=list)
    note: str | None = None


# --- situation (input of `suggest`) -------------------------------------------------


@strict
class Situation(Strict):
    commune: str | None = None
    age: Annotated[int | None, _Int(0, 130)] = None
    texte: str = ""
    besoins: list[Code] = field(default_factory=list)
    criteres: dict[str, bool | int | float | str] = field(default_factory=dict)
    complexe: bool | None = None  # the professional's own judgement overrides the rule


# --- vocabulary (rules/*.yaml) ----------------------------------------------------------


@strict
class Nomenclature(Strict):
    liste: Texte
    version: Texte


@strict
class TypeService(Strict):
    libelle: Texte
    niveau: Niveau
    finess: str | None = None
    ror: str | None = None
    acces_direct: bool = False
    prescription: bool = False
    historique: bool = False
    besoins: list[Code] = field(default_factory=list)
    reference: Texte
    description: str | None = None


@strict
class FichierTypes(Strict):
    version: Texte
    nomenclatures: dict[str, Nomenclature]
    types: dict[Code, TypeService]
    natures: list[Code] = field(default_factory=list)


# How a hit of the text is qualified (matcher.py): a suspected diagnosis, a past event, a fact
# about a relative, a sign a doctor has since examined and cleared ("pas d'indication de
# transfert"). An entry lists the qualifiers that cancel its hits.
Qualificatif = Literal["hypothese", "risque", "passe", "proche", "demande", "ecarte"]


@strict
class Besoin(Strict):
    libelle: Texte
    axe: Literal["medical", "social", "organisationnel"]
    synonymes: list[Texte] = field(default_factory=list)
    # "pas de dossier MDPH", "pas d'aide à domicile": for a need that is a missing resource,
    # saying it is missing is the need itself.
    manque_est_besoin: bool = False
    annule_si: list[Qualificatif] = field(default_factory=list)
    combinaisons: list[list[list[Texte]]] = field(default_factory=list)


@strict
class FichierBesoins(Strict):
    version: Texte
    besoins: dict[Identifiant, Besoin]


@strict
class Public(Strict):
    libelle: Texte
    age_min: int | None = None
    age_max: int | None = None
    critere: str | None = None
    data_inclusion: str | None = None


@strict
class FichierPublics(Strict):
    version: Texte
    publics: dict[Identifiant, Public]
    orienteurs: dict[Identifiant, Texte]


@strict
class Critere(Strict):
    libelle: Texte
    type: Literal["booleen", "nombre"]
    synonymes: list[Texte] = field(default_factory=list)
    motif: str | None = None
    axe: Literal["medical", "social", "organisationnel"] | None = None
    annule: list[Code] = field(default_factory=list)
    annule_si: list[Qualificatif] = field(default_factory=list)
    # Word families that, together in one sentence, establish the fact: [[bouche, visage],
    # [tomber, travers]] reads "un coin de la bouche tombe" as well as "visage de travers".
    combinaisons: list[list[list[Texte]]] = field(default_factory=list)
    # For a number: the values that make sense (an MMSE is 0 to 30); others are refused when
    # given, and ignored when read in a text.
    bornes: tuple[float, float] | None = None


@strict
class FichierCriteres(Strict):
    version: Texte
    abreviations: dict[str, Texte] = field(default_factory=dict)
    criteres: dict[Identifiant, Critere]


# --- orientation rules (rules/regles.yaml) ------------------------------------------------


@strict
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
    demande: bool | None = None  # the note asks for a precise service, not for coordination
    tous: list[Condition] | None = None
    un_de: list[Condition] | None = None
    aucun: list[Condition] | None = None


@strict
class Proposition(Strict):
    type: Code
    poids: Annotated[float, Bounds(-1, 1)]


@strict
class Exclusion(Strict):
    type: Code
    raison: Texte


@strict
class ConditionAffichee(Strict):
    type: Code
    texte: Texte


@strict
class Appel(Strict):
    """A number to call, from the catalogue `numeros` of regles.yaml."""

    numero: Code
    en_premier: bool = False  # before the numbers of the other fired rules (114 for a deaf person)


@strict
class Numero(Strict):
    libelle: Texte
    description: Texte
    reference: Texte


@strict
class Effets(Strict):
    proposer: list[Proposition] = field(default_factory=list)
    exclure: list[Exclusion] = field(default_factory=list)
    ajouter_besoins: list[Code] = field(default_factory=list)
    niveau: Literal["premier_recours", "appui", "specialise"] | None = None
    conditions: list[ConditionAffichee] = field(default_factory=list)
    avertissement: str | None = None
    urgence: bool = False
    appeler: list[Appel] = field(default_factory=list)


@strict
class Regle(Strict):
    id: Identifiant
    description: Texte
    reference: Texte
    si: Condition
    alors: Effets


@strict
class FichierRegles(Strict):
    version: Texte
    numeros: dict[Code, Numero] = field(default_factory=dict)
    regles: list[Regle]


def to_data(obj: Any, drop_empty: bool = False) -> Any:
    """A record as JSON-ready data (dates as ISO text, enums as their value). `drop_empty`
    leaves out empty lists, None and False (what a reader does not need to see)."""
    import msgspec

    data = msgspec.to_builtins(obj)
    return _drop_empty(data) if drop_empty else data


def _drop_empty(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _drop_empty(v) for k, v in node.items() if v not in (None, False, [], {})}
    if isinstance(node, list):
        return [_drop_empty(v) for v in node]
    return node
