"""Reading a data file's bytes, safely: only regular files, never blocking, bounded in size.

Kept apart from the YAML loader so that the cache can read and hash files without importing
YAML: bytes are read once, hashed for the cache key, and parsed from the same buffer on a miss.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from orienter.core.diagnostics import Diagnostic
from orienter.core.limits import MAX_FILE_BYTES

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


def read_bytes(path: Path, name: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of one data file, or None and the located reason it cannot be used."""
    try:
        fd = os.open(path, _FLAGS)  # non-blocking: a FIFO opens at once, and is refused below
    except OSError as exc:
        return None, [Diagnostic(name, 1, 1, "O001", f"lecture impossible : {exc.strerror or exc}")]
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            # A FIFO blocks and /dev/zero never ends: only regular files are read.
            return None, [Diagnostic(name, 1, 1, "O001", "ce n'est pas un fichier ordinaire (dossier, tube ou "
                                     "périphérique) : retirez-le du dossier de territoire")]
        if info.st_size > MAX_FILE_BYTES:
            return None, [_too_big(name, info.st_size)]
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # a file that grows while read stays bounded
    except OSError as exc:
        return None, [Diagnostic(name, 1, 1, "O001", f"lecture impossible : {exc.strerror or exc}")]
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        return None, [_too_big(name, len(raw))]
    return raw, []


def _too_big(name: str, size: int) -> Diagnostic:
    return Diagnostic(name, 1, 1, "O004", f"fichier de {size / 1e6:.1f} Mo : la limite est "
                      f"{MAX_FILE_BYTES // (1024 * 1024)} Mo par fichier ; découpez-le (un fichier par structure)")
