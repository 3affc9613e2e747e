"""The command line's own words in French: click and typer print their usage lines, help
sections and errors through gettext (`_("Usage:")`); their `_` and `ngettext` are replaced by
a lookup in the catalogue below. A message without a translation stays as it is (a new click
version can only add English, never break a command)."""

from __future__ import annotations

import sys
from typing import Any, Callable

CATALOGUE: dict[str, str] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Arguments": "Arguments",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "default: {default}": "par défaut : {default}",
    "required": "obligatoire",
    "env var: {var}": "variable d'environnement : {var}",
    "(dynamic)": "(dynamique)",
    "deprecated": "obsolète",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "No such option {name!r}.": "Option inconnue : {name}.",
    "No such command {name!r}.": "Commande inconnue : {name}.",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire l'une de : {possibilities} ?)",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing {param_type}": "{param_type} manquant(e)",
    "Missing command.": "Commande manquante.",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Option {name!r} does not take a value.": "L'option {name} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "L'option {name} attend une valeur.",
    "Option {name!r} requires {nargs} arguments.": "L'option {name} attend {nargs} valeurs.",
    "Got unexpected extra argument ({args})": "Argument en trop : {args}",
    "Got unexpected extra arguments ({args})": "Arguments en trop : {args}",
    "{value!r} is not {choice}.": "« {value} » n'est pas {choice}.",
    "{value!r} is not one of {choices}.": "« {value} » n'est pas l'une des valeurs {choices}.",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide ({number_type}).",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "« {value} » n'est pas une valeur oui/non reconnue ({states}).",
    "{name} {filename!r} does not exist.": "{name} « {filename} » introuvable.",
    "{name} {filename!r} is a directory.": "{name} « {filename} » est un dossier.",
    "{name} {filename!r} is a file.": "{name} « {filename} » est un fichier.",
    "{name} {filename!r} is not readable.": "{name} « {filename} » n'est pas lisible.",
    "{name} {filename!r} is not writable.": "{name} « {filename} » n'est pas modifiable.",
    "Could not open file {filename!r}: {message}": "Ouverture impossible de « {filename} » : {message}",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "Aborted!": "Interrompu.",
    "Aborted.": "Interrompu.",
    "integer": "entier",
    "float": "nombre",
    "integer range": "intervalle d'entiers",
}
# Words click inserts into the messages above ("Missing {param_type}").
_WORDS = {"argument": "argument", "option": "option", "parameter": "paramètre"}


def translate(message: str) -> str:
    return CATALOGUE.get(message, _WORDS.get(message, message))


def translate_plural(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
            "click.types", "click.utils", "click.termui", "typer.core", "typer.main")


def install() -> None:
    """Replace the gettext functions click and typer use, in every module already imported."""
    for name in _MODULES:
        module = sys.modules.get(name)
        if module is None:
            continue
        _patch(module, "_", translate)
        _patch(module, "ngettext", translate_plural)


def _patch(module: Any, attr: str, func: Callable[..., str]) -> None:
    if hasattr(module, attr):
        setattr(module, attr, func)
