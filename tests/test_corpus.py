"""The corpus writer: names, manifest, idempotent reruns, and what a crash leaves behind."""

import hashlib
import json
import logging
import os

import pytest

from cleaners.document import Document
from crawler import __version__
from crawler.corpus.writer import CorpusError, CorpusWriter
from crawler.urls import url_id

URL_A = "https://baolaichau.vn/xa-hoi/tich-cuc-chuan-bi"
URL_B = "https://baolaichau.vn/xa-hoi/mot-bai-khac"


def doc(title="Tích cực chuẩn bị", body=("Đoạn một.", "Đoạn hai."), **meta):
    return Document(title=title, paragraphs=list(body), lang="vi", lang_prob=0.99, **meta)


def manifest(out):
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def test_first_document_is_named_and_listed(tmp_path):
    d = doc(author="Đinh Đông", published="2019-11-29T16:14:00+07:00", kicker="Thành phố")
    with CorpusWriter(tmp_path) as writer:
        outcome = writer.add(d, URL_A + "?utm_source=x", URL_A, "baolaichau", crawled_at="2025-01-02T03:04:05Z")
    name = f"000_{url_id(URL_A)}.txt"
    assert outcome.status == "written" and outcome.file == f"corpus/{name}" and outcome.seq == 0
    assert (tmp_path / "corpus" / name).read_bytes() == d.text.encode("utf-8")
    [entry] = manifest(tmp_path)
    assert entry == {
        "file": f"corpus/{name}", "id": url_id(URL_A), "seq": 0, "url": URL_A + "?utm_source=x",
        "canonical_url": URL_A, "site": "baolaichau", "title": "Tích cực chuẩn bị",
        "published": "2019-11-29T16:14:00+07:00", "author": "Đinh Đông", "source": None,
        "kicker": "Thành phố", "category": None, "lang": "vi", "lang_prob": 0.99, "chars": len(d.text),
        "text_sha256": hashlib.sha256(d.text.encode("utf-8")).hexdigest(),
        "crawled_at": "2025-01-02T03:04:05Z", "version": __version__,
    }


def test_numbers_follow_write_order_and_a_rerun_writes_nothing(tmp_path):
    with CorpusWriter(tmp_path) as writer:
        assert writer.add(doc(), URL_A, URL_A, "s").seq == 0
        assert writer.add(doc(title="Khác"), URL_B, URL_B, "s").seq == 1
    before = sorted(p.name for p in (tmp_path / "corpus").iterdir())
    with CorpusWriter(tmp_path) as writer:
        assert writer.add(doc(), URL_A, URL_A, "s").status == "duplicate-url"
        assert writer.add(doc(title="Khác"), URL_B, URL_B, "s").status == "duplicate-url"
        third = writer.add(doc(title="Thứ ba"), URL_B + "/3", URL_B + "/3", "s")
    assert third.seq == 2 and third.file.startswith("corpus/002_")
    assert len(manifest(tmp_path)) == 3
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == sorted(before + [third.file[7:]])


def test_same_text_under_a_second_url_is_written_once(tmp_path):
    with CorpusWriter(tmp_path) as writer:
        first = writer.add(doc(), URL_A, URL_A, "s")
        second = writer.add(doc(), URL_A + "-print", URL_A + "-print", "s")
    assert second.status == "duplicate-text" and second.file == first.file
    assert len(manifest(tmp_path)) == 1


def test_sequence_numbers_grow_past_three_digits(tmp_path):
    entry = {"file": "corpus/999_0000000000000000.txt", "id": "0" * 16, "seq": 999, "url": "u",
             "canonical_url": "https://x.invalid/u", "text_sha256": "0"}
    (tmp_path / "manifest.jsonl").write_text(json.dumps(entry) + "\n")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "999_0000000000000000.txt").write_text("t\n\nb\n")
    with CorpusWriter(tmp_path) as writer:
        assert writer.add(doc(), URL_A, URL_A, "s").file == f"corpus/1000_{url_id(URL_A)}.txt"


