"""The compiled lexicon, kept in the data-only cache: compiling lemmatises the vocabulary with
simplemma and builds the table of French words (about 2 s, its dictionary included); reading
it back costs a few milliseconds.

The key covers what the compiled lexicon depends on: the bytes of the rules files, the program,
and the lemmatiser's and stemmer's installed data.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

from orienter.engine.lexicon import FORMAT, CompiledLexicon, compile_vocabulary
from orienter.store import datacache, program

if TYPE_CHECKING:
    from orienter.load.vocabulary import Vocabulary


_compiled: dict[bytes, CompiledLexicon] = {}  # within one process (tests, the web page)


def compiled_for(vocab: Vocabulary, rules: Path, rules_key: bytes) -> CompiledLexicon:
    key = datacache.key_of(f"lexique-format={FORMAT}", program.signature(), rules_key, *_libraries())
    if key not in _compiled:
        _compiled[key] = _cached_or_compiled(vocab, rules, key)
    return _compiled[key]


def _cached_or_compiled(vocab: Vocabulary, rules: Path, key: bytes) -> CompiledLexicon:
    if datacache.cache_dir() is None:
        return compile_vocabulary(vocab)
    name = f"lexique-{datacache.key_of(os.fspath(rules.resolve())).hex()}.msgpack"
    data = datacache.read(name, key)
    if isinstance(data, dict):
        try:
            return CompiledLexicon.from_data(data)
        except (TypeError, KeyError, ValueError):
            pass
    compiled = compile_vocabulary(vocab)
    datacache.write(name, key, compiled.to_data())
    return compiled


def _libraries() -> list[str]:
    """Where the lemmatiser's and the stemmer's data live, and when they were installed."""
    out = []
    for package in ("simplemma", "snowballstemmer"):
        spec = importlib.util.find_spec(package)
        if spec and spec.origin:
            folder = Path(spec.origin).parent
            out.append(f"{package}:{folder}:{folder.stat().st_mtime_ns}")
    return out
