"""The printable orientation sheet (issue 13.2), `--output` (issue 12.4), and outputs that
neutralise hostile directory data (issue 12.5).

Fast, no browser: the HTML is checked as text (structure, escaping, no external request). The
page was also looked at in headless Chromium and printed to PDF (two A4 pages for the shipped
example); see orienter/render/sheet.py.
"""

from __future__ import annotations

import json
import os
import re
import stat
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import MINIMAL_STRUCTURE, MINIMAL_TERRITOIRE, write_tree
from orienter.cli.app import app

ORLEANS = "45234"
CASE = "Femme de 84 ans, vit seule, chutes répétées, troubles de mémoire, fille épuisée"
EMERGENCY = "douleur thoracique brutale depuis 20 minutes, vit seul"
runner = CliRunner()


def run(*args: object, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def ok(*args: object) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def orientation() -> dict:
    return json.loads(ok("suggest", "--commune", ORLEANS, "--age", "84", "--format", "json", CASE))


@pytest.fixture(scope="module")
def page() -> str:
    return ok("suggest", "--commune", ORLEANS, "--age", "84", "--format", "html", CASE)


class Links(HTMLParser):
    """Every attribute that could make a browser fetch or navigate, and the tags used."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data", "background", "xlink:href"):
                self.urls.append((tag, name, value or ""))


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


# --- the sheet ---------------------------------------------------------------------------------


def test_html_sheet_is_self_contained(page: str, orientation: dict) -> None:
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert "@page { size: A4" in page and "<style>" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    links = parse(page)
    assert not {"script", "img", "link", "iframe", "object", "embed", "svg", "form"} & links.tags
    assert not re.search(r"url\(|@import", page)
    sites = {s["contact"]["site"] for s in orientation["suggestions"] if s["contact"]["site"]}
    for tag, attr, value in links.urls:
        assert (tag, attr) == ("a", "href"), (tag, attr, value)
        assert value.startswith(("mailto:", "tel:")) or value in sites, value
    assert {value for _, _, value in links.urls} & sites  # the services' own sites are plain links


def test_html_sheet_says_what_a_gp_hands_over(page: str, orientation: dict) -> None:
    today = re.search(r"Établie le <strong>(\d{2}/\d{2}/\d{4})</strong>", page)
    assert today, "date de la fiche"
    assert "Orléans (45234)" in page
    for need in orientation["besoins"]:
        assert need["libelle"].replace("'", "&#x27;") in page
    for s in orientation["suggestions"]:
        assert s["structure"]["nom"].replace("'", "&#x27;") in page
        if s["contact"]["telephone"]:
            assert s["contact"]["telephone"] in page
    first = orientation["suggestions"][0]
    assert first["contact"]["courriel"] in page.replace('<span class="nw">', "").replace("</span><wbr>", "")
    assert "Du lundi au vendredi, 9\u00a0h – 17\u00a0h\u00a030" in page  # OSM hours in French
    assert "Adresse" in page and "45000 Orléans" in page
    assert "Vérifié le" in page and re.search(r"\d{2}/\d{2}/\d{4}", page)
    assert "DONNÉES FICTIVES DE FORMATION" in page


def test_sheet_warns_where_the_check_is_overdue(page: str, orientation: dict) -> None:
    stale = [s for s in orientation["suggestions"] if s["verification_en_retard"]]
    assert stale, "le CLIC fictif (vérifié il y a plus de 3 ans) est suggéré"
    assert all(isinstance(s["mois_depuis_verification"], int) for s in stale)
    assert page.count('class="late"') == len(stale)
    assert "vérification en retard" in page
    markdown = ok("suggest", "--commune", ORLEANS, "--age", "84", "--format", "markdown", CASE)
    assert markdown.count("Attention : vérification en retard") == len(stale)


def test_no_rule_ids_codes_or_free_text_unless_asked(page: str, orientation: dict) -> None:
    fired = ["complexite-appui-dac", "aidant-epuise-repit", "fragilite-65"]
    markdown = ok("suggest", "--commune", ORLEANS, "--age", "84", "--format", "markdown", CASE)
    for sheet in (page, markdown):
        for rule in fired:
            assert rule not in sheet
        for code in ("acces_direct", "premier_recours", "specialise", "absorbe ", "statut :", "medical,",
                     "Mo-Fr", "2026-"):
            assert code not in sheet, code
        assert "fille épuisée" not in sheet and "troubles de mémoire »" not in sheet
        assert "fic-dac-bords-de-loire" not in sheet
    with_text = ok("suggest", "--commune", ORLEANS, "--age", "84", "--format", "html", "--avec-texte", CASE)
    assert "fille épuisée" in with_text and "Situation décrite" in with_text


def test_markdown_sheet_is_clean(orientation: dict) -> None:
    md = ok("suggest", "--commune", ORLEANS, "--age", "84", "--format", "markdown", CASE)
    assert md.startswith("# Fiche d'orientation\n")
    assert re.search(r"Établie le \d{2}/\d{2}/\d{4}", md)
    assert "## Qui appeler, dans l'ordre" in md
    assert "- **Adresse** : 12 quai de l'Exemple" in md
    assert "- **Horaires** : Du lundi au vendredi" in md
    assert "<https://exemple.invalid/dac-bords-de-loire>" in md  # the service's own site: a link
    assert "remplacée par DAC fictif des Bords de Loire" in md


def test_emergency_first_then_services_after_it() -> None:
    for fmt in ("html", "markdown", "texte"):
        out = unescape(ok("suggest", "--commune", ORLEANS, "--age", "70", "--format", fmt, EMERGENCY))
        assert "URGENCE" in out and "15" in out and "112" in out
        assert "Après la prise en charge de l'urgence" in out
        assert out.index("URGENCE") < out.index("Après la prise en charge de l'urgence")
        assert "Aucune suggestion" not in out
        assert "premier recours par défaut" not in out
        assert out.index("SAMU") < out.index("Numéro d'urgence européen")  # in the order to call


def test_no_suggestion_never_points_to_an_empty_list(tmp_path: Path) -> None:
    write_tree(tmp_path, {"t/territoire.yaml": MINIMAL_TERRITOIRE, "t/structures/x.yaml": MINIMAL_STRUCTURE})
    for fmt in ("texte", "markdown", "html"):
        out = ok("suggest", "--donnees", tmp_path / "t", "--commune", "94081", "--besoin", "soins-palliatifs",
                 "--format", fmt)
        assert "voir les services écartés" not in out
        assert "Aucune suggestion." not in out or fmt == "texte"


# --- --output ----------------------------------------------------------------------------------


def test_output_picks_the_format_from_the_extension(tmp_path: Path) -> None:
    base = ["suggest", "--commune", ORLEANS, "--age", "84", CASE]
    for name, check in (("f.html", "<!DOCTYPE html>"), ("f.htm", "<!DOCTYPE html>"), ("f.md", "# Fiche d'orientation"),
                        ("f.json", '"schema": "orienter/orientation@1"'), ("f.txt", "Qui appeler, dans l'ordre")):
        target = tmp_path / name
        result = run(*base, "--output", target)
        assert result.exit_code == 0, result.output
        assert check in target.read_text(encoding="utf-8")
        assert str(target) in result.stderr and "écrit" in result.stderr
        assert result.stdout == ""
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    txt = (tmp_path / "f.txt").read_text(encoding="utf-8")
    assert "\x1b" not in txt
    mismatch = run(*base, "--format", "json", "--output", tmp_path / "g.html")
    assert mismatch.exit_code == 2 and "ne correspond pas" in mismatch.output
    assert not (tmp_path / "g.html").exists()
    unknown = run(*base, "--output", tmp_path / "g.pdf")
    assert unknown.exit_code == 2 and "--format" in unknown.output
    with_format = run(*base, "--format", "html", "--output", tmp_path / "fiche")
    assert with_format.exit_code == 0 and (tmp_path / "fiche").read_text(encoding="utf-8").startswith("<!DOCTYPE")


def test_output_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "fiche.html"
    target.write_text("ancien", encoding="utf-8")
    base = ["suggest", "--commune", ORLEANS, CASE, "--output", target]
    again = run(*base)
    assert again.exit_code == 2 and "existe déjà" in again.output
    assert target.read_text(encoding="utf-8") == "ancien"
    forced = run(*base, "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fiche.html"]  # no temporary file left


def test_output_refuses_symlinks(tmp_path: Path) -> None:
    elsewhere = tmp_path / "ailleurs.html"
    dangling = tmp_path / "lien.html"
    dangling.symlink_to(elsewhere)
    for extra in ([], ["--force"]):
        result = run("suggest", "--commune", ORLEANS, CASE, "--output", dangling, *extra)
        assert result.exit_code == 2, result.output
        assert "lien symbolique" in result.output
    assert not elsewhere.exists()
    elsewhere.write_text("à garder", encoding="utf-8")
    forced = run("suggest", "--commune", ORLEANS, CASE, "--output", dangling, "--force")
    assert forced.exit_code == 2 and elsewhere.read_text(encoding="utf-8") == "à garder"
    assert os.path.islink(dangling)


# --- hostile directory data ---------------------------------------------------------------------

HOSTILE_NAME = ('Centre <script>alert(1)</script> [clic](https://evil.example) '
                '![img](https://evil.example/i.png) \\x1b[31mrouge\\x1b[0m\\x1b]0;titre\\x07 \\x9b2J *gras* | a | www.evil.example')
HOSTILE = MINIMAL_STRUCTURE.replace("nom: DAC de test", f'nom: "{HOSTILE_NAME}"').replace(
    "    nom: Appui\n",
    '    nom: "# Titre\\n\\n## injecté\\r\\x07\\x01 <b>gras</b>"\n'
    '    horaires: "Mo-Fr 09:00-17:00"\n'
    '    contact:\n'
    '      site: "javascript:alert(1)"\n'
    '      courriel: "x@evil.example\\"><script>"\n'
    '      telephone: "01 23 45 67 89"\n'
    '      source: https://exemple.invalid/contact\n'
    '    acces:\n'
    '      conditions: ["<img src=x onerror=alert(1)>", "[lien](javascript:alert(1)) `code` ~~barré~~"]\n'
    '      orienteurs: [professionnels]\n',
).replace("    acces:\n      orienteurs: [professionnels]\n    zone:", "    zone:", 1)
# Two services whose identifiers collide once reduced to [A-Za-z0-9_].
COLLIDING = HOSTILE + """\
  - id: x-y
    nom: Service x-y
    type: DAC
    besoins: [coordination-parcours]
    acces:
      orienteurs: [professionnels]
    zone:
      departements: ["94"]
  - id: x_y
    nom: Service x_y
    type: DAC
    besoins: [coordination-parcours]
    acces:
      orienteurs: [professionnels]
    zone:
      departements: ["94"]
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"t/territoire.yaml": MINIMAL_TERRITOIRE, "t/structures/x.yaml": COLLIDING})
    checked = run("validate", tmp_path / "t")
    assert "error" not in checked.stdout, checked.stdout  # hostile, yet valid data
    return tmp_path / "t"


