"""`orienter test`: YAML orientation cases, in the spirit of OpenFisca's YAML tests.

A case file is a list of cases: a situation, the types expected in the top K (at least one of
them), the types forbidden there, optional keywords. The runner returns results; the CLI
prints them and picks the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Iterable


from orienter.core.diagnostics import Diagnostic, OrienterError
from orienter.core.paths import display_path
from orienter.engine.orient import Engine
from orienter.load.model import Bounds, Situation, Strict, strict
from orienter.load.schema import validate_model
from orienter.load.yamlsafe import load_yaml


@strict
class Attendu(Strict):
    top: Annotated[int, Bounds(1, 50)] = 3
    types: list[str] = field(default_factory=list)
    tous_types: list[str] = field(default_factory=list)
    interdits: list[str] = field(default_factory=list)
    besoins: list[str] = field(default_factory=list)
    urgence: bool | None = None
    numeros: list[str] = field(default_factory=list)  # emergency numbers that must be shown


@strict
class Cas(Strict):
    nom: str
    situation: Situation
    attendu: Attendu
    reference: str | None = None
    mots_cles: list[str] = field(default_factory=list)
    territoire: str | None = None


@dataclass
class CaseResult:
    file: str
    line: int
    nom: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    top: list[str] = field(default_factory=list)
    mots_cles: list[str] = field(default_factory=list)
    # What the quality figures count (docs/qualite.md):
    attendu_trouve: bool = True  # an expected type in the top K (or, for an emergency, recognised)
    interdit_present: bool = False  # a ruled-out type in the top K
    urgence_attendue: bool = False
    urgence_reconnue: bool = False
    fausse_alerte: bool = False  # an emergency announced where none was expected
    numeros_manquants: list[str] = field(default_factory=list)


def load_cases(paths: Iterable[Path]) -> tuple[list[tuple[str, int, Cas]], list[Diagnostic]]:
    files: list[Path] = []
    for p in paths:
        files += sorted(p.rglob("*.y*ml")) if p.is_dir() else [p]
    cases: list[tuple[str, int, Cas]] = []
    diags: list[Diagnostic] = []
    for f in files:
        doc, problems = load_yaml(f, display_path(f))
        diags += problems
        if doc is None:
            continue
        items = doc.data if isinstance(doc.data, list) else [doc.data]
        for i, item in enumerate(items):
            base = (i,) if isinstance(doc.data, list) else ()
            case, problems = validate_model(Cas, item, doc, base)
            diags += problems
            if case is not None:
                cases.append((doc.file, doc.position(base)[0], case))
    return cases, diags


def run_case(engine: Engine, resolve: Any, file: str, line: int, case: Cas) -> CaseResult:
    result = CaseResult(file, line, case.nom, True, mots_cles=case.mots_cles)
    try:
        commune = resolve(case.situation.commune or "")
        orientation = engine.orient(case.situation, commune, case.territoire, top=max(case.attendu.top, 8))
    except OrienterError as exc:
        result.ok = False
        result.problems.append(f"erreur : {exc.text}")
        return result
    k = case.attendu.top
    top_types = [s["type"] for s in orientation.suggestions[:k]]
    result.top = top_types
    result.urgence_attendue = bool(case.attendu.urgence)
    result.urgence_reconnue = orientation.urgence
    result.fausse_alerte = orientation.urgence and case.attendu.urgence is False
    called = [c["numero"] for c in orientation.appels]
    result.numeros_manquants = [n for n in case.attendu.numeros if n not in called]
    for n in result.numeros_manquants:
        result.problems.append(f"numéro {n} attendu ; appels proposés : {', '.join(called) or 'aucun'}")
    if case.attendu.types and not set(case.attendu.types).intersection(top_types):
        result.attendu_trouve = False
        result.problems.append(f"attendu l'un de {case.attendu.types} dans les {k} premiers")
    if result.urgence_attendue:
        result.attendu_trouve = orientation.urgence
    result.interdit_present = bool(set(case.attendu.interdits) & set(top_types))
    for t in case.attendu.tous_types:
        if t not in top_types:
            result.problems.append(f"attendu {t} dans les {k} premiers")
    for t in case.attendu.interdits:
        if t in top_types:
            result.problems.append(f"{t} interdit dans les {k} premiers (rang {top_types.index(t) + 1})")
    needs = {n.code for n in orientation.besoins}
    for n in case.attendu.besoins:
        if n not in needs:
            result.problems.append(f"besoin {n} non détecté")
    if case.attendu.urgence is not None and orientation.urgence != case.attendu.urgence:
        result.problems.append("urgence attendue" if case.attendu.urgence else "urgence non attendue")
    result.ok = not result.problems
    return result


@dataclass
class FieldFigures:
    """The figures of one field (or of all cases) that docs/qualite.md records."""

    cas: int = 0
    trouves: int = 0  # expected type in the top K; for emergencies: recognised
    interdits: int = 0  # cases with a ruled-out type in the top K
    urgences: int = 0
    urgences_reconnues: int = 0
    numeros_complets: int = 0  # emergencies whose expected numbers were all given
    fausses_alertes: int = 0

    def add(self, r: CaseResult) -> None:
        self.cas += 1
        self.trouves += r.attendu_trouve and not r.fausse_alerte
        self.interdits += r.interdit_present
        if r.urgence_attendue:
            self.urgences += 1
            self.urgences_reconnues += r.urgence_reconnue
            self.numeros_complets += r.urgence_reconnue and not r.numeros_manquants
        self.fausses_alertes += r.fausse_alerte


def figures(results: Iterable[CaseResult]) -> dict[str, FieldFigures]:
    """Per field (the case's first keyword), and "tous" for every case."""
    out: dict[str, FieldFigures] = {"tous": FieldFigures()}
    for r in results:
        out["tous"].add(r)
        out.setdefault(r.mots_cles[0] if r.mots_cles else "sans domaine", FieldFigures()).add(r)
    return out
