"""The dataset card (README.md) of an export folder, in the Hugging Face format: YAML front
matter (configs `default` = canonical copies and `all`, dataset_info.features), then counts
per site and year, characters, duplicate clusters, languages, how it was made, the rights
note and what each field means. Generated from the export's own figures; no Scrapy import."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import yaml

from crawler import __version__

# What each field of manifest.jsonl and of an export row means (docs/manifest.schema.json
# says the same; tests/test_export.py checks the two agree).
FIELDS = {
    "id": "sha256 of the canonical URL, first 16 hex digits; the document's stable id",
    "seq": "manifest only: order of writing in the output folder (the NNN of the file name)",
    "file": "manifest only: the document's file, corpus/NNN_<id>.txt",
    "url": "the URL the page was fetched from (after redirects)",
    "canonical_url": "manifest only: the URL after the site's canonicalization rules; unique",
    "site": "the site's name in config/sites (its YAML file)",
    "title": "the headline (line 1 of the text)",
    "text": "export only: the corpus file: headline, blank line, paragraphs separated by one blank line, "
            "UTF-8, NFC; sha256(text) = text_sha256",
    "paragraphs": "export only: the paragraphs after the headline, in order",
    "published": "publication time as the page gives it, ISO 8601 with the +07:00 offset; null when the page shows none",
    "author": "byline, when the page names one",
    "source": "the source line of a republished story (\"Nguồn: Báo Bắc Kạn\", \"Theo TTXVN\"), else null",
    "kicker": "the line above the headline, when the site has one",
    "category": "the site's section, when known",
    "lang": "detected language code (vi for Vietnamese)",
    "lang_prob": "probability of the detected language",
    "chars": "length of the text in characters",
    "text_sha256": "sha256 of the UTF-8 text (the file's bytes)",
    "crawled_at": "when the page was fetched, UTC",
    "version": "version of vnnews that cleaned the page",
    "cluster": "id of the first document (in corpus order) of its near-duplicate cluster; its own id when it "
               "has no copies",
    "cluster_size": "number of documents in the cluster (1: no copies found)",
    "duplicate_of": "id of the cluster's canonical copy; null for the canonical copy itself and for documents "
                    "without copies",
}

FEATURES = [
    ("id", "string"), ("url", "string"), ("site", "string"), ("title", "string"), ("text", "string"),
    ("paragraphs", None), ("published", "timestamp[ms, tz=+07:00]"), ("author", "string"), ("source", "string"),
    ("kicker", "string"), ("category", "string"), ("lang", "string"), ("lang_prob", "float64"),
    ("chars", "int64"), ("text_sha256", "string"), ("crawled_at", "timestamp[ms, tz=UTC]"),
    ("cluster", "string"), ("cluster_size", "int64"), ("duplicate_of", "string"), ("version", "string"),
]

CARD = "README.md"


def front_matter(formats: list[str], canonical_only: bool) -> dict:
    fmt = "parquet" if "parquet" in formats else "jsonl"
    pattern = "*.parquet" if fmt == "parquet" else "*.jsonl.zst"
    configs = [{"config_name": "default", "default": True,
                "data_files": [{"split": "train", "path": f"{fmt}/default/{pattern}"}]}]
    if not canonical_only:
        configs.append({"config_name": "all", "data_files": [{"split": "train", "path": f"{fmt}/all/{pattern}"}]})
    features = []
    for name, dtype in FEATURES:
        features.append({"name": name, "list": "string"} if dtype is None else {"name": name, "dtype": dtype})
    return {
        "pretty_name": "vnnews: Vietnamese provincial news",
        "language": ["vi"],
        "license": "other",
        "license_name": "per-site-terms",
        "task_categories": ["text-generation"],
        "configs": configs,
        # a copy per config: the same list twice would be written as a YAML anchor and alias
        "dataset_info": [{"config_name": c["config_name"], "features": [dict(f) for f in features]} for c in configs],
    }


def _table(rows: list[tuple], header: tuple) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(result, formats: list[str], canonical_only: bool, options: dict) -> str:
    head = yaml.safe_dump(front_matter(formats, canonical_only), allow_unicode=True, sort_keys=False)
    fmt = "parquet" if "parquet" in formats else "jsonl"
    rows = "canonical copies only" if canonical_only else "every document (`all`) and the canonical copies (`default`)"
    filters = []
    if options.get("sites"):
        filters.append("sites " + ", ".join(options["sites"]))
    if options.get("since"):
        filters.append(f"published on or after {options['since']}")
    parts = [
        f"---\n{head}---\n",
        "# vnnews: Vietnamese provincial news\n",
        "News articles from Vietnamese provincial newspapers and government portals, crawled and cleaned "
        f"by vnnews {__version__}: one row a document with its headline, text, paragraphs, publication "
        "time and byline, and the near-duplicate cluster it belongs to (provincial papers republish each "
        "other and the national wire).\n",
        f"Generated {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; this export holds {rows}"
        + (f", filtered to {'; '.join(filters)}" if filters else "") + ".\n",
        "## Loading\n",
        "```python\nfrom datasets import load_dataset\n"
        f"ds = load_dataset(\"{fmt}\", data_dir=\"{fmt}/default\", split=\"train\")   # canonical copies\n"
        + (f"ds_all = load_dataset(\"{fmt}\", data_dir=\"{fmt}/all\", split=\"train\")  # every copy\n"
           if not canonical_only else "")
        + ("\nimport pandas as pd\ndf = pd.read_parquet(\"parquet/default\")\n" if fmt == "parquet" else "")
        + "```\n",
        "## Figures\n",
        f"- documents: {result.documents:,}; canonical copies: {result.canonical:,}; "
        f"clusters of two or more copies: {result.clusters:,}\n"
        f"- characters: {result.chars:,}\n"
        + (f"- documents not yet compared for near-duplicates (crawled after the last `vnnews dedup`): "
           f"{result.not_deduplicated:,}\n" if result.not_deduplicated else ""),
        "### Per site\n",
        _table(sorted(result.sites.items()), ("site", "documents")) + "\n",
        "### Per year of publication\n",
        _table(sorted(result.years.items()), ("year", "documents")) + "\n",
        "### Languages (detected)\n",
        _table(sorted(result.langs.items(), key=lambda kv: -kv[1]), ("language", "documents")) + "\n",
        "## How it was made\n",
        "Each site is described by a YAML file (start pages, listings, feeds, article URL patterns, CSS "
        "selectors of headline, body and byline). Scrapy fetches the pages politely (robots.txt, per-site "
        "delay); every page is archived as WARC; the cleaner extracts the article, normalizes the text "
        "(UTF-8, NFC, mojibake repaired, zero-width characters removed, boilerplate and captions dropped) "
        "and rejects non-articles with a reason. Exact duplicates (same canonical URL or same text) are "
        "written once; the skipped copies are listed in the crawl's `duplicates.jsonl`. Near-duplicates "
        "(syndicated copies with a paragraph dropped, a dateline prefix or a source line added, the "
        "headline changed, or excerpts of two thirds of the paragraphs) are found with MinHash LSH over "
        "5-syllable shingles (112 permutations, 14 bands of 8) and a paragraph containment check; all "
        "copies stay in `all`, and the canonical copy of each cluster (the one another copy's source line "
        "names, else the earliest published, then the earliest crawled) is the one in `default`.\n",
        "## Licence and rights\n",
        "The texts belong to their publishers: each site's terms of use apply to its articles. The "
        "collection is published for research (language modelling, Vietnamese NLP, media studies); "
        "check the terms of the sites you use before any other use, and keep `url` with every text you "
        "quote. The vnnews code is MIT-licensed; that licence does not cover the texts.\n",
        "## Fields\n",
        _table([(f"`{name}`", dtype or "list of string", FIELDS[name]) for name, dtype in FEATURES],
               ("field", "type", "meaning")) + "\n",
    ]
    return "\n".join(parts)


def write_card(dest: Path, result, formats: list[str], canonical_only: bool, options: dict) -> Path:
    target = Path(dest) / CARD
    temp = target.with_name(f".{CARD}.tmp")
    with temp.open("w", encoding="utf-8") as fh:
        fh.write(render(result, formats, canonical_only, options))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temp, target)
    return target