def hostile_suggest(root: Path, fmt: str) -> str:
    return ok("suggest", "--donnees", root, "--commune", "94081", "--besoin", "coordination-parcours",
              "--format", fmt)


def test_hostile_names_stay_text_in_markdown(hostile: Path) -> None:
    md = hostile_suggest(hostile, "markdown")
    assert "\x1b" not in md and "\x07" not in md and "\x9b" not in md and "\r" not in md
    assert not re.search(r"(?<!\\)<", md)  # no live HTML: every < is escaped
    assert not re.search(r"(?<!\\)\]\(", md) and not re.search(r"(?<!\\)!\[", md)  # no link, no image
    assert "https://evil" not in md and "www.evil" not in md  # no bare address for autolinks either
    assert not any(line.startswith("#") and ("Titre" in line or "injecté" in line) for line in md.splitlines())
    assert "- **Site** : javascript:alert(1)" in md  # not a web address: text, never a link
    assert "\\[clic\\]" in md and "\\<script\\>" in md  # shown, escaped, not dropped


def test_hostile_names_stay_text_in_html(hostile: Path) -> None:
    page = hostile_suggest(hostile, "html")
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page and "\x07" not in page and "\x01" not in page
    links = parse(page)
    assert not [v for _, _, v in links.urls if v.lower().startswith(("javascript", "http"))]
    assert "script" not in links.tags and "img" not in links.tags


