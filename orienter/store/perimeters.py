"""Choosing which territories a question needs, from their perimeters alone.

`suggest` for one commune reads every `territoire.yaml` (a hundred small files at national
scale, kept checked in one cache file), keeps the territories whose perimeter holds the
commune and the national layer, and only then reads those territories' structures. The index
holds nothing but the data's own perimeters: it says nothing of the questions asked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from orienter.core.diagnostics import Diagnostic
from orienter.store import datacache
from orienter.store.index import zone_holds

if TYPE_CHECKING:
    from orienter.load.discovery import TerritoryFiles
    from orienter.load.geo import Commune
    from orienter.store.territories import TerritoryLoader


def select(found: list[TerritoryFiles], loader: TerritoryLoader, paths: Sequence[Path],
           commune: Commune | None, only: Sequence[str] | None) -> tuple[list[TerritoryFiles], list[Diagnostic]]:
    from orienter.store.territories import _decode_territory

    name = "perimetres-" + datacache.key_of(*(os.fspath(Path(p).resolve()) for p in paths)).hex() + ".msgpack"
    stored = datacache.read(name, loader.key) if loader.cache else None
    index: dict[str, Any] = stored if isinstance(stored, dict) else {}
    fresh: dict[str, Any] = {}
    chosen: list[TerritoryFiles] = []
    problems: list[Diagnostic] = []
    for tf in found:
        key = os.fspath(tf.folder)
        head, trouble = loader.head(tf, index.get(key))
        problems += trouble
        if head is None:
            continue
        fresh[key] = head
        model = _decode_territory(head)
        if model is None:
            problems += _head_problems(head, tf)
            continue
        if only and model.id in only:
            chosen.append(tf)
        elif commune is not None and (model.perimetre.france or zone_holds(model.perimetre, commune, loader.geo)
                                      or (model.rayonnement and zone_holds(model.rayonnement, commune, loader.geo))):
            chosen.append(tf)
    if loader.cache and fresh != index:
        datacache.write(name, loader.key, fresh)
    return chosen, problems


def _head_problems(head: dict[str, Any], tf: TerritoryFiles) -> list[Diagnostic]:
    from orienter.store.territories import _diagnostics

    return _diagnostics(head.get("diags", ()), tf.folder)
