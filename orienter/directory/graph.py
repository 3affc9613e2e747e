"""The territory as a graph: territories, structures, services, needs and types, with the links a
trainer draws on a whiteboard (carried by, absorbed by, partner of, offers, answers, of type).

networkx costs 0.1-0.25 s to import (DESIGN §8): it is imported inside the functions, never at
module level, and `suggest` never imports this module.

Exports return text (Mermaid, Graphviz DOT, GraphML) or plain data (JSON, node-link form);
nothing here prints.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from orienter.directory.checks import BANDEAU_FICTIF, is_listed
from orienter.core.diagnostics import ExitCode, OrienterError

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from orienter.store.index import Index
    from orienter.load.workspace import Workspace

SCHEMA = "orienter/graphe@1"

# relation code -> (French label, dashed in drawings)
RELATIONS: dict[str, tuple[str, bool]] = {
    "comprend": ("comprend", False),          # territory -> structure
    "propose": ("propose", False),            # structure -> service
    "repond_a": ("répond à", False),          # service -> need
    "de_type": ("de type", True),             # service -> type
    "porte_par": ("porté par", False),        # structure -> carrier structure
    "absorbee_par": ("absorbée par", False),  # structure -> absorbing structure
    "partenaire_de": ("partenaire de", True),  # structure -> partner structure
    "intervient_a": ("intervient à", True),   # service -> commune (with --commune)
}

# Characters XML 1.0 forbids (and the C1 controls it discourages), whatever a name holds.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


_PREFIX = {"territoire": "te", "structure": "st", "service": "sv", "besoin": "be", "type": "ty",
           "commune": "co"}


def node_id(kind: str, ident: str) -> str:
    return f"{kind}:{ident}"


def build_graph(ws: Workspace, index: Index | None = None, territoire: str | None = None,
                besoin: str | None = None, commune: str | None = None, types: bool = True,
                today: date | None = None) -> nx.MultiDiGraph:
    """A directed multigraph of the chosen territories (all when None).

    With `besoin` and/or `commune`, only the listed services (active or suspended) answering the
    need / covering the commune are kept, with their structures and the links between them:
    "who answers prevention-chutes in Vitry".

    The national layer (a territory whose perimeter is all of France, a service whose zone is) is
    drawn as such (`national` on its nodes): its lines are reached from anywhere, they are not
    part of any local territory. Cost: one pass over the chosen territories; the commune index is
    built only for `commune`, and only over the chosen territories.
    """
    import networkx as nx

    from orienter.store.index import Index

    today = today or date.today()
    chosen = [ws.territory(territoire)] if territoire else sorted(ws.territories, key=lambda t: t.id)
    if besoin is not None and besoin not in ws.vocab.besoins:
        from rapidfuzz import process

        close = process.extract(besoin, list(ws.vocab.besoins), limit=3, score_cutoff=60)
        hint = (" Vouliez-vous : " + ", ".join(c[0] for c in close) + " ?") if close else ""
        raise OrienterError(f"Besoin « {besoin} » inconnu.{hint} (voir rules/besoins.yaml)", ExitCode.INPUT)
    place = None
    if commune is not None:
        from orienter.directory.queries import resolve_commune

        place = resolve_commune(ws, commune)

    filtered = besoin is not None or place is not None
    covering = None
    if place is not None:
        index = index or Index(chosen, ws.geo)
        covering = {id(e.service) for e in index.covering(place)}

    g = nx.MultiDiGraph()
    filters = []
    if territoire:
        filters.append(f"territoire={territoire}")
    if besoin:
        filters.append(f"besoin={besoin}")
    if place is not None:
        filters.append(f"commune={place.nom} ({place.code})")
    g.graph["schema"] = SCHEMA
    g.graph["filtres"] = ", ".join(filters)
    outside = [t.id for t in chosen if place is not None and place.code not in t.communes]
    if territoire and outside:
        g.graph["note"] = f"{place.nom} ({place.code}) n'est pas dans le périmètre de {territoire}"

    structures: dict[str, Any] = {}
    owner: dict[str, Any] = {}
    for t in ws.territories:
        for s in t.structures:
            structures.setdefault(s.id, s)
            owner.setdefault(s.id, t)

    kept_structures: list[tuple[Any, Any]] = []
    kept_services: list[tuple[Any, Any, Any]] = []
    for t in chosen:
        for s in sorted(t.structures, key=lambda s: s.id):
            services = []
            for sv in sorted(s.services, key=lambda sv: sv.id):
                if filtered:
                    if not is_listed(s, sv):
                        continue
                    if besoin is not None and besoin not in sv.besoins:
                        continue
                    if covering is not None and id(sv) not in covering:
                        continue
                services.append(sv)
            if filtered and not services:
                continue
            kept_structures.append((t, s))
            kept_services.extend((t, s, sv) for sv in services)

    def add_territory(t: Any) -> str:
        nid = node_id("territoire", t.id)
        if nid not in g:
            label = t.model.nom + (" (FICTIF)" if t.model.fictif else "") + (" (couche nationale)" if t.national else "")
            g.add_node(nid, kind="territoire", ident=t.id, label=label, fictif=t.model.fictif, statut="actif",
                       national=t.national)
        return nid

    def add_structure(t: Any, s: Any, external: bool = False) -> str:
        nid = node_id("structure", s.id)
        if nid not in g:
            label = s.sigle or s.nom
            g.add_node(nid, kind="structure", ident=s.id, label=label, nom=s.nom, type=s.type or "",
                       statut=s.statut.value, fictif=t.model.fictif, territoire=t.id, externe=external,
                       national=t.national)
        return nid

    for t, s in kept_structures:
        g.add_edge(add_territory(t), add_structure(t, s), key="comprend", relation="comprend",
                   label=RELATIONS["comprend"][0])
    kept_ids = {s.id for _, s in kept_structures}

    for t, s, sv in kept_services:
        sid = node_id("structure", s.id)
        vid = node_id("service", sv.id)
        status = sv.statut.value if s.statut.value == "actif" else s.statut.value
        g.add_node(vid, kind="service", ident=sv.id, label=sv.nom, type=sv.type, statut=status,
                   fictif=t.model.fictif, territoire=t.id, structure=s.id,
                   national=t.national or bool(sv.zone and sv.zone.france))
        g.add_edge(sid, vid, key="propose", relation="propose", label=RELATIONS["propose"][0])
        for need in sv.besoins:
            if besoin is not None and need != besoin:
                continue
            bid = node_id("besoin", need)
            if bid not in g:
                g.add_node(bid, kind="besoin", ident=need, label=ws.vocab.need_label(need), fictif=False,
                           statut="actif")
            g.add_edge(vid, bid, key="repond_a", relation="repond_a", label=RELATIONS["repond_a"][0])
        if types:
            tid = node_id("type", sv.type)
            if tid not in g:
                g.add_node(tid, kind="type", ident=sv.type, label=sv.type, nom=ws.vocab.type_label(sv.type),
                           fictif=False, statut="actif")
            g.add_edge(vid, tid, key="de_type", relation="de_type", label=RELATIONS["de_type"][0])
        if place is not None:
            cid = node_id("commune", place.code)
            if cid not in g:
                g.add_node(cid, kind="commune", ident=place.code, label=place.nom, fictif=False, statut="actif")
            g.add_edge(vid, cid, key="intervient_a", relation="intervient_a",
                       label=RELATIONS["intervient_a"][0])

    # Links between structures. Unfiltered, a link to a structure of another territory brings it in
    # (marked external); filtered, only links among the kept structures are drawn.
    chosen_ids = {x.id for t in chosen for x in t.structures}
    unread: set[str] = set()
    for _t, s in kept_structures:
        links = []
        if s.porteur:
            links.append(("porte_par", s.porteur))
        if s.absorbee_par:
            links.append(("absorbee_par", s.absorbee_par.structure))
        links += [("partenaire_de", p) for p in s.partenaires]
        for relation, target in links:
            if target not in structures:
                # A dangling reference (`validate` reports it, O202), or, when only part of the
                # directory was read (graphe T), a structure of a territory not read.
                unread.add(target)
                continue
            if target not in kept_ids:
                if filtered:
                    continue
                add_structure(owner[target], structures[target], external=target not in chosen_ids)
            g.add_edge(node_id("structure", s.id), node_id("structure", target), key=relation,
                       relation=relation, label=RELATIONS[relation][0])

    if unread and not filtered:
        note = "liens vers des structures absentes des territoires lus : " + ", ".join(sorted(unread))
        g.graph["note"] = f"{g.graph['note']} ; {note}" if g.graph.get("note") else note
    g.graph["fictif"] = any(d.get("fictif") for _, d in g.nodes(data=True))
    g.graph["titre"] = _title(chosen, filters, g.graph["fictif"])
    if g.graph["fictif"]:
        g.graph["bandeau"] = BANDEAU_FICTIF
    return g


def _title(chosen: list[Any], filters: list[str], fictional: bool) -> str:
    names = ", ".join(t.id for t in chosen) if len(chosen) <= 3 else f"{len(chosen)} territoires"
    text = f"Graphe {names}"
    extra = [f for f in filters if not f.startswith("territoire=")]
    if extra:
        text += " — " + ", ".join(extra)
    return text + (" (FICTIF)" if fictional else "")


# --- exports ------------------------------------------------------------------------------------


def _sorted_nodes(g: nx.MultiDiGraph) -> list[tuple[str, dict[str, Any]]]:
    order = {k: i for i, k in enumerate(_PREFIX)}
    return sorted(g.nodes(data=True), key=lambda n: (order.get(n[1].get("kind", ""), 9), n[0]))


def _sorted_edges(g: nx.MultiDiGraph) -> list[tuple[str, str, str, dict[str, Any]]]:
    return sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1]))


def mermaid_ids(g: nx.MultiDiGraph) -> dict[str, str]:
    """Graph node -> Mermaid id: [A-Za-z0-9_] only, prefixed by kind (never a keyword such as
    `end`, never starting with `o` or `x` which Mermaid reads as an edge end), unique."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for nid, data in _sorted_nodes(g):
        base = f"{_PREFIX.get(data.get('kind', ''), 'nd')}_{re.sub(r'[^A-Za-z0-9_]', '_', str(data.get('ident', nid)))}"
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        out[nid] = candidate
    return out


