"""The corpus folder: `corpus/NNN_<id>.txt`, `manifest.jsonl` and `rejects.jsonl`.

Crash safety, as in Heritrix and StormCrawler (see research/style-and-reliability.md):
a document is written to a temporary file in the same folder, fsynced, renamed into
place, and only then announced by a manifest line (appended, flushed, fsynced). After a
crash at any point the folder is one of: nothing written, or a complete file that the
manifest does not list yet (removed on the next start, and written again), or both.
Every write is idempotent: a document whose canonical URL or text digest is in the
manifest is not written again, so a rerun over the same pages adds nothing.

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
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .urls import url_id

logger = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"
REJECTS = "rejects.jsonl"
CORPUS_DIR = "corpus"
LOCK = ".vnnews.lock"
TEMP_SUFFIX = ".tmp"
DOC_NAME = re.compile(r"^(\d{3,})_([0-9a-f]{16})\.txt$")
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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


class CorpusWriter:
    """Writes documents and rejections into an output folder; one writer per folder at a time."""

    def __init__(self, out_dir: str | os.PathLike, version: str = __version__):
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
        self._remove_crash_leftovers()
        self._manifest = (self.out_dir / MANIFEST).open("ab")
        self._rejects = (self.out_dir / REJECTS).open("ab")

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
        listed = {Path(e["file"]).name for e in self.by_url.values()}
        for path in sorted(self.corpus_dir.iterdir()):
            if path.name.endswith(TEMP_SUFFIX):
                logger.warning("%s: removing a temporary file left by an interrupted run", path)
                path.unlink()
                continue
            match = DOC_NAME.match(path.name)
            if not match or path.name in listed:
                continue
            if int(match.group(1)) == self.next_seq:
                # renamed into place, but the run died before its manifest line: redo it
                logger.warning("%s: removing a document the manifest never listed (interrupted run)", path)
                path.unlink()
            else:
                raise CorpusError(f"{path}: not listed in {self.out_dir / MANIFEST} and not the last write "
                                  f"of an interrupted run (next number is {self.next_seq:03d}); "
                                  "restore the manifest or move the file away")

    # writing -----------------------------------------------------------------------------
    def add(self, document, url: str, canonical_url: str, site: str, crawled_at: str | None = None) -> Outcome:
        """Write one cleaned document (cleaners.document.Document), unless the manifest has it."""
        text = document.text
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if canonical_url in self.by_url:
            return self._outcome("duplicate-url", self.by_url[canonical_url])
        if digest in self.by_text:
            return self._outcome("duplicate-text", self.by_text[digest])
        seq, doc_id = self.next_seq, url_id(canonical_url)
        name = doc_file_name(seq, doc_id)
        self._write_atomic(self.corpus_dir / name, text.encode("utf-8"))
        entry = {"file": f"{CORPUS_DIR}/{name}", "id": doc_id, "seq": seq, "url": url,
                 "canonical_url": canonical_url, "site": site}
        entry.update({key: getattr(document, key, None) for key in DOC_FIELDS})
        entry.update(chars=len(text), text_sha256=digest, crawled_at=crawled_at or utc_now(),
                     version=self.version)
        self._append(self._manifest, entry)
        self.next_seq = seq + 1
        self.by_url[canonical_url] = entry
        self.by_text[digest] = entry
        return self._outcome("written", entry)

    def reject(self, url: str, site: str, reason: str, detail: str | None = None,
               time: str | None = None) -> bool:
        """Record a rejected page once per (url, reason); False when it was already recorded."""
        if (url, reason) in self._known_rejects:
            return False
        self._append(self._rejects, {"url": url, "site": site, "reason": reason, "detail": detail or "",
                                     "time": time or utc_now()})
        self._known_rejects.add((url, reason))
        return True

    @staticmethod
    def _outcome(status: str, entry: dict) -> Outcome:
        return Outcome(status, entry["file"], int(entry["seq"]))

    def _write_atomic(self, target: Path, data: bytes) -> None:
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
        _fsync_dir(self.corpus_dir)  # the rename itself must survive a power cut

    @staticmethod
    def _append(fh, record: dict) -> None:
        fh.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())

    def close(self) -> None:
        for fh in (self._manifest, self._rejects, self._lock_fh):
            if not fh.closed:
                fh.close()

    def __enter__(self) -> "CorpusWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
