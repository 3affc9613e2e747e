"""`orienter web` (issue 15): the routes without a browser (fast), then end-to-end tests in a real
headless Chromium (the Debian package, driven by Playwright) against a server on a free port in a
thread.

The browser tests skip only when no Chromium is installed; `playwright install` is never run (no
browser download): CI installs the Debian package (.ci/run).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlencode, urlsplit

import pytest

from conftest import write_tree

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "territories"
RULES = ROOT / "rules"
README_TEXT = "Femme de 84 ans, vit seule, chutes répétées, troubles de mémoire, fille épuisée"
README = {"commune": "Orléans", "age": "84", "texte": README_TEXT}
EMERGENCY_TEXT = "depuis 20 minutes la bouche est de travers et il n'arrive plus à lever le bras"
EMERGENCY = {"commune": "Orléans", "age": "70", "texte": EMERGENCY_TEXT}


# --- the application without a server -----------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    text: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def call(app: Any, method: str, path: str, form: dict[str, Any] | None = None, body: bytes | None = None,
         **environ: Any) -> Answer:
    parts = urlsplit(path)
    raw = body if body is not None else (urlencode(form, doseq=True).encode("utf-8") if form is not None else b"")
    env = {"REQUEST_METHOD": method, "PATH_INFO": unquote(parts.path).encode("utf-8").decode("latin-1"),
           "QUERY_STRING": parts.query, "HTTP_HOST": "127.0.0.1:8765", "CONTENT_LENGTH": str(len(raw)),
           "CONTENT_TYPE": "application/x-www-form-urlencoded" if method == "POST" else "",
           "wsgi.input": io.BytesIO(raw), **environ}
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), headers

    data = b"".join(app(env, start_response))
    return Answer(seen["status"], seen["headers"], data.decode("utf-8"))


@pytest.fixture(scope="module")
def app() -> Any:
    from orienter.web.app import WebApp

    web = WebApp([DATA], RULES)
    assert web.directory.current().error is None
    return web


def _message(page: str) -> str:
    """The text of the error block of a page."""
    m = re.search(r'<div class="erreur"[^>]*>(.*?)</div>', page, re.S)
    assert m, "pas de message d'erreur dans la page"
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", m.group(1)))


def test_pages_answer_in_french_with_privacy_headers(app: Any) -> None:
    for path in ("/", "/annuaire", "/annuaire?q=dac", "/territoire", "/territoire/fictif-loiret",
                 "/annuaire/fic-dac-bords-de-loire"):
        r = call(app, "GET", path)
        assert r.status == 200, path
        assert '<html lang="fr">' in r.text
        assert r.header("Cache-Control") == "no-store"
        assert r.header("Set-Cookie") is None
        policy = r.header("Content-Security-Policy") or ""
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert r.header("Referrer-Policy") == "no-referrer"
        assert "Traceback" not in r.text
        # nothing loaded from elsewhere: the only outside addresses are the services' sites, as links
        assert not re.search(r'\bsrc="(?:https?:)?//', r.text), path
        assert not re.search(r'<link\b[^>]*href="(?:https?:)?//', r.text), path
        for tag in re.findall(r'<a\b[^>]*href="https?:[^"]*"[^>]*>', r.text):
            assert 'rel="noopener noreferrer"' in tag, tag


def test_every_field_has_a_label(app: Any) -> None:
    for path in ("/", "/annuaire", "/territoire/fictif-loiret"):
        page = call(app, "GET", path).text
        ids = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page)
        assert ids, path
        for ident in ids:
            assert f'<label for="{ident}"' in page, f"{path} : champ {ident} sans étiquette"


def test_the_situation_goes_in_a_post_body(app: Any) -> None:
    page = call(app, "GET", "/").text
    form = re.search(r'<form id="situation"[^>]*>', page).group(0)
    assert 'method="post"' in form and 'action="/orienter#reponse"' in form
    assert call(app, "GET", "/fiche").status == 405
    assert call(app, "GET", "/api/communes?q=orl").status == 405


def test_readme_example_as_the_command_line(app: Any, cli: Any) -> None:
    r = call(app, "POST", "/orienter", README)
    assert r.status == 200
    assert "Fiche d'orientation" in r.text and "DONNÉES FICTIVES" in r.text
    assert "<svg" in r.text and "Pourquoi cette orientation" in r.text
    assert "complexite-appui-dac" in r.text  # a rule fired, in the trace
    result = cli("suggest", "--commune", "Orléans", "--age", "84", README_TEXT, "--format", "json",
                 "--donnees", DATA, "--regles", RULES)
    assert result.exit_code == 0, result.output
    expected = json.loads(result.stdout)
    from orienter.web import views

    ld = app.directory.current()
    situation, place = views.situation_of(ld, views.read_form({k: [v] for k, v in README.items()}))
    got = ld.engine.orient(situation, place, None, views.TOP).to_json()
    assert [s["service"]["id"] for s in got["suggestions"]] == [s["service"]["id"] for s in expected["suggestions"]]
    assert [n["code"] for n in got["besoins"]] == [n["code"] for n in expected["besoins"]]
    first = expected["suggestions"][0]["structure"]["nom"]
    assert first in r.text


def test_the_answer_is_the_printable_sheet(app: Any) -> None:
    from orienter.render import sheet

    r = call(app, "POST", "/orienter", README)
    ld = app.directory.current()
    from orienter.web import views

    situation, place = views.situation_of(ld, views.read_form({k: [v] for k, v in README.items()}))
    page = sheet.html_page(ld.engine.orient(situation, place, None, views.TOP).to_json(with_trace=True), today=ld.day)
    body = views.sheet_body(page)
    assert body.startswith("\n<article") or "<article" in body[:200]
    assert body in r.text  # the very sheet `suggest --format html` prints
    # without « avec le texte », the sheet never repeats the situation's words
    assert README_TEXT not in body and "fille épuisée" not in body


def test_emergency_comes_first(app: Any) -> None:
    r = call(app, "POST", "/orienter", EMERGENCY)
    assert r.status == 200
    sheet = r.text[r.text.index('<article'):]
    assert "URGENCE : appelez d'abord" in sheet
    assert sheet.index('class="urgence"') < sheet.index('class="service')
    assert ">15<" in sheet and ">112<" in sheet


def test_a_bad_commune_is_said_in_the_page(app: Any) -> None:
    r = call(app, "POST", "/orienter", {"commune": "Zzyzxville", "texte": "note confidentielle sur Mme X"})
    assert r.status == 400
    message = _message(r.text)
    assert "introuvable" in message and "Zzyzxville" in message
    assert "confidentielle" not in message and "orienter communes" not in message
    assert "Traceback" not in r.text
    ambiguous = call(app, "POST", "/orienter", {"commune": "Saint-Maur", "texte": "x"})
    assert ambiguous.status == 400 and "ambiguë" in _message(ambiguous.text)


@pytest.mark.parametrize("form, words", [
    ({"commune": "", "texte": "chutes"}, "Commune manquante"),
    ({"commune": "Orléans", "age": "deux cents", "texte": "chutes"}, "Âge invalide"),
    ({"commune": "Orléans", "age": "200"}, "Âge invalide"),
    ({"commune": "Orléans", "besoin": "inconnu-xyz"}, "inconnu"),
    ({"commune": "Orléans", "n_mmse": "45"}, "hors des valeurs possibles"),
    ({"commune": "Orléans", "libres": "sans signe egal"}, "clé=valeur"),
    ({"commune": "Orléans", "territoire": "nulle-part"}, "Territoire « nulle-part » inconnu"),
])
def test_what_was_typed_wrong_is_said_in_french(app: Any, form: dict[str, str], words: str) -> None:
    r = call(app, "POST", "/orienter", form)
    assert r.status == 400
    assert words in _message(r.text)


def test_explicit_needs_criteria_and_judgement(app: Any) -> None:
    r = call(app, "POST", "/orienter", {"commune": "Orléans", "besoin": ["soutien-aidants"], "fait": ["vit_seul"],
                                        "n_mmse": "21", "complexe": "non", "pourquoi": "1"})
    assert r.status == 200
    assert "Soutien des aidants" in r.text and "Score MMSE : 21" in r.text
    assert 'id="pourquoi" open' in r.text
    assert "jugement du professionnel : non complexe" in r.text


def test_every_case_of_tests_cas_renders(app: Any) -> None:
    """The 84 reference cases through the form: every trace renders (negations, corrections,
    refusals, numbers, emergencies), with the same first service as the engine."""
    from orienter.engine.casetests import load_cases

    cases, problems = load_cases([ROOT / "tests" / "cas"])
    assert not problems and len(cases) > 50
    import html

    from orienter.directory.queries import resolve_in

    ld = app.directory.current()
    for _, _, case in cases:
        sit = case.situation
        form: dict[str, Any] = {"commune": str(sit.commune), "age": "" if sit.age is None else str(sit.age),
                                "texte": sit.texte or "", "besoin": list(sit.besoins), "territoire": case.territoire or "",
                                "libres": "\n".join(f"{k}={'oui' if v is True else 'non' if v is False else v}"
                                                    for k, v in sit.criteres.items())}
        if sit.complexe is not None:
            form["complexe"] = "oui" if sit.complexe else "non"
        r = call(app, "POST", "/orienter", form)
        assert r.status == 200, (case.nom, r.text[:300])
        assert 'id="fiche"' in r.text and "<svg" in r.text
        o = ld.engine.orient(sit, resolve_in(ld.ws.geo, sit.commune), case.territoire, 8)
        ranked = o.suggestions or o.apres_urgence
        if ranked:
            assert html.escape(ranked[0]["structure"]["nom"]) in r.text, case.nom


def test_standalone_sheet_allows_only_its_own_style(app: Any) -> None:
    import base64
    import hashlib

    r = call(app, "POST", "/fiche", README)
    assert r.status == 200 and r.text.startswith("<!DOCTYPE html>")
    style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in r.header("Content-Security-Policy")
    assert "<form" not in r.text


def test_commune_completion(app: Any) -> None:
    r = call(app, "POST", "/api/communes", {"q": "orlé"})
    assert r.status == 200 and r.header("Content-Type").startswith("application/json")
    values = [c["valeur"] for c in json.loads(r.text)["communes"]]
    assert values[0] == "Orléans (45)"
    assert json.loads(call(app, "POST", "/api/communes", {"q": "45000"}).text)["communes"][0]["valeur"] == "Orléans (45)"
    assert json.loads(call(app, "POST", "/api/communes", {"q": "o"}).text)["communes"] == []


def test_completion_values_resolve_to_one_commune(app: Any) -> None:
    from orienter.directory.queries import resolve_in
    from orienter.web import views

    ld = app.directory.current()
    for q in ("saint", "la garde", "vitry", "75", "le "):
        for c in views.communes(ld, q):
            resolve_in(ld.ws.geo, c["valeur"])  # neither unknown nor ambiguous


def test_directory_search_and_filters(app: Any) -> None:
    r = call(app, "GET", "/annuaire?q=CSAPA")
    assert r.status == 200 and "CSAPA fictif Le Relais" in r.text
    r = call(app, "GET", "/annuaire?commune=Orl%C3%A9ans&besoin=prevention-chutes")
    assert r.status == 200 and "Équipe mobile gériatrique" in r.text and "CSAPA fictif" not in r.text
    r = call(app, "GET", "/annuaire?public=usagers-de-drogues&territoire=fictif-loiret")
    assert r.status == 200 and "CAARUD fictif" in r.text
    r = call(app, "GET", "/annuaire?type=csapa&territoire=fictif-loiret")
    assert r.status == 200 and "CSAPA fictif Le Relais" in r.text and "CAARUD fictif" not in r.text
    bad = call(app, "GET", "/annuaire?commune=Zzyzxville")
    assert bad.status == 400 and "introuvable" in _message(bad.text)
    assert call(app, "GET", "/annuaire?besoin=rien").status == 400


def test_every_structure_card_renders(app: Any) -> None:
    ld = app.directory.current()
    for t in ld.ws.territories:
        for s in t.structures:
            r = call(app, "GET", f"/annuaire/{s.id}")
            assert r.status == 200, s.id
    missing = call(app, "GET", "/annuaire/nulle-part")
    assert missing.status == 404 and "Aucune structure" in _message(missing.text)


def test_territory_pages(app: Any) -> None:
    ld = app.directory.current()
    for t in ld.ws.territories:
        r = call(app, "GET", f"/territoire/{t.id}")
        assert r.status == 200, t.id
        assert f'src="/territoire/{t.id}/rapport"' in r.text
    r = call(app, "GET", "/territoire/fictif-loiret?besoin=prevention-chutes&commune=Orl%C3%A9ans")
    assert r.status == 200 and "Équipe mobile gériatrique" in r.text
    bad = call(app, "GET", "/territoire/fictif-loiret?commune=Zzyzxville")
    assert bad.status == 400 and "introuvable" in _message(bad.text)
    unknown = call(app, "GET", "/territoire/nulle-part")
    assert unknown.status == 404 and "inconnu" in _message(unknown.text)
    assert call(app, "GET", "/territoire/nulle-part/rapport").status == 404


def test_report_page_is_the_rapport_with_its_style_hash(app: Any) -> None:
    r = call(app, "GET", "/territoire/fictif-loiret/rapport")
    assert r.status == 200 and "Rapport de lisibilité" in r.text
    assert "'sha256-" in r.header("Content-Security-Policy")
    assert "frame-ancestors 'self'" in r.header("Content-Security-Policy")


def test_requests_from_elsewhere_are_refused(app: Any) -> None:
    assert call(app, "GET", "/", HTTP_HOST="attaquant.example:8765").status == 421
    r = call(app, "POST", "/orienter", README, HTTP_ORIGIN="http://attaquant.example")
    assert r.status == 403
    assert call(app, "POST", "/orienter", README, HTTP_ORIGIN="http://127.0.0.1:8765").status == 200


def test_unknown_pages_methods_and_bodies(app: Any) -> None:
    r = call(app, "GET", "/nulle-part")
    assert r.status == 404 and "Cette page n" in r.text
    r = call(app, "DELETE", "/orienter")
    assert r.status == 405 and "POST" in (r.header("Allow") or "")
    r = call(app, "POST", "/orienter", body=b"x" * 10, CONTENT_LENGTH=str(5_000_000))
    assert r.status == 413
    r = call(app, "POST", "/orienter", body=b"--x", CONTENT_TYPE="multipart/form-data; boundary=x")
    assert r.status == 415
    assert call(app, "HEAD", "/").text == ""
    assert call(app, "GET", "/static/app.css").header("Content-Type").startswith("text/css")
    assert call(app, "GET", "/static/fiche.css").status == 200
    assert call(app, "GET", "/static/..%2fapp.py").status == 404


def test_an_internal_error_is_a_french_page_without_data(app: Any, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from orienter.web import views

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("données de Mme X")

    monkeypatch.setattr(views, "orientation", boom)
    r = call(app, "POST", "/orienter", README)
    assert r.status == 500
    assert "Erreur interne inattendue" in r.text and "Mme X" not in r.text and "Traceback" not in r.text
    err = capsys.readouterr().err
    assert "Mme X" not in err and README_TEXT not in err


def test_invalid_data_is_said_on_every_page(tmp_path: Path, minimal_files: dict[str, str]) -> None:
    from orienter.web.app import WebApp

    files = dict(minimal_files)
    files["t/structures/x.yaml"] = files["t/structures/x.yaml"].replace("type: DAC\nnature", "type: PASDUTOUT\nnature")
    write_tree(tmp_path, files)
    web = WebApp([tmp_path], RULES)
    for path in ("/", "/annuaire", "/territoire"):
        r = call(web, "GET", path)
        assert r.status == 503
        assert "Les données de l'annuaire sont invalides" in _message(r.text)
    assert call(web, "POST", "/orienter", README).status == 503


def test_the_server_logs_nothing(capfd: pytest.CaptureFixture[str], app: Any) -> None:
    import urllib.request

    from orienter.web.server import in_thread

    server, url = in_thread(app)
    try:
        data = urlencode(README).encode("utf-8")
        with urllib.request.urlopen(url + "orienter", data=data, timeout=30) as r:
            assert r.status == 200
        with urllib.request.urlopen(url + "annuaire?q=dac", timeout=30) as r:
            assert r.status == 200
    finally:
        server.shutdown()
        server.server_close()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_decision_path_diagram() -> None:
    from orienter.render.diagram import decision_path
    from orienter.web import views
    from orienter.web.state import Directory

    ld = Directory([DATA], RULES).current()
    for form in (README, EMERGENCY):
        situation, place = views.situation_of(ld, views.read_form({k: [v] for k, v in form.items()}))
        o = ld.engine.orient(situation, place, None, views.TOP).to_json(with_trace=True)
        svg = decision_path(o, ld.criteria_labels)
        root = ET.fromstring(svg)  # well-formed XML
        assert root.get("role") == "img" and root.find("{http://www.w3.org/2000/svg}title") is not None
        assert "style=" not in svg and "<script" not in svg and "href" not in svg.replace("url(#", "")
        text = " ".join(root.itertext())
        assert form["texte"] not in text and "travers" not in text  # never the situation's words
        assert o["suggestions"] or o["apres_urgence"]
        ranked = o["suggestions"] or o["apres_urgence"]
        assert ranked[0]["structure"]["nom"].split()[0] in text
        if form is EMERGENCY:
            assert "URGENCE" in text


# --- the command --------------------------------------------------------------------------------


def _interruptible() -> None:
    """A test run started in the background (`pytest &`) ignores Ctrl-C, and its children would
    too: the server must receive the Ctrl-C this test sends, as from a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_web_command_starts_prints_the_address_and_stops_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ORIENTER_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "orienter", "web", "--port", "0", "--donnees", str(DATA),
                             "--regles", str(RULES)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, env=env, preexec_fn=_interruptible)
    try:
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert m, line + proc.stderr.read() if proc.poll() is not None else line
        import urllib.request

        with urllib.request.urlopen(m.group(1), timeout=30) as r:
            assert r.status == 200 and "Orienter une personne" in r.read().decode("utf-8")
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Serveur arrêté" in out and "Traceback" not in err


