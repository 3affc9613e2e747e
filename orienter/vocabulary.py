"""The vocabulary of `rules/`: service types, needs, publics, referrers, natures.

Loaded like the territories (safe YAML, located errors) and cross-checked: a type that answers
an unknown need is an error in the vocabulary, not in the territory that uses the type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic
from .loading import Document, load_yaml
from .model import Besoin, FichierBesoins, FichierPublics, FichierTypes, Public, TypeService
from .paths import display_path
from .schema import validate_model


@dataclass
class Vocabulary:
    types: dict[str, TypeService] = field(default_factory=dict)
    besoins: dict[str, Besoin] = field(default_factory=dict)
    publics: dict[str, Public] = field(default_factory=dict)
    orienteurs: dict[str, str] = field(default_factory=dict)
    natures: list[str] = field(default_factory=list)
    nomenclatures: dict[str, dict[str, str]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def type_label(self, code: str) -> str:
        t = self.types.get(code)
        return t.libelle if t else code

    def need_label(self, code: str) -> str:
        b = self.besoins.get(code)
        return b.libelle if b else code


def load_vocabulary(rules_dir: Path) -> tuple[Vocabulary, list[Diagnostic]]:
    vocab = Vocabulary()
    diags: list[Diagnostic] = []
    docs: dict[str, Document] = {}
    for name, model in (("types", FichierTypes), ("besoins", FichierBesoins), ("publics", FichierPublics)):
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
            vocab.nomenclatures = {k: v.model_dump() for k, v in parsed.nomenclatures.items()}
        elif isinstance(parsed, FichierBesoins):
            vocab.besoins = parsed.besoins
        elif isinstance(parsed, FichierPublics):
            vocab.publics = parsed.publics
            vocab.orienteurs = parsed.orienteurs
    if "types" in docs and vocab.besoins:
        doc = docs["types"]
        for code, t in vocab.types.items():
            for i, need in enumerate(t.besoins):
                if need not in vocab.besoins:
                    line, col = doc.position(("types", code, "besoins", i))
                    diags.append(Diagnostic(doc.file, line, col, "O503",
                                            f"le type {code} répond au besoin « {need} » absent de besoins.yaml"))
    return vocab, diags


def _as_vocab(d: Diagnostic) -> Diagnostic:
    code = "O501" if d.code == "O100" else d.code
    return Diagnostic(d.file, d.line, d.col, code, d.message, path=d.path)
