"""Loading a territory, file by file, through the data-only cache.

Every file of the territory (as `discovery.py` lists them) is read and hashed; a file whose
bytes match its cached entry is not parsed again: its records, findings, dated checks and
references come from the cache. Only changed files are validated. So a one-line edit in a
national-sized territory re-validates one file, and an in-place edit that keeps the size and
the modification time is still seen (the key is the content, not the file's dates).

An entry is valid only with the same `territoire.yaml` (its perimeter and `fictif` flag enter
the checks of every file), the same rules and the same program: those make the cache file's
key. Records are kept as raw MessagePack and decoded only by commands that need them (`validate`
needs none), straight into the model's dataclasses.

A file whose identity (device, inode, size, modification and change times) is the one
recorded is not even read: its change time moves at every write, whatever the modification
time says. A file changed too recently for that to be trusted is read and hashed.

The cache file is named after the territory's folder, never after a commune or a question, and
its modification time is set to that of the newest data file it was built from: nothing in
the cache says when anyone asked anything.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orienter.core.diagnostics import Diagnostic
from orienter.core.hashing import blake2b
from orienter.core.paths import display_path
from orienter.load.discovery import TerritoryFiles
from orienter.load.files import read_bytes
from orienter.load.territory import Territory
from orienter.store import datacache

if TYPE_CHECKING:
    from orienter.load.geo import Geo
    from orienter.load.validation import Checker
    from orienter.load.vocabulary import Vocabulary

FORMAT = 1
# validate (no records kept) reads its territories in parallel when there are this many: on a
# cold cache each one costs a YAML parse and a validation per file, on as many cores as there
# are (ORIENTER_PROCESSUS=1 to stay in one process).
PARALLEL_MIN = 4


@dataclass
class Loaded:
    territory: Territory | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    # For the checks across territories, which only a load of every territory runs: read from
    # the cache when asked, not for every `suggest`.
    ref_source: Callable[[], list[Any]] | list[Any] = field(default_factory=list)

    @property
    def refs(self) -> list[Any]:
        if callable(self.ref_source):
            self.ref_source = self.ref_source()
        return self.ref_source


class TerritoryLoader:
    """Loads territories for one command: same geography, vocabulary and date for all."""

    def __init__(self, geo: Geo, vocab: Vocabulary, rules_key: bytes, today: date, program: str,
                 records: bool = True, cache: bool = True):
        self.geo = geo
        self.vocab = vocab
        self.today = today
        self.records = records
        self.cache = cache
        self.key = datacache.key_of(f"territoire-format={FORMAT}", program, rules_key)
        self._checker: Checker | None = None

    def load(self, tf: TerritoryFiles) -> Loaded:
        from orienter.load.findings import dated_diagnostics

        tf.list_structures()
        folder = tf.folder
        diagnostics = list(tf.problems)
        raw, problems = read_bytes(tf.territory_file, display_path(tf.territory_file))
        if raw is None:
            return Loaded(None, diagnostics + problems, 1)
        name = f"territoire-{datacache.key_of(os.fspath(folder)).hex()}.msgpack"
        stored = datacache.read(name, self.key) if self.cache else None
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            stored = {}
        signature = _digest(raw)
        head = stored.get("territory")
        if not (isinstance(head, dict) and head.get("sig") == signature):
            head, stored = self._check_territory(raw, signature), {}
        entries: dict[str, Any] = {}
        changed = not stored or head is not stored.get("territory")
        model = _decode_territory(head)
        territory = None
        if model is not None:
            territory = Territory(model, folder, display_path(tf.territory_file),
                                  expand=lambda z=model.perimetre: self._communes(z))
        old = stored.get("files") or {}
        prefix = os.path.join(os.fspath(folder), "")
        for path in tf.structure_files:
            rel = _relative(os.fspath(path), prefix, folder)
            entry = old.get(rel)
            seen = _stat(path)
            if isinstance(entry, dict) and seen is not None and entry.get("stat") == seen:
                entries[rel] = entry  # same inode, size and change time: not read again
                continue
            data, problems = read_bytes(path, display_path(path))
            if data is None:
                diagnostics += problems
                continue
            sig = _digest(data)
            if not (isinstance(entry, dict) and entry.get("sig") == sig):
                if territory is None:
                    continue  # no valid territory file: its structures cannot be checked
                entry = self._check_structures(data, sig, rel, territory)
            entries[rel] = {**entry, "stat": _trusted(seen)}
            changed = True
        changed = changed or set(old) != set(entries)
        raw_refs: list[Any] = []
        base = "" if os.fspath(folder).rstrip(os.sep) == os.getcwd().rstrip(os.sep) else display_path(folder)
        dated = list(_dated(head.get("dated", ()), base))
        diagnostics += _diagnostics(head.get("diags", ()), base)
        for rel, entry in entries.items():
            diagnostics += _diagnostics(entry["diags"], base)
            dated += _dated(entry["dated"], base)
            raw_refs.append(entry["refs"])
            if territory is not None and self.records:
                for s in _decode_structures(entry["records"]):
                    territory.structures.append(s)
                    territory.files[s.id] = _shown(base, rel)
        diagnostics += dated_diagnostics(dated, self.today)
        if changed and self.cache and model is not None:
            payload = {"format": FORMAT, "territory": head, "files": entries}
            if datacache.write(name, self.key, payload):
                _date_like_data(name, [tf.territory_file, *tf.structure_files])
        return Loaded(territory, diagnostics, 1 + len(tf.structure_files),
                      lambda: [r for items in raw_refs for r in _refs(items, base)])

    # --- checking (cold path: imports the YAML loader and pydantic) -------------------------

    def _checker_for(self) -> Checker:
        if self._checker is None:
            from orienter.load.validation import Checker

            self._checker = Checker(self.geo, self.vocab)
        return self._checker

    def head(self, tf: TerritoryFiles, known: dict[str, Any] | None) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
        """The checked `territoire.yaml` alone (its perimeter), reusing `known` when its bytes
        have not changed: what `perimeters.select` needs to choose territories."""
        raw, problems = read_bytes(tf.territory_file, display_path(tf.territory_file))
        if raw is None:
            return None, problems
        signature = _digest(raw)
        if isinstance(known, dict) and known.get("sig") == signature:
            return known, []
        return self._check_territory(raw, signature), []

    def _check_territory(self, raw: bytes, signature: bytes) -> dict[str, Any]:
        result = self._checker_for().territory_file(raw, "territoire.yaml")
        return {"sig": signature, "model": _encode(result.territory) if result.territory else None,
                "diags": _plain(result.diagnostics), "dated": _plain(result.dated)}

    def _check_structures(self, raw: bytes, signature: bytes, rel: str, territory: Territory) -> dict[str, Any]:
        result = self._checker_for().structure_file(raw, rel, territory)
        # Records stay an opaque blob until a command needs them (`validate` never does).
        return {"sig": signature, "diags": _plain(result.diagnostics), "dated": _plain(result.dated),
                "refs": _plain(result.refs), "records": _encode(result.structures)}

    def _communes(self, perimeter: Any) -> set[str]:
        z = perimeter
        out = self.geo.expand(z.communes, z.epci, z.departements, z.regions, france=z.france)
        if z.exclus:
            out -= self.geo.expand(z.exclus.communes, z.exclus.epci, z.exclus.departements, z.exclus.regions)
        return out


def _stat(path: Path) -> list[int] | None:
    """What identifies a version of a file without reading it: device, inode, size, and the
    change time, which every write updates and no user can set back (unlike the modification
    time, which editors, `touch`, `tar` and `rsync -t` restore)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _trusted(seen: list[int] | None) -> list[int] | None:
    """A signature taken within two seconds of the file's last change may not see a second
    change in the same clock tick (file systems with coarse times): it is not kept, and the
    next load reads and hashes the file again. (Git calls such entries "racily clean".)"""
    import time

    if seen is None or time.time_ns() - seen[4] < 2_000_000_000:
        return None
    return seen


