"""Writing one file the user named, safely: what `--output` (a sheet, a report) and
`schema --output` share.

- the target must be a regular file or nothing: a symbolic link (dangling or not), a folder, a
  device or a FIFO is refused, so that nothing lands where a link points;
- the text goes to a temporary file in the same folder, flushed and synced, then moves into
  place: an interrupted write never leaves half a file, and a reader never sees one;
- `replace=False` refuses, at the last step too, a file created meanwhile (a hard link fails on
  an existing name); `replace=True` swaps the file, never a link's target.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from orienter.core.diagnostics import ExitCode, OrienterError


def existing_target(path: Path, folder_hint: str = "") -> os.stat_result | None:
    """The target's state when it is a regular file, None when absent; a French refusal for
    anything else, and when its folder does not exist."""
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
        raise OrienterError(f"« {path} » est un dossier : donnez un nom de fichier à --output{folder_hint}.",
                            ExitCode.USAGE)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OrienterError(f"« {path} » n'est pas un fichier ordinaire : choisissez un autre nom.", ExitCode.USAGE)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OrienterError(f"Le dossier « {parent} » n'existe pas : créez-le ou choisissez un autre chemin "
                            "pour --output.", ExitCode.USAGE)
    return st


def write_atomically(path: Path, text: str, mode: int, replace: bool) -> None:
    """Write `text` to `path` with these permissions; see the module's rules."""
    parent = path.parent if str(path.parent) else Path(".")
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".orienter-", suffix=".tmp", dir=parent)  # created 0600
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if replace:
            existing_target(path)  # a link planted meanwhile is still refused
            os.replace(tmp, path)  # replaces a link itself, never its target
            return
        try:
            os.link(tmp, path)  # atomic, and fails on any existing name (link included)
        except FileExistsError:
            raise OrienterError(f"Le fichier « {path} » existe déjà : ajoutez --force pour le remplacer.",
                                ExitCode.USAGE) from None
        except OSError:  # a file system without hard links: the checks again, then a rename
            if existing_target(path) is not None:
                raise OrienterError(f"Le fichier « {path} » existe déjà : ajoutez --force pour le remplacer.",
                                    ExitCode.USAGE) from None
            os.replace(tmp, path)
    except OSError as exc:
        raise OrienterError(f"Impossible d'écrire « {path} » : {exc.strerror or exc}. Rien n'a été modifié.",
                            ExitCode.USAGE) from None
    finally:
        if tmp and os.path.lexists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass
