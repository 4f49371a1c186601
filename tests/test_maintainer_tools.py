"""Maintainers' commands: validate, try, new-site, sites, fixtures (schema: test_schema_sync.py).

Each command runs in-process through crawler.cli.main, as `vnnews …` would, and is judged by
its exit code and what it prints; everything that writes works in a temporary copy.
"""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import dataclass

import pytest

from conftest import ROOT, SITE_FIXTURES, missing_shared

from crawler.cli import main

SAMPLE = SITE_FIXTURES / "baolaichau" / "sample-004.html"
SAMPLE_URL = json.loads(SAMPLE.with_suffix(".meta.json").read_text(encoding="utf-8"))["url"]
NUKEVIET_PAGE = SITE_FIXTURES / "backan-nukeviet" / "sample-001.html"


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def vnnews(capsys):
    def run(*args) -> Done:
        capsys.readouterr()  # what earlier calls printed is theirs
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return Done(code, out, err)
    return run


@pytest.fixture
def config_copy(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config"


@pytest.fixture
def fixtures_copy(tmp_path):
    shutil.copytree(SITE_FIXTURES, tmp_path / "fixtures")
    return tmp_path / "fixtures"


# --- validate -------------------------------------------------------------------------------

def test_validate_passes_on_the_shipped_configs(vnnews):
    done = vnnews("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith(" profiles: ok") and len(done.stdout.splitlines()) == 1


def test_validate_warns_about_a_selector_matching_nothing_on_the_fixtures(vnnews, config_copy):
    site = config_copy / "sites" / "baolaichau.yaml"
    text = site.read_text(encoding="utf-8")
    site.write_text(text.replace("  captions: ['table.tplCaption p.Image']", "  captions: ['#no-such-caption']"),
                    encoding="utf-8")
    done = vnnews("validate", "--config", config_copy)
    assert done.returncode == 0, done.stdout + done.stderr  # a warning, not a problem
    assert ("baolaichau.yaml:37: extract.captions: warning: ['#no-such-caption'] matched nothing on any of the "
            "1 fixture page(s) of site baolaichau") in done.stderr
    assert "baolaichau.yaml:36: extract.body" not in done.stderr  # its body selector does match
    quiet = vnnews("validate", "--config", config_copy, "--no-selector-check")
    assert "#no-such-caption" not in quiet.stderr


def test_validate_reports_file_line_and_field(vnnews, config_copy):
    site = config_copy / "sites" / "baolaichau.yaml"
    lines = site.read_text(encoding="utf-8").count("\n")
    site.write_text(site.read_text(encoding="utf-8") + "politeness: {delay: fast}\ncolour: red\n", encoding="utf-8")
    done = vnnews("validate", "--config", config_copy, "--no-fixtures")
    assert done.returncode == 1
    assert f"baolaichau.yaml:{lines + 1}: politeness.delay: expected a number, got str 'fast'" in done.stdout
    assert f"baolaichau.yaml:{lines + 2}: colour: unknown key; expected one of:" in done.stdout
    # the file has a politeness: block already: the appended one is a duplicate key, reported too
    assert f"baolaichau.yaml:{lines + 1}: politeness: duplicate key: given at line " in done.stdout
    assert "3 problem(s)" in done.stderr


def test_validate_one_new_file_outside_the_config_folder(vnnews, tmp_path):
    new = tmp_path / "baomoi.yaml"
    new.write_text("name: baomoi\ntitle: X\ndomains: [baomoi.example]\narticles: {allow: ['(']}\n", encoding="utf-8")
    done = vnnews("validate", new, "--no-fixtures")
    assert done.returncode == 1
    assert f"{new}:4: articles.allow[0]: expected a regular expression, got '('" in done.stdout


def test_validate_locates_a_missing_profile_and_a_claimed_domain(vnnews, tmp_path):
    new = tmp_path / "laichau2.yml"  # a .yml draft is checked too
    new.write_text("name: laichau2\ntitle: X\ndomains:\n  - laichau2.vn\n  - baolaichau.vn\nprofile: nukeviet9\n",
                   encoding="utf-8")
    done = vnnews("validate", new, "--no-fixtures")
    assert done.returncode == 1
    assert f"{new}:6: profile: expected the name of a profile in" in done.stdout
    assert "nukeviet4, " in done.stdout and "vnnews-config-" not in done.stdout  # the known ones, real folder
    assert f"{new}:5: domains: domain baolaichau.vn is already claimed by site baolaichau" in done.stdout


def test_validate_tells_a_profile_from_a_site_by_its_keys(vnnews, tmp_path):
    profile = tmp_path / "mycms.yaml"
    profile.write_text("name: mycms\ndetect:\n  selectors: ['div[']\n", encoding="utf-8")
    done = vnnews("validate", profile)
    assert done.returncode == 1
    assert f"{profile}:3: detect.selectors[0]: expected a CSS selector" in done.stdout
    profile.write_text("name: mycms\nextends: nukeviet4\ndetect: {generator: mycms}\n", encoding="utf-8")
    site = tmp_path / "mysite.yaml"
    site.write_text("name: mysite\ntitle: Mine\ndomains: [mysite.vn]\nprofile: mycms\n", encoding="utf-8")
    done = vnnews("validate", profile, site, "--no-fixtures")  # loaded together: the site finds the profile
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "1 sites, 1 profiles: ok\n"


def test_validate_a_yaml_syntax_error(vnnews, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ntitle: [unclosed\ndomains: [x.vn]\n", encoding="utf-8")
    done = vnnews("validate", broken, "--no-fixtures")
    assert done.returncode == 1 and f"{broken}:" in done.stdout and "invalid YAML" in done.stdout


def test_validate_requires_fixture_pages_unless_told_not_to(vnnews, config_copy, tmp_path):
    done = vnnews("validate", "--config", config_copy, "--fixtures", tmp_path / "none")
    assert done.returncode == 1
    assert "baolaichau.yaml:6: name: site baolaichau has no fixture pages in" in done.stdout
    assert "vnnews fixtures baolaichau --regenerate" in done.stdout
    assert vnnews("validate", "--config", config_copy, "--fixtures", tmp_path / "none",
                  "--no-fixtures").returncode == 0


def test_validate_a_fixture_page_without_meta_or_expected_output(vnnews, fixtures_copy):
    (fixtures_copy / "baolaichau" / "sample-004.meta.json").unlink()
    (fixtures_copy / "backancity" / "sample-000.txt").unlink()
    done = vnnews("validate", "--fixtures", fixtures_copy)
    assert done.returncode == 1
    assert "baolaichau.yaml:6: name: fixture " in done.stdout and "sample-004.meta.json: missing" in done.stdout
    assert "backancity.yaml:" in done.stdout and 'has no sample-000.txt and no "rejected"' in done.stdout


def test_validate_usage_errors(vnnews, tmp_path):
    missing = vnnews("validate", tmp_path / "nothing.yaml")
    assert missing.returncode == 2 and "nothing.yaml: no such file" in missing.stderr
    not_config = vnnews("validate", "--config", tmp_path)
    assert not_config.returncode == 2 and "not a config folder" in not_config.stderr


# --- try ------------------------------------------------------------------------------------

def test_try_a_saved_page_with_explain(vnnews):
    done = vnnews("try", "baolaichau", SAMPLE, "--explain")
    assert done.returncode == 0, done.stderr
    head = done.stdout.split("-" * 72)[0]
    assert head.startswith("title: Tích cực chuẩn bị Đại hội Đảng bộ các cấp\npublished: 2019-11-29T16:14:00+07:00\n")
    assert "kicker: Đảng bộ Thành phố Lai Châu" in head and "source: -" in head
    assert "site: baolaichau   cms: generic" in head
    assert "  - [structure] remove: .comment-box: Bình luận" in head
    assert done.stdout.endswith(SAMPLE.with_suffix(".txt").read_text(encoding="utf-8"))


def test_try_a_gzipped_page_needs_no_network(vnnews, tmp_path, monkeypatch):
    monkeypatch.setenv("VNNEWS_REPLICA", "")
    saved = tmp_path / "page.html.gz"
    saved.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    done = vnnews("try", "baolaichau", saved, "--url", SAMPLE_URL)
    assert done.returncode == 0 and done.stdout.endswith(SAMPLE.with_suffix(".txt").read_text(encoding="utf-8"))


def test_try_a_yaml_not_yet_in_config(vnnews, tmp_path):
    draft = tmp_path / "baolaichau.yaml"
    text = (ROOT / "config" / "sites" / "baolaichau.yaml").read_text(encoding="utf-8")
    draft.write_text(text.replace("kicker: ['.article-detail .article-kicker']", ""), encoding="utf-8")
    done = vnnews("try", draft, SAMPLE, "--format", "json", "--explain")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["kicker"] is None and record["site"] == "baolaichau"
    assert {"step": "structure", "rule": "remove: .comment-box"} in [
        {"step": r["step"], "rule": r["rule"]} for r in record["removed"]]


def test_try_a_broken_draft_names_the_draft(vnnews, tmp_path):
    draft = tmp_path / "baomoi.yaml"
    draft.write_text("name: baomoi\ntitle: X\ndomains: [baomoi.vn]\nextract: {body: ['div[']}\n", encoding="utf-8")
    done = vnnews("try", draft, SAMPLE)
    assert done.returncode == 2 and f"{draft}:4: extract.body[0]: expected a CSS selector" in done.stderr


def test_try_rejected_page_exits_3(vnnews, tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    done = vnnews("try", "baolaichau", page, "--url", "http://baolaichau.vn/x%C3%A3-h%E1%BB%99i/abc-def")
    assert done.returncode == 3
    assert "rejected: not-article (" in done.stdout and "title:" not in done.stdout


def test_try_unknown_site_and_missing_file(vnnews):
    unknown = vnnews("try", "nosuch", SAMPLE)
    assert unknown.returncode == 2 and "unknown site 'nosuch'" in unknown.stderr and "baolaichau" in unknown.stderr
    missing = vnnews("try", "baolaichau", "missing.html")
    assert missing.returncode == 2 and "missing.html" in missing.stderr


def test_try_a_url_through_the_replica(vnnews, monkeypatch):
    from replica import ReplicaServer

    with ReplicaServer() as server:
        monkeypatch.setenv("VNNEWS_REPLICA", f"127.0.0.1:{server.port}")
        done = vnnews("try", "baolaichau", SAMPLE_URL)
        absent = vnnews("try", "baolaichau", "http://baolaichau.vn/khong-co-trang-nay")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(SAMPLE.with_suffix(".txt").read_text(encoding="utf-8"))
    assert absent.returncode == 2 and "404" in absent.stderr


@pytest.fixture
def host_checking_server():
    """A loopback server answering only for Host: baolaichau.vn at /bai-viet, as the replica dispatches."""
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
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_try_sends_the_original_host_header(vnnews, monkeypatch, host_checking_server):
    monkeypatch.setenv("VNNEWS_REPLICA", host_checking_server)
    done = vnnews("try", "baolaichau", "http://baolaichau.vn/bai-viet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(SAMPLE.with_suffix(".txt").read_text(encoding="utf-8"))


def test_try_refuses_a_replica_that_is_not_loopback(vnnews, monkeypatch):
    monkeypatch.setenv("VNNEWS_REPLICA", "10.1.2.3:80")
    done = vnnews("try", "baolaichau", SAMPLE_URL)
    assert done.returncode == 2 and "expected a loopback address" in done.stderr


# --- new-site -------------------------------------------------------------------------------

def test_new_site_writes_a_valid_starting_config(vnnews, config_copy, tmp_path):
    fixtures = tmp_path / "fixtures"
    done = vnnews("new-site", "baotuyenquang", "--domain", "baotuyenquang.com.vn", "--cms", "wordpress",
                  "--title", "Báo Tuyên Quang: điện tử", "--config", config_copy, "--fixtures", fixtures)
    assert done.returncode == 0, done.stderr
    site = config_copy / "sites" / "baotuyenquang.yaml"
    text = site.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schema.json\n")
    assert "verified: assumed" in text and "# extract:" in text and "['-\\d+\\.html$']" in text
    readme = (fixtures / "baotuyenquang" / "README.md").read_text(encoding="utf-8")
    assert "vnnews fixtures baotuyenquang --regenerate" in readme and "<page>.meta.json" in readme
    checked = vnnews("validate", site, "--config", config_copy, "--fixtures", fixtures)
    assert checked.returncode == 1 and "site baotuyenquang has no fixture pages" in checked.stdout
    assert vnnews("validate", "--config", config_copy, "--no-fixtures").returncode == 0
    again = vnnews("new-site", "baotuyenquang", "--domain", "tuyenquang.vn",
                   "--config", config_copy, "--fixtures", fixtures)
    assert again.returncode == 2 and "exists already" in again.stderr


def test_commented_examples_are_valid_once_uncommented(vnnews, config_copy, tmp_path):
    vnnews("new-site", "baomau", "--domain", "baomau.vn", "--config", config_copy, "--fixtures", tmp_path)
    site = config_copy / "sites" / "baomau.yaml"
    lines = site.read_text(encoding="utf-8").splitlines()
    uncommented = [line.replace("# ", "", 1) if line.startswith("#   ") or line == "# extract:" else line
                   for line in lines if line != "extract: {}"]
    uncommented = [line.replace("[]", line.split("e.g. ")[1]) if "e.g. [" in line else line for line in uncommented]
    site.write_text("\n".join(uncommented) + "\n", encoding="utf-8")
    done = vnnews("validate", site, "--config", config_copy, "--no-fixtures")
    assert done.returncode == 0, done.stdout
    from cleaners.siteconfig import ConfigRegistry

    resolved = ConfigRegistry(config_copy).resolve("baomau")
    assert resolved.is_article_url("https://baomau.vn/thoi-su/mot-bai-12345.html")
    assert resolved.extract.body == ["#article-body"]


@pytest.mark.parametrize("args,message", [
    (["Bad Name", "--domain", "x.vn"], "expected lower-case letters"),
    (["ok", "--domain", "http://x.vn/"], "expected a lower-case host name"),
    (["ok", "--domain", "x.vn", "--cms", "drupal"], "expected generic or a profile"),
    (["ok", "--domain", "baolaichau.vn"], "already claimed by site baolaichau"),
    (["ok", "--domain", "x.vn", "--title", " "], "expected the publication's name"),
])
def test_new_site_refuses_bad_input(vnnews, config_copy, tmp_path, args, message):
    done = vnnews("new-site", *args, "--config", config_copy, "--fixtures", tmp_path)
    assert done.returncode == 2 and message in done.stderr
    assert not (config_copy / "sites" / "ok.yaml").exists()


def test_from_new_site_to_passing_fixtures(vnnews, config_copy, tmp_path):
    """The walk-through of docs/adding-a-site.md, on the NukeViet 4 page with another domain."""
    fixtures = tmp_path / "fixtures"
    args = ("--config", config_copy, "--fixtures", fixtures)
    assert vnnews("new-site", "nvdemo", "--domain", "nvdemo.vn", "--cms", "nukeviet4", *args).returncode == 0
    page = fixtures / "nvdemo" / "dai-hoi.html"
    shutil.copy(NUKEVIET_PAGE, page)
    url = "https://nvdemo.vn/news/xay-dung-dang/phat-huy-ket-qua-5873.html"
    page.with_suffix(".meta.json").write_text(json.dumps({"url": url}), encoding="utf-8")
    unrecorded = vnnews("fixtures", "nvdemo", *args)
    assert unrecorded.returncode == 1 and 'no dai-hoi.txt and no "rejected"' in unrecorded.stdout
    regenerated = vnnews("fixtures", "nvdemo", "--regenerate", *args)
    assert regenerated.stdout.endswith(f"review the changes: git add -N {page.parent} && git diff -- {page.parent}\n")
    # no override: the profile alone gives what it gives on the configured NukeViet site
    assert page.with_suffix(".txt").read_text(encoding="utf-8") == NUKEVIET_PAGE.with_suffix(".txt").read_text(
        encoding="utf-8")
    meta = json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert meta["url"] == url and meta["author"] == "Duy Khánh (thực hiện)"
    assert vnnews("fixtures", "nvdemo", *args).stdout.endswith("1/1 pages pass\n")
    assert vnnews("validate", config_copy / "sites" / "nvdemo.yaml", *args).returncode == 0
    listed = vnnews("sites", "--json", *args)
    row = next(json.loads(line) for line in listed.stdout.splitlines() if '"nvdemo"' in line)
    assert row == {"site": "nvdemo", "domain": "nvdemo.vn", "profile": "nukeviet4", "verified": "assumed",
                   "enabled": True,
                   "fixtures": 1, "passing": 1, "failing": []}


# --- sites ----------------------------------------------------------------------------------

def test_sites_table_names_every_configured_site(vnnews):
    from cleaners.siteconfig import ConfigRegistry

    done = vnnews("sites")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for name, site in ConfigRegistry().sites.items():
        row = next(line for line in lines if line.split()[0] == name)
        assert site.domains[0] in row and "pass" in row


def test_sites_lists_every_site_with_fixture_status(vnnews):
    done = vnnews("sites", "--json")
    rows = {json.loads(line)["site"]: json.loads(line) for line in done.stdout.splitlines()}
    from cleaners.siteconfig import ConfigRegistry

    assert set(rows) == set(ConfigRegistry().sites)
    assert rows["backan-nukeviet"]["profile"] == "nukeviet4" and rows["backan-nukeviet"]["verified"] == "replica"
    assert rows["vnexpress"]["verified"] == "real-page"
    assert all(r["fixtures"] >= 1 for r in rows.values())
    # real-page sites' pages are read from ../shared: without it they cannot pass (skip, or fail under CI)
    saved_only = [r for r in rows.values() if r["verified"] != "real-page"]
    assert saved_only and all(r["passing"] == r["fixtures"] for r in saved_only)
    if not (ROOT.parent / "shared" / "benchmarks").is_dir():
        missing_shared(ROOT.parent / "shared" / "benchmarks")
    assert all(r["passing"] == r["fixtures"] for r in rows.values())


def test_sites_table_names_failing_pages(vnnews, fixtures_copy):
    expected = fixtures_copy / "baolaichau" / "sample-004.txt"
    expected.write_text(expected.read_text(encoding="utf-8") + "thêm\n", encoding="utf-8")
    shutil.rmtree(fixtures_copy / "backancity")
    done = vnnews("sites", "--fixtures", fixtures_copy)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["site", "domain", "profile", "verified", "fixtures"]
    assert any(line.startswith("baolaichau ") and "0/1 pass, FAILING: sample-004" in line for line in lines)
    assert any(line.startswith("backancity ") and "NONE" in line for line in lines)
    assert any(line.startswith("backan-nukeviet ") and line.endswith("1/1 pass  [disabled: crawl --all skips it]")
               for line in lines)


# --- fixtures -------------------------------------------------------------------------------

def test_fixtures_check_detects_a_changed_expectation_and_regenerates(vnnews, fixtures_copy):
    assert vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy).returncode == 0
    expected = fixtures_copy / "baolaichau" / "sample-004.txt"
    original = expected.read_text(encoding="utf-8")
    expected.write_text(original.replace("Lai Châu", "Lai Chau", 1), encoding="utf-8")
    failed = vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy)
    assert failed.returncode == 1 and "text differs" in failed.stdout and "+++ current output" in failed.stdout
    assert "-Hòa chung không khí trong toàn đảng và các địa phương trong tỉnh, Thành ủy Lai Chau" in failed.stdout
    regenerated = vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy, "--regenerate")
    assert regenerated.returncode == 0 and "sample-004.html: rewritten" in regenerated.stdout
    assert expected.read_text(encoding="utf-8") == original
    again = vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy, "--regenerate")
    assert "sample-004.html: unchanged" in again.stdout and "git diff" not in again.stdout


def test_fixtures_metadata_mismatch_and_regenerate_keeps_url_and_notes(vnnews, fixtures_copy):
    meta_path = fixtures_copy / "baolaichau" / "sample-004.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "author": "Ai Đó", "notes": "byline in .article-author"}),
                         encoding="utf-8")
    failed = vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy)
    assert failed.returncode == 1 and "author: expected 'Ai Đó', got 'Đinh Đông'" in failed.stdout
    assert vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy, "--regenerate").returncode == 0
    rewritten = json.loads(meta_path.read_text(encoding="utf-8"))
    assert rewritten == {**meta, "notes": "byline in .article-author"}


