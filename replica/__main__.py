"""``python -m replica [--port N] [--verbose]``: serve the replica sites."""

from __future__ import annotations

import argparse

from . import ReplicaServer, article_urls, replica_sites, site_domain


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m replica",
                                     description="Serve the replica news sites on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    server = ReplicaServer(port=args.port, verbose=args.verbose)
    print(f"Replica sites at {server.base_url} (send the real domain as Host):", flush=True)
    for site in replica_sites():
        print(f"  {site:16} Host: {site_domain(site):28} {len(article_urls(site))} articles",
              flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
