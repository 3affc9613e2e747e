"""The WSGI application of `orienter web`: routes, forms, templates, headers.

Privacy (issue 15.3): the situation arrives in a POST body (never in a URL), is processed in
memory and is never written, logged or cached; no cookie; every answer says `Cache-Control:
no-store`; a Content-Security-Policy keeps every request on this server (`default-src 'self'`,
inline styles only by their hash for the two self-contained pages: the sheet and the report).
Requests naming another host than the loopback are refused (a web page elsewhere cannot reach this
server through a DNS trick), and so are POSTs from another origin.

Errors are pages in French with the right status: 400 for what the person typed, 404 for an
unknown page or territory, 503 when the data cannot be used; never a traceback, never the text of
the situation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable, Iterable, Optional
from urllib.parse import parse_qs, quote, urlsplit

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.web import views
from orienter.web.state import Directory, Loaded

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
MAX_BODY = 1_000_000  # bytes of a form: a note of 100,000 characters fits, a file does not
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
_STATIC_NAMES = {"app.css", "app.js", "icone.svg"}


def csp(styles: Iterable[str] = ()) -> str:
    """Everything from this server only; the inline <style> of a self-contained page allowed by
    its hash, nothing else inline."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
                      for s in styles)
    style = f"style-src 'self' {hashes}".rstrip()
    return (f"default-src 'self'; {style}; img-src 'self'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'self'; object-src 'none'")


HEADERS = [
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    environ: dict[str, Any]
    form: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    styles: tuple[str, ...] = ()
    extra: list[tuple[str, str]] = field(default_factory=list)

    def headers(self) -> list[tuple[str, str]]:
        return [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))),
                ("Content-Security-Policy", csp(self.styles)), *HEADERS, *self.extra]


