"""Directory commands: `communes`, `territoires`, `structures`, `fiche`, `cherche`."""

from pathlib import Path
from typing import Any, List, Optional

import typer

from orienter.core.diagnostics import ExitCode
from orienter.cli.common import (DONNEES, FORMAT, REGLES, Format, _emit, _index, _workspace, commands, guarded)


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
    from orienter.core.progress import working

    with working("Lecture de l'annuaire"):
        rows = territories_summary(_workspace(donnees, regles))
    _emit(rows, format, "territories")


@commands.command("structures")
@guarded
def structures_cmd(
    territoire: Optional[str] = typer.Option(None, "--territoire", "-t", help="Identifiant du territoire."),
    type: Optional[str] = typer.Option(None, "--type", help="Type de service (DAC, HAD, SSIAD..., majuscules ou minuscules)."),
    commune: Optional[str] = typer.Option(None, "--commune", "-c", help="Commune couverte (nom, INSEE ou code postal)."),
    format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Liste les structures, par territoire, type ou commune couverte (qui intervient ici ?)."""
    from orienter.directory.queries import structures_list
    from orienter.core.progress import working

    with working("Lecture de l'annuaire"):
        ws = _workspace(donnees, regles)
        rows = structures_list(ws, _index(ws), territoire, type, commune)
    _emit(rows, format, "structures")


@commands.command("fiche")
@guarded
def fiche_cmd(ident: str = typer.Argument(..., help="Identifiant d'une structure ou d'un service."),
              format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES,
              regles: Optional[Path] = REGLES) -> None:
    """Fiche complète d'une structure : services, publics, couverture, contacts, sources, vérification."""
    from orienter.directory.queries import structure_sheet
    from orienter.core.progress import working

    with working("Lecture de l'annuaire"):
        ws = _workspace(donnees, regles, holding=ident)
        data = structure_sheet(ws, _index(ws), ident)
    _emit(data, format, "sheet")


@commands.command("cherche")
@guarded
def cherche_cmd(texte: str = typer.Argument(..., help="Nom, sigle, type ou besoin, même approché."),
                commune: Optional[str] = typer.Option(None, "--commune", "-c", help="Seulement les structures dont un service couvre cette commune (nom, INSEE ou code postal)."),
                format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES,
                regles: Optional[Path] = REGLES) -> None:
    """Recherche approchée dans les noms, sigles, types et besoins ; un type ou un sigle exact vient en premier."""
    from orienter.directory.queries import resolve_commune, search
    from orienter.core.progress import working

    with working("Recherche dans l'annuaire"):
        ws = _workspace(donnees, regles)
        where = resolve_commune(ws, commune) if commune else None
        rows = search(ws, texte, index=_index(ws) if where else None, commune=commune)
    if format == Format.json:
        from orienter.render import print_json

        print_json(rows)
    else:
        from orienter.render import directory

        directory.search_results(rows, texte, {"code": where.code, "nom": where.nom} if where else None)