def _digest(raw: bytes) -> bytes:
    return blake2b(raw, digest_size=16).digest()


def _encode(obj: Any) -> bytes:
    import msgspec

    return msgspec.msgpack.encode(obj)


def _plain(items: list[Any]) -> list[Any]:
    import msgspec

    return msgspec.to_builtins(items)


def _decode_territory(head: dict[str, Any]) -> Any:
    import msgspec

    from orienter.load.model import Territoire

    model = head.get("model")
    return None if model is None else msgspec.msgpack.decode(model, type=Territoire)


def _decode_structures(records: Any) -> list[Any]:
    global _structures_decoder
    if _structures_decoder is None:
        import msgspec

        from orienter.load.model import Structure

        _structures_decoder = msgspec.msgpack.Decoder(list[Structure])
    return _structures_decoder.decode(records)


_structures_decoder: Any = None  # built once: one territory decodes hundreds of files


def _relative(path: str, prefix: str, folder: Path) -> str:
    """`path` below `folder` (`prefix` is the folder with its separator): slicing, because
    os.path.relpath normalises both paths on every one of tens of thousands of files."""
    return path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, folder)


def _shown(base: str, rel: str) -> str:
    """A file of the territory as shown, from its folder as shown (`base`, display_path of the
    folder, computed once): `rel` comes from os.path.relpath below that folder, so joining is
    enough; half a million display_path calls cost seconds at national scale."""
    return f"{base}{os.sep}{rel}" if base and base != "." else rel


