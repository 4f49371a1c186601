"""scrapyd, run the way docs/operations.md ("Scheduling", scrapyd) tells an operator to:
build the egg with `scrapyd-deploy --build-egg` from a copy of the project, start scrapyd on
loopback with its own scrapyd.conf (max_proc 1) and VNNEWS_CONFIG pointing at config/,
upload the egg with addversion.json, list the spiders, schedule one site with schedule.json
against the loopback replica, wait for listjobs.json to report it finished, and check the
corpus it wrote into VNNEWS_OUTPUT. About 15 s."""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("scrapyd", reason="scrapyd is not installed: pip install -e '.[test]'")
pytest.importorskip("scrapyd_client", reason="scrapyd-client is not installed: pip install -e '.[test]'")
requests = pytest.importorskip("requests", reason="requests (a scrapyd-client dependency) is not installed")

from crawler.crawl.runner import replica_settings  # noqa: E402
from crawler.registry import load_registry  # noqa: E402
from replica import ReplicaServer, article_urls  # noqa: E402
from crawler.urls import Canonicalizer  # noqa: E402

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parent.parent
SITE = "baolaichau"
SITE_SAMPLES = sorted((REPO / "tests" / "fixtures" / "sites" / SITE).glob("sample-*.txt"))
SHARED_EXPECTED = REPO.parent / "shared" / "samples" / "expected"
# what is not part of the project: version control, the virtualenv, build and run leftovers
NOT_PROJECT = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".hypothesis", "output", "tests")
START_TIMEOUT = 20  # s for scrapyd to answer
JOB_TIMEOUT = 60  # s for the scheduled crawl to finish


def deploy_project() -> str:
    """The project name of scrapy.cfg's default [deploy] target, as scrapyd-deploy uses it."""
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "scrapy.cfg", encoding="utf-8")
    return cfg.get("deploy", "project")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, chars: int = 6000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else f"({path} missing)"


def checkout_state() -> list[str]:
    """What git sees of the leftovers of an egg build in the checkout, ignored files included:
    the setup.py scrapyd-deploy writes when there is none, build/, dist/, eggs, egg-info."""
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    leftovers = re.compile(r"^(setup\.py|build/|dist/|[^/]*\.egg(-info/)?)$")
    return [line for line in status if leftovers.match(line[3:])]


@pytest.fixture(scope="module")
def egg(tmp_path_factory):
    """scrapyd-deploy --build-egg run in a copy of the project: it writes a setup.py (the
    project has none) and build/ where it runs, so never in the checkout."""
    before = checkout_state()
    work = tmp_path_factory.mktemp("egg")
    project = work / "vnnews"
    shutil.copytree(REPO, project, ignore=NOT_PROJECT)
    path = work / "vnnews.egg"
    result = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "--build-egg", str(path)],
                            cwd=project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and path.is_file(), result.stdout + result.stderr[-4000:]
    return dict(path=path, before=before, after=checkout_state())


