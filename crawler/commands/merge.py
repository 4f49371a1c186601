"""`vnnews merge DIR… --into DIR`: one corpus from the output folders of several machines.

Contract: one line per source (documents listed, added, duplicates) and a total on stdout,
or one JSON object with --json; exit 0 when the merge is complete and durable; 1 when a
source cannot be merged (a document that does not match its manifest: nothing of it is
written, the rest of the merge up to it is kept and a rerun continues); 2 on bad usage
(missing folder, the target among the sources, a process writing the target).
crawler/corpus/merge.py states the guarantees.
"""

from __future__ import annotations

import json
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "merge", help="merge output folders (of several machines) into one corpus",
        description="Union the corpora of several output folders into one: by canonical URL, then by "
                    "text digest; new documents numbered in order of crawled_at; the manifest records "
                    "the source folder of each. Incremental, idempotent and crash-safe: rerun it after "
                    "an interruption or when the sources have grown. A DIR that has no manifest.jsonl "
                    "but output folders inside (a cluster node's output: one folder per site) counts "
                    "as all of them.")
    parser.add_argument("sources", nargs="+", metavar="DIR", help="output folders to merge (read only)")
    parser.add_argument("--into", metavar="DIR", required=True, help="the merged output folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.corpus.merge import MergeError, merge, output_folders
    from crawler.corpus.writer import CorpusError

    try:
        output_folders(args.sources)
    except MergeError as exc:
        print(f"vnnews merge: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = merge(args.sources, args.into)
    except MergeError as exc:
        print(f"vnnews merge: {exc}", file=sys.stderr)
        return EXIT_USAGE if "target" in str(exc) else EXIT_FAILED
    except CorpusError as exc:
        print(f"vnnews merge: {exc}", file=sys.stderr)
        return EXIT_USAGE if "another vnnews process" in str(exc) else EXIT_FAILED
    if args.json:
        print(json.dumps(result.to_record(), ensure_ascii=False))
        return EXIT_OK
    for s in result.sources:
        print(f"{s.source}: {s.listed} listed, {s.added} added, {s.duplicate_url} same URL, "
              f"{s.duplicate_text} same text, {s.near_duplicate} near-duplicate, {s.rejects_added} rejects added")
    print(f"{result.into}: {result.added} documents added, {result.total} in all")
    return EXIT_OK
