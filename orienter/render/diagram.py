"""Layered diagrams drawn as SVG on the server (issue 15): the decision path of one orientation
(situation → needs and facts → rules fired → services) and the graph of a territory
(structures → services → needs).

No JavaScript library and no external resource: plain SVG with presentation attributes only (no
`style` attribute, so a strict Content-Security-Policy holds), a <title> and a <desc> for screen
readers, and a <title> per box for what a trainer hovers (a rule's reference).

Like orienter/render/path.py, labels never carry the free text of the situation: needs, facts'
names, rules and directory names only (a diagram is likely to be projected or shared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from orienter.render import labels as fr
from orienter.render.safe import clean, html, scrub

FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
FONT_SIZE = 13
LINE = 17
PAD_X = 10
PAD_Y = 8
COLUMN = 250
GAP = 80
V_GAP = 12
HEAD = 36
CHAR = 7.1  # average width of a character at FONT_SIZE (sans-serif), for wrapping
BOLD = 8.1  # the same in bold
MAX_LINES = 5
MAX_EXCLUDED = 6

# kind -> (fill, stroke, text colour)
BOXES = {
    "situation": ("#eef3f8", "#0b4f8a", "#1b1b1b"),
    "besoin": ("#e8f1fb", "#0b4f8a", "#0b2f52"),
    "besoin-regle": ("#f3f7fb", "#5b84ad", "#0b2f52"),
    "fait": ("#f6f6f6", "#8a8a8a", "#1b1b1b"),
    "complexite": ("#fff8e6", "#c47f00", "#3d2f00"),
    "regle": ("#f2f0fb", "#5a4aa8", "#231a55"),
    "service": ("#ffffff", "#0b4f8a", "#1b1b1b"),
    "national": ("#ffffff", "#5b84ad", "#1b1b1b"),
    "exclu": ("#f1f1f1", "#9a9a9a", "#555555"),
    "urgence": ("#fde8ea", "#b00020", "#7a0016"),
    "structure": ("#eef3f8", "#0b4f8a", "#1b1b1b"),
    "structure-inactive": ("#f1f1f1", "#9a9a9a", "#555555"),
}
# kind -> (colour, width, dash pattern)
LINKS = {
    "lu": ("#8a8a8a", 1.2, ""),
    "condition": ("#5a4aa8", 1.5, ""),
    "ajoute": ("#5a4aa8", 1.3, "5 4"),
    "propose": ("#0b4f8a", 1.8, ""),
    "ecarte": ("#b00020", 1.3, "4 3"),
    "urgence": ("#b00020", 2.6, ""),
    "repond": ("#9db8d3", 1.1, ""),
    "propose-service": ("#0b4f8a", 1.3, ""),
}


@dataclass
class Box:
    id: str
    lines: list[str]  # the first one is bold
    kind: str = "service"
    tip: str = ""
    # filled by the layout
    col: int = 0
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    wrapped: list[str] = field(default_factory=list)


@dataclass
class Link:
    src: str
    dst: str
    kind: str = "propose"


def wrap(text: str, width: int, max_lines: int = MAX_LINES) -> list[str]:
    """Greedy word wrap at `width` characters; a word longer than a line is cut; past
    `max_lines`, the last line ends with an ellipsis."""
    words = clean(text, newlines=False).split()
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width - 1] + "-")
            word = word[width - 1:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[:width - 1] if len(last) >= width else last) + "…"
    return lines or [""]


def layered(columns: list[tuple[str, list[Box]]], links: list[Link], title: str, desc: str, uid: str,
            align: dict[int, int] | None = None) -> str:
    """Columns of boxes, left to right, and links between boxes (any two columns, either
    direction), as one SVG element. `uid` prefixes the element ids (several diagrams may share a
    page). `align`: column -> column whose boxes it faces (each box at the height of the boxes it
    is linked to there, in its order, without overlap)."""
    chars = int((COLUMN - 2 * PAD_X) / CHAR)
    bold = int((COLUMN - 2 * PAD_X) / BOLD)
    boxes: dict[str, Box] = {}
    heights = []
    for c, (_, column) in enumerate(columns):
        total = 0.0
        for b in column:
            b.col = c
            b.wrapped = []
            for i, text in enumerate(b.lines):
                b.wrapped += wrap(text, bold if i == 0 else chars, MAX_LINES if i else 3)
            b.w = COLUMN
            b.h = 2 * PAD_Y + LINE * len(b.wrapped)
            total += b.h + V_GAP
            boxes[b.id] = b
        heights.append(max(total - V_GAP, 0))
    inner = max(heights + [40])
    height = HEAD + inner + 16
    width = len(columns) * COLUMN + (len(columns) - 1) * GAP + 2
    for c, (_, column) in enumerate(columns):
        y = HEAD + (inner - heights[c]) / 2
        for b in column:
            b.x = 1 + c * (COLUMN + GAP)
            b.y = y
            y += b.h + V_GAP
    links = [k for k in links if k.src in boxes and k.dst in boxes and k.src != k.dst]
    for c, other in (align or {}).items():
        _align(columns[c][1], other, links, boxes)
    height = max([height] + [b.y + b.h + 16 for b in boxes.values()])
    ends = _anchors(boxes, links)

    t_id, d_id = f"{uid}-titre", f"{uid}-desc"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="diagramme" viewBox="0 0 {width} {height:.0f}" '
           f'width="{width}" height="{height:.0f}" role="img" aria-labelledby="{t_id} {d_id}" '
           f'font-family="{FONT}" font-size="{FONT_SIZE}">',
           f'<title id="{t_id}">{html(title)}</title>', f'<desc id="{d_id}">{html(desc)}</desc>', "<defs>"]
    for kind, (colour, _, _) in LINKS.items():
        out.append(f'<marker id="{uid}-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                   f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    out.append("</defs>")
    for c, (name, _) in enumerate(columns):
        x = 1 + c * (COLUMN + GAP) + COLUMN / 2
        out.append(f'<text x="{x:.0f}" y="22" text-anchor="middle" font-weight="bold" font-size="14" '
                   f'fill="#333333">{html(name)}</text>')
    # Links first: boxes are drawn over them. Faint kinds first, strong ones last.
    order = list(LINKS)
    for i, k in sorted(enumerate(links), key=lambda p: (order.index(p[1].kind), p[0])):
        (x1, y1), (x2, y2) = ends[i]
        colour, stroke, dash = LINKS[k.kind]
        bend = max(abs(x2 - x1) / 2, 30)
        sign = 1 if x2 >= x1 else -1
        d = f"M{x1:.1f},{y1:.1f} C{x1 + sign * bend:.1f},{y1:.1f} {x2 - sign * bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{stroke}"{dashed} '
                   f'marker-end="url(#{uid}-{k.kind})"/>')
    for b in boxes.values():
        fill, stroke, ink = BOXES.get(b.kind, BOXES["service"])
        out.append('<g class="boite">')
        if b.tip:
            out.append(f"<title>{html(b.tip)}</title>")
        dash = ' stroke-dasharray="4 3"' if b.kind == "exclu" else ""
        width_ = 2.4 if b.kind == "urgence" else 1.3
        out.append(f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.0f}" height="{b.h:.0f}" rx="6" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="{width_}"{dash}/>')
        out.append(f'<text x="{b.x + PAD_X:.1f}" y="{b.y + PAD_Y:.1f}" fill="{ink}">')
        bold_lines = len(wrap(b.lines[0], bold, 3)) if b.lines else 0
        for i, text in enumerate(b.wrapped):
            weight = ' font-weight="bold"' if i < bold_lines else ""
            dy = LINE - 4 if i == 0 else LINE
            out.append(f'<tspan x="{b.x + PAD_X:.1f}" dy="{dy}"{weight}>{html(text)}</tspan>')
        out.append("</text></g>")
    out.append("</svg>")
    return "\n".join(out)


def _align(column: list[Box], other: int, links: list[Link], boxes: dict[str, Box]) -> None:
    """Each box of `column` facing the boxes of column `other` it is linked to (their mean
    height), kept in order and apart; boxes linked to nothing there follow the others."""
    top = min((b.y for b in boxes.values() if b.col == other), default=HEAD)
    y = top
    for b in column:
        facing = [boxes[k.dst if k.src == b.id else k.src] for k in links if b.id in (k.src, k.dst)
                  and boxes[k.dst if k.src == b.id else k.src].col == other]
        wanted = (sum(f.y + f.h / 2 for f in facing) / len(facing) - b.h / 2) if facing else y
        b.y = max(wanted, y)
        y = b.y + b.h + V_GAP


def _anchors(boxes: dict[str, Box], links: list[Link]) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Where each link leaves its source and reaches its target: the facing sides, the points
    spread along the side in the order of the other ends (fewer crossings, no pile-up)."""
    sides: dict[tuple[str, str], list[tuple[float, int, int]]] = {}
    for i, k in enumerate(links):
        a, b = boxes[k.src], boxes[k.dst]
        forward = a.col <= b.col
        sides.setdefault((k.src, "r" if forward else "l"), []).append((b.y + b.h / 2, i, 0))
        sides.setdefault((k.dst, "l" if forward else "r"), []).append((a.y + a.h / 2, i, 1))
    ends: dict[tuple[int, int], tuple[float, float]] = {}
    for (ident, side), items in sides.items():
        box = boxes[ident]
        items.sort()
        n = len(items)
        top, span = box.y + 6, max(box.h - 12, 0)
        x = box.x + box.w if side == "r" else box.x
        for j, (_, i, which) in enumerate(items):
            y = top + span * (j + 1) / (n + 1)
            ends[(i, which)] = (x, y)
    return [(ends[(i, 0)], ends[(i, 1)]) for i in range(len(links))]


