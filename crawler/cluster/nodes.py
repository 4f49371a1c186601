"""The cluster: its nodes (from --nodes or a `cluster:` section of a YAML file) and their
credentials (from the environment or an owner-only file, never the command line).

A `cluster:` section (docs/scaling.md has a full example):

    cluster:
      project: vnnews                 # scrapyd project name (default: scrapy.cfg's, else vnnews)
      output: /srv/vnnews/output      # on each node: one output folder per site inside it
      credentials: /etc/vnnews/scrapyd.credentials   # optional, see read_credentials_file
      nodes:
        - http://10.0.0.2:6800/
        - url: http://10.0.0.3:6800/
          output: /data/vnnews/output # this node's own, if it differs
      settings:                       # Scrapy settings every job gets
        VNNEWS_CONTACT: mailto:ops@example.org

Credentials, first found wins:
1. VNNEWS_SCRAPYD_USERNAME and VNNEWS_SCRAPYD_PASSWORD in the environment (every node);
2. the file named by VNNEWS_SCRAPYD_CREDENTIALS, or by `credentials:` of the section.
The file must belong to the user running the command and be readable by nobody else
(chmod 600); each line is `USERNAME:PASSWORD` (every node) or `NODE_URL USERNAME:PASSWORD`
(that node), `#` starts a comment.
"""

from __future__ import annotations

import configparser
import os
import stat
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from crawler.cluster.scrapyd import Credentials, Node

ENV_USER, ENV_PASSWORD, ENV_FILE = "VNNEWS_SCRAPYD_USERNAME", "VNNEWS_SCRAPYD_PASSWORD", "VNNEWS_SCRAPYD_CREDENTIALS"
DEFAULT_PROJECT = "vnnews"


class ClusterConfigError(ValueError):
    """The node list, the cluster section or the credentials are wrong; the message says where."""


@dataclass
class NodeSpec:
    url: str  # normalized: scheme://host:port/ (the key of the rendezvous hashing)
    output: str | None = None  # the node's output root (one folder per site inside)


@dataclass
class Cluster:
    project: str
    nodes: list[NodeSpec]
    settings: dict = field(default_factory=dict)
    credentials_file: str | None = None

    def clients(self, timeout: float | None = None) -> dict[str, Node]:
        """{node url: client}, with each node's credentials."""
        default, per_node = load_credentials(self.credentials_file)
        kwargs = {"timeout": timeout} if timeout else {}
        return {spec.url: Node(spec.url, per_node.get(spec.url, default), **kwargs) for spec in self.nodes}

    def output_of(self, url: str) -> str | None:
        return next(spec.output for spec in self.nodes if spec.url == url)