class HttpError(Exception):
    def __init__(self, status: int, message: str, title: str = ""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title


class WebApp:
    """`WebApp(donnees, regles)` is a WSGI callable. `bound`: the address the server listens on;
    on the loopback, a request naming another host is refused."""

    def __init__(self, donnees: Optional[list[Path]] = None, regles: Optional[Path] = None,
                 bound: str = "127.0.0.1", directory: Optional[Directory] = None):
        import jinja2

        self.directory = directory or Directory(donnees, regles)
        self.loopback_only = bound in LOOPBACK or bound.startswith("127.")
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                                      autoescape=jinja2.select_autoescape(["html"], default=True),
                                      trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
        from orienter.render import labels as fr
        from orienter.render.hours import french as hours

        from orienter.render.safe import email, phone_uri, web_url

        self.env.globals.update(fr=fr, heures=hours, quote=quote, lien_web=web_url, courriel=email, tel=phone_uri)
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            ("GET", re.compile(r"/"), self.page_orienter),
            ("GET", re.compile(r"/orienter"), self.page_orienter),
            ("POST", re.compile(r"/orienter"), self.post_orienter),
            ("POST", re.compile(r"/fiche"), self.post_fiche),
            ("POST", re.compile(r"/api/communes"), self.post_communes),
            ("GET", re.compile(r"/annuaire"), self.page_annuaire),
            ("GET", re.compile(r"/annuaire/(?P<ident>[^/]+)"), self.page_structure),
            ("GET", re.compile(r"/territoire"), self.page_territoires),
            ("GET", re.compile(r"/territoire/(?P<ident>[^/]+)"), self.page_territoire),
            ("GET", re.compile(r"/territoire/(?P<ident>[^/]+)/rapport"), self.page_rapport),
            ("GET", re.compile(r"/static/(?P<name>[a-z0-9.-]+)"), self.static),
        ]

    # --- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        try:
            response = self.handle(environ)
        except Exception as exc:  # noqa: BLE001 - last resort: a French page, no traceback, no data
            sys.stderr.write(f"orienter web : erreur interne inattendue ({type(exc).__name__}{_where(exc)}).\n")
            response = self.error_page(500, "Erreur interne inattendue. Rien n'a été enregistré ; réessayez, et "
                                            "signalez-la si elle se répète (sans données de patient).")
        status = HTTPStatus(response.status)
        start_response(f"{status.value} {status.phrase}", response.headers())
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]

    def handle(self, environ: dict[str, Any]) -> Response:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "/") or "/"
        try:
            path = path.encode("latin-1").decode("utf-8")  # WSGI hands the path as latin-1
        except UnicodeError:
            pass
        try:
            self._check_host(environ, method)
            request = Request(method, path.rstrip("/") or "/", parse_qs(environ.get("QUERY_STRING", ""),
                                                                    max_num_fields=50), environ)
            allowed = []
            for verb, pattern, handler in self.routes:
                m = pattern.fullmatch(request.path)
                if m is None:
                    continue
                if verb == method or (verb == "GET" and method == "HEAD"):
                    if method == "POST":
                        request.form = self._form(environ)
                    return handler(request, **m.groupdict())
                allowed.append(verb)
            if allowed:
                return self.error_page(405, "Cette adresse ne s'utilise pas ainsi : passez par les pages du site.",
                                       extra=[("Allow", ", ".join(sorted(set(allowed + (["HEAD"] if "GET" in allowed
                                                                                         else [])))))])
            raise HttpError(404, "Cette page n'existe pas. Les pages du site : Orienter, Annuaire, Territoires.",
                            "Page introuvable")
        except HttpError as exc:
            return self.error_page(exc.status, exc.message, title=exc.title)

    def _check_host(self, environ: dict[str, Any], method: str) -> None:
        host = environ.get("HTTP_HOST", "")
        name = re.sub(r":\d+$", "", host).lower()
        if self.loopback_only and host and name not in LOOPBACK:
            raise HttpError(421, "Ce serveur local ne répond qu'à l'adresse 127.0.0.1 : ouvrez l'adresse affichée "
                                 "au lancement d'orienter web.", "Adresse inattendue")
        origin = environ.get("HTTP_ORIGIN")
        if method == "POST" and origin and origin != "null" and urlsplit(origin).netloc.lower() != host.lower():
            raise HttpError(403, "Formulaire envoyé depuis un autre site : refusé. Utilisez la page d'orienter web.",
                            "Envoi refusé")

    def _form(self, environ: dict[str, Any]) -> dict[str, list[str]]:
        kind = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if kind not in ("", "application/x-www-form-urlencoded"):
            raise HttpError(415, "Formulaire dans un format inattendu : utilisez la page d'orienter web.",
                            "Format refusé")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            raise HttpError(413, "Formulaire trop long : gardez l'essentiel de la note (au plus 100 000 caractères).",
                            "Trop long")
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            return parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=400)
        except ValueError:
            raise HttpError(400, "Formulaire illisible : rechargez la page et recommencez.", "Formulaire illisible") from None

    # --- helpers --------------------------------------------------------------------------------

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        body = self.env.get_template(template).render(**context)
        return Response(status, body.encode("utf-8"))

    def error_page(self, status: int, message: str, title: str = "", extra: Optional[list[tuple[str, str]]] = None,
                   page: str = "") -> Response:
        titles = {400: "Saisie à corriger", 404: "Introuvable", 405: "Méthode non prise en charge",
                  500: "Erreur interne", 503: "Données inutilisables"}
        response = self.render("erreur.html", status, titre=title or titles.get(status, "Erreur"),
                               message=message, page=page)
        response.extra = extra or []
        return response

    def loaded(self, page: str) -> Loaded:
        ld = self.directory.current()
        if ld.error is not None:
            raise HttpError(503, "Les données de l'annuaire sont invalides : corrigez-les (la commande « orienter "
                                 "validate » liste tout), puis relancez orienter web.\n\n" + ld.error.text.replace(
                                     "\nLes données sont invalides : corrigez-les (`orienter validate` liste tout) "
                                     "avant de les consulter.", ""),
                            "Données inutilisables")
        return ld

    @staticmethod
    def status_of(exc: OrienterError, not_found: bool = False) -> int:
        if exc.exit_code == ExitCode.INPUT:
            return 404 if not_found else 400
        return 400 if exc.exit_code == ExitCode.USAGE else 500

    # --- Orienter -------------------------------------------------------------------------------

    def page_orienter(self, request: Request) -> Response:
        ld = self.loaded("orienter")
        return self.render("orienter.html", page="orienter", form=views.Form(), choix=views.choices(ld),
                           reponse=None, erreur=None)

    def post_orienter(self, request: Request) -> Response:
        ld = self.loaded("orienter")
        form = views.read_form(request.form)
        try:
            answer = views.orientation(ld, form)
        except OrienterError as exc:
            return self._refused(ld, form, exc)
        from markupsafe import Markup

        answer["fiche"] = Markup(answer["fiche"])
        answer["schema"] = Markup(answer["schema"])
        return self.render("orienter.html", page="orienter", form=form, choix=views.choices(ld), reponse=answer,
                           erreur=None)

    def post_fiche(self, request: Request) -> Response:
        ld = self.loaded("orienter")
        form = views.read_form(request.form)
        try:
            page = views.standalone_sheet(ld, form)
        except OrienterError as exc:
            return self._refused(ld, form, exc)
        return Response(200, page.encode("utf-8"), styles=tuple(_inline_styles(page)))

    def _refused(self, ld: Any, form: Any, exc: OrienterError) -> Response:
        """The form again, as filled in, with the French reason it was refused."""
        return self.render("orienter.html", 400, page="orienter", form=form, choix=views.choices(ld),
                           reponse=None, erreur=views.message(exc.text))

    def post_communes(self, request: Request) -> Response:
        ld = self.loaded("orienter")
        q = (request.form.get("q") or [""])[0]
        body = json.dumps({"communes": views.communes(ld, q)}, ensure_ascii=False).encode("utf-8")
        return Response(200, body, "application/json; charset=utf-8")

    # --- Annuaire -------------------------------------------------------------------------------

    def page_annuaire(self, request: Request) -> Response:
        ld = self.loaded("annuaire")
        filters = views.read_filters(request.query)
        try:
            result = views.directory(ld, filters)
        except OrienterError as exc:
            return self.render("annuaire.html", 400, page="annuaire", filtres=filters, choix=views.choices(ld),
                               resultat=None, erreur=views.message(exc.text))
        return self.render("annuaire.html", page="annuaire", filtres=filters, choix=views.choices(ld),
                           resultat=result, erreur=None)

    def page_structure(self, request: Request, ident: str) -> Response:
        ld = self.loaded("annuaire")
        try:
            data = views.structure(ld, ident)
        except OrienterError as exc:
            raise HttpError(404, views.message(exc.text), "Structure introuvable") from None
        return self.render("structure.html", page="annuaire", s=data)

    # --- Territoires ----------------------------------------------------------------------------

    def page_territoires(self, request: Request) -> Response:
        ld = self.loaded("territoire")
        return self.render("territoires.html", page="territoire", lignes=views.territories(ld))

    def page_territoire(self, request: Request, ident: str) -> Response:
        ld = self.loaded("territoire")
        besoin = (request.query.get("besoin") or [""])[0].strip()[:100]
        commune = (request.query.get("commune") or [""])[0].strip()[:100]
        try:
            ld.ws.territory(ident)
        except OrienterError as exc:
            raise HttpError(404, views.message(exc.text), "Territoire inconnu") from None
        try:
            data = views.territory(ld, ident, besoin, commune)
            status, error = 200, None
        except OrienterError as exc:
            data = views.territory(ld, ident)
            status, error = 400, views.message(exc.text)
        from markupsafe import Markup

        data["svg"] = Markup(data["svg"])
        return self.render("territoire.html", status, page="territoire", t=data, besoin=besoin, commune=commune,
                           choix=views.choices(ld), erreur=error)

    def page_rapport(self, request: Request, ident: str) -> Response:
        ld = self.loaded("territoire")
        try:
            page = views.report_page(ld, ident)
        except OrienterError as exc:
            raise HttpError(404, views.message(exc.text), "Territoire inconnu") from None
        return Response(200, page.encode("utf-8"), styles=tuple(_inline_styles(page)))

    # --- static files ---------------------------------------------------------------------------

    def static(self, request: Request, name: str) -> Response:
        if name == "fiche.css":
            from orienter.render.sheet import CSS

            return Response(200, CSS.encode("utf-8"), _TYPES[".css"])
        if name not in _STATIC_NAMES:
            raise HttpError(404, "Fichier introuvable.", "Introuvable")
        path = STATIC / name
        return Response(200, path.read_bytes(), _TYPES[path.suffix])


def _where(exc: BaseException) -> str:
    """Where an unexpected error arose (file and line of the innermost frame of orienter), for
    the person who reports it: never its message, which may quote the situation."""
    tb, found = exc.__traceback__, ""
    while tb is not None:
        path = Path(tb.tb_frame.f_code.co_filename)
        if "orienter" in path.parts:
            parts = path.parts[path.parts.index("orienter"):]
            found = f", {'/'.join(parts)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def _inline_styles(page: str) -> list[str]:
    return _STYLE.findall(page)
