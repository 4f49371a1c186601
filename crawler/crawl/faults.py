"""What a failed download means: the rejection reason it stands for in rejects.jsonl.

The middlewares raise RobotsTxtUnavailable and RedirectLoop; the spider's errback asks
fault_of() what any failure means. Both sides import this module, neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, ResponseDataLossError, StopDownload
from twisted.internet.defer import CancelledError


class RobotsTxtUnavailable(IgnoreRequest):
    """The host's robots.txt answered 5xx/429 or could not be fetched: nothing is fetched there."""


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already in the request's own redirect chain."""


def media_type(content_type: bytes | None) -> str:
    return (content_type or b"").split(b";")[0].strip().decode("latin-1").lower()


# --- what a failed download means ---------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    reason: str  # processing.CRAWL_REJECT_REASONS or cleaners.document.REJECT_REASONS
    detail: str


def _described(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def fault_of(exc: BaseException) -> Fault | None:
    """The rejection a download failure stands for; None for a request dropped on purpose
    (robots.txt forbids it, another component ignored it), which is only counted."""
    if isinstance(exc, StopDownload):
        response = getattr(exc, "response", None)
        kind = media_type(response.headers.get(b"Content-Type")) if response is not None else "?"
        return Fault("undecodable", f"Content-Type {kind}: not HTML, not downloaded")
    if isinstance(exc, ResponseDataLossError):
        return Fault("truncated", "the connection closed before the announced Content-Length arrived")
    if isinstance(exc, (DownloadCancelledError, CancelledError)):
        return Fault("too-large", _described(exc) if str(exc) else "larger than DOWNLOAD_MAXSIZE")
    if isinstance(exc, RedirectLoop):
        return Fault("redirect-loop", str(exc))
    if isinstance(exc, RobotsTxtUnavailable):
        return Fault("fetch-error", _described(exc))
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "max redirections reached" in message:
            return Fault("redirect-loop", "more redirects than REDIRECT_MAX_TIMES")
        if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware: a compression bomb
            return Fault("too-large", message)
        return None
    return Fault("fetch-error", _described(exc))