def test_fixtures_refuse_a_page_of_another_domain(vnnews, fixtures_copy):
    meta_path = fixtures_copy / "baolaichau" / "sample-004.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "url": SAMPLE_URL.replace("baolaichau.vn", "elsewhere.vn")}),
                         encoding="utf-8")
    failed = vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy)
    assert failed.returncode == 1 and "cleaned as site generic, not baolaichau" in failed.stdout
    refused = vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy, "--regenerate")
    assert refused.returncode == 1 and "NOT rewritten" in refused.stderr
    assert (fixtures_copy / "baolaichau" / "sample-004.txt").read_text(encoding="utf-8") == \
        SAMPLE.with_suffix(".txt").read_text(encoding="utf-8")


def test_fixtures_rejected_page_is_recorded_as_rejected(vnnews, fixtures_copy):
    listing = fixtures_copy / "baolaichau" / "listing.html"
    listing.write_text("<html><body><ul>" + "".join(f"<li><a href='/a{i}'>Tin số {i} về tỉnh</a></li>"
                                                     for i in range(30)) + "</ul></body></html>", encoding="utf-8")
    listing.with_suffix(".meta.json").write_text(json.dumps({"url": "http://baolaichau.vn/x%C3%A3-h%E1%BB%99i/"}),
                                                 encoding="utf-8")
    assert vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy, "--regenerate").returncode == 0
    assert not listing.with_suffix(".txt").exists()
    assert json.loads(listing.with_suffix(".meta.json").read_text(encoding="utf-8"))["rejected"] == "not-article"
    assert vnnews("fixtures", "baolaichau", "--fixtures", fixtures_copy).stdout.endswith("2/2 pages pass\n")


