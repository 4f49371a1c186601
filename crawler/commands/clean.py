"""`vnnews clean`: one saved page (or a batch of them) to corpus documents.

Contract other tools rely on: the document text on stdout exactly as the corpus file
holds it, exit 0; a rejected page prints `rejected: REASON` on stderr, exit 3;
unreadable input or bad usage: a message on stderr, exit 2.

Input is capped as the crawl caps it: a page larger than DOWNLOAD_MAXSIZE, before or after
gunzipping (a compression bomb), is rejected `too-large` without being read whole; an empty
one is `undecodable`. FILE `-` reads standard input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_REJECTED = 0, 2, 3


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "clean", help="clean a saved page (.html or .html.gz) into a corpus document",
        description="Print the corpus document of a saved page; exit 3 with 'rejected: REASON' if rejected.")
    parser.add_argument("file", nargs="?", help="the page, .html or .html.gz; - reads standard input")
    parser.add_argument("--url", help="the page's URL (default: its canonical or og:url link)")
    parser.add_argument("--site", help="a configured site name, or 'generic' for no site config or CMS profile")
    parser.add_argument("--format", choices=("text", "json"),
                        help="output format (default text; --batch always writes JSON lines)")
    parser.add_argument("--explain", action="store_true",
                        help="list every removed piece on stderr, then where trafilatura (second opinion) "
                             "disagrees; --format json carries it as second_opinion")
    parser.add_argument("--batch", metavar="LIST.jsonl",
                        help="clean many pages in one process: one JSON object a line with path, url, site")
    parser.add_argument("--expect-lang", metavar="CODE",
                        help="language the text must be in, or 'any' (default: the site's, vi)")
    parser.add_argument("--any-page", action="store_true",
                        help="keep the main text of any page: no home/error/listing/length gates "
                             "(to measure extraction on non-news pages)")
    parser.add_argument("--config", metavar="DIR", help="config folder (default: config/ or $VNNEWS_CONFIG)")
    parser.set_defaults(run=run)


def run(args) -> int:
    if bool(args.file) == bool(args.batch):
        return _usage("give either FILE or --batch LIST.jsonl")
    if args.batch and args.format == "text":
        return _usage("--batch writes one JSON line per page; --format text is for one page")
    try:
        cleaner = _cleaner(args.config)
    except ValueError as exc:  # ConfigErrors: every problem, located
        return _usage(f"invalid configuration:\n{exc}")
    if args.site and _unknown_site(cleaner, args.site):
        return _usage(_unknown_site(cleaner, args.site))
    if args.batch:
        return run_batch(cleaner, Path(args.batch), args)
    return run_one(cleaner, args)


def _cleaner(config: str | None):
    from cleaners.cleaner import Cleaner
    from cleaners.siteconfig import ConfigRegistry

    return Cleaner(ConfigRegistry(Path(config)) if config else None)


def _usage(message: str) -> int:
    print(f"vnnews clean: {message}", file=sys.stderr)
    return EXIT_USAGE


def _unknown_site(cleaner, site: str) -> str | None:
    known = cleaner.registry.sites
    if site == "generic" or site in known:
        return None
    return f"unknown site {site!r}; configured: {', '.join(sorted(known))}, or generic"


class PageRejected(ValueError):
    """The input is not a page to clean: too large, or empty. Reported like a rejection."""

    def __init__(self, reason: str, detail: str):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}")


def max_page_bytes() -> int:
    """The crawl's DOWNLOAD_MAXSIZE (the settings module imports no Scrapy)."""
    from crawler.crawl.settings import DOWNLOAD_MAXSIZE

    return DOWNLOAD_MAXSIZE


def _read_page(path: Path | str, limit: int | None = None) -> bytes:
    """The page's bytes, gunzipped when gzip (by magic). Never holds more than `limit` + 1 bytes
    of either form: above it the page is PageRejected too-large, as the crawl rejects it."""
    import zlib

    limit = max_page_bytes() if limit is None else limit
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
    except OSError as exc:
        raise OSError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise PageRejected("too-large", f"more than {limit} bytes (DOWNLOAD_MAXSIZE)")
    if data.startswith(b"\x1f\x8b"):
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(data, limit + 1)
        except zlib.error as exc:
            raise ValueError(f"corrupt gzip: {exc}") from None
        if len(data) > limit or inflater.unconsumed_tail:
            raise PageRejected("too-large", f"more than {limit} bytes after gunzip (DOWNLOAD_MAXSIZE)")
    if not data.strip():
        raise PageRejected("undecodable", f"empty page ({len(data)} bytes)")
    return data


