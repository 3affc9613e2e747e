"""The standard library's WSGI server, threaded and silent: no request line, no address, no body
is ever logged (a situation is health data, and the commune typed for completion is part of it)."""

from __future__ import annotations

import socket
import threading
from socketserver import ThreadingMixIn
from typing import Any, Callable, Optional
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class QuietHandler(WSGIRequestHandler):
    server_version = "orienter"
    sys_version = ""
    # A request the HTTP layer refuses before the application (malformed, too long): in French too.
    error_message_format = ('<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Erreur %(code)d'
                            '</title></head><body><h1>Erreur %(code)d</h1><p>Requête refusée par orienter web : '
                            'ouvrez l\'adresse affichée au lancement.</p></body></html>\n')
    error_content_type = "text/html; charset=utf-8"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard name
        """Nothing is logged: no URL, no client, no status."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # Ctrl-C does not wait for a browser's idle connection
    allow_reuse_address = True
    request_queue_size = 32


class ThreadingServer6(ThreadingServer):
    address_family = socket.AF_INET6


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def create(app: Callable[..., Any], host: str = "127.0.0.1", port: int = 8765) -> ThreadingServer:
    """A server bound to `host:port` (port 0: a free port, read back from `server_port`)."""
    server_class = ThreadingServer6 if ":" in host else ThreadingServer
    return make_server(host, port, app, server_class=server_class, handler_class=QuietHandler)  # type: ignore[return-value]


def in_thread(app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingServer, str]:
    """A server running in a background thread (tests, the browser check): stop it with
    `server.shutdown(); server.server_close()`."""
    server = create(app, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return server, url_of(host, server.server_port)


def serve(server: ThreadingServer, ready: Optional[Callable[[], None]] = None) -> None:
    if ready:
        ready()
    server.serve_forever(poll_interval=0.25)
