"""Compare the config validator of cleaners/schema.py with pydantic v2 and jsonschema (issue 12).

    .venv/bin/pip install pydantic jsonschema      # not dependencies of vnnews: only for this script
    .venv/bin/python benchmarks/validator_comparison.py

pydantic validates the same dataclasses (TypeAdapter(Site)); jsonschema validates against the
committed config/schema.json. Each gets the shipped site files (all valid) and one file with
ten known problems; the script prints which problems each finds and how many shipped files it
accepts. docs/config-validation.md holds the result and the decision.
"""

from __future__ import annotations

import glob
import json
import re
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners.schema import ConfigErrors, build, read_yaml  # noqa: E402
from cleaners.siteconfig import Site  # noqa: E402

# Ten problems, one a line from line 4 on; every one is a mistake a maintainer makes.
BAD = """\
name: bad
title: B
domains: [b.example]
colour: red
scheme: ftp
politeness: {delay: fast}
extract: {body: ['div['], published: [{css: '.d', attr: 5}]}
articles: {allow: ['(unclosed']}
start_date: '2024-13-01'
profile: Nukeviet
language: vi
start_urls: ['relative/path']
discovery: {max_listing_pages: many}
"""
PROBLEMS = ("colour", "scheme", "politeness.delay", "extract.body", "extract.published",
            "articles.allow", "start_date", "profile", "start_urls", "discovery.max_listing_pages")


def ours(path: Path) -> list[str]:
    try:
        data, lines = read_yaml(path)
        build(Site, data, str(path), lines)
    except ConfigErrors as exc:
        return [e.field for e in exc.errors]
    return []


def with_pydantic(path: Path) -> list[str]:
    import pydantic

    try:
        pydantic.TypeAdapter(Site).validate_python(yaml.safe_load(path.read_text(encoding="utf-8")))
    except pydantic.ValidationError as exc:
        return [".".join(str(p) for p in err["loc"] if not isinstance(p, int)) for err in exc.errors()]
    return []


def with_jsonschema(path: Path) -> list[str]:
    import jsonschema

    schema = json.loads((ROOT / "config" / "schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    found = []
    for err in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))):
        where = ".".join(str(p) for p in err.absolute_path if not isinstance(p, int))
        extra = re.findall(r"'([^']+)' (?:was|were) unexpected", err.message)  # additionalProperties
        found += [".".join(filter(None, (where, key))) for key in extra] or [where]
    return found


def main() -> int:
    shipped = [Path(p) for p in sorted(glob.glob(str(ROOT / "config" / "sites" / "*.yaml")))]
    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp) / "bad.yaml"
        bad.write_text(BAD, encoding="utf-8")
        for name, check in (("cleaners/schema.py", ours), ("pydantic", with_pydantic), ("jsonschema", with_jsonschema)):
            found = set(check(bad))
            hits = [p for p in PROBLEMS if any(f == p or f.startswith(p) or p.startswith(f) and f for f in found)]
            accepted = sum(not check(p) for p in shipped)
            print(f"{name:20s} found {len(hits):2d} of {len(PROBLEMS)} problems; accepts {accepted} of "
                  f"{len(shipped)} shipped sites; missed: {', '.join(p for p in PROBLEMS if p not in hits) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
