"""`vnnews reprocess`: rebuild the corpus from the raw WARC archive, no network."""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "reprocess", help="rebuild the corpus from the WARC archive with the current cleaners",
        description="Replay output/raw/*.warc.gz in order through the current cleaners into a fresh folder "
                    "(default output/reprocessed-<time>/). Nothing is fetched.")
    parser.add_argument("--from-raw", metavar="DIR", default="output/raw",
                        help="folder of WARC files written by a crawl (default: output/raw)")
    parser.add_argument("--out", metavar="DIR", help="new or empty folder for the rebuilt corpus")
    parser.add_argument("--jobs", metavar="N", type=int, default=None,
                        help="processes that read and clean (default: the number of cores); the output is the same "
                             "for any N")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="clean on a Dask cluster (pip install 'vnnews[cluster]'): one task per ~1 MB range of a "
                             "WARC file, which the workers must read at the same path; tcp:// only on loopback, else "
                             "tls:// (docs/archives.md)")
    parser.add_argument("--config", metavar="DIR", help="config folder (default: config/ or $VNNEWS_CONFIG)")
    parser.set_defaults(run=run)


def _usage(message: str) -> int:
    print(f"vnnews reprocess: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args) -> int:
    from crawler.registry import load_registry
    from crawler.corpus.reprocess import NotFresh, default_target, reprocess

    raw_dir = Path(args.from_raw)
    if not raw_dir.is_dir() or not any(p.name.endswith((".warc.gz", ".warc.gz.open")) for p in raw_dir.iterdir()):
        return _usage(f"--from-raw {raw_dir}: expected a folder of .warc.gz files written by vnnews crawl")
    try:
        registry = load_registry(args.config)
    except ValueError as exc:
        return _usage(f"invalid configuration:\n{exc}")
    from crawler.corpus.distributed import InsecureScheduler
    from crawler.corpus.parallel import default_jobs

    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        return _usage(f"--jobs {jobs}: expected a number of processes, 1 or more")
    target = Path(args.out) if args.out else default_target(raw_dir.parent)
    try:
        counts = reprocess(raw_dir, target, registry, jobs=jobs, scheduler=args.scheduler)
    except (NotFresh, InsecureScheduler) as exc:
        return _usage(str(exc))
    written = counts.get("written", 0)
    dupes = counts.get("duplicate-url", 0) + counts.get("duplicate-text", 0)
    print(f"{counts.get('pages', 0)} archived page(s): {written} document(s) written to {target / 'corpus'}, "
          f"{dupes} duplicate(s), {counts.get('rejected', 0)} rejection(s) in {target / 'rejects.jsonl'}")
    return EXIT_OK
