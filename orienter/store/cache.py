"""A cache of the validated workspace, so that a command does not re-read and re-validate
every YAML file when nothing changed (DESIGN §6). `suggest` first tries a one-département
extract (`shards.py`, which reuses the helpers below); this cache serves every other command
and the extract's misses.

What is stored: every field of `Workspace` except the geography (shipped with the package and
read lazily): vocabulary and rules, territories with their models, diagnostics, file count.
It is built only from territory and rules files: it never holds case data (a situation is never
an input of `load_workspace`).

The key. The result of validation depends on the bytes of the data and rules files, on their
paths (reports print them relative to the current folder), on today's date (freshness checks),
and on the program. The key is a blake2b hash of:
- the content of every file validation reads (relative path, size, bytes), found the same way
  validation finds them, plus the territory folders and the diagnostics of that search;
- the content of every `*.yaml` of the rules folder;
- the current folder, the paths given, today's date;
- orienter's version, the stat (size, mtime) of the package's modules and geodata, Python's and
  pydantic's versions (pickles are not portable across them), and the cache format.
Hashing the bytes rather than trusting (size, mtime): mtimes are restored by `rsync -t`, `tar`
and `cp -p`, are coarse on some file systems, and a same-size edit within one tick is invisible
to them. Reading and hashing is cheap next to parsing: the 50 MB of national data hash in 0.4
to 0.9 s (opening 30,000 files dominates) where validating them takes about 21 s; the shipped
data in 4 ms. (A stat-only fast path with a re-hash of "racily clean" files, as git does, would
bring the national key near 0.1 s; not worth its subtlety while unpickling costs 1.2 s.)
Files above the loader's size limit are refused on their size alone: they are never read, their
stat signature (size, mtime, ctime, inode) stands for their content.

Safety. The folder is `$ORIENTER_CACHE`, else `$XDG_CACHE_HOME/orienter`, else
`~/.cache/orienter`, created with mode 0700; `ORIENTER_CACHE=off` disables the cache. Since
loading a pickle can run code, a folder or file not owned by the user, or writable by others,
is never read. A file is a header (magic, format, key, payload length and blake2b digest) then
the payload; it is written to a temporary file then renamed (`os.replace`), so readers see an
old or a new file, never half of one, and the digest is checked before anything is unpickled.
A corrupt, truncated, foreign or unreadable file is ignored and rebuilt silently; any failure
to write is ignored too. One file per (folder, paths, rules) slot, overwritten when the data
change; at most `MAX_SLOTS` slots are kept.

Format, measured on the national synthetic data (30,000 structures, 60,000 services, 30,102
files; validation about 21 s, 500 MB):
- the pydantic models are pickled as they are: the leaner alternatives measured were slower to
  read back (plain dicts re-validated by pydantic: about 7 s; JSON through a TypeAdapter: about
  8 s; unpickling the models: about 1.2 s);
- one pickle per territory after a pickle of the other fields, rather than one pickle of it all:
  the pickler's memo then stays one territory big. One pickle took the peak to 820 MB when
  writing and 610 MB when reading (memo plus the whole payload in memory); per territory, 511 MB
  and 456 MB, and a 44 MB file instead of 59 MB;
- the garbage collector is paused while (un)pickling, and what was read is frozen (see
  `_quiet`): with the collector running, reading took 8 s instead of 1.2 s.
A warm load is then about 1.9 s at national scale (key 0.4 to 0.9 s, unpickling 1.2 s) against
21 s; on the shipped data 9 ms against 100 ms (after imports).
"""

from __future__ import annotations

import fnmatch
import gc
import hashlib
import os
import pickle
import stat
import struct
import sys
import tempfile
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

if TYPE_CHECKING:
    from orienter.load.workspace import Workspace

FORMAT = 2
MAGIC = b"ORIENTER-CACHE\n"
_HEADER = struct.Struct(f"!{len(MAGIC)}sH32sQ32s")  # magic, format, key, payload length, digest
_FRAME = struct.Struct("!Q")  # length of each pickle of the payload
MAX_SLOTS = 8
TERRITORY_FILE = "territoire.yaml"  # as validation.TERRITORY_FILE (checked by tests/test_cache.py)
MAX_FILE_BYTES = 5 * 1024 * 1024  # as loading.MAX_FILE_BYTES (checked by tests/test_cache.py)
FREEZE_BYTES = 8 << 20  # above this payload, freeze what was loaded (national scale)
_OFF = {"off", "0", "non", "no", "false", "none", "disable", "disabled"}
_CHUNK = 1 << 20


def cache_dir() -> Path | None:
    """The cache folder, or None when disabled."""
    env = os.environ.get("ORIENTER_CACHE")
    if env is not None and env.strip().lower() in _OFF:
        return None
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "orienter"


