"""One record for every finding, and the catalogue of stable codes (DESIGN §5, a contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INPUT = 1  # the user's input (situation, data under validate) is wrong
    USAGE = 2  # bad options; for `suggest`, invalid shipped data (DESIGN §4)


# code -> (default level, short description). Codes never change meaning once published.
CODES: dict[str, tuple[str, str]] = {
    # O0xx: reading files
    "O001": ("error", "fichier illisible ou introuvable"),
    "O002": ("error", "fichier non encodé en UTF-8 (ex. Windows-1252 enregistré depuis Excel)"),
    "O003": ("error", "fichier binaire (octet NUL)"),
    "O004": ("error", "fichier trop volumineux"),
    "O005": ("error", "syntaxe YAML invalide"),
    "O006": ("error", "clé en double dans un même bloc"),
    "O007": ("error", "étiquette YAML non autorisée (!tag)"),
    "O008": ("error", "expansion d'alias trop grande (« billion laughs ») ou alias récursif"),
    "O009": ("error", "imbrication trop profonde"),
    "O010": ("error", "clé de fusion YAML (<<) non prise en charge"),
    "O011": ("error", "clé non textuelle"),
    "O012": ("error", "plusieurs documents YAML dans un même fichier"),
    "O013": ("error", "dossier de territoire sans territoire.yaml"),
    "O014": ("error", "fichier qu'aucune commande ne lit (hors de structures/)"),
    "O015": ("error", "fichier hors territoire dont la nature ne peut être déterminée"),
    # O1xx: schema and geography
    "O100": ("error", "champ invalide (schéma)"),
    "O101": ("error", "code commune INSEE inconnu"),
    "O102": ("error", "code EPCI inconnu"),
    "O103": ("error", "code département inconnu"),
    "O104": ("error", "code région inconnu"),
    "O105": ("error", "code postal incohérent avec la commune"),
    # O2xx: identifiers and references
    "O201": ("error", "identifiant en double"),
    "O202": ("error", "référence vers une structure inconnue"),
    "O203": ("error", "numéro FINESS mal formé"),
    "O204": ("error", "numéro SIRET mal formé ou clé de Luhn fausse"),
    "O205": ("error", "même numéro FINESS ou SIRET pour deux structures"),
    # O3xx: services
    "O301": ("error", "service sans zone d'intervention"),
    "O302": ("error", "âge minimum supérieur à l'âge maximum"),
    "O303": ("error", "type de service inconnu"),
    "O304": ("error", "besoin inconnu"),
    "O305": ("error", "public inconnu"),
    "O306": ("error", "orienteur inconnu"),
    "O307": ("warning", "zone de service entièrement hors du périmètre du territoire"),
    "O308": ("error", "suspension terminée avant d'avoir commencé"),
    "O309": ("warning", "structure absorbée (absorbee_par) encore active"),
    "O310": ("warning", "nature de structure inconnue"),
    "O311": ("warning", "zone provisoire posée par un import de registre, à confirmer"),
    "O313": ("warning", "service qui dessert des communes hors du périmètre et du rayonnement du territoire"),
    "O312": ("warning", "horaires illisibles (syntaxe OSM opening_hours attendue, ex. Mo-Fr 09:00-17:30)"),
    # O4xx: sources, honesty, freshness
    "O401": ("error", "structure réelle sans source"),
    "O402": ("error", "contact d'une structure réelle sans source"),
    "O403": ("warning", "vérification ancienne (au-delà de la fréquence de revue)"),
    "O404": ("warning", "jamais vérifiée"),
    "O405": ("error", "date dans le futur"),
    "O406": ("error", "structure fictive dans un territoire réel, ou l'inverse"),
    # O5xx: vocabulary and rules files
    "O501": ("error", "vocabulaire invalide"),
    "O502": ("error", "règle invalide"),
    "O503": ("error", "référence de vocabulaire inconnue dans les règles"),
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    col: int
    code: str
    message: str
    severity: str = field(default="", compare=False)
    path: str = field(default="", compare=False)

    @property
    def level(self) -> str:
        return self.severity or CODES[self.code][0]

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "path": self.path,
        }


class OrienterError(Exception):
    """An error the user can fix: carries the diagnostics to print and the exit code."""

    def __init__(self, diagnostics: list[Diagnostic] | str, exit_code: ExitCode = ExitCode.INPUT):
        if isinstance(diagnostics, str):
            self.diagnostics: list[Diagnostic] = []
            self.text = diagnostics
        else:
            self.diagnostics = diagnostics
            self.text = "\n".join(format_line(d) for d in diagnostics)
        self.exit_code = exit_code
        super().__init__(self.text)


def format_line(d: Diagnostic) -> str:
    return f"{d.file}:{d.line}:{d.col}: {d.level} {d.code} {d.message}"
