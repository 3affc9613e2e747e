"""The directory a web server answers from: loaded once per process and day, shared by every
request (the engine's reading and ranking are pure; a lock keeps one orientation at a time, which
costs a few milliseconds)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from orienter.core.diagnostics import ExitCode, OrienterError


@dataclass
class Loaded:
    """One day's directory: everything the pages read. `error`: why the data cannot be used
    (invalid files), shown on every page instead of a wrong answer."""

    day: date
    ws: Any = None
    index: Any = None
    engine: Any = None
    error: Optional[OrienterError] = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Directory data computed once (reports, summaries): never anything about a situation.
    memo: dict[Any, Any] = field(default_factory=dict)

    def remember(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def criteria_labels(self) -> dict[str, str]:
        return {code: c.libelle for code, c in self.ws.vocab.criteres.items()}


class Directory:
    def __init__(self, donnees: Optional[Sequence[Path]] = None, regles: Optional[Path] = None,
                 today: Callable[[], date] = date.today):
        self.donnees = list(donnees) if donnees else None
        self.regles = regles
        self.today = today
        self._lock = threading.Lock()
        self._loaded: Optional[Loaded] = None

    def current(self) -> Loaded:
        day = self.today()
        with self._lock:
            if self._loaded is None or self._loaded.day != day:
                self._loaded = self._load(day)
            return self._loaded

    def _load(self, day: date) -> Loaded:
        from orienter.engine.orient import Engine
        from orienter.load.workspace import load_workspace, require_valid
        from orienter.store.index import Index
        from orienter.store.lexicons import compiled_for

        try:
            ws = require_valid(load_workspace(self.donnees, self.regles, day))
        except OrienterError as exc:
            return Loaded(day, error=OrienterError(exc.text, ExitCode.USAGE))
        index = Index(ws.territories, ws.geo)
        engine = Engine(index, ws.vocab, day, compiled_for(ws.vocab, ws.rules, ws.rules_key))
        return Loaded(day, ws, index, engine)
