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
               "absorption": "l'une a absorbé l'autre"}
SANS_OBJET = "s.o."
# Services named per overlap in the human formats (JSON names them all).
MAX_SERVICES = 4


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


def _services_text(f: dict[str, Any], limit: int = MAX_SERVICES) -> str:
    """"A (structure) / B (structure) … et N autre(s)": the services of an overlap."""
    shown = [f"{s['nom']} ({s['structure']})" for s in f["services"][:limit]]
    more = len(f["services"]) - len(shown)
    return " / ".join(shown) + (f" … et {more} autre(s)" if more > 0 else "")


def _overlap_detail(f: dict[str, Any]) -> str:
    bits = [_KIND_LABEL[f["nature"]] + " : " + " / ".join(f["types"])]
    if f["besoins"]:
        bits.append("besoins " + ", ".join(f["besoins"]))
    if f["publics"]:
        bits.append("publics " + ", ".join(f["publics"]))
    if f.get("multiplicite_max", 2) > 2:
        bits.append(f"jusqu'à {f['multiplicite_max']} services sur une même commune")
    for link in f.get("liens", []):
        a, b = link["structures"]
        bits.append(f"{_LINK_LABEL.get(link['lien'], link['lien'])} ({a}, {b})")
    return " ; ".join(bits)


def score_text(t: dict[str, Any]) -> str:
    """"72/100", or "s.o." for the national layer, which has no local-coverage score."""
    total = t["score"]["total"]
    return SANS_OBJET if total is None else f"{total}/100"


def territory_name(t: dict[str, Any]) -> str:
    return t["id"] + (" (FICTIF)" if t["fictif"] else "") + (" (couche nationale)" if t.get("national") else "")


def summary_cells(t: dict[str, Any]) -> list[Any]:
    """The row of the synthesis table: territory, score, overlaps, gaps (types, needs), legacy,
    stale, without contact, duplicates, situations answered; "s.o." where a figure does not apply."""
    s = t["synthese"]
    local = not t.get("national")
    cov = t.get("couverture")
    return [territory_name(t), score_text(t), s["chevauchements"] if local else SANS_OBJET,
            s["lacunes_types"] if local else SANS_OBJET, s["lacunes_besoins"] if local else SANS_OBJET,
            s["historiques"], s["anciennes"], s["sans_contact"], s["doublons"],
            f"{cov['situations_repondues']}/{len(cov['situations'])}" if cov else SANS_OBJET]


SUMMARY_HEAD = ["Territoire", "Score", "Chevauchements", "Lacunes (types)", "Lacunes (besoins)", "Historiques",
                "Anciennes", "Sans contact", "Doublons", "Situations"]


def contacts_text(t: dict[str, Any]) -> str:
    c = t["contacts"]
    return (f"{c['contact_source']}/{c['services']} service(s) joignable(s) par un contact sourcé (téléphone, "
            f"courriel ou site avec sa source) ; {c['avec_contact']}/{c['services']} avec un moyen de contact ; "
            f"{c['structures_avec_source']}/{c['structures']} structure(s) avec une source")


def key_types_text(t: dict[str, Any]) -> str:
    k = t["couverture"]["types_cles"]
    text = f"{k['presents']}/{k['total']} types clés des quatre situations présents"
    return text + (f" ; absents : {', '.join(k['absents'])}" if k["absents"] else "")


def situation_status(row: dict[str, Any]) -> str:
    """One situation of the coverage summary, in words: who answers, or why nobody does."""
    if not row["repond"]:
        return "non : " + row["raison"]
    names = ", ".join(f"{s['nom']} ({s['type']})" for s in row["exemples"][:2])
    more = row["services"] - min(2, len(row["exemples"]))
    text = f"oui : {names}" + (f" et {more} autre(s)" if more > 0 else "")
    return text + (f" ; {row['note']}" if row.get("note") else "") + f" ; {pct(row['part'])} de la population"


def national_line_cells(line: dict[str, Any]) -> list[str]:
    return [f"{line['nom']} ({line['id']})", line["type"], line["telephone"] or "—",
            "oui" if line["contact_source"] else "non", fr_date(line["derniere_verification"])]


NATIONAL_HEAD = ["Ligne", "Type", "Téléphone", "Contact sourcé", "Vérifiée le"]


def _gap_remote(g: dict[str, Any]) -> str:
    if not g.get("nationaux"):
        return ""
    return "à distance (couche nationale, ne comble pas la lacune) : " + ", ".join(s["nom"] for s in g["nationaux"])


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
    bits = ["suspendu : " + ", ".join(s["id"] for s in g["suspendus"])] if g["suspendus"] else []
    remote = _gap_remote(g)
    return " ; ".join(bits + ([remote] if remote else []))