_MERMAID_ESCAPES = [("#", "#35;"), ('"', "#quot;"), ("[", "#91;"), ("]", "#93;"), ("(", "#40;"),
                    (")", "#41;"), ("{", "#123;"), ("}", "#125;"), ("|", "#124;"), ("<", "#lt;"),
                    (">", "#gt;"), ("`", "#96;")]


def mermaid_label(text: str) -> str:
    """A label safe inside Mermaid double quotes: entity codes for quotes, brackets and pipes."""
    text = re.sub(r"\s+", " ", _NOT_XML.sub("", str(text))).strip()
    for char, code in _MERMAID_ESCAPES:
        text = text.replace(char, code)
    return text


_SHAPES = {"territoire": ('[["', '"]]'), "structure": ('["', '"]'), "service": ('("', '")'),
           "besoin": ('(["', '"])'), "type": ('{{"', '"}}'), "commune": ('(("', '"))')}


def to_mermaid(g: nx.MultiDiGraph) -> str:
    ids = mermaid_ids(g)
    lines = ["---", f'title: "{_yaml_text(g.graph.get("titre", "Graphe"))}"', "---"]
    if g.graph.get("fictif"):
        lines.append("%% FICTIF : données de formation inventées, ne contactez aucune de ces structures")
    lines.append("%% généré par orienter graphe")
    lines.append("flowchart LR")
    for nid, data in _sorted_nodes(g):
        left, right = _SHAPES.get(data.get("kind", ""), ('["', '"]'))
        label = data.get("label", nid)
        if data.get("kind") == "service" and data.get("type"):
            label = f"{data['type']} · {label}"
        lines.append(f"    {ids[nid]}{left}{mermaid_label(label)}{right}")
    for u, v, _key, data in _sorted_edges(g):
        dashed = RELATIONS.get(data.get("relation", ""), ("", False))[1]
        arrow = "-.->" if dashed else "-->"
        lines.append(f'    {ids[u]} {arrow}|"{mermaid_label(data.get("label", ""))}"| {ids[v]}')
    classes = {
        "fictif": "fill:#fff3b0,stroke:#b58900,color:#000",
        "inactif": "fill:#eeeeee,stroke:#888888,color:#555555,stroke-dasharray:4 4",
        "besoin": "fill:#e3f2fd,stroke:#1565c0,color:#000",
        "type": "fill:#f3e5f5,stroke:#6a1b9a,color:#000",
    }
    members: dict[str, list[str]] = {k: [] for k in classes}
    for nid, data in _sorted_nodes(g):
        kind = data.get("kind")
        if kind in ("besoin", "type"):
            members[kind].append(ids[nid])
        elif data.get("statut") not in ("actif", "suspendu", None):
            members["inactif"].append(ids[nid])
        elif data.get("fictif"):
            members["fictif"].append(ids[nid])
    for name, style in classes.items():
        if members[name]:
            lines.append(f"    classDef {name} {style}")
            lines.append(f"    class {','.join(members[name])} {name}")
    return "\n".join(lines) + "\n"


