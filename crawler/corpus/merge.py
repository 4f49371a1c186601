"""`vnnews merge DIR… --into DIR`: one corpus from the output folders of several machines.

Each scrapyd node (crawler/cluster) writes its own output folders; nothing is shared but
scrapyd's HTTP API. Merging makes one corpus of them:

- **Union**, first by canonical URL, then by text digest (the corpus writer's own dedup),
  then by the near-duplicate index where one exists (`NearDuplicateIndex` below: the hook a
  near-duplicate index plugs into; none is built into this module). A site crawled by two
  nodes over time (its node died, its sites moved) is merged once.
- **Order.** The documents a merge adds get the target's next sequence numbers in order of
  `crawled_at` (ties: source folder, then its sequence number), so one merge of everything
  numbers the corpus as one machine would have. A later merge appends what is new after
  what is there: numbers are never given twice or changed.
- **Provenance.** Every manifest line the merge writes has `merged_from`: the source folder
  (absolute), its file and sequence number there. `version` stays the source's.
- **Incremental and idempotent.** What the target already has (by URL or text) is skipped:
  a second merge adds only what is new, a rerun with nothing new adds nothing.
- **Crash-safe.** The target is written by the crawl's CorpusWriter (group commit): after
  kill -9 the next start removes what the manifest never listed, and the rerun writes it
  again; nothing is lost or doubled and `vnnews verify` is clean.
- **Sources are read-only.** A source may be written by a crawl at the same time: only its
  complete manifest lines are read (a line is appended after its document is durable), and
  a source is never repaired or locked. A document whose bytes do not match its manifest
  digest stops the merge with the file named (nothing of it is written).

No Scrapy import.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Protocol

from crawler.corpus.writer import DOC_FIELDS, MANIFEST, REJECTS, CorpusError, CorpusWriter

# The module a near-duplicate index lives in, once there is one: it provides
# `open_index(out_dir) -> NearDuplicateIndex | None`. Without it the merge dedups by URL and text.
NEAR_DUPLICATE_MODULE = "crawler.corpus.neardup"


class NearDuplicateIndex(Protocol):
    """The hook of a near-duplicate index: asked before a document is added, told after."""

    def duplicate_of(self, text: str) -> str | None:
        """The canonical URL of a document already in the target that `text` nearly repeats."""

    def add(self, entry: dict, text: str) -> None:
        """A document was written to the target (its manifest entry and text)."""


def load_near_duplicate_index(into: Path) -> NearDuplicateIndex | None:
    try:
        module = importlib.import_module(NEAR_DUPLICATE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != NEAR_DUPLICATE_MODULE:
            raise
        return None
    return module.open_index(into)


class MergeError(RuntimeError):
    """A source cannot be merged (missing, not an output folder, a document that does not match)."""


@dataclass
class SourceCount:
    source: str
    listed: int = 0
    added: int = 0
    duplicate_url: int = 0
    duplicate_text: int = 0
    near_duplicate: int = 0
    rejects_added: int = 0

    def to_record(self) -> dict:
        return dict(self.__dict__)


@dataclass
class MergeResult:
    into: str
    sources: list[SourceCount] = field(default_factory=list)
    total: int = 0  # documents in the target afterwards

    @property
    def added(self) -> int:
        return sum(s.added for s in self.sources)

    def to_record(self) -> dict:
        return {"into": self.into, "added": self.added, "total": self.total,
                "sources": [s.to_record() for s in self.sources]}


def output_folders(paths: list[str | os.PathLike]) -> list[Path]:
    """Each path is an output folder (it has manifest.jsonl), or a folder of them (a node's
    output with one folder per site, as `vnnews cluster schedule` lays it out)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if not path.is_dir():
            raise MergeError(f"{path}: no such folder")
        if (path / MANIFEST).is_file():
            found.append(path.resolve())
            continue
        inner = sorted(p.resolve() for p in path.iterdir() if p.is_dir() and (p / MANIFEST).is_file())
        if not inner:
            raise MergeError(f"{path}: not an output folder (no {MANIFEST}) and no output folders inside it")
        found.extend(inner)
    return list(dict.fromkeys(found))