def _rejected(reason: str, detail: str, site: str | None, url: str | None):
    from cleaners.document import CleanResult

    return CleanResult(status="rejected", reason=reason, detail=detail, url=url, site=site or "generic")


def run_one(cleaner, args) -> int:
    path = args.file
    opinion = None
    try:
        body = _read_page(path)
        result = cleaner.clean(body, url=args.url, site=args.site, explain=args.explain,
                               expect_lang=args.expect_lang, any_page=args.any_page)
        if args.explain:  # only here: never in a crawl or --batch
            from cleaners.second_opinion import second_opinion

            opinion = second_opinion(body, result)
    except PageRejected as exc:
        result = _rejected(exc.reason, exc.detail, args.site, args.url)
    except (OSError, ValueError) as exc:
        return _usage(f"{'standard input' if path == '-' else path}: {exc}")
    if args.explain:
        _print_explanation(result, opinion)
    if args.format == "json":
        record = result.to_record()
        if opinion is not None:
            record["second_opinion"] = opinion.to_dict()
        print(json.dumps(record, ensure_ascii=False))
    elif result.ok:
        sys.stdout.write(result.document.text)
    if not result.ok:
        print(f"rejected: {result.reason}", file=sys.stderr)
        return EXIT_REJECTED
    return EXIT_OK


def _print_explanation(result, opinion=None) -> None:
    err = sys.stderr
    print(f"site: {result.site}  cms: {result.cms}  url: {result.url}", file=err)
    for removal in result.removed:
        text = removal.text if len(removal.text) <= 120 else removal.text[:117] + "..."
        print(f"- [{removal.step}] {removal.rule}: {text}", file=err)
    counts = ", ".join(f"{k}={v}" for k, v in sorted(result.counts.items()))
    print(f"removed: {len(result.removed)} pieces ({counts or 'none'})", file=err)
    for note in result.notes:  # selectors that matched nothing, generic rules that stood in
        print(f"note: {note}", file=err)
    if not result.ok:
        print(f"rejected by: {result.reason} ({result.detail})", file=err)
    for line in opinion.lines() if opinion is not None else ():  # trafilatura's view, where it differs
        print(line, file=err)


def run_batch(cleaner, list_path: Path, args) -> int:
    """One JSON line out per line in, in input order; a bad line gets an error record, not a crash."""
    try:
        lines = list_path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return _usage(f"{list_path}: cannot read the list: {exc}")
    out = sys.stdout
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record = _batch_record(cleaner, list_path, number, line, args)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return EXIT_OK


def _batch_record(cleaner, list_path, number, line, args) -> dict:
    try:
        item = json.loads(line)
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise ValueError("expected a JSON object with a string field 'path'")
    except ValueError as exc:
        return {"status": "error", "reason": "bad-input", "detail": f"{list_path}:{number}: {exc}", "path": None}
    path = Path(item["path"])
    if not path.is_absolute():
        path = list_path.parent / path if not path.exists() else path
    site = item.get("site") or args.site
    unknown = _unknown_site(cleaner, site) if site else None
    if unknown:
        return {"status": "error", "reason": "unknown-site", "detail": f"{list_path}:{number}: {unknown}",
                "site": site, "path": item["path"]}
    try:
        body = _read_page(path)
        result = cleaner.clean(body, url=item.get("url"), site=site,
                               expect_lang=item.get("expect_lang") or args.expect_lang,
                               any_page=args.any_page)
    except PageRejected as exc:
        result = _rejected(exc.reason, exc.detail, site, item.get("url"))
    except (OSError, ValueError) as exc:
        return {"status": "error", "reason": "unreadable", "detail": f"{path}: {exc}", "path": item["path"]}
    record = result.to_record()
    record["path"] = item["path"]
    return record
