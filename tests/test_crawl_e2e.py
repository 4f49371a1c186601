"""End to end: every replica site, crawled through the real Scrapy engine over HTTP on
loopback against the bundled replica (replica/), exactly as `vnnews crawl SITE...
--replica` runs it for a user. One crawl, a second crawl and a reprocess per session."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.corpus.outcome import declared_canonical
from crawler.registry import load_registry
from replica import ReplicaServer, article_urls, replica_sites, special_urls
from replica.routes import routes_for
from crawler.siterules import SiteRules, path_and_query
from crawler.urls import Canonicalizer, url_id

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "sites"
SHARED_EXPECTED = REPO.parent / "shared" / "samples" / "expected"
META_FIELDS = ("title", "published", "author", "source", "kicker", "category")


def vnnews(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def snapshot(out: Path) -> dict[str, bytes]:
    files = {f"corpus/{p.name}": p.read_bytes() for p in (out / "corpus").iterdir()}
    for name in ("manifest.jsonl", "rejects.jsonl"):
        files[name] = (out / name).read_bytes()
    return files


@pytest.fixture(scope="session")
def crawl(tmp_path_factory):
    """Crawl all sites twice into one folder, then reprocess the archive into another."""
    out = tmp_path_factory.mktemp("e2e") / "output"
    with ReplicaServer() as server:
        replica = f"127.0.0.1:{server.port}"
        # every site the replica serves, named: --all skips the disabled placeholder sites
        sites = replica_sites()
        first = vnnews("crawl", *sites, "--replica", replica, "--out", str(out))
        assert first.returncode == 0, first.stdout + first.stderr[-4000:]
        after_first = snapshot(out)
        second = vnnews("crawl", *sites, "--replica", replica, "--out", str(out))
    rebuilt = out.parent / "rebuilt"
    again = vnnews("reprocess", "--from-raw", str(out / "raw"), "--out", str(rebuilt))
    return dict(out=out, first=first, second=second, after_first=after_first, rebuilt=rebuilt, reprocess=again,
                manifest=read_jsonl(out / "manifest.jsonl"), rejects=read_jsonl(out / "rejects.jsonl"))


def fixture_samples() -> list[tuple[str, Path]]:
    return [(site.name, txt) for site in sorted(FIXTURES.iterdir()) for txt in sorted(site.glob("sample-*.txt"))]


def entry_for_text(manifest: list[dict], text: bytes) -> dict | None:
    digest = hashlib.sha256(text).hexdigest()
    return next((e for e in manifest if e["text_sha256"] == digest), None)


@pytest.mark.parametrize("site,expected", fixture_samples(), ids=lambda v: getattr(v, "name", v))
def test_sample_articles_land_byte_identical(crawl, site, expected):
    entry = entry_for_text(crawl["manifest"], expected.read_bytes())
    assert entry is not None, f"{expected.name} of {site} is not in the corpus"
    assert (crawl["out"] / entry["file"]).read_bytes() == expected.read_bytes()
    assert entry["site"] == site


@pytest.mark.parametrize("site,expected", fixture_samples(), ids=lambda v: getattr(v, "name", v))
def test_sample_metadata_in_the_manifest(crawl, site, expected):
    entry = entry_for_text(crawl["manifest"], expected.read_bytes())
    assert entry is not None
    meta = json.loads(expected.with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert {k: entry[k] for k in META_FIELDS} == {k: meta.get(k) for k in META_FIELDS}
    assert entry["lang"] == "vi" and entry["lang_prob"] > 0.9


def test_shared_expected_files_are_in_the_corpus(crawl):
    if not SHARED_EXPECTED.is_dir():
        pytest.skip(f"{SHARED_EXPECTED} is not present on this machine")
    for expected in sorted(SHARED_EXPECTED.glob("*.txt")):
        assert entry_for_text(crawl["manifest"], expected.read_bytes()), f"{expected.name} missing"


def test_manifest_entries_are_consistent(crawl):
    from crawler import __version__

    manifest, out = crawl["manifest"], crawl["out"]
    assert [e["seq"] for e in manifest] == list(range(len(manifest)))
    for entry in manifest:
        text = (out / entry["file"]).read_bytes()
        assert entry["id"] == url_id(entry["canonical_url"])
        assert re.fullmatch(rf"corpus/{entry['seq']:03d}_{entry['id']}\.txt", entry["file"])
        assert entry["text_sha256"] == hashlib.sha256(text).hexdigest()
        assert entry["chars"] == len(text.decode("utf-8"))
        assert entry["version"] == __version__
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["crawled_at"])
    assert len({e["canonical_url"] for e in manifest}) == len(manifest)
    assert len({e["text_sha256"] for e in manifest}) == len(manifest)


def test_each_site_keeps_exactly_its_good_articles(crawl):
    """Every good article of the replica is in the corpus once, under its main URL (the
    second URL's page declares it); none of the special pages is."""
    canonical = Canonicalizer(load_registry())
    for site in replica_sites():
        kept = {e["canonical_url"] for e in crawl["manifest"] if e["site"] == site}
        good = {canonical(u) for u in article_urls(site)}
        assert kept == good, (site, "missing", sorted(good - kept), "extra", sorted(kept - good))


def test_special_pages_are_rejected_with_their_reasons(crawl):
    """English page -> not-vietnamese; listing-only -> not-article; broken -> any reason.
    A page whose URL the site's article patterns already exclude is never cleaned, so it
    cannot be in rejects; it must then not be in the corpus either (checked above)."""
    registry = load_registry()
    canonical = Canonicalizer(registry)
    rejected = {(r["site"], canonical(r["url"])): r["reason"] for r in crawl["rejects"]}
    expected_reason = {"english": "not-vietnamese", "listing_only": "not-article", "broken": None}
    for site in replica_sites():
        rules = SiteRules(registry.resolve(site), canonical)
        for key, url in special_urls(site).items():
            if key not in expected_reason or not rules.is_own_article(url):
                continue
            reason = rejected.get((site, canonical(url)))
            assert reason is not None, (site, key, url)
            assert expected_reason[key] in (None, reason), (site, key, reason)


def test_the_english_page_of_every_site_is_rejected(crawl):
    reasons = {(r["site"], r["reason"]) for r in crawl["rejects"]}
    for site in replica_sites():
        assert (site, "not-vietnamese") in reasons, site


def test_the_summary_counts_what_was_written(crawl):
    stdout = crawl["first"].stdout
    for site in replica_sites():
        assert re.search(rf"^{re.escape(site)}\s+\d+\s+\d+", stdout, re.M), stdout
    assert f"{len(crawl['manifest'])} new document(s)" in stdout


def test_second_run_adds_nothing(crawl):
    assert crawl["second"].returncode == 0, crawl["second"].stderr[-4000:]
    assert snapshot(crawl["out"]) == crawl["after_first"]
    assert "0 new document(s)" in crawl["second"].stdout


def test_the_two_url_article_is_written_once(crawl):
    """Each replica site serves one article under a second URL (tracking parameters, an ASCII
    slug, a trailing slash, NukeViet's index.php form): one document, named by the main URL."""
    canonical = Canonicalizer(load_registry())
    for site in replica_sites():
        second = special_urls(site).get("second_url")
        if not second:
            continue
        page = routes_for(site).lookup(path_and_query(second))
        assert page.status == 200, (site, second)
        main = declared_canonical(page.body, second)
        text_entries = [e for e in crawl["manifest"] if e["site"] == site and e["canonical_url"] == canonical(main)]
        assert len(text_entries) == 1, (site, main)
        digest = text_entries[0]["text_sha256"]
        assert sum(e["text_sha256"] == digest for e in crawl["manifest"]) == 1


def test_reprocess_rebuilds_the_same_corpus(crawl):
    assert crawl["reprocess"].returncode == 0, crawl["reprocess"].stderr[-4000:]
    assert snapshot(crawl["rebuilt"]) == crawl["after_first"]


def test_the_corpus_passes_verify(crawl):
    result = vnnews("verify", "--out", str(crawl["out"]))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_summary_agrees_with_the_report(crawl):
    """The table a crawl prints at its end and `vnnews report` give the same figures for that
    run: both read the state store, so an operator never sees two versions of one crawl."""
    report = vnnews("report", "--json", "--out", str(crawl["out"]))
    assert report.returncode == 0, report.stderr
    records = json.loads(report.stdout)
    records = records["sites"] if isinstance(records, dict) else records
    for record in records:
        row = re.search(rf"^{re.escape(record['site'])}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+s\s+(.*)$",
                        crawl["second"].stdout, re.M)
        assert row, crawl["second"].stdout
        pages, written, dupes, skipped, errors, rejections = row.groups()
        assert (int(pages), int(written), int(dupes), int(skipped), int(errors)) == (
            record["pages"], record["written"], record["duplicates"], record["skipped"], record["error_count"])
        shown = ", ".join(f"{reason} {n}" for reason, n in record["rejections"].items()) or "-"
        assert rejections.strip() == shown
