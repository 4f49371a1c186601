"""The crawl-state store: what each URL gave and what each run did, in <out>/state/.

The corpus (manifest.jsonl, rejects.jsonl) is the record of truth; this store is the
"done" ledger that makes reruns incremental, written only AFTER the corpus commit (the
manifest line is fsynced first). A crash between the two leaves the store one page
behind, so that page is fetched again and the corpus writer's dedup (canonical URL, then
text hash) makes the second write a no-op: at-least-once delivery, idempotent writes.
Because the store only ever lags the corpus, it is reconciled with the manifest and the
rejects at every open, and rebuilt from them when lost (`vnnews state --rebuild`).

SQLite in WAL mode, one connection per process (the crawlers of `vnnews crawl --all`
share it, see crawler/crawl/writers.py). No Scrapy import: the report command reads it too.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import errno
import fcntl
import json
import logging
import os
import re
import socket
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from crawler.corpus.retry import (BACKOFF_BASE_HOURS, NEXT_RUN, ON_CHANGE, TRANSIENT_STATUSES,  # noqa: F401
                                  backoff_over, retry_policy)
from crawler.corpus.writer import MANIFEST, REJECTS
from crawler.urls import url_id

logger = logging.getLogger(__name__)

STATE_DIR = "state"
DB_NAME = "crawl.sqlite"
LOCK_DIR = "locks"
SCHEMA_VERSION = 2  # 2: urls.config_hash, urls.version, urls.attempts (added to a version 1 store on open)

# What the last fetch of an article URL gave. A URL whose outcome is in DONE is not asked
# for again (unless --refresh); an error is retried on the next run.
WRITTEN, DUPLICATE, REJECTED, ERROR, OLD = "written", "duplicate", "rejected", "error", "old"
DONE = (WRITTEN, DUPLICATE, REJECTED)
# When two facts about one URL meet (a refresh, a reconcile), the stronger one stays: a URL
# whose document is in the corpus is "written" whatever a later fetch said.
_STRENGTH = {ERROR: 0, OLD: 1, REJECTED: 2, DUPLICATE: 3, WRITTEN: 4}


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS urls (
    key        TEXT PRIMARY KEY,  -- canonical URL (crawler/urls.py) asked for or written under
    site       TEXT NOT NULL,
    url        TEXT NOT NULL,     -- the URL fetched (after redirects)
    fetched_at TEXT,              -- UTC, second precision; NULL for rows rebuilt from the corpus
    status     INTEGER,           -- HTTP status of the last fetch
    outcome    TEXT NOT NULL,     -- written | duplicate | rejected | error | old
    reason     TEXT,              -- rejection reason (rejects.jsonl vocabulary)
    detail     TEXT,
    doc_id     TEXT,              -- corpus id of the document (written, duplicate)
    published  TEXT,              -- publication date when known
    run_id     INTEGER,           -- the run that fetched it last; NULL when rebuilt
    config_hash TEXT,             -- the site's resolved config when fetched (crawler/registry.py)
    version    TEXT,              -- vnnews version when fetched
    attempts   INTEGER            -- failed fetches in a row (outcome error), for the backoff
);
CREATE INDEX IF NOT EXISTS urls_by_site ON urls (site, outcome);
CREATE TABLE IF NOT EXISTS runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    site       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,     -- last page recorded (the end of a run that was killed)
    ended_at   TEXT,
    outcome    TEXT NOT NULL,     -- running, killed, or Scrapy's finish reason (finished, shutdown, ...)
    options    TEXT NOT NULL      -- JSON: refresh, since, max_articles
);
CREATE INDEX IF NOT EXISTS runs_by_site ON runs (site, id);
CREATE TABLE IF NOT EXISTS run_counts (
    run_id INTEGER NOT NULL,
    name   TEXT NOT NULL,         -- pages, articles, written, duplicate, rejected/<reason>, error/<reason>, ...
    count  INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""


class StateError(RuntimeError):
    """The state store cannot be used (unreadable, newer schema); the message says what to do."""


class SiteBusy(RuntimeError):
    """Another process holds the site's lock."""


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def state_dir(out_dir: str | os.PathLike) -> Path:
    return Path(out_dir) / STATE_DIR


