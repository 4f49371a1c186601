"""Issue 11, "no silent failure": a crawl, a config or a page that goes wrong says so, exits
non-zero and loses nothing for good. Each test reproduces one observed failure; the crawls are
of one or two replica sites with few articles, a few seconds each."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

import crawler
from replica import ReplicaServer

REPO = Path(crawler.__file__).resolve().parent.parent
SITE, OTHER = "baolaichau", "baovinhphuc"
BROKEN_FIELD = "name: broken\ntitle: B\ndomains: [broken.example]\npoliteness: {delay: fast}\n"


def vnnews(*args: str, env: dict | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, capture_output=True,
                          text=stdin is None, timeout=180, input=stdin,
                          env={**os.environ, **(env or {})})


def closed_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def config_copy(tmp_path: Path, sites: dict[str, str | None]) -> Path:
    """The shipped profiles with some sites: {name: None (copied as is) or the YAML text}."""
    config = tmp_path / "config"
    shutil.copytree(REPO / "config" / "profiles", config / "profiles")
    (config / "sites").mkdir()
    for name, text in sites.items():
        target = config / "sites" / f"{name}.yaml"
        if text is None:
            shutil.copy(REPO / "config" / "sites" / f"{name}.yaml", target)
        else:
            target.write_text(text, encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def server():
    with ReplicaServer() as running:
        yield f"127.0.0.1:{running.port}"


@pytest.fixture(scope="module")
def replica_crawl(server, tmp_path_factory):
    out = tmp_path_factory.mktemp("replica") / "out"
    result = vnnews("crawl", SITE, "--replica", server, "--out", str(out), "--max-articles", "3")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return out, result


# --- 2. a crawl that fails exits non-zero, naming the cause ---------------------------------------

def test_a_site_whose_robots_txt_cannot_be_fetched_fails_naming_the_cause(tmp_path):
    result = vnnews("crawl", SITE, "--replica", f"127.0.0.1:{closed_port()}", "--out", str(tmp_path / "out"))
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    failed = [line for line in result.stdout.splitlines() if line.startswith(f"  {SITE}: robots.txt")]
    assert len(failed) == 1 and "refused" in failed[0], result.stdout


def test_a_site_that_wrote_nothing_of_its_articles_fails(server, tmp_path):
    text = (REPO / "config" / "sites" / f"{SITE}.yaml").read_text(encoding="utf-8")
    assert "body: ['#article-body']" in text
    config = config_copy(tmp_path, {SITE: text.replace("body: ['#article-body']", "body: ['#nothing']")})
    result = vnnews("crawl", SITE, "--replica", server, "--out", str(tmp_path / "out"), "--config", str(config),
                    "--max-articles", "3")
    # generic extraction may still rescue a page; only a run that wrote nothing must fail
    written = json.loads(vnnews("report", "--out", str(tmp_path / "out"), "--json").stdout)["sites"][0]["written"]
    if written == 0:
        assert result.returncode == 1, result.stdout
        assert f"  {SITE}: wrote nothing of 3 article page(s) asked for" in result.stdout
    else:
        assert result.returncode == 0


def test_a_healthy_run_exits_0_and_a_rerun_with_nothing_new_too(server, replica_crawl):
    out, first = replica_crawl
    assert "FAILED" not in first.stdout
    again = vnnews("crawl", SITE, "--replica", server, "--out", str(out), "--max-articles", "3")
    assert again.returncode == 0, again.stdout + again.stderr[-2000:]


# --- 3. replica and live data never mix ----------------------------------------------------------

def test_the_state_store_records_that_a_run_used_a_replica(replica_crawl):
    out, _ = replica_crawl
    with closing(sqlite3.connect(out / "state" / "crawl.sqlite")) as db:
        options = [json.loads(row[0]) for row in db.execute("SELECT options FROM runs")]
    assert options and all(o.get("replica") for o in options)


def test_a_live_crawl_refuses_a_folder_holding_replica_data(replica_crawl):
    out, _ = replica_crawl
    before = (out / "manifest.jsonl").read_bytes()
    result = vnnews("crawl", SITE, "--out", str(out))
    assert result.returncode == 2
    assert "holds replica data" in result.stderr and str(out) in result.stderr
    assert (out / "manifest.jsonl").read_bytes() == before


def test_the_demo_writes_into_its_own_folder():
    from crawler.cli import build_parser

    assert build_parser().parse_args(["demo"]).out == "output/demo"


# --- 4. switching sites off; one broken YAML does not stop the others ------------------------------

def test_all_skips_disabled_sites_and_a_broken_one_crawling_the_rest(server, tmp_path):
    other = (REPO / "config" / "sites" / f"{OTHER}.yaml").read_text(encoding="utf-8")
    config = config_copy(tmp_path, {SITE: None, OTHER: other + "\nenabled: false\n",
                                    "broken": BROKEN_FIELD})
    result = vnnews("crawl", "--all", "--replica", server, "--out", str(tmp_path / "out"), "--config", str(config),
                    "--max-articles", "2")
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert f"skipped (enabled: false): {OTHER}" in result.stderr
    assert "  broken: not run: invalid configuration: " in result.stdout
    assert "broken.yaml:4: politeness.delay" in result.stdout
    sites = {json.loads(line)["site"] for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()}
    assert sites == {SITE}


def test_the_placeholder_sites_are_disabled_and_listed_so(tmp_path):
    from cleaners.siteconfig import ConfigRegistry

    sites = ConfigRegistry(REPO / "config").sites
    assert {name for name, site in sites.items() if not site.enabled} == {"backan-news", "backan-nukeviet"}
    config = config_copy(tmp_path, {SITE: None, "backan-news": None})
    listed = vnnews("sites", "--config", str(config), "--json")
    rows = {row["site"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert rows["backan-news"]["enabled"] is False and rows[SITE]["enabled"] is True


def test_a_named_site_with_a_broken_yaml_is_a_usage_error_naming_the_line(tmp_path):
    config = config_copy(tmp_path, {SITE: None, "broken": "name: broken\ntitle: [unclosed\n"})
    result = vnnews("crawl", "broken", "--out", str(tmp_path / "out"), "--config", str(config))
    assert result.returncode == 2
    assert "site broken: invalid configuration: " in result.stderr and "broken.yaml:3" in result.stderr


# --- 6. quiet by default ------------------------------------------------------------------------------

def test_a_crawl_is_quiet_by_default(replica_crawl):
    _, result = replica_crawl
    assert "INFO" not in result.stderr and "Dumping Scrapy stats" not in result.stderr, result.stderr[:2000]
    assert f"{SITE}  " in result.stdout  # the summary table


def test_log_file_takes_the_log(server, tmp_path):
    log = tmp_path / "crawl.log"
    result = vnnews("crawl", SITE, "--replica", server, "--out", str(tmp_path / "out"), "--max-articles", "1",
                    "--log-file", str(log))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "INFO" in log.read_text(encoding="utf-8") and "INFO" not in result.stderr


# --- 8. the User-Agent names nothing that does not exist ------------------------------------------

def test_the_default_user_agent_names_no_made_up_address():
    from crawler.crawl.runner import project_settings

    settings = project_settings({"VNNEWS_CONTACT": ""})
    assert "github" not in settings.get("USER_AGENT") and settings.get("USER_AGENT").startswith("vnnews/")


def test_a_live_crawl_without_contact_warns():
    from crawler.crawl.runner import contact_warning, project_settings

    assert "VNNEWS_CONTACT" in contact_warning(project_settings({"VNNEWS_CONTACT": ""}))
    assert contact_warning(project_settings({"VNNEWS_CONTACT": "mailto:a@example.org"})) is None
    assert contact_warning(project_settings({"VNNEWS_CONTACT": "", "VNNEWS_REPLICA": "127.0.0.1:1"})) is None


# --- 1. a wrong config loses nothing for good --------------------------------------------------------

def _page(url: str, outcome: str, reason: str | None = None, fetched_at: str = "2026-01-01T00:00:00Z", **kw):
    from crawler.corpus.state import PageRecord

    return PageRecord(keys=[url], site="s", url=url, fetched_at=fetched_at, status=200, outcome=outcome,
                      reason=reason, **kw)


def test_a_cleaner_rejection_is_retried_once_the_config_or_the_version_changed(tmp_path):
    from crawler.corpus.state import REJECTED, CrawlState, Retry

    with closing(CrawlState(tmp_path)) as state:
        state.record(None, _page("u/not-article", REJECTED, "not-article", config_hash="A", version="1"))
        state.record(None, _page("u/english", REJECTED, "not-vietnamese", config_hash="A", version="1"))
        same, changed, release = Retry("A", "1"), Retry("B", "1"), Retry("A", "2")
        assert state.is_done("u/not-article", same)
        assert not state.is_done("u/not-article", changed) and not state.is_done("u/not-article", release)
        assert state.is_done("u/english", changed)  # a verdict on the page itself stays final
        forced = Retry("A", "1", rejected=True, rejected_since="2025-12-01", before="2026-06-01T00:00:00Z")
        assert not state.is_done("u/not-article", forced)
        assert state.is_done("u/not-article", Retry("A", "1", rejected=True, rejected_since="2026-02-01",
                                                    before="2026-06-01T00:00:00Z"))


def test_failed_fetches_back_off(tmp_path):
    from crawler.corpus.state import ERROR, CrawlState, Retry, utc_now

    retry = Retry("A", "1")
    with closing(CrawlState(tmp_path)) as state:
        state.record(None, _page("u", ERROR, "fetch-error", fetched_at=utc_now()))
        assert not state.is_done("u", retry)  # the first retry: on the next run
        state.record(None, _page("u", ERROR, "fetch-error", fetched_at=utc_now()))
        assert state.is_done("u", retry)  # the second failure in a row waits an hour
        assert not state.is_done("u", Retry("A", "1", backoff_base_hours=0.0))


def test_a_version_1_store_is_migrated_and_its_rejections_can_be_retried(tmp_path):
    from crawler.corpus.state import SCHEMA, CrawlState, Retry

    old_schema = SCHEMA.replace("    run_id     INTEGER,", "    run_id     INTEGER").split("    config_hash")[0]
    old_schema += ");" + SCHEMA.split("    attempts   INTEGER            -- failed fetches in a row (outcome error), "
                                      "for the backoff\n);")[1]
    (tmp_path / "state").mkdir()
    with closing(sqlite3.connect(tmp_path / "state" / "crawl.sqlite")) as db:
        db.executescript(old_schema)
        db.execute("INSERT INTO meta VALUES ('schema', '1')")
        db.execute("INSERT INTO urls (key, site, url, outcome, reason) VALUES ('u', 's', 'u', 'rejected', "
                   "'not-article')")
        db.commit()
    with closing(CrawlState(tmp_path)) as state:
        assert state.is_done("u", Retry("A", "1"))  # recorded under an unknown config: left alone...
        assert not state.is_done("u", Retry("A", "1", rejected=True, before="2026-06-01T00:00:00Z"))  # ...but retried
        assert state.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0] == "2"


def test_rejects_say_which_reasons_are_final_and_which_are_retried(tmp_path):
    from crawler.corpus.writer import CorpusWriter

    with CorpusWriter(tmp_path) as writer:
        writer.reject("https://a.vn/1", "s", "not-article", "no article body")
        writer.reject("https://a.vn/2", "s", "http-error", "HTTP 404")
        writer.reject("https://a.vn/3", "s", "fetch-error", "TimeoutError")
    lines = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert [line["retry"] for line in lines] == ["on-change", "final", "next-run"]


def broken_body_config(tmp_path: Path) -> Path:
    text = (REPO / "config" / "sites" / f"{SITE}.yaml").read_text(encoding="utf-8")
    return config_copy(tmp_path, {SITE: text.replace("body: ['#article-body']", "body: ['#nothing']")})


def manifest_sites(out: Path) -> list[str]:
    path = out / "manifest.jsonl"
    return [json.loads(line)["site"] for line in path.read_text().splitlines()] if path.exists() else []


def test_after_the_config_is_fixed_the_rejected_articles_are_fetched_again(server, tmp_path):
    out = tmp_path / "out"
    broken = vnnews("crawl", SITE, "--replica", server, "--out", str(out), "--config",
                    str(broken_body_config(tmp_path / "a")), "--max-articles", "3")
    assert "not-article" in broken.stdout and manifest_sites(out).count(SITE) == 0, broken.stdout
    rejected = {json.loads(line)["url"] for line in (out / "rejects.jsonl").read_text().splitlines()
                if json.loads(line)["reason"] == "not-article"}
    assert len(rejected) == 3
    fixed = vnnews("crawl", SITE, "--replica", server, "--out", str(out))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr[-2000:]
    written = {json.loads(line)["url"] for line in (out / "manifest.jsonl").read_text().splitlines()}
    assert rejected <= written, fixed.stdout


def test_retry_rejected_recleans_from_the_archive_without_the_network(server, tmp_path):
    out = tmp_path / "out"
    vnnews("crawl", SITE, "--replica", server, "--out", str(out), "--config",
           str(broken_body_config(tmp_path / "a")), "--max-articles", "3")
    assert manifest_sites(out).count(SITE) == 0
    offline = f"127.0.0.1:{closed_port()}"  # the network is gone: only the archive can help
    retried = vnnews("crawl", SITE, "--replica", offline, "--out", str(out), "--retry-rejected")
    assert "re-cleaned 3 rejected page(s) from the archive: written 3" in retried.stderr, retried.stderr[-2000:]
    assert manifest_sites(out).count(SITE) == 3


# --- 13. bad input to vnnews clean -----------------------------------------------------------------

def test_a_gzip_bomb_is_too_large_without_being_inflated(tmp_path):
    import gzip

    from crawler.commands.clean import max_page_bytes

    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b" " * (max_page_bytes() + 10)))
    assert bomb.stat().st_size < 100_000
    result = vnnews("clean", str(bomb), "--format", "json")
    assert result.returncode == 3 and "rejected: too-large" in result.stderr
    assert json.loads(result.stdout)["reason"] == "too-large"


def test_a_page_above_the_cap_is_too_large(tmp_path):
    from crawler.commands.clean import PageRejected, _read_page

    page = tmp_path / "big.html"
    page.write_bytes(b"<p>x</p>" * 20)
    with pytest.raises(PageRejected, match="too-large"):
        _read_page(page, limit=100)


def test_an_empty_page_is_undecodable_not_a_non_article(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    result = vnnews("clean", str(empty))
    assert result.returncode == 3 and "rejected: undecodable" in result.stderr


def test_dash_reads_standard_input():
    page = (REPO / "tests" / "fixtures" / "sites" / SITE).glob("*.html*")
    first = sorted(page)[0]
    data = first.read_bytes()
    from_file = vnnews("clean", str(first), "--site", SITE, "--format", "json")
    from_stdin = vnnews("clean", "-", "--site", SITE, "--format", "json", stdin=data)
    assert from_stdin.returncode == from_file.returncode
    assert json.loads(from_stdin.stdout) == json.loads(from_file.stdout)


def test_an_unknown_site_in_a_batch_is_named(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>x</p></body></html>")
    batch = tmp_path / "list.jsonl"
    batch.write_text(json.dumps({"path": str(page), "site": "nosuch"}) + "\n")
    result = vnnews("clean", "--batch", str(batch))
    record = json.loads(result.stdout)
    assert record["reason"] == "unknown-site" and "nosuch" in record["detail"]


def test_format_text_with_batch_is_refused(tmp_path):
    batch = tmp_path / "list.jsonl"
    batch.write_text("")
    result = vnnews("clean", "--batch", str(batch), "--format", "text")
    assert result.returncode == 2 and "--format text" in result.stderr


def test_an_unreadable_page_is_named_once(tmp_path):
    missing = tmp_path / "missing.html"
    result = vnnews("clean", str(missing))
    assert result.returncode == 2 and result.stderr.count(str(missing)) == 1, result.stderr


# --- 7. report: corpus totals, history, dupes; --check prints only problems; 2. its alerts ----------

def _store_run(state, n_written: int, n_dup: int = 0, n_rejected: int = 0, pages: bool = True,
               finish: bool = True, tag: str = "") -> int:
    from crawler.corpus.state import DUPLICATE, REJECTED, WRITTEN

    run = state.start_run("s")
    for outcome, n, reason in ((WRITTEN, n_written, None), (DUPLICATE, n_dup, None),
                               (REJECTED, n_rejected, "not-article")):
        for i in range(n):
            url = f"http://s.vn/{tag}{run}-{outcome}-{i}"
            state.record(run, _page(url, outcome, reason, doc_id=url if outcome == WRITTEN else None,
                                    counts=("no-body",) if reason else ()))
    if pages and not (n_written or n_dup or n_rejected):
        state.count_page(run)
    if finish:
        state.finish_run(run, "finished")
    return run


def test_report_gives_corpus_totals_the_run_history_and_dupes(tmp_path):
    from crawler.corpus.state import CrawlState

    with closing(CrawlState(tmp_path)) as state:
        _store_run(state, 4, n_dup=1)
        _store_run(state, 2, n_rejected=1)
    result = vnnews("report", "--out", str(tmp_path), "--runs", "2")
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()[:2]
    assert "dupes" in header.split() and row.split()[1] == "#2"
    assert "  s     6 documents, 1 duplicates; rejected: not-article 1" in result.stdout
    history = [line for line in result.stdout.splitlines() if line.startswith("  #")]
    assert [line.split()[0] for line in history] == ["#2", "#1"]
    assert "written 4, dupes 1" in history[1]


def test_check_prints_only_the_problems(tmp_path):
    from crawler.corpus.state import CrawlState

    with closing(CrawlState(tmp_path)) as state:
        _store_run(state, 0, n_rejected=11)  # a first run: 11 of 11 article pages rejected
    result = vnnews("report", "--out", str(tmp_path), "--check")
    assert result.returncode == 1 and result.stdout == ""
    assert "site s: 11 of 11 article pages had no body" in result.stderr
    with closing(CrawlState(tmp_path / "ok")) as state:
        _store_run(state, 6)
    healthy = vnnews("report", "--out", str(tmp_path / "ok"), "--check")
    assert healthy.returncode == 0 and healthy.stdout == "" and healthy.stderr == ""


def test_check_alerts_on_a_site_that_fetched_nothing_idled_or_was_not_run(tmp_path):
    import datetime as dt

    from crawler.corpus.report import build_report, site_report
    from crawler.corpus.state import CrawlState

    with closing(CrawlState(tmp_path)) as state:
        _store_run(state, 6)
        _store_run(state, 0, pages=False)
        [report] = build_report(tmp_path)
        assert any("fetched nothing" in alert for alert in report.alerts)
        for _ in range(3):
            _store_run(state, 0, n_rejected=1)
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
        alerts = site_report(state, "s", now=later).alerts
    assert any("wrote nothing in its last 3 runs" in a for a in alerts)
    assert any(a.startswith("not run for 7") for a in alerts)


def test_a_dead_run_is_reported_killed_not_running(tmp_path):
    from crawler.corpus.state import CrawlState

    with closing(CrawlState(tmp_path)) as state:
        _store_run(state, 3, finish=False)  # the process died: no end, no lock held
    result = vnnews("report", "--out", str(tmp_path))
    row = result.stdout.splitlines()[1]
    assert "killed" in row.split() and "running" not in row.split()


# --- 5. Ctrl-C ----------------------------------------------------------------------------------------

def _slow_replica():
    import threading
    import time

    from replica.server import ReplicaHandler

    arrivals: list[float] = []
    lock = threading.Lock()

    class Slow(ReplicaHandler):
        def respond(self, with_body: bool) -> None:
            with lock:
                arrivals.append(time.monotonic())
            time.sleep(0.3)
            super().respond(with_body)

    return Slow, arrivals


def _start_interruptible(tmp_path: Path):
    import time

    handler, arrivals = _slow_replica()
    server = ReplicaServer()
    server.__enter__()
    server.RequestHandlerClass = handler
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", SITE, OTHER, "--replica",
                             f"127.0.0.1:{server.port}", "--out", str(out),
                             # a politeness delay, as on live sites: requests wait in the downloader
                             "-s", "DOWNLOAD_DELAY=0.4"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(arrivals) < 6 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    return server, proc, arrivals, out


def test_after_the_first_ctrl_c_no_new_request_starts(tmp_path):
    import signal
    import time

    server, proc, arrivals, out = _start_interruptible(tmp_path)
    try:
        signalled = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        stopped = time.monotonic() - signalled
    finally:
        server.__exit__(None, None, None)
    late = [t - signalled for t in arrivals if t > signalled + 0.25]
    assert not late, f"{len(late)} request(s) started after Ctrl-C"
    assert stopped < 5, stopped
    assert proc.returncode == 130, stderr[-2000:]  # stopped by a signal, not a finished run
    assert "[not started]" not in stdout
    with closing(sqlite3.connect(out / "state" / "crawl.sqlite")) as db:
        outcomes = {row[0] for row in db.execute("SELECT outcome FROM runs")}
    assert outcomes <= {"shutdown", "finished"}, outcomes


def test_a_second_ctrl_c_stops_at_once_and_leaves_no_running_run(tmp_path):
    import signal
    import time

    server, proc, arrivals, out = _start_interruptible(tmp_path)
    try:
        signalled = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        stopped = time.monotonic() - signalled
    finally:
        server.__exit__(None, None, None)
    assert stopped < 3, stopped
    assert proc.returncode == 130, stderr[-2000:]
    assert "[not started]" not in stdout, stdout
    with closing(sqlite3.connect(out / "state" / "crawl.sqlite")) as db:
        outcomes = {row[0] for row in db.execute("SELECT outcome FROM runs")}
    assert "running" not in outcomes, outcomes
    report = vnnews("report", "--out", str(out))
    assert " running " not in report.stdout


def test_the_progress_line_counts_as_the_summary_does():
    from crawler.crawl.progress import progress_line

    stats = {"response_received_count": 22, "clean/rejected/not-article": 2, "clean/rejected/truncated": 1,
             "retry/max_reached": 1, "log_count/ERROR": 3, "corpus/written": 5}
    # the summary (the state store) says: rejections not-article 2; errors truncated 1, failed-requests 1
    assert "22 pages, 5 written, 2 rejected, 0 skipped, 2 errors" in progress_line("s", stats, 1.0)


# --- 10. validate ---------------------------------------------------------------------------------

def _validate(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return vnnews("validate", *[str(tmp_path / name) for name in files], "--no-fixtures")


def test_a_duplicate_key_is_refused_with_both_lines(tmp_path):
    done = _validate(tmp_path, {"dup.yaml": "name: dup\ntitle: D\ndomains: [dup.example]\nextract: {}\n"
                                            "# extract:\nextract:\n  body: ['#x']\n"})
    assert done.returncode == 1
    assert "dup.yaml:6: extract: duplicate key: given at line 4 and again at line 6" in done.stdout


def test_every_problem_of_every_file_in_one_pass(tmp_path):
    done = _validate(tmp_path, {
        "regex.yaml": "name: regex\ntitle: R\ndomains: [r.example]\nprofile: nosuch\narticles:\n  allow: ['(']\n",
        "named.yaml": "name: other\ntitle: N\ndomains: [n.example]\nprofile: nosuch2\n"})
    assert done.returncode == 1
    out = done.stdout
    assert "regex.yaml:6: articles.allow[0]: expected a regular expression" in out
    assert "regex.yaml:4: profile: expected the name of a profile" in out and "'nosuch'" in out
    assert "named.yaml:1: name: expected 'named' (the file name), got 'other'" in out
    assert "named.yaml:4: profile: expected the name of a profile" in out and "'nosuch2'" in out


@pytest.mark.parametrize("text,line,words", [
    ('name: e\ntitle: E\ndomains: [e.example]\narticles:\n  allow: ["^/\\d+"]\n', 5, "write regexes in single quotes"),
    ("name: t\ntitle: T\ndomains: [t.example]\narticles:\n\tallow: [a]\n", 5, "tab"),
    ("name: i\ntitle: I\ndomains: [i.example]\narticles:\n  allow: [a]\n deny: [b]\n", 6, "indentation"),
])
def test_yaml_syntax_errors_are_explained_with_line_and_hint(tmp_path, text, line, words):
    done = _validate(tmp_path, {"bad.yaml": text})
    assert done.returncode == 1
    assert f"bad.yaml:{line}: (top level): invalid YAML: " in done.stdout and words in done.stdout, done.stdout


def test_a_date_that_does_not_exist_is_a_located_problem_not_a_crash(tmp_path):
    done = _validate(tmp_path, {"d.yaml": "name: d\ntitle: D\ndomains: [d.example]\nstart_date: 2024-13-01\n"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "d.yaml: (top level): invalid YAML: a date that does not exist" in done.stdout


def test_regexes_are_echoed_as_written(tmp_path):
    done = _validate(tmp_path, {"r.yaml": "name: r\ntitle: R\ndomains: [r.example]\narticles:\n"
                                          "  allow: ['^/(\\d+\\.html$']\n"})
    assert "got '^/(\\d+\\.html$' (missing )" in done.stdout, done.stdout


# --- 12. try --save -----------------------------------------------------------------------------------

def test_try_save_stores_the_page_gzipped_as_a_fixture_with_its_expected_output(server, tmp_path):
    import gzip

    from replica import article_urls

    url = article_urls(SITE)[0]
    fixtures = tmp_path / "fixtures"
    done = vnnews("try", SITE, url, "--save", "--fixtures", str(fixtures), env={"VNNEWS_REPLICA": server})
    assert done.returncode == 0, done.stderr
    [page] = list((fixtures / SITE).glob("*.html.gz"))
    name = page.name[:-len(".html.gz")]
    assert gzip.decompress(page.read_bytes()).startswith(b"<")
    meta = json.loads((fixtures / SITE / f"{name}.meta.json").read_text(encoding="utf-8"))
    assert meta["url"] == url and meta["title"]
    assert (fixtures / SITE / f"{name}.txt").read_text(encoding="utf-8").startswith(meta["title"])
    assert "saved fixture" in done.stderr and "git diff" in done.stderr
    checked = vnnews("fixtures", SITE, "--fixtures", str(fixtures))
    assert checked.returncode == 0 and checked.stdout.endswith("1/1 pages pass\n"), checked.stdout
    again = vnnews("try", SITE, url, "--save", "--fixtures", str(fixtures), env={"VNNEWS_REPLICA": server})
    assert again.returncode == 0 and len(list((fixtures / SITE).glob("*.html.gz"))) == 2  # never overwritten


def test_the_systemd_unit_agrees_with_the_exit_statuses_and_the_stop_time():
    """deploy/vnnews-crawl.service: a busy folder (75) and a stop by systemd (130) are not failures,
    the stop signal is the graceful one, and systemd waits longer than the longest download."""
    from crawler.crawl import runner
    from crawler.crawl import settings

    unit = dict(line.split("=", 1) for line in (REPO / "deploy" / "vnnews-crawl.service").read_text().splitlines()
                if "=" in line and not line.startswith("#"))
    assert set(unit["SuccessExitStatus"].split()) == {str(runner.EXIT_BUSY), str(runner.EXIT_INTERRUPTED)}
    assert unit["KillSignal"] == "SIGINT"
    assert int(unit["TimeoutStopSec"]) > settings.DOWNLOAD_TIMEOUT
