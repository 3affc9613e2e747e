"""Command line: parse options, call one function, pick a renderer and the exit code.

Nothing heavy is imported at module level (pydantic, yaml, rapidfuzz, rich tables, networkx):
`orienter --help` and `suggest --format json` stay fast (DESIGN §6).
"""


import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, List, Optional, TypeVar

# No pydantic plugin is used; their discovery scans every installed package's metadata at
# the first model (about 15 ms of each command's start-up).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer  # noqa: E402

from orienter.core.diagnostics import ExitCode, OrienterError  # noqa: E402

F = TypeVar("F", bound=Callable[..., Any])

_SETTINGS: dict[str, Any] = dict(
    name="orienter",
    help="Annuaire vérifié des services d'appui, de soins et d'accompagnement d'un territoire, "
    "et aide à l'orientation : qui appeler d'abord, et pourquoi.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _Commands:
    """Commands are recorded, then registered: the full app for help and tests, and for a run
    an app holding only the command invoked. Typer builds the parameters of every registered
    command at start-up (about 0.13 s for all of them); one command costs a tenth of that."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Callable[..., Any], dict[str, Any]]] = []

    def command(self, name: str, **kwargs: Any) -> Callable[[F], F]:
        def record(func: F) -> F:
            self.entries.append((name, func, kwargs))
            return func

        return record

    def app(self, only: str | None = None) -> typer.Typer:
        built = typer.Typer(**_SETTINGS)
        built.callback()(_root)  # a group even with one command: `orienter suggest ...` keeps its name
        for name, func, kwargs in self.entries:
            if only is None or name == only:
                built.command(name, **kwargs)(func)
        return built


commands = _Commands()


def _root() -> None:
    """Annuaire vérifié des services d'appui, de soins et d'accompagnement d'un territoire, et aide à
    l'orientation : qui appeler d'abord, et pourquoi."""




class Format(str, Enum):
    texte = "texte"
    json = "json"


class ValidateFormat(str, Enum):
    texte = "texte"
    json = "json"
    github = "github"


DONNEES = typer.Option(None, "--donnees", "-d", help="Dossier(s) de territoires (défaut : data/territories).")
REGLES = typer.Option(None, "--regles", help="Dossier du vocabulaire et des règles (défaut : rules/).")
FORMAT = typer.Option(Format.texte, "--format", "-f", help="texte (tableaux) ou json.")


def guarded(func: F) -> F:
    """Turn the tool's own errors into a French message and an exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OrienterError as exc:
            sys.stderr.write(exc.text.rstrip("\n") + "\n")
            raise typer.Exit(int(exc.exit_code)) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            sys.stderr.write("Interrompu.\n")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except Exception as exc:  # noqa: BLE001 - last resort: no traceback, no case data echoed
            sys.stderr.write(f"Erreur interne inattendue ({type(exc).__name__}). Rien n'a été modifié. "
                             "Merci de la signaler avec la commande lancée (sans données de patient).\n")
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


def _workspace(donnees: Optional[List[Path]], regles: Optional[Path], strict_data: bool = True) -> Any:
    from orienter.load.workspace import load_workspace, require_valid

    ws = load_workspace(donnees, regles)
    return require_valid(ws) if strict_data else ws


def _index(ws: Any) -> Any:
    from orienter.store.index import Index

    return Index(ws.territories, ws.geo)


# --- validate -------------------------------------------------------------------------------


@commands.command("validate")
@guarded
def validate_cmd(
    chemins: Optional[List[Path]] = typer.Argument(None, help="Fichiers ou dossiers de territoires (défaut : data/territories)."),
    format: ValidateFormat = typer.Option(ValidateFormat.texte, "--format", "-f", help="texte, json ou github (annotations)."),
    strict: bool = typer.Option(False, "--strict", help="Les avertissements comptent comme des erreurs."),
    codes: bool = typer.Option(False, "--codes", help="Liste les codes de diagnostic et leur sens."),
    regles: Optional[Path] = REGLES,
) -> None:
    """Vérifie les fichiers de territoire : schéma, communes, vocabulaire, références, sources, fraîcheur."""
    from orienter.render import diagnostics as report

    if codes:
        report.write(report.codes_table())
        return
    from orienter.load.workspace import load_workspace

    # Diagnostics only: no structure stays in memory (flat memory at national scale).
    ws = load_workspace(chemins, regles, structures=False)
    diags = ws.diagnostics
    if format == ValidateFormat.json:
        report.write(report.as_json(diags, ws.files, strict))
    else:
        if format == ValidateFormat.github:
            report.write(report.as_github(diags, strict))
        # GitHub shows 10 annotations per kind: the plain report always follows (DESIGN §8).
        report.write(report.as_text(diags, strict))
        report.write(report.summary(diags, ws.files, strict) + "\n")
    failing = any(d.level == "error" or (strict and d.level == "warning") for d in diags)
    raise typer.Exit(int(ExitCode.INPUT if failing else ExitCode.OK))


@commands.command("schema")
@guarded
def schema_cmd() -> None:
    """Affiche le schéma JSON (draft-07) des fichiers de territoire, pour les éditeurs."""
    from orienter.load.schema import dumps_schema

    sys.stdout.write(dumps_schema() + "\n")


# --- orientation ----------------------------------------------------------------------------


class SuggestFormat(str, Enum):
    texte = "texte"
    json = "json"
    markdown = "markdown"
    mermaid = "mermaid"
    dot = "dot"


def _engine(donnees: Optional[List[Path]], regles: Optional[Path]) -> tuple[Any, Any]:
    from orienter.engine.orient import Engine

    ws = _workspace(donnees, regles)
    return ws, Engine(_index(ws), ws.vocab)


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

    from orienter.store import shards
    from orienter.directory.queries import resolve_in
    from orienter.engine.orient import Engine
    from orienter.load.geo import load_geo
    from orienter.store.index import Index
    from orienter.core.paths import data_dir, rules_dir

    situation = _situation(fichier, commune, age, besoin, critere, complexe, texte)
    paths, rules, today = list(donnees or [data_dir()]), regles or rules_dir(), date.today()
    geo = load_geo()
    place = resolve_in(geo, situation.commune)
    # One département's extract is enough to answer for one commune (orienter/shards.py).
    data = None if territoire else shards.read(paths, rules, place.departement, today)
    if data is None:
        from orienter.load.workspace import load_workspace, require_valid

        keep = None if territoire else shards.keeper(geo, place.departement)
        ws = require_valid(load_workspace(paths, rules, today, keep=keep))
        if not territoire:
            shards.write(ws, paths, rules, place.departement, today)
        index, vocab = Index(ws.territories, geo), ws.vocab
    else:
        index, vocab = data["index"].with_geo(geo), data["vocab"]
    return Engine(index, vocab, today).orient(situation, place, territoire, top)


def _write_output(path: Path, text: str, force: bool) -> None:
    """Writing a case to disk is the user's explicit choice, and never over an existing file."""
    if path.exists() and not force:
        raise OrienterError(f"{path} existe déjà : choisissez un autre nom ou ajoutez --force.", ExitCode.USAGE)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OrienterError(f"Écriture impossible dans {path} : {exc.strerror or exc}", ExitCode.USAGE) from None


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


# --- directory ------------------------------------------------------------------------------


@commands.command("communes")
@guarded
def communes_cmd(
    requete: str = typer.Argument(..., help="Nom (approché), code INSEE ou code postal."),
    format: Format = FORMAT,
) -> None:
    """Trouve une commune par son nom, son code INSEE ou son code postal."""
    from orienter.load.geo import load_geo

    geo = load_geo()
    res = geo.resolve(requete)

    def row(c: Any) -> dict[str, Any]:
        return {"code": c.code, "nom": c.nom, "departement": c.departement, "region": c.region,
                "epci": c.epci, "epci_nom": geo.epci.get(c.epci, {}).get("nom") if c.epci else None,
                "ept": c.ept or None, "codes_postaux": list(c.codes_postaux), "population": c.population}

    data = {"requete": requete, "commune": row(res.commune) if res.commune else None,
            "candidats": [row(c) for c in res.candidats], "note": res.note}
    if format == Format.json:
        from orienter.render import print_json

        print_json(data)
    else:
        from orienter.render import directory

        directory.communes(data)
    if res.commune is None:
        raise typer.Exit(int(ExitCode.INPUT))


@commands.command("territoires")
@guarded
def territoires_cmd(format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES,
                    regles: Optional[Path] = REGLES) -> None:
    """Liste les territoires avec leurs nombres de structures, services et communes."""
    from orienter.directory.queries import territories_summary

    rows = territories_summary(_workspace(donnees, regles))
    _emit(rows, format, "territories")


@commands.command("structures")
@guarded
def structures_cmd(
    territoire: Optional[str] = typer.Option(None, "--territoire", "-t", help="Identifiant du territoire."),
    type: Optional[str] = typer.Option(None, "--type", help="Type de service (DAC, HAD, SSIAD...)."),
    commune: Optional[str] = typer.Option(None, "--commune", "-c", help="Commune couverte (nom, INSEE ou code postal)."),
    format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Liste les structures, par territoire, type ou commune couverte (qui intervient ici ?)."""
    from orienter.directory.queries import structures_list

    ws = _workspace(donnees, regles)
    _emit(structures_list(ws, _index(ws), territoire, type, commune), format, "structures")


@commands.command("fiche")
@guarded
def fiche_cmd(ident: str = typer.Argument(..., help="Identifiant d'une structure ou d'un service."),
              format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES,
              regles: Optional[Path] = REGLES) -> None:
    """Fiche complète d'une structure : services, publics, couverture, contacts, sources, vérification."""
    from orienter.directory.queries import structure_sheet

    ws = _workspace(donnees, regles)
    _emit(structure_sheet(ws, _index(ws), ident), format, "sheet")


@commands.command("cherche")
@guarded
def cherche_cmd(texte: str = typer.Argument(..., help="Nom, sigle, type ou besoin, même approché."),
                format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES,
                regles: Optional[Path] = REGLES) -> None:
    """Recherche approchée dans les noms, types et besoins."""
    from orienter.directory.queries import search

    rows = search(_workspace(donnees, regles), texte)
    if format == Format.json:
        from orienter.render import print_json

        print_json(rows)
    else:
        from orienter.render import directory

        directory.search_results(rows, texte)


def _emit(data: Any, format: Format, view: str) -> None:
    if format == Format.json:
        from orienter.render import print_json

        print_json(data)
        return
    from orienter.render import directory

    getattr(directory, view)(data)


from orienter.cli import report as cli_report  # noqa: E402
cli_report.register(commands)
app = commands.app()  # every command: `orienter --help`, unknown commands, tests


def main() -> None:
    name = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    known = {entry[0] for entry in commands.entries}
    (commands.app(name) if name in known else app)()


if __name__ == "__main__":
    main()
