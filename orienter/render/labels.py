"""French words for the codes a person would otherwise read, and French numbers and dates.

Pure functions and tables, no import beyond the standard library: every renderer (terminal,
Markdown, HTML, diagrams) uses them, including on the fast `suggest` path.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

LEVELS = {"acces_direct": "accès direct", "premier_recours": "premier recours", "appui": "appui (DAC)",
          "specialise": "spécialisé", "institutionnel": "institutionnel"}
# A structure is feminine (la structure), a service masculine.
STATUS_STRUCTURE = {"actif": "active", "suspendu": "suspendue", "ferme": "fermée", "absorbe": "absorbée",
                    "en_projet": "en projet"}
STATUS_SERVICE = {"actif": "actif", "suspendu": "suspendu", "ferme": "fermé", "absorbe": "absorbé",
                  "en_projet": "en projet"}
AXES = {"medical": "médical", "social": "social", "organisationnel": "organisationnel",
        "psychologique": "psychologique"}
MODES = {"sur_place": "sur place", "a_domicile": "à domicile", "telephone": "par téléphone",
         "a_distance": "à distance", "mobile": "équipe mobile"}
WELCOME = {"inconditionnel": "accueil de tous", "preferentiel": "accueil préférentiel",
           "exclusif": "réservé à ces publics"}
ORIGINS = {"texte": "lu dans le texte", "explicite": "indiqué", "regle": "déduit par une règle"}
# How a word of the note met its vocabulary entry (explain, the web page).
MATCHED_BY = {"forme": "forme exacte", "lemme": "autre forme du mot", "racine": "même racine",
              "correction": "faute de frappe corrigée", "abreviation": "abréviation",
              "ensemble": "mots rapprochés dans la phrase", "motif": "motif (nombre, durée)"}
EVENTS = {"creation": "création", "absorption": "absorption", "fusion": "fusion", "renommage": "renommage",
          "fermeture": "fermeture", "autre": "autre"}
NR = "non renseigné"


def level(code: str | None) -> str:
    return LEVELS.get(code or "", code or NR)


def axes(codes: Iterable[str]) -> str:
    return join([AXES.get(c, c) for c in codes]) or "aucun axe"


def status(code: str | None, structure: bool = True) -> str:
    table = STATUS_STRUCTURE if structure else STATUS_SERVICE
    return table.get(code or "", code or NR)


def modes(codes: Iterable[str]) -> str:
    return join([MODES.get(c, c) for c in codes])


def join(items: Iterable[Any], last: str = " et ") -> str:
    """« a, b et c »: a list as a person writes it (never `['a', 'b']`)."""
    words = [str(i) for i in items if i not in (None, "")]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + last + words[-1]


def number(value: float | int | None, digits: int = 2) -> str:
    """French decimal comma, thousands separated by a no-break space: 7,3 ; 1 654 712 ; 0,87."""
    if value is None:
        return NR
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int) or float(value).is_integer() and digits == 0:
        return f"{int(value):,}".replace(",", "\u00a0")
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def yes_no(value: Any) -> str:
    if value is True:
        return "oui"
    if value is False:
        return "non"
    return number(value) if isinstance(value, (int, float)) else str(value)


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def day(value: str | date | None) -> str:
    """dd/mm/yyyy from an ISO date (or a date); anything else unchanged; None is « non renseigné »."""
    if value is None or value == "":
        return NR
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    m = _ISO.match(str(value))
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else str(value)


def ages(lo: int | None, hi: int | None) -> str:
    if lo is None and hi is None:
        return "tous âges"
    if hi is None:
        return f"{lo} ans et plus"
    if lo is None:
        return f"jusqu'à {hi} ans"
    return f"de {lo} à {hi} ans"


def months(n: int) -> str:
    return f"{n} mois"


def staleness(s: dict[str, Any]) -> str | None:
    """The warning a reader needs when a service's last human check is overdue, else None."""
    if not s.get("verification_en_retard"):
        return None
    if not s.get("verifie_le"):
        return "jamais vérifié par une personne : appelez avant d'orienter"
    since, every = s.get("mois_depuis_verification"), s.get("frequence_revue_mois")
    if since is None or every is None:
        return "vérification en retard : appelez avant d'orienter"
    return (f"vérification en retard : dernière il y a {months(since)}, à refaire tous les {months(every)} ; "
            "appelez avant d'orienter")


_STATUS_REASON = re.compile(r"statut : (\w+)(?: \(absorbé par ([^)]+)\))?")


def exclusion_reason(reason: str, names: dict[str, str] | None = None, ids: bool = True) -> str:
    """An exclusion reason from the engine, with French words for the status and, when the
    absorbing structure is known, its name rather than its identifier (`ids=False`: never an
    identifier, for a sheet handed over)."""
    def replace(m: re.Match[str]) -> str:
        text = f"structure {status(m.group(1))}"
        if m.group(2):
            known = (names or {}).get(m.group(2))
            if known or ids:
                text += f" (remplacée par {known or m.group(2)})"
            else:
                text += " (remplacée par une autre structure)"
        return text

    return _STATUS_REASON.sub(replace, reason)


_QUOTED = re.compile(r"\s*\(« [^»]*»\)|\s*« [^»]*»")


def without_quotes(text: str) -> str:
    """Words quoted from the situation (« fille épuisée ») taken out: a sheet handed over does
    not repeat the free text unless asked."""
    return _QUOTED.sub("", text).strip()


def checked(c: dict[str, Any]) -> str:
    """When a service was last checked by a person, and how late against its review frequency."""
    if not c.get("verifie_le"):
        return "jamais vérifié"
    text = f"vérifié le {day(c['verifie_le'])}"
    if c.get("verification_en_retard") and c.get("mois_depuis_verification") is not None:
        text += (f", il y a {c['mois_depuis_verification']} mois pour une revue tous les "
                 f"{c.get('frequence_revue_mois')} mois : en retard")
    return text
