"""The vocabulary of `rules/`: service types, needs, publics, referrers, natures.

Loaded like the territories (safe YAML, located errors) and cross-checked: a type that answers
an unknown need is an error in the vocabulary, not in the territory that uses the type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from orienter.core.diagnostics import Diagnostic
from orienter.load.model import (
    Besoin,
    Critere,
    FichierBesoins,
    FichierCriteres,
    FichierPublics,
    FichierRegles,
    FichierTypes,
    Numero,
    Public,
    Regle,
    TypeService,
)

if TYPE_CHECKING:
    from orienter.load.yamlsafe import Document


@dataclass
class Vocabulary:
    types: dict[str, TypeService] = field(default_factory=dict)
    besoins: dict[str, Besoin] = field(default_factory=dict)
    publics: dict[str, Public] = field(default_factory=dict)
    orienteurs: dict[str, str] = field(default_factory=dict)
    natures: list[str] = field(default_factory=list)
    nomenclatures: dict[str, dict[str, str]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    criteres: dict[str, Critere] = field(default_factory=dict)
    abreviations: dict[str, str] = field(default_factory=dict)
    regles: list[Regle] = field(default_factory=list)
    numeros: dict[str, Numero] = field(default_factory=dict)

    def type_label(self, code: str) -> str:
        t = self.types.get(code)
        return t.libelle if t else code

    def need_label(self, code: str) -> str:
        b = self.besoins.get(code)
        return b.libelle if b else code


def load_vocabulary(rules_dir: Path) -> tuple[Vocabulary, list[Diagnostic]]:
    from orienter.load.yamlsafe import load_yaml
    from orienter.core.paths import display_path
    from orienter.load.schema import validate_model

    vocab = Vocabulary()
    diags: list[Diagnostic] = []
    docs: dict[str, Document] = {}
    files = (("types", FichierTypes), ("besoins", FichierBesoins), ("publics", FichierPublics),
             ("criteres", FichierCriteres), ("regles", FichierRegles))
    for name, model in files:
        path = rules_dir / f"{name}.yaml"
        doc, problems = load_yaml(path, display_path(path))
        diags += [_as_vocab(d) for d in problems]
        if doc is None:
            continue
        parsed, problems = validate_model(model, doc.data, doc)
        diags += [_as_vocab(d) for d in problems]
        if parsed is None:
            continue
        docs[name] = doc
        vocab.versions[name] = parsed.version
        if isinstance(parsed, FichierTypes):
            vocab.types = parsed.types
            vocab.natures = parsed.natures
            vocab.nomenclatures = {k: {f: getattr(v, f) for f in v.__dataclass_fields__}
                                   for k, v in parsed.nomenclatures.items()}
        elif isinstance(parsed, FichierBesoins):
            vocab.besoins = parsed.besoins
        elif isinstance(parsed, FichierPublics):
            vocab.publics = parsed.publics
            vocab.orienteurs = parsed.orienteurs
        elif isinstance(parsed, FichierCriteres):
            vocab.criteres = parsed.criteres
            vocab.abreviations = parsed.abreviations
        elif isinstance(parsed, FichierRegles):
            vocab.regles = parsed.regles
            vocab.numeros = parsed.numeros
    if "types" in docs and vocab.besoins:
        doc = docs["types"]
        for code, t in vocab.types.items():
            for i, need in enumerate(t.besoins):
                if need not in vocab.besoins:
                    line, col = doc.position(("types", code, "besoins", i))
                    diags.append(Diagnostic(doc.file, line, col, "O503",
                                            f"le type {code} répond au besoin « {need} » absent de besoins.yaml"))
    if "criteres" in docs:
        diags += _check_patterns(vocab, docs["criteres"])
    if "regles" in docs:
        from orienter.engine.rules import check_rule

        doc = docs["regles"]
        seen: set[str] = set()
        for i, rule in enumerate(vocab.regles):
            if rule.id in seen:
                line, col = doc.position(("regles", i, "id"))
                diags.append(Diagnostic(doc.file, line, col, "O502", f"règle « {rule.id} » en double"))
            seen.add(rule.id)
            for loc, code, message in check_rule(rule, vocab):
                line, col = doc.position(("regles", i) + loc)
                diags.append(Diagnostic(doc.file, line, col, code, message))
    return vocab, diags


def _check_patterns(vocab: Vocabulary, doc: Document) -> list[Diagnostic]:
    import re

    out = []
    for code, c in vocab.criteres.items():
        if c.motif is None:
            continue
        try:
            if re.compile(c.motif).groups < 1 and c.type == "nombre":
                raise re.error("aucun groupe")
        except re.error as exc:
            line, col = doc.position(("criteres", code, "motif"))
            out.append(Diagnostic(doc.file, line, col, "O501", f"motif du critère {code} invalide ({exc}) : "
                                  "une expression régulière dont le groupe 1 est la valeur"))
    return out


def _as_vocab(d: Diagnostic) -> Diagnostic:
    code = ("O502" if d.file.endswith("regles.yaml") else "O501") if d.code == "O100" else d.code
    return Diagnostic(d.file, d.line, d.col, code, d.message, path=d.path)
