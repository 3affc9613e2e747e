"""The findings of validation that a cached result keeps: references between records and
dated checks, with the two functions that turn them into diagnostics at each load. Kept apart
from `validation.py` so that a warm load imports neither the YAML loader nor pydantic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from orienter.core.diagnostics import Diagnostic


@dataclass
class Ref:
    kind: str  # "structure-id", "service-id", "structure-ref", "finess", "siret"
    value: str
    file: str
    line: int
    col: int
    owner: str = ""


@dataclass
class Dated:
    """A check that depends on today's date: "stale" (last human check older than the review
    frequency), "future" (a date after today), "absorbed" (absorption in force, still active)."""

    kind: str
    file: str
    line: int
    col: int
    path: str
    when: date
    months: int = 0  # review frequency, for "stale"
    detail: str = ""  # field name ("future"), structure ids ("absorbed")


def dated_diagnostics(dated: Iterable[Dated], today: date) -> list[Diagnostic]:
    out = []
    for d in dated:
        if d.kind == "stale":
            age = (today.year - d.when.year) * 12 + today.month - d.when.month
            if age > d.months:
                out.append(Diagnostic(d.file, d.line, d.col, "O403",
                                      f"dernière vérification le {d.when:%d/%m/%Y}, il y a {age} mois pour une revue "
                                      f"tous les {d.months} mois : revérifiez et mettez la date à jour", path=d.path))
        elif d.kind == "future" and d.when > today:
            out.append(Diagnostic(d.file, d.line, d.col, "O405",
                                  f"{d.detail} est dans le futur ({d.when:%d/%m/%Y}) : écrivez la date réelle",
                                  path=d.path))
        elif d.kind == "absorbed" and d.when <= today:
            ident, by = d.detail.split(" ", 1)
            out.append(Diagnostic(d.file, d.line, d.col, "O309",
                                  f"{ident} est absorbée par {by} depuis {d.when:%d/%m/%Y} mais reste « actif » : "
                                  "passez le statut à « absorbe » ou retirez absorbee_par", path=d.path))
    return out


def cross_checks(refs: Iterable[Ref]) -> list[Diagnostic]:
    """Duplicate ids, FINESS and SIRET, and references to no structure, across the files given."""
    refs = list(refs)
    out: list[Diagnostic] = []
    first: dict[tuple[str, str], Ref] = {}
    structure_ids = {r.value for r in refs if r.kind == "structure-id"}
    for r in refs:
        if r.kind in ("structure-id", "service-id", "finess", "siret"):
            family = "id" if r.kind.endswith("-id") else r.kind
            prev = first.setdefault((family, r.value), r)
            if prev is not r:
                code = "O201" if family == "id" else "O205"
                label = {"id": "identifiant", "finess": "FINESS", "siret": "SIRET"}[family]
                out.append(Diagnostic(r.file, r.line, r.col, code,
                                      f"{label} « {r.value} » déjà utilisé ({prev.file}:{prev.line}) : "
                                      + ("choisissez un identifiant unique, préfixé par le territoire"
                                         if family == "id" else "une même entité ne doit figurer qu'une fois ; "
                                         "fusionnez les deux fiches")))
        elif r.kind == "structure-ref" and r.value not in structure_ids:
            out.append(Diagnostic(r.file, r.line, r.col, "O202",
                                  f"« {r.value} » ne désigne aucune structure connue : vérifiez l'identifiant"))
    return out


