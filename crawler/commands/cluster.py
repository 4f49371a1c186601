"""`vnnews cluster deploy|schedule|status`: the sites crawled across scrapyd nodes.

Contract: a table on stdout (one JSON object with --json). Exit 0 when every node did what
was asked; 1 when a node could not be deployed to, a site could not be scheduled, a node did
not answer (status) or a site's last job failed (status); 2 on bad usage (no nodes, a bad
cluster file or credentials file, an unknown site). Credentials come from the environment or
an owner-only file (crawler/cluster/nodes.py), never from an option. crawler/cluster/ops.py
states the rules; docs/scaling.md is the operator's guide.
"""

from __future__ import annotations

import json
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "cluster", help="deploy to, schedule on and follow scrapyd nodes (one site per job)",
        description="Crawl the configured sites across scrapyd nodes: every site is assigned to one node "
                    "by rendezvous hashing and crawled there into <output>/<site>; `vnnews merge` joins "
                    "the nodes' folders. Credentials: VNNEWS_SCRAPYD_USERNAME/VNNEWS_SCRAPYD_PASSWORD "
                    "or an owner-only file (VNNEWS_SCRAPYD_CREDENTIALS or cluster.credentials).")
    sub = parser.add_subparsers(dest="cluster_command", metavar="ACTION", parser_class=type(parser))
    parser.set_defaults(run=lambda args: _usage(parser))

    def common(p):
        p.add_argument("--nodes", metavar="URL[,URL…]", help="the scrapyd nodes (no credentials in URLs)")
        p.add_argument("--file", metavar="FILE", help="a YAML file with a cluster: section (docs/scaling.md)")
        p.add_argument("--output", metavar="DIR", help="output root on every node (one folder per site inside)")
        p.add_argument("--project", metavar="NAME", help="scrapyd project (default: scrapy.cfg's, vnnews)")
        p.add_argument("--config", metavar="DIR", help="config folder (default: config/ or $VNNEWS_CONFIG)")
        p.add_argument("--insecure", action="store_true",
                       help="deploy and schedule to nodes that answer without HTTP authentication")
        p.add_argument("--timeout", type=float, metavar="S", help="seconds to wait for a node (default 10)")
        p.add_argument("--json", action="store_true", help="print one JSON object")

    deploy = sub.add_parser("deploy", help="build the egg and upload it to every node (addversion.json)")
    common(deploy)
    deploy.add_argument("--egg", metavar="FILE", help="upload this egg instead of building one")
    deploy.add_argument("--version", metavar="V", help="version to deploy as (default: UTC time stamp)")
    deploy.set_defaults(run=run_deploy)

    schedule = sub.add_parser("schedule", help="schedule every site (or the named ones) on its node")
    common(schedule)
    schedule.add_argument("sites", nargs="*", metavar="SITE", help="only these sites (default: every site)")
    from crawler.commands.crawl import article_budget, since_date

    schedule.add_argument("--refresh", action="store_true", help="as vnnews crawl --refresh")
    schedule.add_argument("--since", metavar="YYYY-MM-DD", type=since_date, help="as vnnews crawl --since")
    schedule.add_argument("--max-articles", metavar="N", type=article_budget, help="as vnnews crawl --max-articles")
    schedule.add_argument("--replica", metavar="HOST:PORT",
                          help="send the jobs' requests to a loopback replica (tests, benchmarks)")
    schedule.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                          help="a Scrapy setting for every job (visible in the nodes' `ps`: never a secret)")
    schedule.set_defaults(run=run_schedule, progress=None)

    status = sub.add_parser("status", help="per node and site: pending, running, finished, failed")
    common(status)
    status.add_argument("sites", nargs="*", metavar="SITE", help="only these sites (default: every site)")
    status.add_argument("--no-logs", action="store_true", help="do not read the finished jobs' logs")
    status.set_defaults(run=run_status)


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _setup(args, command: str):
    """(cluster, clients, sites) or an exit code after printing the problem. Scrapy-free: the
    operator's machine needs neither Scrapy nor the crawl side to deploy or follow the nodes."""
    from cleaners.schema import ConfigErrors
    from crawler.cluster.egg import EggError, project_root
    from crawler.cluster.nodes import ClusterConfigError, from_options
    from crawler.registry import load_registry

    try:
        root = project_root()
    except EggError:
        root = None
    try:
        cluster = from_options(args.nodes, args.file, args.output, args.project, root)
        clients = cluster.clients(args.timeout)
        known = sorted(load_registry(args.config).sites)
    except ClusterConfigError as exc:
        print(f"vnnews cluster {command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigErrors as exc:
        print(f"vnnews cluster {command}: invalid configuration:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    names = list(dict.fromkeys(getattr(args, "sites", [])))
    unknown = [n for n in names if n not in known]
    if unknown or not known:
        print(f"vnnews cluster {command}: unknown site {', '.join(unknown)}; configured: {', '.join(known) or 'none'}"
              if unknown else f"vnnews cluster {command}: no sites configured (config/sites/*.yaml)", file=sys.stderr)
        return EXIT_USAGE
    return cluster, clients, names or known


def run_deploy(args) -> int:
    from crawler.cluster import ops
    from crawler.cluster.egg import EggError, build_egg

    setup = _setup(args, "deploy")
    if isinstance(setup, int):
        return setup
    cluster, clients, sites = setup
    try:
        if args.egg:
            with open(args.egg, "rb") as fh:
                egg = fh.read()
        else:
            egg = build_egg()
    except OSError as exc:
        print(f"vnnews cluster deploy: {args.egg}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except EggError as exc:
        print(f"vnnews cluster deploy: {exc}", file=sys.stderr)
        return EXIT_FAILED
    results = ops.deploy(cluster, clients, egg, args.version, args.insecure, expected_spiders=len(sites))
    if args.json:
        print(json.dumps({"project": cluster.project, "nodes": [r.__dict__ for r in results]}, ensure_ascii=False))
    else:
        for r in results:
            print(f"{r.node}  {'ok' if r.ok else 'FAILED'}  {r.detail}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def run_schedule(args) -> int:
    from crawler.cluster import ops
    from crawler.commands.crawl import parse_overrides, run_options
    from crawler.crawl.runner import UsageError, replica_settings

    setup = _setup(args, "schedule")
    if isinstance(setup, int):
        return setup
    cluster, clients, sites = setup
    try:
        settings = {**run_options(args), **parse_overrides(args.set)}
        if args.replica:
            settings = {**replica_settings(args.replica), **settings}
        states, rows = ops.schedule(cluster, clients, sites, settings, args.insecure)
    except (UsageError, ValueError) as exc:
        print(f"vnnews cluster schedule: {exc}", file=sys.stderr)
        return EXIT_USAGE
    problems = [s for s in states.values() if s.error]
    if args.json:
        print(json.dumps({"nodes": {u: {"reachable": s.reachable, "error": s.error} for u, s in states.items()},
                          "sites": [r.__dict__ for r in rows]}, ensure_ascii=False))
    else:
        for s in problems:
            print(f"{s.url}  {'unreachable' if not s.reachable else 'REFUSED'}  {s.error}")
        for r in rows:
            print(f"{r.site:<20} {r.action:<9} {r.node or '-':<28} {r.job or '-':<32} {r.detail}".rstrip())
    failed = [r for r in rows if r.action == "failed"]
    refused = [s for s in problems if s.reachable]  # a reachable node we would not use: a person must look
    return EXIT_FAILED if failed or refused else EXIT_OK


def run_status(args) -> int:
    from crawler.cluster import ops

    setup = _setup(args, "status")
    if isinstance(setup, int):
        return setup
    cluster, clients, sites = setup
    states, rows = ops.status(cluster, clients, sites, with_logs=not args.no_logs)
    if args.json:
        print(json.dumps({"nodes": {u: {"reachable": s.reachable, "open": s.open, "error": s.error}
                                    for u, s in states.items()},
                          "sites": [r.to_record() for r in rows]}, ensure_ascii=False))
    else:
        for url, s in states.items():
            note = s.error if not s.reachable else (s.error or
                                                                     ("OPEN: answers without authentication"
                                                                      if s.open else "ok, authentication on"))
            print(f"{url}  {note}")
        for r in rows:
            docs = f"{r.report['written']} written this run, {r.report['store']} in store" if r.report else ""
            print(f"  {r.site:<20} {r.state:<9} {r.job:<32} {r.ended or r.started:<27} {r.detail} {docs}".rstrip())
        idle = sorted(set(sites) - {r.site for r in rows})
        if idle:
            print(f"never run on a reachable node: {', '.join(idle)}")
    bad = [s for s in states.values() if s.error] + [r for r in rows if r.state == "failed"]
    return EXIT_FAILED if bad else EXIT_OK
