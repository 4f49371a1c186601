"""A loopback HTTP server with hostile endpoints, for the fault and politeness tests.

Standard library only. It binds 127.0.0.1 on a free port and routes by the Host header, so
several test sites (their domains sent here by VNNEWS_REPLICA) share one server. Each route is
a Behaviour: a function that answers one request on the raw handler, as badly as it likes
(hang, lie about the length, close mid-body, redirect in a circle, ...). Every request is
logged with its time, so tests can check what was asked and when.

    with FaultServer({"faults.invalid": {"/": page(b"...")}}) as server:
        server.replica  # "127.0.0.1:PORT"
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Callable

from replica.loopback import LoopbackServer

Behaviour = Callable[["FaultHandler"], None]
HANG_LIMIT = 60.0  # seconds; a hanging endpoint never outlives a forgotten test by more


@dataclass
class Hit:
    host: str
    path: str
    at: float  # time.monotonic()
    user_agent: str


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, as real servers do
    server: "_Server"

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        self.server.owner.record(Hit(host, self.path, time.monotonic(), self.headers.get("User-Agent") or ""))
        behaviour = self.server.owner.routes.get(host, {}).get(self.path)
        with self.server.owner.serving(host):
            (behaviour or not_found)(self)

    # helpers for behaviours ---------------------------------------------------------------
    def head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.head(status, {**headers, "Content-Length": str(len(body))})
        self.wfile.write(body)

    def hang_up(self) -> None:
        """Close the TCP connection at once, whatever was sent."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_message(self, *args):
        pass


class _Server(LoopbackServer):
    owner: "FaultServer"

    def handle_error(self, request, client_address):
        pass  # the crawler hanging up on a hostile endpoint is the expected case, not an error


class FaultServer:
    """Context manager: starts on enter, stops (and releases hanging handlers) on exit."""

    def __init__(self, routes: dict[str, dict[str, Behaviour]]):
        self.routes = routes
        self.hits: list[Hit] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self._httpd: _Server | None = None

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    @contextmanager
    def serving(self, host: str):
        """Counts the requests of a host being answered at once (max_in_flight)."""
        with self._lock:
            self._in_flight[host] = self._in_flight.get(host, 0) + 1
            self.max_in_flight[host] = max(self.max_in_flight.get(host, 0), self._in_flight[host])
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[host] -= 1

    def paths(self, host: str) -> list[str]:
        return [h.path for h in self.hits if h.host == host]

    @property
    def replica(self) -> str:
        return self._httpd.address

    def __enter__(self) -> "FaultServer":
        self._httpd = _Server(FaultHandler, name="fault-server")
        self._httpd.owner = self
        self._httpd.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()  # releases handlers that hang or stream on purpose
        self._httpd.stop()


# --- behaviours ------------------------------------------------------------------------------------

HTML = "text/html; charset=utf-8"


def article(n: int, *, meta_charset: bool = True) -> str:
    """A NukeViet article page the cleaner accepts; n makes its text unique."""
    paragraphs = "".join(
        f"<p>Sáng ngày {n} tháng {i + 1}, Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác "
        f"chuyển đổi số năm {2000 + n}, với sự tham dự của lãnh đạo các sở, ngành và huyện, thành phố; "
        f"đại biểu đã thảo luận về hạ tầng, dịch vụ công trực tuyến và đào tạo cán bộ (mục {i}).</p>"
        for i in range(6))
    meta = '<meta charset="utf-8">' if meta_charset else ""
    return (f'<!DOCTYPE html><html lang="vi"><head>{meta}<title>Bài {n}</title>'
            '<meta name="generator" content="NukeViet v4.3"></head><body>'
            '<div class="news_column panel panel-default"><div class="panel-body">'
            f'<h1 class="title">Hội nghị chuyển đổi số lần thứ {n}</h1>'
            '<div class="hometext">Tỉnh tổng kết công tác chuyển đổi số.</div>'
            f'<div id="news-bodyhtml" class="bodytext">{paragraphs}</div></div></div></body></html>')


def not_found(handler: FaultHandler) -> None:
    handler.answer(404, {"Content-Type": HTML}, b"<html><body>404</body></html>")


def page(body: bytes, content_type: str | None = HTML, status: int = 200, **headers: str) -> Behaviour:
    """A well-formed answer; content_type None sends no Content-Type at all."""
    def behave(handler: FaultHandler) -> None:
        extra = {"Content-Type": content_type} if content_type else {}
        handler.answer(status, {**extra, **{k.replace("_", "-"): v for k, v in headers.items()}}, body)
    return behave