def test_web_command_warns_when_bound_elsewhere(cli: Any) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface: the warning, then a French refusal; nothing is sent.
    result = cli("web", "--hote", "192.0.2.1", "--port", "0", "--donnees", DATA, "--regles", RULES)
    assert result.exit_code == 2
    assert "ATTENTION" in result.stderr and "Impossible d'écouter" in result.stderr
    assert "n'appartient pas à cet ordinateur" in result.stderr


def test_web_is_off_the_suggest_path() -> None:
    from test_imports import importtime

    modules, _ = importtime("import orienter.cli.app")
    names = {name for _, name in modules}
    assert not any(n == "jinja2" or n.startswith("orienter.web") for n in names)


# --- in a real browser --------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
browser_only = pytest.mark.skipif(CHROMIUM is None, reason="Chromium n'est pas installé (paquet Debian chromium, "
                                  "/usr/bin/chromium) : tests dans le navigateur ignorés ; `apt-get install chromium` "
                                  "pour les lancer.")


@pytest.fixture(scope="module")
def site(app: Any) -> Iterator[str]:
    from orienter.web.server import in_thread

    server, url = in_thread(app)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Chromium n'est pas installé : tests dans le navigateur ignorés.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def _orient(page: Any, site: str, form: dict[str, str]) -> float:
    page.goto(site)
    page.fill("#commune", form["commune"])
    page.fill("#age", form.get("age", ""))
    page.fill("#texte", form["texte"])
    started = time.perf_counter()
    page.click("button.principal")
    page.wait_for_selector("#fiche")
    return time.perf_counter() - started


