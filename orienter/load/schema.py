"""Check plain data against a model, with errors in French at the line and column of the node;
and export the JSON Schema editors use."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from functools import cache

from pydantic import TypeAdapter, ValidationError

from orienter.core.diagnostics import Diagnostic
from orienter.load.yamlsafe import Document, Loc

M = TypeVar("M")


@cache
def adapter(model: type) -> TypeAdapter[Any]:
    """Building a validator costs milliseconds: once per record type and process."""
    return TypeAdapter(model)


def validate_model(model: type[M], data: Any, doc: Document, base: Loc = ()) -> tuple[M | None, list[Diagnostic]]:
    try:
        return adapter(model).validate_python(data), []
    except ValidationError as exc:
        return None, [_locate(err, doc, base) for err in exc.errors(include_url=False)]


def _locate(err: dict[str, Any], doc: Document, base: Loc) -> Diagnostic:
    loc = base + tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    kind = err["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        line, col = doc.key_position(loc)
    else:
        line, col = doc.position(loc)
    return Diagnostic(doc.file, line, col, "O100", _french(err, loc), path=dotted(loc))


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _french(err: dict[str, Any], loc: Loc) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    where = f"« {dotted(loc)} » : " if loc else ""
    value = err.get("input")
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    messages = {
        "missing": f"champ obligatoire « {field} » manquant : ajoutez-le",
        "extra_forbidden": f"clé inconnue « {field} » : faute de frappe ? (voir docs/format.md "
                           "ou `orienter schema` pour les clés permises)",
        "unexpected_keyword_argument": f"clé inconnue « {field} » : faute de frappe ? (voir docs/format.md "
                                       "ou `orienter schema` pour les clés permises)",
        "missing_keyword_argument": f"champ obligatoire « {field} » manquant : ajoutez-le",
        "dataclass_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "dataclass_exact_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "string_type": f"{where}texte attendu, trouvé {shown} (mettez la valeur entre guillemets)",
        "int_type": f"{where}nombre entier attendu, trouvé {shown}",
        "int_parsing": f"{where}nombre entier attendu, trouvé {shown}",
        "int_from_float": f"{where}nombre entier attendu, trouvé {shown}",
        "bool_type": f"{where}true ou false attendu, trouvé {shown}",
        "bool_parsing": f"{where}true ou false attendu, trouvé {shown}",
        "date_type": f"{where}date attendue au format AAAA-MM-JJ, trouvé {shown}",
        "date_parsing": f"{where}date attendue au format AAAA-MM-JJ, trouvé {shown}",
        "date_from_datetime_parsing": f"{where}date attendue au format AAAA-MM-JJ, trouvé {shown}",
        "date_from_datetime_inexact": f"{where}date sans heure attendue (AAAA-MM-JJ)",
        "list_type": f"{where}liste attendue (par exemple [a, b] ou des lignes « - a »), trouvé {shown}",
        "dict_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "model_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "model_attributes_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "enum": f"{where}valeur {shown} invalide ; valeurs permises : {ctx.get('expected', '')}",
        "literal_error": f"{where}valeur {shown} invalide ; valeurs permises : {ctx.get('expected', '')}",
        "string_pattern_mismatch": f"{where}{shown} invalide : un identifiant s'écrit en minuscules, "
                                   "chiffres et tirets (ex. dac-94-appui)",
        "string_too_short": f"{where}texte vide : écrivez une valeur ou retirez la clé",
        "string_too_long": f"{where}texte trop long",
        "greater_than_equal": f"{where}{shown} trop petit : minimum {ctx.get('ge')}",
        "less_than_equal": f"{where}{shown} trop grand : maximum {ctx.get('le')}",
        "float_parsing": f"{where}nombre attendu, trouvé {shown}",
    }
    return messages.get(kind, f"{where}{err.get('msg', 'valeur invalide')}")


def json_schema() -> dict[str, Any]:
    """Schema of a territory file and of a structure file, in draft-07 for yaml-language-server."""
    from orienter.load.model import Structure, Territoire

    defs: dict[str, Any] = {}
    roots = {}
    for name, model in (("Territoire", Territoire), ("Structure", Structure)):
        schema = adapter(model).json_schema(ref_template="#/definitions/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[name] = schema
        roots[name] = {"$ref": f"#/definitions/{name}"}
    out = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://orienter.invalid/schema/territoire-1.json",
        "title": "orienter : fichier de territoire ou de structure",
        "description": "territoire.yaml, ou structures/*.yaml (une structure ou une liste de structures)",
        "definitions": defs,
        "anyOf": [
            roots["Territoire"],
            roots["Structure"],
            {"type": "array", "items": roots["Structure"]},
        ],
    }
    return _to_draft7(out)


def _to_draft7(node: Any) -> Any:
    """pydantic emits 2020-12; yaml-language-server reads draft-07 (DESIGN §8)."""
    if isinstance(node, dict):
        node = {k: _to_draft7(v) for k, v in node.items()}
        if "prefixItems" in node:
            node["items"] = node.pop("prefixItems")
        if "const" in node and "enum" not in node:
            node["enum"] = [node["const"]]
        return node
    if isinstance(node, list):
        return [_to_draft7(v) for v in node]
    return node


def dumps_schema() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True)
