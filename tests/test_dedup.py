"""Near-duplicate detection (crawler/corpus/dedup.py, `vnnews dedup`): the key, the pairs, the
clusters and their canonical copy, the incremental index, kill -9 and `vnnews verify`."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("datasketch")

from cleaners.document import Document  # noqa: E402
from conftest import shared_or_skip  # noqa: E402
from crawler.corpus import dedup  # noqa: E402
from crawler.corpus.verify import verify_corpus  # noqa: E402
from crawler.corpus.writer import CorpusWriter  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def vnnews(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, **kwargs)


def _paragraphs(seed: int, n: int = 6) -> list[str]:
    """Distinct Vietnamese-looking paragraphs: no two seeds share a 5-syllable run."""
    words = ["tỉnh", "huyện", "xã", "đảng", "bộ", "nhân", "dân", "kinh", "tế", "nông", "nghiệp", "đường",
             "giao", "thông", "trường", "học", "bệnh", "viện", "cán", "bộ", "đại", "hội", "chi", "bộ"]
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) + rng.choice("abcdeghiklmnopqrstuvxy") for _ in range(30)) + "."
            for _ in range(n)]


def doc(title: str, paragraphs: list[str], **meta) -> Document:
    return Document(title=title, paragraphs=paragraphs, **meta)


def write(out: Path, docs: list[tuple[str, str, Document]]) -> None:
    with CorpusWriter(out) as writer:
        for url, site, document in docs:
            assert writer.add(document, url, url, site, crawled_at="2026-12-07T05:00:00Z").status == "written"


def clusters(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (out / "clusters.jsonl").read_text(encoding="utf-8").splitlines())}


def ids(out: Path) -> dict[str, str]:
    """url -> id"""
    return {e["url"]: e["id"] for e in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}


# --- the key -----------------------------------------------------------------------------------

def test_the_key_folds_case_tone_placement_and_digits_but_skips_the_headline():
    a = dedup.document_key("Tiêu đề một\n\nHoà bình ở UỶ ban xã năm 2020, thuỷ lợi tốt.\n")
    b = dedup.document_key("Khác hẳn\n\nhòa bình ở ủy ban xã năm 1999 thủy lợi tốt\n")
    assert len(a.shingles) and list(a.shingles) == list(b.shingles)
    c = dedup.document_key("Tiêu đề một\n\nhoàn bình ở ủy ban xã năm 2020 thủy lợi tốt\n")
    assert list(c.shingles) != list(a.shingles)  # hoàn is another syllable, not a tone variant


def test_reordered_paragraphs_keep_their_shingles():
    paras = _paragraphs(1)
    a = dedup.document_key("T\n\n" + "\n\n".join(paras) + "\n")
    b = dedup.document_key("T\n\n" + "\n\n".join(reversed(paras)) + "\n")
    assert list(a.shingles) == list(b.shingles)


# --- pairs and clusters ------------------------------------------------------------------------

def _syndication_set():
    base = _paragraphs(1, 9)
    other = _paragraphs(2, 9)
    return [
        ("https://a.vn/1", "site-a", doc("Gốc", base, published="2026-03-02T08:00:00+07:00")),
        # a portal copy: dateline prefix, one paragraph dropped, source line, new headline
        ("https://b.vn/1", "site-b", doc("Bản sao", ["(BBK) - " + base[0]] + base[1:8] + ["Nguồn: Báo A"],
                                         published="2026-03-01T08:00:00+07:00", source="Báo A")),
        # an excerpt: 6 of 9 paragraphs, three of its own
        ("https://c.vn/1", "site-c", doc("Trích", base[:6] + other[:3], published="2026-03-03T08:00:00+07:00")),
        # a follow-up that quotes one paragraph: not a copy
        ("https://d.vn/1", "site-d", doc("Tiếp theo", [base[4]] + _paragraphs(3, 8))),
        ("https://e.vn/1", "site-e", doc("Khác", other)),
    ]


def test_copies_and_excerpts_cluster_and_the_named_source_is_canonical(tmp_path):
    out = tmp_path / "out"
    write(out, _syndication_set())
    result = dedup.deduplicate(out, {"site-a": ["Báo A"], "site-b": ["Báo B"]})
    by_url, cl = ids(out), clusters(out)
    a, b, c, d, e = (cl[by_url[f"https://{x}.vn/1"]] for x in "abcde")
    assert a["cluster"] == b["cluster"] == c["cluster"] == by_url["https://a.vn/1"]  # the first document's id
    assert a["cluster_size"] == 3 and result.clusters == 1 and result.duplicates == 2
    # b was published first, but b's source line names site-a: a is the canonical copy
    assert a["duplicate_of"] is None
    assert b["duplicate_of"] == c["duplicate_of"] == by_url["https://a.vn/1"]
    assert d == {"id": by_url["https://d.vn/1"], "cluster": by_url["https://d.vn/1"], "cluster_size": 1,
                 "duplicate_of": None}
    assert e["cluster_size"] == 1
    assert verify_corpus(out).ok, verify_corpus(out).problems


def test_without_a_named_source_the_earliest_published_is_canonical(tmp_path):
    out = tmp_path / "out"
    write(out, _syndication_set()[:2])
    dedup.deduplicate(out, {})  # no titles known: source lines name nothing
    by_url, cl = ids(out), clusters(out)
    assert cl[by_url["https://a.vn/1"]]["duplicate_of"] == by_url["https://b.vn/1"]


def test_a_second_run_indexes_only_new_documents_and_keeps_cluster_ids(tmp_path):
    out = tmp_path / "out"
    docs = _syndication_set()
    write(out, docs[:2] + docs[3:])
    first = dedup.deduplicate(out, {})
    before = clusters(out)
    write(out, [docs[2]])  # the excerpt arrives in a later crawl
    second = dedup.deduplicate(out, {})
    after = clusters(out)
    assert (first.indexed, second.indexed) == (4, 1)
    by_url = ids(out)
    assert after[by_url["https://c.vn/1"]]["cluster"] == before[by_url["https://a.vn/1"]]["cluster"]
    assert after[by_url["https://a.vn/1"]]["cluster_size"] == 3
    again = dedup.deduplicate(out, {})
    assert again.indexed == 0 and clusters(out) == after


def test_an_index_of_another_corpus_is_refused_and_rebuild_fixes_it(tmp_path):
    out = tmp_path / "out"
    write(out, _syndication_set())
    dedup.deduplicate(out, {})
    db = sqlite3.connect(out / "dedup" / "index.sqlite")
    db.execute("UPDATE docs SET id = 'ffffffffffffffff' WHERE seq = 0")
    db.commit()
    db.close()
    problems = [str(p) for p in verify_corpus(out).problems]
    assert any("dedup/index.sqlite" in p and "ffffffffffffffff" in p for p in problems), problems
    with pytest.raises(dedup.DedupError, match="--rebuild"):
        dedup.deduplicate(out, {})
    dedup.deduplicate(out, {}, rebuild=True)
    assert verify_corpus(out).ok


def test_verify_finds_a_clusters_file_that_disagrees_with_the_manifest(tmp_path):
    out = tmp_path / "out"
    write(out, _syndication_set())
    dedup.deduplicate(out, {})
    lines = (out / "clusters.jsonl").read_text().splitlines()
    record = json.loads(lines[1])
    record["cluster_size"] = 7
    lines[1] = json.dumps(record)
    lines.append(json.dumps({"id": "0123456789abcdef", "cluster": "0123456789abcdef", "cluster_size": 1,
                             "duplicate_of": None}))
    (out / "clusters.jsonl").write_text("\n".join(lines) + "\n")
    problems = [str(p) for p in verify_corpus(out).problems]
    assert any("clusters.jsonl:2" in p and "cluster_size 7" in p for p in problems), problems
    assert any("0123456789abcdef is not in manifest.jsonl" in p for p in problems), problems


def test_the_crawl_lists_the_exact_copies_it_skips(tmp_path):
    out = tmp_path / "out"
    base = doc("Gốc", _paragraphs(5))
    with CorpusWriter(out) as writer:
        writer.add(base, "https://a.vn/1", "https://a.vn/1", "site-a")
        assert writer.add(base, "https://b.vn/9", "https://b.vn/9", "site-b").status == "duplicate-text"
        assert writer.add(base, "https://a.vn/1?utm=x", "https://a.vn/1", "site-a").status == "duplicate-url"
        writer.add(base, "https://a.vn/1", "https://a.vn/1", "site-a")  # the same page again: no copy
    with CorpusWriter(out) as writer:  # a rerun does not list them twice
        writer.add(base, "https://b.vn/9", "https://b.vn/9", "site-b")
    lines = [json.loads(line) for line in (out / "duplicates.jsonl").read_text().splitlines()]
    original = ids(out)["https://a.vn/1"]
    assert [(r["url"], r["match"], r["duplicate_of"]) for r in lines] == [
        ("https://b.vn/9", "text", original), ("https://a.vn/1?utm=x", "url", original)]
    assert verify_corpus(out).ok


# --- kill -9 ---------------------------------------------------------------------------------------

def test_kill_9_during_dedup_then_rerun_gives_the_clean_result(tmp_path):
    """Kill `vnnews dedup` once it has committed part of the index; the rerun carries on and
    ends with the same clusters as a run that was never interrupted, and verify is clean."""
    docs = []
    for n in range(150):
        paras = _paragraphs(1000 + n, 5)
        docs.append((f"https://s{n % 5}.vn/{n}", f"site{n % 5}", doc(f"Bài {n}", paras)))
        if n % 3 == 0:
            docs.append((f"https://copy.vn/{n}", "copy", doc(f"Sao {n}", ["(TTXVN) - " + paras[0]] + paras[1:])))
    out, reference = tmp_path / "killed", tmp_path / "reference"
    write(out, docs)
    write(reference, docs)
    assert vnnews("dedup", "--out", str(reference)).returncode == 0
    index = out / "dedup" / "index.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "dedup", "--out", str(out), "--batch", "5"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if index.exists():
            try:
                with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
                    committed = db.execute("SELECT count(*) FROM docs").fetchone()[0]
            except sqlite3.Error:
                committed = 0
            if committed >= 10:
                break
        time.sleep(0.01)
    killed = proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert killed, "dedup finished before it could be killed: make the set larger"
    assert not (out / "clusters.jsonl").exists()
    assert verify_corpus(out).ok  # a partial index is a lagging index, not a problem
    rerun = vnnews("dedup", "--out", str(out), "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert 0 < json.loads(rerun.stdout)["indexed"] < len(docs)
    assert (out / "clusters.jsonl").read_bytes() == (reference / "clusters.jsonl").read_bytes()
    assert verify_corpus(out).ok


def test_dedup_refuses_a_folder_a_crawl_is_writing(tmp_path):
    out = tmp_path / "out"
    write(out, _syndication_set())
    with CorpusWriter(out):
        result = vnnews("dedup", "--out", str(out))
    assert result.returncode == 75 and "another vnnews process" in result.stderr


def test_a_real_sample_and_its_rewritten_copy_are_one_cluster(tmp_path):
    text = sorted(shared_or_skip("samples", "expected").glob("*.txt"))[0].read_text(encoding="utf-8")
    title, *paras = [p for p in text.rstrip("\n").split("\n\n")]
    copy = paras[:max(2, (2 * len(paras) + 2) // 3)]
    copy[0] = "(CTO) - " + copy[0]
    out = tmp_path / "out"
    write(out, [("https://a.vn/x", "a", doc(title, paras)),
                ("https://b.vn/x", "b", doc("Tin tỉnh bạn", copy + ["Theo Báo A"]))])
    dedup.deduplicate(out, {})
    assert {r["cluster_size"] for r in clusters(out).values()} == {2}
