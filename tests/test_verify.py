"""`vnnews verify`: a corpus written by CorpusWriter passes; each way of damaging it is reported."""

import hashlib
import json
import unicodedata

import pytest

from cleaners.document import Document
from crawler.cli import main
from crawler.corpus.writer import CorpusWriter
from crawler.corpus.verify import VerifyError, format_problems, verify_corpus

SITE = "baolaichau"
ARTICLES = [
    ("Tích cực chuẩn bị cho Đại hội", ["Sáng nay, tỉnh Lai Châu tổ chức hội nghị.", "Các đại biểu đã thảo luận."]),
    ("Mùa lúa chín ở Phong Thổ", ["Người dân thu hoạch lúa.", "Năng suất tăng so với năm trước.", "Giá ổn định."]),
    ("Khánh thành cầu mới", ["Cây cầu nối hai xã vùng cao.", "Tổng vốn đầu tư hơn 20 tỷ đồng."]),
]


def url(number: int) -> str:
    return f"https://{SITE}.vn/xa-hoi/bai-{number}.html"


@pytest.fixture
def corpus(tmp_path):
    """A healthy output folder of three documents, written the way the crawl writes them."""
    with CorpusWriter(tmp_path) as writer:
        for number, (title, paragraphs) in enumerate(ARTICLES):
            writer.add(Document(title=title, paragraphs=paragraphs, lang="vi"), url(number), url(number), SITE)
    return tmp_path


def manifest_lines(out):
    return (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)


def write_manifest(out, lines):
    (out / "manifest.jsonl").write_text("".join(lines), encoding="utf-8")


def doc_path(out, index=0):
    return out / json.loads(manifest_lines(out)[index])["file"]


def problems(out):
    return [str(p) for p in verify_corpus(out).problems]


def assert_reported(out, file_part, words):
    """Exactly the damage is found: some problem names the file and says what is wrong."""
    found = problems(out)
    assert any(file_part in p and words in p for p in found), found


def relist(out, index, text):
    """Rewrite document `index` and update its manifest line, so only the format is wrong."""
    path = doc_path(out, index)
    path.write_bytes(text.encode("utf-8"))
    lines = manifest_lines(out)
    entry = json.loads(lines[index])
    entry.update(chars=len(text), text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                 title=text.split("\n")[0])
    lines[index] = json.dumps(entry, ensure_ascii=False) + "\n"
    write_manifest(out, lines)
    return f"corpus/{path.name}"


# --- a clean corpus ---------------------------------------------------------------------------

def test_a_corpus_written_by_the_writer_passes(corpus):
    report = verify_corpus(corpus)
    assert report.ok, report.problems
    assert (report.listed, report.files) == (3, 3)


def test_an_empty_writer_folder_passes(tmp_path):
    CorpusWriter(tmp_path).close()
    assert verify_corpus(tmp_path).ok


