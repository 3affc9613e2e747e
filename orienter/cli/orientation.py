"""Commands `suggest`, `explain` and `test`: a situation in, an orientation out."""

import sys
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.cli.common import (DONNEES, FORMAT, REGLES, Format, _index, _workspace, _write_output, commands, guarded)


# --- orientation ----------------------------------------------------------------------------


class SuggestFormat(str, Enum):
    texte = "texte"
    json = "json"
    markdown = "markdown"
    mermaid = "mermaid"
    dot = "dot"


def _engine(donnees: Optional[List[Path]], regles: Optional[Path]) -> tuple[Any, Any]:
    from orienter.engine.orient import Engine

    from orienter.store.lexicons import compiled_for

    ws = _workspace(donnees, regles)
    return ws, Engine(_index(ws), ws.vocab, compiled=compiled_for(ws.vocab, ws.rules, ws.rules_key))


def _situation(fichier: Optional[Path], commune: Optional[str], age: Optional[int], besoin: List[str],
               critere: List[str], complexe: Optional[str], texte: Optional[str]) -> Any:
    from orienter.engine.situation import merge, parse_criteria, situation_from_file

    if texte == "-" or (texte is None and fichier is None and not sys.stdin.isatty() and not besoin):
        texte = sys.stdin.read()
    flag = None
    if complexe is not None:
        flag = complexe.strip().lower() in {"oui", "o", "1", "true", "vrai"}
        if complexe.strip().lower() not in {"oui", "o", "1", "true", "vrai", "non", "n", "0", "false", "faux"}:
            raise OrienterError("--complexe attend oui ou non (votre jugement de la situation).", ExitCode.USAGE)
    base = situation_from_file(fichier) if fichier else None
    situation = merge(base, commune, age, besoin, parse_criteria(critere), texte, flag)
    if not situation.commune:
        raise OrienterError("Commune manquante : indiquez --commune (nom, code INSEE ou code postal), "
                            "ou `commune:` dans le fichier de situation.", ExitCode.INPUT)
    return situation


def _orient(fichier: Optional[Path], commune: Optional[str], age: Optional[int], besoin: List[str],
            critere: List[str], complexe: Optional[str], texte: Optional[str], territoire: Optional[str],
            top: int, donnees: Optional[List[Path]], regles: Optional[Path]) -> Any:
    from datetime import date

    from orienter.directory.queries import resolve_in
    from orienter.engine.orient import Engine
    from orienter.load.geo import load_geo
    from orienter.load.workspace import load_workspace, require_valid
    from orienter.store.index import Index
    from orienter.store.lexicons import compiled_for

    situation = _situation(fichier, commune, age, besoin, critere, complexe, texte)
    place = resolve_in(load_geo(), situation.commune)
    # The perimeters first, then only the territories that hold the commune (and the national
    # layer), or the one asked for.
    ws = require_valid(load_workspace(donnees, regles, date.today(), commune=None if territoire else place,
                                      only=[territoire, "national"] if territoire else None))
    if territoire and territoire not in {t.id for t in ws.territories}:
        ws = require_valid(load_workspace(donnees, regles))  # say which territories exist
    engine = Engine(Index(ws.territories, ws.geo), ws.vocab, date.today(),
                    compiled_for(ws.vocab, ws.rules, ws.rules_key))
    return engine.orient(situation, place, territoire, top)


FICHIER = typer.Option(None, "--situation", "-s", help="Fichier de situation YAML ou JSON.")
COMMUNE = typer.Option(None, "--commune", "-c", help="Commune de la personne (nom, code INSEE ou code postal).")
AGE = typer.Option(None, "--age", "-a", min=0, max=130, help="Âge de la personne.")
BESOIN = typer.Option([], "--besoin", "-b", help="Code de besoin explicite (répétable).")
CRITERE = typer.Option([], "--critere", help="Fait explicite clé=valeur, ex. mmse=21 (répétable).")
COMPLEXE = typer.Option(None, "--complexe", help="Votre jugement : oui ou non (remplace la règle des deux axes).")
TERRITOIRE = typer.Option(None, "--territoire", "-t", help="Limiter à un territoire (ex. le territoire fictif).")
TOP = typer.Option(8, "--top", min=1, max=50, help="Nombre de suggestions.")
TEXTE = typer.Argument(None, help="Description libre de la situation (ou - pour l'entrée standard).")