def test_hostile_names_never_reach_the_terminal_as_controls(hostile: Path) -> None:
    for args in (["suggest", "--besoin", "coordination-parcours", "--commune", "94081"],
                 ["explain", "--besoin", "coordination-parcours", "--commune", "94081"],
                 ["structures"], ["fiche", "dac-test"], ["cherche", "centre"], ["territoires"]):
        out = ok(*args, "--donnees", hostile)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), (args, repr(out[:300]))
        if args != ["territoires"]:
            assert "[clic](https://evil.example)" in out  # the name is printed, as text
        if args[0] in ("suggest", "fiche"):  # a name never spreads over lines of its own
            assert any(re.search(r"# Titre +## injecté", line) for line in out.splitlines()), out


def test_hostile_path_diagram_keeps_every_service(hostile: Path) -> None:
    data = json.loads(hostile_suggest(hostile, "json"))
    ids = {s["service"]["id"] for s in data["suggestions"]}
    assert {"x-y", "x_y"} <= ids
    for fmt in ("mermaid", "dot"):
        out = hostile_suggest(hostile, fmt)
        ranked = re.findall(r"N -+>\|?\"?\d+\"?\|? ?(R_\w+)|N -> (R_\w+)", out)
        nodes = {a or b for a, b in ranked}
        assert len(nodes) == len(data["suggestions"]), out
        assert "\x1b" not in out and "\x07" not in out
    mermaid = hostile_suggest(hostile, "mermaid")
    assert "<script>" not in mermaid


def test_hostile_names_make_valid_graphml(hostile: Path, tmp_path: Path) -> None:
    out = ok("graphe", "--donnees", hostile, "--format", "graphml")
    root = ET.fromstring(out.encode("utf-8"))  # raises on an invalid character
    labels = [e.text or "" for e in root.iter() if e.tag.endswith("data")]
    assert any("[clic](https://evil.example)" in x for x in labels)
    assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", x) for x in labels)


def test_validate_messages_carry_no_control_characters(tmp_path: Path) -> None:
    structure = MINIMAL_STRUCTURE.replace("    type: DAC\n", '    type: "DAC\\x1b[2J\\x07\\x9b1m"\n')
    write_tree(tmp_path, {"t/territoire.yaml": MINIMAL_TERRITOIRE, "t/structures/x.yaml": structure})
    for fmt in ("texte", "github"):
        result = run("validate", "--format", fmt, tmp_path / "t")
        assert "O303" in result.stdout, result.stdout
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.stdout), repr(result.stdout)