def _diagnostics(items: Any, base: str) -> list[Diagnostic]:
    return [Diagnostic(_shown(base, d["file"]), d["line"], d["col"], d["code"], d["message"],
                       d.get("severity", ""), d.get("path", "")) for d in items]


def _dated(items: Any, base: str) -> list[Any]:
    from orienter.load.findings import Dated

    return [Dated(d["kind"], _shown(base, d["file"]), d["line"], d["col"], d["path"],
                  date.fromisoformat(d["when"]), d.get("months", 0), d.get("detail", "")) for d in items]


def _refs(items: Any, base: str) -> list[Any]:
    from orienter.load.findings import Ref

    return [Ref(r["kind"], r["value"], _shown(base, r["file"]), r["line"], r["col"], r.get("owner", ""))
            for r in items]


def _date_like_data(name: str, inputs: list[Path]) -> None:
    """The cache file's time becomes the newest data file's: it says when data changed, never
    when a question was asked."""
    folder = datacache.cache_dir()
    if folder is None:
        return
    newest = 0
    for path in inputs:
        try:
            newest = max(newest, os.stat(path).st_mtime_ns)
        except OSError:
            continue
    try:
        os.utime(folder / name, ns=(newest, newest), follow_symlinks=False)
    except (OSError, NotImplementedError):
        pass


# --- several territories at once --------------------------------------------------------------

_WORKER: TerritoryLoader | None = None  # the loader the forked processes inherit


def load_many(loader: TerritoryLoader, selected: Sequence[TerritoryFiles]) -> Iterator[Loaded]:
    """`loader.load` for each territory, in order. Without records (validate), on a machine
    with more than one core, in forked processes: each sends back only plain findings, and
    writes its own cache file (atomically, as always)."""
    workers = _workers(len(selected))
    if loader.records or workers < 2:
        for tf in selected:
            yield loader.load(tf)
        return
    import multiprocessing

    global _WORKER
    _WORKER = loader
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for tf, (model, diagnostics, files, refs) in zip(selected, pool.imap(_load_in_worker, selected)):
                territory = None
                if model is not None:
                    territory = Territory(model, tf.folder, display_path(tf.territory_file),
                                          expand=lambda z=model.perimetre: loader._communes(z))
                yield Loaded(territory, diagnostics, files, refs)
    finally:
        _WORKER = None


def _workers(count: int) -> int:
    if count < PARALLEL_MIN or not sys.platform.startswith("linux"):
        return 1  # fork is the only start method that shares the loaded vocabulary for free
    wanted = os.environ.get("ORIENTER_PROCESSUS", "")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    limit = int(wanted) if wanted.isdigit() and int(wanted) > 0 else cores
    return max(1, min(limit, cores, 8))


def _load_in_worker(tf: TerritoryFiles) -> tuple[Any, list[Diagnostic], int, list[Any]]:
    assert _WORKER is not None
    loaded = _WORKER.load(tf)
    return (loaded.territory.model if loaded.territory else None), loaded.diagnostics, loaded.files, loaded.refs