# --- the decision path of one orientation -------------------------------------------------------


def _decimal(text: str) -> str:
    return re.sub(r"(?<![\w.])([+-]?\d+)\.(\d+)", r"\1,\2", text)


def _effects(effects: list[str]) -> str:
    out = []
    for e in effects:
        if e.startswith("ajoute le besoin"):
            out.append("ajoute un besoin")
            continue
        m = re.match(r"niveau (\w+)$", e)
        if m:
            out.append(f"niveau : {fr.level(m.group(1))}")
            continue
        m = re.match(r"écarte (\S+)", e)
        if m:
            out.append(f"écarte {m.group(1)}")
            continue
        out.append(_decimal(e))
    return " · ".join(dict.fromkeys(out))


def _fact_value(code: str, value: Any) -> str:
    if code == "age":
        return f"{value} ans"
    return fr.yes_no(value)


def decision_path(o: dict[str, Any], criteria: dict[str, str] | None = None, uid: str = "parcours") -> str:
    """The path of the decision: what was read (needs, facts, complexity), the rules that fired,
    and where they lead (services proposed in order, services set aside, the emergency call).
    `o` is the orientation's JSON with its trace; `criteria`: French names of the criteria."""
    o = scrub(o)
    criteria = criteria or {}
    trace = o.get("trace") or {}
    fictif = any(t["fictif"] for t in o["territoires"])
    where = f"{o['commune']['nom']} ({o['commune']['code']})"
    territories = [t["nom"] for t in o["territoires"] if t.get("nom") and t.get("id") != "national"]
    situation = Box("situation", ["Situation", where, *territories,
                                  *(["DONNÉES FICTIVES"] if fictif else [])], "situation",
                    "La personne : commune et territoire de l'annuaire.")
    cx = o["complexite"]
    read: list[Box] = []
    for n in o["besoins"]:
        kind = "besoin-regle" if n["origine"] == "regle" else "besoin"
        read.append(Box(f"b:{n['code']}", [n["libelle"], fr.ORIGINS.get(n["origine"], n["origine"])], kind,
                        f"Besoin {n['code']}"))
    for code, value in o["criteres"].items():
        name = criteria.get(code) or code.replace("_", " ").capitalize()
        read.append(Box(f"f:{code}", [f"{name} : {_fact_value(code, value)}"], "fait", f"Fait {code}"))
    read.append(Box("complexite", [f"Situation {'complexe' if cx['complexe'] else 'non complexe'}",
                                   fr.axes(cx["axes"]), f"niveau de recours : {fr.level(o['niveau'])}"],
                    "complexite", " ; ".join(fr.without_quotes(r) for r in cx.get("raisons", []))))
    fired = [r for r in trace.get("regles", []) if r["declenchee"]]
    rules = [Box(f"r:{r['id']}", [r["id"], _effects(r["effets"])], "regle",
                 f"{r['description']} — Référence : {r['reference']}") for r in fired]
    ranked = o["suggestions"] or o.get("apres_urgence") or []
    services: list[Box] = []
    if o.get("urgence"):
        numbers = " ; ".join(f"{c['numero']} — {c['libelle']}" for c in o.get("appels") or []) or "15 — SAMU ; 112"
        services.append(Box("urgence", ["URGENCE : appelez d'abord", numbers,
                                        "les services ci-dessous viennent après"], "urgence",
                            "Urgence reconnue : les numéros d'urgence passent avant tout service de l'annuaire."))
    for s in ranked:
        services.append(Box(f"s:{s['service']['id']}",
                            [f"{s['rang']}. {s['structure']['nom']}",
                             f"{s['type']} · {fr.level(s.get('niveau'))} · score {fr.number(s['score'])}"],
                            "national" if s.get("national") else "service",
                            f"{s['service']['nom']} — {s.get('type_libelle') or s['type']}"))
    names = {s["structure"]["id"]: s["structure"]["nom"] for s in ranked}
    for x in o["exclus"][:MAX_EXCLUDED]:
        reasons = "; ".join(fr.without_quotes(fr.exclusion_reason(r, names)) for r in x["raisons"])
        services.append(Box(f"x:{x['service']}", [f"écarté : {x['type']}", x["nom"]], "exclu",
                            f"{x['nom']} : {reasons}"))

    links: list[Link] = []
    for n in o["besoins"]:
        if n["origine"] != "regle":
            links.append(Link("situation", f"b:{n['code']}", "lu"))
    for code in o["criteres"]:
        links.append(Link("situation", f"f:{code}", "lu"))
    links.append(Link("situation", "complexite", "lu"))
    for r in fired:
        rid = f"r:{r['id']}"
        for why in r["pourquoi"]:
            links += [Link(src, rid, "condition") for src in _sources(why, o)]
        for e in r["effets"]:
            m = re.match(r"ajoute le besoin (\S+)", e)
            if m:
                links.append(Link(rid, f"b:{m.group(1)}", "ajoute"))
            m = re.match(r"propose (\S+) \(\+", e)
            if m:
                links += [Link(rid, f"s:{s['service']['id']}", "propose") for s in ranked if s["type"] == m.group(1)]
            m = re.match(r"écarte (\S+)", e)
            if m:
                links += [Link(rid, f"x:{x['service']}", "ecarte") for x in o["exclus"][:MAX_EXCLUDED]
                          if x["type"] == m.group(1)]
            if e == "urgence" or e.startswith("appeler le"):
                links.append(Link(rid, "urgence", "urgence"))
    for s in ranked:
        for code in s.get("besoins_servis") or []:
            links.append(Link(f"b:{code}", f"s:{s['service']['id']}", "repond"))
    links = list({(k.src, k.dst, k.kind): k for k in links}.values())
    # Each rule beside what it read (mean position of its sources): fewer crossings.
    where = {b.id: i for i, b in enumerate(read)}
    spot = {}
    for b in rules:
        sources = [where[k.src] for k in links if k.dst == b.id and k.src in where]
        spot[b.id] = sum(sources) / len(sources) if sources else len(read)
    rules.sort(key=lambda b: spot[b.id])

    title = f"Parcours de la décision pour une personne résidant à {where}"
    first = ranked[0]["structure"]["nom"] if ranked else None
    desc = (f"{len(o['besoins'])} besoin(s) et {len(o['criteres'])} fait(s) relevés ; {len(fired)} règle(s) "
            f"déclenchée(s) ; {len(ranked)} service(s) proposé(s)"
            + (f", le premier : {first}" if first else "")
            + (" ; urgence : les numéros d'urgence d'abord" if o.get("urgence") else "")
            + f" ; {len(o['exclus'])} service(s) écarté(s).")
    columns = [("Situation", [situation]), ("Besoins et faits lus", read), ("Règles déclenchées", rules),
               ("Services", services)]
    return layered(columns, links, title, desc, uid)


