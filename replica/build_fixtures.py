"""Write the sample-article fixtures from the replica's own renderer.

    python -m replica.build_fixtures [--samples /work/shared/samples]

For every article marked ``fixture:`` in the site data this writes
``tests/fixtures/sites/<site>/<fixture>.html`` (the page exactly as the replica
serves it), ``<fixture>.txt`` (the expected clean text: copied byte for byte
from the samples for ``sample-*`` fixtures, written from the article's data
otherwise) and ``<fixture>.meta.json`` (URL plus the expected metadata).
Regenerating keeps the fixtures and the served pages identical by construction;
tests/test_replica.py checks that they still are.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from .families import renderer_for
from .model import Article, load_site, site_names

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_ROOT = REPO_ROOT / "tests" / "fixtures" / "sites"
DEFAULT_SAMPLES = Path("/work/shared/samples")
META_KEYS = ("title", "published", "author", "source", "kicker", "category")
DEFAULT_SHOWN = ("published", "author")


def sample_stem(samples: Path, sample_id: str) -> Path:
    """``expected/001_c40c….txt`` → path without suffix for sample ``001``."""
    (txt,) = (samples / "expected").glob(f"{sample_id}_*.txt")
    return txt.with_suffix("")


def write_site_fixtures(site_name: str, samples: Path) -> list[Path]:
    site = load_site(site_name)
    family = renderer_for(site)
    written = []
    for art in site.articles:
        if not art.fixture:
            continue
        out_dir = FIXTURE_ROOT / site_name
        out_dir.mkdir(parents=True, exist_ok=True)
        html_path = out_dir / f"{art.fixture}.html"
        html_path.write_bytes(family.article_page(art).encode("utf-8"))
        if art.fixture.startswith("sample-"):
            meta = _copy_sample_expectation(samples, art, out_dir)
        else:
            meta = _write_data_expectation(art, site.chrome.get("shows", DEFAULT_SHOWN), out_dir)
        meta = {"url": family.article_url(art)} | meta
        (out_dir / f"{art.fixture}.meta.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(html_path)
    return written


def _copy_sample_expectation(samples: Path, art: Article, out_dir: Path) -> dict:
    """The five sample sites: expected text and metadata are the hand-made sample files."""
    stem = sample_stem(samples, art.fixture.removeprefix("sample-"))
    shutil.copyfile(stem.with_suffix(".txt"), out_dir / f"{art.fixture}.txt")
    expected = json.loads(stem.with_suffix(".meta.json").read_text(encoding="utf-8"))
    return {k: expected[k] for k in META_KEYS}


def _write_data_expectation(art: Article, shown: list[str], out_dir: Path) -> dict:
    """Replica-only sites: the article's own data says what the corpus must hold, so the
    expectation never comes from the cleaner it checks."""
    (out_dir / f"{art.fixture}.txt").write_text(expected_text(art), encoding="utf-8")
    return expected_meta(art, shown)


def expected_text(art: Article) -> str:
    """The corpus document of a replica article: headline, lead, paragraphs and captions in
    page order (agency prefixes such as "(Baonghean.vn) -" stay: they are part of the lead)."""
    paragraphs = [art.lead] if art.lead else []
    for block in art.body:
        if "p" in block:
            paragraphs.append(block["p"])
        elif "photo" in block and block["photo"].get("caption"):
            paragraphs.append(block["photo"]["caption"])
    return art.title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def expected_meta(art: Article, shown: list[str]) -> dict:
    """The metadata of a replica article: the fields its site prints (``chrome.shows``),
    None for the others."""
    values = {"title": art.title,
              "published": art.published.isoformat() if art.published and art.show_date else None,
              "author": art.author, "source": art.source, "kicker": art.kicker,
              "category": art.category.title}
    return {k: (values[k] if k == "title" or k in shown else None) for k in META_KEYS}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--site", action="append", help="only this site (repeatable)")
    args = parser.parse_args(argv)
    for name in args.site or site_names():
        for path in write_site_fixtures(name, args.samples):
            print(path.relative_to(REPO_ROOT))


if __name__ == "__main__":
    main()
