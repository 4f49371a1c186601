"""Running the site spiders in-process with the project settings (vnnews crawl / demo).

Scrapy is imported here, not in crawler/cli.py, so `vnnews clean` works without it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    """Bad command-line input: printed as is, exit 2."""


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


def use_config(config: str | None) -> None:
    """Spiders are generated from $VNNEWS_CONFIG at import: set it before Scrapy loads them."""
    if config:
        if not Path(config, "sites").is_dir():
            raise UsageError(f"--config {config}: expected a folder with a sites/ subfolder of YAML files")
        os.environ["VNNEWS_CONFIG"] = str(Path(config).resolve())


def configured_sites() -> list[str]:
    from .registry import load_registry

    try:
        return sorted(load_registry().sites)
    except ValueError as exc:  # ConfigErrors: every problem with file, line and field
        raise UsageError(f"invalid configuration:\n{exc}") from None


def choose_sites(names: list[str], all_sites: bool) -> list[str]:
    known = configured_sites()
    if all_sites == bool(names):
        raise UsageError("name one or more sites, or give --all")
    if all_sites:
        if not known:
            raise UsageError("no sites configured (config/sites/*.yaml)")
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown site {', '.join(unknown)}; configured: {', '.join(known) or 'none'}")
    return list(dict.fromkeys(names))


def project_settings(overrides: dict):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
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
        from .replica_handler import parse_replica

        try:
            parse_replica(overrides["VNNEWS_REPLICA"])
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    process = CrawlerProcess(project_settings(overrides))
    crawlers = {}
    for site in sites:
        crawlers[site] = process.create_crawler(site)
        process.crawl(crawlers[site])
    process.start()
    return [SiteRun(site, dict(crawler.stats.get_stats()) if crawler.stats else {})
            for site, crawler in crawlers.items()]


def print_summary(runs: list[SiteRun], out_dir: Path, stream=sys.stdout) -> None:
    """A table a person can read: per site, pages, documents, rejections, duration."""
    width = max([len(r.site) for r in runs] + [4])
    print(f"\n{'site':<{width}}  {'pages':>5}  {'written':>7}  {'dupes':>5}  {'time':>6}  rejections", file=stream)
    for run in runs:
        rejected = ", ".join(f"{reason} {count}" for reason, count in run.rejections.items()) or "-"
        status = "" if run.finish_reason == "finished" else f"  [{run.finish_reason}]"
        print(f"{run.site:<{width}}  {run.pages:>5}  {run.written:>7}  {run.duplicates:>5}  "
              f"{run.duration:>5.1f}s  {rejected}{status}", file=stream)
    total = sum(r.written for r in runs)
    print(f"\n{total} new document(s) in {out_dir / 'corpus'}; "
          f"manifest {out_dir / 'manifest.jsonl'}, rejections {out_dir / 'rejects.jsonl'}", file=stream)


def exit_code(runs: list[SiteRun]) -> int:
    return EXIT_OK if runs and all(r.finish_reason == "finished" for r in runs) else EXIT_FAILED
