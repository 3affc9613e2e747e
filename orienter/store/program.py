"""What the program is, for cache keys: a cached result is only valid for the code and the
reference data that produced it."""

from __future__ import annotations

import os
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def signature() -> str:
    """orienter's version, Python's, and the size and time of every module and geodata file
    (an edited module or a new commune reference invalidates every cached result)."""
    from orienter import __version__

    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    parts = [__version__, sys.version]
    for rel in sorted(_program_files(package)):
        try:
            st = os.stat(os.path.join(package, rel))
        except OSError:
            continue
        parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def _program_files(package: str) -> list[str]:
    """Every module and geodata file, relative to the package (os.walk, pruned of the bytecode
    folders: every start-up pays for this walk)."""
    out = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = os.path.relpath(folder, package)
        in_geodata = rel == "geodata"
        for name in files:
            if name.endswith(".py") or in_geodata:
                out.append(name if rel == "." else os.path.join(rel, name))
    return out
