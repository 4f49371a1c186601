"""Deploy, schedule and follow the sites on the scrapyd nodes of a cluster.

- The unit is the site: one scrapyd job crawls one site, on one node at a time, into the
  node's `<output>/<site>` folder (its own corpus, raw archive and state store, so jobs of
  one node never wait on each other's output lock). `vnnews merge <output>… --into DIR`
  makes one corpus of every node's folders.
- A site goes to the reachable node that rendezvous hashing (assign.py) picks. A site that
  is pending or running on any node is not scheduled again. A node that does not answer is
  left out, so its sites move to their next-best node at this `schedule`, and back when it
  answers again (the merge dedups what two nodes crawled).
- A node that answers without HTTP authentication runs whatever egg or job anyone who
  reaches its port sends: deploy and schedule refuse it unless `insecure` is given.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crawler.cluster.assign import assign
from crawler.cluster.nodes import Cluster
from crawler.cluster.scrapyd import Node, NodeError, Unauthorized, Unreachable

ACTIVE = ("pending", "running")
FINISHED_OK = "'finish_reason': 'finished'"


@dataclass
class NodeState:
    url: str
    reachable: bool = False
    open: bool | None = None  # answers without credentials
    error: str = ""
    jobs: dict = field(default_factory=dict)  # listjobs.json answer

    @property
    def usable(self) -> bool:
        return self.reachable and not self.error

    def active_sites(self) -> dict[str, dict]:
        return {job["spider"]: job for state in ACTIVE for job in self.jobs.get(state, [])}


def probe(cluster: Cluster, nodes: dict[str, Node], insecure: bool, jobs: bool = True) -> dict[str, NodeState]:
    """Every node: does it answer, is it protected, what runs there."""
    states = {}
    for url, node in nodes.items():
        state = states[url] = NodeState(url)
        try:
            state.open = node.answers_without_credentials()
            state.reachable = True
            if state.open and not insecure:
                state.error = ("answers without HTTP authentication: anyone who reaches its port can deploy "
                               "and run code there; set username and password in its scrapyd.conf "
                               "(docs/scaling.md), or pass --insecure")
                continue
            node.status()  # with our credentials: a wrong password shows here
            if jobs and cluster.project in node.list_projects():  # not deployed yet: no jobs
                state.jobs = node.list_jobs(cluster.project)
        except Unreachable as exc:
            state.reachable, state.error = False, str(exc)
        except NodeError as exc:
            state.error = str(exc)
    return states


# --- deploy ------------------------------------------------------------------------------------

@dataclass
class DeployResult:
    node: str
    ok: bool
    detail: str


def deploy(cluster: Cluster, nodes: dict[str, Node], egg: bytes, version: str | None, insecure: bool,
           expected_spiders: int | None = None) -> list[DeployResult]:
    version = version or time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    states = probe(cluster, nodes, insecure, jobs=False)
    results = []
    for url, node in nodes.items():
        state = states[url]
        if not state.usable:
            results.append(DeployResult(url, False, f"not deployed: {state.error}"))
            continue
        try:
            answer = node.add_version(cluster.project, version, egg)
        except NodeError as exc:
            results.append(DeployResult(url, False, f"not deployed: {exc}"))
            continue
        spiders = answer.get("spiders")
        if expected_spiders is not None and spiders != expected_spiders:
            results.append(DeployResult(url, False, f"deployed version {version}, but the node lists {spiders} "
                                                    f"spiders, not {expected_spiders}: is VNNEWS_CONFIG set for "
                                                    "its scrapyd (docs/operations.md)?"))
        else:
            results.append(DeployResult(url, True, f"project {cluster.project} version {version}, {spiders} spiders"))
    return results


# --- schedule ----------------------------------------------------------------------------------

@dataclass
class ScheduleRow:
    site: str
    node: str  # where it runs now, or was sent; "" when nowhere
    action: str  # scheduled, running, pending, moved, failed
    job: str = ""
    detail: str = ""


def job_settings(cluster: Cluster, node: str, site: str, settings: dict) -> dict:
    output = cluster.output_of(node)
    if not output:
        raise ValueError(f"{node}: no output folder; give --output DIR (a path on the nodes) or "
                         "cluster.output in the file")
    return {**cluster.settings, **settings, "VNNEWS_OUTPUT": f"{output.rstrip('/')}/{site}"}


def schedule(cluster: Cluster, nodes: dict[str, Node], sites: list[str], settings: dict,
             insecure: bool) -> tuple[dict[str, NodeState], list[ScheduleRow]]:
    for spec in cluster.nodes:  # before anything is sent
        job_settings(cluster, spec.url, "", {})
    states = probe(cluster, nodes, insecure)
    usable = [url for url, state in states.items() if state.usable]
    active = {}
    for url in usable:
        for site, job in states[url].active_sites().items():
            active.setdefault(site, (url, job))
    rows = []
    full = assign(sites, list(nodes)) if nodes else {}
    owners = assign(sites, usable) if usable else {}
    for site in sites:
        if site in active:
            url, job = active[site]
            state = "running" if any(j["id"] == job["id"] for j in states[url].jobs.get("running", [])) else "pending"
            rows.append(ScheduleRow(site, url, state, job["id"], "already there: not scheduled again"))
            continue
        if not usable:
            rows.append(ScheduleRow(site, "", "failed", detail="no node can take it"))
            continue
        url = owners[site]
        moved = full[site] != url
        try:
            job = nodes[url].schedule(cluster.project, site, job_settings(cluster, url, site, settings))
        except NodeError as exc:
            hint = " (deploy first: vnnews cluster deploy)" if "not found" in str(exc) else ""
            rows.append(ScheduleRow(site, url, "failed", detail=f"{exc}{hint}"))
            continue
        detail = f"moved from {full[site]} ({states[full[site]].error or 'unusable'})" if moved else ""
        rows.append(ScheduleRow(site, url, "moved" if moved else "scheduled", job, detail))
    return states, rows


# --- status ------------------------------------------------------------------------------------

@dataclass
class StatusRow:
    node: str
    site: str
    state: str  # pending, running, finished, failed
    job: str
    started: str = ""
    ended: str = ""
    detail: str = ""
    report: dict | None = None  # the site's `vnnews report --json` record, where the output is reachable

    def to_record(self) -> dict:
        return asdict(self)


def judge_log(log: str | None) -> tuple[str, str]:
    """finished or failed, from the end of a job's log (its stats): listjobs.json says
    `finished` whatever the outcome."""
    if log is None:
        return "finished", "no log on the node"
    tail = log[-20000:]
    if "Traceback" in tail and FINISHED_OK not in tail:
        return "failed", "the job died with a traceback (see its log)"
    if FINISHED_OK not in tail:
        import re

        reason = re.search(r"'finish_reason': '([^']*)'", tail)
        return "failed", f"finish_reason {reason.group(1)}" if reason else "no finish_reason in its log"
    errors = tail.count("log_count/ERROR")
    return ("failed", "errors in its log (log_count/ERROR)") if errors else ("finished", "")


def local_report(output: str | None, site: str) -> dict | None:
    """The site's report where its output folder is reachable from here (same machine, a mount)."""
    if not output:
        return None
    folder = Path(output) / site
    if not (folder / "state").is_dir():
        return None
    from crawler.corpus.report import NoState, build_report
    from crawler.corpus.state import StateError

    try:
        reports = build_report(folder, [site])
    except (NoState, StateError):
        return None
    return reports[0].to_record() if reports else None