# --- terminal -----------------------------------------------------------------------------------


def terminal(report: dict[str, Any]) -> None:
    from rich import box
    from orienter.render.terminal import PipeConsole
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    out = PipeConsole(highlight=False, soft_wrap=False)

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
                    ("Doubl.", "right"), ("Sit.", "right"))
    for col in summary.columns:
        col.no_wrap = True
        col.overflow = "ellipsis"
    summary.box = box.SIMPLE_HEAD  # no vertical rules: nine columns fit in 80
    summary.pad_edge = False
    for t in report["territoires"]:
        c = summary_cells(t)
        name = Text(t["id"]) + (Text(" FICTIF", style="bold black on yellow") if t["fictif"] else Text("")) \
            + (Text(" couche nationale", style="dim") if t.get("national") else Text(""))
        score = _score_text(t["score"]["total"])
        gaps = SANS_OBJET if t.get("national") else f"{c[3]}/{c[4]}"
        summary.add_row(name, score, str(c[2]), gaps, *(str(x) for x in c[5:]))
    out.print(summary)
    out.print(Text("Chev. : chevauchements · Lac. : lacunes (types clés/besoins) · Hist. : dispositifs "
                   "historiques actifs · Anc. : fiches anciennes · Contact : structures sans contact · "
                   "Doubl. : doublons possibles · Sit. : situations (sur 4) où un service local répond avec un "
                   "contact sourcé · s.o. : sans objet", style="dim"))

    for t in report["territoires"]:
        out.print()
        out.print(Rule(Text(f"{t['nom']} ({t['id']})", style="bold"), align="left"))
        if t["fictif"]:
            banner()
        out.print(Text(f"{t['structures']} structure(s), {t['services']} service(s), {fmt_int(t['communes'])} "
                       f"commune(s), {fmt_int(t['population'])} habitants"))
        if t.get("national"):
            out.print(Text(t["score"]["sans_objet"], style="bold"))
            out.print(Text(contacts_text(t)))
            tb = table("Lignes et services nationaux", *((h, "left") for h in NATIONAL_HEAD))
            for line in t["lignes"]:
                tb.add_row(*(Text(x) for x in national_line_cells(line)))
            out.print(tb)
        else:
            sc = table(f"Score de lisibilité : {t['score']['total']}/100", ("Partie", "left"), ("Points", "right"),
                       ("Explication", "left"))
            for p in t["score"]["parties"]:
                sc.add_row(Text(p["libelle"]), f"{p['points']:g}/{p['poids']}", Text(p["explication"]))
            out.print(sc)
            tb = table("Quatre situations : un service local répond-il, avec un contact sourcé ?",
                       ("Situation", "left"), ("Réponse locale", "left"))
            for row in t["couverture"]["situations"]:
                tb.add_row(Text(row["libelle"]), Text(situation_status(row),
                                                      style="" if row["repond"] else "yellow"))
            out.print(tb)
            out.print(Text(key_types_text(t) + ". " + contacts_text(t) + "."))

            if t["chevauchements"]:
                tb = table("Chevauchements (millefeuille)", ("Services", "left"), ("Pourquoi", "left"),
                           ("Communes", "left"), ("Population", "right"))
                shown, more = _cut(t["chevauchements"])
                for f in shown:
                    tb.add_row(Text(_services_text(f)), Text(_overlap_detail(f)),
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
                    label = Text(g["code"], style="bold" if g["nature"] == "type" else "") + \
                        Text(f"\n{g['libelle']}", style="dim")
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
            shown, more = _cut(fr["anciennes"])
            for f in shown:
                tb.add_row(Text(f"{f['nom']} ({f['id']})"), Text(_stale_text(f)))
            out.print(tb)
            if more:
                out.print(Text(more, style="dim"))
        if fr["sans_contact"]:
            out.print(Text("Sans moyen de contact (téléphone, courriel, site, formulaire) : ", style="bold")
                      + Text(", ".join(f["structure"] for f in fr["sans_contact"])))
        if fr["doublons"]:
            tb = table("Doublons possibles", ("Structures", "left"), ("Raisons", "left"))
            shown, more = _cut(fr["doublons"])
            for f in shown:
                a, b = f["structures"]
                tb.add_row(Text(f"{a['id']} ({a['territoire']}) / {b['id']} ({b['territoire']})"),
                           Text(", ".join(f["raisons"])))
            out.print(tb)
            if more:
                out.print(Text(more, style="dim"))
        if not (fr["anciennes"] or fr["sans_contact"] or fr["doublons"]):
            out.print(Text("Fiches à jour, joignables, sans doublon.", style="green"))


def _score_text(score: int | None) -> Any:
    from rich.text import Text

    if score is None:
        return Text(SANS_OBJET)
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


def _md_local(t: dict[str, Any]) -> list[str]:
    """The sections of a local territory: score, the four situations, coverage, overlaps, gaps."""
    L = [f"### Score de lisibilité : {t['score']['total']}/100", ""]
    L += _md_table(["Partie", "Points", "Explication"],
                   ([p["libelle"], f"{p['points']:g}/{p['poids']}", p["explication"]] for p in t["score"]["parties"]))
    L += ["### Quatre situations : un service local répond-il, avec un contact sourcé ?", ""]
    L += _md_table(["Situation", "Réponse locale"],
                   ([row["libelle"], situation_status(row)] for row in t["couverture"]["situations"]))
    L += [_md(key_types_text(t)) + ". " + _md(contacts_text(t)) + ".", ""]
    L += ["### Couverture des types clés", ""]
    L += _md_table(["Type", "Services", "Communes couvertes", "Population couverte"],
                   ([f"{r['type']} — {r['libelle']}", r["services"], f"{r['communes']}/{t['communes']}",
                     pct(r["part"])] for r in t["couverture_types"]))
    L += ["### Chevauchements (millefeuille)", ""]
    if t["chevauchements"]:
        shown, more = _cut(t["chevauchements"])
        L += _md_table(["Services", "Pourquoi", "Communes", "Population"],
                       ([_services_text(f), _overlap_detail(f), communes_text(f, 15),
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
    return L


def markdown(report: dict[str, Any]) -> str:
    L: list[str] = [f"# Rapport de lisibilité des territoires — {fr_date(report['date'])}", ""]
    _validation_note(report, lambda s: L.extend([f"> **{_md(s)}**", ""]))
    top = mixed_banner(report["territoires"])
    if top:
        L += [f"> **FICTIF** — {_md(top)}", ""]
    L += _md_table(SUMMARY_HEAD, (summary_cells(t) for t in report["territoires"]))
    L += ["Situations : les quatre situations (sur 4) où un service local répond avec un contact sourcé ; "
          "s.o. : sans objet.", ""]
    for t in report["territoires"]:
        L += [f"## {_md(t['nom'])} ({_md(t['id'])})", ""]
        if t["fictif"]:
            L += [f"> **FICTIF** — {_md(FICTIF_BANNER)}", ""]
        L += [f"{t['structures']} structure(s), {t['services']} service(s), {fmt_int(t['communes'])} commune(s), "
              f"{fmt_int(t['population'])} habitants.", ""]
        if t.get("national"):
            L += ["### Couche nationale", "", _md(t["score"]["sans_objet"]), "", _md(contacts_text(t)) + ".", ""]
            L += _md_table(NATIONAL_HEAD, (national_line_cells(line) for line in t["lignes"]))
        else:
            L += _md_local(t)
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
            L += _md_table(["Fiche", "Vérification"],
                           ([f"{f['nom']} ({f['id']})", _stale_text(f)] for f in _cut(fr["anciennes"])[0]))
            L += [_md(_cut(fr["anciennes"])[1]), ""] if _cut(fr["anciennes"])[1] else []
        if fr["sans_contact"]:
            L += ["Sans moyen de contact : " + ", ".join(_md(f["structure"]) for f in fr["sans_contact"]) + ".", ""]
        if fr["doublons"]:
            L += _md_table(["Structures", "Raisons"],
                           ([" / ".join(f"{s['id']} ({s['territoire']})" for s in f["structures"]),
                             ", ".join(f["raisons"])] for f in _cut(fr["doublons"])[0]))
            L += [_md(_cut(fr["doublons"])[1]), ""] if _cut(fr["doublons"])[1] else []
        if not (fr["anciennes"] or fr["sans_contact"] or fr["doublons"]):
            L += ["Fiches à jour, joignables, sans doublon.", ""]
    L += ["---", "", "Généré par `orienter rapport`. Les poids du score et les règles des diagnostics sont "
          "décrits dans `orienter/directory/checks.py`.", ""]
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


def _html_head(t: dict[str, Any], score: str) -> str:
    return (f'<p>{score}<span class="muted">{t["structures"]} structure(s), {t["services"]} '
            f'service(s), {_e(fmt_int(t["communes"]))} commune(s), {_e(fmt_int(t["population"]))} '
            f"habitants</span></p>")


def _html_national(t: dict[str, Any]) -> list[str]:
    """The national layer: its lines, sources and contacts; no local-coverage score."""
    H = [_html_head(t, '<span class="tag">COUCHE NATIONALE</span> '),
         f'<p class="alert">{_e(t["score"]["sans_objet"])}</p>',
         f"<p>{_e(contacts_text(t))}.</p>",
         "<h3>Lignes et services nationaux</h3>",
         _html_table(NATIONAL_HEAD, (national_line_cells(line) for line in t["lignes"]), nowrap=[2])]
    return H


def _html_local(t: dict[str, Any]) -> list[str]:
    score = t["score"]["total"]
    H = [_html_head(t, f'<span class="score {_score_class(score)}">{score}/100</span> '
                       '<span class="muted">score de lisibilité · </span>')]
    H.append(_html_table(["Partie", "Points", "Explication"],
                         ([p["libelle"], f"{p['points']:g}/{p['poids']}", p["explication"]]
                          for p in t["score"]["parties"]), num=[1]))
    H.append("<h3>Quatre situations : un service local répond-il, avec un contact sourcé ?</h3>")
    H.append(_html_table(["Situation", "Réponse locale"],
                         ([row["libelle"], situation_status(row)] for row in t["couverture"]["situations"])))
    H.append(f"<p>{_e(key_types_text(t))}. {_e(contacts_text(t))}.</p>")
    H.append('<div class="charts">')
    H.append(f"<figure>{svg_coverage(t)}<figcaption>Couverture des types clés : part de la population du "
             "périmètre couverte par au moins un service local disponible (services d'autres territoires "
             "compris, couche nationale exclue).</figcaption></figure>")
    H.append("</div>")
    H.append("<h3>Besoins × types de service</h3>")
    H.append(f"<figure>{svg_matrix(t)}<figcaption>Couleur : part de la population couverte ; chiffre : "
             "nombre de services disponibles. Cadre rouge pointillé : le vocabulaire attend ce type pour ce "
             "besoin, aucun service ne le propose ici.</figcaption></figure>")

    H.append("<h3>Chevauchements (millefeuille)</h3>")
    if t["chevauchements"]:
        H.append(_html_table(["Services", "Pourquoi", "Communes concernées", "Population"],
                             ([_services_text(f), _overlap_detail(f),
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
    return H


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
        scored = [t for t in ts if t["score"]["total"] is not None]
        if len(scored) > 1:
            H.append(f"<figure>{svg_scores(scored)}<figcaption>Score de lisibilité sur 100 (vert : 80 et plus, "
                     "orange : 60 à 79, rouge : moins de 60).</figcaption></figure>")
        H.append(_html_table(SUMMARY_HEAD, (summary_cells(t) for t in ts), num=range(1, 10), nowrap=[0]))
        H.append('<p class="muted">Situations : les quatre situations (sur 4) où un service local répond avec un '
                 "contact sourcé ; s.o. : sans objet.</p>")
    for t in ts:
        H.append(f'<section id="{_e(t["id"])}">')
        tag = ' <span class="tag">FICTIF</span>' if t["fictif"] else ""
        H.append(f"<h2>{_e(t['nom'])} <span class=muted>({_e(t['id'])})</span>{tag}</h2>")
        if t["fictif"]:
            H.append(_banner_html())
        H += _html_national(t) if t.get("national") else _html_local(t)
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
                                 ([f"{f['nom']} ({f['id']})", _stale_text(f)] for f in _cut(fr["anciennes"])[0])))
            if _cut(fr["anciennes"])[1]:
                H.append(f'<p class="muted">{_e(_cut(fr["anciennes"])[1])}</p>')
        if fr["sans_contact"]:
            H.append("<p><strong>Sans moyen de contact :</strong> "
                     + _e(", ".join(f"{f['nom']} ({f['structure']})" for f in fr["sans_contact"])) + ".</p>")
        if fr["doublons"]:
            H.append(_html_table(["Structures", "Raisons"],
                                 ([" / ".join(f"{s['nom']} ({s['id']}, {s['territoire']})" for s in f["structures"]),
                                   ", ".join(f["raisons"])] for f in _cut(fr["doublons"])[0])))
            if _cut(fr["doublons"])[1]:
                H.append(f'<p class="muted">{_e(_cut(fr["doublons"])[1])}</p>')
        if not (fr["anciennes"] or fr["sans_contact"] or fr["doublons"]):
            H.append('<p class="ok">Fiches à jour, joignables, sans doublon.</p>')
        H.append("</section>")
    H.append("<footer>Les poids du score et les règles des diagnostics sont décrits dans "
             "<code>orienter/directory/checks.py</code>. Page autonome : aucune ressource externe.</footer>")
    H.append("</main></body></html>")
    return "\n".join(H) + "\n"


# --- graph (terminal) ---------------------------------------------------------------------------


def graph_tree(data: dict[str, Any]) -> None:
    from orienter.render.terminal import PipeConsole
    from rich.panel import Panel
    from rich.text import Text
    from rich.tree import Tree

    out = PipeConsole(highlight=False, soft_wrap=False)
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
