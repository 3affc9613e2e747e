"""The path of one orientation as a diagram (Mermaid flowchart or Graphviz DOT): situation,
needs, complexity and level of recourse, services proposed in order, services set aside.

Built from the orientation's JSON alone, as strings: no graph library on this path.
Labels never carry the free text of the situation (health data stays out of a picture that is
likely to be projected or shared): only needs, facts' labels and directory names.
"""

from __future__ import annotations

import re
from typing import Any

from orienter.render import labels as fr
from orienter.render.safe import clean, scrub

LEVELS = fr.LEVELS
MAX_EXCLUDED = 8


class _Ids:
    """Node ids made of [A-Za-z0-9_] only, and unique: two services `x-y` and `x_y` read the
    same once sanitised, so the second gets a suffix instead of merging into the first."""

    def __init__(self) -> None:
        self.given: dict[tuple[str, str], str] = {}
        self.used: set[str] = set()

    def __call__(self, prefix: str, text: str) -> str:
        key = (prefix, text)
        if key not in self.given:
            base = prefix + "_" + re.sub(r"[^A-Za-z0-9_]", "_", text)
            candidate, n = base, 2
            while candidate in self.used:
                candidate, n = f"{base}_{n}", n + 1
            self.used.add(candidate)
            self.given[key] = candidate
        return self.given[key]


def _head(o: dict[str, Any]) -> tuple[str, str]:
    fictif = any(t["fictif"] for t in o["territoires"])
    title = f"Situation à {o['commune']['nom']} ({o['commune']['code']})" + (" — DONNÉES FICTIVES" if fictif else "")
    cx = o["complexite"]
    level = f"{'Complexe' if cx['complexe'] else 'Non complexe'} ({fr.axes(cx['axes'])})\n" \
            f"Niveau : {fr.level(o['niveau'])}"
    return title, level


def _ranked_label(s: dict[str, Any]) -> str:
    return f"{s['rang']}. {s['structure']['nom']}\n{s['type']} · score {fr.number(s['score'])}"


def _excluded_label(x: dict[str, Any], names: dict[str, str]) -> str:
    reasons = "; ".join(fr.without_quotes(fr.exclusion_reason(r, names)) for r in x["raisons"])
    return f"{x['type']} {x['nom']}\nécarté : {reasons}"


def _names(o: dict[str, Any]) -> dict[str, str]:
    return {s["structure"]["id"]: s["structure"]["nom"] for s in [*o["suggestions"], *o.get("apres_urgence", [])]}


def _mlabel(text: str) -> str:
    """Mermaid label in double quotes: quotes and brackets as HTML entities."""
    text = clean(text)
    return (text.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("[", "&#91;").replace("]", "&#93;").replace("{", "&#123;").replace("}", "&#125;")
            .replace("\n", "<br/>"))


def mermaid(o: dict[str, Any]) -> str:
    o = scrub(o)
    mid = _Ids()
    names = _names(o)
    lines = ["flowchart LR"]
    title, level = _head(o)
    lines.append(f'  S["{_mlabel(title)}"]')
    lines.append(f'  N{{"{_mlabel(level)}"}}')
    for need in o["besoins"]:
        nid = mid("B", need["code"])
        lines.append(f'  {nid}(["{_mlabel(need["libelle"])}"])')
        lines.append(f"  S --> {nid}")
        lines.append(f"  {nid} --> N")
    if o.get("urgence"):
        lines.append('  U[["URGENCE : 15 / 112"]]')
        lines.append("  N ==> U")
    ranked = o["suggestions"] or o.get("apres_urgence", [])
    for s in ranked:
        sid = mid("R", s["service"]["id"])
        lines.append(f'  {sid}["{_mlabel(_ranked_label(s))}"]')
        lines.append(f"  N -->|{s['rang']}| {sid}")
    for x in o["exclus"][:MAX_EXCLUDED]:
        xid = mid("X", x["service"])
        lines.append(f'  {xid}["{_mlabel(_excluded_label(x, names))}"]:::exclu')
        lines.append(f"  N -.-> {xid}")
    lines.append("  classDef exclu fill:#eee,stroke:#999,color:#666,stroke-dasharray: 4 3")
    return "\n".join(lines) + "\n"


def _dlabel(text: str) -> str:
    return clean(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def dot(o: dict[str, Any]) -> str:
    o = scrub(o)
    mid = _Ids()
    names = _names(o)
    title, level = _head(o)
    lines = ["digraph orientation {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];',
             f'  S [label="{_dlabel(title)}", shape=note];', f'  N [label="{_dlabel(level)}", shape=diamond];']
    for need in o["besoins"]:
        nid = mid("B", need["code"])
        lines += [f'  {nid} [label="{_dlabel(need["libelle"])}", shape=ellipse];', f"  S -> {nid};", f"  {nid} -> N;"]
    if o.get("urgence"):
        lines += ['  U [label="URGENCE : 15 / 112", color=red, fontcolor=red];', "  N -> U [color=red, penwidth=2];"]
    for s in o["suggestions"] or o.get("apres_urgence", []):
        sid = mid("R", s["service"]["id"])
        lines += [f'  {sid} [label="{_dlabel(_ranked_label(s))}"];', f'  N -> {sid} [label="{s["rang"]}"];']
    for x in o["exclus"][:MAX_EXCLUDED]:
        xid = mid("X", x["service"])
        lines += [f'  {xid} [label="{_dlabel(_excluded_label(x, names))}", style=dashed, color=gray50, fontcolor=gray40];',
                  f"  N -> {xid} [style=dashed, color=gray50];"]
    lines.append("}")
    return "\n".join(lines) + "\n"