def rejection_outcome(reason: str, detail: str | None) -> str:
    """REJECTED for a verdict on the page itself (the cleaner's reasons, an HTTP 4xx: the page
    is gone); ERROR for everything that may go away by itself (5xx, 429, timeouts, truncated
    transfers, cleaner bugs, and any fault reason not listed here), retried on later runs.
    (crawler/corpus/retry.py: which REJECTED ones are retried after a config change.)"""
    return ERROR if retry_policy(reason, detail) == NEXT_RUN else REJECTED


@dataclass(frozen=True)
class Retry:
    """What the run knows to decide whether a recorded outcome still stands."""

    config_hash: str | None = None  # the site's config now; a cleaner rejection under another is retried
    version: str | None = None  # vnnews now; likewise
    rejected: bool = False  # --retry-rejected: every cleaner rejection recorded before `before`
    rejected_since: str | None = None  # ... on or after this day (YYYY-MM-DD)
    before: str | None = None  # UTC second the command started
    backoff_base_hours: float = BACKOFF_BASE_HOURS


@dataclass
class PageRecord:
    """One fetched article candidate, as the state store keeps it."""

    keys: list[str]  # every canonical spelling it was asked for or written under
    site: str
    url: str
    fetched_at: str
    status: int
    outcome: str
    reason: str | None = None
    detail: str | None = None
    doc_id: str | None = None
    published: str | None = None
    counts: tuple[str, ...] = ()  # extra run counters: "no-body", "generic"
    config_hash: str | None = None
    version: str | None = None


# --- the store ------------------------------------------------------------------------------

