"""The cluster's node list, `cluster:` file and credentials (crawler/cluster/nodes.py): no
scrapyd needed. The commands against real nodes are in tests/test_cluster.py."""

from __future__ import annotations

import pytest

from crawler.cluster.nodes import (ClusterConfigError, from_options, load_credentials, normalize_url,
                                   read_credentials_file)
from crawler.cluster.scrapyd import Credentials, Node


def test_node_urls_are_normalized_and_may_not_carry_credentials():
    assert normalize_url("http://10.0.0.2") == "http://10.0.0.2:6800/"
    assert normalize_url("https://n1.example.org/scrapyd") == "https://n1.example.org:443/scrapyd/"
    with pytest.raises(ClusterConfigError, match="may not carry a username or password") as exc:
        normalize_url("http://ops:hunter2@10.0.0.2:6800/")
    assert "hunter2" not in str(exc.value)
    with pytest.raises(ClusterConfigError, match="expected a node URL"):
        normalize_url("10.0.0.2:6800")


def test_nodes_from_the_command_line_or_a_cluster_file(tmp_path):
    cluster = from_options("http://a:6800,http://b:6800/", None, "/srv/out", "proj")
    assert [(n.url, n.output) for n in cluster.nodes] == [("http://a:6800/", "/srv/out"), ("http://b:6800/", "/srv/out")]
    spec = tmp_path / "cluster.yaml"
    spec.write_text("cluster:\n  output: /srv/out\n  credentials: creds\n  nodes:\n    - http://a:6800/\n"
                    "    - url: http://b:6800/\n      output: /data/out\n  settings:\n    VNNEWS_CONTACT: x\n")
    cluster = from_options(None, str(spec), None, None)
    assert [(n.url, n.output) for n in cluster.nodes] == [("http://a:6800/", "/srv/out"), ("http://b:6800/", "/data/out")]
    assert cluster.settings == {"VNNEWS_CONTACT": "x"} and cluster.credentials_file == str(tmp_path / "creds")
    assert cluster.project == "vnnews"


@pytest.mark.parametrize("body, message", [
    ("cluster:\n  nodes: []\n", "cluster.nodes: expected a list"),
    ("cluster:\n  nodes: [http://a:6800/]\n  outptu: /x\n", "cluster.outptu: unknown key"),
    ("cluster:\n  nodes:\n    - {url: http://a:6800/, ouput: /x}\n", r"cluster.nodes\[0\].ouput: unknown key"),
    ("nodes: [http://a:6800/]\n", "with a `cluster:` section"),
    ("cluster:\n  nodes: [http://a:6800/, http://a:6800]\n", "listed twice"),
])
def test_a_bad_cluster_file_is_named_with_the_field(tmp_path, body, message):
    spec = tmp_path / "cluster.yaml"
    spec.write_text(body)
    with pytest.raises(ClusterConfigError, match=message):
        from_options(None, str(spec), None, None)


def test_credentials_file_must_be_owner_only_and_is_never_echoed(tmp_path, monkeypatch):
    for name in ("VNNEWS_SCRAPYD_USERNAME", "VNNEWS_SCRAPYD_PASSWORD", "VNNEWS_SCRAPYD_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "creds"
    path.write_text("# ops\nall:every-pw\nhttp://b:6800 bee:bee-pw\n")
    path.chmod(0o640)
    with pytest.raises(ClusterConfigError, match="chmod 600"):
        read_credentials_file(path)
    path.chmod(0o600)
    default, per_node = read_credentials_file(path)
    assert default == Credentials("all", "every-pw") and per_node == {"http://b:6800/": Credentials("bee", "bee-pw")}
    path.write_text("no-colon-secret\n")
    with pytest.raises(ClusterConfigError, match="creds:1") as exc:
        read_credentials_file(path)
    assert "no-colon-secret" not in str(exc.value)
    monkeypatch.setenv("VNNEWS_SCRAPYD_USERNAME", "u")
    with pytest.raises(ClusterConfigError, match="both"):
        load_credentials(None)
    monkeypatch.setenv("VNNEWS_SCRAPYD_PASSWORD", "p")
    assert load_credentials(str(path)) == (Credentials("u", "p"), {})


def test_credentials_do_not_print():
    node = Node("http://a:6800/", Credentials("u", "very-secret"))
    assert "very-secret" not in repr(node.credentials) and "very-secret" not in repr(node)
