"""Maintainers' commands: validate, schema, try, new-site, sites, fixtures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SITE_FIXTURES

SAMPLE = SITE_FIXTURES / "baolaichau" / "sample-004.html"


def vnnews(*args):
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8")


@pytest.fixture
def config_copy(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config"


def test_validate_passes_on_the_shipped_configs():
    done = vnnews("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sites" in done.stdout and ": ok" in done.stdout


def test_validate_reports_file_line_and_field(config_copy):
    site = config_copy / "sites" / "baolaichau.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "politeness: {delay: fast}\ncolour: red\n", encoding="utf-8")
    done = vnnews("validate", "--config", str(config_copy), "--no-fixtures")
    assert done.returncode == 1
    assert "baolaichau.yaml:" in done.stdout and "politeness.delay: expected a number" in done.stdout
    assert "colour: unknown key" in done.stdout


def test_validate_one_new_file_outside_the_config_folder(tmp_path):
    new = tmp_path / "baomoi.yaml"
    new.write_text("name: baomoi\ntitle: X\ndomains: [baomoi.example]\narticles: {allow: ['(']}\n", encoding="utf-8")
    done = vnnews("validate", str(new), "--no-fixtures")
    assert done.returncode == 1
    assert f"{new}:4: articles.allow[0]: expected a regular expression" in done.stdout


def test_validate_requires_fixtures(config_copy, tmp_path):
    done = vnnews("validate", "--config", str(config_copy), "--fixtures", str(tmp_path / "none"))
    assert done.returncode == 1 and "has no fixture pages" in done.stdout


def test_committed_schema_and_reference_match_the_model():
    from crawler.commands.schema import REFERENCE_PATH, SCHEMA_PATH, reference_markdown, schema_json

    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_json(), "run: vnnews schema --write"
    assert REFERENCE_PATH.read_text(encoding="utf-8") == reference_markdown(), "run: vnnews schema --docs --write"
    schema = json.loads(schema_json())
    assert "extract" in schema["$defs"]["site"]["properties"]
    assert schema["$defs"]["site"]["additionalProperties"] is False


def test_try_a_saved_page_with_explain():
    done = vnnews("try", "baolaichau", str(SAMPLE), "--explain")
    assert done.returncode == 0, done.stderr
    assert "kicker: Đảng bộ Thành phố Lai Châu" in done.stdout
    assert "[structure] remove: .comment-box" in done.stdout
    assert done.stdout.endswith(SAMPLE.with_suffix(".txt").read_text(encoding="utf-8"))


def test_try_a_yaml_not_yet_in_config(tmp_path):
    draft = tmp_path / "baolaichau.yaml"
    text = (ROOT / "config" / "sites" / "baolaichau.yaml").read_text(encoding="utf-8")
    draft.write_text(text.replace("kicker: ['.article-detail .article-kicker']", ""), encoding="utf-8")
    done = vnnews("try", str(draft), str(SAMPLE), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kicker"] is None


def test_try_rejected_page_exits_3(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    done = vnnews("try", "baolaichau", str(page), "--url", "http://baolaichau.vn/x%C3%A3-h%E1%BB%99i/abc-def")
    assert done.returncode == 3 and "rejected: not-article" in done.stdout


def test_try_unknown_site_and_missing_file():
    assert vnnews("try", "nosuch", str(SAMPLE)).returncode == 2
    assert vnnews("try", "baolaichau", "missing.html").returncode == 2


def test_new_site_writes_a_valid_starting_config(config_copy, tmp_path):
    fixtures = tmp_path / "fixtures"
    done = vnnews("new-site", "baotuyenquang", "--domain", "baotuyenquang.com.vn", "--cms", "wordpress",
                  "--config", str(config_copy), "--fixtures", str(fixtures))
    assert done.returncode == 0, done.stderr
    assert (fixtures / "baotuyenquang" / "README.md").exists()
    assert vnnews("validate", "--config", str(config_copy), "--no-fixtures").returncode == 0
    again = vnnews("new-site", "baotuyenquang", "--domain", "baotuyenquang.com.vn",
                   "--config", str(config_copy), "--fixtures", str(fixtures))
    assert again.returncode == 2 and "exists already" in again.stderr


@pytest.mark.parametrize("args,message", [
    (["Bad Name", "--domain", "x.vn"], "expected lower-case letters"),
    (["ok", "--domain", "http://x.vn/"], "expected a lower-case host name"),
    (["ok", "--domain", "x.vn", "--cms", "drupal"], "expected generic or a profile"),
])
def test_new_site_refuses_bad_input(config_copy, tmp_path, args, message):
    done = vnnews("new-site", *args, "--config", str(config_copy), "--fixtures", str(tmp_path))
    assert done.returncode == 2 and message in done.stderr


def test_sites_lists_every_site_with_fixture_status():
    done = vnnews("sites", "--json")
    rows = {json.loads(line)["site"]: json.loads(line) for line in done.stdout.splitlines()}
    assert {"baolaichau", "backan-nukeviet"} <= set(rows)
    assert rows["backan-nukeviet"]["profile"] == "nukeviet4"
    assert all(r["fixtures"] >= 1 and r["passing"] == r["fixtures"] for r in rows.values())


def test_fixtures_check_detects_a_changed_expectation_and_regenerates(tmp_path):
    fixtures = tmp_path / "sites"
    shutil.copytree(SITE_FIXTURES / "baolaichau", fixtures / "baolaichau")
    assert vnnews("fixtures", "baolaichau", "--fixtures", str(fixtures)).returncode == 0
    expected = fixtures / "baolaichau" / "sample-004.txt"
    original = expected.read_text(encoding="utf-8")
    expected.write_text(original.replace("Lai Châu", "Lai Chau", 1), encoding="utf-8")
    failed = vnnews("fixtures", "baolaichau", "--fixtures", str(fixtures))
    assert failed.returncode == 1 and "text differs" in failed.stdout and "+++ current output" in failed.stdout
    assert vnnews("fixtures", "baolaichau", "--fixtures", str(fixtures), "--regenerate").returncode == 0
    assert expected.read_text(encoding="utf-8") == original


# --- more paths: schema output, try over HTTP, the sites table, fixture regeneration ---------

def test_schema_and_docs_print_what_is_committed():
    from crawler.commands.schema import REFERENCE_PATH, SCHEMA_PATH

    printed = vnnews("schema")
    assert printed.returncode == 0 and printed.stdout == SCHEMA_PATH.read_text(encoding="utf-8")
    schema = json.loads(printed.stdout)
    assert set(schema["$defs"]) >= {"site", "profile"}
    docs = vnnews("schema", "--docs")
    assert docs.returncode == 0 and docs.stdout == REFERENCE_PATH.read_text(encoding="utf-8")
    # every key of the model is documented, nested types included
    for key in ("`domains`", "`listing_patterns`", "`date_formats`", "`delay`"):
        assert key in docs.stdout


@pytest.fixture
def replica_page():
    """A loopback server answering only for Host: baolaichau.vn, as the replica does."""
    import http.server
    import threading

    body = SAMPLE.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            known = self.headers.get("Host") == "baolaichau.vn" and self.path == "/bai-viet"
            self.send_response(200 if known else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body if known else b"<html><body>not found</body></html>")

        def log_message(self, *args):  # keep the test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_try_a_url_through_the_replica(replica_page):
    env = {**__import__("os").environ, "VNNEWS_REPLICA": replica_page}
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "try", "baolaichau", "http://baolaichau.vn/bai-viet"],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(SAMPLE.with_suffix(".txt").read_text(encoding="utf-8"))


def test_sites_table_names_every_configured_site():
    from cleaners.siteconfig import ConfigRegistry

    done = vnnews("sites")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:4] == ["site", "domain", "profile", "verified"]
    for name, site in ConfigRegistry().sites.items():
        row = next(line for line in lines if line.split()[0] == name)
        assert site.domains[0] in row and "1/1" in row


def test_fixtures_unknown_site_is_a_usage_error():
    done = vnnews("fixtures", "nosuch")
    assert done.returncode == 2 and "nosuch" in done.stderr


def test_regenerate_rewrites_metadata_and_keeps_the_url(tmp_path, cleaner):
    from crawler.fixtures import check_fixture, regenerate_fixture

    folder = tmp_path / "baolaichau"
    shutil.copytree(SITE_FIXTURES / "baolaichau", folder)
    page = folder / "sample-004.html"
    meta_path = page.with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["author"] = "someone else"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    broken = check_fixture(cleaner, page)
    assert not broken.ok and broken.diff == ""  # the text still matches: only metadata differs
    assert regenerate_fixture(cleaner, page) is True
    regenerated = json.loads(meta_path.read_text(encoding="utf-8"))
    original = json.loads((SITE_FIXTURES / "baolaichau" / "sample-004.meta.json").read_text(encoding="utf-8"))
    assert regenerated["url"] == original["url"] and regenerated["author"] == original["author"]
    assert check_fixture(cleaner, page).ok and regenerate_fixture(cleaner, page) is False


def test_check_fixture_gives_the_unified_diff(tmp_path, cleaner):
    from crawler.fixtures import check_fixture

    folder = tmp_path / "baolaichau"
    shutil.copytree(SITE_FIXTURES / "baolaichau", folder)
    expected = folder / "sample-004.txt"
    expected.write_text(expected.read_text(encoding="utf-8") + "một dòng thừa\n", encoding="utf-8")
    result = check_fixture(cleaner, folder / "sample-004.html")
    assert not result.ok
    assert result.diff.startswith(f"--- {expected}\n+++ current output\n") and "-một dòng thừa" in result.diff


def test_the_adding_a_site_walkthrough_still_prints_what_the_guide_shows(config_copy, tmp_path):
    """Replays docs/adding-a-site.md: its page, its selector edit, its `try` output after the edit."""
    guide = (ROOT / "docs" / "adding-a-site.md").read_text(encoding="utf-8")
    page_html = guide.split("```html\n", 1)[1].split("```", 1)[0]
    override = guide.split("```yaml\nextract:\n", 1)[1].split("```", 1)[0]
    shown_try = guide.split("## 4. Edit the selectors", 1)[1].split("```\n$ vnnews try", 1)[1]
    shown_lines = shown_try.split("```", 1)[0].splitlines()[1:]
    fixtures = tmp_path / "fixtures"
    made = vnnews("new-site", "baotuyenquang", "--domain", "baotuyenquang.com.vn", "--cms", "wordpress",
                  "--title", "Báo Tuyên Quang", "--config", str(config_copy), "--fixtures", str(fixtures))
    assert made.returncode == 0, made.stderr
    site = config_copy / "sites" / "baotuyenquang.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("extract: {}\n", "extract:\n" + override, 1),
                    encoding="utf-8")
    page = fixtures / "baotuyenquang" / "khai-mac-le-hoi.html"
    page.write_text(page_html, encoding="utf-8")
    done = vnnews("try", "baotuyenquang", str(page), "--explain", "--config", str(config_copy))
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    shown = [line for line in shown_lines if line != "…"]
    assert printed[:len(shown)] == shown, "update docs/adding-a-site.md with the current output"