def _sources(why: str, o: dict[str, Any]) -> list[str]:
    """The boxes a rule's reason points at: « besoin X », « âge ≥ 65 », « situation complexe »,
    criteria codes; a negative reason (« non (...) ») points at nothing that was read."""
    why = why.strip()
    if why.startswith("non"):
        return []
    if why.startswith("besoin "):
        return [f"b:{why.split()[1]}"]
    if why.startswith("situation"):
        return ["complexite"]
    if why.startswith("âge") or why.startswith("age"):
        return ["f:age"]
    return [f"f:{code}" for code in re.findall(r"[a-z][a-z0-9_]*", why) if code in o["criteres"]]


# --- the graph of a territory -------------------------------------------------------------------


def territory_graph(outline: dict[str, Any], uid: str = "graphe", max_services: int = 120) -> str:
    """Structures → services → needs, from `orienter.directory.graph.outline`. Links between
    structures (carried by, absorbed by, partner of) are listed in the page, not drawn."""
    outline = scrub(outline)
    structures: list[Box] = []
    services: list[Box] = []
    needs: dict[str, Box] = {}
    links: list[Link] = []
    shown = 0
    for t in outline["territoires"]:
        for s in t["structures"]:
            if shown >= max_services:
                break
            active = s["statut"] in ("actif", "suspendu", "")
            sid = f"st:{s['id']}"
            status = "" if s["statut"] in ("actif", "") else f" · {fr.status(s['statut'])}"
            structures.append(Box(sid, [s["nom"], f"{s['type'] or 'structure'}{status}"],
                                  "structure" if active else "structure-inactive", s["id"]))
            for sv in s["services"]:
                shown += 1
                vid = f"sv:{s['id']}:{sv['id']}"
                status = "" if sv["statut"] in ("actif", "") else f" · {fr.status(sv['statut'], structure=False)}"
                services.append(Box(vid, [f"{sv['type']} · {sv['nom']}" + status],
                                    "service" if sv["statut"] in ("actif", "suspendu", "") else "exclu", sv["id"]))
                links.append(Link(sid, vid, "propose-service"))
                for label in sv["besoins"]:
                    nid = f"be:{label}"
                    needs.setdefault(nid, Box(nid, [label], "besoin", label))
                    links.append(Link(vid, nid, "repond"))
    ordered_needs = sorted(needs.values(), key=lambda b: _first_link(b.id, links, services))
    title = outline.get("titre") or "Graphe du territoire"
    desc = (f"{len(structures)} structure(s), {len(services)} service(s), {len(needs)} besoin(s) ; "
            "chaque structure est reliée aux services qu'elle propose, chaque service aux besoins auxquels il répond.")
    return layered([("Structures", structures), ("Services", services), ("Besoins", ordered_needs)],
                   links, title, desc, uid, align={0: 1, 2: 1})


def _first_link(need: str, links: list[Link], services: list[Box]) -> float:
    """A need sits near the services that answer it (mean position): fewer crossings."""
    where = {b.id: i for i, b in enumerate(services)}
    spots = [where[k.src] for k in links if k.dst == need and k.src in where]
    return sum(spots) / len(spots) if spots else float("inf")
