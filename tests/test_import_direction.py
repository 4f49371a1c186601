"""The package boundaries, enforced: which package may import which (docs/architecture.md).

- cleaners/ imports nothing from crawler/, Scrapy or Twisted: it is usable on its own;
- the storage side (crawler/corpus/) and the Scrapy-free modules at the top of crawler/ import
  nothing from Scrapy, Twisted, crawler.crawl (the Scrapy side) or crawler.commands;
- no import cycles between the project's modules, at module level;
- `vnnews reprocess`, `verify` and `report`, run for real, load no Scrapy or Twisted module.

Every import counts, also one inside a function: a lazy import still runs.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cleaners", "crawler")
SCRAPY_SIDE = ("scrapy", "twisted", "crawler.crawl", "crawler.commands")
SCRAPY_FREE_TOP = ("crawler", "crawler.urls", "crawler.registry", "crawler.siterules", "crawler.sitefixtures")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for top in PACKAGES for p in sorted((ROOT / top).rglob("*.py"))}


def _imports(name: str, top_level_only: bool = False) -> set[str]:
    """Absolute names of the modules `name` imports (`from a import b` counts a.b when it is a module)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in MODULES}
    return found


def _within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_modules_are_found():
    assert {"cleaners.decode", "crawler.corpus.writer", "crawler.crawl.spider", "crawler.cli"} <= set(MODULES)


def test_cleaners_import_nothing_from_crawler_or_scrapy():
    wrong = {name: sorted(m for m in _imports(name) if _within(m, ("crawler", "scrapy", "twisted")))
             for name in MODULES if _within(name, ("cleaners",))}
    assert not {name: found for name, found in wrong.items() if found}


def test_storage_side_imports_nothing_from_the_scrapy_side():
    storage = [name for name in MODULES if _within(name, ("crawler.corpus", "crawler.cluster")) or name in SCRAPY_FREE_TOP]
    assert "crawler.corpus.reprocess" in storage
    wrong = {name: sorted(m for m in _imports(name) if _within(m, SCRAPY_SIDE)) for name in storage}
    assert not {name: found for name, found in wrong.items() if found}


def test_the_check_sees_a_lazy_import(tmp_path, monkeypatch):
    """Not vacuous: an import inside a function is found."""
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from scrapy.http import Request\n    from .writer import X\n")
    monkeypatch.setitem(MODULES, "crawler.corpus.lazy", module)
    assert {"scrapy.http", "crawler.corpus.writer"} <= _imports("crawler.corpus.lazy")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_at_module_level():
    # a package's __init__ runs before its modules anyway: an import of the parent package is no edge
    graph = {name: {m for m in _imports(name, top_level_only=True) if m in MODULES and not name.startswith(m + ".")}
             for name in MODULES}
    assert _cycles(graph) == []
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]  # the check finds one


# --- the commands, run ------------------------------------------------------------------------

PROBE = """
import json, sys
from crawler.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "twisted") or m.startswith("crawler.crawl"))
print(json.dumps({"code": code, "loaded": loaded}))
"""


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """An output folder with one archived article, as a crawl leaves it (written without Scrapy)."""
    from crawler.corpus.archive import WarcArchive
    from crawler.corpus.page import PageItem

    out = tmp_path_factory.mktemp("output")
    sample = ROOT / "tests" / "fixtures" / "sites" / "baolaichau" / "sample-004"
    url = json.loads(sample.with_suffix(".meta.json").read_text(encoding="utf-8"))["url"]
    archive = WarcArchive(out / "raw")
    archive.write(PageItem(url=url, canonical_url=url, site="baolaichau", status=200,
                           body=sample.with_suffix(".html").read_bytes(), content_type="text/html; charset=utf-8",
                           kind="article", is_article_candidate=True, fetched_at="2026-12-07T05:00:00Z"))
    archive.close()
    return out


def _probe(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_reprocess_verify_and_report_load_no_scrapy(crawled):
    rebuilt = crawled / "rebuilt"
    reprocessed = _probe("reprocess", "--from-raw", str(crawled / "raw"), "--out", str(rebuilt))
    assert reprocessed == {"code": 0, "loaded": []}
    assert len((rebuilt / "manifest.jsonl").read_text(encoding="utf-8").splitlines()) == 1  # it did the work
    assert _probe("verify", "--out", str(rebuilt)) == {"code": 0, "loaded": []}
    report = _probe("report", "--out", str(rebuilt))
    assert report["loaded"] == []


def test_merge_and_cluster_status_load_no_scrapy(crawled, tmp_path):
    """The operator's machine merges and follows the nodes without the crawl side."""
    rebuilt = tmp_path / "rebuilt"
    assert _probe("reprocess", "--from-raw", str(crawled / "raw"), "--out", str(rebuilt))["code"] == 0
    assert _probe("merge", str(rebuilt), "--into", str(tmp_path / "merged")) == {"code": 0, "loaded": []}
    status = _probe("cluster", "status", "--nodes", "http://127.0.0.1:9/", "baolaichau")  # nothing listens there
    assert status == {"code": 1, "loaded": []}


def test_the_probe_sees_scrapy_when_it_is_loaded():
    """Not vacuous: a Scrapy module loaded in the process is seen."""
    done = subprocess.run([sys.executable, "-c", "import scrapy\n" + PROBE, "validate", "--no-fixtures"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert "scrapy" in json.loads(done.stdout.strip().splitlines()[-1])["loaded"]
