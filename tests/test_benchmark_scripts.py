"""The speed and memory benchmark scripts run, on tiny inputs.

These check that the scripts work end to end (servers, child crawls, the real commands,
the tables they print), never how fast anything is: timings live in the scripts and in
docs/benchmarks.md, not in tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import shared_or_skip

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))


def run_script(*args: str, timeout: int = 240) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def table_row(output: str, first_cells: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith(first_cells))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_synthetic_site_serves_every_article_in_the_site_markup():
    from synthetic_site import SyntheticServer, SyntheticSite

    from cleaners.cleaner import Cleaner

    site = SyntheticSite(articles=120)
    status, _, index = site.respond("/sitemap.xml")
    assert status == 200 and b"<sitemapindex" in index
    child = re.search(rb"<loc>http://baolaichau\.vn(/sitemap-1\.xml)</loc>", index).group(1).decode()
    urls = re.findall(rb"<loc>([^<]+)</loc>", site.respond(child)[2])
    assert len(urls) == 120 and len(set(urls)) == 120
    url = urls[57].decode()
    status, content_type, body = site.respond(urlsplit(url).path)
    assert status == 200 and content_type.startswith("text/html")
    result = Cleaner().clean(body, url=url)
    assert result.ok and result.site == "baolaichau", result.detail
    assert site.respond("/ch%C3%ADnh-tr%E1%BB%8B/no-such-article-999999")[0] == 404
    assert site.url_count() > 120
    server = SyntheticServer(site)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_a_prerendered_synthetic_site_answers_as_one_that_renders_each_page():
    """--prerender (keep_rendered) must change what the server costs, never what it sends:
    every article rendered ahead, every other answer kept on first asking, by path and query."""
    from synthetic_site import SyntheticSite

    kept, fresh = SyntheticSite(articles=60), SyntheticSite(articles=60)
    assert kept.keep_rendered() > 0
    assert len(kept._rendered) == 60  # every article, nothing else yet
    index = fresh.respond("/")[2].decode()
    targets = sorted(set(re.findall(r'href="(/[^"]*)"', index)))
    articles = [urlsplit(fresh.family.article_url(fresh.data.articles[k])).path for k in (0, 17, 59)]
    listing = "/ch%C3%ADnh-tr%E1%BB%8B/"
    targets += articles + ["/", "/robots.txt", "/sitemap.xml", "/sitemap-1.xml", "/rss/trang-chu.rss", listing,
                           listing + "?page=2", "/ch%C3%ADnh-tr%E1%BB%8B/no-such-article-999999"]
    assert len(targets) > 15
    assert fresh.respond(listing + "?page=2")[2] != fresh.respond(listing)[2]  # the query is part of the key
    for target in targets:
        assert kept.respond(target) == fresh.respond(target), target
        assert kept.respond(target) == fresh.respond(target), target  # the kept answer, asked again
    assert any(status == 404 for status, _, _ in kept._rendered.values())
    assert all(fresh.respond(a)[0] == 200 for a in articles)


def test_every_category_wears_every_furniture_set():
    """Real-size pages: which real page's furniture an article wears must not follow its
    category, or crawls that walk the categories in other proportions get other page sizes."""
    from synthetic_site import SyntheticSite, furniture_index

    site = SyntheticSite(articles=960)
    articles, categories = site.data.articles, len(site.data.categories)
    assert categories > 1
    for category in range(categories):
        ids = [articles.article_id(k) for k in range(category, len(articles), categories)]
        worn = [furniture_index(i, 24) for i in ids]
        assert set(worn) == set(range(24)), category
        assert max(worn.count(n) for n in range(24)) < 3 * len(ids) / 24, category  # no set dominates


def test_per_host_synthetic_server_gives_each_host_its_own_articles():
    from synthetic_site import SyntheticServer, SyntheticSite

    site = SyntheticSite(articles=50)
    server = SyntheticServer(site, per_host=True)
    try:
        one, two = server.site_for("synth01.baolaichau.vn"), server.site_for("synth02.baolaichau.vn:80")
        assert server.site_for("SYNTH01.baolaichau.vn:8080") is one and one is not two
        assert one.article_count == two.article_count == 50
        assert one.respond("/")[2] != two.respond("/")[2]  # other slugs and titles
        assert one.data.articles[3].body != two.data.articles[3].body  # other texts: not duplicates of each other
    finally:
        server.server_close()
    plain = SyntheticServer(site)
    try:
        assert plain.site_for("synth01.baolaichau.vn") is site
    finally:
        plain.server_close()


def test_polite_config_copies_the_site_onto_hosts_of_its_own(tmp_path):
    from crawl_speed import synthetic_config

    from cleaners.siteconfig import ConfigRegistry

    names = synthetic_config(tmp_path / "config", 12)
    registry = ConfigRegistry(tmp_path / "config")
    assert names == sorted(registry.sites) == [f"synth{n:02d}" for n in range(1, 13)]
    original = ConfigRegistry(ROOT / "config").sites["baolaichau"]
    for name in names:
        site = registry.sites[name]
        assert site.domains == [f"{name}.baolaichau.vn"]
        assert site.politeness == original.politeness and site.politeness.delay == 1.0
        assert registry.resolve(name).extract == ConfigRegistry(ROOT / "config").resolve("baolaichau").extract
    assert registry.site_for_url("http://synth07.baolaichau.vn/kinh-t%E1%BA%BF/") == "synth07"
    assert registry.site_for_url("http://baolaichau.vn/") is None  # the original is not one of them


def test_generic_throughput_config_is_the_site_without_its_extract_block(tmp_path):
    from crawl_speed import generic_config

    from cleaners.cleaner import Cleaner
    from cleaners.siteconfig import ConfigRegistry

    registry = ConfigRegistry(generic_config(tmp_path / "config"))
    shipped = ConfigRegistry(ROOT / "config")
    assert list(registry.sites) == ["baolaichau"]
    site, original = registry.sites["baolaichau"], shipped.sites["baolaichau"]
    assert site.domains == original.domains and site.discovery == original.discovery
    assert site.articles == original.articles and site.politeness == original.politeness
    assert not registry.resolve("baolaichau").extract.body and shipped.resolve("baolaichau").extract.body
    page = (ROOT / "tests" / "fixtures" / "sites" / "baolaichau" / "sample-004.html").read_bytes()
    result = Cleaner(registry).clean(page, url="http://baolaichau.vn/x%C3%A3-h%E1%BB%99i/bai-1", explain=True)
    assert result.ok and "generic extraction: the config names no body selectors" in result.notes


def test_polite_run_that_measured_nothing_stops_the_benchmark():
    from crawl_speed import check_polite_run

    fine = {"response_received_count": 20, "corpus/written": 9}
    check_polite_run("ok", {"system": "vnnews", "sites": {"synth01": fine, "synth02": fine}})
    check_polite_run("bare", {"system": "bare", "sites": {"synth01": {"response_received_count": 20}}})
    starved = {"response_received_count": 7, "corpus/written": 0}  # a crawl that cannot keep up
    check_polite_run("busy", {"system": "vnnews", "sites": {"synth01": fine, "synth02": starved}})
    with pytest.raises(SystemExit, match="no site wrote a document"):
        check_polite_run("vnnews", {"system": "vnnews", "sites": {"synth01": starved, "synth02": starved}})
    with pytest.raises(SystemExit, match="synth01 got no response"):
        check_polite_run("bare", {"system": "bare", "sites": {"synth01": {"finish_reason": "finished"}}})


def test_real_furniture_keeps_the_real_pages_text_intact():
    """The furniture of every real page reaches the crawl as the page had it: lxml given the
    bytes read the pages that declare their charset late as latin-1, and a third of the
    real-size crawl pages carried mojibake the cleaner then repaired at great cost."""
    shared_or_skip("benchmarks", "vn-real")
    from synthetic_site import RealFurniture, SyntheticSite

    from cleaners.decode import decode_html
    from cleaners.vi.text import looks_mojibake

    furniture = RealFurniture()
    assert len(furniture.parts) == 24
    site = SyntheticSite(articles=30)
    site.furniture = furniture
    for number in range(24):
        head, body = furniture.parts[number]
        assert not looks_mojibake(head + body), number
    path = urlsplit(site.family.article_url(site.data.articles[5])).path
    status, _, page = site.respond(path)
    decoded = decode_html(page)
    assert status == 200 and not decoded.repaired and not looks_mojibake(decoded.text)


def test_cleaning_speed_script_prints_every_system_and_the_batch_command():
    output = run_script("benchmarks/speed.py", "--sets", "fixtures,synthetic", "--rounds", "1", "--limit", "3")
    for set_name in ("fixtures", "synthetic"):
        pages = len(list((ROOT / "tests" / "fixtures" / "sites").glob("*/*.html")))  # grows with the sites
        cells = table_row(output, f"| {pages if set_name == 'fixtures' else 3} | {set_name} |")
        assert all(float(c.rstrip("×")) > 0 for c in cells[2:]), cells


def test_cleaning_speed_script_skips_absent_benchmark_data(tmp_path):
    output = run_script("benchmarks/speed.py", "--sets", "vn-real", "--rounds", "1", "--data",
                        str(tmp_path / "missing"))
    assert "skipped" in output


def test_crawl_throughput_script_runs_both_crawls():
    output = run_script("benchmarks/crawl_speed.py", "throughput", "--articles", "100", "--pages", "20",
                        "--rounds", "1")
    assert float(table_row(output, "| vnnews crawl, 2 cleaning processes |")[1]) > 0
    assert float(table_row(output, "| vnnews crawl, 1 cleaning process |")[1]) > 0
    assert float(table_row(output, "| bare Scrapy link spider |")[1]) > 0
    assert "2 cleaning processes / 1:" in output and "vnnews (2 processes) / bare spider:" in output
    assert "bare spider / 1 cleaning process:" in output and "round by round" in output


def test_throughput_ratios_are_given_from_the_medians_and_round_by_round():
    from crawl_speed import ratio_line

    # the medians are 100 and 50 (2.00×); the rounds' own ratios are 1.5, 2.5 and 2.4
    line = ratio_line([90.0, 100.0, 120.0], [60.0, 40.0, 50.0], "{:.2f}×")
    assert line == "2.00× (round by round: median 2.40×, 1.50×–2.50×)"
    assert ratio_line([99.0, 81.0], [110.0, 90.0], "{:.0%}") == "90% (round by round: median 90%, 90%–90%)"


def test_crawl_memory_script_discovers_every_url_of_the_replica():
    output = run_script("benchmarks/crawl_speed.py", "memory", "--sizes", "100,200", "--pages", "60")
    for size in (100, 200):
        cells = table_row(output, f"| {size} |")
        assert int(cells[1]) >= size, cells  # every article named by a sitemap was read
        assert float(cells[5]) > 0


def test_reprocess_speed_script_replays_a_crawl_archive():
    output = run_script("benchmarks/reprocess_speed.py", "--pages", "15", "--articles", "100", "--rounds", "1")
    row = next(line for line in output.splitlines() if re.match(r"\| \d", line))  # the one result row
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert int(cells[0]) > 0 and float(cells[3]) > 0


def test_cleaning_speed_script_measures_real_pages_as_processes():
    from conftest import SHARED, missing_shared

    if not (SHARED / "benchmarks" / "vn-real").is_dir():
        missing_shared(SHARED / "benchmarks" / "vn-real")
    output = run_script("benchmarks/speed.py", "--sets", "real", "--rounds", "1", "--repeat", "1",
                        "--single", "1", "--limit", "2", "--no-batch")
    assert "### Real pages (2 real pages" in output and "KB in all" in output
    for rules in ("configured", "unconfigured", "generic"):
        assert float(table_row(output, f"| {rules} |")[-1].rstrip("×")) > 0
    assert re.search(r"One page, one process .*\*\*\d+\.\d+×\*\*", output)
    assert float(table_row(output, "| 2 | real-configured |")[5].rstrip("×")) > 0


def test_robustness_script_reports_every_site_and_profile():
    from conftest import SHARED, missing_shared

    output = run_script("benchmarks/robustness.py")
    for profile in ("epi", "yyyymm", "aspnet", "nukeviet4", "wordpress", "joomla"):
        assert f"| profile {profile} (replica pages) |" in output
    assert "**replica pages, total**" in output and "| **all** |" in output
    for change in ("wrapper-classes", "caption-before", "sapo-class", "date-element", "sidebar-reordered"):
        assert int(table_row(output, f"| {change} |")[1]) > 0
    if not (SHARED / "benchmarks" / "vn-real").is_dir():
        missing_shared(SHARED / "benchmarks" / "vn-real")
    assert "| vnexpress | 3 |" in output and "**real pages, total**" in output


def test_dedup_benchmark_scores_a_small_syndication_set():
    pytest.importorskip("datasketch")
    shared_or_skip("samples", "expected")
    output = run_script("benchmarks/dedup.py", "--docs", "300")
    assert re.search(r"pairs: precision [01]\.\d{4} \(\d+/\d+\), recall [01]\.\d{4}", output), output
    assert "(incremental)" in output and "peak RSS" in output


def test_archive_speed_script_times_every_variant():
    from conftest import SHARED, missing_shared

    if not (SHARED / "benchmarks" / "vn-real").is_dir():
        missing_shared(SHARED / "benchmarks" / "vn-real")
    output = run_script("benchmarks/archive_speed.py", "--copies", "1", "--rounds", "1", "--no-dask")
    for command in ("reprocess", "import-warc"):
        for variant in ("1 process", "2 processes"):
            assert float(table_row(output, f"| {command} | {variant} |")[3]) > 0
    assert "warcio" in output and "fastwarc" in output