def complete_lines(path: Path) -> list[dict]:
    """The complete JSON lines of a source's JSONL file, read-only (a torn last line, of a
    crawl writing it right now or killed, is left alone: the crawl's next start cuts it)."""
    if not path.exists():
        return []
    data = path.read_bytes()
    data = data[:data.rfind(b"\n") + 1]
    records = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise MergeError(f"{path}:{number}: expected a JSON object per line ({exc})") from None
    return records


def merge(sources: list[str | os.PathLike], into: str | os.PathLike,
          near_duplicates: NearDuplicateIndex | None = None) -> MergeResult:
    """Merge the output folders `sources` (see output_folders) into the folder `into`."""
    folders = output_folders(sources)
    target = Path(into).resolve()
    if target in folders:
        raise MergeError(f"{target}: the target is also a source")
    if any(target.is_relative_to(f) for f in folders):
        raise MergeError(f"{target}: the target lies inside a source folder")
    result = MergeResult(into=str(target))
    counts = {folder: SourceCount(str(folder)) for folder in folders}
    result.sources = list(counts.values())
    with CorpusWriter(target, group_commit=True) as writer:
        if near_duplicates is None:
            near_duplicates = load_near_duplicate_index(target)
        candidates = []
        for folder in folders:
            for entry in complete_lines(folder / MANIFEST):
                counts[folder].listed += 1
                candidates.append((entry.get("crawled_at") or "", str(folder), int(entry["seq"]), folder, entry))
        candidates.sort(key=lambda c: c[:3])
        for _, _, _, folder, entry in candidates:
            _add(writer, folder, entry, counts[folder], near_duplicates)
        documents = set(writer.by_url)
        for folder in folders:
            for record in complete_lines(folder / REJECTS):
                if record.get("url") in documents:  # rejected by one node, written by another
                    continue
                if writer.reject(record["url"], record.get("site", ""), record["reason"], record.get("detail"),
                                 time=record.get("time")):
                    counts[folder].rejects_added += 1
        result.total = len(writer.by_url)
        failed: list[BaseException | None] = []
        writer.when_durable(failed.append)
    if failed and failed[0] is not None:
        raise CorpusError(f"{target}: committing the merge failed: {failed[0]}")
    return result


def _add(writer: CorpusWriter, folder: Path, entry: dict, count: SourceCount,
         near_duplicates: NearDuplicateIndex | None) -> None:
    canonical = entry["canonical_url"]
    if canonical in writer.by_url:
        count.duplicate_url += 1
        return
    if entry["text_sha256"] in writer.by_text:
        count.duplicate_text += 1
        return
    path = folder / entry["file"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MergeError(f"{path}: listed in {folder / MANIFEST} (seq {entry['seq']}) but unreadable: {exc}") from None
    if hashlib.sha256(data).hexdigest() != entry["text_sha256"]:
        raise MergeError(f"{path}: its bytes do not match text_sha256 of its manifest line (seq {entry['seq']}); "
                         f"run `vnnews verify --out {folder}`")
    text = data.decode("utf-8")
    if near_duplicates is not None and near_duplicates.duplicate_of(text) is not None:
        count.near_duplicate += 1
        return
    document = SimpleNamespace(text=text, **{key: entry.get(key) for key in DOC_FIELDS})
    provenance = {"merged_from": {"dir": str(folder), "file": entry["file"], "seq": entry["seq"]}}
    if entry.get("version"):
        provenance["version"] = entry["version"]
    outcome = writer.add(document, entry["url"], canonical, entry["site"], crawled_at=entry.get("crawled_at"),
                         extra=provenance)
    if outcome.status == "written":
        count.added += 1
        if near_duplicates is not None:
            near_duplicates.add(writer.by_url[canonical], text)