def test_regenerate_rewrites_metadata_and_keeps_the_url(tmp_path, cleaner):
    from crawler.sitefixtures import check_fixture, regenerate_fixture

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
    from crawler.sitefixtures import check_fixture

    folder = tmp_path / "baolaichau"
    shutil.copytree(SITE_FIXTURES / "baolaichau", folder)
    expected = folder / "sample-004.txt"
    expected.write_text(expected.read_text(encoding="utf-8") + "một dòng thừa\n", encoding="utf-8")
    result = check_fixture(cleaner, folder / "sample-004.html")
    assert not result.ok
    assert result.diff.startswith(f"--- {expected}\n+++ current output\n") and "-một dòng thừa" in result.diff


def test_fixtures_usage(vnnews, tmp_path):
    unknown = vnnews("fixtures", "nosuch")
    assert unknown.returncode == 2 and "unknown site 'nosuch'; configured:" in unknown.stderr
    empty = vnnews("fixtures", "baolaichau", "--fixtures", tmp_path)
    assert empty.returncode == 1 and "site baolaichau has no fixture pages" in empty.stderr


# --- the guide ------------------------------------------------------------------------------

def _follows(guide_lines: list[str], printed: list[str]) -> str | None:
    """None when the printed lines are the guide's, where a guide line ending in … is a prefix and
    a line of just … stands for lines left out; else the first guide line not printed."""
    position, skipping = 0, False
    for wanted in guide_lines:
        if wanted.strip() == "…":
            skipping = True
            continue
        def matches(line):
            return line.startswith(wanted[:-1]) if wanted.endswith("…") else line == wanted
        while position < len(printed) and skipping and not matches(printed[position]):
            position += 1
        if position >= len(printed) or not matches(printed[position]):
            return wanted
        position, skipping = position + 1, False
    return None


