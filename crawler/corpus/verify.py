"""Check an output folder's corpus against its manifest, read-only.

The crawl promises that `manifest.jsonl` and `corpus/` always agree, even after kill -9
(see crawler/corpus/writer.py). This module is the independent check of that promise: it reads
the bytes itself (never `read_jsonl`, which repairs a torn line) and reports every
problem it finds, one per (file, kind), so an operator or a scheduler can act on it.

No Scrapy import: `vnnews verify` must run on a machine that only holds the corpus.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crawler.corpus.writer import CORPUS_DIR, DOC_NAME, DUPLICATES, LOCK, MANIFEST, TEMP_SUFFIX
from crawler.urls import url_id

# Every manifest line carries these, with these types (None allowed only where listed).
REQUIRED_FIELDS = {
    "file": str, "id": str, "seq": int, "url": str, "canonical_url": str, "site": str,
    "title": str, "chars": int, "text_sha256": str, "crawled_at": str, "version": str,
}
# The characters cleaners/vi/text.py strips; one surviving means a step was skipped.
ZERO_WIDTH = {"\u200b": "U+200B", "\u200c": "U+200C", "\u200d": "U+200D", "\u2060": "U+2060",
              "\ufeff": "U+FEFF", "\u00ad": "U+00AD"}


class VerifyError(RuntimeError):
    """The folder cannot be checked at all (missing, or being written right now)."""


@dataclass
class Problem:
    file: str  # relative to the output folder, "manifest.jsonl:N" for a manifest line
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


@dataclass
class Report:
    out_dir: str
    listed: int = 0  # manifest entries that parsed
    files: int = 0  # document files found in corpus/
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, file: str, problem: str) -> None:
        self.problems.append(Problem(file, problem))

    def to_record(self) -> dict:
        return {"out": self.out_dir, "ok": self.ok, "listed": self.listed, "files": self.files,
                "problems": [asdict(p) for p in self.problems]}

    def summary(self) -> str:
        if self.ok:
            return (f"{self.out_dir}: OK, {self.listed} documents listed, {self.files} files, "
                    "manifest and corpus agree")
        files = len({p.file.split(":")[0] if p.file.startswith(MANIFEST) else p.file for p in self.problems})
        return (f"{self.out_dir}: {len(self.problems)} problem{'s' * (len(self.problems) != 1)} "
                f"in {files} file{'s' * (files != 1)} ({self.listed} documents listed, {self.files} files)")


# --- entry point ----------------------------------------------------------------------------

def verify_corpus(out_dir: str | os.PathLike) -> Report:
    """Every problem of the folder's manifest and corpus; raises VerifyError if it cannot look."""
    out = Path(out_dir)
    manifest, corpus = out / MANIFEST, out / CORPUS_DIR
    if not out.is_dir():
        raise VerifyError(f"{out}: no such folder")
    if not manifest.exists() and not corpus.exists():
        raise VerifyError(f"{out}: neither {MANIFEST} nor {CORPUS_DIR}/: not a vnnews output folder")
    report = Report(str(out))
    with _shared_lock(out):
        entries = _check_manifest(manifest, report)
        _check_entries(out, entries, report)
        _check_folder(corpus, entries, report)
        _check_dedup(out, entries, report)
    return report


class _shared_lock:
    """Hold the writer's lock shared while we look, so no crawl writes mid-check; a crawl
    holding it now would show its write in progress as problems, so refuse instead."""

    def __init__(self, out: Path):
        self.path, self.fd = out / LOCK, None

    def __enter__(self):
        if not self.path.exists():  # never written by a CorpusWriter: nothing can be writing
            return self
        self.fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            self.fd = None
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise VerifyError(f"{self.path.parent}: a vnnews process is writing this folder; "
                                  "verify it when that run has finished") from None
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock


# --- the manifest -------------------------------------------------------------------------

@dataclass
class Entry:
    line: int
    record: dict

    @property
    def where(self) -> str:
        return f"{MANIFEST}:{self.line}"


def _check_manifest(path: Path, report: Report) -> list[Entry]:
    """The manifest lines that are JSON objects with every required field, in order."""
    if not path.exists():
        report.add(MANIFEST, "missing")
        return []
    data = path.read_bytes()
    complete_end = data.rfind(b"\n") + 1
    entries = []
    lines = data[:complete_end].split(b"\n")[:-1]
    for number, raw in enumerate(lines, 1):
        record = _parse_line(raw, f"{MANIFEST}:{number}", report)
        if record is not None:
            entries.append(Entry(number, record))
    if complete_end < len(data):
        report.add(f"{MANIFEST}:{len(lines) + 1}",
                   f"torn last line ({len(data) - complete_end} bytes, no newline): a run was "
                   "interrupted while appending; the next crawl cuts it off")
    report.listed = len(entries)
    return entries