def cached_workspace(paths: Sequence[Path], rules: Path, today: date,
                     build: Callable[[], Workspace], *, complete: bool = True,
                     structures: bool = True) -> Workspace:
    """The workspace from the cache when the key matches, else `build()` (then stored).

    `complete=False`: `build()` keeps only part of the structures, so its result is not stored.
    `structures=False`: only the diagnostics are wanted (validate): the territories' frames are
    not unpickled, and memory stays small."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        slot, key = _slot(folder, paths, rules), content_key(paths, rules, today)
    except Exception:  # noqa: BLE001 - unreadable or special file, odd path: validation will say what
        return build()
    # Diagnostics only (validate): its own slot, never served to a command that needs structures.
    diagnostics_slot = slot.with_name(slot.stem + "-diagnostics.pickle")
    for candidate in ([] if structures else [diagnostics_slot]) + [slot]:
        ws = _read(candidate, key, structures)
        if ws is not None:
            return ws
    ws = build()
    if not structures:
        slot, complete = diagnostics_slot, True
    if not complete:
        return ws
    try:
        # A file edited while we validated: the result matches neither version, do not keep it.
        if content_key(paths, rules, today) == key:
            _write(folder, slot, key, ws)
    except Exception:  # noqa: BLE001 - a cache must never break a command
        pass
    return ws


# --- key ----------------------------------------------------------------------------------


def content_key(paths: Sequence[Path], rules: Path, today: date) -> bytes:
    h = hashlib.blake2b(digest_size=32)
    head = [f"format={FORMAT}", *_program_signature(), f"today={today.isoformat()}", f"cwd={os.getcwd()}",
            *(f"path={os.fspath(p)}" for p in paths)]
    folders, notes = territory_folders(paths)
    h.update("\0".join(head + notes).encode("utf-8", "surrogateescape") + b"\0\0")
    _hash_files(h, os.fspath(rules), _yaml_files(os.fspath(rules)))
    for folder in folders:
        base = os.fspath(folder)
        files = [TERRITORY_FILE, *(os.path.join("structures", f) for f in
                                   _yaml_files(os.path.join(base, "structures")))]
        _hash_files(h, base, files)
    return h.digest()


def territory_folders(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The folders `validation.find_territory_folders` finds, and what it would report about the
    paths (missing, no territory). Written again here so that a cache hit imports neither the
    YAML loader nor the validator; tests/test_cache.py checks that both agree."""
    found: set[Path] = set()
    notes: list[str] = []
    for path in paths:
        if not path.exists():
            notes.append(f"missing={os.fspath(path)}")
            continue
        start = path if path.is_dir() else path.parent
        owner = next((p for p in (start, *start.parents) if (p / TERRITORY_FILE).is_file()), None)
        if owner is not None:
            found.add(owner.resolve())
            continue
        subs = {Path(root).resolve() for root, dirs, files in os.walk(start) if TERRITORY_FILE in dirs
                or TERRITORY_FILE in files}
        if not subs:
            notes.append(f"empty={os.fspath(path)}")
        found.update(subs)
    return sorted(found), notes


def _yaml_files(base: str) -> list[str]:
    """Relative paths of what `Path(base).rglob("*.y*ml")` yields (symlinked folders are not
    entered), sorted; with os.walk and strings, about 20 times cheaper than pathlib here."""
    out: list[str] = []
    cut = len(os.path.join(base, ""))
    for root, dirs, files in os.walk(base):
        rel = root[cut:]
        for name in (*dirs, *files):
            if fnmatch.fnmatch(name, "*.y*ml"):
                out.append(os.path.join(rel, name) if rel else name)
    out.sort()
    return out


def _hash_files(h: Any, base: str, files: list[str]) -> None:
    h.update(f"dir\0{base}\0{len(files)}\0".encode("utf-8", "surrogateescape"))
    for rel in files:
        path = os.path.join(base, rel)
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, /dev/zero never end
            raise ValueError(f"not a regular file: {path}")
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if st.st_size > MAX_FILE_BYTES:
                # Refused on its size alone (O004): never read. The full stat signature (ctime
                # changes on every write) still sees any edit should the two limits drift apart.
                sig = f"{rel}\0big\0{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}\0"
                h.update(sig.encode("utf-8", "surrogateescape"))
                continue
            data = f.read()
        h.update(f"{rel}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        h.update(data)


def _program_signature() -> list[str]:
    import pydantic

    from orienter import __version__

    package = Path(__file__).resolve().parent.parent
    parts = [__version__, sys.version, f"pydantic={pydantic.VERSION}"]
    for path in sorted([*package.rglob("*.py"), *(package / "geodata").glob("*")]):
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}")
    return parts


def _slot(folder: Path, paths: Sequence[Path], rules: Path) -> Path:
    """One file per way of calling (folder, paths, rules): overwritten when the data change."""
    h = hashlib.blake2b(digest_size=16)
    for part in (os.getcwd(), os.fspath(rules), *(os.fspath(p) for p in paths)):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return folder / f"workspace-{h.hexdigest()}.pickle"


# --- read and write -------------------------------------------------------------------------


