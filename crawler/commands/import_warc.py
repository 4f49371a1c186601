"""`vnnews import-warc`: the configured sites' articles out of any WARC/ARC file, into a corpus."""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "import-warc", help="import the articles of configured sites from WARC/ARC files (ours, CC-NEWS, CC-MAIN)",
        description="Read WARC/ARC files (paths, folders or globs, in the order given), keep the response "
                    "records of the selected sites' hosts whose URLs are article URLs, clean them and write "
                    "the corpus, manifest and rejects as a crawl does. Incremental: a file listed in "
                    "<out>/imports.jsonl is skipped; an interrupted import resumes.")
    parser.add_argument("paths", nargs="+", metavar="PATH|GLOB", help="WARC/ARC files, folders of them, or globs")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--site", dest="sites", action="append", metavar="NAME",
                       help="a configured site to keep (repeat for more); default: every configured site")
    which.add_argument("--all-sites", action="store_true", help="keep every configured site (the default)")
    parser.add_argument("--generic", metavar="HOSTS", default="",
                        help="comma-separated hosts without a site config: their HTML pages are cleaned generically")
    parser.add_argument("--out", metavar="DIR", default="output", help="output folder (default: output)")
    parser.add_argument("--jobs", metavar="N", type=int, default=None,
                        help="processes that read and clean (default: the number of cores); the output is the same "
                             "for any N")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="clean on a Dask cluster (pip install 'vnnews[cluster]'): one task per ~1 MB range of a "
                             "file, which the workers must read at the same path; tcp:// only on loopback, else tls:// "
                             "(docs/archives.md)")
    parser.add_argument("--config", metavar="DIR", help="config folder (default: config/ or $VNNEWS_CONFIG)")
    parser.set_defaults(run=run)


def _usage(message: str) -> int:
    print(f"vnnews import-warc: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args) -> int:
    from crawler.corpus.importer import Selection, UsageError, expand_paths, import_warcs
    from crawler.corpus.parallel import default_jobs
    from crawler.corpus.writer import CorpusError
    from crawler.registry import load_registry

    try:
        registry = load_registry(args.config)
    except ValueError as exc:
        return _usage(f"invalid configuration:\n{exc}")
    unknown = [name for name in args.sites or () if name not in registry.sites]
    if unknown:
        return _usage(f"--site {', '.join(unknown)}: expected configured site names "
                      f"({', '.join(sorted(registry.sites))})")
    generic = tuple(h.strip().lower().strip(".") for h in args.generic.split(",") if h.strip())
    if any("/" in h or ":" in h for h in generic):
        return _usage(f"--generic {args.generic}: expected host names separated by commas (no scheme, no path)")
    selection = Selection(frozenset(args.sites or registry.sites), generic)
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        return _usage(f"--jobs {jobs}: expected a number of processes, 1 or more")
    try:
        files = expand_paths(args.paths)
    except UsageError as exc:
        return _usage(str(exc))
    out = Path(args.out)
    if args.scheduler:
        from crawler.corpus.distributed import InsecureScheduler, check_address

        try:
            check_address(args.scheduler)
        except InsecureScheduler as exc:
            return _usage(str(exc))
    try:
        counts = import_warcs(files, out, registry, selection, jobs=jobs, scheduler=args.scheduler)
    except CorpusError as exc:
        print(f"vnnews import-warc: {exc}", file=sys.stderr)
        return EXIT_FAILED
    written = counts.get("written", 0)
    dupes = counts.get("duplicate-url", 0) + counts.get("duplicate-text", 0)
    print(f"{counts.get('files/imported', 0)} file(s) imported, {counts.get('files/skipped', 0)} already imported; "
          f"{counts.get('records', 0)} record(s), {counts.get('pages', 0)} article page(s): {written} document(s) "
          f"written to {out / 'corpus'}, {dupes} duplicate(s), {counts.get('rejected', 0)} rejection(s), "
          f"{counts.get('damaged', 0)} damaged record(s)")
    skipped = {k.split('/', 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("skipped/")}
    if skipped:
        print("skipped records: " + ", ".join(f"{k} {v}" for k, v in skipped.items()))
    if counts.get("damaged", 0):
        print(f"vnnews import-warc: {counts['damaged']} damaged record(s) skipped (digest mismatch or a file cut "
              "short; see the warnings above); everything else was imported", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
