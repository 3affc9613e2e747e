"""The correspondence tables of rules/correspondances/: FINESS categories and data·inclusion codes to
orienter's vocabulary. They are data (reviewed like the rest of rules/), read with the project's safe
YAML loader and checked against the vocabulary, so a typo in a table is a located error, not a
silently empty import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orienter.core.diagnostics import Diagnostic, ExitCode, OrienterError, format_line
from orienter.load.vocabulary import Vocabulary

FOLDER = "correspondances"
FINESS_FILE = "finess.yaml"
DI_FILE = "data-inclusion.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CategorieFiness(_Strict):
    code: str = Field(pattern=r"^\d{3}$")
    libelle: str
    version: str
    type: str | None
    zone_provisoire: Literal["commune", "departement"] = "commune"
    modes: list[str] = Field(default_factory=list)
    publics: list[str] = Field(default_factory=list)
    orienteurs: list[str] = Field(default_factory=list)


class _FichierFiness(_Strict):
    version: str
    listes: dict[str, str]
    categories: list[CategorieFiness]


Sens = Literal["les-deux", "import", "export"]


class _Reseau(_Strict):
    reseau: str
    type: str
    sens: Sens
    version: str


class _TypeService(_Strict):
    type: str
    type_service: str
    version: str


class _Thematique(_Strict):
    besoin: str
    thematique: str
    sens: Sens
    version: str


class _Public(_Strict):
    public: str
    public_di: str
    sens: Sens
    version: str


class _FichierDI(_Strict):
    version: str
    listes: dict[str, str]
    reseaux_porteurs: list[_Reseau]
    types_de_services: list[_TypeService]
    thematiques: list[_Thematique]
    publics: list[_Public]


@dataclass
class FinessMapping:
    version: str
    listes: dict[str, str]
    categories: dict[str, CategorieFiness]
    file: str

    def category_label(self, code: str | None) -> str:
        row = self.categories.get(code or "")
        return row.libelle if row else "catégorie absente de la table"

    def codes_for(self, wanted: str) -> set[str]:
        """A FINESS category code, or an orienter type (all the categories mapped to it)."""
        if wanted in self.categories:
            return {wanted}
        return {c for c, row in self.categories.items() if row.type and row.type.upper() == wanted.upper()}


@dataclass
class DIMapping:
    version: str
    listes: dict[str, str]
    file: str
    reseau_to_type: dict[str, str] = field(default_factory=dict)
    type_to_reseau: dict[str, str] = field(default_factory=dict)
    type_to_type_service: dict[str, str] = field(default_factory=dict)
    thematique_to_besoins: dict[str, list[str]] = field(default_factory=dict)
    besoin_to_thematiques: dict[str, list[str]] = field(default_factory=dict)
    public_di_to_public: dict[str, str] = field(default_factory=dict)
    public_to_public_di: dict[str, str] = field(default_factory=dict)


def _load(path: Path, model: type[_Strict]) -> tuple[_Strict, str]:
    from orienter.core.paths import display_path
    from orienter.load.schema import validate_model
    from orienter.load.yamlsafe import load_yaml

    shown = display_path(path)
    if not path.is_file():
        raise OrienterError(f"{shown} : table de correspondance introuvable (elle est livrée dans "
                            f"rules/{FOLDER}/) : réinstallez orienter ou indiquez --regles.", ExitCode.USAGE)
    doc, problems = load_yaml(path, shown)
    if doc is None or problems:
        raise OrienterError(problems or f"{shown} : fichier vide", ExitCode.USAGE)
    parsed, problems = validate_model(model, doc.data, doc)
    if parsed is None or problems:
        raise OrienterError(problems, ExitCode.USAGE)
    return parsed, shown


def _check(diags: list[Diagnostic], file: str, ok: bool, message: str) -> None:
    if not ok:
        diags.append(Diagnostic(file, 1, 1, "O501", message))


def load_finess_mapping(rules: Path, vocab: Vocabulary) -> FinessMapping:
    parsed, shown = _load(rules / FOLDER / FINESS_FILE, _FichierFiness)
    assert isinstance(parsed, _FichierFiness)
    diags: list[Diagnostic] = []
    categories: dict[str, CategorieFiness] = {}
    for row in parsed.categories:
        where = f"catégorie {row.code}"
        _check(diags, shown, row.code not in categories, f"{where} : en double")
        _check(diags, shown, row.version in parsed.listes, f"{where} : version « {row.version} » absente de `listes`")
        _check(diags, shown, row.type is None or row.type in vocab.types,
               f"{where} : type « {row.type} » absent de rules/types.yaml")
        for public in row.publics:
            _check(diags, shown, public in vocab.publics, f"{where} : public « {public} » inconnu")
        for who in row.orienteurs:
            _check(diags, shown, who in vocab.orienteurs, f"{where} : orienteur « {who} » inconnu")
        for mode in row.modes:
            _check(diags, shown, mode in ("sur_place", "a_domicile", "telephone", "a_distance", "mobile"),
                   f"{where} : mode « {mode} » inconnu")
        categories[row.code] = row
    if diags:
        raise OrienterError("\n".join(format_line(d) for d in diags), ExitCode.USAGE)
    return FinessMapping(parsed.version, parsed.listes, categories, shown)


def load_di_mapping(rules: Path, vocab: Vocabulary) -> DIMapping:
    parsed, shown = _load(rules / FOLDER / DI_FILE, _FichierDI)
    assert isinstance(parsed, _FichierDI)
    diags: list[Diagnostic] = []
    m = DIMapping(parsed.version, parsed.listes, shown)
    rows = [*parsed.reseaux_porteurs, *parsed.types_de_services, *parsed.thematiques, *parsed.publics]
    for row in rows:
        _check(diags, shown, row.version in parsed.listes, f"{row} : version « {row.version} » absente de `listes`")
    for r in parsed.reseaux_porteurs:
        _check(diags, shown, r.type in vocab.types, f"réseau {r.reseau} : type « {r.type} » inconnu")
        if r.sens != "export":
            m.reseau_to_type.setdefault(r.reseau, r.type)
        if r.sens != "import":
            m.type_to_reseau.setdefault(r.type, r.reseau)
    for t in parsed.types_de_services:
        _check(diags, shown, t.type in vocab.types, f"type de service : type « {t.type} » inconnu")
        m.type_to_type_service[t.type] = t.type_service
    for th in parsed.thematiques:
        _check(diags, shown, th.besoin in vocab.besoins, f"thématique {th.thematique} : besoin « {th.besoin} » inconnu")
        if th.sens != "export":
            m.thematique_to_besoins.setdefault(th.thematique, []).append(th.besoin)
        if th.sens != "import":
            m.besoin_to_thematiques.setdefault(th.besoin, []).append(th.thematique)
    for p in parsed.publics:
        _check(diags, shown, p.public in vocab.publics, f"public {p.public_di} : public « {p.public} » inconnu")
        if p.sens != "export":
            m.public_di_to_public.setdefault(p.public_di, p.public)
        if p.sens != "import":
            m.public_to_public_di.setdefault(p.public, p.public_di)
    if diags:
        raise OrienterError("\n".join(format_line(d) for d in diags), ExitCode.USAGE)
    return m
