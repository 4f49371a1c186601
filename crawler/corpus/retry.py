"""Which rejections are final and which are tried again, and when. No Scrapy import.

Every line of rejects.jsonl carries its `retry` policy (docs/operations.md, "Retries"):

- "final": a verdict on the page itself that no later run changes: not Vietnamese, not
  text (undecodable), an HTTP 4xx other than 408/425/429 (the page is gone).
- "on-change": a verdict of the cleaner (not-article, too-short, garbled) that a fixed site
  config or a new vnnews release may reverse. The state store keeps the site's config hash
  and the vnnews version with each outcome; the page is fetched again (or re-cleaned from
  the archive) when either changed since, or with `vnnews crawl --retry-rejected`.
- "next-run": everything that may go away by itself (fetch errors, 5xx, 429, timeouts,
  truncated transfers, cleaner bugs): fetched again on later runs, the first retry on the
  next run, then with a backoff that doubles per failed attempt (retry_wait_hours).
"""

from __future__ import annotations

import datetime as dt
import re

from cleaners.document import REJECT_REASONS

FINAL, ON_CHANGE, NEXT_RUN = "final", "on-change", "next-run"

# Rejections of the cleaner that a config or cleaner change may reverse. (cleaner-error is a
# bug: it is an error, retried with backoff, and a fixed release retries it as well.)
CLEANER_REASONS = ("not-article", "too-short", "garbled")

# HTTP statuses that say "try again later", not "this page is gone".
TRANSIENT_STATUSES = {408, 425, 429}

# Backoff of failed fetches: the first retry on the next run, then BASE, 2*BASE, ... hours
# after the last attempt, never more than MAX.
BACKOFF_BASE_HOURS = 1.0
BACKOFF_MAX_HOURS = 7 * 24.0


def retry_policy(reason: str, detail: str | None = None) -> str:
    if reason in CLEANER_REASONS:
        return ON_CHANGE
    if reason in REJECT_REASONS:
        return FINAL
    if reason == "http-error":
        match = re.search(r"\b(\d{3})\b", detail or "")
        status = int(match.group(1)) if match else 0
        return FINAL if 400 <= status < 500 and status not in TRANSIENT_STATUSES else NEXT_RUN
    return NEXT_RUN


def retry_wait_hours(attempts: int, base: float = BACKOFF_BASE_HOURS, cap: float = BACKOFF_MAX_HOURS) -> float:
    """Hours to wait after the last of `attempts` failed fetches before the next one."""
    if attempts <= 1:
        return 0.0
    return min(base * 2 ** (attempts - 2), cap)


def backoff_over(fetched_at: str | None, attempts: int, now: dt.datetime, base: float = BACKOFF_BASE_HOURS) -> bool:
    if not fetched_at:
        return True
    last = dt.datetime.strptime(fetched_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return now >= last + dt.timedelta(hours=retry_wait_hours(attempts, base))