def _safe(st: os.stat_result) -> bool:
    """Owned by us and writable by nobody else: loading a pickle can run code."""
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read(slot: Path, key: bytes, structures: bool = True) -> Workspace | None:
    try:
        if not _safe(os.stat(slot.parent)):
            return None
        with open(slot, "rb") as f:
            if not _safe(os.fstat(f.fileno())):
                return None
            head = f.read(_HEADER.size)
            if len(head) != _HEADER.size:
                return None
            magic, fmt, stored_key, length, digest = _HEADER.unpack(head)
            if magic != MAGIC or fmt != FORMAT or stored_key != key:
                return None
            # Check the whole payload before unpickling any of it (truncated or damaged file).
            h = hashlib.blake2b(digest_size=32)
            left = length
            while left > 0:
                chunk = f.read(min(_CHUNK, left))
                if not chunk:
                    return None
                h.update(chunk)
                left -= len(chunk)
            if f.read(1) or h.digest() != digest:
                return None
            f.seek(_HEADER.size)
            content = _quiet(lambda: _load_frames(f, length, structures), freeze=structures and length > FREEZE_BYTES)
        return _workspace(content)
    except Exception:  # noqa: BLE001 - corrupt, truncated, foreign: rebuild
        return None


def _load_frames(f: Any, length: int, structures: bool = True) -> Any:
    """The fields, then one pickle per territory: the pickler's memo stays one territory big."""
    def frame() -> Any:
        (size,) = _FRAME.unpack(f.read(_FRAME.size))
        return pickle.loads(f.read(size))

    content = frame()
    if not isinstance(content, dict) or not isinstance(content.get("territories"), int):
        return None
    if not structures:  # diagnostics only: the territories are not read (the digest was checked)
        content["territories"] = []
        return content
    content["territories"] = [frame() for _ in range(content["territories"])]
    if f.tell() != _HEADER.size + length:
        return None
    return content


def _workspace(content: Any) -> Workspace | None:
    from orienter.load.geo import load_geo
    from orienter.load.workspace import Workspace

    names = [f.name for f in fields(Workspace) if f.name != "geo"]
    if not isinstance(content, dict) or sorted(content) != sorted(names):
        return None
    return Workspace(geo=load_geo(), **content)


def _write(folder: Path, slot: Path, key: bytes, ws: Workspace) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _safe(os.stat(folder)):
        return
    content: dict[str, Any] = {f.name: getattr(ws, f.name) for f in fields(ws) if f.name != "geo"}
    territories = content["territories"]
    content["territories"] = len(territories)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(bytes(_HEADER.size))  # written last, once the payload is known
            h = hashlib.blake2b(digest_size=32)
            length = 0
            for part in (content, *territories):
                data = _quiet(lambda part=part: pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
                for piece in (_FRAME.pack(len(data)), data):
                    f.write(piece)
                    h.update(piece)
                    length += len(piece)
            f.seek(0)
            f.write(_HEADER.pack(MAGIC, FORMAT, key, length, h.digest()))
        os.replace(tmp, slot)
    except BaseException:  # even on Ctrl-C: no temporary file left behind
        _unlink(Path(tmp))
        raise
    _prune(folder, keep=slot)


def _prune(folder: Path, keep: Path) -> None:
    """Keep the MAX_SLOTS most recently written slots; drop temporary files left by a crash."""
    import time

    slots: list[tuple[float, Path]] = []
    for entry in _scandir(folder):
        try:
            mtime = entry.stat().st_mtime
        except OSError:
            continue
        path = Path(entry.path)
        if entry.name.startswith(".tmp-") and time.time() - mtime > 3600:
            _unlink(path)
        elif entry.name.startswith("workspace-") and entry.name.endswith(".pickle") and path != keep:
            slots.append((mtime, path))
    slots.sort(reverse=True)
    for _, path in slots[MAX_SLOTS - 1:]:
        _unlink(path)


def _scandir(folder: Path) -> Iterable[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _quiet(func: Callable[[], Any], freeze: bool = False) -> Any:
    """Run with the garbage collector paused: (un)pickling creates hundreds of thousands of
    objects, and each collection would rescan them all (measured: 8 s instead of 1.5 s).
    With `freeze`, what was loaded moves to the permanent generation (gc.freeze): otherwise the
    first collections after loading rescan it all (about 1.2 s each at national scale, 4.7 s
    measured before the first command could run). Frozen objects are still freed by reference
    counting; only cycles among them would outlive their use, which a command does not create."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        result = func()
        if freeze:
            gc.freeze()
        return result
    finally:
        if enabled:
            gc.enable()


def clear() -> int:
    """Remove the cache files (for tests and for users who want a clean slate)."""
    folder = cache_dir()
    removed = 0
    if folder is None:
        return 0
    for entry in _scandir(folder):
        if entry.name.startswith(("workspace-", ".tmp-")):
            _unlink(Path(entry.path))
            removed += 1
    return removed
