"""The path of one orientation as a diagram (Mermaid flowchart or Graphviz DOT): situation,
needs, complexity and level of recourse, services proposed in order, services set aside.

Built from the orientation's JSON alone, as strings: no graph library on this path.
Labels never carry the free text of the situation (health data stays out of a picture that is
likely to be projected or shared): only needs, facts' labels and directory names.
"""

from __future__ import annotations

import re
from typing import Any

LEVELS = {"premier_recours": "premier recours", "appui": "appui (DAC)", "specialise": "spécialisé"}
MAX_EXCLUDED = 8


def _mid(prefix: str, text: str) -> str:
    return prefix + "_" + re.sub(r"[^A-Za-z0-9_]", "_", text)


def _mlabel(text: str) -> str:
    """Mermaid label in double quotes: quotes and brackets as HTML entities."""
    return (text.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("[", "&#91;").replace("]", "&#93;").replace("{", "&#123;").replace("}", "&#125;")
            .replace("\n", "<br/>"))


def mermaid(o: dict[str, Any]) -> str:
    lines = ["flowchart LR"]
    fictif = any(t["fictif"] for t in o["territoires"])
    title = f"Situation à {o['commune']['nom']} ({o['commune']['code']})" + (" — DONNÉES FICTIVES" if fictif else "")
    lines.append(f'  S["{_mlabel(title)}"]')
    cx = o["complexite"]
    level = f"{'Complexe' if cx['complexe'] else 'Non complexe'} ({', '.join(cx['axes']) or 'aucun axe'})\n" \
            f"Niveau : {LEVELS.get(o['niveau'], o['niveau'])}"
    lines.append(f'  N{{"{_mlabel(level)}"}}')
    for need in o["besoins"]:
        nid = _mid("B", need["code"])
        lines.append(f'  {nid}(["{_mlabel(need["libelle"])}"])')
        lines.append(f"  S --> {nid}")
        lines.append(f"  {nid} --> N")
    if o.get("urgence"):
        lines.append('  U[["URGENCE : 15 / 112"]]')
        lines.append("  N ==> U")
    ranked = o["suggestions"] or o.get("apres_urgence", [])
    for s in ranked:
        sid = _mid("R", s["service"]["id"])
        label = f"{s['rang']}. {s['structure']['nom']}\n{s['type']} · score {s['score']:.2f}"
        lines.append(f'  {sid}["{_mlabel(label)}"]')
        lines.append(f"  N -->|{s['rang']}| {sid}")
    for x in o["exclus"][:MAX_EXCLUDED]:
        xid = _mid("X", x["service"])
        label = f"{x['type']} {x['nom']}\nécarté : {'; '.join(x['raisons'])}"
        lines.append(f'  {xid}["{_mlabel(label)}"]:::exclu')
        lines.append(f"  N -.-> {xid}")
    lines.append("  classDef exclu fill:#eee,stroke:#999,color:#666,stroke-dasharray: 4 3")
    return "\n".join(lines) + "\n"


def _dlabel(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def dot(o: dict[str, Any]) -> str:
    fictif = any(t["fictif"] for t in o["territoires"])
    title = f"Situation à {o['commune']['nom']} ({o['commune']['code']})" + (" — DONNÉES FICTIVES" if fictif else "")
    cx = o["complexite"]
    level = f"{'Complexe' if cx['complexe'] else 'Non complexe'}\nNiveau : {LEVELS.get(o['niveau'], o['niveau'])}"
    lines = ["digraph orientation {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];',
             f'  S [label="{_dlabel(title)}", shape=note];', f'  N [label="{_dlabel(level)}", shape=diamond];']
    for need in o["besoins"]:
        nid = _mid("B", need["code"])
        lines += [f'  {nid} [label="{_dlabel(need["libelle"])}", shape=ellipse];', f"  S -> {nid};", f"  {nid} -> N;"]
    if o.get("urgence"):
        lines += ['  U [label="URGENCE : 15 / 112", color=red, fontcolor=red];', "  N -> U [color=red, penwidth=2];"]
    for s in o["suggestions"] or o.get("apres_urgence", []):
        sid = _mid("R", s["service"]["id"])
        label = f"{s['rang']}. {s['structure']['nom']}\n{s['type']} · score {s['score']:.2f}"
        lines += [f'  {sid} [label="{_dlabel(label)}"];', f'  N -> {sid} [label="{s["rang"]}"];']
    for x in o["exclus"][:MAX_EXCLUDED]:
        xid = _mid("X", x["service"])
        label = f"{x['type']} {x['nom']}\nécarté : {'; '.join(x['raisons'])}"
        lines += [f'  {xid} [label="{_dlabel(label)}", style=dashed, color=gray50, fontcolor=gray40];',
                  f"  N -> {xid} [style=dashed, color=gray50];"]
    lines.append("}")
    return "\n".join(lines) + "\n"
