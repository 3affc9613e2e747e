"""Load everything a command needs: geography, vocabulary, rules and territories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from orienter.core.diagnostics import Diagnostic, ExitCode, OrienterError
from orienter.load.geo import Geo, load_geo
from orienter.core.paths import data_dir, rules_dir
from orienter.load.model import Structure
from orienter.load.territory import Territory
from orienter.load.vocabulary import Vocabulary


@dataclass
class Workspace:
    geo: Geo
    vocab: Vocabulary
    territories: list[Territory]
    diagnostics: list[Diagnostic]
    files: int
    rules: Path

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    def territory(self, ident: str) -> Territory:
        for t in self.territories:
            if t.id == ident:
                return t
        from rapidfuzz import process

        close = process.extractOne(ident, [t.id for t in self.territories], score_cutoff=60)
        hint = f" Vouliez-vous « {close[0]} » ?" if close else ""
        known = ", ".join(t.id for t in self.territories)
        raise OrienterError(f"Territoire « {ident} » inconnu.{hint} Territoires disponibles : {known}.",
                            ExitCode.INPUT)


def load_workspace(paths: Sequence[Path] | None = None, rules: Path | None = None,
                   today: date | None = None, *, cache: bool = True,
                   keep: Callable[[Structure], bool] | None = None, structures: bool = True) -> Workspace:
    """`cache=True` reuses the result of an earlier run on the same files (orienter/cache.py).

    `structures=False` (validate): diagnostics only, no structure is held in memory.
    `keep`: hold only the structures it accepts (suggest, one département); such a partial
    workspace is never stored in the cache, but a complete one from the cache is welcome."""
    if not structures:
        keep = _nothing
    rules = rules or rules_dir()
    paths = list(paths or [data_dir()])
    today = today or date.today()

    def build() -> Workspace:
        # Only a cache miss reads YAML: the loaders are imported here, not at start-up.
        from orienter.load.validation import load_territories
        from orienter.load.vocabulary import load_vocabulary

        geo = load_geo()
        vocab, vdiags = load_vocabulary(rules)
        result = load_territories(paths, geo, vocab, today, keep)
        return Workspace(geo, vocab, result.territories, sorted(set(vdiags + result.diagnostics)),
                         result.files, rules)

    if not cache:
        return build()
    from orienter.store.cache import cached_workspace

    return cached_workspace(paths, rules, today, build, complete=keep is None, structures=structures)


def _nothing(_: Structure) -> bool:
    return False


def require_valid(ws: Workspace) -> Workspace:
    """Commands that read the directory refuse invalid data: their answers would be wrong."""
    if ws.errors:
        shown = ws.errors[:20]
        more = f"\n... et {len(ws.errors) - 20} autre(s)." if len(ws.errors) > 20 else ""
        lines = "\n".join(f"{d.file}:{d.line}:{d.col}: {d.level} {d.code} {d.message}" for d in shown)
        raise OrienterError(f"{lines}{more}\nLes données sont invalides : corrigez-les "
                            "(`orienter validate` liste tout) avant de les consulter.", ExitCode.USAGE)
    return ws
