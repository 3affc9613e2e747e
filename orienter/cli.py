"""Command line: parse options, call one function, pick a renderer and the exit code.

Nothing heavy is imported at module level (pydantic, yaml, rapidfuzz, rich tables, networkx):
`orienter --help` and `suggest --format json` stay fast (DESIGN §6).
"""

from __future__ import annotations

import functools
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, List, Optional, TypeVar

import typer

from .diagnostics import ExitCode, OrienterError

app = typer.Typer(
    name="orienter",
    help="Annuaire vérifié des services d'appui, de soins et d'accompagnement d'un territoire, "
    "et aide à l'orientation : qui appeler d'abord, et pourquoi.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])


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
    from .workspace import load_workspace, require_valid

    ws = load_workspace(donnees, regles)
    return require_valid(ws) if strict_data else ws


def _index(ws: Any) -> Any:
    from .index import Index

    return Index(ws.territories, ws.geo)


# --- validate -------------------------------------------------------------------------------


@app.command("validate")
@guarded
def validate_cmd(
    chemins: Optional[List[Path]] = typer.Argument(None, help="Fichiers ou dossiers de territoires (défaut : data/territories)."),
    format: ValidateFormat = typer.Option(ValidateFormat.texte, "--format", "-f", help="texte, json ou github (annotations)."),
    strict: bool = typer.Option(False, "--strict", help="Les avertissements comptent comme des erreurs."),
    codes: bool = typer.Option(False, "--codes", help="Liste les codes de diagnostic et leur sens."),
    regles: Optional[Path] = REGLES,
) -> None:
    """Vérifie les fichiers de territoire : schéma, communes, vocabulaire, références, sources, fraîcheur."""
    from .render import diagnostics as report

    if codes:
        report.write(report.codes_table())
        return
    ws = _workspace(chemins, regles, strict_data=False)
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


@app.command("schema")
@guarded
def schema_cmd() -> None:
    """Affiche le schéma JSON (draft-07) des fichiers de territoire, pour les éditeurs."""
    from .schema import dumps_schema

    sys.stdout.write(dumps_schema() + "\n")


# --- directory ------------------------------------------------------------------------------


@app.command("communes")
@guarded
def communes_cmd(
    requete: str = typer.Argument(..., help="Nom (approché), code INSEE ou code postal."),
    format: Format = FORMAT,
) -> None:
    """Trouve une commune par son nom, son code INSEE ou son code postal."""
    from .geo import load_geo

    geo = load_geo()
    res = geo.resolve(requete)

    def row(c: Any) -> dict[str, Any]:
        return {"code": c.code, "nom": c.nom, "departement": c.departement, "region": c.region,
                "epci": c.epci, "epci_nom": geo.epci.get(c.epci, {}).get("nom") if c.epci else None,
                "ept": c.ept or None, "codes_postaux": list(c.codes_postaux), "population": c.population}

    data = {"requete": requete, "commune": row(res.commune) if res.commune else None,
            "candidats": [row(c) for c in res.candidats], "note": res.note}
    if format == Format.json:
        from .render import print_json

        print_json(data)
    else:
        from .render import directory

        directory.communes(data)
    if res.commune is None:
        raise typer.Exit(int(ExitCode.INPUT))


@app.command("territoires")
@guarded
def territoires_cmd(format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES,
                    regles: Optional[Path] = REGLES) -> None:
    """Liste les territoires avec leurs nombres de structures, services et communes."""
    from .directory import territories_summary

    rows = territories_summary(_workspace(donnees, regles))
    _emit(rows, format, "territories")


@app.command("structures")
@guarded
def structures_cmd(
    territoire: Optional[str] = typer.Option(None, "--territoire", "-t", help="Identifiant du territoire."),
    type: Optional[str] = typer.Option(None, "--type", help="Type de service (DAC, HAD, SSIAD...)."),
    commune: Optional[str] = typer.Option(None, "--commune", "-c", help="Commune couverte (nom, INSEE ou code postal)."),
    format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Liste les structures, par territoire, type ou commune couverte (qui intervient ici ?)."""
    from .directory import structures_list

    ws = _workspace(donnees, regles)
    _emit(structures_list(ws, _index(ws), territoire, type, commune), format, "structures")


@app.command("fiche")
@guarded
def fiche_cmd(ident: str = typer.Argument(..., help="Identifiant d'une structure ou d'un service."),
              format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES,
              regles: Optional[Path] = REGLES) -> None:
    """Fiche complète d'une structure : services, publics, couverture, contacts, sources, vérification."""
    from .directory import structure_sheet

    ws = _workspace(donnees, regles)
    _emit(structure_sheet(ws, _index(ws), ident), format, "sheet")


@app.command("cherche")
@guarded
def cherche_cmd(texte: str = typer.Argument(..., help="Nom, sigle, type ou besoin, même approché."),
                format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES,
                regles: Optional[Path] = REGLES) -> None:
    """Recherche approchée dans les noms, types et besoins."""
    from .directory import search

    rows = search(_workspace(donnees, regles), texte)
    if format == Format.json:
        from .render import print_json

        print_json(rows)
    else:
        from .render import directory

        directory.search_results(rows, texte)


def _emit(data: Any, format: Format, view: str) -> None:
    if format == Format.json:
        from .render import print_json

        print_json(data)
        return
    from .render import directory

    getattr(directory, view)(data)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
