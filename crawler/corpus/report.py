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
# Alerts that need no history (`vnnews report --check`, docs/operations.md):
FIRST_RUN_SHARE = 0.5  # a site's first judged run in which this share of article pages had no body
IDLE_RUNS = 3  # runs in a row that wrote nothing while asking for article pages
MAX_AGE_HOURS = 30.0  # no run started for longer than this (the deploy/ timer runs every 6 hours)


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
    run_number: int = 0  # the last run's number among the site's runs (1 = its first)
    corpus: dict = field(default_factory=dict)  # all runs: documents, duplicates, rejections, errors
    history: list[dict] = field(default_factory=list)  # the last runs, newest first (--runs N)
    alerts: list[str] = field(default_factory=list)  # problems --check reports (besides the health)

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


def run_summary(number: int, run: dict) -> dict:
    counts = run["counts"]
    return {"run": number, "id": run["id"], "started_at": run["started_at"], "outcome": run["outcome"],
            "pages": counts.get("pages", 0), "written": counts.get("written", 0),
            "duplicates": counts.get("duplicate", 0), "skipped": counts.get("skipped", 0),
            "rejected": sum(v for k, v in counts.items() if k.startswith("rejected/")),
            "errors": sum(v for k, v in counts.items() if k.startswith("error/")) + counts.get("failed-requests", 0),
            "duration": _seconds(run["started_at"], run["ended_at"] or run["updated_at"])}


