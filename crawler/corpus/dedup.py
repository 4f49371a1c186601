"""Near-duplicate documents across sites and within a site, with provenance.

Provincial papers republish each other and the national wire, slightly edited ("(CTO) - "
before the lead, a paragraph dropped, "Nguồn: Báo Bắc Kạn" added). Every document stays in
the corpus; this module groups the copies into clusters and names one canonical copy.

How a pair is found (the FineWeb-2 / datatrove setting, research in ../shared/research):

- Key: the document body without its headline (syndicated copies often change it),
  folded by `cleaners.vi.text.fold_for_dedup` (NFC, lower case, one tone-mark style,
  digits folded). The key is only for comparing; the corpus text keeps its own spelling.
- Shingles: 5 syllables, within a paragraph (so reordered paragraphs keep their shingles).
- MinHash with 112 permutations (datasketch), LSH in 14 bands of 8 rows (BandTable): catches copies
  at Jaccard >= 0.87 with near certainty.
- Excerpts (two of three paragraphs copied) sit far below that Jaccard, so every paragraph
  of 8 syllables or more is also indexed by its folded hash: two documents sharing one are
  candidates too.
- Every candidate is verified on the exact shingle sets: a pair is a near-duplicate when
  the shingles shared cover at least 2/3 of the smaller document's (containment; a
  Jaccard of 0.87 implies it).

Clusters are the connected components of the pairs. The canonical copy of a cluster is the
one whose site another copy's `source` names ("Nguồn: Báo Bắc Kạn" -> the Báo Bắc Kạn
copy), otherwise the earliest `published`, then the earliest `crawled_at`, then the
lowest `seq`. A cluster's id is the id of its first document in the corpus (lowest seq),
so it stays the same as copies join it later (two clusters merged by a new bridging copy
keep the older id).

Files, beside manifest.jsonl (the manifest itself is append-only and never rewritten):

- `dedup/index.sqlite`: the index (each document's MinHash signature, its paragraph keys
  and the verified pairs). SQLite in WAL mode with synchronous=FULL: a run commits every
  BATCH documents, so kill -9 loses at most the batch in progress and the next run
  carries on from the first document the index does not hold. It is derived data: delete
  it (or `vnnews dedup --rebuild`) and it is built again from the manifest and the files.
- `clusters.jsonl`: one line per document of the manifest, in manifest order:
  `{"id", "cluster", "cluster_size", "duplicate_of"}` (`duplicate_of` null for the
  canonical copy and for documents without copies). Rewritten whole at the end of every run
  through a temporary file, fsync and rename, so a reader sees the old or the new file,
  never a mix. `vnnews export` and `vnnews verify` join it with the manifest by `id`.

No Scrapy import: `vnnews dedup` runs where only the corpus is.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import sqlite3
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
from datasketch import MinHash

from cleaners.vi.text import fold_for_compare, fold_for_dedup
from crawler.corpus.writer import LOCK, MANIFEST, write_atomic

logger = logging.getLogger(__name__)

DEDUP_DIR = "dedup"
INDEX_NAME = "index.sqlite"
CLUSTERS = "clusters.jsonl"
INDEX_VERSION = 1

SHINGLE = 5  # syllables
NUM_PERM, BANDS, ROWS = 112, 14, 8
JACCARD = 0.87  # the LSH setting's design point (reported per pair, for information)
CONTAINMENT = 2 / 3  # share of the smaller document's shingles found in the other
MIN_PARAGRAPH = 8  # syllables: shorter paragraphs ("Ảnh: ...", "Tin: ...") are not indexed
MAX_PARAGRAPH_POSTINGS = 16  # a paragraph in more documents than this is boilerplate, not a copy
RARE_PARAGRAPH = 4  # one shared paragraph found in at most this many documents makes a candidate;
# a commoner one needs a second shared paragraph (each candidate costs reading its file: with
# one shared paragraph of 64 documents enough, the work grew with the corpus)
MIN_SHINGLES = 10  # documents smaller than this are compared by Jaccard only
PARAGRAPH_COPIED = 0.75  # share of a paragraph's shingles found in the other document
BATCH = 2000  # documents per index transaction
CACHE_BYTES = 384 << 20  # documents' keys kept for checking candidates (about 3 KB a document)
SEED = 1

_MASK32 = np.uint64(0xFFFFFFFF)
_MASK63 = (1 << 63) - 1
# odd 64-bit multipliers of the rolling shingle hash (any odd constants do; these are the
# golden-ratio and two splitmix64 constants)
_MULT = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB,
                  0xD6E8FEB86659FD93, 0xA0761D6478BD642F], dtype=np.uint64)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    seq  INTEGER PRIMARY KEY,   -- the manifest's seq
    id   TEXT NOT NULL UNIQUE,  -- the manifest's id
    sig  BLOB NOT NULL          -- 112 uint32 MinHash values (little endian)
);
CREATE TABLE IF NOT EXISTS paragraphs (
    key  INTEGER NOT NULL,      -- 63-bit hash of a folded paragraph of MIN_PARAGRAPH syllables or more
    seq  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS paragraphs_by_key ON paragraphs (key);
CREATE TABLE IF NOT EXISTS pairs (
    a           INTEGER NOT NULL,  -- seq of the earlier document
    b           INTEGER NOT NULL,  -- seq of the later one
    jaccard     REAL NOT NULL,     -- MinHash estimate when it reaches JACCARD, else exact
    containment REAL NOT NULL,     -- the share of shingles or paragraphs copied (the estimate for the former)
    PRIMARY KEY (a, b)
);
"""


