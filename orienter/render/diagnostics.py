"""Reporters for validation findings: text (compiler style), JSON, GitHub annotations (DESIGN §5)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Iterable

from orienter.core.diagnostics import CODES, Diagnostic, format_line


def summary(diags: list[Diagnostic], files: int, strict: bool) -> str:
    counts = Counter(d.level for d in diags)
    errors = counts["error"] + (counts["warning"] if strict else 0)
    warnings = 0 if strict else counts["warning"]
    verdict = "aucune erreur" if errors == 0 else f"{errors} erreur(s)"
    return f"{files} fichier(s) vérifié(s) : {verdict}, {warnings} avertissement(s)."


def as_text(diags: Iterable[Diagnostic], strict: bool) -> str:
    """One line per finding; a message quoting data (a type written in a file) carries no
    terminal control character and stays on its line."""
    return "".join(format_line(_inert(_strict(d, strict))) + "\n" for d in diags)


def _inert(d: Diagnostic) -> Diagnostic:
    from orienter.render.safe import clean

    message, file = clean(d.message, newlines=False), clean(d.file, newlines=False)
    if message == d.message and file == d.file:
        return d
    return Diagnostic(file, d.line, d.col, d.code, message, d.severity, d.path)


def as_json(diags: list[Diagnostic], files: int, strict: bool) -> str:
    items = [_strict(d, strict).as_dict() for d in diags]
    return json.dumps({
        "schema": "orienter/validation@1",
        "fichiers": files,
        "erreurs": sum(1 for d in items if d["level"] == "error"),
        "avertissements": sum(1 for d in items if d["level"] == "warning"),
        "diagnostics": items,
    }, ensure_ascii=False, indent=2) + "\n"


def as_github(diags: Iterable[Diagnostic], strict: bool) -> str:
    out = []
    for d in diags:
        d = _inert(_strict(d, strict))
        kind = "error" if d.level == "error" else "warning"
        props = f"file={_prop(d.file)},line={d.line},col={d.col},title={_prop(d.code)}"
        out.append(f"::{kind} {props}::{_data(d.code + ' ' + d.message)}\n")
    return "".join(out)


def codes_table() -> str:
    return "".join(f"{code}  {level:<7}  {text}\n" for code, (level, text) in CODES.items())


def _strict(d: Diagnostic, strict: bool) -> Diagnostic:
    if strict and d.level == "warning":
        return Diagnostic(d.file, d.line, d.col, d.code, d.message, "error", d.path)
    return d


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def write(text: str) -> None:
    sys.stdout.write(text)
