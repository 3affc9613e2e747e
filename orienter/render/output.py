"""Writing a result to the file named by `--output` (issue 12.4): the only place a situation
reaches the disk, so the file is the user's alone and nothing else is touched.

- a symbolic link at that path is refused, even with --force (dangling or not): the sheet would
  land wherever the link points;
- the file is created readable and writable by its owner only (0600);
- it is written to a temporary file in the same folder, flushed, then moved into place: an
  interrupted write never leaves half a sheet, and a reader never sees one;
- an existing file is kept unless --force; without --force the final step itself refuses a file
  created meanwhile (hard link, which fails on an existing name).
"""

from __future__ import annotations

import sys
from pathlib import Path

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.core.writing import existing_target, write_atomically

# --output extension -> format name (as the --format options spell them)
EXTENSIONS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
              ".json": "json", ".txt": "texte", ".mmd": "mermaid", ".mermaid": "mermaid",
              ".dot": "dot", ".gv": "dot"}


def format_for(path: Path, given: str | None, allowed: list[str]) -> str:
    """The format to write `path` in: the extension's, which must agree with --format when both
    are given; --format alone when the extension says nothing."""
    by_ext = EXTENSIONS.get(path.suffix.lower())
    if by_ext is not None and by_ext not in allowed:
        by_ext = None
    if given is not None and by_ext is not None and given != by_ext:
        raise OrienterError(f"--format {given} ne correspond pas à l'extension de « {path} » "
                            f"({path.suffix} : {by_ext}) : changez l'un ou l'autre.", ExitCode.USAGE)
    fmt = by_ext or given
    if fmt is None:
        known = ", ".join(sorted({e for e, f in EXTENSIONS.items() if f in allowed}))
        raise OrienterError(f"Impossible de deviner le format de « {path} » : donnez une extension "
                            f"({known}) ou précisez --format.", ExitCode.USAGE)
    return fmt


def check(path: Path, force: bool) -> None:
    """Refuse early, before any work: a link, a folder, an existing file without --force, a
    folder that does not exist."""
    if existing_target(path) is not None and not force:
        raise OrienterError(f"Le fichier « {path} » existe déjà : ajoutez --force pour le remplacer, ou "
                            "choisissez un autre nom.", ExitCode.USAGE)


def write(path: Path, text: str, force: bool, what: str = "Résultat écrit dans") -> None:
    """Write `text` to `path` (0600, atomically, no link followed) and say where on stderr."""
    check(path, force)
    write_atomically(path, text, 0o600, replace=force)
    sys.stderr.write(f"{what} {path}\n")