@commands.command("suggest")
@guarded
def suggest_cmd(
    texte: Optional[str] = TEXTE, fichier: Optional[Path] = FICHIER, commune: Optional[str] = COMMUNE,
    age: Optional[int] = AGE, besoin: List[str] = BESOIN, critere: List[str] = CRITERE,
    complexe: Optional[str] = COMPLEXE, territoire: Optional[str] = TERRITOIRE, top: int = TOP,
    format: SuggestFormat = typer.Option(SuggestFormat.texte, "--format", "-f", help="texte, json, markdown (fiche imprimable), mermaid ou dot (le parcours en schéma)."),
    explain: bool = typer.Option(False, "--explain", help="Affiche toute la trace de la décision."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Écrire le résultat dans ce fichier (seul cas où la situation est écrite)."),
    force: bool = typer.Option(False, "--force", help="Avec --output : remplacer un fichier existant."),
    donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Qui appeler d'abord pour cette personne, pourquoi, à quelles conditions, et comment le joindre."""
    o = _orient(fichier, commune, age, besoin, critere, complexe, texte, territoire, top, donnees, regles)
    _render_orientation(o, format, explain, output, force)


@commands.command("explain")
@guarded
def explain_cmd(
    texte: Optional[str] = TEXTE, fichier: Optional[Path] = FICHIER, commune: Optional[str] = COMMUNE,
    age: Optional[int] = AGE, besoin: List[str] = BESOIN, critere: List[str] = CRITERE,
    complexe: Optional[str] = COMPLEXE, territoire: Optional[str] = TERRITOIRE, top: int = TOP,
    format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Toute la trace d'une orientation : mots lus, besoins, faits, complexité, règles, filtres, classement."""
    o = _orient(fichier, commune, age, besoin, critere, complexe, texte, territoire, top, donnees, regles)
    _render_orientation(o, SuggestFormat(format.value), True, None, False)


def _render_orientation(o: Any, format: "SuggestFormat", explain: bool, output: Optional[Path], force: bool) -> None:
    data = o.to_json(with_trace=explain)
    if format == SuggestFormat.texte:
        from orienter.render import orientation as view

        if output:  # the screen view is for the screen; the file gets the printable sheet
            _write_output(output, view.markdown(data), force)
        (view.explain if explain else view.terminal)(data)
        return
    text = _as_text(data, format)
    if output:
        _write_output(output, text, force)
    else:
        sys.stdout.write(text)


def _as_text(data: dict[str, Any], format: "SuggestFormat") -> str:
    if format == SuggestFormat.json:
        import json

        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if format == SuggestFormat.markdown:
        from orienter.render import orientation as view

        return view.markdown(data)
    from orienter.render import path

    return path.mermaid(data) if format == SuggestFormat.mermaid else path.dot(data)


@commands.command("test")
@guarded
def test_cmd(
    chemins: Optional[List[Path]] = typer.Argument(None, help="Fichiers ou dossiers de cas (défaut : tests/cas)."),
    verbeux: bool = typer.Option(False, "--verbeux", "-v", help="Affiche aussi les cas réussis."),
    format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Rejoue des cas d'orientation (YAML) : types attendus dans les K premiers, types interdits."""
    from orienter.engine.casetests import load_cases, run_case
    from orienter.directory.queries import resolve_commune
    from orienter.core.paths import PACKAGE

    paths = chemins or [PACKAGE.parent / "tests" / "cas"]
    cases, problems = load_cases(paths)
    if problems:
        raise OrienterError(problems, ExitCode.INPUT)
    if not cases:
        raise OrienterError("Aucun cas trouvé : un fichier de cas est une liste YAML de cas "
                            "(nom, situation, attendu).", ExitCode.INPUT)
    ws, engine = _engine(donnees, regles)
    results = [run_case(engine, lambda q: resolve_commune(ws, q), f, line, case) for f, line, case in cases]
    failed = [r for r in results if not r.ok]
    if format == Format.json:
        from orienter.render import print_json

        print_json({"schema": "orienter/tests@1", "cas": len(results), "reussis": len(results) - len(failed),
                    "echoues": len(failed), "resultats": [vars(r) for r in results]})
    else:
        for r in results:
            if not r.ok or verbeux:
                status = "OK  " if r.ok else "ÉCHEC"
                sys.stdout.write(f"{status} {r.file}:{r.line} {r.nom}\n")
                for p in r.problems:
                    sys.stdout.write(f"      {p} ; obtenu : {', '.join(r.top) or 'rien'}\n")
        sys.stdout.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    raise typer.Exit(int(ExitCode.INPUT if failed else ExitCode.OK))
