"""Sends the configured sites' requests to a loopback replica, only when one is named.

A live crawl leaves VNNEWS_REPLICA empty and this add-on changes nothing: Scrapy's own
download handlers fetch every page. With VNNEWS_REPLICA=127.0.0.1:PORT (`vnnews demo`, the
tests, `vnnews crawl --replica`, or `scrapy crawl -s VNNEWS_REPLICA=...`) the replica's
handler (replica/handler.py, test infrastructure kept out of this package) takes http and
https. An add-on runs after every settings source, command-line `-s` included, so the
handler is installed whichever way the address was given.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from pathlib import Path

REPLICA_HANDLER = "replica.handler.ReplicaDownloadHandler"

_HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")


def parse_replica(value: str) -> tuple[str, int]:
    """'127.0.0.1:8080' -> ('127.0.0.1', 8080); a clear error for anything else."""
    match = _HOST_PORT.match(value.strip())
    if not match or not 0 < int(match.group("port")) < 65536:
        raise ValueError(f"VNNEWS_REPLICA: expected HOST:PORT such as 127.0.0.1:8080, got {value!r}")
    host = match.group("host").strip("[]")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:  # the replica is a test fixture; it must never stand in for a real server
        raise ValueError(f"VNNEWS_REPLICA: expected a loopback address (127.0.0.1, ::1, localhost), got {host!r}")
    return host, int(match.group("port"))


class ReplicaRouting:
    def update_settings(self, settings) -> None:
        if not settings.get("VNNEWS_REPLICA"):
            return
        import_replica()  # a clear error, not a failed handler import, outside a checkout
        handlers = {**settings.getdict("DOWNLOAD_HANDLERS"), "http": REPLICA_HANDLER, "https": REPLICA_HANDLER}
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="addon")


def import_replica():
    """The `replica` package of a source checkout. It is test and demo infrastructure, not part
    of the installed package: from a checkout it is found beside `crawler/`; from a wheel it is
    missing and the error says so."""
    try:
        import replica
    except ImportError:
        root = Path(__file__).resolve().parents[2]
        if not (root / "replica" / "__init__.py").is_file():
            raise ReplicaMissing(
                "the replica sites are test and demo infrastructure that only a source checkout has "
                "(replica/ beside crawler/); clone the repository and run `make demo` there") from None
        sys.path.insert(0, str(root))
        import replica
    return replica


class ReplicaMissing(RuntimeError):
    pass
