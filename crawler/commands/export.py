"""`vnnews export DEST`: the corpus as a Hugging Face dataset folder (Parquet or JSONL.zst).

See crawler/corpus/export.py for the layout and crawler/corpus/datacard.py for the card.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="write the corpus as a dataset folder (Parquet or JSONL) with a dataset card",
        description="Join manifest.jsonl, clusters.jsonl (vnnews dedup) and the corpus files into one row a "
                    "document and write DEST/<format>/default (canonical copies) and DEST/<format>/all "
                    "(every document), with a Hugging Face dataset card DEST/README.md.")
    parser.add_argument("dest", metavar="DEST", help="export folder (created; a format's folder in it is replaced)")
    parser.add_argument("--format", choices=("parquet", "jsonl"), action="append",
                        help="parquet (default) or jsonl (.jsonl.zst); give it twice for both")
    parser.add_argument("--out", metavar="DIR", default="output", help="the crawl's output folder (default: output/)")
    parser.add_argument("--canonical-only", action="store_true",
                        help="only the canonical copy of each near-duplicate cluster")
    parser.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
    parser.add_argument("--since", type=_date, metavar="DATE",
                        help="only documents published on or after DATE (documents without a date are left out)")
    parser.add_argument("--shard-by", choices=("size", "site", "month"), default="size",
                        help="cut shards by size only (part-NNNNN, default), or also by site (<site>-NNNNN) or "
                             "by month of publication (<YYYY-MM>-NNNNN, undated-NNNNN)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import importlib.util
    from pathlib import Path

    formats = list(dict.fromkeys(args.format or ["parquet"]))
    needed = ["datasketch", "pyarrow" if "parquet" in formats else None, "zstandard" if "jsonl" in formats else None]
    missing = [name for name in needed if name and importlib.util.find_spec(name) is None]
    if missing:
        print(f"vnnews export: needs {', '.join(missing)}: pip install 'vnnews[export]'", file=sys.stderr)
        return EXIT_USAGE

    from crawler.corpus.dedup import DedupError, FolderBusy
    from crawler.corpus.export import ExportError, export

    out = Path(args.out)
    if not (out / "manifest.jsonl").is_file():
        print(f"vnnews export: --out {out}: no manifest.jsonl (not a vnnews output folder)", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = export(out, args.dest, formats=formats, canonical_only=args.canonical_only,
                        sites=args.site, since=args.since, shard_by=args.shard_by)
    except FolderBusy as exc:
        print(f"vnnews export: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except (ExportError, DedupError) as exc:
        print(f"vnnews export: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if result.not_deduplicated:
        print(f"vnnews export: warning: {result.not_deduplicated} document(s) crawled after the last "
              f"`vnnews dedup --out {out}` are exported as clusters of one; run it first", file=sys.stderr)
    files = sum(len(v) for v in result.files.values())
    print(f"{result.documents} document(s) ({result.canonical} canonical, {result.clusters} cluster(s) of copies) "
          f"exported to {args.dest} as {', '.join(formats)}: {files} file(s), card {Path(args.dest) / 'README.md'}")
    return EXIT_OK