class DedupError(RuntimeError):
    """The index cannot be used (another corpus's, newer version, unreadable); says what to do."""


class FolderBusy(DedupError):
    """A crawl (or another dedup) writes the folder now."""


# --- the key ----------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W_]+")
_token_ids: dict[str, int] = {}


def _token_id(token: str) -> int:
    """A stable 64-bit id of a token's folded form (fold_for_dedup). Vietnamese has a few
    thousand syllables, so a dict from the token as written makes folding and hashing a
    document cost one lookup per syllable (folding whole texts was 0.85 ms of a 2 ms
    document); the builtin hash() is salted per process and would not survive in the index."""
    value = _token_ids.get(token)
    if value is None:
        if len(_token_ids) > 500_000:  # numbers and foreign words: keep memory bounded
            _token_ids.clear()
        folded = fold_for_dedup(token).strip()
        value = int.from_bytes(hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest(), "little")
        _token_ids[token] = value
    return value


@dataclass
class Key:
    shingles: np.ndarray  # unique 32-bit shingle hashes, sorted (uint32 array)
    paragraphs: list[int] = field(default_factory=list)  # 63-bit hashes of the long paragraphs
    long_shingles: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    long_sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # long_shingles: the long paragraphs' shingles end to end, long_sizes[i] of them for the i-th


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # np.unique of numpy 2 hashes first: sorting is several times faster on a document's shingles
    values = np.sort(values)
    if len(values) > 1:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return values


