"""Which territories a report or a graph of one territory needs, chosen from the perimeters.

`rapport T` and `graphe T` on a national-sized directory must not read the whole country (issue
14.3), but T's own files are not enough either: a local service of another territory may cover
T's communes (the MDPH of a département listed in a sibling territory), and the report counts it.
So the scope of T is T, the other territories of the same kind (real or fictional) whose
perimeter meets T's, and, for the report, the national layer (named next to a gap as an answer
from afar, never counted as coverage). The perimeters are read from each `territoire.yaml`
(about a hundred small files nationally); structures only from the territories chosen, through
`load_workspace(only=...)` and its data-only cache.

A service whose zone reaches T from a territory whose perimeter does not meet T's is not seen
by `rapport T` (validation warns when a zone misses its own perimeter, O307, but a zone may
stretch beyond it): `rapport` without a territory reads everything and sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from orienter.load.workspace import Workspace


@dataclass(frozen=True)
class Head:
    """What `territoire.yaml` says of a territory's place: id, kind, perimeter (COG codes)."""

    id: str
    fictif: bool
    france: bool
    communes: tuple[str, ...]
    epci: tuple[str, ...]
    departements: tuple[str, ...]
    regions: tuple[str, ...]
    exclus: dict[str, tuple[str, ...]]


def read_heads(paths: Sequence[Path]) -> list[Head]:
    """The perimeters of the territories found under `paths` (the files `load_workspace` reads:
    same discovery). A file that cannot be read is skipped here; loading reports it."""
    from orienter.load.discovery import discover
    from orienter.load.yamlsafe import load_yaml

    heads = []
    for tf in discover(paths).territories:
        doc, _problems = load_yaml(tf.territory_file)
        data = doc.data if doc is not None else None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            continue
        perimeter = data.get("perimetre") if isinstance(data.get("perimetre"), dict) else {}
        excluded = perimeter.get("exclus") if isinstance(perimeter.get("exclus"), dict) else {}
        heads.append(Head(data["id"], data.get("fictif") is True, perimeter.get("france") is True,
                          _codes(perimeter, "communes"), _codes(perimeter, "epci"),
                          _codes(perimeter, "departements"), _codes(perimeter, "regions"),
                          {k: _codes(excluded, k) for k in ("communes", "epci", "departements", "regions")}))
    return heads


def _codes(mapping: dict[str, Any], key: str) -> tuple[str, ...]:
    value = mapping.get(key)
    return tuple(str(x) for x in value) if isinstance(value, list) else ()


def _keys(head: Head, geo: Any) -> set[str]:
    """COG keys of a perimeter, as the index spells them (a commune code mapped to its current commune)."""
    return ({f"c:{geo.current_code(c)}" for c in head.communes} | {f"e:{c}" for c in head.epci}
            | {f"d:{c}" for c in head.departements} | {f"r:{c}" for c in head.regions})


def related(heads: Sequence[Head], ident: str, geo: Any, national: bool = True) -> list[str] | None:
    """Ids of the territories the report or graph of `ident` needs (itself first); None when no
    readable `territoire.yaml` has this id."""
    from orienter.store.index import commune_keys

    me = next((h for h in heads if h.id == ident), None)
    if me is None:
        return None
    if me.france:
        return [ident]  # the national layer is reported on its own: it covers no perimeter
    communes = geo.expand(me.communes, me.epci, me.departements, me.regions)
    communes -= geo.expand(*(me.exclus[k] for k in ("communes", "epci", "departements", "regions")))
    mine: set[str] = set()
    for code in communes:
        c = geo.actuelles.get(code)
        if c is not None:
            mine.update(commune_keys(c))
    out = [ident]
    for h in heads:
        if h.id == ident or h.fictif != me.fictif:
            continue
        # Exclusions are not subtracted: a territory read for nothing costs a little time, a
        # territory missed would cost a wrong gap.
        if (h.france and national) or (not h.france and not _keys(h, geo).isdisjoint(mine)):
            out.append(h.id)
    return out


def load_scope(paths: Sequence[Path] | None, rules: Path | None, ident: str, *, strict: bool = True,
               national: bool = True) -> Workspace:
    """The workspace for one territory's report or graph: its scope only (see the module notes).
    An id no perimeter file names falls back to reading everything, so that the error names the
    territories that exist (or the file that is invalid)."""
    from orienter.core.paths import data_dir
    from orienter.load.geo import load_geo
    from orienter.load.workspace import load_workspace, require_valid

    chosen = list(paths or [data_dir()])
    wanted = related(read_heads(chosen), ident, load_geo(), national=national)
    ws = load_workspace(chosen, rules, only=wanted) if wanted else None
    if ws is None or not any(t.id == ident for t in ws.territories):
        ws = load_workspace(chosen, rules)
        ws.territory(ident)  # raises with the known ids and a suggestion
    return require_valid(ws) if strict else ws
