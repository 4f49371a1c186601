"""HTTP server for the replica sites, on loopback only.

Requests reach 127.0.0.1:PORT but carry the real site's ``Host`` header
(``Host: baolaichau.vn``); the server picks the site from it, so crawler
configs keep their real domains. Absolute-form request targets
(``GET http://baolaichau.vn/… HTTP/1.1``, as sent through an HTTP proxy)
work too.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from .loopback import LOOPBACK, LoopbackServer
from .model import load_site, site_names
from .routes import Page, SiteRoutes, routes_for

UNKNOWN_HOST = Page(404, "text/plain; charset=utf-8", b"404 Not Found: unknown host\n")


def bare_host(value: str) -> str:
    """``Baolaichau.vn:8080`` → ``baolaichau.vn``; ``www.`` is served as the bare domain."""
    host = value.strip().lower().rsplit(":", 1)[0] if value else ""
    return host.removeprefix("www.")


class ReplicaHandler(BaseHTTPRequestHandler):
    server: "ReplicaServer"
    server_version = "nginx"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.respond(with_body=True)

    def do_HEAD(self) -> None:
        self.respond(with_body=False)

    def target(self) -> tuple[str, str]:
        """(host, path-with-query) from an origin-form or absolute-form request."""
        if self.path.startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            path = parts.path or "/"
            return parts.netloc, path + (f"?{parts.query}" if parts.query else "")
        return self.headers.get("Host", ""), self.path

    def respond(self, with_body: bool) -> None:
        host, path = self.target()
        routes = self.server.routes_for_host(bare_host(host))
        page = routes.lookup(path) if routes else UNKNOWN_HOST
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if with_body:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class ReplicaServer(LoopbackServer):
    """Serves every replica site on 127.0.0.1; port 0 picks a free port.

    Usable as a context manager (``with ReplicaServer() as srv: srv.base_url``)
    or with explicit ``start()`` / ``stop()``; requests are served from a
    background thread (see replica/loopback.py).
    """

    def __init__(self, port: int = 0, host: str = LOOPBACK, verbose: bool = False):
        if host != LOOPBACK:  # the replica impersonates real domains: never beyond this machine
            raise ValueError(f"the replica binds to {LOOPBACK} only, not {host!r}")
        self.verbose = verbose
        self.by_domain: dict[str, SiteRoutes] = {
            load_site(name).domain: routes_for(name) for name in site_names()}
        super().__init__(ReplicaHandler, port, host, name="replica-server")

    def routes_for_host(self, host: str) -> SiteRoutes | None:
        return self.by_domain.get(host)
