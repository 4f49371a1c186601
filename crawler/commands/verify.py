"""`vnnews verify`: check an output folder's corpus against its manifest.

Contract for schedulers: one problem a line (`file: problem`) on stdout, then a summary
line; exit 0 when manifest and corpus agree, 1 when any problem was found, 2 when the
folder cannot be checked (missing, or a crawl is writing it). `--json` prints one object.
"""

from __future__ import annotations

import json
import sys

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify", help="check a corpus folder against its manifest",
        description="Check that every corpus file is listed once in manifest.jsonl, that hashes, "
                    "ids and sequence numbers match, and that each file keeps the corpus format "
                    "(UTF-8, NFC, headline, blank-line-separated paragraphs). Exit 1 on any problem.")
    parser.add_argument("--out", metavar="DIR", default="output", help="output folder (default: output/)")
    parser.add_argument("--json", action="store_true", help="print one JSON object for monitoring")
    parser.set_defaults(run=run)


def run(args) -> int:
    from crawler.corpus.verify import VerifyError, verify_corpus

    try:
        report = verify_corpus(args.out)
    except VerifyError as exc:
        print(f"vnnews verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report.to_record(), ensure_ascii=False))
    else:
        for problem in report.problems:
            print(problem)
        print(report.summary())
    return EXIT_OK if report.ok else EXIT_PROBLEMS