@browser_only
def test_browser_type_a_situation_and_get_the_answer(page: Any, site: str) -> None:
    seconds = _orient(page, site, README)
    assert seconds < 10  # measured under 0.5 s here; the bound only catches a hang
    fiche = page.locator("#fiche")
    assert fiche.locator("h1").inner_text() == "Fiche d'orientation"
    assert fiche.locator("li.service").count() >= 3
    assert "DAC fictif des Bords de Loire" in fiche.locator("li.service").first.inner_text()
    assert page.locator("#texte").input_value() == README_TEXT  # the form keeps what was typed
    page.click("#pourquoi > summary")
    assert page.locator("#pourquoi svg.diagramme").is_visible()
    assert page.locator("#pourquoi").get_by_text("complexite-appui-dac").first.is_visible()


@browser_only
def test_browser_emergency_first(page: Any, site: str) -> None:
    _orient(page, site, EMERGENCY)
    urgent = page.locator("#fiche .urgence")
    assert urgent.is_visible()
    assert "15" in urgent.inner_text() and "112" in urgent.inner_text()
    first_service = page.locator("#fiche li.service").first
    assert urgent.bounding_box()["y"] < first_service.bounding_box()["y"]
    assert "Urgence reconnue" in page.locator("#titre-reponse").inner_text()


