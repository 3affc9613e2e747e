"""Build a Situation from a file (YAML or JSON) or from command-line options.

A situation is health data: it is read here and never written anywhere (no cache, no log).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.load.model import Situation


def situation_from_file(path: Path) -> Situation:
    """JSON is YAML: one safe loader reads both, with located errors."""
    from orienter.load.yamlsafe import load_yaml
    from orienter.core.paths import display_path
    from orienter.load.schema import validate_model

    doc, problems = load_yaml(path, display_path(path))
    if doc is None or problems:
        raise OrienterError(problems or f"{path} : fichier vide", ExitCode.INPUT)
    if not isinstance(doc.data, dict):
        raise OrienterError(f"{doc.file}:1:1: error O100 une situation est un bloc de clés "
                            "(commune, age, texte, besoins, criteres)", ExitCode.INPUT)
    model, problems = validate_model(Situation, doc.data, doc)
    if model is None:
        raise OrienterError(problems, ExitCode.INPUT)
    return model


def parse_criteria(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise OrienterError(f"--critere « {item} » : écrivez clé=valeur (ex. --critere mmse=21 "
                                "--critere vit_seul=oui)", ExitCode.USAGE)
        out[key.strip()] = value.strip()
    return out


MAX_TEXT = 100_000  # characters of free text: a note, not a file (standard input is cut there too)


def merge(base: Situation | None, commune: str | None, age: int | None, besoins: list[str],
          criteres: dict[str, Any], texte: str | None, complexe: bool | None) -> Situation:
    """The options over the file's values, checked here: a message names the field, never
    quotes the situation (health data)."""
    s = base or Situation()
    text = "\n".join(x for x in (s.texte, clean_text(texte) if texte else "") if x).strip()
    if len(text) > MAX_TEXT:
        raise OrienterError(f"Texte de la situation trop long ({len(text)} caractères, au plus {MAX_TEXT}) : "
                            "gardez l'essentiel de la note.", ExitCode.INPUT)
    for code in besoins:
        if not code.strip():
            raise OrienterError("--besoin : code vide ; `orienter cherche` ou `orienter explain` listent les besoins.",
                                ExitCode.USAGE)
    return Situation(
        commune=commune or s.commune,
        age=check_age(age if age is not None else s.age),
        texte=text,
        besoins=list(dict.fromkeys([*s.besoins, *(b.strip() for b in besoins)])),
        criteres={**s.criteres, **criteres},
        complexe=complexe if complexe is not None else s.complexe,
    )


def check_age(age: Any) -> int | None:
    if age is None:
        return None
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130:
        raise OrienterError("Âge invalide : un nombre entier d'années entre 0 et 130 est attendu.", ExitCode.INPUT)
    return age


def clean_text(text: str) -> str:
    """Bytes that were not UTF-8 reach Python as lone surrogates: replace them rather than
    fail later in a message that would quote the text."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
