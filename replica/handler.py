"""Download handler that can send the configured sites' requests to the loopback replica.

With VNNEWS_REPLICA = "127.0.0.1:PORT", a request for any configured site's domain
(https://baolaichau.vn/x) is sent as http://127.0.0.1:PORT/x with the header
"Host: baolaichau.vn", and the response comes back under the original URL. So configs keep
the real domains, links on replica pages resolve to the real domains, and everything
after the download (robots.txt, redirects, the dupefilter, the corpus) sees the real site.
Any other request, and every request when the setting is empty, goes to Scrapy's own
HTTP handler unchanged.
"""

from __future__ import annotations


from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawler.crawl.replica_routing import parse_replica
from crawler.registry import load_registry

def to_replica(request: Request, host: str, port: int) -> Request:
    """The same request sent to http://HOST:PORT, with the real host in the Host header."""
    parts = urlparse_cached(request)
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    url = f"http://{netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    headers = request.headers.copy()
    real_host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    headers[b"Host"] = real_host.encode("ascii")
    headers.pop(b"Proxy-Authorization", None)
    # a proxy from the environment must not see loopback traffic
    meta = {k: v for k, v in request.meta.items() if k not in ("proxy", "_auth_proxy")}
    return request.replace(url=url, headers=headers, meta=meta)


class ReplicaDownloadHandler(BaseDownloadHandler):
    """DOWNLOAD_HANDLERS for http and https."""

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        self.http = build_from_crawler(HTTP11DownloadHandler, crawler)
        value = crawler.settings.get("VNNEWS_REPLICA") or ""
        self.replica = parse_replica(value) if value else None
        self.registry = load_registry()
        self.stats = crawler.stats

    def routes_to_replica(self, request: Request) -> bool:
        return bool(self.replica) and self.registry.site_for_url(request.url) is not None

    async def download_request(self, request: Request) -> Response:
        if not self.routes_to_replica(request):
            return await self.http.download_request(request)
        self.stats.inc_value("replica/requests")
        local = to_replica(request, *self.replica)
        response = await self.http.download_request(local)
        if "download_latency" in local.meta:
            request.meta["download_latency"] = local.meta["download_latency"]
        return response.replace(url=request.url, request=request)

    async def close(self) -> None:
        await self.http.close()