def document_key(text: str) -> Key:
    """The shingles and paragraph keys of a corpus file's text (headline skipped).

    Vectorised over the whole document: each paragraph's syllable ids are laid end to end,
    a paragraph shorter than a shingle padded with zeros to one shingle, and only the
    windows inside one paragraph are kept (per-paragraph numpy calls cost more than the
    arithmetic on news-sized paragraphs). The shingles are kept as uint32 (they are 32-bit
    hashes): half the memory of a key, so the candidate cache holds twice the documents."""
    _, _, body = text.partition("\n")
    known = _token_ids.get
    ids: list[int] = []
    runs: list[tuple[int, int, bool]] = []  # first window, number of windows, long paragraph?
    for paragraph in body.split("\n"):
        words = _WORD_RE.findall(paragraph)
        if not words:
            continue
        first = len(ids)
        ids.extend([known(w) or _token_id(w) for w in words])
        if len(words) < SHINGLE:
            ids.extend([0] * (SHINGLE - len(words)))
        runs.append((first, len(ids) - SHINGLE + 1 - first, len(words) >= MIN_PARAGRAPH))
    if not runs:
        return Key(np.zeros(0, dtype=np.uint32), [])
    arr = np.array(ids, dtype=np.uint64)
    n = len(arr) - SHINGLE + 1
    with np.errstate(over="ignore"):  # the rolling hash wraps modulo 2**64 on purpose
        h = arr[0:n] * _MULT[0]
        for j in range(1, SHINGLE):
            h += arr[j:j + n] * _MULT[j]
        h = h[np.concatenate([np.arange(first, first + count) for first, count, _ in runs])]
        folded = ((h >> np.uint64(32)) ^ (h & _MASK32)).astype(np.uint32)
        para_keys, long_parts, sizes, at = set(), [], [], 0
        for _, count, long in runs:
            if long:
                # the paragraph's identity: the wrapped sum of its position-weighted 64-bit
                # window hashes (same folded syllables in the same order, same key)
                weights = np.arange(1, count + 1, dtype=np.uint64)
                para_keys.add(int(np.add.reduce(h[at:at + count] * weights)) & _MASK63)
                long_parts.append(folded[at:at + count])
                sizes.append(count)
            at += count
    if not long_parts:
        return Key(_sorted_unique(folded), [])
    return Key(_sorted_unique(folded), sorted(para_keys), np.concatenate(long_parts),
               np.array(sizes, dtype=np.int64))


_SCRATCH: MinHash | None = None


def signature(key: Key) -> np.ndarray:
    """The document's 112 MinHash values (uint32). One MinHash is cleared and reused: building
    one per document copied the permutations each time (a third of the hashing time)."""
    global _SCRATCH
    if _SCRATCH is None:
        # int: the shingles are 32-bit hashes already; a C builtin as datasketch's per-value call
        _SCRATCH = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32", hashfunc=int)
    _SCRATCH.clear()
    if len(key.shingles):
        _SCRATCH.update_batch(key.shingles.tolist())
    return _SCRATCH.hashvalues.astype("<u4")


# odd multipliers folding a band's 8 values into one 64-bit key (any odd constants do)
_BAND_MULT = (np.array([0x9E3779B97F4A7C15], dtype=np.uint64)
              * (2 * np.arange(ROWS, dtype=np.uint64) + np.uint64(1)))


class BandTable:
    """The LSH buckets: per band, the documents whose signature has the same 8 values there.

    Own code instead of datasketch's MinHashLSH, for memory: its storage keeps a 32-byte bytes
    key and a list per bucket in each of the 14 bands plus a key -> bytes list per document
    (about 3 KB a document, most of the run's memory at 100,000 documents, docs/benchmarks.md),
    and the memory saved here holds every document's key for the candidate checks (with it,
    100,000 documents took 71 s of CPU instead of 168 s, 702 MB instead of 775 MB). Here a band is folded into one 64-bit int (one
    numpy expression for all 14 bands), a bucket holds one seq or a list of them, and a hit is
    checked on the signatures themselves, so a folding collision never makes a candidate: the
    candidates are exactly those of datasketch's LSH with params=(BANDS, ROWS)."""

    def __init__(self, sigs: np.ndarray, row: dict[int, int]):
        self.sigs, self.row = sigs, row
        self.tables: list[dict[int, int | list[int]]] = [{} for _ in range(BANDS)]

    @staticmethod
    def keys(sig: np.ndarray) -> list[int]:
        with np.errstate(over="ignore"):
            return (sig.reshape(BANDS, ROWS).astype(np.uint64) * _BAND_MULT).sum(axis=1).tolist()

    def query(self, sig: np.ndarray, keys: list[int]) -> set[int]:
        found: set[int] = set()
        for band, (table, key) in enumerate(zip(self.tables, keys)):
            hit = table.get(key)
            if hit is None:
                continue
            lo, hi = band * ROWS, band * ROWS + ROWS
            for other in (hit if isinstance(hit, list) else (hit,)):
                if other not in found and np.array_equal(self.sigs[self.row[other], lo:hi], sig[lo:hi]):
                    found.add(other)
        return found

    def insert(self, seq: int, keys: list[int]) -> None:
        for table, key in zip(self.tables, keys):
            hit = table.get(key)
            if hit is None:
                table[key] = seq
            elif isinstance(hit, list):
                hit.append(seq)
            else:
                table[key] = [hit, seq]


