"""Commands `validate` and `schema`: check territory files, give editors their schema."""

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.cli.common import (REGLES, ValidateFormat, commands, guarded)


# --- validate -------------------------------------------------------------------------------


@commands.command("validate")
@guarded
def validate_cmd(
    chemins: Optional[List[Path]] = typer.Argument(None, help="Fichiers ou dossiers de territoires (défaut : ./data/territories du dossier courant)."),
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
    from orienter.core.paths import data_note, local_data
    from orienter.load.workspace import load_workspace

    if not chemins and local_data() is None and not os.environ.get("ORIENTER_DONNEES"):
        # Never validate the copy shipped inside the package by mistake: a green CI on files
        # it never read is worse than a red one.
        raise OrienterError("Aucun dossier data/territories ici : indiquez les dossiers ou fichiers à vérifier "
                            "(orienter validate CHEMIN...), ou lancez la commande depuis votre dépôt de territoire.",
                            ExitCode.USAGE)
    # Diagnostics only: no structure stays in memory (flat memory at national scale).
    from orienter.core.progress import working

    with working("Vérification des territoires"):
        ws = load_workspace(chemins, regles, structures=False)
    if format != ValidateFormat.json:
        sys.stderr.write(data_note(chemins) + "\n")
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
def schema_cmd(
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Écrit le schéma dans ce fichier au lieu de "
                                          "l'afficher (fichier temporaire puis renommage). Un schéma déjà écrit par "
                                          "orienter est remplacé ; tout autre fichier demande --force. Emplacement "
                                          "conseillé : data/territories/territoire.schema.json."),
    force: bool = typer.Option(False, "--force", help="Avec --output : remplacer aussi un fichier qui n'est pas "
                               "un schéma d'orienter."),
    regles: Optional[Path] = REGLES,
) -> None:
    """Schéma JSON (draft-07) des fichiers de territoire, pour les éditeurs : chaque clé décrite en français,
    et les codes du vocabulaire (types, besoins, publics, orienteurs, natures) proposés en listes de valeurs.
    À régénérer quand le dossier des règles change."""
    from orienter.load.schema import dumps_schema, load_rules, write_schema

    text = dumps_schema(load_rules(regles))
    if output is None:
        sys.stdout.write(text)
        return
    sys.stderr.write(write_schema(output, text, force) + "\n")
