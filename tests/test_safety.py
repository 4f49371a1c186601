"""Bad input cannot reach outside the project's boxes: corpus file names come only from
hashes and sequence numbers, configs are data (yaml.safe_load), feeds and sitemaps never
resolve entities or fetch anything, and the replica server is reachable from this machine only.

tests/test_discovery.py and tests/test_replica.py hold the basic XXE, billion-laughs and
loopback checks; this file attacks the same boundaries from the other sides.
"""

from __future__ import annotations

import ast
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.document import Document
from cleaners.schema import ConfigErrors
from cleaners.siteconfig import ConfigRegistry
from crawler.corpus.writer import DOC_NAME, CorpusWriter
from crawler.corpus.verify import verify_corpus

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"

HOSTILE = [
    "../../../../../../tmp/owned", "/etc/passwd", "..", ".", "", "corpus/../../escape", "a/../../b",
    "..\\..\\windows\\system32", "C:\\evil", "a\x00b", "\x00", "~/.bashrc", "$HOME/x", "file:///etc/passwd",
    "https://evil.vn/../../../etc/passwd", "https://evil.vn/%2e%2e/%2e%2e/x", "x" * 100_000,
    "đường/dẫn/../tiếng-việt", "\n\r\t", "NUL", "con.txt", "\u202eexe.txt",
]


# --- corpus file names ------------------------------------------------------------------------

def tree_of(root: Path) -> set[str]:
    """Every path under root, relative, so a write anywhere in the sandbox shows up."""
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def write_hostile(out: Path, url: str, canonical: str, site: str, title: str) -> None:
    with CorpusWriter(out) as writer:
        writer.add(Document(title=title, paragraphs=["Đoạn một.", f"Đoạn {len(writer.by_url)}."]),
                   url, canonical, site)
        writer.reject(url, site, "not-article", detail=title)


def assert_only_corpus_names(sandbox: Path, out: Path, before: set[str]) -> None:
    created = tree_of(sandbox) - before
    outside = {p for p in created if not (sandbox / p).resolve().is_relative_to(out.resolve())}
    assert not outside, f"written outside the output folder: {sorted(outside)[:5]}"
    for path in (out / "corpus").iterdir():
        assert DOC_NAME.match(path.name), path.name
    assert {p.name for p in out.iterdir()} <= {"corpus", "manifest.jsonl", "rejects.jsonl", "duplicates.jsonl", ".vnnews.lock"}


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:30]))
def test_hostile_values_never_name_a_file(tmp_path, monkeypatch, value):
    sandbox, out = tmp_path, tmp_path / "out"
    (sandbox / "etc").mkdir()
    monkeypatch.chdir(out.parent)  # a relative escape would land in the sandbox, and be seen
    before = tree_of(sandbox) | {"out"}
    write_hostile(out, url=value, canonical=value, site=value, title="Tiêu đề " + value.replace("\n", " "))
    write_hostile(out, url=value + "/2", canonical=value + "/2", site="../../etc", title=value[:200] or "T")
    assert_only_corpus_names(sandbox, out, before)
    assert not list((sandbox / "etc").iterdir())


def test_a_one_megabyte_title_and_many_hostile_documents(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    before = tree_of(tmp_path) | {"out"}
    for number, value in enumerate(HOSTILE):
        write_hostile(out, value, f"{value}#{number}", value, ("../" * 350_000)[:1_000_000] + str(number))
    assert_only_corpus_names(tmp_path, out, before)
    assert len(list((out / "corpus").iterdir())) == len(HOSTILE)
    report = verify_corpus(out)  # the manifest round-trips the hostile strings intact
    assert report.ok, report.problems[:5]


@settings(derandomize=True, database=None, deadline=None, max_examples=150)
@given(url=st.text(max_size=300), site=st.text(max_size=100), title=st.text(min_size=1, max_size=300))
def test_any_strings_stay_inside_the_output_folder(url, site, title):
    with tempfile.TemporaryDirectory() as temp:
        sandbox = Path(temp)
        out = sandbox / "out"
        write_hostile(out, url, url, site, " ".join(title.split()) or "T")
        assert_only_corpus_names(sandbox, out, {"out"})


# --- configs are data ---------------------------------------------------------------------------

def config_copy(tmp_path: Path) -> Path:
    root = tmp_path / "config"
    shutil.copytree(CONFIG, root)
    return root


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system [\"touch {marker}\"]",
    "!!python/object/new:subprocess.check_output [[\"touch\", \"{marker}\"]]",
    "!!python/name:os.system",
    "!!python/object:builtins.object {{}}",
])
def test_a_yaml_with_python_tags_is_refused(tmp_path, tag):
    root = config_copy(tmp_path)
    marker = tmp_path / "executed"
    site = root / "sites" / "baolaichau.yaml"
    site.write_text(site.read_text(encoding="utf-8") + f"\nevil: {tag.format(marker=marker)}\n", encoding="utf-8")
    with pytest.raises(ConfigErrors) as caught:
        ConfigRegistry(root)
    assert not marker.exists()
    message = str(caught.value)
    assert "baolaichau.yaml" in message and "invalid YAML" in message and "python/" in message, message


