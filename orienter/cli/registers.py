"""Commands `importe` (FINESS, data·inclusion into a territory) and `exporte` (data·inclusion, CSV).

Same rules as every command module: parse options, call one function, print what it returns, pick
the exit code; the registers package (msgspec, ruamel.yaml, data-inclusion-schema) is imported
only when a command runs.
"""

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from orienter.cli.common import REGLES, commands, guarded
from orienter.core.diagnostics import ExitCode, OrienterError


class Registre(str, Enum):
    finess = "finess"
    data_inclusion = "data-inclusion"


class ExportFormat(str, Enum):
    data_inclusion = "data-inclusion"
    csv = "csv"


class PlanFormat(str, Enum):
    texte = "texte"
    json = "json"


@commands.command("importe")
@guarded
def importe_cmd(
    registre: Registre = typer.Argument(..., help="finess (flux FINESS+ JSON ou extraction etalab CSV) ou "
                                        "data-inclusion (exports structures et services, schéma v1)."),
    fichiers: List[Path] = typer.Argument(..., help="Le fichier du registre (finess : un seul ; data-inclusion : "
                                          "structures.json et services.json)."),
    territoire: str = typer.Option(..., "--territoire", "-t", help="Identifiant du territoire à alimenter ; créé "
                                   "s'il n'existe pas (périmètre : --departement, sinon les départements importés)."),
    departement: Optional[List[str]] = typer.Option(None, "--departement", help="Ne garde que ce département (code "
                                                    "COG, ex. 01, 2A, 974) ; répétable."),
    categories: Optional[List[str]] = typer.Option(None, "--categories", help="finess : ne garde que ces catégories "
                                                   "FINESS (ex. 500,354) ou ces types (EHPAD, SSIAD) ; répétable."),
    plan: bool = typer.Option(False, "--plan", help="Affiche ce qui serait ajouté, modifié, fermé, sans rien écrire."),
    nom: Optional[str] = typer.Option(None, "--nom", help="Nom d'un territoire créé par l'import."),
    force: bool = typer.Option(False, "--force", help="Importe malgré des modifications git non enregistrées dans le "
                               "territoire, un nom proche d'un territoire existant ou beaucoup de fermetures."),
    format: PlanFormat = typer.Option(PlanFormat.texte, "--format", "-f", help="texte ou json (contrat "
                                      "orienter/import@1)."),
    donnees: Optional[Path] = typer.Option(None, "--donnees", "-d", help="Dossier des territoires (défaut : "
                                           "data/territories)."),
    regles: Optional[Path] = REGLES,
) -> None:
    """Importe un registre public dans un territoire : une fiche par établissement ouvert, avec zone
    provisoire à confirmer. Un nouvel import met à jour ce que le registre tient (nom, adresse,
    téléphone, statut) sans toucher à ce qu'une personne a écrit ; rien n'est jamais supprimé.

    REGISTRE : finess (un fichier : flux FINESS+ JSON « structures » ou extraction etalab CSV) ou
    data-inclusion (exports structures.json et services.json, schéma v1). Guide pas à pas :
    docs/territoires.md, section 9."""
    from orienter.core.paths import data_dir, rules_dir
    from orienter.registers.importer import Request, import_finess

    req = Request(files=list(fichiers), territoire=territoire, root=donnees or data_dir(), rules=regles or rules_dir(),
                  departements=list(departement or []), categories=list(categories or []), nom=nom,
                  plan_only=plan, force=force)
    if registre == Registre.finess:
        result = import_finess(req)
    else:
        if categories:
            raise OrienterError("--categories ne s'utilise qu'avec finess.", ExitCode.USAGE)
        from orienter.registers.datainclusion import import_data_inclusion

        result = import_data_inclusion(req)
    written = not plan and bool(result.writes)
    if format == PlanFormat.json:
        from orienter.render import print_json
        from orienter.registers.report import as_dict

        print_json(as_dict(result, written))
        return
    from orienter.registers.report import text

    sys.stdout.write(text(result, written, result.names))


