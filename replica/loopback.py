"""The shared base of the loopback test servers: the replica sites (replica/server.py), the
fault server (tests/faultserver.py) and the synthetic benchmark site (benchmarks/synthetic_site.py).

Binds 127.0.0.1 only (port 0 picks a free port), serves from a background thread, and is a
context manager: ``with Server(...) as srv: srv.base_url`` starts it and stops it again.
Standard library only.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = "127.0.0.1"


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1, started with start() (or `with`), stopped with stop()."""

    daemon_threads = True  # a hanging handler never keeps the process (or a test) alive

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0, host: str = LOOPBACK,
                 name: str = "loopback-server"):
        # These servers impersonate real domains or misbehave on purpose: never beyond this machine.
        if host != LOOPBACK:
            raise ValueError(f"a loopback test server binds to {LOOPBACK} only, not {host!r}")
        self._thread: threading.Thread | None = None
        self._name = name
        super().__init__((LOOPBACK, port), handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``, the form VNNEWS_REPLICA takes."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.address}"

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self.serve_forever, name=self._name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (waits for the serving loop, not for hanging handlers) and close the socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