def _parse_line(raw: bytes, where: str, report: Report) -> dict | None:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        report.add(where, "not UTF-8")
        return None
    except json.JSONDecodeError as exc:
        report.add(where, f"not valid JSON ({exc.msg})" if raw.strip() else "blank line")
        return None
    if not isinstance(record, dict):
        report.add(where, f"expected a JSON object, got {type(record).__name__}")
        return None
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if missing:
        report.add(where, f"missing field{'s' * (len(missing) > 1)}: {', '.join(missing)}")
        return None
    wrong = [name for name, kind in REQUIRED_FIELDS.items() if not _has_type(record[name], kind)]
    if wrong:
        report.add(where, "wrong type: " + ", ".join(
            f"{name} should be {REQUIRED_FIELDS[name].__name__}, is {json.dumps(record[name])[:40]}"
            for name in wrong))
        return None
    return record


def _has_type(value, kind) -> bool:
    # bool is an int in Python, but `"seq": true` is not a sequence number
    return isinstance(value, kind) and not isinstance(value, bool)


# --- each entry against the others and its file -------------------------------------------

def _check_entries(out: Path, entries: list[Entry], report: Report) -> None:
    first_line: dict[str, int] = {}  # file -> line that listed it first
    seen_url: dict[str, int] = {}
    seen_text: dict[str, int] = {}
    last_seq = None
    for entry in entries:
        rec, where = entry.record, entry.where
        if rec["file"] in first_line:
            # one cause, one problem: the repeated seq, URL and hash follow from it
            report.add(where, f"lists {rec['file']} again (first on line {first_line[rec['file']]})")
            continue
        first_line[rec["file"]] = entry.line
        if last_seq is not None and rec["seq"] <= last_seq:
            report.add(where, f"seq {rec['seq']} does not increase (previous line has {last_seq})")
        last_seq = rec["seq"] if last_seq is None else max(last_seq, rec["seq"])
        _check_unique(rec["canonical_url"], seen_url, entry, "canonical_url", report)
        _check_unique(rec["text_sha256"], seen_text, entry, "text_sha256", report)
        _check_name(entry, report)
        _check_document(out, entry, report)


def _check_unique(value: str, seen: dict[str, int], entry: Entry, name: str, report: Report) -> None:
    if value in seen:
        report.add(entry.where, f"duplicate {name} {value[:80]!r} (also on line {seen[value]})")
    else:
        seen[value] = entry.line


def _check_name(entry: Entry, report: Report) -> None:
    """file = corpus/NNN_<id>.txt with NNN the seq and id = sha256(canonical_url)[:16]."""
    rec, where = entry.record, entry.where
    expected_id = url_id(rec["canonical_url"])
    if rec["id"] != expected_id:
        report.add(where, f"id {rec['id']!r} is not sha256(canonical_url)[:16] = {expected_id!r}")
    folder, _, name = rec["file"].rpartition("/")
    match = DOC_NAME.match(name)
    if folder != CORPUS_DIR or not match:
        report.add(where, f"file {rec['file']!r} is not {CORPUS_DIR}/NNN_<16 hex>.txt")
        return
    if int(match.group(1)) != rec["seq"]:
        report.add(where, f"file {name} does not carry seq {rec['seq']}")
    if match.group(2) != rec["id"]:
        report.add(where, f"file {name} does not carry id {rec['id']}")


