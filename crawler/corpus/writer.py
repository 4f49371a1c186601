"""The corpus folder: `corpus/NNN_<id>.txt`, `manifest.jsonl` and `rejects.jsonl`.

Crash safety, as in Heritrix and StormCrawler (see research/style-and-reliability.md):
a document is written to a temporary file in the same folder, fsynced, renamed into
place, and only then announced by a manifest line (appended, flushed, fsynced). After a
crash at any point the folder is one of: nothing written, or complete files that the
manifest does not list yet (removed on the next start, and written again), or both.
Every write is idempotent: a document whose canonical URL or text digest is in the
manifest is not written again, so a rerun over the same pages adds nothing.

Two ways to commit, same files and same order on disk:

- **Synchronous** (the default; `vnnews reprocess`, tests): `add` and `reject` return once
  the document and its manifest line (or the rejects line) are durable.
- **Group commit** (`group_commit=True`; the crawl): `add` and `reject` decide at once
  (sequence number, dedup, the outcome) and queue the writes; one writer thread commits
  whatever has queued, in order, as a batch: every document to a temporary file, each
  fsynced and renamed into place, the folder fsynced once, then the `before_commit` hooks
  (the crawl's WARC archive fsyncs there, so the archive never lags the corpus), then the
  batch's manifest and rejects lines appended and fsynced once each. `when_durable(cb)`
  calls `cb` (on the writer thread) once everything queued before it is durable; the
  crawl records a page in the state store only then, so the store never says "done" for
  a page whose file and manifest line a power cut could still take away. A crash in the
  middle of a batch leaves a run of renamed documents the manifest never listed, numbered
  from the next free number on: the next start removes them, and their pages, never
  recorded as done, are fetched again. A failed commit (disk full) is final for the
  writer: that batch and every later one report the error and nothing more is written.

No Scrapy import: the crawl pipelines and `vnnews reprocess` share it.
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
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from crawler import __version__
from crawler.urls import url_id
from crawler.corpus.retry import retry_policy

logger = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"
REJECTS = "rejects.jsonl"
DUPLICATES = "duplicates.jsonl"  # exact copies not written: where they were, which document they repeat
CORPUS_DIR = "corpus"
LOCK = ".vnnews.lock"
TEMP_SUFFIX = ".tmp"
DOC_NAME = re.compile(r"^(\d{3,})_([0-9a-f]{16})\.txt$")
# what add() decides itself: an `extra` field of these names is ignored
_FIXED_FIELDS = frozenset({"file", "id", "seq", "url", "canonical_url", "site", "chars", "text_sha256"})
DOC_FIELDS = ("title", "published", "author", "source", "kicker", "category", "lang", "lang_prob")


class CorpusError(RuntimeError):
    """The output folder is inconsistent in a way a crash cannot explain; a person must look."""


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def doc_file_name(seq: int, doc_id: str) -> str:
    return f"{seq:03d}_{doc_id}.txt"


@dataclass
class Outcome:
    """What happened to one document: written, or a duplicate of an earlier manifest entry."""

    status: str  # "written", "duplicate-url" or "duplicate-text"
    file: str
    seq: int


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a rename, a new file) survive a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes) -> None:
    """Replace `target` with `data` whole or not at all: temporary file, fsync, rename, fsync
    the folder. A kill leaves the old file (and at most a hidden temporary one)."""
    temp = target.with_name("." + target.name + TEMP_SUFFIX)
    try:
        with temp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def read_jsonl(path: Path) -> list[dict]:
    """The complete lines of a JSONL file; a torn last line (no newline: a crash while
    appending) is reported and cut off so the next append starts on a fresh line."""
    if not path.exists():
        return []
    data = path.read_bytes()
    complete_end = data.rfind(b"\n") + 1
    if complete_end < len(data):
        logger.warning("%s: ignoring a torn last line left by an interrupted run (%d bytes)",
                       path, len(data) - complete_end)
        with path.open("r+b") as fh:
            fh.truncate(complete_end)
            fh.flush()
            os.fsync(fh.fileno())
    records = []
    for number, line in enumerate(data[:complete_end].decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{number}: expected a JSON object per line, got {line[:80]!r} ({exc})")
    return records


def _line(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


class CorpusWriter:
    """Writes documents and rejections into an output folder; one writer per folder at a time."""

    def __init__(self, out_dir: str | os.PathLike, version: str = __version__, group_commit: bool = False):
        self.out_dir = Path(out_dir)
        self.corpus_dir = self.out_dir / CORPUS_DIR
        self.version = version
        self.corpus_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fh = self._lock()
        self.by_url: dict[str, dict] = {}
        self.by_text: dict[str, dict] = {}
        self.next_seq = 0
        self._load_manifest()
        self._known_rejects = {(r.get("url"), r.get("reason")) for r in read_jsonl(self.out_dir / REJECTS)}
        self._known_duplicates = {(r.get("url"), r.get("duplicate_of"))
                                  for r in read_jsonl(self.out_dir / DUPLICATES)}
        self._remove_crash_leftovers()
        self._manifest = (self.out_dir / MANIFEST).open("ab")
        self._rejects = (self.out_dir / REJECTS).open("ab")
        self._duplicates = None  # opened at the first exact copy: most folders never need it
        self.before_commit: list[Callable[[], None]] = []  # run on the writer thread before the lines
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._queue: list[tuple] = []  # ("doc", file name, bytes, line), ("reject", line) or ("duplicate", line)
        self._waiters: list[Callable[[BaseException | None], None]] = []
        self._closing = False
        self._failed: BaseException | None = None
        if group_commit:
            self._thread = threading.Thread(target=self._commit_loop, name=f"vnnews-corpus-{self.out_dir.name}",
                                            daemon=True)
            self._thread.start()

    # start-up ----------------------------------------------------------------------------
    def _lock(self):
        """Two processes appending to one manifest would hand out the same numbers."""
        fh = (self.out_dir / LOCK).open("a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise CorpusError(f"{self.out_dir}: another vnnews process is writing this folder; "
                                  "wait for it or use another --out") from None
            raise
        return fh

    def _load_manifest(self) -> None:
        for entry in read_jsonl(self.out_dir / MANIFEST):
            self.by_url[entry["canonical_url"]] = entry
            self.by_text.setdefault(entry["text_sha256"], entry)
            self.next_seq = max(self.next_seq, int(entry["seq"]) + 1)

    def _remove_crash_leftovers(self) -> None:
        """Temporary files, and the documents renamed into place whose manifest lines the run
        died before writing: one at the next free number (a synchronous write), or a run of
        consecutive numbers from it (a group commit). Any other unlisted document is not
        something a crash leaves behind."""
        listed = {Path(e["file"]).name for e in self.by_url.values()}
        unlisted: dict[int, list[Path]] = {}
        for path in sorted(self.corpus_dir.iterdir()):
            if path.name.endswith(TEMP_SUFFIX):
                logger.warning("%s: removing a temporary file left by an interrupted run", path)
                path.unlink()
                continue
            match = DOC_NAME.match(path.name)
            if match and path.name not in listed:
                unlisted.setdefault(int(match.group(1)), []).append(path)
        expected = set(range(self.next_seq, self.next_seq + len(unlisted)))
        for seq, paths in sorted(unlisted.items()):
            for path in paths:
                if seq not in expected or len(paths) > 1:
                    raise CorpusError(f"{path}: not listed in {self.out_dir / MANIFEST} and not the last write "
                                      f"of an interrupted run (next number is {self.next_seq:03d}); "
                                      "restore the manifest or move the file away")
        for seq, paths in sorted(unlisted.items()):
            # renamed into place, but the run died before its manifest line: redo it
            logger.warning("%s: removing a document the manifest never listed (interrupted run)", paths[0])
            paths[0].unlink()

    # writing -----------------------------------------------------------------------------
    def add(self, document, url: str, canonical_url: str, site: str, crawled_at: str | None = None,
            extra: dict | None = None) -> Outcome:
        """Write one cleaned document (cleaners.document.Document), unless the manifest has it.
        `extra`: more manifest fields (`vnnews merge` records the source folder and keeps the
        source's version); it cannot change the file, id, seq, URLs or digest."""
        text = document.text
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if canonical_url in self.by_url:
            self._note_duplicate("url", url, canonical_url, site, self.by_url[canonical_url], crawled_at)
            return self._outcome("duplicate-url", self.by_url[canonical_url])
        if digest in self.by_text:
            self._note_duplicate("text", url, canonical_url, site, self.by_text[digest], crawled_at)
            return self._outcome("duplicate-text", self.by_text[digest])
        self._check_usable()
        seq, doc_id = self.next_seq, url_id(canonical_url)
        name = doc_file_name(seq, doc_id)
        entry = {"file": f"{CORPUS_DIR}/{name}", "id": doc_id, "seq": seq, "url": url,
                 "canonical_url": canonical_url, "site": site}
        entry.update({key: getattr(document, key, None) for key in DOC_FIELDS})
        entry.update(chars=len(text), text_sha256=digest, crawled_at=crawled_at or utc_now(),
                     version=self.version)
        if extra:
            entry.update({k: v for k, v in extra.items() if k not in _FIXED_FIELDS})
        if self._thread is None:
            write_atomic(self.corpus_dir / name, text.encode("utf-8"))
            self._append(self._manifest, entry)
        else:
            self._enqueue(("doc", name, text.encode("utf-8"), _line(entry)))
        self.next_seq = seq + 1
        self.by_url[canonical_url] = entry
        self.by_text[digest] = entry
        return self._outcome("written", entry)

    def _note_duplicate(self, match: str, url: str, canonical_url: str, site: str, original: dict,
                        crawled_at: str | None) -> None:
        """A line in duplicates.jsonl for an exact copy that is not written (same canonical URL
        under another spelling, or the same text under another URL), once per (url, original),
        so consumers see the copies the corpus leaves out. The same page fetched again is none."""
        if url == original["url"] or (url, original["id"]) in self._known_duplicates:
            return
        if self._failed is not None or self._closing:
            return  # add() reports the unusable writer for written documents; a note is not worth an error
        record = {"url": url, "canonical_url": canonical_url, "site": site, "match": match,
                  "duplicate_of": original["id"], "time": crawled_at or utc_now()}
        if self._thread is None:
            self._append(self._duplicates_file(), record)
        else:
            self._enqueue(("duplicate", _line(record)))
        self._known_duplicates.add((url, original["id"]))

    def _duplicates_file(self):
        if self._duplicates is None:
            self._duplicates = (self.out_dir / DUPLICATES).open("ab")
        return self._duplicates

    def reject(self, url: str, site: str, reason: str, detail: str | None = None,
               time: str | None = None) -> bool:
        """Record a rejected page once per (url, reason); False when it was already recorded."""
        if (url, reason) in self._known_rejects:
            return False
        self._check_usable()
        record = {"url": url, "site": site, "reason": reason, "detail": detail or "", "time": time or utc_now(),
                  "retry": retry_policy(reason, detail)}  # final, on-change or next-run (crawler/corpus/retry.py)
        if self._thread is None:
            self._append(self._rejects, record)
        else:
            self._enqueue(("reject", _line(record)))
        self._known_rejects.add((url, reason))
        return True

    # group commit ------------------------------------------------------------------------
    def when_durable(self, callback: Callable[[BaseException | None], None]) -> None:
        """Call `callback(None)` once everything added or rejected so far is durable, or
        `callback(error)` when its commit failed. Synchronous writer: called at once. With
        group commit it is called on the writer thread: hand the result back to your own."""
        with self._cond:
            if self._thread is not None and not self._closing:
                self._waiters.append(callback)
                self._cond.notify()
                return
        callback(self._failed)

    def _check_usable(self) -> None:
        if self._failed is not None:
            raise CorpusError(f"{self.out_dir}: an earlier commit failed ({self._failed}); nothing more is written")
        if self._closing:
            raise CorpusError(f"{self.out_dir}: the corpus writer is closed")

    def _enqueue(self, op: tuple) -> None:
        with self._cond:
            self._queue.append(op)
            self._cond.notify()

    def _commit_loop(self) -> None:
        while True:
            with self._cond:
                while not (self._queue or self._waiters or self._closing):
                    self._cond.wait()
                ops, self._queue = self._queue, []
                waiters, self._waiters = self._waiters, []
                if not ops and not waiters:  # closing, and nothing left
                    return
            if ops and self._failed is None:
                try:
                    self._commit(ops)
                except BaseException as exc:  # noqa: BLE001 - reported to every waiter, then final
                    logger.error("%s: committing %d writes failed: %s; nothing more is written",
                                 self.out_dir, len(ops), exc)
                    self._failed = exc
            for waiter in waiters:
                try:
                    waiter(self._failed)
                except Exception:  # a waiter's bug must not stop the commits of the others
                    logger.exception("corpus commit callback failed")

    def _commit(self, ops: list[tuple]) -> None:
        """One batch, in the order of the synchronous writes: documents durable and in place,
        the hooks (the archive), then the manifest and rejects lines, each file fsynced once."""
        docs = [op for op in ops if op[0] == "doc"]
        placed = []
        try:
            for _, name, data, _line_bytes in docs:
                target = self.corpus_dir / name
                temp = target.with_name("." + name + TEMP_SUFFIX)
                placed.append(temp)
                with temp.open("wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            for (_, name, _data, _line_bytes), temp in zip(docs, placed):
                os.replace(temp, self.corpus_dir / name)
        except BaseException:
            for temp in placed:
                temp.unlink(missing_ok=True)
            raise
        if docs:
            fsync_dir(self.corpus_dir)  # the renames must survive a power cut before the lines do
        for hook in self.before_commit:
            hook()
        manifest_lines = b"".join(op[3] for op in docs)
        reject_lines = b"".join(op[1] for op in ops if op[0] == "reject")
        duplicate_lines = b"".join(op[1] for op in ops if op[0] == "duplicate")
        for fh, data in ((self._manifest, manifest_lines), (self._rejects, reject_lines),
                         (self._duplicates_file() if duplicate_lines else None, duplicate_lines)):
            if data:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())

    @staticmethod
    def _outcome(status: str, entry: dict) -> Outcome:
        return Outcome(status, entry["file"], int(entry["seq"]))

    @staticmethod
    def _append(fh, record: dict) -> None:
        fh.write(_line(record))
        fh.flush()
        os.fsync(fh.fileno())

    def close(self) -> None:
        """Commits what is queued (group commit), then closes the files."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()
        for fh in (self._manifest, self._rejects, self._duplicates, self._lock_fh):
            if fh is not None and not fh.closed:
                fh.close()

    def __enter__(self) -> "CorpusWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
