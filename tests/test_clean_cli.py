"""`vnnews clean`: the contract other tools rely on (stdout, stderr, exit codes, JSON)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SITE_FIXTURES

SAMPLE = SITE_FIXTURES / "baolaichau" / "sample-004.html"


def vnnews(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8")


def test_prints_the_document_exactly_and_exits_0():
    done = vnnews("clean", str(SAMPLE))
    assert done.returncode == 0, done.stderr
    assert done.stdout == SAMPLE.with_suffix(".txt").read_text(encoding="utf-8")


def test_reads_gzip(tmp_path):
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    done = vnnews("clean", str(packed))
    assert done.returncode == 0 and done.stdout == SAMPLE.with_suffix(".txt").read_text(encoding="utf-8")


def test_json_format_has_every_field():
    done = vnnews("clean", str(SAMPLE), "--format", "json")
    record = json.loads(done.stdout)
    for key in ("status", "reason", "title", "text", "published", "author", "source", "kicker",
                "category", "lang", "lang_prob", "site", "cms", "url"):
        assert key in record
    assert record["status"] == "ok" and record["kicker"] == "Đảng bộ Thành phố Lai Châu"
    assert record["published"] == "2019-11-29T16:14:00+07:00"


def test_rejected_page_prints_reason_and_exits_3(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>", encoding="utf-8")
    done = vnnews("clean", str(page))
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.strip().endswith("rejected: not-article")


def test_missing_file_is_a_usage_error():
    done = vnnews("clean", "no/such/page.html")
    assert done.returncode == 2 and "no/such/page.html" in done.stderr


def test_unknown_site_is_a_usage_error():
    done = vnnews("clean", str(SAMPLE), "--site", "nosuch")
    assert done.returncode == 2 and "unknown site 'nosuch'" in done.stderr


def test_explain_goes_to_stderr_with_step_and_rule():
    done = vnnews("clean", str(SAMPLE), "--explain")
    assert done.returncode == 0
    assert "[structure] remove: .comment-box" in done.stderr
    assert "Bình luận" not in done.stdout


def test_batch_keeps_input_order_and_reports_bad_lines(tmp_path):
    listing = tmp_path / "list.jsonl"
    empty = tmp_path / "empty.html"
    empty.write_text("<html></html>", encoding="utf-8")
    lines = [{"path": str(SAMPLE)}, {"path": str(empty)}, "not json", {"path": str(tmp_path / "gone.html")}]
    listing.write_text("\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n",
                       encoding="utf-8")
    done = vnnews("clean", "--batch", str(listing))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["status"] for r in records] == ["ok", "rejected", "error", "error"]
    assert records[0]["path"] == str(SAMPLE) and records[0]["site"] == "baolaichau"
    assert "list.jsonl:3" in records[2]["detail"]


@pytest.mark.parametrize("args", [["clean"], ["clean", str(SAMPLE), "--batch", "x.jsonl"]])
def test_file_or_batch_exactly_one(args):
    assert vnnews(*args).returncode == 2


def test_broken_config_is_reported_with_file_and_line(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "bad.yaml").write_text("name: bad\ntitle: Bad\ndomains: [bad.vn]\n"
                                                 "politeness:\n  delay: fast\n", encoding="utf-8")
    done = vnnews("clean", str(SAMPLE), "--config", str(tmp_path))
    assert done.returncode == 2
    assert "bad.yaml:5: politeness.delay: expected a number" in done.stderr
