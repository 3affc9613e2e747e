"""Command `web`: the orientation and the directory in a local web page (issue 15).

Same rules as every command module: options, one call, exit code; the web stack (jinja2, the
engine, the directory) is imported inside the command only, never on the `suggest` path.
"""

import sys
from pathlib import Path
from typing import List, Optional

import typer

from orienter.cli.common import DONNEES, REGLES, commands, guarded
from orienter.core.diagnostics import ExitCode, OrienterError


@commands.command("web")
@guarded
def web_cmd(
    port: int = typer.Option(8765, "--port", "-p", min=0, max=65535,
                             help="Port d'écoute (0 : un port libre, affiché au lancement)."),
    hote: str = typer.Option("127.0.0.1", "--hote",
                             help="Adresse d'écoute. Par défaut 127.0.0.1 : la page n'est joignable que depuis cet "
                                  "ordinateur. Une autre adresse l'ouvre au réseau (avertissement affiché)."),
    ouvrir: bool = typer.Option(False, "--ouvrir", help="Ouvre la page dans le navigateur de cet ordinateur."),
    donnees: Optional[List[Path]] = DONNEES,
    regles: Optional[Path] = REGLES,
) -> None:
    """Page web locale : orienter une personne, consulter l'annuaire, le rapport et le graphe d'un
    territoire. Rien ne sort de l'ordinateur : aucune situation n'est enregistrée ni journalisée."""
    from orienter.web.app import LOOPBACK, WebApp
    from orienter.web.server import create, serve, url_of

    local = hote in LOOPBACK or hote.startswith("127.")
    if not local:
        sys.stderr.write(f"ATTENTION : --hote {hote} rend la page joignable par d'autres machines du réseau, sans "
                         "chiffrement ni authentification. Les situations saisies y transiteraient en clair : "
                         "gardez 127.0.0.1 sauf sur un réseau de confiance.\n")
    app = WebApp(donnees, regles, bound=hote)
    loaded = app.directory.current()  # read the directory once, before the first visit
    if loaded.error is not None:
        sys.stderr.write("Les données sont invalides : les pages afficheront l'erreur tant qu'elles ne sont pas "
                         "corrigées (orienter validate liste tout).\n")
    try:
        server = create(app, hote, port)
    except OSError as exc:
        import errno

        reasons = {errno.EADDRINUSE: "port déjà utilisé. Choisissez-en un autre avec --port (ou --port 0 pour un "
                                     "port libre)",
                   errno.EADDRNOTAVAIL: "cette adresse n'appartient pas à cet ordinateur (--hote)",
                   errno.EACCES: "permission refusée (un port inférieur à 1024 demande des droits particuliers)"}
        reason = reasons.get(exc.errno or 0, f"erreur du système (errno {exc.errno})")
        raise OrienterError(f"Impossible d'écouter sur {hote}:{port} : {reason}.", ExitCode.USAGE) from None
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(hote, hote)  # every interface: this machine's address
    address = url_of(shown, server.server_port)

    def ready() -> None:
        sys.stdout.write(f"orienter web : ouvrez {address} dans votre navigateur.\n"
                         "Arrêt : Ctrl-C. Rien n'est enregistré ni journalisé.\n")
        sys.stdout.flush()
        if ouvrir:
            import webbrowser

            webbrowser.open(address)

    try:
        serve(server, ready)
    except KeyboardInterrupt:
        sys.stdout.write("\nServeur arrêté. Aucune situation n'a été conservée.\n")
    finally:
        server.server_close()
