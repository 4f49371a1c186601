"""`vnnews export`: the corpus as a dataset other projects load in one line.

One row a document, the manifest's fields joined with clusters.jsonl (crawler/corpus/dedup.py)
and the file's text:

    id, url, site, title, text, paragraphs, published, author, source, kicker, category,
    lang, lang_prob, chars, text_sha256, crawled_at, cluster, cluster_size, duplicate_of, version

`text` is the corpus file as it is (headline, blank line, paragraphs), so
sha256(text) == text_sha256; `paragraphs` the paragraphs after the headline.

Layout of the export folder DEST (a Hugging Face dataset folder; each format in its own
folder, since one dataset folder must not mix formats):

    DEST/README.md                                the dataset card (crawler/corpus/datacard.py)
    DEST/parquet/default/part-00000.parquet ...   canonical copies (duplicate_of is null)
    DEST/parquet/all/part-00000.parquet ...       every document
    DEST/jsonl/default/part-00000.jsonl.zst ...   the same as JSON lines, zstd-compressed
    DEST/jsonl/all/...

Parquet: pyarrow, zstd, shards of at most SHARD_ROWS rows and about SHARD_BYTES of text
each, in manifest order; `published` a timestamp with the +07:00 offset (Vietnam's; a date
without an offset is read as Vietnam time), `crawled_at` one in UTC. JSONL keeps both as the
manifest's ISO 8601 strings.

Crash safety: a format's folder is written whole under DEST/.FORMAT.tmp-PID/, fsynced, then
swapped in by renames (the old folder moved to DEST/.FORMAT.old first, removed last). A run
killed at any point leaves the previous export or the new one in place, never a mix; the
next run removes the leftovers (and puts .FORMAT.old back if the swap was cut between its
two renames). The card is replaced atomically after the data.

No Scrapy import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crawler.corpus.dedup import FolderLock, cluster_fields, read_clusters
from crawler.corpus.writer import MANIFEST, fsync_dir

FORMATS = ("parquet", "jsonl")
CONFIGS = ("default", "all")  # default: the canonical copies
SHARD_ROWS = 50_000
SHARD_BYTES = 256 * 1024 * 1024  # of text, before compression
VIETNAM = dt.timezone(dt.timedelta(hours=7))
COLUMNS = ("id", "url", "site", "title", "text", "paragraphs", "published", "author", "source", "kicker",
           "category", "lang", "lang_prob", "chars", "text_sha256", "crawled_at", "cluster", "cluster_size",
           "duplicate_of", "version")


class ExportError(RuntimeError):
    """The export cannot be made (no manifest, a listed file unreadable, bad option)."""


def arrow_schema():
    import pyarrow as pa

    string = pa.string()
    return pa.schema([
        ("id", string), ("url", string), ("site", string), ("title", string), ("text", string),
        ("paragraphs", pa.list_(string)), ("published", pa.timestamp("ms", tz="+07:00")),
        ("author", string), ("source", string), ("kicker", string), ("category", string),
        ("lang", string), ("lang_prob", pa.float64()), ("chars", pa.int64()), ("text_sha256", string),
        ("crawled_at", pa.timestamp("ms", tz="UTC")), ("cluster", string), ("cluster_size", pa.int64()),
        ("duplicate_of", string), ("version", string),
    ])


def parse_time(value, default_tz=VIETNAM) -> dt.datetime | None:
    """An ISO 8601 string of the manifest as an aware datetime; None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=default_tz)


@dataclass
class ExportResult:
    dest: str
    documents: int = 0  # rows of the "all" config (or of "default" with canonical_only)
    canonical: int = 0
    not_deduplicated: int = 0  # documents clusters.jsonl does not list yet
    files: dict[str, list[str]] = field(default_factory=dict)
    sites: Counter = field(default_factory=Counter)
    years: Counter = field(default_factory=Counter)
    langs: Counter = field(default_factory=Counter)
    chars: int = 0
    clusters: int = 0  # clusters of two or more documents among the exported rows


