"""The compiled lexicon, kept in the data-only cache: compiling lemmatises the vocabulary with
simplemma (about 0.4 s, its dictionary included); reading it back costs a few milliseconds.

The key covers what the compiled lexicon depends on: the bytes of the rules files, the
compiler's own modules, and the lemmatiser's and stemmer's installed data.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

from orienter.engine.lexicon import FORMAT, CompiledLexicon, compile_vocabulary
from orienter.store import datacache

if TYPE_CHECKING:
    from orienter.load.vocabulary import Vocabulary

_MODULES = ("lexicon.py", "morphology.py")


def compiled_for(vocab: Vocabulary, rules: Path) -> CompiledLexicon:
    try:
        key = _key(rules)
    except OSError:
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


def _key(rules: Path) -> bytes:
    parts: list[bytes | str] = [f"format={FORMAT}"]
    for path in sorted(rules.glob("*.y*ml")):
        parts += [path.name, path.read_bytes()]
    engine = Path(__file__).resolve().parent.parent / "engine"
    for module in _MODULES:
        st = (engine / module).stat()
        parts.append(f"{module}:{st.st_size}:{st.st_mtime_ns}")
    for package in ("simplemma", "snowballstemmer"):
        spec = importlib.util.find_spec(package)
        origin = Path(spec.origin) if spec and spec.origin else None
        if origin is not None:
            st = origin.parent.stat()
            parts.append(f"{package}:{origin.parent}:{st.st_mtime_ns}")
    return datacache.key_of(*parts)
