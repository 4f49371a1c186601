"""Running the site spiders in-process with the project settings (vnnews crawl / demo).

Scrapy is imported here, not in crawler/cli.py, so `vnnews clean` works without it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BUSY = 75  # EX_TEMPFAIL: a site or the output folder is being crawled; try again later
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's convention: stopped by Ctrl-C or SIGTERM before the end
INTERRUPTED = ("shutdown", "killed")  # Scrapy's finish_reason after the first signal; ours after the second


class UsageError(ValueError):
    """Bad command-line input: printed as is, exit 2."""


class Busy(RuntimeError):
    """Another process crawls one of the sites or writes the output folder: printed, exit 75."""


@dataclass
class SiteRun:
    """What one spider did, from its Scrapy stats."""

    site: str
    stats: dict = field(default_factory=dict)

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "not started"))

    @property
    def pages(self) -> int:
        return int(self.stats.get("response_received_count", 0))

    @property
    def written(self) -> int:
        return int(self.stats.get("corpus/written", 0))

    @property
    def duration(self) -> float:
        return float(self.stats.get("elapsed_time_seconds", 0.0))

    @property
    def rejections(self) -> dict[str, int]:
        prefix = "clean/rejected/"
        return {k[len(prefix):]: int(v) for k, v in sorted(self.stats.items()) if k.startswith(prefix)}

    @property
    def duplicates(self) -> int:
        return int(self.stats.get("corpus/duplicate-url", 0)) + int(self.stats.get("corpus/duplicate-text", 0))

    @property
    def skipped(self) -> int:
        """Articles not fetched again: an earlier run wrote or rejected them."""
        return int(self.stats.get("incremental/skipped", 0))

    @property
    def errors(self) -> int:
        """Requests given up after their retries: fetched again next run."""
        return int(self.stats.get("retry/max_reached", 0))

    @property
    def failure(self) -> str | None:
        """Why this site's run did not do its job (one line), None when it did. A run fails when
        it did not finish, when robots.txt could not be read, when it fetched nothing, or when
        it asked for article pages and wrote none of them (docs/operations.md, "Exit status")."""
        stats = self.stats
        if self.finish_reason != "finished":
            return f"did not finish ({self.finish_reason})"
        if stats.get("robotstxt/unavailable"):
            return f"robots.txt: {stats.get('robotstxt/unavailable/why', 'unavailable')}; nothing fetched"
        if not self.pages:
            first = stats.get("faults/first")
            return "fetched nothing" + (f" ({first})" if first else "")
        # article pages asked for that were not the retry of a failed fetch (a site whose only
        # article is a page that keeps failing is not a failed run: the error is retried)
        asked = int(stats.get("incremental/article_requests/fresh", 0)) - int(
            stats.get("incremental/older_than_since/fetched", 0))
        if asked > 0 and not self.written and not self.duplicates:
            rejected = ", ".join(f"{reason} {n}" for reason, n in self.rejections.items())
            return f"wrote nothing of {asked} article page(s) asked for" + (f": {rejected}" if rejected else "")
        return None


def use_config(config: str | None) -> None:
    """Spiders are generated from $VNNEWS_CONFIG at import: set it before Scrapy loads them."""
    if config:
        if not Path(config, "sites").is_dir():
            raise UsageError(f"--config {config}: expected a folder with a sites/ subfolder of YAML files")
        os.environ["VNNEWS_CONFIG"] = str(Path(config).resolve())


def configured_sites() -> list[str]:
    return sorted(_registry().sites)


def _registry():
    from crawler.registry import load_registry, skip_broken_sites

    skip_broken_sites()  # one broken site YAML must not stop the others (select_sites reports it)

    try:
        return load_registry()
    except ValueError as exc:  # ConfigErrors of a profile: every problem with file, line and field
        raise UsageError(f"invalid configuration:\n{exc}") from None


@dataclass
class Selection:
    """The sites a run crawls, and those it was asked for (or --all found) that cannot run."""

    sites: list[str]
    not_run: dict[str, str] = field(default_factory=dict)  # site -> why (printed, exit status 1)
    notes: list[str] = field(default_factory=list)  # printed on stderr before the crawl


def select_sites(names: list[str], all_sites: bool, include_disabled: bool = False) -> Selection:
    """--all: every enabled site (every site with include_disabled); a site whose YAML is broken
    is reported and skipped, the others run. Named sites: those, enabled or not; a named site
    with a broken YAML is a usage error (exit 2) naming its problems."""
    registry = _registry()
    known = sorted(registry.sites)
    if all_sites == bool(names):
        raise UsageError("name one or more sites, or give --all")
    broken = {site: "invalid configuration: " + "; ".join(str(e) for e in errors)
              for site, errors in sorted(registry.broken.items())}
    if all_sites:
        chosen = [s for s in known if include_disabled or registry.sites[s].enabled]
        disabled = [s for s in known if s not in chosen]
        if not chosen and not broken:
            raise UsageError("no enabled sites configured (config/sites/*.yaml)")
        notes = [f"skipped (enabled: false): {', '.join(disabled)}"] if disabled else []
        return Selection(chosen, broken, notes)
    bad = {n: broken[n] for n in names if n in broken}
    if bad:
        raise UsageError("\n".join(f"site {n}: {why}" for n, why in bad.items()))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown site {', '.join(unknown)}; configured: {', '.join(known) or 'none'}")
    chosen = list(dict.fromkeys(names))
    disabled = [s for s in chosen if not registry.sites[s].enabled]
    notes = [f"{s}: enabled: false in its YAML; crawled because it was named" for s in disabled]
    return Selection(chosen, {}, notes)


def choose_sites(names: list[str], all_sites: bool) -> list[str]:
    selection = select_sites(names, all_sites)
    if selection.not_run:
        raise UsageError("\n".join(f"site {s}: {why}" for s, why in selection.not_run.items()))
    return selection.sites


def project_settings(overrides: dict):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.crawl.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def replica_settings(replica: str) -> dict:
    """Settings for crawling the loopback replica: no politeness delay, since the server is
    ours and on this machine. Only ever together with VNNEWS_REPLICA (loopback enforced)."""
    return {"VNNEWS_REPLICA": replica, "VNNEWS_SITE_POLITENESS": False, "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


def run_spiders(sites: list[str], overrides: dict) -> list[SiteRun]:
    """Crawl the sites concurrently in one Scrapy process; their stats when all are done."""
    from scrapy.crawler import CrawlerProcess

    if overrides.get("VNNEWS_REPLICA"):
        from crawler.crawl.replica_routing import parse_replica

        try:
            parse_replica(overrides["VNNEWS_REPLICA"])
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    settings = project_settings(overrides)
    check_run_options(settings)
    check_folder(settings)
    warning = contact_warning(settings)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    process = stopping_process(CrawlerProcess)(settings)
    with crawl_locks(settings, sites):
        crawlers = create_crawlers(process, sites)
        for crawler in crawlers.values():
            process.crawl(crawler)
        process.start()
    return [SiteRun(site, dict(crawler.stats.get_stats()) if crawler.stats else {})
            for site, crawler in crawlers.items()]


def check_folder(settings) -> None:
    """A live crawl never writes into a folder that holds replica data (exit 2)."""
    from crawler.corpus.state import replica_runs

    out_dir = Path(settings.get("VNNEWS_OUTPUT") or "output")
    if settings.get("VNNEWS_REPLICA") or not settings.getbool("VNNEWS_STATE"):
        return
    runs = replica_runs(out_dir)
    if runs:
        raise UsageError(f"{out_dir} holds replica data ({runs} run(s) crawled a loopback replica, "
                         "e.g. `vnnews demo`): a live crawl would mix reconstructed pages with real ones "
                         "and skip real articles as done; crawl into another --out (or remove the folder)")


def stopping_process(base):
    """CrawlerProcess with the Ctrl-C of docs/operations.md ("Stopping").

    First SIGINT/SIGTERM: Scrapy's graceful stop (nothing new leaves the scheduler, the pages in
    flight finish and are written) and, on top of it, the requests already waiting in the
    downloader's slots (for a politeness delay or a free connection) are dropped unfetched, so no
    new request starts: the run stops within the longest download in flight (DOWNLOAD_TIMEOUT at
    most). The dropped URLs are not recorded: the next run fetches them. Second signal: the runs
    are marked `killed` in the state store, then the reactor stops at once."""

    class StoppingProcess(base):
        def _signal_shutdown(self, signum, frame) -> None:
            from twisted.internet import reactor

            super()._signal_shutdown(signum, frame)
            reactor.callFromThread(self._drop_waiting_requests)

        def _signal_kill(self, signum, frame) -> None:
            from twisted.internet import reactor

            reactor.callFromThread(self._mark_killed)  # queued before the reactor's stop
            super()._signal_kill(signum, frame)

        def _drop_waiting_requests(self) -> None:
            from scrapy.exceptions import IgnoreRequest

            for crawler in list(self.crawlers):
                downloader = getattr(crawler.engine, "downloader", None)
                dropped = 0
                for slot in list(getattr(downloader, "slots", {}).values()):
                    while slot.queue:
                        _request, waiting = slot.queue.popleft()
                        dropped += 1
                        waiting.errback(IgnoreRequest("stopping (Ctrl-C): not fetched; the next run fetches it"))
                if dropped:
                    crawler.stats.inc_value("shutdown/dropped_requests", dropped)

        def _mark_killed(self) -> None:
            from crawler.corpus.state import mark_killed

            folders = {str(crawler.settings.get("VNNEWS_OUTPUT") or "output") for crawler in self.crawlers
                       if crawler.settings.getbool("VNNEWS_STATE")}
            for folder in folders:
                mark_killed(folder, os.getpid())
            for crawler in self.crawlers:
                if crawler.stats and not crawler.stats.get_value("finish_reason"):
                    crawler.stats.set_value("finish_reason", "killed")

    return StoppingProcess


def contact_warning(settings) -> str | None:
    """A live crawl without VNNEWS_CONTACT: webmasters have no one to ask about the crawler."""
    if settings.get("VNNEWS_REPLICA") or settings.get("VNNEWS_CONTACT"):
        return None
    return ("no contact set: the User-Agent is the bare " + repr(settings.get("USER_AGENT")) + "; set "
            "VNNEWS_CONTACT (a URL or mailto: address where webmasters reach you) before crawling real sites")


def create_crawlers(process, sites: list[str]) -> dict:
    """One crawler per site, all holding the same RunWriters: one corpus writer, archive and
    state store per output folder for the whole run."""
    from crawler.crawl.writers import RunWriters

    writers = RunWriters()
    crawlers = {}
    for site in sites:
        crawlers[site] = process.create_crawler(site)
        writers.share_with(crawlers[site])
    return crawlers


def check_run_options(settings) -> None:
    """VNNEWS_SINCE, VNNEWS_MAX_ARTICLES, VNNEWS_PROGRESS and VNNEWS_CLEAN_NICENESS, checked
    before anything starts."""
    from crawler.crawl.incremental import max_articles_setting, since_setting
    from crawler.crawl.pipelines import clean_niceness_setting
    from crawler.crawl.progress import progress_enabled

    try:
        since_setting(settings)
        max_articles_setting(settings)
        clean_niceness_setting(settings)
        progress_enabled(settings.get("VNNEWS_PROGRESS"), sys.stderr)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@contextmanager
def crawl_locks(settings, sites: list[str]):
    """Hold every site's lock for the whole run, and make sure no other process writes the
    output folder, so the second of two overlapping runs stops at once with a clear message.
    (The crawl's own components take the same locks again: they are re-entrant.)"""
    from crawler.corpus.writer import LOCK
    from crawler.corpus.state import SiteBusy, SiteLock, busy_sites, default_lock_dir

    if not settings.getbool("VNNEWS_STATE"):
        yield
        return
    out_dir = Path(settings.get("VNNEWS_OUTPUT") or "output")
    lock_dir = default_lock_dir(out_dir, settings.get("VNNEWS_LOCK_DIR"))
    with ExitStack() as held:
        for site in sites:
            try:
                held.enter_context(SiteLock(lock_dir, site))
            except SiteBusy as exc:
                raise Busy(str(exc)) from None
        if folder_busy(out_dir / LOCK):
            others = busy_sites(lock_dir)
            who = "; ".join(f"{site} by {holder}" for site, holder in others.items()) or "sites unknown"
            raise Busy(f"{out_dir}: another vnnews process is writing this output folder ({who}); one process "
                       "writes a folder at a time: wait for it, crawl the sites together in one "
                       "`vnnews crawl`, or use another --out")
        yield


def folder_busy(lock_file: Path) -> bool:
    """Whether a CorpusWriter of another process holds the folder's lock now."""
    if not lock_file.exists():
        return False
    with lock_file.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
    return False  # closing the file released our probe before the crawl takes the lock


def print_summary(runs: list[SiteRun], out_dir: Path, stream=sys.stdout) -> None:
    """A table a person can read: per site, pages, documents, rejections, errors, duration.

    The figures are those `vnnews report` shows for this run (the state store's), so the
    end-of-run summary and the report never disagree; Scrapy's stats stand in only when
    the store is off (VNNEWS_STATE = False)."""
    reports = this_runs_reports(runs, out_dir)
    width = max([len(r.site) for r in runs] + [4])
    print(f"\n{'site':<{width}}  {'pages':>5}  {'written':>7}  {'dupes':>5}  {'skipped':>7}  {'errors':>6}  "
          f"{'time':>6}  rejections", file=stream)
    errors = []
    for run in runs:
        report = reports.get(run.site)
        figures = _report_figures(report) if report else _stats_figures(run)
        rejected = ", ".join(f"{reason} {count}" for reason, count in figures["rejections"].items()) or "-"
        status = "" if run.finish_reason == "finished" else f"  [{run.finish_reason}]"
        print(f"{run.site:<{width}}  {figures['pages']:>5}  {run.written:>7}  {figures['duplicates']:>5}  "
              f"{figures['skipped']:>7}  {figures['errors']:>6}  {run.duration:>5.1f}s  {rejected}{status}",
              file=stream)
        if report and report.errors:
            errors.append(f"  {run.site}: " + ", ".join(f"{reason} {n}" for reason, n in report.errors.items()))
    if errors:
        print("\nerrors (retried next run):", *errors, sep="\n", file=stream)
    total = sum(r.written for r in runs)
    print(f"\n{total} new document(s) in {out_dir / 'corpus'}; "
          f"manifest {out_dir / 'manifest.jsonl'}, rejections {out_dir / 'rejects.jsonl'}", file=stream)
    print_health_warnings([r.site for r in runs], out_dir, stream)


def this_runs_reports(runs: list[SiteRun], out_dir: Path) -> dict:
    """The state store's report of each site whose last recorded run is the one just ended."""
    from crawler.corpus.report import NoState, build_report
    from crawler.corpus.state import StateError

    try:
        reports = build_report(out_dir, [r.site for r in runs])
    except (NoState, StateError):
        return {}
    started = {r.site: r.stats.get("start_time") for r in runs}
    return {report.site: report for report in reports if _is_this_run(report.last_run, started.get(report.site))}


def _is_this_run(recorded: dict, crawl_start) -> bool:
    # The store's run opens with the spider, within moments of Scrapy's start_time (UTC,
    # aware), in this process; the store keeps whole seconds.
    if recorded.get("pid") != os.getpid() or not hasattr(crawl_start, "timestamp"):
        return False
    opened = dt.datetime.strptime(recorded["started_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return opened.timestamp() >= crawl_start.timestamp() - 2


def _report_figures(report) -> dict:
    return {"pages": report.pages, "duplicates": report.duplicates, "skipped": report.skipped,
            "errors": report.error_count, "rejections": report.rejections}


def _stats_figures(run: SiteRun) -> dict:
    return {"pages": run.pages, "duplicates": run.duplicates, "skipped": run.skipped,
            "errors": run.errors, "rejections": run.rejections}


def print_health_warnings(sites: list[str], out_dir: Path, stream=sys.stdout) -> None:
    """The sites whose template seems to have changed (`vnnews report --check`'s rule)."""
    from crawler.corpus.report import NoState, build_report, health_line, unhealthy
    from crawler.corpus.state import StateError

    try:
        flagged = unhealthy(build_report(out_dir, sites))
    except (NoState, StateError):
        return  # VNNEWS_STATE off: no history to judge by
    for report in flagged:
        print(f"warning: {health_line(report)}", file=stream)
    if flagged:
        print(f"(`vnnews report --out {out_dir}` for the details)", file=stream)


def exit_code(runs: list[SiteRun], not_run: dict[str, str] | None = None) -> int:
    """0 when every site did its job; 1 when a site failed (SiteRun.failure) or did not run
    (a broken YAML under --all); 130 when a signal (Ctrl-C, SIGTERM) stopped it before the end,
    whatever the sites did until then. Usage errors are 2, a busy site or folder 75."""
    if any(r.finish_reason in INTERRUPTED for r in runs):
        return EXIT_INTERRUPTED
    if not runs or not_run or any(r.failure for r in runs):
        return EXIT_FAILED
    return EXIT_OK


def print_failures(runs: list[SiteRun], not_run: dict[str, str] | None = None, stream=sys.stdout) -> None:
    """One line per site that failed or did not run, naming the cause."""
    lines = [f"  {r.site}: {r.failure}" for r in runs if r.failure]
    lines += [f"  {site}: not run: {why}" for site, why in (not_run or {}).items()]
    if lines:
        print("\nFAILED (exit status 1):", *lines, sep="\n", file=stream)


def dedup_after_crawl(out_dir: Path, stream=sys.stdout) -> bool:
    """`vnnews dedup` on the folder just crawled, incrementally: only the new documents are
    compared with the index. False (and why, on stderr) when it failed; skipped with a note
    when the export extra (datasketch) is not installed."""
    try:
        from crawler.corpus.dedup import DedupError, deduplicate, site_titles_from_registry
    except ImportError as exc:
        print(f"near-duplicates not checked: {exc.name} is missing (pip install 'vnnews[export]')", file=stream)
        return True
    if not (out_dir / "manifest.jsonl").exists():
        return True
    try:
        result = deduplicate(out_dir, site_titles_from_registry())
    except (DedupError, ValueError, OSError) as exc:
        print(f"vnnews dedup: {exc}", file=sys.stderr)
        return False
    print(f"near-duplicates: {result.summary()} (clusters in {out_dir / 'clusters.jsonl'})", file=stream)
    return True
