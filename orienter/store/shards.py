"""Per-département extracts of the validated directory, so that `suggest` at national scale reads
only what can serve the person's commune (DESIGN §6: under 0.5 s with the index cache).

The workspace cache (`cache.py`) holds the whole validated directory: reading it back costs
about two seconds for 30,000 structures, and its key hashes every byte of every file. A
professional's question concerns one commune, hence one département: an extract holds the
vocabulary and, for one département, the territories whose perimeter meets it and the
structures with a service whose zone meets it (zone keys of its communes, EPCI, the
département, its région). Services are kept whole, so the engine applies the same filters and
lists the same exclusions as on the full directory.

Freshness. An extract is tied to a signature of the inputs built from `stat` alone (path,
size, mtime, ctime, inode of every data and rules file, the program's own signature and today's
date). Stat-only keys miss an edit made within the same clock tick as the write of the extract
(git's "racily clean" case): an extract is only used when every input is older than the
moment it was written, by a margin of two seconds; otherwise the full path runs. An extract is
written only from data that validated without error, never holds case data, and is stored
like the workspace cache (private folder, atomic rename, digest checked before unpickling).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    from orienter.load.geo import Geo
    from orienter.load.model import Structure
    from orienter.load.territory import Territory
    from orienter.load.workspace import Workspace

FORMAT = 2
MAGIC = b"ORIENTER-EXTRAIT\n"
_HEADER = struct.Struct(f"!{len(MAGIC)}sHQ32sQ32s")  # magic, format, written_ns, key, length, digest
RACY_MARGIN_NS = 2_000_000_000
MAX_EXTRACTS = 120


def signature(paths: Sequence[Path], rules: Path, today: date) -> tuple[bytes, int] | None:
    """(key, newest mtime in ns) from stat calls only; None when an input cannot be read."""
    from orienter.store.cache import _program_signature

    h = hashlib.blake2b(digest_size=32)
    try:
        roots = [Path(p).resolve() for p in paths] + [Path(rules).resolve()]
        files = [f for root in roots for f in _walk(root)]
    except OSError:
        return None
    # One repr of the whole list: formatting 30,000 lines one by one cost a quarter of the walk.
    h.update(repr(files).encode("utf-8", "surrogateescape"))
    newest = max((max(f[2], f[3]) for f in files), default=0)
    h.update(f"{os.getcwd()}\0{today.isoformat()}\0{FORMAT}\0".encode("utf-8", "surrogateescape"))
    for part in _program_signature():
        h.update(part.encode("utf-8", "surrogateescape") + b"\n")
    return h.digest(), newest


def _walk(root: Path) -> list[tuple[str, int, int, int, int]]:
    """(path, size, mtime, ctime, inode) of every YAML file below root, sorted. Tuples are built
    in the loop itself: this walk is most of `suggest`'s time at national scale."""
    if root.is_file():
        st = root.stat()
        return [(str(root), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)]
    out: list[tuple[str, int, int, int, int]] = []
    stack, suffixes = [str(root)], (".yaml", ".yml")
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.name.endswith(suffixes) and entry.is_file():
                    st = entry.stat()
                    out.append((entry.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    out.sort()
    return out


# --- building an extract ---------------------------------------------------------------------


def extract(ws: Workspace, departement: str) -> dict[str, Any]:
    """The part of a valid workspace that can serve a commune of this département."""
    geo = ws.geo
    wanted = keeper(geo, departement)
    communes = set(geo.by_dep.get(departement, ()))
    territories: list[Territory] = []
    for t in ws.territories:
        structures = [s for s in t.structures if wanted(s)]
        if structures or not communes.isdisjoint(t.communes):
            territories.append(replace(t, structures=structures,
                                       files={s.id: t.files.get(s.id, "") for s in structures}))
    from orienter.store.index import Index

    # The index is built here once, not at every `suggest` (about 50 ms at national scale).
    return {"departement": departement, "vocab": ws.vocab, "territories": territories,
            "index": Index(territories, geo)}


def keeper(geo: Geo, departement: str) -> Callable[[Structure], bool]:
    """Which structures an extract of this département needs: to validate the whole directory
    while holding only these in memory."""
    from orienter.store.index import _current_keys

    keys = _departement_keys(geo, departement)
    return lambda s: any(sv.zone and not keys.isdisjoint(_current_keys(sv.zone, geo)) for sv in s.services)


def _departement_keys(geo: Geo, departement: str) -> set[str]:
    from orienter.store.index import FRANCE_KEY

    keys = {f"d:{departement}", FRANCE_KEY}
    for code in geo.by_dep.get(departement, ()):
        c = geo.get(code)
        if c is None:
            continue
        keys.update((f"c:{c.code}", f"r:{c.region}"))
        if c.epci:
            keys.add(f"e:{c.epci}")
        if c.ept:
            keys.add(f"e:{c.ept}")
    return keys


# --- storage ------------------------------------------------------------------------------------


def _file(folder: Path, paths: Sequence[Path], rules: Path, departement: str) -> Path:
    h = hashlib.blake2b(digest_size=16)
    for part in (os.getcwd(), os.fspath(rules), *(os.fspath(p) for p in paths)):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return folder / f"extrait-{h.hexdigest()}-{departement}.pickle"


def read(paths: Sequence[Path], rules: Path, departement: str, today: date) -> dict[str, Any] | None:
    from orienter.store.cache import _quiet, _safe, cache_dir

    folder = cache_dir()
    sig = signature(paths, rules, today) if folder else None
    if folder is None or sig is None:
        return None
    key, newest = sig
    path = _file(folder, paths, rules, departement)
    try:
        if not _safe(os.stat(folder)):
            return None
        with open(path, "rb") as f:
            if not _safe(os.fstat(f.fileno())):
                return None
            head = f.read(_HEADER.size)
            magic, fmt, written, stored, length, digest = _HEADER.unpack(head)
            if magic != MAGIC or fmt != FORMAT or stored != key or newest + RACY_MARGIN_NS > written:
                return None
            payload = f.read(length + 1)
        if len(payload) != length or hashlib.blake2b(payload, digest_size=32).digest() != digest:
            return None
        data = _quiet(lambda: pickle.loads(payload))
        return data if isinstance(data, dict) and data.get("departement") == departement else None
    except Exception:  # noqa: BLE001 - a broken or foreign extract is ignored, the full path runs
        return None


def write(ws: Workspace, paths: Sequence[Path], rules: Path, departement: str, today: date) -> None:
    """Store the extract of a valid workspace; any failure is ignored (it is only a cache)."""
    from orienter.store.cache import _quiet, cache_dir

    folder = cache_dir()
    if folder is None or ws.errors:
        return
    sig = signature(paths, rules, today)
    if sig is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        payload = _quiet(lambda: pickle.dumps(extract(ws, departement), protocol=pickle.HIGHEST_PROTOCOL))
        head = _HEADER.pack(MAGIC, FORMAT, time.time_ns(), sig[0], len(payload),
                            hashlib.blake2b(payload, digest_size=32).digest())
        target = _file(folder, paths, rules, departement)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".extrait-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(head)
                f.write(payload)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(folder)
    except Exception:  # noqa: BLE001
        return


def _prune(folder: Path) -> None:
    """Keep the most recent extracts only: one per département and way of calling adds up."""
    files = sorted(folder.glob("extrait-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in files[MAX_EXTRACTS:]:
        old.unlink(missing_ok=True)
