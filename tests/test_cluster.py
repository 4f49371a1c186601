"""`vnnews cluster` and `vnnews merge` with real scrapyd processes on loopback.

Two scrapyd nodes with HTTP authentication, each in its own folder; the egg deployed with
`vnnews cluster deploy`, a few replica sites scheduled with `vnnews cluster schedule` (each
site into <node output>/<site>), followed with `vnnews cluster status`, merged with
`vnnews merge`: the merged corpus has exactly the documents and texts of a single-machine
crawl of the same sites. Then node A is killed (its whole process group, as a machine dies)
while its jobs run, `schedule` moves its sites to node B, and the merge of both nodes'
folders is still exactly the single-machine corpus. Credentials come from the environment
and never show in `ps`, the commands' output or the nodes' logs. About 60 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("scrapyd", reason="scrapyd is not installed: pip install -e '.[test]'")
pytest.importorskip("scrapyd_client", reason="scrapyd-client is not installed: pip install -e '.[cluster]'")

from crawler.cluster.assign import assign  # noqa: E402
from crawler.cluster.egg import build_egg  # noqa: E402
from crawler.cluster.nodes import normalize_url  # noqa: E402
from replica import ReplicaServer  # noqa: E402
from replica.scrapyd_node import LocalScrapyd, tail  # noqa: E402

pytestmark = pytest.mark.timeout(240)

REPO = Path(__file__).resolve().parent.parent
PER_NODE = 2  # sites each node crawls in the test
USER, PASSWORD = "vnnews-ops", "s3cret-Pa55-9f1c2e"
START_TIMEOUT = 30
JOB_TIMEOUT = 120


class Node(LocalScrapyd):
    """A scrapyd on loopback with HTTP authentication (replica/scrapyd_node.py)."""

    def __init__(self, root: Path, auth: bool = True, max_proc: int = 2):
        try:
            super().__init__(root, *((USER, PASSWORD) if auth else (None, None)), max_proc=max_proc,
                             start_timeout=START_TIMEOUT)
        except RuntimeError as exc:
            pytest.fail(str(exc))
        self.url = normalize_url(self.url)


def vnnews(*args: str, env_extra: dict | None = None, check: bool = True, timeout: int = 120):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VNNEWS_", "SCRAPYD_"))}
    env.update(env_extra or {})
    result = subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"vnnews {' '.join(args)} exited {result.returncode}:\n" \
                                       f"{result.stdout}\n{result.stderr}"
    return result


CREDS = {"VNNEWS_SCRAPYD_USERNAME": USER, "VNNEWS_SCRAPYD_PASSWORD": PASSWORD}
OUTPUTS: list[str] = []  # every command output of this module, checked for the password


def cluster(*args: str, check: bool = True, creds: dict | None = CREDS):
    result = vnnews("cluster", *args, env_extra=creds, check=check)
    OUTPUTS.append(result.stdout + result.stderr)
    return result


def wait_finished(nodes: list[Node], sites: list[str], spec: Path) -> dict:
    """Polls in-process (a `vnnews cluster status` process a poll is slow on a busy machine),
    then answers with the command's own --json."""
    from crawler.cluster import ops
    from crawler.cluster.nodes import from_options

    os.environ.update(CREDS)
    try:
        cluster_ = from_options(None, str(spec), None, None, REPO)
        clients = cluster_.clients()
    finally:
        for name in CREDS:
            os.environ.pop(name, None)
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        states, rows = ops.status(cluster_, clients, sites, with_logs=False)
        if {r.site for r in rows if r.state == "finished"} >= set(sites) and not any(
                r.state in ("pending", "running") for r in rows):
            return json.loads(cluster("status", "--file", str(spec), "--json", *sites, check=False).stdout)
        if time.monotonic() > deadline:
            pytest.fail(f"not finished after {JOB_TIMEOUT} s: {rows}\n" + "\n".join(tail(n.log) for n in nodes))
        time.sleep(0.3)


def corpus(out: Path) -> dict[str, str]:
    """{canonical URL: text} of an output folder."""
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    return {e["canonical_url"]: (out / e["file"]).read_text(encoding="utf-8") for e in entries}


@pytest.fixture(scope="module")
def egg(tmp_path_factory):
    path = tmp_path_factory.mktemp("egg") / "vnnews.egg"
    path.write_bytes(build_egg())
    return path


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as server:
        yield f"127.0.0.1:{server.port}"


