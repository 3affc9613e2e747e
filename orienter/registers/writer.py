"""Files out: YAML text of new files, round-trip edits of existing ones, atomic multi-file writes, and
the git guard.

New files are emitted here, not by a YAML library: the layout is the one of docs/format.md (keys
in a fixed order, short lists in flow style, comments that tell a person what to review), codes
always quoted, and it is fast enough for a national import (tens of thousands of files).

Existing files are edited with ruamel.yaml's round-trip mode, which keeps comments, key order and
quoting: only the values an import owns change (see `merge`). Measured on the shipped data, a
load-and-dump without change gives back 128 of 132 files byte for byte; the others only lose the
wrapping of a long flow list. A file whose values do not change is never rewritten.

All the files of one import are written together: every new content goes to a temporary file in
its own folder, the data is flushed to disk, then each temporary file replaces its target
(`os.replace`, atomic on one file system). If anything fails before or during the replacements,
the files already replaced get their previous content back and new files are removed: an import
that fails leaves every file as it was.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.core.paths import display_path

# --- emitting ----------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_RESERVED = {"y", "yes", "n", "no", "on", "off", "true", "false", "null", "~"}


@dataclass(frozen=True)
class Commented:
    """A value with an end-of-line comment (a note for the person who reviews the file)."""

    value: Any
    comment: str


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    # A JSON string is a valid YAML double-quoted scalar (same escapes).
    return json.dumps(text, ensure_ascii=False)


def _flow(items: list[Any]) -> str:
    return "[" + ", ".join(scalar(i) for i in items) + "]"


def _is_scalar_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(i, (dict, list)) for i in value)


def emit(data: dict[str, Any], indent: int = 0) -> str:
    """Block mappings, lists of mappings as `- ` items, lists of scalars in flow style; None values
    are skipped (an absent key reads better than `null` and means the same to the model)."""
    out: list[str] = []
    pad = " " * indent
    for key, value in data.items():
        comment = ""
        if isinstance(value, Commented):
            value, comment = value.value, f"  # {value.comment}"
        if value is None:
            continue
        if isinstance(value, dict):
            body = emit(value, indent + 2)
            if body:  # a mapping whose values are all absent is left out
                out.append(f"{pad}{key}:{comment}\n{body}")
        elif _is_scalar_list(value):
            out.append(f"{pad}{key}: {_flow(value)}{comment}\n")
        elif isinstance(value, list):
            out.append(f"{pad}{key}:{comment}\n")
            for item in value:
                body = emit(item, indent + 4)
                out.append(f"{pad}  - {body[indent + 4:]}")
        else:
            out.append(f"{pad}{key}: {scalar(value)}{comment}\n")
    return "".join(out)


def header(lines: list[str]) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


# --- round-trip edits --------------------------------------------------------------------------


def rt_yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a person's long lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def rt_load(text: str) -> Any:
    return rt_yaml().load(text)


def rt_dump(data: Any) -> str:
    stream = io.StringIO()
    rt_yaml().dump(data, stream)
    return stream.getvalue()


def to_plain(value: Any) -> Any:
    """ruamel's commented containers and scalar strings as plain Python, for comparisons."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (date,)):
        return value.isoformat()
    return str(value)


def quoted(value: Any) -> Any:
    """A string the round-trip dump must quote (codes like "01004" stay strings for every reader)."""
    if isinstance(value, str) and not (_PLAIN.match(value) and value.lower() not in _RESERVED):
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        return DoubleQuotedScalarString(value)
    return value


# --- atomic writes -----------------------------------------------------------------------------


def commit(changes: dict[Path, str]) -> None:
    """Write every file of `changes` (path -> new text) or none of them."""
    staged: list[tuple[Path, Path]] = []
    created_dirs: list[Path] = []
    previous: dict[Path, bytes | None] = {}
    try:
        for path, text in sorted(changes.items()):
            for parent in reversed(path.parents):
                if not parent.exists():
                    parent.mkdir()
                    created_dirs.append(parent)
            tmp = path.with_name(f".{path.name}.orienter-tmp")
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            staged.append((tmp, path))
        os.sync()  # one flush for all: an fsync per file costs minutes at national scale
        for tmp, path in staged:
            previous[path] = path.read_bytes() if path.exists() else None
            os.replace(tmp, path)
    except BaseException as exc:
        _rollback(staged, previous, created_dirs)
        if isinstance(exc, OSError):
            raise OrienterError(f"Écriture impossible ({exc.strerror or exc}) dans "
                                f"{display_path(Path(exc.filename)) if exc.filename else 'le dossier'} : "
                                "rien n'a été modifié.", ExitCode.INPUT) from None
        raise


def _rollback(staged: list[tuple[Path, Path]], previous: dict[Path, bytes | None], created: list[Path]) -> None:
    for tmp, path in staged:
        if path in previous:
            old = previous[path]
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        tmp.unlink(missing_ok=True)
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            pass


# --- git guard ---------------------------------------------------------------------------------


def uncommitted(folder: Path) -> list[str] | None:
    """Files with local changes under `folder` (tracked or not); None when it is not in a git
    work tree or git is missing (nothing to check)."""
    if not folder.exists():
        return None
    try:
        inside = subprocess.run(["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=30, check=False)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        status = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=all",
                                 "--", "."], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if status.returncode != 0:
        return None
    return [line[3:] for line in status.stdout.splitlines() if line.strip()]