def _check_document(out: Path, entry: Entry, report: Report) -> None:
    rec = entry.record
    folder, _, name = rec["file"].rpartition("/")
    if folder != CORPUS_DIR or not DOC_NAME.match(name):
        return  # already reported; never follow a hostile path out of the folder
    path = out / rec["file"]
    if not path.is_file():
        report.add(rec["file"], f"listed on {entry.where} but missing from {CORPUS_DIR}/")
        return
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != rec["text_sha256"]:
        report.add(rec["file"], f"content changed: sha256 differs from text_sha256 on {entry.where}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.add(rec["file"], f"not UTF-8 (byte {exc.start})")
        return
    if len(text) != rec["chars"]:
        report.add(rec["file"], f"{len(text)} characters, manifest says {rec['chars']}")
    for problem in format_problems(text, rec["title"]):
        report.add(rec["file"], problem)


# --- the file format ------------------------------------------------------------------------

def format_problems(text: str, title: str | None = None) -> list[str]:
    """How `text` breaks the corpus file format: headline, blank line, paragraphs one a line
    separated by exactly one blank line, one final newline, NFC, no CR or zero-width marks."""
    problems = []
    if not unicodedata.is_normalized("NFC", text):
        problems.append("not NFC-normalized")
    if "\r" in text:
        problems.append("contains CR (\\r)")
    invisible = sorted({ZERO_WIDTH[ch] for ch in text if ch in ZERO_WIDTH})
    if invisible:
        problems.append(f"contains zero-width characters: {', '.join(invisible)}")
    if not text.endswith("\n"):
        problems.append("no final newline")
    elif text.endswith("\n\n"):
        problems.append("more than one final newline")
    problems.extend(_layout_problems(text.rstrip("\n").replace("\r", ""), title))
    return problems


def _layout_problems(body: str, title: str | None) -> list[str]:
    lines = body.split("\n")
    problems = []
    if not lines[0].strip():
        problems.append("line 1: no headline")
    elif title is not None and lines[0] != title:
        problems.append(f"line 1: headline differs from the manifest title {title[:60]!r}")
    if len(lines) < 3:
        problems.append("no paragraph after the headline")
    blank = [not line.strip() for line in lines]
    numbered = list(enumerate(lines, 1))
    _group(problems, "trailing whitespace",
           [n for n, line in numbered if line.strip() and line != line.rstrip()])
    _group(problems, "whitespace-only line", [n for n, line in numbered if line and not line.strip()])
    # a separator is exactly one blank line: two in a row hide an empty paragraph
    _group(problems, "extra blank line (empty paragraph)",
           [n for n in range(2, len(lines) + 1) if blank[n - 1] and blank[n - 2] and n > 2])
    _group(problems, "not separated from the line before by a blank line",
           [n for n in range(2, len(lines) + 1) if not blank[n - 1] and not blank[n - 2]])
    return problems


def _group(problems: list[str], what: str, numbers: list[int]) -> None:
    """One problem per kind per file, with its first few lines: a broken file is one finding."""
    if numbers:
        shown = ", ".join(map(str, numbers[:5])) + (", ..." if len(numbers) > 5 else "")
        problems.append(f"line{'s' * (len(numbers) > 1)} {shown}: {what}")


# --- the corpus folder ---------------------------------------------------------------------

def _check_folder(corpus: Path, entries: list[Entry], report: Report) -> None:
    """Everything in corpus/ must be a listed document: no temporary, unlisted or stray file."""
    if not corpus.is_dir():
        if entries:
            report.add(f"{CORPUS_DIR}/", "missing, but the manifest lists documents")
        return
    listed = {entry.record["file"] for entry in entries}
    for path in sorted(corpus.iterdir()):
        relative = f"{CORPUS_DIR}/{path.name}"
        if path.name.endswith(TEMP_SUFFIX):
            report.add(relative, "temporary file left by an interrupted run (the next crawl removes it)")
        elif path.is_dir() or not DOC_NAME.match(path.name):
            report.add(relative, "stray entry: not a corpus document name (NNN_<id>.txt)")
        else:
            report.files += 1
            if relative not in listed:
                report.add(relative, f"not listed in {MANIFEST} (orphan document)")


# --- near-duplicates: clusters.jsonl, the dedup index, duplicates.jsonl ------------------------

def _check_dedup(out: Path, entries: list[Entry], report: Report) -> None:
    """What `vnnews dedup` and the crawl's exact-duplicate notes wrote must agree with the
    manifest. Both may lag it (documents crawled after the last dedup are in neither): that
    is not a problem; naming a document the manifest does not have, or an inconsistent
    cluster, is. (crawler/corpus/dedup.py: CLUSTERS, DEDUP_DIR; imported late, so verify
    works without datasketch installed.)"""
    ids = {e.record["id"]: e.record["seq"] for e in entries}
    _check_clusters(out / "clusters.jsonl", ids, report)
    _check_index(out / "dedup" / "index.sqlite", ids, report)
    _check_duplicates(out / DUPLICATES, ids, report)


def _jsonl_records(path: Path, report: Report) -> list[tuple[str, dict]]:
    name = path.name
    data = path.read_bytes()
    complete_end = data.rfind(b"\n") + 1
    records = []
    lines = data[:complete_end].split(b"\n")[:-1]
    for number, raw in enumerate(lines, 1):
        where = f"{name}:{number}"
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            report.add(where, "not a JSON line")
            continue
        if not isinstance(record, dict):
            report.add(where, "expected a JSON object")
            continue
        records.append((where, record))
    if complete_end < len(data):
        report.add(f"{name}:{len(lines) + 1}", "torn last line (no newline): a run was interrupted while writing it")
    return records


def _check_clusters(path: Path, ids: dict[str, int], report: Report) -> None:
    if not path.exists():
        return
    records = _jsonl_records(path, report)
    by_id: dict[str, dict] = {}
    for where, record in records:
        missing = [k for k in ("id", "cluster", "cluster_size", "duplicate_of") if k not in record]
        if missing:
            report.add(where, f"missing field{'s' * (len(missing) > 1)}: {', '.join(missing)}")
            continue
        if record["id"] not in ids:
            report.add(where, f"document {record['id']} is not in {MANIFEST} (run `vnnews dedup --rebuild`)")
            continue
        if record["id"] in by_id:
            report.add(where, f"document {record['id']} listed twice")
            continue
        by_id[record["id"]] = record
    sizes: dict[str, int] = {}
    for record in by_id.values():
        sizes[record["cluster"]] = sizes.get(record["cluster"], 0) + 1
    for where, record in records:
        if by_id.get(record.get("id")) is not record:
            continue
        cluster, canonical = record["cluster"], record["duplicate_of"]
        if cluster not in by_id or by_id[cluster]["cluster"] != cluster:
            report.add(where, f"cluster {cluster} is not a document of that cluster")
        if record["cluster_size"] != sizes[cluster]:
            report.add(where, f"cluster_size {record['cluster_size']}, but {sizes[cluster]} document(s) "
                              f"carry cluster {cluster}")
        if canonical is not None:
            target = by_id.get(canonical)
            if target is None or target["cluster"] != cluster or target["duplicate_of"] is not None:
                report.add(where, f"duplicate_of {canonical} is not the canonical copy of cluster {cluster}")
    canonicals: dict[str, int] = {}
    for record in by_id.values():
        if record["duplicate_of"] is None:
            canonicals[record["cluster"]] = canonicals.get(record["cluster"], 0) + 1
    for cluster, count in sorted(canonicals.items()):
        if count != 1:
            report.add(path.name, f"cluster {cluster} has {count} canonical copies")
    for cluster in sorted(set(sizes) - set(canonicals)):
        report.add(path.name, f"cluster {cluster} has no canonical copy")


def _check_index(path: Path, ids: dict[str, int], report: Report) -> None:
    import sqlite3

    if not path.exists():
        return
    where = "dedup/index.sqlite"
    hint = "; run `vnnews dedup --rebuild` (the index is rebuilt from the manifest and the files)"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                report.add(where, f"damaged ({check}){hint}")
                return
            seqs = set()
            for seq, doc_id, sig in db.execute("SELECT seq, id, sig FROM docs"):
                seqs.add(seq)
                if ids.get(doc_id) != seq:
                    report.add(where, f"indexes document {doc_id} as seq {seq}, {MANIFEST} "
                                      f"{'has it as seq ' + str(ids[doc_id]) if doc_id in ids else 'does not list it'}{hint}")
                elif len(sig) != 4 * 112:
                    report.add(where, f"document {doc_id}: signature of {len(sig)} bytes, expected 448{hint}")
            bad = db.execute("SELECT count(*) FROM pairs WHERE a >= b").fetchone()[0]
            dangling = sum(1 for a, b in db.execute("SELECT a, b FROM pairs") if a not in seqs or b not in seqs)
            if bad or dangling:
                report.add(where, f"{bad + dangling} pair(s) name documents the index does not hold{hint}")
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        report.add(where, f"unreadable ({exc}){hint}")


def _check_duplicates(path: Path, ids: dict[str, int], report: Report) -> None:
    if not path.exists():
        return
    for where, record in _jsonl_records(path, report):
        if record.get("duplicate_of") not in ids:
            report.add(where, f"duplicate_of {record.get('duplicate_of')!r} is not a document of {MANIFEST}")