class CrawlState:
    """The SQLite store of one output folder."""

    def __init__(self, out_dir: str | os.PathLike):
        self.out_dir = Path(out_dir)
        self.dir = state_dir(self.out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / DB_NAME
        self.db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, isolation_level=None)  # autocommit; transactions explicit
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a power cut may lose the last transactions, never corrupt; the store
            # lags the corpus anyway and is reconciled with it on the next open.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=10000")
            db.executescript(SCHEMA)
            _migrate(db)
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path}: not a usable state store ({exc}); move it away and run "
                             f"`vnnews state --rebuild --out {self.out_dir}`") from None
        version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if version is None:
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(version[0]) > SCHEMA_VERSION:
            raise StateError(f"{self.path}: written by a newer vnnews (schema {version[0]}, "
                             f"this one knows {SCHEMA_VERSION}); upgrade vnnews")
        elif int(version[0]) < SCHEMA_VERSION:
            db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION),))
        return db

    def close(self) -> None:
        self.db.close()

    # lookups ---------------------------------------------------------------------------------
    def outcome(self, key: str) -> str | None:
        row = self.db.execute("SELECT outcome FROM urls WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def is_done(self, key: str, retry: Retry | None = None) -> bool:
        """Whether the URL needs no fetch this run. Without `retry`: written, duplicate or
        rejected. With it, a cleaner rejection recorded under another site config or vnnews
        version (or any, with --retry-rejected) is not done, and an error is done until its
        backoff is over."""
        if retry is None:
            return self.outcome(key) in DONE
        row = self.db.execute("SELECT outcome, reason, detail, fetched_at, config_hash, version, attempts "
                              "FROM urls WHERE key=?", (key,)).fetchone()
        if row is None:
            return False
        outcome, reason, detail, fetched_at, config_hash, version, attempts = row
        if outcome == ERROR:
            now = dt.datetime.now(dt.timezone.utc)
            return not backoff_over(fetched_at, attempts or 1, now, retry.backoff_base_hours)
        if outcome != REJECTED or retry_policy(reason or "", detail) != ON_CHANGE:
            return outcome in DONE
        if retry.rejected and (fetched_at or "") < (retry.before or "~") and (
                not retry.rejected_since or (fetched_at or "") >= retry.rejected_since):
            return False
        if retry.config_hash and config_hash and (config_hash, version) != (retry.config_hash, retry.version):
            return False  # recorded under another config or release
        # (a row with no config hash, rebuilt from the corpus or from a store older than the
        # hashes, is left alone: --retry-rejected retries those)
        return True

    # runs --------------------------------------------------------------------------------------
    def start_run(self, site: str, options: dict | None = None) -> int:
        """A new run of the site. Runs of it still marked running died without closing (we
        hold the site's lock now), so they are marked killed first."""
        now = utc_now()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("UPDATE runs SET outcome='killed' WHERE site=? AND outcome='running'", (site,))
            cursor = self.db.execute(
                "INSERT INTO runs (site, pid, started_at, updated_at, outcome, options) VALUES (?,?,?,?,?,?)",
                (site, os.getpid(), now, now, "running", json.dumps(options or {}, sort_keys=True)))
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, outcome: str, extra_counts: dict[str, int] | None = None) -> None:
        now = utc_now()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for name, count in (extra_counts or {}).items():
                if count:
                    self._count(run_id, name, int(count))
            self.db.execute("UPDATE runs SET ended_at=?, updated_at=?, outcome=? WHERE id=?",
                            (now, now, outcome, run_id))

    def _count(self, run_id: int, name: str, count: int = 1) -> None:
        self.db.execute("INSERT INTO run_counts VALUES (?,?,?) ON CONFLICT(run_id, name) "
                        "DO UPDATE SET count = count + excluded.count", (run_id, name, count))

    def count_page(self, run_id: int) -> None:
        """A page that is not an article candidate (listing, feed, sitemap) was fetched."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self._count(run_id, "pages")
            self.db.execute("UPDATE runs SET updated_at=? WHERE id=?", (utc_now(), run_id))

    # pages ---------------------------------------------------------------------------------------
    def record(self, run_id: int | None, page: PageRecord) -> None:
        """Record an article candidate's outcome (after the corpus has it) and count it for the run."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for key in dict.fromkeys(page.keys):
                self._upsert(key, page, run_id)
            if run_id is not None:
                names = ["pages", "articles", page.outcome]
                if page.reason:
                    names.append(f"{page.outcome}/{page.reason}")
                for name in (*names, *page.counts):
                    self._count(run_id, name)
                self.db.execute("UPDATE runs SET updated_at=? WHERE id=?", (utc_now(), run_id))

    def _upsert(self, key: str, page: PageRecord, run_id: int | None) -> None:
        previous = self.db.execute("SELECT outcome, doc_id, attempts FROM urls WHERE key=?", (key,)).fetchone()
        outcome, doc_id = page.outcome, page.doc_id
        if previous and page.fetched_at and _STRENGTH[previous[0]] >= _STRENGTH[WRITTEN] > _STRENGTH[outcome]:
            outcome, doc_id = previous[:2]  # the document stays in the corpus: the URL stays done
        elif previous and not page.fetched_at and _STRENGTH[previous[0]] >= _STRENGTH[outcome]:
            return  # a reconcile never weakens what a fetch recorded
        attempts = None
        if outcome == ERROR:  # failed fetches in a row: the backoff grows with them
            attempts = ((previous[2] or 1) + 1) if previous and previous[0] == ERROR and page.fetched_at else 1
        self.db.execute(
            "INSERT OR REPLACE INTO urls (key, site, url, fetched_at, status, outcome, reason, detail, doc_id, "
            "published, run_id, config_hash, version, attempts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (key, page.site, page.url, page.fetched_at or None, page.status or None, outcome, page.reason,
             page.detail, doc_id, page.published, run_id, page.config_hash, page.version, attempts))

    # reading for the report ----------------------------------------------------------------------
    def sites(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT site FROM runs ORDER BY site")]

    def runs(self, site: str) -> list[dict]:
        """The site's runs, oldest first, each with its counters."""
        rows = self.db.execute("SELECT id, site, pid, started_at, updated_at, ended_at, outcome, options "
                               "FROM runs WHERE site=? ORDER BY id", (site,)).fetchall()
        runs = []
        for row in rows:
            run = dict(zip(("id", "site", "pid", "started_at", "updated_at", "ended_at", "outcome", "options"), row))
            run["options"] = json.loads(run["options"])
            run["counts"] = dict(self.db.execute("SELECT name, count FROM run_counts WHERE run_id=? ORDER BY name",
                                                 (run["id"],)).fetchall())
            runs.append(run)
        return runs

    def corpus_totals(self, site: str) -> dict:
        """What all runs of the site left: documents, duplicates, rejections and errors by reason
        (pages, not URL spellings: a page recorded under two spellings counts once)."""
        def by_reason(outcome: str) -> dict[str, int]:
            return dict(self.db.execute(
                "SELECT reason, COUNT(DISTINCT url) FROM urls WHERE site=? AND outcome=? GROUP BY reason "
                "ORDER BY reason", (site, outcome)).fetchall())

        documents = self.db.execute("SELECT COUNT(DISTINCT doc_id) FROM urls WHERE site=? AND outcome=?",
                                    (site, WRITTEN)).fetchone()[0]
        duplicates = self.db.execute("SELECT COUNT(DISTINCT url) FROM urls WHERE site=? AND outcome=?",
                                     (site, DUPLICATE)).fetchone()[0]
        return {"documents": documents, "duplicates": duplicates, "rejections": by_reason(REJECTED),
                "errors": by_reason(ERROR)}

    def url_outcomes(self, site: str | None = None) -> dict[str, int]:
        query = "SELECT outcome, COUNT(*) FROM urls" + (" WHERE site=?" if site else "") + " GROUP BY outcome"
        return dict(self.db.execute(query, (site,) if site else ()).fetchall())

    # keeping up with the corpus -------------------------------------------------------------------
    def reconcile(self, canonical: Callable[[str], str]) -> int:
        """Add what the manifest and the rejects hold but the store does not (a crash between
        the corpus commit and the store write, a lost store). Returns the number of rows added."""
        before = self.db.execute("SELECT COUNT(*) FROM urls").fetchone()[0]
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for record in corpus_records(self.out_dir, canonical):
                for key in dict.fromkeys(record.keys):
                    self._upsert(key, record, None)
        added = self.db.execute("SELECT COUNT(*) FROM urls").fetchone()[0] - before
        if added:
            logger.info("%s: %d URL(s) of the corpus added to the state store", self.path, added)
        return added


def mark_killed(out_dir: str | os.PathLike, pid: int) -> int:
    """Mark the runs of process `pid` still `running` as killed (a second Ctrl-C stops the
    crawl before the runs close). Returns how many."""
    path = state_dir(out_dir) / DB_NAME
    if not path.exists():
        return 0
    now = utc_now()
    with closing(sqlite3.connect(path, timeout=5)) as db:
        with db:
            cursor = db.execute("UPDATE runs SET outcome='killed', ended_at=?, updated_at=? "
                                "WHERE pid=? AND outcome='running'", (now, now, pid))
    return cursor.rowcount


def _migrate(db: sqlite3.Connection) -> None:
    """Add the columns a version 1 store lacks. Their NULLs read as "config unknown": those
    cleaner rejections are retried by `vnnews crawl --retry-rejected`, not by themselves."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(urls)")}
    for name, kind in (("config_hash", "TEXT"), ("version", "TEXT"), ("attempts", "INTEGER")):
        if name not in columns:
            db.execute(f"ALTER TABLE urls ADD COLUMN {name} {kind}")


def replica_runs(out_dir: str | os.PathLike) -> int:
    """How many runs recorded in the folder's store crawled a loopback replica (0 without a store).
    Replica pages carry the real sites' URLs: a live crawl into such a folder would skip the
    real articles as done and mix reconstructed pages into the corpus."""
    path = state_dir(out_dir) / DB_NAME
    if not path.exists():
        return 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            row = db.execute("SELECT COUNT(*) FROM runs WHERE json_extract(options, '$.replica') "
                             "IS NOT NULL").fetchone()
        except sqlite3.DatabaseError:
            return 0
    return int(row[0])


def rebuild(out_dir: str | os.PathLike, canonical: Callable[[str], str]) -> tuple[Path, int]:
    """A fresh store from the manifest and the rejects; the old file is kept beside it as
    crawl.sqlite.old. Errors and duplicates are not in the corpus, so they are fetched once
    more; the run history is copied over when the old file can still be read."""
    path = state_dir(out_dir) / DB_NAME
    old = path.with_name(DB_NAME + ".old")
    if path.exists():
        with closing(sqlite3.connect(path)) as db:  # fold the WAL in before moving the file
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.DatabaseError:
                pass
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(path, old)
    with closing(CrawlState(out_dir)) as state:
        state.reconcile(canonical)
        if old.exists():
            _copy_runs(state.db, old)
        return path, sum(state.url_outcomes().values())


def _copy_runs(db: sqlite3.Connection, old: Path) -> None:
    try:
        db.execute("ATTACH DATABASE ? AS old", (str(old),))
    except sqlite3.DatabaseError:
        return
    try:
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO runs SELECT * FROM old.runs")
            db.execute("INSERT INTO run_counts SELECT * FROM old.run_counts")
    except sqlite3.DatabaseError as exc:
        logger.warning("%s: run history not copied (%s)", old, exc)
    finally:
        db.execute("DETACH DATABASE old")


# --- reading the corpus -------------------------------------------------------------------------

def complete_jsonl(path: Path) -> Iterable[dict]:
    """The complete lines of a JSONL file, read-only (a torn last line is skipped, not cut:
    cutting it is the corpus writer's job, under its lock)."""
    if not path.exists():
        return
    data = path.read_bytes()
    for line in data[: data.rfind(b"\n") + 1].decode("utf-8", "replace").splitlines():
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                logger.warning("%s: skipping a line that is not JSON: %r", path, line[:80])


def corpus_records(out_dir: Path, canonical: Callable[[str], str]) -> Iterable[PageRecord]:
    """What the manifest and the rejects say about each URL, as store rows."""
    for entry in complete_jsonl(out_dir / MANIFEST):
        keys = [entry["canonical_url"], canonical(entry["url"])]
        yield PageRecord(keys=keys, site=entry["site"], url=entry["url"], fetched_at="", status=0,
                         outcome=WRITTEN, doc_id=entry.get("id") or url_id(entry["canonical_url"]),
                         published=entry.get("published"))
    for entry in complete_jsonl(out_dir / REJECTS):
        outcome = rejection_outcome(entry.get("reason", ""), entry.get("detail"))
        yield PageRecord(keys=[canonical(entry["url"])], site=entry.get("site", ""), url=entry["url"],
                         fetched_at="", status=0, outcome=outcome, reason=entry.get("reason"),
                         detail=entry.get("detail"))


# --- the per-site lock -----------------------------------------------------------------------------

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def lock_path(lock_dir: Path, site: str) -> Path:
    # a site name is a config file name; a hostile one must not name a path outside the folder
    name = site if _SAFE_NAME.match(site) else "site-" + url_id(site)
    return lock_dir / f"{name}.lock"


class SiteLock:
    """An exclusive fcntl lock per site: two runs of one site never overlap. The kernel drops
    it when the process dies, so a killed run never leaves a stale lock. Re-entrant within a
    process (the `vnnews crawl` pre-flight and the crawl's own components take it both)."""

    _held: dict[Path, list] = {}  # path -> [open file, holders]

    def __init__(self, lock_dir: Path, site: str):
        self.site = site
        self.path = lock_path(lock_dir, site).resolve()

    def acquire(self) -> "SiteLock":
        if self.path in self._held:
            self._held[self.path][1] += 1
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise SiteBusy(f"site {self.site} is being crawled by {holder_of(self.path)}; "
                               "not starting a second run of it") from None
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": utc_now()}) + "\n")
        fh.flush()
        self._held[self.path] = [fh, 1]
        return self

    def release(self) -> None:
        entry = self._held.get(self.path)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del self._held[self.path]
            entry[0].close()  # closing drops the lock; the file stays (its pid line is history)

    def __enter__(self) -> "SiteLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def holder_of(path: Path) -> str:
    """'pid N on HOST since T' from a lock file's info line (written by the holder)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8").strip() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "another process"
    return f"pid {info['pid']} on {info.get('host', '?')} since {info.get('since', '?')}"


def busy_sites(lock_dir: Path) -> dict[str, str]:
    """Sites whose lock some other process holds now: {site: holder}."""
    found = {}
    if not lock_dir.is_dir():
        return found
    for path in sorted(lock_dir.glob("*.lock")):
        if path.resolve() in SiteLock._held:
            continue
        with path.open("a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                found[path.stem] = holder_of(path)
    return found


def default_lock_dir(out_dir: str | os.PathLike, setting: str | None = None) -> Path:
    """VNNEWS_LOCK_DIR when set (one folder for every output folder of a machine), else
    <out>/state/locks."""
    return Path(setting) if setting else state_dir(out_dir) / LOCK_DIR


# --- dates for --since ------------------------------------------------------------------------------

def parse_since(text: str) -> dt.date:
    """The --since / VNNEWS_SINCE value: a date, YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def published_day(text: str | None) -> dt.date | None:
    """The calendar day of a date as a page, feed or sitemap writes it (ISO 8601 or RFC 822),
    in the time zone it is written in (+07:00 on Vietnamese sites); None when unreadable."""
    if not text:
        return None
    text = text.strip()
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None