def test_torn_manifest_line_is_reported_cut_and_the_document_rewritten(tmp_path, caplog):
    with CorpusWriter(tmp_path) as writer:
        writer.add(doc(), URL_A, URL_A, "s")
        writer.add(doc(title="Khác"), URL_B, URL_B, "s")
    # simulate a crash while appending the second line: its file is in place, its line torn
    lines = (tmp_path / "manifest.jsonl").read_bytes().split(b"\n")
    (tmp_path / "manifest.jsonl").write_bytes(lines[0] + b"\n" + lines[1][:40])
    with caplog.at_level(logging.WARNING), CorpusWriter(tmp_path) as writer:
        again = writer.add(doc(title="Khác"), URL_B, URL_B, "s")
    assert "torn last line" in caplog.text and "never listed" in caplog.text
    assert again.status == "written" and again.seq == 1
    assert [e["seq"] for e in manifest(tmp_path)] == [0, 1]
    assert len(list((tmp_path / "corpus").iterdir())) == 2


def test_temporary_files_of_an_interrupted_write_are_removed(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / ".000_0123456789abcdef.txt.tmp").write_text("half")
    CorpusWriter(tmp_path).close()
    assert list((tmp_path / "corpus").iterdir()) == []


def test_a_failed_rename_leaves_no_file_and_no_manifest_line(tmp_path, monkeypatch):
    writer = CorpusWriter(tmp_path)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        writer.add(doc(), URL_A, URL_A, "s")
    monkeypatch.undo()
    assert list((tmp_path / "corpus").iterdir()) == []
    assert (tmp_path / "manifest.jsonl").read_bytes() == b""
    assert writer.add(doc(), URL_A, URL_A, "s").seq == 0  # the number was not burnt
    writer.close()


def test_an_unlisted_file_that_no_crash_explains_stops_the_writer(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / f"007_{url_id(URL_A)}.txt").write_text("x")
    with pytest.raises(CorpusError, match="not listed in .*manifest.jsonl"):
        CorpusWriter(tmp_path)


def test_a_damaged_line_inside_the_manifest_is_located(tmp_path):
    (tmp_path / "manifest.jsonl").write_text('{"seq": 0}\nnot json\n{"seq": 1}\n')
    with pytest.raises(CorpusError, match=r"manifest.jsonl:2: expected a JSON object"):
        CorpusWriter(tmp_path)


def test_rejections_are_recorded_once_per_url_and_reason(tmp_path):
    with CorpusWriter(tmp_path) as writer:
        assert writer.reject(URL_A, "s", "not-vietnamese", "lang=en p=0.99")
        assert not writer.reject(URL_A, "s", "not-vietnamese", "lang=en p=0.99")
        assert writer.reject(URL_A, "s", "not-article")
    with CorpusWriter(tmp_path) as writer:
        assert not writer.reject(URL_A, "s", "not-vietnamese")
    rows = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert [(r["url"], r["site"], r["reason"]) for r in rows] == [(URL_A, "s", "not-vietnamese"),
                                                                  (URL_A, "s", "not-article")]
    assert rows[0]["detail"] == "lang=en p=0.99" and rows[0]["time"].endswith("Z")


def test_two_writers_on_one_folder_are_refused(tmp_path):
    with CorpusWriter(tmp_path):
        with pytest.raises(CorpusError, match="another vnnews process"):
            CorpusWriter(tmp_path)


# --- group commit (the crawl's writer) -------------------------------------------------------

def committed(writer) -> BaseException | None:
    """Wait for the writer thread to commit everything queued; the error it reports."""
    import threading

    done, result = threading.Event(), []
    writer.when_durable(lambda error: (result.append(error), done.set()))
    assert done.wait(10), "the group commit never reported back"
    return result[0]