def alerts(runs: list[dict], verdict: "Health", now: dt.datetime, min_articles: int = MIN_ARTICLES,
           idle_runs: int = IDLE_RUNS, max_age_hours: float = MAX_AGE_HOURS) -> list[str]:
    """The problems of a site that need no template history: see the module's constants."""
    found = []
    last = runs[-1]
    counts = last["counts"]
    if last["outcome"] not in ("running",) and not counts.get("pages"):
        found.append(f"run {len(runs)} fetched nothing (outcome {last['outcome']})")
    recent = runs[-idle_runs:]
    if len(recent) == idle_runs and all(not r["counts"].get("written") and not r["counts"].get("duplicate")
                                        and r["counts"].get("articles") for r in recent):
        found.append(f"wrote nothing in its last {idle_runs} runs that asked for article pages")
    started = dt.datetime.strptime(last["started_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    age = (now - started).total_seconds() / 3600
    if age > max_age_hours:
        found.append(f"not run for {age:.0f} hours (more than {max_age_hours:g})")
    if verdict.share is not None and not verdict.judged and verdict.share >= FIRST_RUN_SHARE:
        found.append(f"{verdict.bad} of {verdict.articles} article pages had no body or fell back to generic "
                     f"extraction in run {len(runs)}, with no earlier run to compare with")
    return found


def _dead(run: dict, out_dir: Path | None) -> bool:
    """A run still marked running whose site lock nobody holds: its process died."""
    if run["outcome"] != "running" or out_dir is None:
        return False
    import os

    from crawler.corpus.state import default_lock_dir, lock_path
    from crawler.corpus.state import SiteLock, busy_sites

    lock_dir = default_lock_dir(out_dir, os.environ.get("VNNEWS_LOCK_DIR"))
    if lock_path(lock_dir, run["site"]).resolve() in SiteLock._held:
        return False  # this process runs it
    return lock_path(lock_dir, run["site"]).stem not in busy_sites(lock_dir)


def site_report(state: CrawlState, site: str, min_articles: int = MIN_ARTICLES, runs_shown: int = 0,
                now: dt.datetime | None = None) -> SiteReport:
    runs = state.runs(site)
    for run in runs:
        if _dead(run, state.out_dir):
            run["outcome"] = "killed"  # as the next run of the site will record it
    last = runs[-1]
    counts = last["counts"]
    errors = _by_prefix(counts, "error/")
    if counts.get("failed-requests"):
        errors["failed-requests"] = counts["failed-requests"]
    end = last["ended_at"] or last["updated_at"]
    verdict = health(runs, min_articles)
    now = now or dt.datetime.now(dt.timezone.utc)
    return SiteReport(
        site=site, runs=len(runs),
        last_run={k: last[k] for k in ("id", "pid", "started_at", "ended_at", "updated_at", "outcome", "options")},
        pages=counts.get("pages", 0), articles=counts.get("articles", 0), written=counts.get("written", 0),
        duplicates=counts.get("duplicate", 0), skipped=counts.get("skipped", 0),
        rejections=_by_prefix(counts, "rejected/"), errors=errors,
        duration=_seconds(last["started_at"], end), health=verdict,
        store=state.url_outcomes(site), run_number=len(runs), corpus=state.corpus_totals(site),
        history=[run_summary(n, r) for n, r in reversed(list(enumerate(runs, 1)))][:runs_shown],
        alerts=alerts(runs, verdict, now, min_articles))


def open_state(out_dir: str | Path) -> CrawlState:
    path = state_dir(out_dir) / DB_NAME
    if not path.exists():
        raise NoState(f"{out_dir}: no crawl state ({path} does not exist); nothing was crawled into this "
                      "folder yet, or give --out the folder `vnnews crawl` wrote")
    return CrawlState(out_dir)


def build_report(out_dir: str | Path, sites: list[str] | None = None,
                 min_articles: int = MIN_ARTICLES, runs_shown: int = 0) -> list[SiteReport]:
    state = open_state(out_dir)
    try:
        known = state.sites()
        return [site_report(state, s, min_articles, runs_shown) for s in (sites or known) if s in known]
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
    """The last run of each site (the columns of the crawl's summary), then what all runs left."""
    width = max([len(r.site) for r in reports] + [4])
    lines = [f"{'site':<{width}}  {'run':>4}  {'last run':<19}  {'outcome':<9}  {'pages':>5}  {'written':>7}  "
             f"{'dupes':>5}  {'skipped':>7}  {'errors':>6}  {'time':>5}  rejections"]
    for r in reports:
        started = r.last_run["started_at"].replace("T", " ").rstrip("Z")
        lines.append(f"{r.site:<{width}}  {'#' + str(r.run_number):>4}  {started:<19}  {r.last_run['outcome']:<9}  "
                     f"{r.pages:>5}  {r.written:>7}  {r.duplicates:>5}  {r.skipped:>7}  {r.error_count:>6}  "
                     f"{_duration(r.duration):>5}  {_reasons(r.rejections)}")
    errors = [f"  {r.site}: {_reasons(r.errors)}" for r in reports if r.errors]
    if errors:
        lines += ["", "errors (retried next run):", *errors]
    lines += ["", "corpus (all runs): documents, duplicates, rejections by reason, errors waiting for a retry:"]
    for r in reports:
        c = r.corpus
        lines.append(f"  {r.site:<{width}}  {c.get('documents', 0)} documents, {c.get('duplicates', 0)} duplicates; "
                     f"rejected: {_reasons(c.get('rejections', {}))}; errors: {_reasons(c.get('errors', {}))}")
    for r in reports:
        if r.history:
            lines += ["", f"{r.site}: last {len(r.history)} run(s), newest first"]
            lines += [f"  #{h['run']:<4} {h['started_at'].replace('T', ' ').rstrip('Z')}  {h['outcome']:<9}  "
                      f"pages {h['pages']}, written {h['written']}, dupes {h['duplicates']}, skipped {h['skipped']}, "
                      f"rejected {h['rejected']}, errors {h['errors']}, {_duration(h['duration'])}  (id {h['id']})"
                      for h in r.history]
    lines += ["", "health (share of article pages with no body or a generic fallback):"]
    lines += [f"  {health_line(r)}" for r in reports]
    problems = [f"  {r.site}: {alert}" for r in reports for alert in r.alerts]
    if problems:
        lines += ["", "alerts:", *problems]
    lines += ["", f"state: {state_dir(out_dir) / DB_NAME}"]
    return "\n".join(lines)


def problems(reports: list[SiteReport]) -> list[str]:
    """Every line `report --check` prints: a template change, and the alerts."""
    lines = [f"site {r.site}: {health_line(r)}" for r in unhealthy(reports)]
    return lines + [f"site {r.site}: {alert}" for r in reports for alert in r.alerts]


def unhealthy(reports: list[SiteReport]) -> list[SiteReport]:
    return [r for r in reports if r.health.flagged]
