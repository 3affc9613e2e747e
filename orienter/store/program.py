"""What the program is, for cache keys: a cached result is only valid for the code and the
reference data that produced it."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def signature() -> str:
    """orienter's version, Python's, and the size and time of every module and geodata file
    (an edited module or a new commune reference invalidates every cached result)."""
    from orienter import __version__

    package = Path(__file__).resolve().parent.parent
    parts = [__version__, sys.version]
    for path in sorted([*package.rglob("*.py"), *(package / "geodata").glob("*")]):
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)
