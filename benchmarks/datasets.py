"""Loaders for the benchmark sets kept outside the repository.

Every loader returns ``Page(id, html_path, url, gold)`` records; the gold's
shape depends on the set (see each loader). The data lives in
``../shared/benchmarks`` next to the repository, or wherever ``--data`` /
``VNNEWS_BENCHMARKS`` points; it is never copied into the project.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any, Callable, NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "benchmarks"


class Page(NamedTuple):
    id: str
    html_path: Path
    url: str | None
    gold: Any


def resolve_data_dir(explicit: str | None = None) -> Path:
    """--data wins over VNNEWS_BENCHMARKS, which wins over ../shared/benchmarks."""
    chosen = explicit or os.environ.get("VNNEWS_BENCHMARKS")
    return Path(chosen).expanduser().resolve() if chosen else DEFAULT_DATA_DIR


def _read_json(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def read_html_bytes(path: Path) -> bytes:
    """Raw page bytes, gunzipped when needed; decoding is left to the extractor."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return handle.read()


def load_scrapinghub(data_dir: Path) -> list[Page]:
    """gold: the articleBody string (body only, no headline)."""
    root = data_dir / "scrapinghub-article-extraction-benchmark"
    truth = _read_json(root / "ground-truth.json")
    return [Page(key, root / "html" / f"{key}.html.gz", item.get("url"), item.get("articleBody") or "")
            for key, item in sorted(truth.items())]


def load_trafilatura_eval(data_dir: Path) -> list[Page]:
    """gold: {"with": [...], "without": [...]} snippet lists. Pages sit in
    tests/eval or tests/cache, gzipped here."""
    root = data_dir / "trafilatura-eval" / "tests"
    evaldata = _read_json(root / "evaldata.json")
    pages = []
    for url, item in evaldata.items():
        name = item["file"] + ".gz"
        folder = "eval" if (root / "eval" / name).exists() else "cache"
        gold = {"with": item.get("with", []), "without": item.get("without", [])}
        pages.append(Page(item["file"], root / folder / name, url, gold))
    return pages


def load_wcxb(data_dir: Path) -> list[Page]:
    """gold: {"main_content", "title", "with", "without", "page_type"} of the test split."""
    root = data_dir / "wcxb" / "test"
    pages = []
    for truth_path in sorted((root / "ground-truth").glob("*.json.gz")):
        record = _read_json(truth_path)
        truth = record.get("ground_truth") or {}
        page_id = truth_path.name.removesuffix(".json.gz")
        page_type = ((record.get("_internal") or {}).get("page_type") or {})
        gold = {
            "main_content": truth.get("main_content") or "",
            "title": truth.get("title") or "",
            "with": truth.get("with") or [],
            "without": truth.get("without") or [],
            "page_type": page_type.get("primary") if isinstance(page_type, dict) else page_type,
        }
        pages.append(Page(page_id, root / "html" / f"{page_id}.html.gz", record.get("url"), gold))
    return pages


VN_REAL_FOLDERS = ("vn-real", "vn-real-2")  # real pages with hand-made gold, scored as one set


def load_vn_real(data_dir: Path) -> list[Page]:
    """gold: {"kind": "article" | "not-article", "text": corpus-shaped gold or None}.
    Reads every folder of VN_REAL_FOLDERS that exists (vn-real-2 is the second batch)."""
    metas = [(data_dir / folder, m) for folder in VN_REAL_FOLDERS
             for m in sorted((data_dir / folder).glob("*.meta.json"))]
    pages = []
    for root, meta_path in metas:
        name = meta_path.name.removesuffix(".meta.json")
        meta = _read_json(meta_path)
        gold_path = root / f"{name}.gold.txt"
        text = gold_path.read_text(encoding="utf-8") if gold_path.exists() else None
        gold = {"kind": meta.get("kind", "article"), "text": text}
        pages.append(Page(name, root / f"{name}.html", meta.get("url"), gold))
    return pages


def load_stored_predictions(data_dir: Path, system: str) -> dict[str, str]:
    """The ScrapingHub benchmark's own stored output of one system, keyed by
    page id; used to check that our scorer reproduces the published numbers."""
    path = data_dir / "scrapinghub-article-extraction-benchmark" / "output" / f"{system}.json.gz"
    stored = _read_json(path)
    if "output" in stored and isinstance(stored["output"], dict):
        stored = stored["output"]
    return {key: (item or {}).get("articleBody") or "" for key, item in stored.items()}


LOADERS: dict[str, Callable[[Path], list[Page]]] = {
    "scrapinghub": load_scrapinghub,
    "trafilatura": load_trafilatura_eval,
    "wcxb": load_wcxb,
    "vn-real": load_vn_real,
}

SET_FOLDERS = {
    "scrapinghub": "scrapinghub-article-extraction-benchmark",
    "trafilatura": "trafilatura-eval",
    "wcxb": "wcxb",
    "vn-real": "vn-real",
}


def set_available(data_dir: Path, name: str) -> bool:
    return (data_dir / SET_FOLDERS[name]).is_dir()


def load_set(name: str, data_dir: Path, limit: int | None = None) -> list[Page]:
    """All pages of one set in a stable order, optionally the first ``limit``.
    vn-real keeps every page when limited: it is tiny and the not-article
    pages must stay in."""
    pages = LOADERS[name](data_dir)
    if limit is not None and name != "vn-real":
        pages = pages[:limit]
    return pages
