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

import os
import stat
import sys
import tempfile
from pathlib import Path

from orienter.core.diagnostics import ExitCode, OrienterError

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
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OrienterError(f"Impossible d'écrire « {path} » : {exc.strerror or exc}.", ExitCode.USAGE) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise OrienterError(f"« {path} » est un lien symbolique : orienter n'écrit pas à travers un lien "
                            "(le fichier irait ailleurs). Donnez le chemin du fichier lui-même.", ExitCode.USAGE)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OrienterError(f"« {path} » est un dossier : donnez un nom de fichier à --output.", ExitCode.USAGE)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OrienterError(f"« {path} » n'est pas un fichier ordinaire : choisissez un autre nom.", ExitCode.USAGE)
    if st is not None and not force:
        raise OrienterError(f"Le fichier « {path} » existe déjà : ajoutez --force pour le remplacer, ou "
                            "choisissez un autre nom.", ExitCode.USAGE)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OrienterError(f"Le dossier « {parent} » n'existe pas : créez-le ou choisissez un autre chemin "
                            "pour --output.", ExitCode.USAGE)


def write(path: Path, text: str, force: bool, what: str = "Résultat écrit dans") -> None:
    """Write `text` to `path` (0600, atomically, no link followed) and say where on stderr."""
    check(path, force)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".orienter-", suffix=".tmp", dir=parent)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        if force:
            check(path, force=True)  # a link planted meanwhile is still refused
            os.replace(tmp, path)  # replaces a link itself, never its target
        else:
            try:
                os.link(tmp, path)  # atomic, and fails on any existing name (link included)
            except FileExistsError:
                raise OrienterError(f"Le fichier « {path} » existe déjà : ajoutez --force pour le remplacer.",
                                    ExitCode.USAGE) from None
            except OSError:  # a file system without hard links: the check above, then a rename
                check(path, force=False)
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
    except OSError as exc:
        raise OrienterError(f"Impossible d'écrire « {path} » : {exc.strerror or exc}.", ExitCode.USAGE) from None
    finally:
        if os.path.lexists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass
    sys.stderr.write(f"{what} {path}\n")