def test_cli_exit_codes_and_output(corpus, capsys):
    assert main(["verify", "--out", str(corpus)]) == 0
    assert "OK, 3 documents listed" in capsys.readouterr().out
    doc_path(corpus, 1).unlink()
    assert main(["verify", "--out", str(corpus)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("corpus/001_") and "missing" in out[0]
    assert out[-1].startswith(f"{corpus}: 1 problem in 1 file")


def test_cli_json(corpus, capsys):
    doc_path(corpus, 0).write_text("sửa\n", encoding="utf-8")
    assert main(["verify", "--out", str(corpus), "--json"]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["ok"] is False and record["listed"] == 3
    assert {p["file"] for p in record["problems"]} == {f"corpus/{doc_path(corpus, 0).name}"}


def test_a_folder_that_is_not_an_output_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["verify", "--out", str(tmp_path / "nowhere")]) == 2
    assert main(["verify", "--out", str(tmp_path)]) == 2
    assert "not a vnnews output folder" in capsys.readouterr().err


def test_a_folder_being_written_is_refused(corpus):
    with CorpusWriter(corpus):
        with pytest.raises(VerifyError, match="writing this folder"):
            verify_corpus(corpus)


# --- damage to the corpus folder ------------------------------------------------------------

def test_an_edited_file_is_reported(corpus):
    path = doc_path(corpus, 1)
    path.write_text(path.read_text(encoding="utf-8").replace("lúa", "ngô"), encoding="utf-8")
    assert_reported(corpus, path.name, "content changed")


def test_a_changed_length_is_reported(corpus):
    path = doc_path(corpus, 0)
    path.write_text(path.read_text(encoding="utf-8") + "Thêm một đoạn.\n", encoding="utf-8")
    found = problems(corpus)
    assert any("content changed" in p for p in found) and any("characters, manifest says" in p for p in found)


def test_a_deleted_file_is_reported(corpus):
    path = doc_path(corpus, 2)
    path.unlink()
    assert_reported(corpus, path.name, "missing")


def test_an_unlisted_file_is_reported(corpus):
    (corpus / "corpus" / "003_0123456789abcdef.txt").write_text("Tin\n\nĐoạn.\n", encoding="utf-8")
    assert_reported(corpus, "003_0123456789abcdef.txt", "not listed")


def test_a_stray_file_is_reported(corpus):
    (corpus / "corpus" / "notes.txt").write_text("x\n", encoding="utf-8")
    assert_reported(corpus, "corpus/notes.txt", "stray")


def test_a_leftover_temporary_file_is_reported(corpus):
    (corpus / "corpus" / ".003_0123456789abcdef.txt.tmp").write_bytes(b"half a docu")
    assert_reported(corpus, ".003_0123456789abcdef.txt.tmp", "temporary file")


# --- damage to the manifest -----------------------------------------------------------------

def test_a_duplicated_manifest_line_is_reported_once(corpus):
    lines = manifest_lines(corpus)
    write_manifest(corpus, lines + [lines[1]])
    assert problems(corpus) == [f"manifest.jsonl:4: lists {json.loads(lines[1])['file']} again (first on line 2)"]


def test_a_torn_last_line_is_reported_and_left_alone(corpus):
    lines = manifest_lines(corpus)
    torn = "".join(lines) + lines[0][:40]
    (corpus / "manifest.jsonl").write_text(torn, encoding="utf-8")
    assert_reported(corpus, "manifest.jsonl:4", "torn last line")
    assert (corpus / "manifest.jsonl").read_text(encoding="utf-8") == torn  # verify never repairs


def test_invalid_json_and_missing_fields_are_reported(corpus):
    lines = manifest_lines(corpus)
    entry = json.loads(lines[2])
    del entry["text_sha256"]
    write_manifest(corpus, [lines[0], "{not json\n", json.dumps(entry) + "\n", "[1, 2]\n"])
    found = problems(corpus)
    assert any(p.startswith("manifest.jsonl:2: not valid JSON") for p in found), found
    assert "manifest.jsonl:3: missing field: text_sha256" in found
    assert "manifest.jsonl:4: expected a JSON object, got list" in found
    assert any("not listed" in p for p in found)  # the files of the broken lines are orphans now


def test_a_wrong_id_is_reported(corpus):
    lines = manifest_lines(corpus)
    entry = json.loads(lines[0])
    entry["canonical_url"] = url(99)
    write_manifest(corpus, [json.dumps(entry, ensure_ascii=False) + "\n"] + lines[1:])
    assert_reported(corpus, "manifest.jsonl:1", "is not sha256(canonical_url)[:16]")


def test_sequence_numbers_must_increase(corpus):
    lines = manifest_lines(corpus)
    write_manifest(corpus, [lines[1], lines[0], lines[2]])
    assert_reported(corpus, "manifest.jsonl:2", "seq 0 does not increase")


def test_a_file_name_that_does_not_carry_its_seq_is_reported(corpus):
    lines = manifest_lines(corpus)
    entry = json.loads(lines[2])
    entry["seq"] = 7
    write_manifest(corpus, lines[:2] + [json.dumps(entry, ensure_ascii=False) + "\n"])
    assert_reported(corpus, "manifest.jsonl:3", "does not carry seq 7")


def test_duplicate_canonical_url_and_text_are_reported(corpus):
    lines = manifest_lines(corpus)
    first, second = json.loads(lines[0]), json.loads(lines[1])
    second.update(canonical_url=first["canonical_url"], text_sha256=first["text_sha256"])
    write_manifest(corpus, [lines[0], json.dumps(second, ensure_ascii=False) + "\n", lines[2]])
    found = problems(corpus)
    assert any(p.startswith("manifest.jsonl:2: duplicate canonical_url") for p in found), found
    assert any(p.startswith("manifest.jsonl:2: duplicate text_sha256") for p in found), found


def test_a_hostile_file_path_in_the_manifest_is_not_followed(corpus, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "000_0123456789abcdef.txt"
    outside.write_text("x\n", encoding="utf-8")
    lines = manifest_lines(corpus)
    entry = json.loads(lines[0])
    entry["file"] = f"corpus/../../{outside.parent.name}/{outside.name}"
    write_manifest(corpus, [json.dumps(entry, ensure_ascii=False) + "\n"] + lines[1:])
    found = problems(corpus)
    assert any("is not corpus/NNN_<16 hex>.txt" in p for p in found), found
    assert not any("content changed" in p for p in found)


# --- damage to the file format --------------------------------------------------------------

def test_broken_nfc_is_reported(corpus):
    decomposed = unicodedata.normalize("NFD", "Tích cực chuẩn bị\n\nĐoạn một đã sửa.\n")
    assert_reported(corpus, relist(corpus, 0, decomposed), "not NFC-normalized")


def test_non_utf8_bytes_are_reported(corpus):
    path = doc_path(corpus, 0)
    path.write_bytes("Tín\n\nĐoàn.\n".encode("cp1258"))  # a legacy-encoded file
    assert_reported(corpus, path.name, "not UTF-8")


@pytest.mark.parametrize("text, words", [
    ("Tin\n\nĐoạn một. \n", "trailing whitespace"),
    ("Tin\n\nĐoạn một.\n\n\nĐoạn hai.\n", "extra blank line"),
    ("Tin\n\nĐoạn một.\n   \nĐoạn hai.\n", "whitespace-only line"),
    ("Tin\nĐoạn một.\n", "not separated"),
    ("Tin\n\nĐoạn một.\nĐoạn hai.\n", "line 4: not separated"),
    ("Tin\n\nĐoạn một.", "no final newline"),
    ("Tin\n\nĐoạn một.\n\n", "more than one final newline"),
    ("Tin\r\n\r\nĐoạn một.\r\n", "contains CR"),
    ("Tin\n\nĐoạn\u200b một.\n", "zero-width characters: U+200B"),
    ("\ufeffTin\n\nĐoạn một.\n", "U+FEFF"),
    ("\n\nĐoạn một.\n", "no headline"),
    ("Tin\n", "no paragraph"),
])
def test_each_format_rule_is_reported(corpus, text, words):
    assert_reported(corpus, relist(corpus, 1, text), words)


def test_the_document_text_of_the_cleaner_has_no_format_problem():
    document = Document(title="Tin  mới", paragraphs=["Một.", "Hai ba."])
    assert format_problems(document.text, document.title) == []
