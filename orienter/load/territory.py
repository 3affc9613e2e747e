"""A validated territory: its model, its structures and the communes of its perimeter.

Kept apart from `validation.py` so that reading it back from the cache (pickle) does not import
the YAML loader: `suggest` with a warm cache never parses YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from orienter.core.diagnostics import Diagnostic
from orienter.load.model import Structure, Territoire
from orienter.core.paths import display_path

TERRITORY_FILE = "territoire.yaml"


@dataclass
class Territory:
    model: Territoire
    folder: Path
    file: str
    structures: list[Structure] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # structure id -> file
    communes: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def national(self) -> bool:
        """The national layer: it complements local territories, never stands for one."""
        return self.model.perimetre.france


def find_territory_folders(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Territory folders named by the paths: a root of territories, a territory, or a file in one."""
    found: dict[Path, None] = {}
    diags: list[Diagnostic] = []
    for path in paths:
        if not path.exists():
            diags.append(Diagnostic(display_path(path), 1, 1, "O001",
                                    "chemin introuvable : vérifiez l'orthographe ou le dossier courant"))
            continue
        start = path if path.is_dir() else path.parent
        owner = next((p for p in (start, *start.parents) if (p / TERRITORY_FILE).is_file()), None)
        if owner is not None:
            found[owner.resolve()] = None
            continue
        subs = sorted({p.parent.resolve() for p in start.rglob(TERRITORY_FILE)})
        if not subs:
            diags.append(Diagnostic(display_path(path), 1, 1, "O013",
                                    f"aucun {TERRITORY_FILE} dans ce dossier : un territoire est un dossier "
                                    f"qui contient {TERRITORY_FILE} et structures/*.yaml"))
        for sub in subs:
            found[sub] = None
    return sorted(found), diags