def compare(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Jaccard, containment in the smaller) of two sorted unique shingle arrays."""
    if not len(a) or not len(b):
        return 0.0, 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared), shared / min(len(a), len(b))


def copied_paragraphs(a: Key, b: Key) -> float:
    """The share of a's long paragraphs found in b (3/4 of a paragraph's shingles in b: a
    sentence edited or a dateline added still counts as copied); 0 below two paragraphs."""
    if len(a.long_sizes) < 2 or not len(b.shingles):
        return 0.0
    every = a.long_shingles
    at = np.searchsorted(b.shingles, every)  # b.shingles is sorted: one lookup for all paragraphs
    found = b.shingles[np.minimum(at, len(b.shingles) - 1)] == every
    sizes = a.long_sizes
    shares = np.add.reduceat(found, np.concatenate(([0], np.cumsum(sizes)[:-1]))) / sizes
    return float(np.count_nonzero(shares >= PARAGRAPH_COPIED)) / len(sizes)


def is_near_duplicate(a: Key, b: Key) -> tuple[bool, float, float]:
    """(near-duplicate?, Jaccard, containment) of two documents' keys: a Jaccard of 0.87, or
    2/3 of the smaller one's shingles in the other, or 2/3 of either one's paragraphs
    copied into the other (an excerpt)."""
    jaccard, containment = compare(a.shingles, b.shingles)
    if jaccard >= JACCARD:
        return True, jaccard, containment
    if min(len(a.shingles), len(b.shingles)) < MIN_SHINGLES or containment < 0.2:
        return False, jaccard, containment
    if containment >= CONTAINMENT:
        return True, jaccard, containment
    share = max(copied_paragraphs(a, b), copied_paragraphs(b, a))
    return share >= CONTAINMENT, jaccard, max(containment, share)


# --- clusters -----------------------------------------------------------------------------------

class _UnionFind:
    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # the older document stays the root: cluster ids are stable
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _source_names(titles: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per site, the folded names a `source` line may use for it: its title without the
    parenthesised remark, and its domains."""
    names = {}
    for site, spellings in titles.items():
        folded = []
        for spelling in spellings:
            key = fold_for_compare(re.sub(r"\([^)]*\)", " ", spelling))
            if len(key) >= 3:
                folded.append(key)
        names[site] = folded
    return names


def _names_site(source: str | None, names: list[str]) -> bool:
    if not source or not names:
        return False
    key = f" {fold_for_compare(source)} "
    return any(f" {name} " in key for name in names)


def _instant(value) -> float | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:  # a date or local time without offset: Vietnam's
        parsed = parsed.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))
    return parsed.timestamp()


def choose_canonical(members: list[dict], site_names: dict[str, list[str]]) -> dict:
    """The copy named by another copy's source, else the earliest published, then crawled."""
    named = [m for m in members
             if any(o is not m and o.get("site") != m.get("site")
                    and _names_site(o.get("source"), site_names.get(m.get("site"), []))
                    for o in members)]
    pool = named or members

    def order(m):
        published, crawled = _instant(m.get("published")), _instant(m.get("crawled_at"))
        return (published is None, published or 0.0, crawled is None, crawled or 0.0, m["seq"])

    return min(pool, key=order)


def build_clusters(entries: list[dict], pairs: Iterable[tuple[int, int]],
                   site_names: dict[str, list[str]] | None = None) -> list[dict]:
    """One record per manifest entry, in the manifest's order."""
    uf = _UnionFind()
    for a, b in pairs:
        uf.union(a, b)
    by_seq = {e["seq"]: e for e in entries}
    groups: dict[int, list[dict]] = {}
    for entry in entries:
        groups.setdefault(uf.find(entry["seq"]), []).append(entry)
    records = {}
    names = _source_names(site_names or {})
    for root, members in groups.items():
        first = by_seq.get(root) or min(members, key=lambda m: m["seq"])
        canonical = choose_canonical(members, names) if len(members) > 1 else members[0]
        for m in members:
            records[m["seq"]] = {"id": m["id"], "cluster": first["id"], "cluster_size": len(members),
                                 "duplicate_of": None if m is canonical else canonical["id"]}
    return [records[e["seq"]] for e in entries]


