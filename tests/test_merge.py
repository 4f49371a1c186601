"""`vnnews merge`: union of output folders, numbered by crawled_at, incremental, idempotent,
crash-safe (kill -9 at random moments, then a rerun: the same corpus as an uninterrupted
merge, byte for byte, and `vnnews verify` clean). Source folders are written here with the
corpus writer itself, as a crawl writes them; no Scrapy."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler.corpus.merge import MergeError, merge
from crawler.corpus.verify import verify_corpus
from crawler.corpus.writer import CorpusWriter

REPO = Path(__file__).resolve().parent.parent


def doc(text: str, title: str = "Tiêu đề") -> SimpleNamespace:
    return SimpleNamespace(text=f"{title}\n\n{text}\n", title=title, published=None, author=None, source=None,
                           kicker=None, category=None, lang="vi", lang_prob=0.99)


def stamp(n: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_800_000_000 + n))


def write_source(out: Path, items: list[tuple[str, str, int]], site: str = "baolaichau") -> None:
    """items: (canonical URL, paragraph, crawled_at offset)."""
    with CorpusWriter(out, group_commit=True) as writer:
        for url, text, at in items:
            writer.add(doc(text), url, url, site, crawled_at=stamp(at))
        writer.reject(f"{url}/rejected", site, "not-article", "test")


def manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def texts(out: Path) -> dict[str, str]:
    return {e["canonical_url"]: (out / e["file"]).read_text(encoding="utf-8") for e in manifest(out)}


@pytest.fixture
def sources(tmp_path):
    a, b = tmp_path / "node-a", tmp_path / "node-b"
    write_source(a, [("https://x.vn/1", "Một", 5), ("https://x.vn/2", "Hai", 1), ("https://x.vn/3", "Ba", 9)])
    # same URL as in A, same text as A's /2 under another URL, and two of its own
    write_source(b, [("https://x.vn/1", "Một", 7), ("https://x.vn/2-copy", "Hai", 2),
                     ("https://y.vn/4", "Bốn", 3), ("https://y.vn/5", "Năm", 11)], site="baohanam")
    return a, b


def test_union_by_url_then_text_numbered_by_crawled_at(sources, tmp_path):
    a, b = sources
    result = merge([a, b], tmp_path / "merged")
    entries = manifest(tmp_path / "merged")
    assert [e["canonical_url"] for e in entries] == ["https://x.vn/2", "https://y.vn/4", "https://x.vn/1",
                                                     "https://x.vn/3", "https://y.vn/5"]
    assert [e["seq"] for e in entries] == [0, 1, 2, 3, 4]
    assert [e["merged_from"]["dir"] for e in entries] == [str(a), str(b), str(a), str(a), str(b)]
    assert entries[1]["site"] == "baohanam"
    by_source = {s.source: s for s in result.sources}
    assert (by_source[str(b)].duplicate_url, by_source[str(b)].duplicate_text) == (1, 1)
    assert result.added == result.total == 5
    assert verify_corpus(tmp_path / "merged").ok
    rejects = (tmp_path / "merged" / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rejects) == 2


def test_a_second_merge_adds_only_what_is_new(sources, tmp_path):
    a, b = sources
    merge([a, b], tmp_path / "merged")
    before = (tmp_path / "merged" / "manifest.jsonl").read_bytes()
    assert merge([a, b], tmp_path / "merged").added == 0
    assert (tmp_path / "merged" / "manifest.jsonl").read_bytes() == before
    write_source(a, [("https://x.vn/6", "Sáu", 0)])  # new, and older than everything merged
    again = merge([a, b], tmp_path / "merged")
    assert again.added == 1 and again.total == 6
    assert manifest(tmp_path / "merged")[-1]["seq"] == 5  # appended: numbers are never given twice
    assert (tmp_path / "merged" / "manifest.jsonl").read_bytes().startswith(before)


def test_a_node_folder_counts_as_its_site_folders(tmp_path):
    node = tmp_path / "node"
    write_source(node / "baolaichau", [("https://x.vn/1", "Một", 1)])
    write_source(node / "baohanam", [("https://y.vn/1", "Hai", 0)], site="baohanam")
    assert merge([node], tmp_path / "merged").total == 2


def test_a_document_that_does_not_match_its_manifest_stops_the_merge(sources, tmp_path):
    a, b = sources
    entry = manifest(a)[0]
    (a / entry["file"]).write_text("changed\n", encoding="utf-8")
    with pytest.raises(MergeError, match=entry["file"].split("/")[-1]):
        merge([a, b], tmp_path / "merged")
    assert verify_corpus(tmp_path / "merged").ok  # what it did write is whole


def test_the_target_may_not_be_a_source(sources):
    with pytest.raises(MergeError, match="target"):
        merge(list(sources), sources[0])


def test_near_duplicate_hook(sources, tmp_path):
    class Index:
        def __init__(self):
            self.seen = []

        def duplicate_of(self, text):
            return "https://x.vn/1" if "Ba" in text else None

        def add(self, entry, text):
            self.seen.append(entry["canonical_url"])

    index = Index()
    result = merge(list(sources), tmp_path / "merged", near_duplicates=index)
    assert "https://x.vn/3" not in texts(tmp_path / "merged")
    assert sum(s.near_duplicate for s in result.sources) == 1
    assert len(index.seen) == result.total == 4


def test_sources_are_only_read(sources, tmp_path):
    a, b = sources
    with (a / "manifest.jsonl").open("ab") as fh:
        fh.write(b'{"torn": ')  # a crawl appending right now
    before = {p: p.read_bytes() for p in a.rglob("*") if p.is_file()}
    merge([a, b], tmp_path / "merged")
    assert {p: p.read_bytes() for p in a.rglob("*") if p.is_file()} == before


def test_kill_9_then_rerun_gives_the_uninterrupted_merge(tmp_path):
    """Sources big enough that the merge takes a while; kill -9 it at random moments, rerun:
    the target ends byte-identical to an uninterrupted merge (same numbers, same lines)."""
    rng = random.Random(14)
    sources = []
    for n in range(3):
        out = tmp_path / f"node-{n}"
        items = [(f"https://s{n}.vn/{i}", f"Đoạn {n}-{i} " + ("chữ " * rng.randint(50, 400)).strip(), rng.randint(0, 5000))
                 for i in range(400)]
        items += [(f"https://s{(n + 1) % 3}.vn/{i}", "trùng", 1) for i in range(3)]  # shared between nodes
        write_source(out, items, site=f"site{n}")
        sources.append(str(out))
    whole = tmp_path / "whole"
    merge(sources, whole)
    target = tmp_path / "killed"
    command = [sys.executable, "-m", "crawler.cli", "merge", *sources, "--into", str(target)]
    kills, partial = 0, []
    total = len(manifest(whole))
    lines = target / "manifest.jsonl"
    for _ in range(6):
        # kill once this run has written something: a fixed sleep lets a fast machine finish first
        before = len(lines.read_bytes().splitlines()) if lines.exists() else 0
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if lines.exists() and len(lines.read_bytes().splitlines()) > before:
                time.sleep(rng.uniform(0, 0.05))
                break
            time.sleep(0.002)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        if lines.exists():
            partial.append(len(lines.read_bytes().splitlines()))
    assert kills, "every merge finished before it could be killed: make the sources bigger"
    assert any(0 < n < total for n in partial), f"no kill landed in the middle of the merge: {partial} of {total}"
    final = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert (target / "manifest.jsonl").read_bytes() == (whole / "manifest.jsonl").read_bytes()
    assert texts(target) == texts(whole)
    assert sorted(p.name for p in (target / "corpus").iterdir()) == sorted(p.name for p in (whole / "corpus").iterdir())
    assert verify_corpus(target).ok
    digests = [e["text_sha256"] for e in manifest(target)]
    assert len(digests) == len(set(digests)) and all(
        hashlib.sha256((target / e["file"]).read_bytes()).hexdigest() == e["text_sha256"] for e in manifest(target))