@commands.command("exporte")
@guarded
def exporte_cmd(
    format: ExportFormat = typer.Argument(..., help="data-inclusion (structures.json et services.json au schéma v1) "
                                          "ou csv (une ligne par service, pour un tableur)."),
    territoire: Optional[str] = typer.Argument(None, help="Identifiant du territoire (défaut : tous les territoires "
                                               "réels)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="data-inclusion : dossier où écrire les deux "
                                          "fichiers (obligatoire) ; csv : fichier (défaut : sortie standard)."),
    force: bool = typer.Option(False, "--force", help="Remplace les fichiers existants."),
    fictifs: bool = typer.Option(False, "--fictifs", help="csv : inclut les territoires fictifs (formation)."),
    donnees: Optional[List[Path]] = typer.Option(None, "--donnees", "-d", help="Dossier(s) de territoires (défaut : "
                                                 "data/territories)."),
    regles: Optional[Path] = REGLES,
) -> None:
    """Exporte l'annuaire vérifié : vers data·inclusion (fichiers validés par data-inclusion-schema ;
    territoires fictifs refusés, zones provisoires non publiées) ou en CSV pour LibreOffice et Excel
    (UTF-8 avec BOM, séparateur « ; »).

    FORMAT : data-inclusion (structures.json et services.json dans le dossier --output) ou csv (une
    ligne par service). TERRITOIRE : un identifiant ; par défaut tous les territoires réels."""
    from orienter.cli.common import _workspace
    from orienter.registers import export, writer

    if format == ExportFormat.data_inclusion:
        if output is None:
            raise OrienterError("exporte data-inclusion : indiquez le dossier de sortie avec --output DOSSIER.",
                                ExitCode.USAGE)
        if output.exists() and not output.is_dir():
            raise OrienterError(f"« {output} » est un fichier : --output attend un dossier.", ExitCode.USAGE)
        targets = {output / "structures.json": None, output / "services.json": None}
        _refuse_overwrite(list(targets), force)
        ws = _workspace(donnees, regles)
        from orienter.registers.mapping import load_di_mapping

        dmap = load_di_mapping(ws.rules, ws.vocab)
        chosen = export.pick_territories(ws, territoire, allow_fictional=False)
        if not chosen:
            raise OrienterError("Aucun territoire réel à exporter (les territoires fictifs ne se publient pas).")
        result = export.data_inclusion(ws, chosen, dmap)
        writer.commit({output / "structures.json": export.to_json(result.structures),
                       output / "services.json": export.to_json(result.services)})
        left = "".join(f"\n  non publiés : {n} {reason}" for reason, n in sorted(result.left_out.items()))
        sys.stderr.write(f"{len(result.structures)} structure(s) et {len(result.services)} service(s) de "
                         f"{', '.join(result.territories)} écrits dans {output} (validés par data-inclusion-schema)."
                         f"{left}\n")
        return
    ws = _workspace(donnees, regles)
    chosen = export.pick_territories(ws, territoire, allow_fictional=fictifs or bool(territoire))
    text = export.to_csv(export.csv_rows(ws, chosen))
    if output is None:
        sys.stdout.write(text)
        return
    _refuse_overwrite([output], force)
    writer.commit({output: text})
    sys.stderr.write(f"{text.count(chr(10)) - 1} service(s) écrits dans {output}\n")


def _refuse_overwrite(paths: List[Path], force: bool) -> None:
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise OrienterError(f"{', '.join(str(p) for p in existing)} existe déjà : ajoutez --force pour remplacer, "
                            "ou choisissez un autre dossier.", ExitCode.USAGE)
    for p in paths:
        if not p.parent.exists() and not p.parent.parent.exists():
            raise OrienterError(f"Le dossier « {p.parent.parent} » n'existe pas : créez-le d'abord.", ExitCode.USAGE)
