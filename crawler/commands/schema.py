"""`vnnews schema`: the JSON Schema of site and profile YAMLs, and the config reference,
both generated from the config model so they cannot drift from it."""

from __future__ import annotations

import dataclasses
import difflib
import json
import sys
import typing
from pathlib import Path

from ._config_files import own_keys
from ._messages import shown

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA_PATH = ROOT / "config" / "schema.json"
REFERENCE_PATH = ROOT / "docs" / "config-reference.md"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "schema", help="print, write or check config/schema.json (or the config reference)",
        description="Both files are generated from the config model (cleaners/siteconfig.py); "
                    "tests/test_schema_sync.py fails when a committed one differs.")
    parser.add_argument("--docs", action="store_true", help="the Markdown reference of every config key instead")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write it ({SCHEMA_PATH.relative_to(ROOT)} or "
                                                             f"{REFERENCE_PATH.relative_to(ROOT)})")
    action.add_argument("--check", action="store_true",
                        help="exit 1, with a diff, when the written file differs from the model")
    parser.add_argument("--output", metavar="FILE", help="the file --write and --check use instead")
    parser.set_defaults(run=run)


def run(args) -> int:
    text, path = (reference_markdown(), REFERENCE_PATH) if args.docs else (schema_json(), SCHEMA_PATH)
    if (args.write or args.check) and not args.output and not in_source_checkout():
        # installed from a wheel: the committed files are not there, and writing beside the
        # installed package would change the installation, not a checkout
        print(f"vnnews schema: {path.relative_to(ROOT)} belongs to a source checkout and this vnnews is "
              f"installed without one: give --output FILE", file=sys.stderr)
        return 2
    path = Path(args.output) if args.output else path
    if args.write:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {shown(path)}")
        return 0
    if args.check:
        return _check(path, text, "--docs " if args.docs else "")
    print(text, end="")
    return 0


def in_source_checkout() -> bool:
    return (ROOT / "pyproject.toml").is_file() and (ROOT / "docs").is_dir()


def _check(path: Path, text: str, docs_flag: str) -> int:
    try:
        written = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"vnnews schema: {shown(path)}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if written == text:
        print(f"{shown(path)}: up to date")
        return 0
    sys.stdout.writelines(difflib.unified_diff(written.splitlines(keepends=True), text.splitlines(keepends=True),
                                               fromfile=shown(path), tofile="generated from the model"))
    print(f"{shown(path)} differs from the model: run vnnews schema {docs_flag}--write", file=sys.stderr)
    return 1


def schema_json() -> str:
    """One schema for both kinds of file: the `if` tells them apart as `vnnews validate` does
    (a site unless it has profile keys only), so an editor reports one kind's errors, not both."""
    from cleaners.schema import json_schema
    from cleaners.siteconfig import Profile, Site

    site, profile = json_schema(Site, "vnnews site"), json_schema(Profile, "vnnews CMS profile")
    for part in (site, profile):
        part.pop("$schema", None)
    site_only, profile_only = own_keys()
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "vnnews config: a site (config/sites/*.yaml) or a CMS profile (config/profiles/*.yaml)",
        "$defs": {"site": site, "profile": profile},
        "if": {"anyOf": [{"required": [key]} for key in profile_only],
               "not": {"anyOf": [{"required": [key]} for key in site_only]}},
        "then": {"$ref": "#/$defs/profile"},
        "else": {"$ref": "#/$defs/site"},
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# What the "kind" of a string value means: the checks in cleaners/schema.py (_check_kind).
KINDS = {
    "css": "a CSS selector (lxml cssselect); checked when the config is loaded",
    "regex": "a Python regular expression; write it in single quotes so backslashes stay as typed",
    "url_or_path": "an http(s) URL, or a path starting with / on the site's main domain",
    "domain": "a lower-case host name, like baolaichau.vn",
    "name": "lower-case letters, digits, - and _",
    "date": "a date YYYY-MM-DD",
}


def reference_markdown() -> str:
    from cleaners.siteconfig import Profile, Site

    lines = ["# Config reference", "",
             "Generated from the config model (`cleaners/siteconfig.py`) by `vnnews schema --docs --write`;",
             "`tests/test_schema_sync.py` fails when this file differs from the model. Editors check YAML",
             "files against `config/schema.json` (generated the same way) when the file's first line is",
             "`# yaml-language-server: $schema=../schema.json`. `vnnews validate` checks them all.", "",
             "A list may be written as a single value where it has one item (`body: '#content'`).",
             "Values of a kind are checked beyond their type:", ""]
    lines += [f"- {kind}: {meaning}" for kind, meaning in KINDS.items()]
    lines.append("")
    seen: list[type] = []
    for cls, heading in ((Site, "Site: `config/sites/NAME.yaml`"), (Profile, "Profile: `config/profiles/NAME.yaml`")):
        lines += _section(cls, heading, seen)
    return "\n".join(lines).rstrip() + "\n"


def _section(cls, heading: str, seen: list) -> list[str]:
    lines = [f"## {heading}", "", _cell(" ".join((cls.__doc__ or "").split())), "",
             "| key | type | default | meaning |", "|---|---|---|---|"]
    nested = []
    for fld in dataclasses.fields(cls):
        hint = typing.get_type_hints(cls)[fld.name]
        lines.append(f"| `{fld.name}` | {_type_name(hint, fld)} | {_default(fld)} | "
                     f"{_cell(fld.metadata.get('doc', ''))} |")
        nested += [t for t in _dataclasses_in(hint) if t not in seen]
    lines.append("")
    for inner in nested:
        if inner not in seen:
            seen.append(inner)
            lines += _section(inner, f"{inner.__name__}", seen)
    return lines


def _cell(text: str) -> str:
    """Markdown-safe text: '<meta name=generator>' would vanish as an HTML tag, '|' would split the cell."""
    return text.replace("<", "&lt;").replace("|", "\\|")


def _dataclasses_in(hint) -> list[type]:
    if dataclasses.is_dataclass(hint):
        return [hint]
    return [t for arg in typing.get_args(hint) for t in _dataclasses_in(arg)]


def _type_name(hint, fld) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    kind = fld.metadata.get("kind") if fld is not None else None
    if args and type(None) in args:
        return _type_name(next(a for a in args if a is not type(None)), fld) + " or null"
    if origin is list:
        return f"list of {_type_name(args[0], fld)}"
    if dataclasses.is_dataclass(hint):
        shorthand = getattr(hint, "shorthand", None)
        return f"[{hint.__name__}](#{hint.__name__.lower()})" + (f" (or a string: its `{shorthand}`)" if shorthand else "")
    name = {str: "string", int: "whole number", float: "number", bool: "true/false"}.get(hint, str(hint))
    choices = fld.metadata.get("choices") if fld is not None else ()
    if choices:
        return " / ".join(f"`{c}`" for c in choices)
    return f"{name} ({kind})" if kind else name


def _default(fld) -> str:
    """The default as it would be written in YAML."""
    if fld.default is not dataclasses.MISSING:
        return "unset" if fld.default is None else f"`{_yaml_value(fld.default)}`"
    if fld.default_factory is not dataclasses.MISSING:
        value = fld.default_factory()
        if dataclasses.is_dataclass(value):
            return f"the defaults of [{type(value).__name__}](#{type(value).__name__.lower()})"
        return f"`{_yaml_value(value)}`"
    return "**required**"


def _yaml_value(value) -> str:
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (bool, list, dict)) else str(value)