# --- the index ------------------------------------------------------------------------------

def index_path(out_dir: str | os.PathLike) -> Path:
    return Path(out_dir) / DEDUP_DIR / INDEX_NAME


def open_index(out_dir: str | os.PathLike, create: bool = True) -> sqlite3.Connection:
    path = index_path(out_dir)
    if not create and not path.exists():
        raise DedupError(f"{path}: no dedup index")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DedupError(f"{path}: unreadable ({exc}); delete it or run `vnnews dedup --rebuild`, "
                         "it is rebuilt from the manifest and the corpus files") from None
    if row is None:
        db.execute("INSERT INTO meta VALUES ('version', ?), ('shingle', ?), ('num_perm', ?), ('bands', ?)",
                   (str(INDEX_VERSION), str(SHINGLE), str(NUM_PERM), f"{BANDS}x{ROWS}"))
    elif int(row[0]) != INDEX_VERSION:
        db.close()
        raise DedupError(f"{path}: index version {row[0]}, this vnnews writes {INDEX_VERSION}; "
                         "run `vnnews dedup --rebuild`")
    return db


class FolderLock:
    """The writer's lock, exclusive: no crawl writes the folder while the index is updated."""

    def __init__(self, out: Path, shared: bool = False):
        self.path, self.shared, self.fh = out / LOCK, shared, None

    def __enter__(self):
        self.fh = self.path.open("a+")
        try:
            fcntl.flock(self.fh, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError as exc:
            self.fh.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise FolderBusy(f"{self.path.parent}: another vnnews process is writing this folder; "
                                 "run this when it has finished") from None
            raise
        return self

    def __exit__(self, *exc):
        self.fh.close()


@dataclass
class DedupResult:
    documents: int = 0
    indexed: int = 0  # documents added to the index by this run
    candidates: int = 0
    new_pairs: int = 0
    pairs: int = 0
    clusters: int = 0  # clusters of two or more documents
    duplicates: int = 0  # documents with duplicate_of set
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.documents} document(s), {self.indexed} newly indexed, {self.new_pairs} new "
                f"near-duplicate pair(s) ({self.pairs} in all): {self.clusters} cluster(s) of copies, "
                f"{self.duplicates} document(s) marked duplicate_of their canonical copy, "
                f"{self.seconds:.1f}s")


class _ShingleCache:
    """The shingle sets of the documents indexed, for checking candidates.

    A candidate whose key is not here is read from its file and keyed again; with the last
    4,096 documents only, that was half the CPU time at 20,000 documents and grew with the
    corpus (copies arrive far apart). A key is kept compact (shingles as uint32, the long
    paragraphs' shingles as uint16 positions in them, no paragraph hashes), about 3 KB a
    news article, and the cache is bounded by bytes: 100,000 documents fit."""

    def __init__(self, out: Path, by_seq: dict[int, dict], budget: int = CACHE_BYTES):
        self.out, self.by_seq, self.budget, self.used = out, by_seq, budget, 0
        self.items: OrderedDict[int, tuple] = OrderedDict()

    def put(self, seq: int, key: Key) -> None:
        shingles = key.shingles
        if len(key.long_sizes):
            where = np.searchsorted(shingles, key.long_shingles)
            where = where.astype(np.uint16 if len(shingles) <= 0xFFFF else np.uint32)
            item = (shingles, where, key.long_sizes)
        else:
            item = (shingles, None, None)
        old = self.items.pop(seq, None)
        if old is not None:
            self.used -= self._size(old)
        self.items[seq] = item
        self.used += self._size(item)
        while self.used > self.budget and len(self.items) > 1:
            self.used -= self._size(self.items.popitem(last=False)[1])

    @staticmethod
    def _size(item: tuple) -> int:
        return 300 + sum(a.nbytes for a in item if a is not None)  # 300: the objects around them

    def get(self, seq: int) -> Key:
        item = self.items.get(seq)
        if item is not None:
            self.items.move_to_end(seq)
            shingles, where, sizes = item
            if where is None:
                return Key(shingles, [])
            return Key(shingles, [], shingles[where], sizes)
        entry = self.by_seq[seq]
        text = (self.out / entry["file"]).read_text(encoding="utf-8")
        key = document_key(text)
        self.put(seq, key)
        return key


