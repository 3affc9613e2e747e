"""A validated territory: its model, its structures and the communes of its perimeter.

Kept apart from `validation.py` so that building it from the cache does not import the YAML
loader: `suggest` with a warm cache never parses YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from orienter.load.model import Structure, Territoire


@dataclass
class Territory:
    model: Territoire
    folder: Path
    file: str
    structures: list[Structure] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # structure id -> file
    # The communes of the perimeter, expanded on first use: building the EPCI and département
    # tables costs 0.15 s, which a warm `validate` or `suggest` does not need.
    expand: Callable[[], set[str]] | None = field(default=None, repr=False, compare=False)
    _communes: set[str] | None = field(default=None, repr=False, compare=False)

    @property
    def communes(self) -> set[str]:
        if self._communes is None:
            self._communes = self.expand() if self.expand else set()
        return self._communes

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def national(self) -> bool:
        """The national layer: it complements local territories, never stands for one."""
        return self.model.perimetre.france
