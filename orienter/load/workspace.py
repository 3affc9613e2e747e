"""Load everything a command needs: geography, vocabulary, rules and territories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from orienter.core.diagnostics import Diagnostic, ExitCode, OrienterError
from orienter.core.paths import data_dir, rules_dir
from orienter.load.geo import Commune, Geo, load_geo
from orienter.load.discovery import EXTENSIONS, STRUCTURES, Discovery
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
    rules_key: bytes = b""

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
                   today: date | None = None, *, cache: bool = True, structures: bool = True,
                   commune: Commune | None = None, only: Sequence[str] | None = None,
                   holding: str | None = None) -> Workspace:
    """Everything a command needs, read through the data-only cache (orienter/store/).

    `structures=False` (validate): findings only, no structure decoded or kept in memory.
    `commune`: read only the territories whose perimeter holds this commune, and the national
    layer (suggest reads the perimeters first, then a territory or two, not the country).
    `only`: read only the territories with these ids (rapport T, graphe T).
    `holding`: read the records of only the territories that hold a structure or a service
    with this id (fiche ID); the others are read for their findings and references only.
    The checks across files (duplicate ids, FINESS, SIRET; references to unknown structures)
    need every territory: they run only when every territory is read."""
    from orienter.load.discovery import discover
    from orienter.store import program
    from orienter.store.territories import TerritoryLoader
    from orienter.store.vocabularies import load_vocabulary, rules_key

    rules = rules or rules_dir()
    paths = list(paths or [data_dir()])
    today = today or date.today()
    geo = load_geo()
    key = rules_key(rules)
    vocab, diagnostics = load_vocabulary(rules, key, cache)
    found = discover(paths)
    diagnostics += found.problems
    loader = TerritoryLoader(geo, vocab, key, today, program.signature(), records=structures, cache=cache)
    selected = found.territories
    if commune is not None or only:
        from orienter.store.perimeters import select

        selected, problems = select(found.territories, loader, paths, commune, only)
        diagnostics += problems
    territories: list[Territory] = []
    refs = []
    files = 0
    if holding is not None:
        selected = _holding(selected, holding, geo, vocab, key, today, cache)
    from orienter.store.territories import load_many

    for loaded in load_many(loader, selected):
        diagnostics += loaded.diagnostics
        refs += loaded.refs
        files += loaded.files
        if loaded.territory is not None:
            territories.append(loaded.territory)
    if selected is found.territories:
        from orienter.load.findings import cross_checks

        diagnostics += cross_checks(refs)
    if found.files:
        extra, diagnostics = _named_files(found, diagnostics, geo, vocab)
        files += extra
    return Workspace(geo, vocab, territories, sorted(set(diagnostics)), files, rules, key)


def _holding(found: list[Any], ident: str, geo: Geo, vocab: Vocabulary, key: bytes, today: date,
             cache: bool) -> list[Any]:
    """The territories whose records hold this id: known from their references, without
    decoding any structure (at national scale, one territory instead of a hundred)."""
    from orienter.store import program
    from orienter.store.territories import TerritoryLoader

    light = TerritoryLoader(geo, vocab, key, today, program.signature(), records=False, cache=cache)

    def holds(tf: Any) -> bool:
        return any(r.kind in ("structure-id", "service-id") and r.value == ident for r in light.load(tf).refs)

    # A structure's file is usually named after it, and a service's id starts with its
    # structure's: a few stats find the territory before reading a hundred of them.
    named = [tf for tf in found if any((tf.folder / STRUCTURES / f"{stem}{ext}").is_file()
                                       for stem in _stems(ident) for ext in EXTENSIONS)]
    return [tf for tf in named if holds(tf)] or [tf for tf in found if holds(tf)] or found


def _stems(ident: str) -> list[str]:
    """"fic-dac-bords-de-loire-appui" -> itself, "fic-dac-bords-de-loire", ... down to two parts."""
    parts = ident.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 1, -1)] or [ident]


def _named_files(found: Discovery, diagnostics: list[Diagnostic], geo: Geo,
                 vocab: Vocabulary) -> tuple[int, list[Diagnostic]]:
    """`validate FILE`: the findings of the files named, whatever else their territory holds;
    a file no command would read is said so, never passed in silence."""
    from orienter.core.paths import display_path
    from orienter.load.discovery import TERRITORY_FILE
    from orienter.load.files import read_bytes

    wanted = {display_path(p) for p in found.files}
    # The findings about the other files of the territories read are not what was asked.
    others = {display_path(p) for tf in found.territories for p in (tf.territory_file, *tf.structure_files)} - wanted
    kept = [d for d in diagnostics if d.file not in others]
    extra = 0
    for path in found.files:
        shown = display_path(path)
        owner = next((t for t in found.territories if _inside(path, t.folder)), None)
        if owner is not None:
            rel = path.resolve().relative_to(owner.folder)
            if rel.parts[0] != STRUCTURES and rel.as_posix() != TERRITORY_FILE:
                kept.append(Diagnostic(shown, 1, 1, "O014", "aucune commande ne lit ce fichier : les structures "
                                       "vont dans structures/, le territoire dans territoire.yaml"))
            elif rel.parts[0] == STRUCTURES and not path.name.lower().endswith((".yaml", ".yml")):
                kept.append(Diagnostic(shown, 1, 1, "O014", "aucune commande ne lit ce fichier : un fichier de "
                                       "structure se termine par .yaml ou .yml"))
            continue
        from orienter.load.validation import check_loose_file

        extra += 1
        raw, problems = read_bytes(path, shown)
        kept += problems if raw is None else check_loose_file(raw, shown, geo, vocab)
    return extra, kept


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
        return True
    except ValueError:
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