def _yaml_text(text: str) -> str:
    return re.sub(r"\s+", " ", _NOT_XML.sub("", str(text))).replace("\\", "/").replace('"', "'")


def _dot_text(text: Any) -> str:
    return re.sub(r"\s+", " ", _NOT_XML.sub("", str(text))).replace("\\", "\\\\").replace('"', '\\"')


_DOT_STYLE = {"territoire": 'shape=folder, style=filled, fillcolor="#dfe7ef"',
              "structure": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
              "service": 'shape=box, style=filled, fillcolor="#f4f4f4"',
              "besoin": 'shape=ellipse, style=filled, fillcolor="#e3f2fd"',
              "type": 'shape=hexagon, style=filled, fillcolor="#f3e5f5"',
              "commune": 'shape=circle, style=filled, fillcolor="#e8f5e9"'}


def to_dot(g: nx.MultiDiGraph) -> str:
    lines = ["digraph orienter {",
             f'  graph [rankdir=LR, labelloc=t, label="{_dot_text(g.graph.get("titre", "Graphe"))}"];',
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for nid, data in _sorted_nodes(g):
        style = _DOT_STYLE.get(data.get("kind", ""), "shape=box")
        label = data.get("label", nid)
        if data.get("kind") == "service" and data.get("type"):
            label = f"{data['type']} · {label}"
        if data.get("fictif") and data.get("kind") in ("territoire", "structure", "service"):
            style = style.replace('fillcolor="#ffffff"', 'fillcolor="#fff3b0"').replace(
                'fillcolor="#f4f4f4"', 'fillcolor="#fff3b0"')
        if data.get("statut") not in ("actif", "suspendu", None):
            style += ', color="#888888", fontcolor="#555555"'
        lines.append(f'  "{_dot_text(nid)}" [label="{_dot_text(label)}", {style}];')
    for u, v, _key, data in _sorted_edges(g):
        dashed = RELATIONS.get(data.get("relation", ""), ("", False))[1]
        extra = ", style=dashed" if dashed else ""
        lines.append(f'  "{_dot_text(u)}" -> "{_dot_text(v)}" [label="{_dot_text(data.get("label", ""))}"{extra}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _xml_text(v: str) -> str:
    return _NOT_XML.sub("", v)


def _scalar_copy(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML takes str, int, float and bool only: drop None, join lists; and valid XML only:
    control characters removed from every text (node ids included)."""
    import networkx as nx

    def clean(d: dict[str, Any]) -> None:
        for k in list(d):
            v = d[k]
            if v is None:
                del d[k]
            elif isinstance(v, (list, tuple, set)):
                d[k] = _xml_text(", ".join(map(str, v)))
            elif isinstance(v, str):
                d[k] = _xml_text(v)

    h = g.copy()
    if any(isinstance(n, str) and _NOT_XML.search(n) for n in h.nodes):
        h = nx.relabel_nodes(h, {n: _xml_text(n) if isinstance(n, str) else n for n in h.nodes}, copy=True)

    clean(h.graph)
    for _, d in h.nodes(data=True):
        clean(d)
    for _, _, d in h.edges(data=True):
        clean(d)
    return h


def to_graphml(g: nx.MultiDiGraph) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(_scalar_copy(g))) + "\n"


def to_json(g: nx.MultiDiGraph) -> dict[str, Any]:
    import networkx as nx

    try:
        data = nx.node_link_data(g, edges="edges")
    except TypeError:  # networkx < 3.4
        data = nx.node_link_data(g)
    return {"schema": SCHEMA, **data}


def outline(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Plain nested data for the terminal view: territory > structure > service > needs."""
    out: dict[str, Any] = {"titre": g.graph.get("titre", ""), "fictif": bool(g.graph.get("fictif")),
                           "filtres": g.graph.get("filtres", ""), "note": g.graph.get("note", ""),
                           "territoires": [], "liens": [], "noeuds": g.number_of_nodes(),
                           "aretes": g.number_of_edges()}
    for nid, data in _sorted_nodes(g):
        if data.get("kind") != "territoire":
            continue
        structures = []
        for _, sid, key in sorted(g.out_edges(nid, keys=True)):
            if key != "comprend":
                continue
            sd = g.nodes[sid]
            services = []
            for _, vid, k2 in sorted(g.out_edges(sid, keys=True)):
                if k2 != "propose":
                    continue
                vd = g.nodes[vid]
                needs = [g.nodes[b]["label"] for _, b, k3 in sorted(g.out_edges(vid, keys=True)) if k3 == "repond_a"]
                services.append({"id": vd["ident"], "nom": vd["label"], "type": vd.get("type", ""),
                                 "statut": vd.get("statut", ""), "besoins": needs})
            structures.append({"id": sd["ident"], "nom": sd.get("nom", sd["label"]), "type": sd.get("type", ""),
                               "statut": sd.get("statut", ""), "services": services})
        out["territoires"].append({"id": data["ident"], "nom": data["label"], "fictif": data.get("fictif", False),
                                   "structures": structures})
    for u, v, key, data in _sorted_edges(g):
        if key in ("porte_par", "absorbee_par", "partenaire_de"):
            out["liens"].append({"de": g.nodes[u]["ident"], "relation": data["label"], "vers": g.nodes[v]["ident"],
                                 "externe": bool(g.nodes[v].get("externe"))})
    return out