@pytest.fixture(scope="module")
def sites(nodes):
    """A few replica sites, PER_NODE on each node (the ports, so the hashes, change every run)."""
    from replica import site_names

    owners = assign(sorted(site_names()), [n.url for n in nodes])
    chosen = []
    for node in nodes:
        chosen += [site for site, url in owners.items() if url == node.url][:PER_NODE]
    return sorted(chosen)


@pytest.fixture(scope="module")
def single(replica, sites, tmp_path_factory):
    """The same sites crawled on one machine by `vnnews crawl`."""
    out = tmp_path_factory.mktemp("single") / "output"
    vnnews("crawl", *sites, "--replica", replica, "--out", str(out), "--progress", "off")
    return corpus(out)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    root = tmp_path_factory.mktemp("nodes")
    started = []
    try:
        for name in ("a", "b"):
            started.append(Node(root / name))
        yield started
    finally:
        for node in started:
            node.stop()


@pytest.fixture(scope="module")
def deployed(nodes, egg):
    result = cluster("deploy", "--nodes", ",".join(n.url for n in nodes), "--egg", str(egg), "--version", "1")
    assert result.stdout.count(" ok ") == len(nodes), result.stdout
    return nodes


def test_rendezvous_moves_only_the_lost_nodes_sites():
    nodes = [f"http://10.0.0.{i}:6800/" for i in range(1, 5)]
    sites = [f"site{i}" for i in range(200)]
    before = assign(sites, nodes)
    after = assign(sites, nodes[:3])
    moved = {s for s in sites if before[s] != after[s]}
    assert moved == {s for s in sites if before[s] == nodes[3]}
    grown = assign(sites, nodes + ["http://10.0.0.9:6800/"])
    assert {s for s in sites if grown[s] != before[s]} == {s for s in sites if grown[s] == "http://10.0.0.9:6800/"}
    assert 30 < sum(1 for s in sites if before[s] == nodes[0]) < 70  # spread about evenly


def test_a_request_without_credentials_is_refused(nodes):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(nodes[0].url + "listprojects.json", timeout=5)
    assert refused.value.code == 401
    wrong = cluster("status", "--nodes", nodes[0].url, check=False,
                    creds={"VNNEWS_SCRAPYD_USERNAME": USER, "VNNEWS_SCRAPYD_PASSWORD": "wrong"})
    assert wrong.returncode == 1 and "401" in wrong.stdout, wrong.stdout + wrong.stderr


def test_deploy_refuses_a_node_without_authentication(tmp_path, egg):
    node = Node(tmp_path / "open", auth=False)
    try:
        refused = cluster("deploy", "--nodes", node.url, "--egg", str(egg), check=False)
        assert refused.returncode == 1 and "without HTTP authentication" in refused.stdout, refused.stdout
        assert not (node.root / "eggs").exists() or not any((node.root / "eggs").rglob("*.egg"))
        allowed = cluster("deploy", "--nodes", node.url, "--egg", str(egg), "--insecure")
        assert " ok " in allowed.stdout
    finally:
        node.stop()


def test_credentials_never_come_from_the_command_line(nodes):
    inline = cluster("status", "--nodes", f"http://{USER}:{PASSWORD}@127.0.0.1:{nodes[0].port}/", check=False)
    assert inline.returncode == 2 and "may not carry a username or password" in inline.stderr
    assert PASSWORD not in inline.stderr


def test_a_credentials_file_must_be_owner_only(nodes, tmp_path):
    path = tmp_path / "creds"
    path.write_text(f"{nodes[0].url} {USER}:{PASSWORD}\n", encoding="utf-8")
    path.chmod(0o644)
    loose = cluster("status", "--nodes", nodes[0].url, check=False, creds={"VNNEWS_SCRAPYD_CREDENTIALS": str(path)})
    assert loose.returncode == 2 and "chmod 600" in loose.stderr
    path.chmod(0o600)
    cluster("status", "--nodes", nodes[0].url, creds={"VNNEWS_SCRAPYD_CREDENTIALS": str(path)})


def ps_snapshot() -> str:
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout


def cluster_file(nodes: list[Node], path: Path) -> Path:
    """The cluster: section naming each node with its own output root (two nodes, one machine)."""
    lines = ["cluster:", "  nodes:"] + [f"    - url: {n.url}\n      output: {n.output}" for n in nodes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def merged(deployed, replica, sites, tmp_path_factory):
    """Both nodes crawl the sites, status follows them, merge joins the two outputs."""
    nodes = deployed
    work = tmp_path_factory.mktemp("merged")
    spec = cluster_file(nodes, work / "cluster.yaml")
    sched = cluster("schedule", "--file", str(spec), "--replica", replica, *sites)
    ps_during = ps_snapshot()
    answer = wait_finished(nodes, sites, spec)
    out = work / "merged"
    first = vnnews("merge", str(nodes[0].output), str(nodes[1].output), "--into", str(out), "--json")
    second = vnnews("merge", str(nodes[0].output), str(nodes[1].output), "--into", str(out), "--json")
    return dict(nodes=nodes, spec=spec, sched=sched, status=answer, out=out, ps=ps_during,
                first=json.loads(first.stdout), second=json.loads(second.stdout))


def test_every_site_runs_on_its_rendezvous_node(merged, sites):
    owners = assign(sites, [n.url for n in merged["nodes"]])
    ran = {r["site"]: r["node"] for r in merged["status"]["sites"]}
    assert ran == owners
    assert len(set(owners.values())) == 2, "the test's sites should use both nodes"
    assert {r["state"] for r in merged["status"]["sites"]} == {"finished"}, merged["status"]
    reports = {r["site"]: r["report"] for r in merged["status"]["sites"]}
    assert all(reports[s] and reports[s]["written"] > 0 for s in sites), reports
    for node in merged["nodes"]:  # one output folder per site, on the node that crawled it
        assert sorted(p.name for p in node.output.iterdir()) == sorted(s for s in sites if owners[s] == node.url)


def test_the_merged_corpus_is_the_single_machine_corpus(merged, single, sites):
    got = corpus(merged["out"])
    assert set(got) == set(single)
    assert got == single
    entries = [json.loads(line) for line in (merged["out"] / "manifest.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in entries] == list(range(len(entries)))
    assert [e["crawled_at"] for e in entries] == sorted(e["crawled_at"] for e in entries)
    assert {e["merged_from"]["dir"] for e in entries} == {str(n.output / s) for n in merged["nodes"]
                                                           for s in sites if (n.output / s).is_dir()}
    vnnews("verify", "--out", str(merged["out"]))


def test_a_second_merge_adds_nothing(merged):
    assert merged["first"]["added"] == merged["first"]["total"] > 0
    assert merged["second"]["added"] == 0 and merged["second"]["total"] == merged["first"]["total"]


def test_no_credential_in_ps_outputs_or_logs(merged):
    assert PASSWORD in (merged["nodes"][0].root / "scrapyd.conf").read_text()  # so the checks below can fail
    assert PASSWORD not in merged["ps"]
    for text in OUTPUTS:
        assert PASSWORD not in text
    for node in merged["nodes"]:
        for path in list((node.root / "logs").rglob("*.log")) + [node.log]:
            assert PASSWORD not in path.read_text(encoding="utf-8", errors="replace"), path


def test_a_dead_nodes_sites_move_and_the_merge_is_still_whole(merged, replica, single, sites, tmp_path_factory):
    """Fresh outputs; node A dies while its sites crawl (slowly: a politeness delay); the
    next schedule moves them to B, and does not schedule again what runs on B; the merge of
    A's partial folders and B's is whole."""
    nodes = merged["nodes"]
    work = tmp_path_factory.mktemp("dead")
    for node in nodes:
        node.output = work / node.root.name
    spec = cluster_file(nodes, work / "cluster.yaml")
    owners = assign(sites, [n.url for n in nodes])
    a = next(n for n in nodes if n.url == owners[sites[0]])
    b = next(n for n in nodes if n is not a)
    cluster("schedule", "--file", str(spec), "--replica", replica, "-s", "DOWNLOAD_DELAY=0.4", *sites)
    deadline = time.monotonic() + 60
    while not any(p.stat().st_size for p in a.output.glob("*/manifest.jsonl")):
        assert time.monotonic() < deadline, tail(a.log)
        time.sleep(0.2)
    a.kill()
    moved = json.loads(cluster("schedule", "--file", str(spec), "--replica", replica, *sites, "--json").stdout)
    rows = {r["site"]: r for r in moved["sites"]}
    assert not moved["nodes"][a.url]["reachable"]
    for site in sites:
        if owners[site] == a.url:
            assert rows[site]["action"] == "moved" and rows[site]["node"] == b.url, rows[site]
        else:
            assert rows[site]["action"] in ("running", "pending", "scheduled"), rows[site]
    wait_finished([b], sites, spec)
    out = work / "merged"
    vnnews("merge", str(a.output), str(b.output), "--into", str(out))
    assert corpus(out) == single
    vnnews("verify", "--out", str(out))