MANIFEST_FIELDS = ("seq", "id", "file", "site", "source", "published", "crawled_at")


def load_manifest(out: Path) -> list[dict]:
    """The manifest's complete lines, with only the fields dedup uses (a whole entry is about
    3 KB in Python, and 100,000 of them were most of the memory); a torn last line (a crawl
    killed while appending) is left for the crawl to cut."""
    path = out / MANIFEST
    if not path.exists():
        raise DedupError(f"{out}: no {MANIFEST}; crawl into it first")
    entries = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.endswith(b"\n"):
                break
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                entries.append({name: record.get(name) for name in MANIFEST_FIELDS})
            except (json.JSONDecodeError, AttributeError) as exc:
                raise DedupError(f"{path}:{number}: expected a JSON object per line ({exc}); "
                                 "run `vnnews verify`") from None
    return entries


def deduplicate(out_dir: str | os.PathLike, site_titles: dict[str, list[str]] | None = None,
                rebuild: bool = False, progress=None, batch: int = BATCH) -> DedupResult:
    """Index the manifest's documents the index does not hold yet, then write clusters.jsonl."""
    out = Path(out_dir)
    started = time.monotonic()
    with FolderLock(out):
        entries = load_manifest(out)
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(str(index_path(out)) + suffix).unlink(missing_ok=True)
        db = open_index(out)
        try:
            result = _index_new(out, db, entries, progress, batch)
            pairs = db.execute("SELECT a, b FROM pairs").fetchall()
        finally:
            db.close()
        records = build_clusters(entries, pairs, site_titles)
        write_clusters(out, records)
    result.documents = len(entries)
    result.pairs = len(pairs)
    result.clusters = len({r["cluster"] for r in records if r["cluster_size"] > 1})
    result.duplicates = sum(r["duplicate_of"] is not None for r in records)
    result.seconds = time.monotonic() - started
    return result