def test_the_adding_a_site_guide_shows_what_try_prints(vnnews, config_copy, tmp_path):
    """Replays docs/adding-a-site.md: new-site on the NukeViet 4 portal, its saved page, `try --explain`."""
    guide = (ROOT / "docs" / "adding-a-site.md").read_text(encoding="utf-8")
    command = "$ vnnews try backan-nukeviet tests/fixtures/sites/backan-nukeviet/dai-hoi-xii.html --explain\n"
    shown_lines = guide.split(command, 1)[1].split("```", 1)[0].splitlines()
    (config_copy / "sites" / "backan-nukeviet.yaml").unlink()  # the guide adds it from nothing
    fixtures = tmp_path / "fixtures"
    made = vnnews("new-site", "backan-nukeviet", "--domain", "backan-nukeviet.invalid", "--cms", "nukeviet4",
                  "--title", "Cổng thông tin NukeViet (Bắc Kạn)", "--config", config_copy, "--fixtures", fixtures)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[2].replace(str(fixtures), "tests/fixtures/sites") in guide
    page = fixtures / "backan-nukeviet" / "dai-hoi-xii.html"
    shutil.copy(NUKEVIET_PAGE, page)
    url = json.loads(NUKEVIET_PAGE.with_suffix(".meta.json").read_text(encoding="utf-8"))["url"]
    done = vnnews("try", "backan-nukeviet", page, "--url", url, "--explain", "--config", config_copy)
    assert done.returncode == 0, done.stderr
    missing = _follows(shown_lines, done.stdout.splitlines())
    assert missing is None, f"update docs/adding-a-site.md with the current output; not printed: {missing!r}"