def select(entries: list[dict], clusters: dict, sites: list[str] | None, since: dt.date | None) -> list[dict]:
    rows = []
    for entry in entries:
        if sites and entry["site"] not in sites:
            continue
        if since is not None:
            published = parse_time(entry.get("published"))
            if published is None or published.astimezone(VIETNAM).date() < since:
                continue
        rows.append({**entry, **cluster_fields(clusters, entry["id"])})
    return rows


def _manifest(out: Path) -> list[dict]:
    """The manifest's complete lines. Unlike writer.read_jsonl, never cuts a torn last line:
    the export only reads (under the shared lock), the next crawl repairs."""
    path = out / MANIFEST
    data = path.read_bytes()
    entries = []
    for number, line in enumerate(data[:data.rfind(b"\n") + 1].splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ExportError(f"{path}:{number}: expected a JSON object per line ({exc.msg}); "
                              "run `vnnews verify`") from None
    return entries


def document_row(out: Path, entry: dict) -> dict:
    path = out / entry["file"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: listed in {MANIFEST} (seq {entry['seq']}) but unreadable ({exc}); "
                          "run `vnnews verify`") from None
    if hashlib.sha256(data).hexdigest() != entry["text_sha256"]:
        raise ExportError(f"{path}: content differs from text_sha256 in {MANIFEST}; run `vnnews verify`")
    text = data.decode("utf-8")
    _, _, body = text.rstrip("\n").partition("\n\n")
    row = {name: entry.get(name) for name in COLUMNS}
    row.update(text=text, paragraphs=[p for p in body.split("\n\n") if p], chars=len(text))
    return row


def export(out_dir, dest, formats=("parquet",), canonical_only: bool = False, sites=None,
           since: dt.date | None = None, site_titles: dict | None = None, shard_by: str = "size") -> ExportResult:
    out, dest = Path(out_dir), Path(dest)
    if shard_by not in SHARD_KEYS:
        raise ExportError(f"shard_by: expected one of {', '.join(SHARD_KEYS)}, got {shard_by!r}")
    if not (out / MANIFEST).exists():
        raise ExportError(f"{out}: no {MANIFEST}; crawl into it first")
    if dest.resolve() == out.resolve() or out.resolve() in dest.resolve().parents and \
            dest.resolve().relative_to(out.resolve()).parts[0] in ("corpus", "state", "raw", "dedup"):
        raise ExportError(f"{dest}: the export folder must not be the output folder or one of its data folders")
    dest.mkdir(parents=True, exist_ok=True)
    with FolderLock(out, shared=True):
        entries = _manifest(out)
        clusters = read_clusters(out)
        rows = select(entries, clusters, sites, since)
        result = ExportResult(str(dest))
        result.not_deduplicated = sum(e["id"] not in clusters for e in entries)
        configs = ("default",) if canonical_only else CONFIGS
        for fmt in formats:
            _recover(dest, fmt)
            temp = dest / f".{fmt}.tmp-{os.getpid()}"
            shutil.rmtree(temp, ignore_errors=True)
            files = {}
            for config in configs:
                chosen = [r for r in rows if config == "all" or r["duplicate_of"] is None]
                writer = _write_parquet if fmt == "parquet" else _write_jsonl
                files[config] = writer(out, chosen, temp / config, shard_by)
            _fsync_tree(temp)
            _swap(dest, fmt, temp)
            result.files.update({f"{fmt}/{c}": [f"{fmt}/{c}/{name}" for name in names] for c, names in files.items()})
    counted = rows if not canonical_only else [r for r in rows if r["duplicate_of"] is None]
    result.documents = len(counted)
    result.canonical = sum(r["duplicate_of"] is None for r in rows)
    for row in counted:
        result.sites[row["site"]] += 1
        published = parse_time(row.get("published"))
        result.years[str(published.astimezone(VIETNAM).year) if published else "unknown"] += 1
        result.langs[row.get("lang") or "unknown"] += 1
        result.chars += int(row.get("chars") or 0)
    result.clusters = len({r["cluster"] for r in counted if r["cluster_size"] > 1})
    from crawler.corpus.datacard import write_card

    write_card(dest, result, formats=_present_formats(dest), canonical_only=canonical_only,
               options={"canonical_only": canonical_only, "sites": sites or [], "since": str(since) if since else None})
    return result


def _present_formats(dest: Path) -> list[str]:
    return [fmt for fmt in FORMATS if (dest / fmt).is_dir()]


def _month(entry: dict) -> str:
    published = parse_time(entry.get("published"))
    return published.astimezone(VIETNAM).strftime("%Y-%m") if published else "undated"


# How shards are cut besides their size: "size" alone (part-NNNNN), or one run of shards per
# site (<site>-NNNNN) or per month of publication in Vietnam's time (<YYYY-MM>-NNNNN), so a
# consumer can read one site or one month without scanning the rest.
SHARD_KEYS = {"size": None, "site": lambda entry: entry["site"], "month": _month}


def _shards(out: Path, rows: list[dict], shard_by: str = "size"):
    """(file name stem, rows) pairs, each shard at most SHARD_ROWS rows and about SHARD_BYTES of
    text, and never mixing two sites or two months when shard_by says so (manifest order kept
    within a group)."""
    key = SHARD_KEYS[shard_by]
    groups: dict[str, list[dict]] = {}
    for entry in rows:
        groups.setdefault(key(entry) if key else "part", []).append(entry)
    if not groups:
        yield "part-00000", []
    for prefix in sorted(groups):
        shard, size, number = [], 0, 0
        for entry in groups[prefix]:
            row = document_row(out, entry)
            shard.append(row)
            size += len(row["text"].encode("utf-8"))
            if len(shard) >= SHARD_ROWS or size >= SHARD_BYTES:
                yield f"{prefix}-{number:05d}", shard
                shard, size, number = [], 0, number + 1
        if shard:
            yield f"{prefix}-{number:05d}", shard


def _write_parquet(out: Path, rows: list[dict], folder: Path, shard_by: str = "size") -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    schema = arrow_schema()
    names = []
    for stem, shard in _shards(out, rows, shard_by):
        columns = {name: [row.get(name) for row in shard] for name in COLUMNS}
        columns["published"] = [parse_time(v) for v in columns["published"]]
        columns["crawled_at"] = [parse_time(v, dt.timezone.utc) for v in columns["crawled_at"]]
        table = pa.Table.from_pydict(columns, schema=schema)
        name = f"{stem}.parquet"
        pq.write_table(table, folder / name, compression="zstd", row_group_size=10_000)
        names.append(name)
    return names


def _write_jsonl(out: Path, rows: list[dict], folder: Path, shard_by: str = "size") -> list[str]:
    import zstandard

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for stem, shard in _shards(out, rows, shard_by):
        name = f"{stem}.jsonl.zst"
        with (folder / name).open("wb") as fh, zstandard.ZstdCompressor(level=10).stream_writer(fh) as zst:
            for row in shard:
                zst.write((json.dumps({k: row.get(k) for k in COLUMNS}, ensure_ascii=False) + "\n").encode("utf-8"))
        names.append(name)
    return names


def _fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(Path(folder))


def _swap(dest: Path, fmt: str, temp: Path) -> None:
    """Old folder aside, new folder in, old folder gone: each step a rename or a removal."""
    final, old = dest / fmt, dest / f".{fmt}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(temp, final)
    fsync_dir(dest)
    shutil.rmtree(old, ignore_errors=True)


def _recover(dest: Path, fmt: str) -> None:
    """Undo what a killed export left: its temporary folders; a swap cut between its renames."""
    final, old = dest / fmt, dest / f".{fmt}.old"
    for leftover in dest.glob(f".{fmt}.tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if old.exists():
        if final.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(old, final)

