"""The vocabulary and rules (rules/*.yaml), validated once and kept in the data-only cache."""

from __future__ import annotations

import os
from pathlib import Path

from orienter.core.diagnostics import Diagnostic
from orienter.load.vocabulary import Vocabulary
from orienter.store import datacache, program

FORMAT = 1


def rules_key(rules: Path) -> bytes:
    """The content of every rules file (names and bytes, not where they are): what the
    vocabulary, and every check that uses it, depend on."""
    parts: list[bytes | str] = []
    try:
        entries = sorted(p for p in rules.iterdir() if p.suffix in (".yaml", ".yml"))
    except OSError:
        entries = []
    for path in entries:
        try:
            parts += [path.name, path.read_bytes()]
        except OSError:
            parts += [path.name, b"<illisible>"]
    return datacache.key_of(*parts)


def load_vocabulary(rules: Path, key: bytes, cache: bool = True) -> tuple[Vocabulary, list[Diagnostic]]:
    import msgspec

    name = f"vocabulaire-{datacache.key_of(os.fspath(rules.resolve())).hex()}.msgpack"
    full_key = datacache.key_of(f"vocabulaire-format={FORMAT}", program.signature(), key)
    stored = datacache.read(name, full_key) if cache else None
    if isinstance(stored, dict):
        try:
            vocab = msgspec.msgpack.decode(stored["vocab"], type=Vocabulary)
            diags = msgspec.msgpack.decode(stored["diags"], type=list[Diagnostic])
            return vocab, diags
        except (KeyError, TypeError, msgspec.DecodeError, msgspec.ValidationError):
            pass
    from orienter.load.vocabulary import load_vocabulary as validate_vocabulary

    vocab, diags = validate_vocabulary(rules)
    if cache:
        datacache.write(name, full_key, {"vocab": msgspec.msgpack.encode(vocab),
                                         "diags": msgspec.msgpack.encode(diags)})
    return vocab, diags