def test_the_unmodified_config_copy_loads(tmp_path):
    # the refusal above is the tag's doing, not a broken copy
    assert "baolaichau" in ConfigRegistry(config_copy(tmp_path)).sites


def project_sources() -> list[Path]:
    return [path for folder in ("cleaners", "crawler", "benchmarks") for path in (ROOT / folder).rglob("*.py")]


# The PyYAML entry points that construct arbitrary Python objects from tags. (compose and
# the node classes, used for error line numbers, build nodes only and stay allowed.)
UNSAFE_YAML = {"load", "load_all", "full_load", "full_load_all", "unsafe_load", "unsafe_load_all",
               "Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader", "CUnsafeLoader",
               "add_constructor", "add_multi_constructor"}


def unsafe_yaml_uses(path: Path) -> list[str]:
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    uses = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml" \
                and node.attr in UNSAFE_YAML:
            uses.append(f"{where}:{node.lineno}: yaml.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "yaml":
            uses += [f"{where}:{node.lineno}: from {node.module} import {a.name}"
                     for a in node.names if a.name in UNSAFE_YAML or a.name == "*"]
    return uses


def test_no_yaml_loader_but_safe_load():
    offenders = [use for path in project_sources() for use in unsafe_yaml_uses(path)]
    assert not offenders, offenders
    assert any("yaml.safe_load" in p.read_text(encoding="utf-8") for p in project_sources())


def test_the_source_check_sees_an_unsafe_loader(tmp_path):
    sample = tmp_path / "loader.py"
    sample.write_text("import yaml\nyaml.load(open('x'), Loader=yaml.FullLoader)\n"
                      "from yaml import unsafe_load\n", encoding="utf-8")
    assert sorted(unsafe_yaml_uses(sample)) == ["loader.py:2: yaml.FullLoader", "loader.py:2: yaml.load",
                                        "loader.py:3: from yaml import unsafe_load"]


# --- feeds and sitemaps --------------------------------------------------------------------------

discovery = pytest.importorskip("crawler.crawl.discovery", reason="the feed/sitemap parser is not there yet")
BASE = "https://baolaichau.vn/"
GOOD = "https://baolaichau.vn/xa-hoi/bai-that.html"


class CountingServer:
    """A loopback HTTP server that records every request: an XML parser must send none."""

    def __init__(self):
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                body = b'<!ENTITY secret "FETCHED-FROM-NETWORK">'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = CountingServer()
    yield server
    server.close()


def feed_with(doctype: str, link: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rss [{doctype}]><rss version="2.0"><channel>'
            f'<item><link>{GOOD}</link></item><item><link>{link}</link><title>{link}</title></item>'
            f'</channel></rss>').encode()


def sitemap_index_with(doctype: str, loc: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE sitemapindex [{doctype}]>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'<sitemap><loc>{GOOD}</loc></sitemap><sitemap><loc>{loc}</loc></sitemap></sitemapindex>').encode()


def atom_with(doctype: str, href: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE feed [{doctype}]><feed xmlns="http://www.w3.org/2005/Atom">'
            f'<entry><link href="{GOOD}"/></entry><entry><link rel="alternate" href="{href}"/></entry>'
            f'</feed>').encode()


def all_outputs(doctype: str, reference: str) -> list[str]:
    """Every link the parser gives for the reference in an RSS feed, an Atom feed (inside an
    attribute) and a sitemap index; the good link proves the document was parsed at all."""
    rss = discovery.feed_links(feed_with(doctype, "https://baolaichau.vn/" + reference), BASE)
    atom = discovery.feed_links(atom_with(doctype, "https://baolaichau.vn/" + reference), BASE)
    kind, index = discovery.sitemap_links(sitemap_index_with(doctype, "https://baolaichau.vn/" + reference), BASE)
    assert GOOD in rss and GOOD in atom and kind == "index" and GOOD in index
    return rss + atom + index


def test_external_entities_are_read_neither_from_files_nor_the_network(tmp_path, listener):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-FILE")
    doctypes = [
        f'<!ENTITY xxe SYSTEM "file://{secret}">',
        f'<!ENTITY xxe SYSTEM "{secret}">',
        f'<!ENTITY xxe SYSTEM "{listener.url}/entity">',
        f'<!ENTITY xxe PUBLIC "-//x//y" "{listener.url}/public">',
        f'<!ENTITY % dtd SYSTEM "{listener.url}/dtd"> %dtd; <!ENTITY xxe "&secret;">',
        f'<!ENTITY % file SYSTEM "file://{secret}"> <!ENTITY xxe "%file;">',
    ]
    for doctype in doctypes:
        links = all_outputs(doctype, "&xxe;")
        assert not any("TOP-SECRET" in link or "FETCHED" in link for link in links), (doctype, links)
    assert listener.requests == []


def test_an_external_dtd_is_not_fetched(listener):
    rss = (f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{listener.url}/rss.dtd">'
           f'<rss><channel><item><link>{GOOD}</link></item></channel></rss>').encode()
    assert discovery.feed_links(rss, BASE) == [GOOD]
    assert listener.requests == []


def test_xinclude_is_not_processed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("https://baolaichau.vn/TOP-SECRET")
    rss = (f'<?xml version="1.0"?><rss xmlns:xi="http://www.w3.org/2001/XInclude"><channel>'
           f'<item><link>{GOOD}</link></item>'
           f'<item><link><xi:include href="file://{secret}" parse="text"/></link></item></channel></rss>').encode()
    assert discovery.feed_links(rss, BASE) == [GOOD]


EXPANSION_BOMBS = {
    # nine levels of ten: 10^9 "lol"s, 3 GB if expanded
    "billion laughs": '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)),
    # one 100 kB entity used 20,000 times in the reference below: 2 GB, no nesting to detect
    "quadratic blowup": f'<!ENTITY lol9 "{"A" * 100_000}">',
}


@pytest.mark.parametrize("name", EXPANSION_BOMBS)
def test_entity_expansion_is_bounded_in_memory(name):
    """Run in a fresh interpreter under a 1 GB address-space limit, so an expansion fails
    loudly there instead of swapping here, and report its peak memory."""
    reference = "&lol9;" * (20_000 if name == "quadratic blowup" else 1)
    script = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from crawler.crawl.discovery import feed_links, sitemap_links
doctype, reference = sys.stdin.read().split("\\0")
rss = ('<?xml version="1.0"?><!DOCTYPE rss [' + doctype + ']><rss><channel>'
       '<item><link>{GOOD}</link><title>' + reference + '</title></item>'
       '<item><link>https://baolaichau.vn/' + reference + '</link></item></channel></rss>').encode()
links = feed_links(rss, "{BASE}")
assert links == ["{GOOD}"], [link[:80] for link in links]
urlset = ('<?xml version="1.0"?><!DOCTYPE urlset [' + doctype + ']><urlset>'
          '<url><loc>https://baolaichau.vn/' + reference + '</loc></url></urlset>').encode()
assert all(len(link) < 1000 for link in sitemap_links(urlset, "{BASE}")[1])
# VmHWM, not ru_maxrss: ru_maxrss survives exec and would report the forking pytest's size
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""
    done = subprocess.run([sys.executable, "-c", script], input=EXPANSION_BOMBS[name] + "\0" + reference,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    peak_kb = int(done.stdout.split()[-1])
    print(f"{name}: peak {peak_kb // 1024} MB")
    assert peak_kb < 300_000, f"peak memory {peak_kb // 1024} MB while parsing a {name} feed"


# --- the replica server ----------------------------------------------------------------------------

replica = pytest.importorskip("replica", reason="the replica server is not there yet")


def non_loopback_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_the_replica_cannot_be_reached_from_another_machine():
    address = non_loopback_address()
    with replica.ReplicaServer() as server:
        assert server.server_address[0] == "127.0.0.1"
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass  # reachable on loopback: the refusal below is about the address, not a dead server
        if address is None:
            pytest.skip("no non-loopback interface to try from")
        with pytest.raises(OSError):
            socket.create_connection((address, server.port), timeout=5).close()


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "localhost.evil.vn", "192.168.1.10"])
def test_the_replica_refuses_every_other_bind_address(host):
    with pytest.raises(ValueError, match="127.0.0.1"):
        replica.ReplicaServer(host=host)


def test_the_replica_command_has_no_host_option():
    from replica.__main__ import main

    with pytest.raises(SystemExit) as caught:
        main(["--host", "0.0.0.0"])
    assert caught.value.code == 2