def _index_new(out: Path, db: sqlite3.Connection, entries: list[dict], progress, batch: int) -> DedupResult:
    result = DedupResult()
    by_seq = {e["seq"]: e for e in entries}
    row = {e["seq"]: i for i, e in enumerate(entries)}
    # every signature in memory (45 MB at 100,000 documents): an LSH candidate whose estimated
    # Jaccard reaches 0.87 is a copy without reading its file again
    sigs = np.zeros((len(entries), NUM_PERM), dtype=np.uint32)
    lsh = BandTable(sigs, row)
    indexed: set[int] = set()
    for seq, doc_id, sig in db.execute("SELECT seq, id, sig FROM docs"):
        entry = by_seq.get(seq)
        if entry is None or entry["id"] != doc_id:
            raise DedupError(f"{index_path(out)}: holds document {seq} ({doc_id}) that {out / MANIFEST} "
                             f"does not list{' under that id' if entry else ''}: the index belongs to another "
                             "corpus or the manifest was replaced; run `vnnews dedup --rebuild`")
        sigs[row[seq]] = np.frombuffer(sig, dtype="<u4")
        lsh.insert(seq, lsh.keys(sigs[row[seq]]))
        indexed.add(seq)
    postings: dict[int, list[int]] = {}
    for key, seq in db.execute("SELECT key, seq FROM paragraphs ORDER BY rowid"):
        postings.setdefault(key, []).append(seq)
    uf = _UnionFind()
    for a, b in db.execute("SELECT a, b FROM pairs"):
        uf.union(a, b)
    cache = _ShingleCache(out, by_seq)
    todo = [e for e in entries if e["seq"] not in indexed]
    batch_docs, batch_paras, batch_pairs = [], [], []
    for n, entry in enumerate(todo, 1):
        seq = entry["seq"]
        path = out / entry["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DedupError(f"{path}: listed in {MANIFEST} (seq {seq}) but unreadable ({exc}); "
                             "run `vnnews verify`") from None
        key = document_key(text)
        sigs[row[seq]] = signature(key)
        sig = sigs[row[seq]]
        bands = lsh.keys(sig)
        similar = lsh.query(sig, bands)
        candidates = set(similar)
        shared: dict[int, int] = {}
        for para in key.paragraphs:
            seqs = postings.get(para)
            if seqs is not None and len(seqs) <= MAX_PARAGRAPH_POSTINGS:
                weight = 2 if len(seqs) <= RARE_PARAGRAPH else 1
                for other in seqs:
                    shared[other] = shared.get(other, 0) + weight
        candidates.update(other for other, weight in shared.items() if weight >= 2)
        candidates.discard(seq)
        result.candidates += len(candidates)
        for other in sorted(candidates):
            if uf.find(other) == uf.find(seq):
                continue  # already in this document's cluster through another copy
            estimate = np.count_nonzero(sigs[row[other]] == sig) / NUM_PERM if other in similar else 0.0
            if estimate >= JACCARD:
                near, jaccard, containment = True, estimate, estimate
            else:
                near, jaccard, containment = is_near_duplicate(key, cache.get(other))
            if near:
                a, b = min(seq, other), max(seq, other)
                batch_pairs.append((a, b, round(jaccard, 4), round(containment, 4)))
                uf.union(a, b)
        cache.put(seq, key)
        lsh.insert(seq, bands)
        for para in key.paragraphs:
            seqs = postings.setdefault(para, [])
            if len(seqs) <= MAX_PARAGRAPH_POSTINGS:
                seqs.append(seq)
                batch_paras.append((para, seq))
        batch_docs.append((seq, entry["id"], sig.tobytes()))
        if len(batch_docs) >= batch or n == len(todo):
            _commit(db, batch_docs, batch_paras, batch_pairs)
            result.indexed += len(batch_docs)
            result.new_pairs += len(batch_pairs)
            batch_docs, batch_paras, batch_pairs = [], [], []
            if progress:
                progress(n, len(todo))
    return result


def _commit(db: sqlite3.Connection, docs, paras, pairs) -> None:
    """One transaction: a document is in the index with its paragraphs and pairs, or not at all."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany("INSERT INTO docs VALUES (?, ?, ?)", docs)
        db.executemany("INSERT INTO paragraphs VALUES (?, ?)", paras)
        db.executemany("INSERT OR IGNORE INTO pairs VALUES (?, ?, ?, ?)", pairs)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


# --- clusters.jsonl -------------------------------------------------------------------------

def write_clusters(out: Path, records: list[dict]) -> None:
    """Replace clusters.jsonl atomically (temporary file, fsync, rename, fsync the folder)."""
    write_atomic(out / CLUSTERS, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8"))


def read_clusters(out_dir: str | os.PathLike) -> dict[str, dict]:
    """clusters.jsonl by document id; empty when dedup never ran."""
    path = Path(out_dir) / CLUSTERS
    if not path.exists():
        return {}
    records = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DedupError(f"{path}:{number}: not JSON ({exc.msg}); run `vnnews dedup` again") from None
        records[record["id"]] = record
    return records


def cluster_fields(clusters: dict[str, dict], doc_id: str) -> dict:
    """The manifest's cluster fields of one document; a document dedup has not seen yet
    (crawled after its last run) is its own cluster of one until the next run."""
    record = clusters.get(doc_id)
    if record is None:
        return {"cluster": doc_id, "cluster_size": 1, "duplicate_of": None}
    return {"cluster": record["cluster"], "cluster_size": record["cluster_size"],
            "duplicate_of": record["duplicate_of"]}


def site_titles_from_registry(config: str | None = None) -> dict[str, list[str]]:
    """Site name -> the names a `source` line may give it (title, domains), from config/."""
    from crawler.registry import load_registry

    registry = load_registry(config)
    titles = {}
    for name, site in registry.sites.items():
        spellings = [site.title] + [d for d in (site.domains or []) if not d.endswith(".invalid")]
        titles[name] = [s for s in spellings if s]
    return titles
