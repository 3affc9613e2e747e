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


def merge(base: Situation | None, commune: str | None, age: int | None, besoins: list[str],
          criteres: dict[str, Any], texte: str | None, complexe: bool | None) -> Situation:
    data: dict[str, Any] = base.model_dump() if base else {}
    if commune:
        data["commune"] = commune
    if age is not None:
        data["age"] = age
    if besoins:
        data["besoins"] = list(dict.fromkeys([*data.get("besoins", []), *besoins]))
    if criteres:
        data["criteres"] = {**data.get("criteres", {}), **criteres}
    if texte:
        data["texte"] = ((data.get("texte") or "") + "\n" + texte).strip()
    if complexe is not None:
        data["complexe"] = complexe
    try:
        return Situation.model_validate(data)
    except Exception as exc:  # noqa: BLE001 - pydantic error turned into a usage message
        raise OrienterError(f"Situation invalide : {exc}", ExitCode.INPUT) from None