class Scrapyd:
    """A scrapyd server on 127.0.0.1 in its own folder: its scrapyd.conf, eggs, logs and dbs all
    there. HOME points there too, so no ~/.scrapyd.conf of the machine is read. items_dir stays
    empty: the documents go to VNNEWS_OUTPUT, and a feed export of the page items (raw bytes)
    would log a TypeError for every page."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = root / "scrapyd.out"
        (root / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {root / 'eggs'}\n"
            f"logs_dir = {root / 'logs'}\n"
            f"dbs_dir = {root / 'dbs'}\n"
            "items_dir =\n"
            "max_proc = 1\n"
            "poll_interval = 0.5\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "VNNEWS_"))}
        # the replica is test infrastructure, outside the egg: the crawl process finds it on PYTHONPATH
        env.update(VNNEWS_CONFIG=str(REPO / "config"), HOME=str(root), PYTHONPATH=str(REPO))
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=root, env=env,
                                            stdout=out, stderr=subprocess.STDOUT)

    def get(self, endpoint: str, **params) -> dict:
        response = requests.get(self.url + endpoint, params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, endpoint: str, data, files=None) -> dict:
        response = requests.post(self.url + endpoint, data=data, files=files, timeout=60)
        response.raise_for_status()
        return response.json()

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"scrapyd exited with {self.process.returncode}:\n{tail(self.log)}")
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return
            except requests.RequestException:
                time.sleep(0.2)
        pytest.fail(f"scrapyd did not answer on {self.url} within {START_TIMEOUT} s:\n{tail(self.log)}")

    def job_log(self, project: str, spider: str, job: str) -> Path:
        return self.root / "logs" / project / spider / f"{job}.log"

    def stop(self) -> None:
        """Kill any job still running (scrapyd does not stop its jobs when it stops), then scrapyd."""
        if self.process.poll() is None:
            try:
                for project in self.get("listprojects.json").get("projects", []):
                    for job in self.get("listjobs.json", project=project).get("running", []):
                        self.post("cancel.json", {"project": project, "job": job["id"], "signal": "KILL"})
            except requests.RequestException:
                pass
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    server = Scrapyd(tmp_path_factory.mktemp("scrapyd"))
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def deployed(scrapyd, egg):
    """The egg uploaded as scrapyd-deploy uploads it: addversion.json, project of scrapy.cfg."""
    project = deploy_project()
    with egg["path"].open("rb") as f:
        answer = scrapyd.post("addversion.json", {"project": project, "version": "1"},
                              files=[("egg", ("project.egg", f))])
    assert answer["status"] == "ok", answer
    assert answer["spiders"] == len(load_registry().sites), answer  # scrapyd lists them on upload
    return project


@pytest.fixture(scope="module")
def job(scrapyd, deployed, tmp_path_factory):
    """One site scheduled with schedule.json against the replica; waits until it finished."""
    out = tmp_path_factory.mktemp("scrapyd-output") / "output"
    with ReplicaServer() as replica:
        settings = {**replica_settings(f"127.0.0.1:{replica.port}"), "VNNEWS_OUTPUT": str(out)}
        data = [("project", deployed), ("spider", SITE)] + [("setting", f"{k}={v}") for k, v in settings.items()]
        answer = scrapyd.post("schedule.json", data)
        assert answer["status"] == "ok", answer
        job_id = answer["jobid"]
        log = scrapyd.job_log(deployed, SITE, job_id)
        deadline = time.monotonic() + JOB_TIMEOUT
        while True:
            jobs = scrapyd.get("listjobs.json", project=deployed)
            if any(j["id"] == job_id for j in jobs["finished"]):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"job {job_id} ({SITE}) not finished after {JOB_TIMEOUT} s: {jobs}\n"
                            f"job log {log}:\n{tail(log)}\nscrapyd:\n{tail(scrapyd.log)}")
            time.sleep(0.3)
    return dict(id=job_id, out=out, log=log, log_text=log.read_text(encoding="utf-8", errors="replace"))


def read_manifest(out: Path) -> list[dict]:
    path = out / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_the_egg_is_built_without_touching_the_checkout(egg):
    assert egg["after"] == egg["before"]


def test_the_egg_carries_the_code_and_the_settings_entry_point(egg):
    with zipfile.ZipFile(egg["path"]) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode() if "EGG-INFO/entry_points.txt" in names else ""
    assert {"crawler/crawl/settings.py", "crawler/crawl/sitespiders.py", "cleaners/cleaner.py"} <= names
    parsed = configparser.ConfigParser()
    parsed.read_string(entry_points)
    assert parsed.get("scrapy", "settings", fallback=None) == "crawler.crawl.settings", entry_points


def test_listspiders_lists_every_configured_site(scrapyd, deployed):
    answer = scrapyd.get("listspiders.json", project=deployed)
    assert answer["status"] == "ok", answer
    assert sorted(answer["spiders"]) == sorted(load_registry().sites)


def test_the_job_finishes_cleanly(job):
    assert "'finish_reason': 'finished'" in job["log_text"], tail(job["log"])
    assert "Traceback" not in job["log_text"] and "log_count/ERROR" not in job["log_text"], tail(job["log"])


def shared_samples(site: str) -> list[Path]:
    """The ../shared expected texts of the site (their meta names it by domain), if present."""
    domains = tuple(load_registry().sites[site].domains)
    return [txt for txt in sorted(SHARED_EXPECTED.glob("*.txt"))
            if json.loads(txt.with_suffix(".meta.json").read_text(encoding="utf-8"))
            .get("site_hint", "").startswith(domains)]


def test_the_sample_article_lands_byte_identical(job):
    assert SITE_SAMPLES, f"no sample-*.txt for {SITE} in tests/fixtures/sites"
    manifest = read_manifest(job["out"])
    for sample in SITE_SAMPLES + shared_samples(SITE):
        digest = hashlib.sha256(sample.read_bytes()).hexdigest()
        entry = next((e for e in manifest if e["text_sha256"] == digest), None)
        assert entry is not None, f"{sample} is not in the corpus of job {job['id']}:\n{tail(job['log'])}"
        assert entry["site"] == SITE
        assert (job["out"] / entry["file"]).read_bytes() == sample.read_bytes()


def test_the_job_keeps_exactly_the_good_articles_of_its_site(job):
    canonical = Canonicalizer(load_registry())
    manifest = read_manifest(job["out"])
    assert {e["site"] for e in manifest} == {SITE}
    kept = {e["canonical_url"] for e in manifest}
    good = {canonical(u) for u in article_urls(SITE)}
    assert kept == good, ("missing", sorted(good - kept), "extra", sorted(kept - good))


def test_output_goes_to_VNNEWS_OUTPUT_only(job, scrapyd):
    assert (job["out"] / "state" / "crawl.sqlite").is_file()
    assert list((job["out"] / "raw").glob("*.warc.gz")), "no WARC archive in the output folder"
    assert not (scrapyd.root / "output").exists(), "the job wrote into scrapyd's working folder"


def test_the_output_passes_verify(job):
    result = subprocess.run([sys.executable, "-m", "crawler.cli", "verify", "--out", str(job["out"])],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