def normalize_url(text: str, where: str = "--nodes") -> str:
    parsed = urllib.parse.urlsplit(text.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ClusterConfigError(f"{where}: {text!r}: expected a node URL like http://HOST:6800/")
    if parsed.username is not None or parsed.password is not None:
        # a password in a URL shows in `ps`, shell history and every log line that names the node
        raise ClusterConfigError(f"{where}: a node URL may not carry a username or password; put them in "
                                 f"{ENV_USER}/{ENV_PASSWORD} or a credentials file (docs/scaling.md)")
    if parsed.query or parsed.fragment:
        raise ClusterConfigError(f"{where}: {text!r}: expected a node URL without query or fragment")
    port = parsed.port or (443 if parsed.scheme == "https" else 6800)
    host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
    path = parsed.path.rstrip("/") + "/"
    return f"{parsed.scheme}://{host}:{port}{path}"


def default_project(root: Path | None = None) -> str:
    cfg = configparser.ConfigParser()
    if root and (root / "scrapy.cfg").is_file():
        cfg.read(root / "scrapy.cfg", encoding="utf-8")
    return cfg.get("deploy", "project", fallback=DEFAULT_PROJECT)


def from_options(nodes: str | None, file: str | None, output: str | None, project: str | None,
                 project_root: Path | None = None) -> Cluster:
    """The cluster of --nodes (comma-separated URLs) or of the `cluster:` section of --file;
    --output and --project override the section's."""
    if bool(nodes) == bool(file):
        raise ClusterConfigError("give the nodes with --nodes URL[,URL…] or a file with a cluster: section (--file)")
    if nodes:
        specs = [NodeSpec(normalize_url(u)) for u in nodes.split(",") if u.strip()]
        cluster = Cluster(project or default_project(project_root), specs)
    else:
        cluster = read_cluster_file(Path(file), project_root)
        if project:
            cluster.project = project
    if output:
        for spec in cluster.nodes:
            spec.output = output
    if not cluster.nodes:
        raise ClusterConfigError("no nodes given")
    urls = [spec.url for spec in cluster.nodes]
    if len(set(urls)) != len(urls):
        raise ClusterConfigError(f"a node is listed twice: {', '.join(sorted(u for u in urls if urls.count(u) > 1))}")
    return cluster


def read_cluster_file(path: Path, project_root: Path | None = None) -> Cluster:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClusterConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ClusterConfigError(f"{path}: not valid YAML: {exc}") from None
    section = data.get("cluster") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ClusterConfigError(f"{path}: expected a mapping with a `cluster:` section")
    known = {"project", "output", "credentials", "nodes", "settings"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ClusterConfigError(f"{path}: cluster.{unknown[0]}: unknown key; expected one of {', '.join(sorted(known))}")
    raw_nodes = section.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise ClusterConfigError(f"{path}: cluster.nodes: expected a list of node URLs")
    output = section.get("output")
    specs = []
    for number, item in enumerate(raw_nodes):
        where = f"{path}: cluster.nodes[{number}]"
        if isinstance(item, str):
            specs.append(NodeSpec(normalize_url(item, where), output))
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            extra = sorted(set(item) - {"url", "output"})
            if extra:
                raise ClusterConfigError(f"{where}.{extra[0]}: unknown key; expected url, output")
            specs.append(NodeSpec(normalize_url(item["url"], where), item.get("output", output)))
        else:
            raise ClusterConfigError(f"{where}: expected a URL or a mapping with url (and output)")
    settings = section.get("settings") or {}
    if not isinstance(settings, dict):
        raise ClusterConfigError(f"{path}: cluster.settings: expected a mapping NAME: VALUE")
    credentials = section.get("credentials")
    if credentials is not None:
        credentials = str((path.parent / credentials) if not os.path.isabs(credentials) else credentials)
    return Cluster(section.get("project") or default_project(project_root), specs,
                   {str(k): v for k, v in settings.items()}, credentials)


def load_credentials(file: str | None) -> tuple[Credentials | None, dict[str, Credentials]]:
    """(credentials for every node, {node url: its own}); see the module text for the order."""
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    if user or password:
        if not (user and password):
            raise ClusterConfigError(f"set both {ENV_USER} and {ENV_PASSWORD}, or neither")
        return Credentials(user, password), {}
    path = os.environ.get(ENV_FILE) or file
    if not path:
        return None, {}
    return read_credentials_file(Path(path))


def read_credentials_file(path: Path) -> tuple[Credentials | None, dict[str, Credentials]]:
    try:
        info = path.stat()
    except OSError as exc:
        raise ClusterConfigError(f"{path}: credentials file unreadable ({exc.strerror})") from None
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ClusterConfigError(f"{path}: a credentials file must belong to you and be readable by you only "
                                 f"(mode {stat.filemode(info.st_mode)}); run: chmod 600 {path}")
    default, per_node = None, {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        node, _, pair = line.rpartition(" ")
        user, sep, password = pair.partition(":")
        if not sep or not user or not password:
            # the line itself is never shown: it holds a password
            raise ClusterConfigError(f"{path}:{number}: expected USERNAME:PASSWORD or NODE_URL USERNAME:PASSWORD")
        if node.strip():
            per_node[normalize_url(node.strip(), f"{path}:{number}")] = Credentials(user, password)
        else:
            default = Credentials(user, password)
    return default, per_node
