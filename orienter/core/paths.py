"""Where the rules and territories are, and how paths are shown to the user.

With no path given, a command reads the data of the current folder (`./data/territories`,
`./rules`) when it has them: a territory lead runs orienter in their own repository and must
never validate, by mistake, the copy shipped inside the package. Elsewhere the shipped data
(the repository's when installed in development mode, else the wheel's copy) is read, and the
command says so.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
# An editable install or a checkout runs from the repository; a wheel carries copies
# under orienter/_bundled (pyproject's force-include).
_REPO = PACKAGE.parent


LOCAL_DATA = Path("data") / "territories"
LOCAL_RULES = Path("rules")


def rules_dir() -> Path:
    env = os.environ.get("ORIENTER_REGLES")
    if env:
        return Path(env)
    if (LOCAL_RULES / "types.yaml").is_file():
        return LOCAL_RULES.resolve()
    return bundled_rules()


def bundled_rules() -> Path:
    for candidate in (_REPO / "rules", PACKAGE / "_bundled" / "rules"):
        if (candidate / "types.yaml").is_file():
            return candidate
    return _REPO / "rules"


def data_dir() -> Path:
    env = os.environ.get("ORIENTER_DONNEES")
    if env:
        return Path(env)
    if local_data() is not None:
        return LOCAL_DATA.resolve()
    return bundled_data()


def local_data() -> Path | None:
    return LOCAL_DATA if LOCAL_DATA.is_dir() else None


def bundled_data() -> Path:
    for candidate in (_REPO / "data" / "territories", PACKAGE / "_bundled" / "territories"):
        if candidate.is_dir():
            return candidate
    return _REPO / "data" / "territories"


def data_note(paths: list[Path] | None) -> str:
    """One line for every human-readable output: which data this answer comes from."""
    if paths:
        return "Données lues : " + ", ".join(display_path(p) for p in paths)
    if os.environ.get("ORIENTER_DONNEES"):
        return f"Données lues : {display_path(Path(os.environ['ORIENTER_DONNEES']))} (ORIENTER_DONNEES)"
    if local_data() is not None:
        return f"Données lues : {LOCAL_DATA} (dossier courant)"
    return f"Données lues : annuaire livré avec orienter ({display_path(bundled_data())})"


def display_path(path: Path | str) -> str:
    """Relative to the current folder when below it, as compilers print paths. (The common
    case is a prefix cut: os.path.relpath normalises both paths at every call, which cost a
    second per 24,000 findings at national scale.)"""
    p = os.fspath(path)
    cwd = os.getcwd()
    if os.path.isabs(p):
        prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
        if p.startswith(prefix) and "/.." not in p and "/./" not in p:
            return p[len(prefix):]
    head, tail = os.path.split(p)
    return os.path.join(_relative_folder(head, cwd), tail) if head else _relative_folder(p, cwd)


@lru_cache(maxsize=4096)
def _relative_folder(folder: str, cwd: str) -> str:
    try:
        return os.path.relpath(folder, cwd)
    except ValueError:
        return folder
