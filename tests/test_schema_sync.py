"""config/schema.json and docs/config-reference.md are generated from the config model:
these tests fail when a committed file differs from what the model generates now."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

from conftest import ROOT

from cleaners.siteconfig import ExtractRules, Profile, Site
from crawler.commands.schema import REFERENCE_PATH, SCHEMA_PATH, reference_markdown, schema_json


def vnnews(*args):
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8")


def test_committed_schema_matches_the_model():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_json(), "run: vnnews schema --write"


def test_committed_reference_matches_the_model():
    assert REFERENCE_PATH.read_text(encoding="utf-8") == reference_markdown(), "run: vnnews schema --docs --write"


def test_schema_has_every_key_of_sites_and_profiles():
    schema = json.loads(schema_json())
    for name, cls in (("site", Site), ("profile", Profile)):
        definition = schema["$defs"][name]
        assert set(definition["properties"]) == {f.name for f in dataclasses.fields(cls)}
        assert definition["additionalProperties"] is False  # a misspelt key is an error in the editor too
    extract = schema["$defs"]["site"]["properties"]["extract"]
    assert set(extract["properties"]) == {f.name for f in dataclasses.fields(ExtractRules)}


def test_schema_tells_a_profile_from_a_site_by_its_keys():
    schema = json.loads(schema_json())
    profile_keys = {clause["required"][0] for clause in schema["if"]["anyOf"]}
    site_keys = {clause["required"][0] for clause in schema["if"]["not"]["anyOf"]}
    assert {"detect", "extends"} <= profile_keys and {"domains", "title"} <= site_keys
    assert not profile_keys & site_keys
    assert schema["then"] == {"$ref": "#/$defs/profile"} and schema["else"] == {"$ref": "#/$defs/site"}


def test_reference_documents_every_key_with_its_default():
    text = reference_markdown()
    for cls in (Site, Profile, ExtractRules):
        for fld in dataclasses.fields(cls):
            assert f"| `{fld.name}` |" in text, fld.name
    assert "| `delay` | number | `1.0` |" in text
    assert "| `domains` | list of string (domain) | **required** |" in text


def test_schema_check_fails_on_a_stale_file_and_write_fixes_it(tmp_path):
    stale = tmp_path / "schema.json"
    stale.write_text(schema_json().replace('"delay"', '"pause"'), encoding="utf-8")
    done = vnnews("schema", "--check", "--output", str(stale))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith("-") and '"pause"' in line for line in lines)
    assert any(line.startswith("+") and '"delay"' in line for line in lines)
    assert "vnnews schema --write" in done.stderr
    assert vnnews("schema", "--write", "--output", str(stale)).returncode == 0
    assert vnnews("schema", "--check", "--output", str(stale)).returncode == 0
    assert vnnews("schema", "--docs", "--check").returncode == 0


def test_schema_and_docs_print_what_is_committed():
    printed = vnnews("schema")
    assert printed.returncode == 0 and printed.stdout == SCHEMA_PATH.read_text(encoding="utf-8")
    docs = vnnews("schema", "--docs")
    assert docs.returncode == 0 and docs.stdout == REFERENCE_PATH.read_text(encoding="utf-8")