def redirect(location: str, status: int = 302) -> Behaviour:
    return page(b"", None, status, Location=location)


def hang(handler: FaultHandler) -> None:
    """Accept the request and never answer (until the server stops)."""
    handler.server.owner.stopping.wait(HANG_LIMIT)
    handler.hang_up()


def slow(behaviour: Behaviour, seconds: float) -> Behaviour:
    """`behaviour`, after thinking for `seconds` (a busy server; lets requests overlap)."""
    def behave(handler: FaultHandler) -> None:
        handler.server.owner.stopping.wait(seconds)
        behaviour(handler)
    return behave


def first_then(first: Behaviour, then: Behaviour, times: int = 1) -> Behaviour:
    """`first` for the first `times` requests, `then` afterwards."""
    count = {"n": 0}
    lock = threading.Lock()

    def behave(handler: FaultHandler) -> None:
        with lock:
            count["n"] += 1
            n = count["n"]
        (first if n <= times else then)(handler)
    return behave


def http_date(seconds_from_now: float) -> str:
    return formatdate(time.time() + seconds_from_now, usegmt=True)


def truncated(body: bytes, claimed: int) -> Behaviour:
    """Announce `claimed` bytes, send `body` (fewer), hang up."""
    def behave(handler: FaultHandler) -> None:
        handler.head(200, {"Content-Type": HTML, "Content-Length": str(claimed)})
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.hang_up()
    return behave


def close_mid_body(body: bytes) -> Behaviour:
    """No Content-Length, "Connection: close", half the body, then hang up: the client cannot tell
    a cut transfer from the end (HTTP/1.0 style), only the HTML can."""
    def behave(handler: FaultHandler) -> None:
        handler.head(200, {"Content-Type": HTML, "Connection": "close"})
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.hang_up()
    return behave


def close_without_answer(handler: FaultHandler) -> None:
    handler.hang_up()


def oversized(size: int, chunked: bool = False) -> Behaviour:
    """A page of `size` bytes: announced (Content-Length) or streamed (chunked, no length)."""
    filler = b"<p>" + b"x" * 1020 + b"</p>"

    def behave(handler: FaultHandler) -> None:
        framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(size)}
        handler.head(200, {"Content-Type": HTML, **framing})
        sent = 0
        try:
            while sent < size and not handler.server.owner.stopping.is_set():
                data = filler if not chunked else b"%x\r\n%s\r\n" % (len(filler), filler)
                handler.wfile.write(data)
                sent += len(filler)
            if chunked:
                handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client gave up, as it should
        handler.hang_up()
    return behave


def gzip_bomb(expanded: int) -> Behaviour:
    """A few KB on the wire that gunzip to `expanded` bytes (Content-Encoding: gzip)."""
    body = gzip.compress(b"<html><body>" + b" " * expanded + b"</body></html>", compresslevel=9)
    return page(body, HTML, 200, Content_Encoding="gzip")


# --- crawling it -----------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent

# Runs the real crawl (crawler.crawl.runner.run_spiders: the project settings, the generated spiders,
# the Scrapy engine) in a child process, since a Twisted reactor cannot start twice in one, and
# writes each site's final Scrapy stats as JSON.
_RUNNER = """
import json, sys
from crawler.crawl.runner import run_spiders, use_config
use_config(sys.argv[1])
runs = run_spiders(json.loads(sys.argv[2]), json.loads(sys.argv[3]))
with open(sys.argv[4], "w", encoding="utf-8") as fh:
    json.dump({run.site: run.stats for run in runs}, fh, default=str)
"""


def make_config(root: Path, sites: dict[str, str]) -> Path:
    """A config folder with the repo's CMS profiles and the given site YAMLs."""
    shutil.copytree(REPO / "config" / "profiles", root / "profiles")
    (root / "sites").mkdir()
    for name, text in sites.items():
        (root / "sites" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def crawl(config: Path, sites: list[str], out: Path, settings: dict, timeout: float = 120) -> dict:
    """Crawl the sites into `out`; {site: stats}. Fails the test with the log when the run fails."""
    stats_file = out.parent / f"{out.name}-stats.json"
    done = subprocess.run([sys.executable, "-c", _RUNNER, str(config), json.dumps(sites),
                           json.dumps({"VNNEWS_OUTPUT": str(out), "VNNEWS_PROGRESS": "off", **settings}),
                           str(stats_file)], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0 and stats_file.exists(), done.stderr[-5000:]
    return json.loads(stats_file.read_text(encoding="utf-8"))


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
