"""The compiled lexicon, kept in the data-only cache: compiling lemmatises the vocabulary with
simplemma and builds the table of French words (3 to 7 s, its dictionary included); reading it
back costs a few milliseconds.

The key covers what the compiled lexicon depends on: the bytes of the rules files, the program,
and the lemmatiser's and stemmer's installed data.

The package also ships the lexicon compiled from its own rules (`orienter/engine/lexique.msgpack`,
made by `python -m orienter.store.lexicons`; tests/test_engine.py fails when it is out of date):
the very first question on a new machine does not pay for the compilation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from orienter.core.hashing import blake2b
from orienter.engine.lexicon import FORMAT, CompiledLexicon, compile_vocabulary
from orienter.store import datacache, program

if TYPE_CHECKING:
    from orienter.load.vocabulary import Vocabulary


_compiled: dict[tuple[str, bytes], CompiledLexicon] = {}  # within one process (tests, the web page)


def compiled_for(vocab: Vocabulary, rules: Path, rules_key: bytes) -> CompiledLexicon:
    memo = (os.fspath(rules), rules_key)
    if memo not in _compiled:
        # The shipped lexicon answers for the package's own rules: no cache key to compute
        # (it stats the lemmatiser's installation) when the question uses them.
        shipped = _shipped(rules, rules_key)
        _compiled[memo] = shipped if shipped is not None else _cached_or_compiled(vocab, rules, rules_key)
    return _compiled[memo]


def _cached_or_compiled(vocab: Vocabulary, rules: Path, rules_key: bytes) -> CompiledLexicon:
    key = datacache.key_of(f"lexique-format={FORMAT}", program.signature(), rules_key, *_libraries())
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
    import importlib.util

    out = []
    for package in ("simplemma", "snowballstemmer"):
        spec = importlib.util.find_spec(package)
        if spec and spec.origin:
            folder = Path(spec.origin).parent
            out.append(f"{package}:{folder}:{folder.stat().st_mtime_ns}")
    return out


SHIPPED = Path(__file__).resolve().parent.parent / "engine" / "lexique.msgpack"


def shipped_key(rules: Path, key_of_rules: bytes | None = None) -> str:
    """What the shipped lexicon was compiled from: the rules' content and the compiler's source."""
    from orienter.store.vocabularies import rules_key

    h = blake2b(key_of_rules if key_of_rules is not None else rules_key(rules), digest_size=16)
    engine = Path(__file__).resolve().parent.parent / "engine"
    for module in ("lexicon.py", "morphology.py"):
        h.update((engine / module).read_bytes())
    return h.hexdigest()


def _shipped(rules: Path, key_of_rules: bytes | None = None) -> CompiledLexicon | None:
    import msgspec

    try:
        stored = msgspec.msgpack.decode(SHIPPED.read_bytes())
        if stored.get("cle") != shipped_key(rules, key_of_rules):
            return None
        return CompiledLexicon.from_data(stored["lexique"])
    except (OSError, msgspec.DecodeError, AttributeError, KeyError, TypeError, ValueError):
        return None


def write_shipped(rules: Path) -> Path:
    """Compile the package's own rules and write the shipped lexicon (atomically)."""
    import msgspec

    from orienter.store.vocabularies import load_vocabulary, rules_key

    vocab, _ = load_vocabulary(rules, rules_key(rules), cache=False)
    data = msgspec.msgpack.encode({"cle": shipped_key(rules), "lexique": compile_vocabulary(vocab).to_data()})
    tmp = SHIPPED.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, SHIPPED)
    return SHIPPED


if __name__ == "__main__":
    from orienter.core.paths import bundled_rules

    print(write_shipped(bundled_rules()))
