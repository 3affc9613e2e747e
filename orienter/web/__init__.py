"""`orienter web`: the orientation and the directory in a local web page (issue 15).

- `state`: the directory loaded once per process (workspace, index, engine), reloaded when the
  day changes (dated checks, staleness);
- `views`: what each page shows, as plain data built from the engine and the directory;
- `app`: the WSGI application (routes, forms, headers: no-store, a strict Content-Security-Policy,
  no cookie), templates in `templates/`, CSS and JavaScript in `static/`;
- `server`: the standard library's WSGI server, threaded, silent (no request log).

A situation is health data: it arrives in a POST body, is processed in memory, and is never
written, logged or cached.
"""
