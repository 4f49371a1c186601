"""`vnnews dedup`: find near-duplicate documents (syndicated copies) and name the canonical copy.

Writes `clusters.jsonl` beside the manifest (cluster, cluster_size, duplicate_of per
document) and keeps its index in `dedup/index.sqlite`; see crawler/corpus/dedup.py.
Incremental: documents already in the index are not read again. A crawl runs it at its end.
"""

from __future__ import annotations

import json
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "dedup", help="find syndicated copies (near-duplicates) and mark their canonical copy",
        description="Compare every document the dedup index does not hold yet with the indexed ones "
                    "(MinHash LSH over 5-syllable shingles, plus shared paragraphs for excerpts), then "
                    "write clusters.jsonl: cluster, cluster_size and duplicate_of for every document "
                    "of the manifest. Documents stay in the corpus.")
    parser.add_argument("--out", metavar="DIR", default="output", help="output folder (default: output/)")
    parser.add_argument("--config", metavar="DIR",
                        help="config folder, for the site titles a `source` line names (default: config/)")
    parser.add_argument("--rebuild", action="store_true",
                        help="forget the index and compare every document again")
    parser.add_argument("--batch", type=int, default=2000, metavar="N",
                        help="documents per index transaction: kill -9 loses at most the batch in progress "
                             "(default 2000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def site_titles(config: str | None) -> dict[str, list[str]]:
    """The configured sites' titles, or none (the canonical copy is then the earliest one)."""
    from crawler.corpus.dedup import site_titles_from_registry

    try:
        return site_titles_from_registry(config)
    except (ValueError, OSError) as exc:
        print(f"vnnews dedup: warning: no site titles ({str(exc).splitlines()[0]}); a copy's `source` "
              "line cannot name the original, the earliest copy is canonical", file=sys.stderr)
        return {}


def run(args) -> int:
    from pathlib import Path

    from crawler.corpus.dedup import DedupError, FolderBusy, deduplicate

    out = Path(args.out)
    if not (out / "manifest.jsonl").is_file():
        print(f"vnnews dedup: --out {out}: no manifest.jsonl (not a vnnews output folder)", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = deduplicate(out, site_titles(args.config), rebuild=args.rebuild, batch=max(1, args.batch))
    except FolderBusy as exc:
        print(f"vnnews dedup: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except DedupError as exc:
        print(f"vnnews dedup: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(vars(result)))
    else:
        print(f"{out}: {result.summary()}")
    return EXIT_OK
