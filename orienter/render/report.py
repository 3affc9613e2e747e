"""Readers of the territory report (`orienter rapport`): terminal (rich), Markdown, and one
self-contained HTML page (inline CSS and SVG, no script, no external resource), plus the terminal
view of `orienter graphe`.

Renderers compute nothing: they format the plain data of `checks.build_report` and
`graph.outline`. Data always goes through `Text()` (rich), `html.escape` (HTML) or `_md`
(Markdown): a name such as "CMP [adultes]" or "A | B" must print as written (DESIGN §8).
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any, Iterable

FICTIF_BANNER = "DONNÉES FICTIVES DE FORMATION : aucune de ces structures n'existe, ne les contactez pas."
MAX_COMMUNES = 8
# Rows per table in the human formats; JSON always has everything. Real territories have a
# handful of findings; a synthetic or badly merged directory can have thousands.
MAX_LIGNES = 50


def _cut(rows: list[Any]) -> tuple[list[Any], str]:
    if len(rows) <= MAX_LIGNES:
        return rows, ""
    return rows[:MAX_LIGNES], (f"… et {len(rows) - MAX_LIGNES} autre(s), moins peuplé(e)s : "
                               "--format json donne la liste complète.")

_KIND_LABEL = {"type": "même type", "besoin": "même besoin, même public"}
_LINK_LABEL = {"partenaires": "partenaires déclarés", "porteur": "l'une porte l'autre",
               "absorption": "l'une a absorbé l'autre", None: ""}


# --- shared formatting --------------------------------------------------------------------------


def fmt_int(n: int | None) -> str:
    return "—" if n is None else f"{n:,}".replace(",", " ")


def pct(x: float) -> str:
    if x <= 0:
        return "0 %"
    if x < 0.005:
        return "< 1 %"
    if 0.995 <= x < 1:
        return "> 99 %"
    return f"{round(x * 100)} %"


def fr_date(iso: str | None) -> str:
    if not iso:
        return "jamais"
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def communes_text(finding: dict[str, Any], limit: int = MAX_COMMUNES) -> str:
    """"N : first names … et M autre(s)" from a finding's `communes` (codes) and `communes_exemples`."""
    names = finding["communes_exemples"][:limit]
    more = len(finding["communes"]) - len(names)
    return f"{len(finding['communes'])} : " + ", ".join(names) + (f" … et {more} autre(s)" if more > 0 else "")


def _pair(f: dict[str, Any]) -> str:
    a, b = f["services"]
    return f"{a['nom']} ({a['structure']}) / {b['nom']} ({b['structure']})"


def _overlap_detail(f: dict[str, Any]) -> str:
    bits = [_KIND_LABEL[f["nature"]] + " : " + " / ".join(f["types"])]
    if f["besoins"]:
        bits.append("besoins " + ", ".join(f["besoins"]))
    if f["publics"]:
        bits.append("publics " + ", ".join(f["publics"]))
    if f.get("lien"):
        bits.append(_LINK_LABEL[f["lien"]])
    return " ; ".join(bits)


