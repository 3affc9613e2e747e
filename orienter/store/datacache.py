"""A cache that holds data only: MessagePack (msgspec) files of strings, numbers, lists and
dicts. Reading one back can build data, never run code, whoever wrote the file: unlike pickle,
a planted file can at worst be wrong, and the key and digest checks below make that a miss.

Safety all the same, because a wrong answer is harmful too:
- the folder is `$ORIENTER_CACHE`, else `$XDG_CACHE_HOME/orienter`, else `~/.cache/orienter`;
  `ORIENTER_CACHE=off` disables it; no home directory means no cache, not a crash;
- a folder or file not owned by the user, or writable by others, is neither read nor written;
- only regular files are opened, without following symlinks and without blocking (a FIFO at a
  cache path is skipped, never waited on);
- a file is a header (magic, key, payload digest) then the payload; it is written to a
  temporary file then renamed, so readers see an old or a new file, never half of one.
File names never say what was asked: they name a slot (a hash of the data folders), not a
commune, a département or a time.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from orienter.core.hashing import blake2b

MAGIC = b"ORIENTER-DATA-1\n"
_DIGEST = 32
_OFF = {"off", "0", "non", "no", "false", "none", "disable", "disabled"}


def cache_dir() -> Path | None:
    """The cache folder, or None when disabled or when there is no home to put it in."""
    env = os.environ.get("ORIENTER_CACHE")
    if env is not None and env.strip().lower() in _OFF:
        return None
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "orienter"
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no HOME and no passwd entry
        return None
    return home / ".cache" / "orienter"


def safe(st: os.stat_result) -> bool:
    """Owned by us and writable by nobody else."""
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def read(name: str, key: bytes) -> Any | None:
    """The data stored under `name` for `key`, or None (missing, foreign, damaged, other key)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        if not safe(os.stat(folder)):
            return None
        fd = os.open(folder / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not safe(st):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            blob = f.read()
    except OSError:
        return None
    finally:
        os.close(fd)
    head = len(MAGIC) + len(key) + _DIGEST
    if len(blob) < head or not blob.startswith(MAGIC) or blob[len(MAGIC):len(MAGIC) + len(key)] != key:
        return None
    payload = blob[head:]
    if blake2b(payload, digest_size=_DIGEST).digest() != blob[head - _DIGEST:head]:
        return None
    import msgspec

    try:
        return msgspec.msgpack.decode(payload)
    except msgspec.DecodeError:
        return None


def write(name: str, key: bytes, data: Any) -> bool:
    """Store `data` (plain data only) under `name`; False when the cache cannot take it.
    A cache must never break a command: every failure is a quiet False."""
    folder = cache_dir()
    if folder is None:
        return False
    import msgspec

    try:
        payload = msgspec.msgpack.encode(data)
    except (TypeError, msgspec.EncodeError):
        return False
    tmp = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not safe(os.stat(folder)):
            return False
        target = folder / name
        if os.path.lexists(target) and not stat.S_ISREG(os.lstat(target).st_mode):
            return False  # never replace a FIFO, a symlink or a folder someone put there
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".msgpack")
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + key + blake2b(payload, digest_size=_DIGEST).digest() + payload)
        os.replace(tmp, target)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def key_of(*parts: bytes | str) -> bytes:
    h = blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.digest()
