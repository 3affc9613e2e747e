"""Which files make the directory: the one function that both loading and the cache use, so
that what is read and what a cache key covers can never drift apart (DESIGN §8).

A path given by the user is a root of territories (any folder holding territory folders at
any depth), a territory folder (it holds `territoire.yaml`), or a file inside one. A territory's
structure files are every `*.yaml` and `*.yml` under its `structures/` folder, at any depth,
symlinked folders followed (each real folder once, so that a link cannot loop). Nothing that
cannot be read is skipped in silence: it becomes a finding with its code.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from orienter.core.diagnostics import Diagnostic
from orienter.core.paths import display_path

TERRITORY_FILE = "territoire.yaml"
STRUCTURES = "structures"
EXTENSIONS = (".yaml", ".yml")


@dataclass
class TerritoryFiles:
    folder: Path  # resolved
    structure_files: list[Path] = field(default_factory=list)  # sorted, as found (not resolved)
    problems: list[Diagnostic] = field(default_factory=list)
    listed: bool = False  # structure files looked up (done only for territories that are read)

    @property
    def territory_file(self) -> Path:
        return self.folder / TERRITORY_FILE

    def list_structures(self) -> TerritoryFiles:
        if not self.listed:
            self.structure_files, self.problems = _structure_files(self.folder / STRUCTURES)
            self.listed = True
        return self


@dataclass
class Discovery:
    territories: list[TerritoryFiles]
    problems: list[Diagnostic]
    files: list[Path] = field(default_factory=list)  # files named explicitly (validate FILE)


def discover(paths: Iterable[Path]) -> Discovery:
    """Territory folders named by the paths, sorted; structure files are listed on demand."""
    found: dict[Path, TerritoryFiles] = {}
    problems: list[Diagnostic] = []
    named: list[Path] = []
    for path in paths:
        shown = display_path(path)
        try:
            st = os.stat(path)
        except OSError as exc:
            code = "O001"
            reason = ("chemin introuvable : vérifiez l'orthographe ou le dossier courant"
                      if isinstance(exc, FileNotFoundError) else f"accès impossible : {exc.strerror or exc}")
            problems.append(Diagnostic(shown, 1, 1, code, reason))
            continue
        if stat.S_ISREG(st.st_mode):
            named.append(path)
        start = path if stat.S_ISDIR(st.st_mode) else path.parent
        owner = _owner(start)
        if owner is not None:
            found.setdefault(owner, TerritoryFiles(owner))
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue  # a file outside any territory: `validate` says what it can of it
        subs, unreadable = _territory_folders(start)
        problems += unreadable
        if not subs and not unreadable:
            problems.append(Diagnostic(shown, 1, 1, "O013",
                                       f"aucun {TERRITORY_FILE} dans ce dossier : un territoire est un dossier "
                                       f"qui contient {TERRITORY_FILE} et structures/*.yaml"))
        for sub in subs:
            found.setdefault(sub, TerritoryFiles(sub))
    return Discovery(sorted(found.values(), key=lambda t: os.fspath(t.folder)), problems, named)


def is_territory_folder(folder: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(folder / TERRITORY_FILE).st_mode)
    except OSError:
        return False


def _owner(start: Path) -> Path | None:
    for p in (start, *start.parents):
        if is_territory_folder(p):
            return p.resolve()
    return None


def _territory_folders(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for folder, files in _walk(root, problems, prune=STRUCTURES):
        if TERRITORY_FILE in files and is_territory_folder(folder):
            found.append(folder.resolve())
    return sorted(set(found)), problems


def _structure_files(folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    problems: list[Diagnostic] = []
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return [], []  # a territory with no structure yet
    except OSError as exc:
        return [], [Diagnostic(display_path(folder), 1, 1, "O001", f"dossier illisible : {exc.strerror or exc}")]
    if not stat.S_ISDIR(st.st_mode):
        return [], [Diagnostic(display_path(folder), 1, 1, "O001",
                               "structures/ n'est pas un dossier : rangez les fichiers de structure dedans")]
    out: list[Path] = []
    for parent, files in _walk(folder, problems):
        out += [parent / name for name in files if name.lower().endswith(EXTENSIONS)]
    return sorted(out), problems


def _walk(root: Path, problems: list[Diagnostic], prune: str | None = None) -> Iterable[tuple[Path, list[str]]]:
    """(folder, file names) for every folder under root, symlinked folders followed once each;
    an unreadable folder is a finding, never a silent gap. `prune`: a folder of that name next
    to a territory file is not entered (looking for territories, the structures/ folders hold
    thirty thousand files at national scale and no territory)."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            problems.append(Diagnostic(display_path(folder), 1, 1, "O001",
                                       f"dossier illisible : {exc.strerror or exc} ; ses fichiers ne sont pas lus"))
            continue
        files: list[str] = []
        subs: list[Path] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.startswith("."):  # .git and the like
                    subs.append(Path(entry.path))
                if entry.name.lower().endswith(EXTENSIONS):
                    files.append(entry.name)  # a folder named like a data file: reading it says so
            else:
                files.append(entry.name)  # FIFOs, devices, dangling links too: reading says what is wrong
        yield folder, sorted(files)
        if prune and TERRITORY_FILE in files:
            subs = [sub for sub in subs if sub.name != prune]
        stack.extend(sorted(subs, reverse=True))
