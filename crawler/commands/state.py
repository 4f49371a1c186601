"""`vnnews state`: show or rebuild an output folder's crawl-state store.

The store (<out>/state/crawl.sqlite) only ever lags the corpus and is reconciled with
manifest.jsonl and rejects.jsonl whenever a crawl opens it; `--rebuild` makes a new one from
them alone (after a lost or damaged store), keeping the old file as crawl.sqlite.old.
"""

from __future__ import annotations

import sys
from contextlib import closing

EXIT_OK, EXIT_USAGE = 0, 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "state", help="show or rebuild the crawl-state store of an output folder",
        description="Count the URLs the crawl-state store knows by outcome, or rebuild it from "
                    "manifest.jsonl and rejects.jsonl (--rebuild). Refused while a crawl writes the folder.")
    parser.add_argument("--out", metavar="DIR", default="output", help="output folder (default: output/)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store from the manifest and rejects")
    parser.set_defaults(run=run)


def run(args) -> int:
    from pathlib import Path

    from crawler.corpus.writer import CorpusError, CorpusWriter
    from crawler.registry import load_registry
    from crawler.corpus.state import CrawlState, StateError, rebuild, state_dir
    from crawler.urls import Canonicalizer

    out = Path(args.out)
    if not out.is_dir():
        print(f"vnnews state: --out {out}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        # the corpus writer's lock: no crawl is writing, and a torn manifest line is cut first
        with CorpusWriter(out):
            canonical = Canonicalizer(load_registry())
            if args.rebuild:
                path, rows = rebuild(out, canonical)
                print(f"rebuilt {path}: {rows} URL(s) from {out / 'manifest.jsonl'} and {out / 'rejects.jsonl'}")
                return EXIT_OK
            with closing(CrawlState(out)) as state:
                state.reconcile(canonical)
                outcomes = state.url_outcomes()
    except (CorpusError, StateError, ValueError) as exc:
        print(f"vnnews state: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{state_dir(out) / 'crawl.sqlite'}: " + (", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
                                                     or "no URL recorded"))
    return EXIT_OK