def _split_gaps(t: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Key-type gaps; need gaps on part of the territory; needs nobody answers anywhere here."""
    types = [g for g in t["lacunes"] if g["nature"] == "type"]
    partial = [g for g in t["lacunes"] if g["nature"] == "besoin" and not g["tout_le_territoire"]]
    whole = [g for g in t["lacunes"] if g["nature"] == "besoin" and g["tout_le_territoire"]]
    return types, partial, whole


def _stale_text(f: dict[str, Any]) -> str:
    if f["derniere_verification"] is None:
        return "jamais vérifiée"
    return (f"vérifiée le {fr_date(f['derniere_verification'])}, il y a {f['mois']} mois "
            f"(revue tous les {f['frequence_revue_mois']} mois)")


def _gap_suspended(g: dict[str, Any]) -> str:
    if not g["suspendus"]:
        return ""
    return "suspendu : " + ", ".join(s["id"] for s in g["suspendus"])


# --- terminal -----------------------------------------------------------------------------------


def terminal(report: dict[str, Any]) -> None:
    from rich import box
    from rich.console import Console
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    out = Console(highlight=False, soft_wrap=False)

    def banner(text: str = FICTIF_BANNER) -> None:
        out.print(Panel(Text(f"FICTIF — {text}", style="bold black on yellow"), border_style="yellow"))

    def table(title: str, *cols: tuple[str, str]) -> Any:
        tb = Table(title=Text(title, style="bold"), title_justify="left", show_lines=False)
        for name, justify in cols:
            tb.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        return tb

    out.print(Text(f"Rapport de lisibilité des territoires — {fr_date(report['date'])}", style="bold"))
    _validation_note(report, lambda s: out.print(Text(s, style="bold red")))
    top = mixed_banner(report["territoires"])
    if top:
        banner(top)
    summary = table("Synthèse", ("Territoire", "left"), ("Score", "right"), ("Chev.", "right"),
                    ("Lac.", "right"), ("Hist.", "right"), ("Anc.", "right"), ("Contact", "right"),
                    ("Doubl.", "right"))
    for col in summary.columns:
        col.no_wrap = True
        col.overflow = "ellipsis"
    summary.box = box.SIMPLE_HEAD  # no vertical rules: eight columns fit in 80
    summary.pad_edge = False
    for t in report["territoires"]:
        s = t["synthese"]
        name = Text(t["id"]) + (Text(" FICTIF", style="bold black on yellow") if t["fictif"] else Text(""))
        summary.add_row(name, _score_text(t["score"]["total"]), str(s["chevauchements"]),
                        f"{s['lacunes_types']}/{s['lacunes_besoins']}", str(s["historiques"]),
                        str(s["anciennes"]), str(s["sans_contact"]), str(s["doublons"]))
    out.print(summary)
    out.print(Text("Chev. : chevauchements · Lac. : lacunes (types clés/besoins) · Hist. : dispositifs "
                   "historiques actifs · Anc. : fiches anciennes · Contact : structures sans contact · "
                   "Doubl. : doublons possibles", style="dim"))

    for t in report["territoires"]:
        out.print()
        out.print(Rule(Text(f"{t['nom']} ({t['id']})", style="bold"), align="left"))
        if t["fictif"]:
            banner()
        out.print(Text(f"{t['structures']} structure(s), {t['services']} service(s), {fmt_int(t['communes'])} "
                       f"commune(s), {fmt_int(t['population'])} habitants"))
        sc = table(f"Score de lisibilité : {t['score']['total']}/100", ("Partie", "left"), ("Points", "right"),
                   ("Explication", "left"))
        for p in t["score"]["parties"]:
            sc.add_row(Text(p["libelle"]), f"{p['points']:g}/{p['poids']}", Text(p["explication"]))
        out.print(sc)

        if t["chevauchements"]:
            tb = table("Chevauchements (millefeuille)", ("Services", "left"), ("Pourquoi", "left"),
                       ("Communes", "left"), ("Population", "right"))
            shown, more = _cut(t["chevauchements"])
            for f in shown:
                tb.add_row(Text(_pair(f)), Text(_overlap_detail(f)),
                           Text(communes_text(f)),
                           f"{fmt_int(f['population'])} ({pct(f['part'])})")
            out.print(tb)
            if more:
                out.print(Text(more, style="dim"))
        else:
            out.print(Text("Aucun chevauchement.", style="green"))

        types, partial, whole = _split_gaps(t)
        if types or partial:
            tb = table("Lacunes de couverture", ("Type ou besoin", "left"), ("Communes non couvertes", "left"),
                       ("Population", "right"))
            shown, more = _cut(types + partial)
            for g in shown:
                label = Text(g["code"], style="bold" if g["nature"] == "type" else "") + Text(f"\n{g['libelle']}",
                                                                                             style="dim")
                where = "tout le territoire" if g["tout_le_territoire"] else \
                    communes_text(g)
                extra = _gap_suspended(g)
                tb.add_row(label, Text(where) + (Text(f"\n{extra}", style="yellow") if extra else Text("")),
                           f"{fmt_int(g['population'])} ({pct(g['part'])})")
            out.print(tb)
            if more:
                out.print(Text(more, style="dim"))
        if whole:
            out.print(Text("Besoins sans aucun service sur le territoire : ", style="bold")
                      + Text(", ".join(g["code"] for g in whole)))
        if not t["lacunes"]:
            out.print(Text("Aucune lacune de couverture.", style="green"))

        if t["historiques"]:
            tb = table("Dispositifs historiques encore affichés actifs", ("Structure", "left"),
                       ("Raisons", "left"), ("Population", "right"))
            for f in t["historiques"]:
                tb.add_row(Text(f"{f['nom']}\n{f['structure']}"), Text("\n".join(f["raisons"])),
                           fmt_int(f["population"]))
            out.print(tb)

        fr = t["fraicheur"]
        if fr["anciennes"]:
            tb = table("Fiches à revérifier", ("Fiche", "left"), ("Vérification", "left"))
            for f in fr["anciennes"]:
                tb.add_row(Text(f"{f['nom']} ({f['id']})"), Text(_stale_text(f)))
            out.print(tb)
        if fr["sans_contact"]:
            out.print(Text("Sans moyen de contact (téléphone, courriel, site, formulaire) : ", style="bold")
                      + Text(", ".join(f["structure"] for f in fr["sans_contact"])))
        if fr["doublons"]:
            tb = table("Doublons possibles", ("Structures", "left"), ("Raisons", "left"))
            for f in fr["doublons"]:
                a, b = f["structures"]
                tb.add_row(Text(f"{a['id']} ({a['territoire']}) / {b['id']} ({b['territoire']})"),
                           Text(", ".join(f["raisons"])))
            out.print(tb)
        if not (fr["anciennes"] or fr["sans_contact"] or fr["doublons"]):
            out.print(Text("Fiches à jour, joignables, sans doublon.", style="green"))


def _score_text(score: int) -> Any:
    from rich.text import Text

    style = "bold green" if score >= 80 else "bold yellow" if score >= 60 else "bold red"
    return Text(str(score), style=style)


def _validation_note(report: dict[str, Any], emit: Any) -> None:
    v = report["validation"]
    if v["erreurs"]:
        emit(f"Attention : {v['erreurs']} erreur(s) de validation ; les fiches en erreur sont absentes "
             "du rapport (`orienter validate` les liste).")


# --- Markdown -----------------------------------------------------------------------------------


def _md(value: Any) -> str:
    text = " ".join(str(value).split())
    for char, repl in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("*", "\\*"),
                       ("_", "\\_"), ("`", "\\`"), ("[", "\\["), ("]", "\\]")):
        text = text.replace(char, repl)
    return text


def _md_table(head: list[str], rows: Iterable[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return lines + [""]


def markdown(report: dict[str, Any]) -> str:
    L: list[str] = [f"# Rapport de lisibilité des territoires — {fr_date(report['date'])}", ""]
    _validation_note(report, lambda s: L.extend([f"> **{_md(s)}**", ""]))
    top = mixed_banner(report["territoires"])
    if top:
        L += [f"> **FICTIF** — {_md(top)}", ""]
    L += _md_table(["Territoire", "Score", "Chevauchements", "Lacunes (types)", "Lacunes (besoins)",
                    "Historiques", "Anciennes", "Sans contact", "Doublons"],
                   ([t["id"] + (" (FICTIF)" if t["fictif"] else ""), f"{t['score']['total']}/100",
                     s["chevauchements"], s["lacunes_types"], s["lacunes_besoins"], s["historiques"],
                     s["anciennes"], s["sans_contact"], s["doublons"]]
                    for t in report["territoires"] for s in [t["synthese"]]))
    for t in report["territoires"]:
        L += [f"## {_md(t['nom'])} ({_md(t['id'])})", ""]
        if t["fictif"]:
            L += [f"> **FICTIF** — {_md(FICTIF_BANNER)}", ""]
        L += [f"{t['structures']} structure(s), {t['services']} service(s), {fmt_int(t['communes'])} commune(s), "
              f"{fmt_int(t['population'])} habitants.", ""]
        L += [f"### Score de lisibilité : {t['score']['total']}/100", ""]
        L += _md_table(["Partie", "Points", "Explication"],
                       ([p["libelle"], f"{p['points']:g}/{p['poids']}", p["explication"]] for p in t["score"]["parties"]))
        L += ["### Couverture des types clés", ""]
        L += _md_table(["Type", "Services", "Communes couvertes", "Population couverte"],
                       ([f"{r['type']} — {r['libelle']}", r["services"], f"{r['communes']}/{t['communes']}",
                         pct(r["part"])] for r in t["couverture_types"]))
        L += ["### Chevauchements (millefeuille)", ""]
        if t["chevauchements"]:
            shown, more = _cut(t["chevauchements"])
            L += _md_table(["Services", "Pourquoi", "Communes", "Population"],
                           ([_pair(f), _overlap_detail(f), communes_text(f, 15),
                             f"{fmt_int(f['population'])} ({pct(f['part'])})"] for f in shown))
            L += [_md(more), ""] if more else []
        else:
            L += ["Aucun chevauchement.", ""]
        types, partial, whole = _split_gaps(t)
        L += ["### Lacunes de couverture", ""]
        if types or partial:
            L += _md_table(["Type ou besoin", "Communes non couvertes", "Population", "Remarque"],
                           ([f"{g['code']} — {g['libelle']}",
                             "tout le territoire" if g["tout_le_territoire"] else
                             communes_text(g, 15),
                             f"{fmt_int(g['population'])} ({pct(g['part'])})", _gap_suspended(g)]
                            for g in _cut(types + partial)[0]))
            L += [_md(_cut(types + partial)[1]), ""] if _cut(types + partial)[1] else []
        if whole:
            L += ["Besoins sans aucun service sur le territoire : " + ", ".join(_md(g["code"]) for g in whole) + ".", ""]
        if not t["lacunes"]:
            L += ["Aucune lacune.", ""]
        L += ["### Dispositifs historiques encore affichés actifs", ""]
        if t["historiques"]:
            L += _md_table(["Structure", "Raisons", "Population"],
                           ([f"{f['nom']} ({f['structure']})", " ; ".join(f["raisons"]), fmt_int(f["population"])]
                            for f in t["historiques"]))
        else:
            L += ["Aucun.", ""]
        fr = t["fraicheur"]
        L += ["### Fraîcheur, contacts, doublons", ""]
        if fr["anciennes"]:
            L += _md_table(["Fiche", "Vérification"], ([f"{f['nom']} ({f['id']})", _stale_text(f)] for f in fr["anciennes"]))
        if fr["sans_contact"]:
            L += ["Sans moyen de contact : " + ", ".join(_md(f["structure"]) for f in fr["sans_contact"]) + ".", ""]
        if fr["doublons"]:
            L += _md_table(["Structures", "Raisons"],
                           ([" / ".join(f"{s['id']} ({s['territoire']})" for s in f["structures"]),
                             ", ".join(f["raisons"])] for f in fr["doublons"]))
        if not (fr["anciennes"] or fr["sans_contact"] or fr["doublons"]):
            L += ["Fiches à jour, joignables, sans doublon.", ""]
    L += ["---", "", "Généré par `orienter rapport`. Les poids du score et les règles des diagnostics sont "
          "décrits dans `orienter/checks.py`.", ""]
    return "\n".join(L)


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
:root { --ink:#1d2733; --muted:#5b6b7c; --line:#d8dee5; --ok:#2e7d32; --warn:#e08a00; --bad:#c62828;
        --accent:#1f5f99; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0; background: #f6f8fa; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 40px 0 8px; padding-top: 16px; border-top: 3px solid var(--accent); }
h3 { font-size: 1.05rem; margin: 22px 0 8px; color: var(--accent); }
.meta, .muted { color: var(--muted); font-size: .9rem; }
.fictif { background: #ffd600; color: #000; border: 3px solid #000; padding: 10px 14px; font-weight: 700;
          margin: 12px 0; letter-spacing: .01em; }
.fictif b { background: #000; color: #ffd600; padding: 1px 8px; margin-right: 8px; }
.tag { display: inline-block; background: #ffd600; color: #000; font-weight: 700; font-size: .75rem;
       padding: 0 6px; border: 1px solid #000; vertical-align: middle; }
.alert { background: #fdecea; border-left: 4px solid var(--bad); padding: 8px 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.score { font-size: 1.9rem; font-weight: 700; }
.s-ok { color: var(--ok); } .s-warn { color: var(--warn); } .s-bad { color: var(--bad); }
.ok { color: var(--ok); }
.charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
figure { margin: 0; max-width: 100%; overflow-x: auto; }
figcaption { font-size: .85rem; color: var(--muted); margin-top: 4px; max-width: 640px; }
svg text { font-family: inherit; }
.small { font-size: .82rem; }
footer { margin-top: 40px; font-size: .82rem; color: var(--muted); }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _score_class(score: float) -> str:
    return "s-ok" if score >= 80 else "s-warn" if score >= 60 else "s-bad"


def _bar_color(part: float) -> str:
    return "#2e7d32" if part >= 0.999 else "#e08a00" if part > 0 else "#c62828"


def svg_scores(territories: list[dict[str, Any]]) -> str:
    """Horizontal bars: the score of each territory."""
    row, left, width = 26, 190, 420
    h = 30 + row * len(territories)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{h}" role="img" '
             f'aria-label="Score de lisibilité par territoire">']
    for x in (0, 50, 80, 100):
        gx = left + width * x / 100
        parts.append(f'<line x1="{gx:.1f}" y1="18" x2="{gx:.1f}" y2="{h - 4}" stroke="#d8dee5"/>'
                     f'<text x="{gx:.1f}" y="12" font-size="10" text-anchor="middle" fill="#5b6b7c">{x}</text>')
    for i, t in enumerate(territories):
        y = 22 + i * row
        score = t["score"]["total"]
        color = "#2e7d32" if score >= 80 else "#e08a00" if score >= 60 else "#c62828"
        name = t["id"] + (" (FICTIF)" if t["fictif"] else "")
        parts.append(f'<text x="{left - 8}" y="{y + 14}" font-size="12" text-anchor="end">{_e(name)}</text>'
                     f'<rect x="{left}" y="{y}" width="{width * score / 100:.1f}" height="18" fill="{color}">'
                     f'<title>{_e(t["id"])} : {score}/100</title></rect>'
                     f'<text x="{left + width * score / 100 + 6:.1f}" y="{y + 14}" font-size="12">{score}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_coverage(t: dict[str, Any]) -> str:
    """Horizontal bars: share of the perimeter population covered, per key type."""
    rows = t["couverture_types"]
    row, left, width = 24, 70, 360
    h = 34 + row * len(rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{h}" role="img" '
             f'aria-label="Couverture des types clés, {_e(t["id"])}">']
    for x in (0, 25, 50, 75, 100):
        gx = left + width * x / 100
        parts.append(f'<line x1="{gx:.1f}" y1="18" x2="{gx:.1f}" y2="{h - 10}" stroke="#e3e8ee"/>'
                     f'<text x="{gx:.1f}" y="12" font-size="10" text-anchor="middle" fill="#5b6b7c">{x} %</text>')
    for i, r in enumerate(rows):
        y = 22 + i * row
        w = width * r["part"]
        label = pct(r["part"]) if r["part"] > 0 else "absent"
        parts.append(f'<text x="{left - 8}" y="{y + 13}" font-size="12" text-anchor="end">{_e(r["type"])}</text>'
                     f'<rect x="{left}" y="{y}" width="{width}" height="17" fill="#f1f3f5"/>'
                     f'<rect x="{left}" y="{y}" width="{w:.1f}" height="17" fill="{_bar_color(r["part"])}">'
                     f'<title>{_e(r["type"])} — {_e(r["libelle"])} : {r["services"]} service(s), '
                     f'{r["communes"]}/{t["communes"]} communes, {_e(pct(r["part"]))} de la population</title></rect>'
                     f'<text x="{left + width + 6}" y="{y + 13}" font-size="11" '
                     f'fill="{_bar_color(r["part"])}">{_e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _heat(part: float, count: int) -> str:
    if count == 0:
        return "#ffffff"
    # white -> deep blue, on the share of the population covered
    lo, hi = (232, 240, 250), (21, 78, 145)
    k = 0.25 + 0.75 * max(0.0, min(1.0, part))
    return "#%02x%02x%02x" % tuple(round(a + (b - a) * k) for a, b in zip(lo, hi))


def svg_matrix(t: dict[str, Any]) -> str:
    """Heat map needs x types: colour = share of the population covered, number = services.
    A dashed red cell is a pair the vocabulary expects (the type answers that need) but that no
    available service provides here."""
    m = t["matrice"]
    needs, types, cells = m["besoins"], m["types"], m["cellules"]
    cw, ch, left, top = 24, 18, 290, 64
    width = left + cw * len(types) + 40  # room for the last rotated column label
    height = top + ch * len(needs) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Besoins par types de service, {_e(t["id"])}">']
    for j, ty in enumerate(types):
        x = left + j * cw + cw / 2
        parts.append(f'<text transform="translate({x + 4:.1f},{top - 6}) rotate(-50)" font-size="11">'
                     f'<title>{_e(ty["libelle"])}</title>{_e(ty["code"])}</text>')
    for i, need in enumerate(needs):
        y = top + i * ch
        label = need["libelle"] if len(need["libelle"]) <= 44 else need["libelle"][:43] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
                     f'<title>{_e(need["code"])} — {_e(need["libelle"])}</title>{_e(label)}</text>')
        for j, ty in enumerate(types):
            c = cells[i][j]
            x = left + j * cw
            tip = (f'{need["code"]} × {ty["code"]} : {c["services"]} service(s), '
                   f'{pct(c["part"])} de la population couverte')
            if c["attendu"] and c["services"] == 0:
                tip += " — attendu par le vocabulaire, absent"
                stroke = 'stroke="#c62828" stroke-width="1.5" stroke-dasharray="3 2"'
            else:
                stroke = 'stroke="#e3e8ee"'
            # empty cells the vocabulary does not expect carry no tooltip: most of the grid, and
            # the page stays small
            title = f"<title>{_e(tip)}</title>" if c["services"] or c["attendu"] else ""
            parts.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" '
                         f'fill="{_heat(c["part"], c["services"])}" {stroke}>{title}</rect>')
            if c["services"]:
                color = "#ffffff" if c["part"] > 0.45 else "#1d2733"
                parts.append(f'<text x="{x + cw / 2:.1f}" y="{y + 13}" font-size="10" text-anchor="middle" '
                             f'fill="{color}">{c["services"]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_table(head: list[str], rows: Iterable[list[Any]], num: Iterable[int] = (),
                nowrap: Iterable[int] = ()) -> str:
    numeric, keep = set(num), set(nowrap)

    def cls(i: int) -> str:
        names = (["num"] if i in numeric else []) + (["nowrap"] if i in keep else [])
        return f' class="{" ".join(names)}"' if names else ""

    out = ["<table><thead><tr>"]
    out += [f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td{cls(i)}>{_e(c)}</td>" for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _banner_html(text: str = FICTIF_BANNER) -> str:
    return f'<div class="fictif" role="alert"><b>FICTIF</b>{_e(text)}</div>'


def mixed_banner(territories: list[dict[str, Any]]) -> str | None:
    """The banner at the top of a report: all fictional, or which ones are."""
    fictional = [t["id"] for t in territories if t["fictif"]]
    if not fictional:
        return None
    if len(fictional) == len(territories):
        return FICTIF_BANNER
    return (f"ce rapport contient {len(fictional)} territoire(s) FICTIF(S) de formation ({', '.join(fictional)}) : "
            "leurs structures n'existent pas, ne les contactez pas.")


def html_page(report: dict[str, Any]) -> str:
    ts = report["territoires"]
    H: list[str] = ["<!DOCTYPE html>", '<html lang="fr"><head><meta charset="utf-8">',
                    '<meta name="viewport" content="width=device-width, initial-scale=1">',
                    f"<title>Rapport de lisibilité — {_e(fr_date(report['date']))}</title>",
                    f"<style>{_CSS}</style></head><body><main>",
                    "<h1>Rapport de lisibilité des territoires</h1>",
                    f'<p class="meta">Généré par <code>orienter rapport</code> le {_e(fr_date(report["date"]))} · '
                    f"{len(ts)} territoire(s)</p>"]
    _validation_note(report, lambda s: H.append(f'<p class="alert">{_e(s)}</p>'))
    top = mixed_banner(ts)
    if top:
        H.append(_banner_html(top))
    if ts:
        H.append("<h3>Synthèse</h3>")
        if len(ts) > 1:
            H.append(f"<figure>{svg_scores(ts)}<figcaption>Score de lisibilité sur 100 (vert : 80 et plus, "
                     "orange : 60 à 79, rouge : moins de 60).</figcaption></figure>")
        H.append(_html_table(
            ["Territoire", "Score", "Chevauchements", "Lacunes (types)", "Lacunes (besoins)", "Historiques",
             "Anciennes", "Sans contact", "Doublons"],
            ([t["id"] + (" (FICTIF)" if t["fictif"] else ""), f"{t['score']['total']}/100", s["chevauchements"],
              s["lacunes_types"], s["lacunes_besoins"], s["historiques"], s["anciennes"], s["sans_contact"],
              s["doublons"]] for t in ts for s in [t["synthese"]]), num=range(1, 9), nowrap=[0]))
    for t in ts:
        H.append(f'<section id="{_e(t["id"])}">')
        tag = ' <span class="tag">FICTIF</span>' if t["fictif"] else ""
        H.append(f"<h2>{_e(t['nom'])} <span class=muted>({_e(t['id'])})</span>{tag}</h2>")
        if t["fictif"]:
            H.append(_banner_html())
        score = t["score"]["total"]
        H.append(f'<p><span class="score {_score_class(score)}">{score}/100</span> '
                 f'<span class="muted">score de lisibilité · {t["structures"]} structure(s), {t["services"]} '
                 f'service(s), {_e(fmt_int(t["communes"]))} commune(s), {_e(fmt_int(t["population"]))} '
                 f"habitants</span></p>")
        H.append(_html_table(["Partie", "Points", "Explication"],
                             ([p["libelle"], f"{p['points']:g}/{p['poids']}", p["explication"]]
                              for p in t["score"]["parties"]), num=[1]))
        H.append('<div class="charts">')
        H.append(f"<figure>{svg_coverage(t)}<figcaption>Couverture des types clés : part de la population du "
                 "périmètre couverte par au moins un service disponible (services d'autres territoires "
                 "compris).</figcaption></figure>")
        H.append("</div>")
        H.append("<h3>Besoins × types de service</h3>")
        H.append(f"<figure>{svg_matrix(t)}<figcaption>Couleur : part de la population couverte ; chiffre : "
                 "nombre de services disponibles. Cadre rouge pointillé : le vocabulaire attend ce type pour ce "
                 "besoin, aucun service ne le propose ici.</figcaption></figure>")

        H.append("<h3>Chevauchements (millefeuille)</h3>")
        if t["chevauchements"]:
            H.append(_html_table(["Services", "Pourquoi", "Communes concernées", "Population"],
                                 ([_pair(f), _overlap_detail(f),
                                   communes_text(f, 15),
                                   f"{fmt_int(f['population'])} ({pct(f['part'])})"]
                                  for f in _cut(t["chevauchements"])[0]), num=[3]))
            if _cut(t["chevauchements"])[1]:
                H.append(f'<p class="muted">{_e(_cut(t["chevauchements"])[1])}</p>')
        else:
            H.append('<p class="ok">Aucun chevauchement.</p>')
        types, partial, whole = _split_gaps(t)
        H.append("<h3>Lacunes de couverture</h3>")
        if types or partial:
            H.append(_html_table(["Type ou besoin", "Communes non couvertes", "Population", "Remarque"],
                                 ([f"{g['code']} — {g['libelle']}",
                                   "tout le territoire" if g["tout_le_territoire"] else
                                   communes_text(g, 15),
                                   f"{fmt_int(g['population'])} ({pct(g['part'])})", _gap_suspended(g)]
                                  for g in _cut(types + partial)[0]), num=[2]))
            if _cut(types + partial)[1]:
                H.append(f'<p class="muted">{_e(_cut(types + partial)[1])}</p>')
        if whole:
            H.append("<p><strong>Besoins sans aucun service sur le territoire :</strong> "
                     + _e(", ".join(g["libelle"] for g in whole)) + ".</p>")
        if not t["lacunes"]:
            H.append('<p class="ok">Aucune lacune.</p>')
        H.append("<h3>Dispositifs historiques encore affichés actifs</h3>")
        if t["historiques"]:
            H.append(_html_table(["Structure", "Raisons", "Population"],
                                 ([f"{f['nom']} ({f['structure']})", " ; ".join(f["raisons"]),
                                   fmt_int(f["population"])] for f in t["historiques"]), num=[2]))
        else:
            H.append('<p class="ok">Aucun.</p>')
        fr = t["fraicheur"]
        H.append("<h3>Fraîcheur, contacts, doublons</h3>")
        if fr["anciennes"]:
            H.append(_html_table(["Fiche à revérifier", "Vérification"],
                                 ([f"{f['nom']} ({f['id']})", _stale_text(f)] for f in fr["anciennes"])))
        if fr["sans_contact"]:
            H.append("<p><strong>Sans moyen de contact :</strong> "
                     + _e(", ".join(f"{f['nom']} ({f['structure']})" for f in fr["sans_contact"])) + ".</p>")
        if fr["doublons"]:
            H.append(_html_table(["Structures", "Raisons"],
                                 ([" / ".join(f"{s['nom']} ({s['id']}, {s['territoire']})" for s in f["structures"]),
                                   ", ".join(f["raisons"])] for f in fr["doublons"])))
        if not (fr["anciennes"] or fr["sans_contact"] or fr["doublons"]):
            H.append('<p class="ok">Fiches à jour, joignables, sans doublon.</p>')
        H.append("</section>")
    H.append("<footer>Les poids du score et les règles des diagnostics sont décrits dans "
             "<code>orienter/checks.py</code>. Page autonome : aucune ressource externe.</footer>")
    H.append("</main></body></html>")
    return "\n".join(H) + "\n"


# --- graph (terminal) ---------------------------------------------------------------------------


def graph_tree(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text
    from rich.tree import Tree

    out = Console(highlight=False, soft_wrap=False)
    if data["fictif"]:
        out.print(Panel(Text(f"FICTIF — {FICTIF_BANNER}", style="bold black on yellow"), border_style="yellow"))
    if data["note"]:
        out.print(Text(data["note"] + ".", style="bold yellow"))
    if not data["territoires"]:
        out.print(Text("Aucun service ne correspond à ces filtres" + (f" ({data['filtres']})" if data["filtres"] else "")
                       + "."))
        return
    for t in data["territoires"]:
        root = Tree(Text(t["nom"], style="bold"))
        for s in t["structures"]:
            style = "" if s["statut"] in ("actif", "suspendu") else "dim strike"
            node = root.add(Text(s["nom"], style=style) + Text(f"  {s['id']}", style="dim")
                            + (Text(f"  [{s['statut']}]", style="dim") if s["statut"] != "actif" else Text("")))
            for sv in s["services"]:
                leaf = node.add(Text(f"{sv['type']} · ", style="bold") + Text(sv["nom"])
                                + (Text(f"  [{sv['statut']}]", style="dim") if sv["statut"] != "actif" else Text("")))
                if sv["besoins"]:
                    leaf.add(Text("répond à : " + ", ".join(sv["besoins"]), style="cyan"))
        out.print(root)
    if data["liens"]:
        out.print(Text("Liens entre structures :", style="bold"))
        for link in data["liens"]:
            out.print(Text(f"  {link['de']} — {link['relation']} → {link['vers']}"
                           + (" (autre territoire)" if link["externe"] else "")))
    out.print(Text(f"{data['noeuds']} nœud(s), {data['aretes']} lien(s). Exports : --format mermaid, dot, "
                   "graphml ou json.", style="dim"))