def status(cluster: Cluster, nodes: dict[str, Node], sites: list[str], with_logs: bool = True
           ) -> tuple[dict[str, NodeState], list[StatusRow]]:
    states = probe(cluster, nodes, insecure=True)  # reading: an open node is reported, not refused
    rows = []
    for url, state in states.items():
        if not state.usable:
            continue
        latest: dict[str, tuple[str, dict]] = {}
        for kind in ("finished", "running", "pending"):  # an active job wins over a finished one
            for job in state.jobs.get(kind, []):
                if job["spider"] in sites:
                    latest[job["spider"]] = (kind, job)
        for site, (kind, job) in sorted(latest.items()):
            row = StatusRow(url, site, kind, job["id"], job.get("start_time") or "", job.get("end_time") or "")
            if kind == "finished":
                older = [j for j in state.jobs["finished"] if j["spider"] == site]
                job = max(older, key=lambda j: j.get("end_time") or "")
                row.job, row.started, row.ended = job["id"], job.get("start_time") or "", job.get("end_time") or ""
                if with_logs:
                    try:
                        row.state, row.detail = judge_log(nodes[url].job_log(cluster.project, site, job["id"]))
                    except NodeError as exc:
                        row.detail = f"log unreadable: {exc}"
            row.report = local_report(cluster.output_of(url), site)
            rows.append(row)
    return states, rows
