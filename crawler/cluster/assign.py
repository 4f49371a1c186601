"""Which node crawls which site: rendezvous (highest random weight) hashing.

Every (node, site) pair gets a score from a hash; a site goes to the live node with the
highest score. Adding a node moves only the sites that now score highest there; removing
(or losing) a node moves only its own sites, each to its next-best node. No table to keep:
any machine computes the same assignment from the node list alone.
"""

from __future__ import annotations

import hashlib


def score(node: str, site: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{node}\0{site}".encode("utf-8")).digest()[:8], "big")


def owner(site: str, nodes: list[str]) -> str:
    """The node (its key: a normalized URL) that crawls `site` among `nodes`."""
    if not nodes:
        raise ValueError("no node to assign sites to")
    return max(nodes, key=lambda node: (score(node, site), node))


def assign(sites: list[str], nodes: list[str]) -> dict[str, str]:
    """{site: node} for every site."""
    return {site: owner(site, nodes) for site in sites}
