"""Two scrapyd nodes against one: wall-clock time to crawl the replica sites at their politeness.

    python benchmarks/cluster.py [--sites N] [--max-proc 2] [--rounds 1]

Each round starts fresh scrapyd nodes on loopback (replica/scrapyd_node.py; HTTP
authentication on, as the cluster commands require), deploys the egg with the cluster code
(crawler/cluster), schedules every chosen site through `schedule.json` against the loopback
replica with each site's own politeness delay and concurrency from its YAML (the delay is
what bounds a polite crawl: `VNNEWS_SITE_POLITENESS` stays on, only the DNS goes to the
replica), and times from the first schedule until every job is finished. One node and two
nodes alternate within a round, so both see the same load of the (shared) machine.

A node runs at most `--max-proc` jobs (one site each) at once, like a scrapyd node sized to
its cores; with more sites than one node's slots, a second node takes half the sites and
the crawl should take about half the time. The split of the sites is rendezvous hashing's
(crawler/cluster/assign.py): with few sites it is rarely even, and the busier node bounds
the ratio, so the table also shows the ratio that split allows. Timing lives here, never in
tests; the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from crawl_speed import machine_line  # noqa: E402

from crawler.cluster import ops  # noqa: E402
from crawler.cluster.assign import assign  # noqa: E402
from crawler.cluster.egg import build_egg  # noqa: E402
from crawler.cluster.nodes import Cluster, NodeSpec, normalize_url  # noqa: E402
from crawler.cluster.scrapyd import Credentials, Node  # noqa: E402
from replica import ReplicaServer, site_names  # noqa: E402
from replica.scrapyd_node import LocalScrapyd  # noqa: E402

USER, PASSWORD = "bench", os.urandom(12).hex()
JOB_TIMEOUT = 1800


def crawl(work: Path, egg: bytes, sites: list[str], nodes: int, max_proc: int, replica: str) -> dict:
    """Start `nodes` scrapyd nodes, deploy, schedule `sites`, wait; seconds and documents."""
    started = [LocalScrapyd(work / f"node{i}", USER, PASSWORD, max_proc=max_proc) for i in range(nodes)]
    try:
        specs = [NodeSpec(normalize_url(n.url), str(n.output)) for n in started]
        cluster = Cluster("vnnews", specs)
        clients = {s.url: Node(s.url, Credentials(USER, PASSWORD), timeout=30) for s in specs}
        for result in ops.deploy(cluster, clients, egg, "1", insecure=False, expected_spiders=None):
            if not result.ok:
                raise RuntimeError(result.detail)
        settings = {"VNNEWS_REPLICA": replica, "VNNEWS_PROGRESS": "off"}  # politeness stays on
        split = {url: sum(1 for owner in assign(sites, list(clients)).values() if owner == url) for url in clients}
        begin = time.perf_counter()
        _, rows = ops.schedule(cluster, clients, sites, settings, insecure=False)
        failed = [r for r in rows if r.action == "failed"]
        if failed:
            raise RuntimeError(f"not scheduled: {failed}")
        deadline = begin + JOB_TIMEOUT
        while True:
            jobs = [client.list_jobs("vnnews") for client in clients.values()]
            if not any(j["pending"] or j["running"] for j in jobs):
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"not finished after {JOB_TIMEOUT} s")
            time.sleep(0.25)
        seconds = time.perf_counter() - begin
        _, status = ops.status(cluster, clients, sites)
        bad = [r for r in status if r.state != "finished"]
        if bad:
            raise RuntimeError(f"jobs failed: {[(r.site, r.detail) for r in bad]}")
        documents = sum(len((n.output / s / "manifest.jsonl").read_text().splitlines())
                        for n in started for s in sites if (n.output / s / "manifest.jsonl").exists())
        return dict(nodes=nodes, seconds=seconds, documents=documents, split=sorted(split.values(), reverse=True))
    finally:
        for node in started:
            node.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=0, help="crawl the first N replica sites (default: all)")
    parser.add_argument("--max-proc", type=int, default=2, help="jobs a node runs at once (default 2)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of one node then two (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)
    sites = sorted(site_names())  # the configured sites the replica serves
    sites = sites[:args.sites] if args.sites else sites
    print(machine_line())
    print(f"{len(sites)} replica sites at their politeness delays, {args.max_proc} jobs per node at once")
    egg = build_egg()
    runs = []
    with ReplicaServer() as replica, tempfile.TemporaryDirectory(prefix="vnnews-cluster-bench-") as tmp:
        for number in range(args.rounds):
            for nodes in (1, 2):
                run = crawl(Path(tmp) / f"r{number}n{nodes}", egg, sites, nodes, args.max_proc,
                            f"127.0.0.1:{replica.port}")
                runs.append(run)
                print(f"round {number + 1}, {nodes} node(s): {run['seconds']:.1f} s, {run['documents']} documents, "
                      f"sites per node {run['split']}", flush=True)
    one = statistics.median(r["seconds"] for r in runs if r["nodes"] == 1)
    two = statistics.median(r["seconds"] for r in runs if r["nodes"] == 2)
    splits = [r["split"] for r in runs if r["nodes"] == 2]
    allowed = statistics.median(len(sites) / s[0] for s in splits)
    print("| nodes | wall clock (median) | documents | ratio |")
    print("|---|---|---|---|")
    print(f"| 1 | {one:.1f} s | {runs[0]['documents']} | 1.00x |")
    print(f"| 2 | {two:.1f} s | {runs[1]['documents']} | {one / two:.2f}x (the split allows {allowed:.2f}x) |")
    if args.json:
        print(json.dumps({"sites": len(sites), "max_proc": args.max_proc, "runs": runs, "ratio": one / two}))
    if any(r["documents"] != runs[0]["documents"] for r in runs):
        print("documents differ between runs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
