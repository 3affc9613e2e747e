"""Where the shipped rules and territories are, and how paths are shown to the user."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
# An editable install or a checkout runs from the repository; a wheel carries copies
# under orienter/_bundled (pyproject's force-include).
_REPO = PACKAGE.parent


def rules_dir() -> Path:
    env = os.environ.get("ORIENTER_REGLES")
    if env:
        return Path(env)
    for candidate in (_REPO / "rules", PACKAGE / "_bundled" / "rules"):
        if (candidate / "types.yaml").is_file():
            return candidate
    return _REPO / "rules"


def data_dir() -> Path:
    env = os.environ.get("ORIENTER_DONNEES")
    if env:
        return Path(env)
    for candidate in (_REPO / "data" / "territories", PACKAGE / "_bundled" / "territories"):
        if candidate.is_dir():
            return candidate
    return _REPO / "data" / "territories"


def display_path(path: Path) -> str:
    """Relative to the current folder when below it, as compilers print paths."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