def test_group_commit_writes_what_the_synchronous_writer_writes(tmp_path):
    sync_out, group_out = tmp_path / "sync", tmp_path / "group"
    for out, group in ((sync_out, False), (group_out, True)):
        with CorpusWriter(out, group_commit=group) as writer:
            assert writer.add(doc(), URL_A, URL_A, "s", crawled_at="2025-01-01T00:00:00Z").seq == 0
            assert writer.add(doc(), URL_B, URL_B, "s").status == "duplicate-text"
            assert writer.add(doc(title="Khác"), URL_B, URL_B, "s", crawled_at="2025-01-01T00:00:01Z").seq == 1
            assert writer.reject(URL_A + "/x", "s", "too-short", "12 chars", time="2025-01-01T00:00:02Z")
            assert not writer.reject(URL_A + "/x", "s", "too-short", "12 chars")
    for name in ("manifest.jsonl", "rejects.jsonl"):
        assert (group_out / name).read_bytes() == (sync_out / name).read_bytes()
    files = sorted(p.name for p in (sync_out / "corpus").iterdir())
    assert sorted(p.name for p in (group_out / "corpus").iterdir()) == files and len(files) == 2
    for name in files:
        assert (group_out / "corpus" / name).read_bytes() == (sync_out / "corpus" / name).read_bytes()


def test_when_durable_reports_after_the_files_and_lines_are_written(tmp_path):
    order = []
    with CorpusWriter(tmp_path, group_commit=True) as writer:
        writer.before_commit.append(lambda: order.append(("hook", manifest_size(tmp_path))))
        writer.add(doc(), URL_A, URL_A, "s")
        writer.reject(URL_B, "s", "too-short")
        assert committed(writer) is None
        # the hook (the archive's fsync) ran before any line was appended
        assert order == [("hook", 0)]
        [entry] = manifest(tmp_path)
        assert (tmp_path / entry["file"]).exists()
        assert json.loads((tmp_path / "rejects.jsonl").read_text())["url"] == URL_B
        assert committed(writer) is None and order == [("hook", 0)]  # nothing new: no second commit


def manifest_size(out) -> int:
    path = out / "manifest.jsonl"
    return path.stat().st_size if path.exists() else 0


def test_a_failed_group_commit_is_reported_and_final(tmp_path, monkeypatch):
    writer = CorpusWriter(tmp_path, group_commit=True)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    writer.add(doc(), URL_A, URL_A, "s")
    error = committed(writer)
    assert isinstance(error, OSError) and "disk full" in str(error)
    monkeypatch.undo()
    with pytest.raises(CorpusError, match="an earlier commit failed"):
        writer.add(doc(title="Khác"), URL_B, URL_B, "s")
    assert isinstance(committed(writer), OSError)
    writer.close()
    assert list((tmp_path / "corpus").iterdir()) == []  # the temporary file went too
    assert (tmp_path / "manifest.jsonl").read_bytes() == b""


def test_documents_of_a_batch_cut_before_its_manifest_lines_are_removed(tmp_path, caplog):
    with CorpusWriter(tmp_path) as writer:
        writer.add(doc(), URL_A, URL_A, "s")
    # a killed group commit: numbers 1 and 2 renamed into place, their lines never written
    for seq, url in ((1, URL_B), (2, URL_B + "/2")):
        (tmp_path / "corpus" / f"{seq:03d}_{url_id(url)}.txt").write_text("x")
    with caplog.at_level(logging.WARNING), CorpusWriter(tmp_path) as writer:
        assert writer.add(doc(title="Khác"), URL_B, URL_B, "s").seq == 1
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == [
        f"000_{url_id(URL_A)}.txt", f"001_{url_id(URL_B)}.txt"]
    assert caplog.text.count("manifest never listed") == 2


def test_unlisted_documents_with_a_gap_are_not_explained_by_a_crash(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / f"000_{url_id(URL_A)}.txt").write_text("x")
    (tmp_path / "corpus" / f"002_{url_id(URL_B)}.txt").write_text("x")
    with pytest.raises(CorpusError, match="002_.*not listed"):
        CorpusWriter(tmp_path)
