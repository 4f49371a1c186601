"""`vnnews report`: the per-site report, its JSON, and the site-health check — the rule on
made-up run histories, then a simulated template change crawled through the replica."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from replica import ReplicaServer
from crawler.corpus.report import ALERT_SHARE, MIN_ARTICLES, health
from crawler.corpus.state import CrawlState, PageRecord

REPO = Path(__file__).resolve().parent.parent
CHANGED, STEADY = "baolaichau", "baovinhphuc"


def vnnews(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def run(run_id: int, articles: int, bad: int, generic: int = 0) -> dict:
    return {"id": run_id, "counts": {"articles": articles, "no-body": bad, "generic": generic}}


# --- the rule ------------------------------------------------------------------------------------

def test_a_jump_against_a_clean_history_is_flagged():
    verdict = health([run(1, 20, 0), run(2, 20, 1), run(3, 20, 12)])
    assert verdict.judged and verdict.flagged
    assert verdict.share == pytest.approx(0.6) and verdict.run_id == 3


def test_generic_fallbacks_count_like_missing_bodies():
    assert health([run(1, 20, 0), run(2, 20, 0, generic=10)]).flagged


def test_a_share_below_the_threshold_is_not_flagged():
    assert not health([run(1, 20, 0), run(2, 20, int(20 * ALERT_SHARE) - 1)]).flagged


def test_a_site_that_always_had_many_bodiless_pages_is_not_flagged():
    """40% is high, but not three times its usual 20%: no template change."""
    assert not health([run(1, 20, 4), run(2, 20, 4), run(3, 20, 8)]).flagged


def test_runs_with_few_article_pages_are_not_judged():
    verdict = health([run(1, 20, 0), run(2, MIN_ARTICLES - 1, MIN_ARTICLES - 1)])
    assert not verdict.flagged and verdict.run_id == 1


def test_no_history_no_verdict():
    verdict = health([run(1, 20, 20)])
    assert not verdict.judged and not verdict.flagged and "no earlier run" in verdict.note


# --- the command on a made-up store --------------------------------------------------------------------

def record(state: CrawlState, run_id: int, n: int, outcome: str, reason: str | None = None,
           counts: tuple[str, ...] = ()) -> None:
    for i in range(n):
        url = f"http://s.vn/{run_id}-{outcome}-{i}"
        state.record(run_id, PageRecord([url], "s", url, "2024-05-01T00:00:00Z", 200, outcome, reason,
                                        "no article body" if "no-body" in counts else None, counts=counts))


@pytest.fixture
def made_up(tmp_path):
    with closing(CrawlState(tmp_path)) as state:
        first = state.start_run("s")
        record(state, first, 10, "written")
        state.finish_run(first, "finished")
        second = state.start_run("s")
        record(state, second, 2, "written")
        record(state, second, 8, "rejected", "not-article", ("no-body",))
        record(state, second, 1, "error", "http-error")
        state.finish_run(second, "finished", {"skipped": 10, "failed-requests": 2})
    return tmp_path


def test_report_reads_the_last_run(made_up):
    result = vnnews("report", "--out", str(made_up))
    assert result.returncode == 0, result.stderr
    [row] = [line for line in result.stdout.splitlines() if line.startswith("s ")]
    assert row.split()[1] == "#2"  # the site's second run
    assert row.split()[4:11] == ["finished", "11", "2", "0", "10", "3", "0s"]  # ... written, dupes, skipped
    assert "not-article 8" in row
    assert "s: http-error 1, failed-requests 2" in result.stdout
    assert "s: TEMPLATE CHANGED? 73% of article pages" in result.stdout  # 8 of 11


def test_report_json_for_monitoring(made_up):
    result = vnnews("report", "--out", str(made_up), "--json")
    data = json.loads(result.stdout)
    [site] = data["sites"]
    assert site["site"] == "s" and site["runs"] == 2 and site["last_run"]["outcome"] == "finished"
    assert (site["pages"], site["written"], site["skipped"]) == (11, 2, 10)
    assert site["rejections"] == {"not-article": 8}
    assert site["errors"] == {"http-error": 1, "failed-requests": 2} and site["error_count"] == 3
    assert site["health"]["flagged"] and data["unhealthy"] == ["s"]


def test_check_exits_1_naming_the_site(made_up):
    result = vnnews("report", "--out", str(made_up), "--check")
    assert result.returncode == 1
    assert "site s:" in result.stderr


@pytest.mark.parametrize("args,message", [
    (["--out", "{tmp}/nothing-here"], "no crawl state"),
    (["--min-pages", "0"], "--min-pages 0: expected 1 or more"),
    (["unknown-site"], "no crawl of unknown-site"),
])
def test_report_bad_input_exits_2(made_up, tmp_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--out" not in args:
        args += ["--out", str(made_up)]
    result = vnnews("report", *args)
    assert result.returncode == 2
    assert message in result.stderr


# --- a template change, crawled --------------------------------------------------------------------------

def changed_config(tmp_path: Path) -> Path:
    """The config with baolaichau's body selector pointing at markup the site no longer has,
    as after a redesign of the site."""
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    site = config / "sites" / f"{CHANGED}.yaml"
    text = site.read_text(encoding="utf-8")
    assert "body: ['#article-body']" in text
    site.write_text(text.replace("body: ['#article-body']", "body: ['#article-body-2025']"), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def after_redesign(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redesign")
    out = tmp / "out"
    with ReplicaServer() as server:
        replica = f"127.0.0.1:{server.port}"
        before = vnnews("crawl", CHANGED, STEADY, "--replica", replica, "--out", str(out))
        after = vnnews("crawl", CHANGED, STEADY, "--replica", replica, "--out", str(out), "--refresh",
                       "--config", str(changed_config(tmp)))
    assert before.returncode == 0, before.stderr[-3000:]
    # every article page of the changed site rejected: the run failed, and says which site and why
    assert after.returncode == 1, after.stderr[-3000:]
    assert f"  {CHANGED}: wrote nothing of " in after.stdout and f"  {STEADY}: wrote" not in after.stdout
    return out, before, after


def test_a_healthy_history_passes_the_check(after_redesign):
    out, before, _ = after_redesign
    assert "warning:" not in before.stdout


def test_the_crawl_summary_warns_about_the_changed_site(after_redesign):
    _, _, after = after_redesign
    assert f"warning: {CHANGED}: TEMPLATE CHANGED?" in after.stdout
    assert f"warning: {STEADY}" not in after.stdout


def test_check_fails_naming_the_changed_site_only(after_redesign):
    out, _, _ = after_redesign
    result = vnnews("report", "--out", str(out), "--check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"site {CHANGED}:" in result.stderr
    assert STEADY not in result.stderr
    data = json.loads(vnnews("report", "--out", str(out), "--json").stdout)
    assert data["unhealthy"] == [CHANGED]
