"""Write the sample-article fixtures from the replica's own renderer.

    python -m crawler.replica.build_fixtures [--samples /work/shared/samples]

For every article marked ``fixture:`` in the site data this writes
``tests/fixtures/sites/<site>/<fixture>.html`` (the page exactly as the replica
serves it), ``<fixture>.txt`` (the expected clean text, copied byte for byte
from the samples) and ``<fixture>.meta.json`` (URL plus the expected metadata).
Regenerating keeps the fixtures and the served pages identical by construction;
tests/test_replica.py checks that they still are.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from .families import renderer_for
from .model import load_site, site_names

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_ROOT = REPO_ROOT / "tests" / "fixtures" / "sites"
DEFAULT_SAMPLES = Path("/work/shared/samples")
META_KEYS = ("title", "published", "author", "source", "kicker", "category")


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
        stem = sample_stem(samples, art.fixture.removeprefix("sample-"))
        html_path = out_dir / f"{art.fixture}.html"
        html_path.write_bytes(family.article_page(art).encode("utf-8"))
        shutil.copyfile(stem.with_suffix(".txt"), out_dir / f"{art.fixture}.txt")
        expected = json.loads(stem.with_suffix(".meta.json").read_text(encoding="utf-8"))
        meta = {"url": family.article_url(art)} | {k: expected[k] for k in META_KEYS}
        (out_dir / f"{art.fixture}.meta.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(html_path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    args = parser.parse_args(argv)
    for name in site_names():
        for path in write_site_fixtures(name, args.samples):
            print(path.relative_to(REPO_ROOT))


if __name__ == "__main__":
    main()