@browser_only
def test_browser_printable_sheet(page: Any, site: str) -> None:
    _orient(page, site, README)
    page.evaluate("window.__imprime = false; window.print = () => { window.__imprime = true; }")
    page.click("#imprimer")
    assert page.evaluate("window.__imprime") is True
    page.emulate_media(media="print")
    assert page.locator("#fiche").is_visible()
    for hidden in ("#situation", "header.site", "#pourquoi", ".actions"):
        assert page.locator(hidden).is_hidden(), hidden
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.emulate_media(media="screen")
    with page.expect_popup() as popup:
        page.click("text=Fiche seule")
    alone = popup.value
    alone.wait_for_load_state()
    assert alone.locator("h1").inner_text() == "Fiche d'orientation"
    assert alone.locator("form").count() == 0


@browser_only
def test_browser_directory_search(page: Any, site: str) -> None:
    page.goto(site + "annuaire")
    page.fill("#q", "CSAPA")
    page.click("form.filtres button.principal")
    page.wait_for_selector("#titre-resultats")
    assert "q=CSAPA" in page.url
    page.click("text=CSAPA fictif Le Relais")
    assert page.locator("h1").inner_text().startswith("CSAPA fictif Le Relais")
    assert page.locator("section.service-fiche").count() >= 1


@browser_only
def test_browser_bad_commune_message(page: Any, site: str) -> None:
    page.goto(site)
    page.fill("#commune", "Zzyzxville")
    page.fill("#texte", "note confidentielle")
    with page.expect_response(lambda r: r.url.startswith(site + "orienter")) as response:
        page.click("button.principal")
    assert response.value.status == 400
    alert = page.locator("#erreur[role=alert]")
    assert alert.is_visible()
    assert "Commune « Zzyzxville » introuvable" in alert.inner_text()
    assert "confidentielle" not in alert.inner_text()
    assert page.evaluate("document.activeElement.id") == "erreur"


