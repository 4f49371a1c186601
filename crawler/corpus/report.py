"""What the crawls of an output folder did, per site, and whether a site's template changed.

Read from the crawl-state store (crawler/corpus/state.py): each site's last run (start, end,
outcome, pages, documents, rejections by reason, errors) and its history. No Scrapy import.

Site health. A changed template shows as article pages whose body the site's selectors no
longer find: the cleaner rejects them ("not-article: no article body") or, when the page
still declares itself an article, falls back to generic extraction (CleanResult.counts
"fallback/generic"). For a run, the share is (no-body + generic) / article pages cleaned.
A site is flagged when, in its most recent run that cleaned at least MIN_ARTICLES article
pages, the share is at least ALERT_SHARE and at least ALERT_FACTOR times the median share of
its earlier runs of that size (up to HISTORY_RUNS of them). A site with no such earlier run
has no history to compare with and is not flagged.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crawler.corpus.state import DB_NAME, CrawlState, state_dir

MIN_ARTICLES = 5
ALERT_SHARE = 0.30
ALERT_FACTOR = 3.0
HISTORY_RUNS = 10


class NoState(ValueError):
    """The folder has no state store: nothing was crawled into it (yet)."""


@dataclass
class Health:
    judged: bool  # False: too few article pages, or no history
    flagged: bool
    share: float | None = None  # last judged run: (no-body + generic) / article pages
    bad: int = 0
    articles: int = 0
    run_id: int | None = None
    history_median: float | None = None
    history_runs: int = 0
    note: str = ""


@dataclass
class SiteReport:
    site: str
    runs: int
    last_run: dict
    pages: int
    articles: int
    written: int
    duplicates: int
    skipped: int
    rejections: dict[str, int]
    errors: dict[str, int]
    duration: float | None
    health: Health
    store: dict[str, int] = field(default_factory=dict)  # URLs in the store by outcome

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def to_record(self) -> dict:
        record = asdict(self)
        record["error_count"] = self.error_count
        return record


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    parse = lambda s: dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def _by_prefix(counts: dict[str, int], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: v for k, v in sorted(counts.items()) if k.startswith(prefix)}


def run_share(run: dict) -> tuple[int, int]:
    """(article pages with no body or a generic fallback, article pages cleaned) of a run."""
    counts = run["counts"]
    return counts.get("no-body", 0) + counts.get("generic", 0), counts.get("articles", 0)


def health(runs: list[dict], min_articles: int = MIN_ARTICLES) -> Health:
    judged = [r for r in runs if run_share(r)[1] >= min_articles]
    if not judged:
        return Health(False, False, note=f"no run cleaned {min_articles} or more article pages yet")
    last, history = judged[-1], judged[-1 - HISTORY_RUNS:-1]
    bad, articles = run_share(last)
    share = bad / articles
    result = Health(False, False, share=share, bad=bad, articles=articles, run_id=last["id"],
                    history_runs=len(history))
    if not history:
        result.note = "no earlier run to compare with"
        return result
    result.judged = True
    result.history_median = statistics.median(b / a for b, a in map(run_share, history))
    result.flagged = share >= ALERT_SHARE and share >= ALERT_FACTOR * result.history_median
    return result


def site_report(state: CrawlState, site: str, min_articles: int = MIN_ARTICLES) -> SiteReport:
    runs = state.runs(site)
    last = runs[-1]
    counts = last["counts"]
    errors = _by_prefix(counts, "error/")
    if counts.get("failed-requests"):
        errors["failed-requests"] = counts["failed-requests"]
    end = last["ended_at"] or last["updated_at"]
    return SiteReport(
        site=site, runs=len(runs),
        last_run={k: last[k] for k in ("id", "pid", "started_at", "ended_at", "updated_at", "outcome", "options")},
        pages=counts.get("pages", 0), articles=counts.get("articles", 0), written=counts.get("written", 0),
        duplicates=counts.get("duplicate", 0), skipped=counts.get("skipped", 0),
        rejections=_by_prefix(counts, "rejected/"), errors=errors,
        duration=_seconds(last["started_at"], end), health=health(runs, min_articles),
        store=state.url_outcomes(site))


def open_state(out_dir: str | Path) -> CrawlState:
    path = state_dir(out_dir) / DB_NAME
    if not path.exists():
        raise NoState(f"{out_dir}: no crawl state ({path} does not exist); nothing was crawled into this "
                      "folder yet, or give --out the folder `vnnews crawl` wrote")
    return CrawlState(out_dir)


def build_report(out_dir: str | Path, sites: list[str] | None = None,
                 min_articles: int = MIN_ARTICLES) -> list[SiteReport]:
    state = open_state(out_dir)
    try:
        known = state.sites()
        return [site_report(state, s, min_articles) for s in (sites or known) if s in known]
    finally:
        state.close()


# --- text ------------------------------------------------------------------------------------------

def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}m"


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in counts.items()) or "-"


def health_line(report: SiteReport) -> str:
    h = report.health
    if h.share is None or not h.judged:
        return f"{report.site}: health not judged ({h.note})"
    verdict = "TEMPLATE CHANGED?" if h.flagged else "ok"
    return (f"{report.site}: {verdict} {h.share:.0%} of article pages had no body or fell back to generic "
            f"extraction in run {h.run_id} ({h.bad} of {h.articles}); median of {h.history_runs} earlier "
            f"run(s) {h.history_median:.0%}")


def format_report(reports: list[SiteReport], out_dir: str | Path) -> str:
    width = max([len(r.site) for r in reports] + [4])
    lines = [f"{'site':<{width}}  {'last run':<20}  {'outcome':<9}  {'pages':>5}  {'written':>7}  "
             f"{'skipped':>7}  {'errors':>6}  {'time':>5}  rejections"]
    for r in reports:
        started = r.last_run["started_at"].replace("T", " ").rstrip("Z")
        lines.append(f"{r.site:<{width}}  {started:<20}  {r.last_run['outcome']:<9}  {r.pages:>5}  "
                     f"{r.written:>7}  {r.skipped:>7}  {r.error_count:>6}  {_duration(r.duration):>5}  "
                     f"{_reasons(r.rejections)}")
    errors = [f"  {r.site}: {_reasons(r.errors)}" for r in reports if r.errors]
    if errors:
        lines += ["", "errors (retried next run):", *errors]
    lines += ["", "health (share of article pages with no body or a generic fallback):"]
    lines += [f"  {health_line(r)}" for r in reports]
    lines += ["", f"state: {state_dir(out_dir) / DB_NAME}"]
    return "\n".join(lines)


def unhealthy(reports: list[SiteReport]) -> list[SiteReport]:
    return [r for r in reports if r.health.flagged]