@browser_only
def test_browser_commune_completion(page: Any, site: str) -> None:
    page.goto(site)
    page.locator("#commune").press_sequentially("orlé", delay=30)
    page.locator("#communes-liste option").first.wait_for(state="attached")
    values = page.eval_on_selector_all("#communes-liste option", "els => els.map(e => e.value)")
    assert "Orléans (45)" in values


@browser_only
def test_browser_keyboard_only(page: Any, site: str) -> None:
    page.goto(site)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.focus("#commune")
    page.keyboard.type("Orléans")
    page.keyboard.press("Tab")
    page.keyboard.type("84")
    page.keyboard.press("Tab")
    page.keyboard.type("vit seule, chutes répétées")
    page.focus("button.principal")
    page.keyboard.press("Enter")
    page.wait_for_selector("#fiche")
    assert page.evaluate("document.activeElement.id") == "reponse"


@browser_only
def test_browser_phone_width_and_no_javascript(browser: Any, site: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  java_script_enabled=False, locale="fr-FR")
    try:
        page = context.new_page()
        for path in ("", "annuaire?q=dac", "territoire", "territoire/fictif-loiret", "annuaire/fic-dac-bords-de-loire"):
            page.goto(site + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        page.goto(site)
        page.fill("#commune", "Orléans")
        page.fill("#texte", README_TEXT)
        page.click("button.principal")
        page.wait_for_selector("#fiche")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.locator("#imprimer").is_hidden()  # needs JavaScript; « Fiche seule » does not
        assert page.locator("text=Fiche seule").is_visible()
    finally:
        context.close()


@browser_only
def test_browser_nothing_leaves_the_machine(browser: Any, site: str) -> None:
    """Every page, with everything outside 127.0.0.1 blocked and recorded: nothing is asked."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    outside: list[str] = []
    seen: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        seen.append(url)
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    try:
        page = context.new_page()
        page.on("request", lambda r: seen.append(r.url))
        for path in ("", "annuaire", "annuaire?q=dac&commune=Orl%C3%A9ans", "annuaire/fic-dac-bords-de-loire",
                     "territoire", "territoire/fictif-loiret", "territoire/fictif-loiret/rapport",
                     "territoire/val-de-marne-ouest?besoin=soins-palliatifs"):
            page.goto(site + path)
            page.wait_for_load_state("networkidle")
        for form in (README, EMERGENCY):
            _orient(page, site, form)
            page.click("#pourquoi > summary")
            page.wait_for_load_state("networkidle")
        with page.expect_popup() as popup:
            page.click("text=Fiche seule")
        popup.value.wait_for_load_state("networkidle")
        page.fill("#commune", "")
        page.locator("#commune").press_sequentially("orl", delay=20)
        page.locator("#communes-liste option").first.wait_for(state="attached")
    finally:
        context.close()
    assert seen, "aucune requête observée"
    assert outside == [], f"requêtes hors de 127.0.0.1 : {outside}"
    assert all(u.startswith((site, "data:", "about:")) for u in seen), [u for u in seen if not u.startswith(site)]
