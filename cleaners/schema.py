"""A small typed-dataclass validator for YAML configs.

Configs are plain dataclasses; the field types and a few `metadata` hints (kind, doc)
drive three things from one definition: validation with file/line/field messages,
defaults, and the JSON Schema that editors use (`config/schema.json`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any

import yaml
from lxml.cssselect import CSSSelector, SelectorError


class ConfigError(ValueError):
    """A config problem, located: file, line, field, what was expected."""

    def __init__(self, file: str, line: int | None, field: str, message: str):
        self.file, self.line, self.field, self.message = file, line, field, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field or '(top level)'}: {message}")


class ConfigErrors(ValueError):
    """Every problem found in one or more files, so a maintainer fixes them in one pass."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def field(default: Any = MISSING, *, doc: str, kind: str | None = None,
          choices: tuple[str, ...] = ()) -> Any:
    """A dataclass field with documentation and an optional value kind.

    kind: "css" (a CSS selector), "regex", "url_or_path", "date"; choices: allowed strings.
    """
    meta = {"doc": doc, "kind": kind, "choices": choices}
    if isinstance(default, (list, dict)):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=meta)
    if dataclasses.is_dataclass(default):
        template = default
        return dataclasses.field(default_factory=lambda: dataclasses.replace(template), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


# --- locating values in the YAML source -------------------------------------------------

# Every `vnnews` command reads all configs at start-up: they are parsed once (the data is
# constructed from the composed nodes, whose marks give the line map) and by libyaml's C parser
# when PyYAML has it, several times faster than the pure-Python one. What the C parser refuses
# is read again by PyYAML's own, so a broken file gets PyYAML's words and line numbers.
_Loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
_composed: list = []  # [(text, root node)] of the text _safe_load read last, for line_map


def _safe_load(text: str) -> Any:
    """yaml.safe_load(text), its nodes kept for line_map(text)."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except (yaml.YAMLError, ValueError):
        return yaml.safe_load(text)
    finally:
        loader.dispose()
    _composed[:] = [(text, root)]
    return data


def _nodes(text: str):
    """yaml.compose(text): the nodes _safe_load kept when it read this very text."""
    if _composed and _composed[0][0] is text:
        return _composed.pop()[1]
    return yaml.compose(text, Loader=yaml.SafeLoader)


def line_map(text: str) -> dict[tuple, int]:
    """Map each key path (tuple of keys/indexes) to its 1-based line in the YAML text."""
    return _compose(text)[0]


def _compose(text: str) -> tuple[dict[tuple, int], list[tuple[tuple, int, int]]]:
    """The line map, and every key given twice in one mapping: (path, first line, second line).
    (PyYAML keeps the last of two equal keys without a word: `extract: {}` above a real
    `extract:` block would silently replace it.)"""
    lines: dict[tuple, int] = {}
    duplicates: list[tuple[tuple, int, int]] = []
    try:
        root = _nodes(text)
    except yaml.YAMLError:
        return lines, duplicates

    def walk(node, path):
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, value_node in node.value:
                key = key_node.value
                child = path + (key,)
                if key in seen:
                    duplicates.append((child, seen[key], key_node.start_mark.line + 1))
                seen.setdefault(key, key_node.start_mark.line + 1)
                walk(value_node, child)
                lines[child] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, path + (index,))

    if root is not None:
        walk(root, ())
    return lines, duplicates


# PyYAML's words for a syntax error, said for a maintainer: (pattern of PyYAML's problem, words).
_SYNTAX_HINTS = (
    (r"unknown escape character",
     "a backslash inside double quotes starts an escape sequence, and this one is not valid; write "
     "regexes in single quotes ('^/\\d+\\.html$' keeps every backslash as written)"),
    (r"found character '\\t' that cannot start any token|found a tab character",
     "a tab character: YAML indents with spaces only"),
    (r"expected <block end>|mapping values are not allowed|did not find expected key|"
     r"expected <block mapping start>|could not find expected ':'",
     "the indentation does not fit the lines above: keys of one mapping start in the same column, "
     "list items ('- ') under their key; or a value holds ': ' and needs quotes"),
    (r"expected ',' or '\]'|expected ',' or '}'",
     "a [list] or {mapping} on one line is not closed, or an item holds ',' ':' or '#' and needs quotes"),
    (r"found unexpected end of stream|while scanning a quoted scalar",
     "a quoted string is not closed"),
    (r"found undefined alias|found unacceptable character|while scanning an? (alias|anchor)",
     "a '*', '&' or '!' starts a YAML alias, anchor or tag: put the value in single quotes"),
)


def explain_yaml_error(problem: str) -> str:
    for pattern, words in _SYNTAX_HINTS:
        if re.search(pattern, problem):
            return f"invalid YAML: {words} (the parser says: {problem})"
    return f"invalid YAML: {problem}"


def read_yaml(path: Path, problems: list | None = None) -> tuple[Any, dict[tuple, int]]:
    """Read a YAML file with safe_load only; syntax errors become a located ConfigError with
    words and a hint. A key given twice in one mapping is a problem too: added to `problems`
    when given (so the file is still checked further), else raised."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigErrors([ConfigError(str(path), None, "", f"cannot read the file: {exc}")])
    try:
        data = _safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is not None:
            problem = f"{problem} (column {mark.column + 1})"
        raise ConfigErrors([ConfigError(str(path), line, "", explain_yaml_error(problem))])
    except ValueError as exc:  # a timestamp-looking value that is no date: 2024-13-01
        raise ConfigErrors([ConfigError(str(path), None, "", f"invalid YAML: a date that does not exist ({exc}); "
                                        "write dates as YYYY-MM-DD, or quote the value")])
    lines, duplicates = _compose(text)
    found = [ConfigError(str(path), second, _dotted(key_path),
                         f"duplicate key: given at line {first} and again at line {second}; YAML would keep "
                         "only the second: merge them into one") for key_path, first, second in duplicates]
    if found and problems is None:
        raise ConfigErrors(found)
    if problems is not None:
        problems.extend(found)
    return data, lines


def _dotted(path: tuple) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")


# --- validation ---------------------------------------------------------------------------

@dataclass
class _Context:
    file: str
    lines: dict[tuple, int]
    errors: list[ConfigError]

    def error(self, path: tuple, message: str) -> None:
        line = None
        for cut in range(len(path), -1, -1):
            line = self.lines.get(path[:cut])
            if line:
                break
        dotted = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
        self.errors.append(ConfigError(self.file, line, dotted, message))


def build(cls: type, data: Any, file: str, lines: dict[tuple, int] | None = None):
    """Validate `data` (from safe_load) against dataclass `cls`; raise ConfigErrors or return an instance."""
    ctx = _Context(file, lines or {}, [])
    result = _build_dataclass(cls, data, (), ctx)
    if ctx.errors:
        raise ConfigErrors(ctx.errors)
    return result


def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build_dataclass(cls: type, data: Any, path: tuple, ctx: _Context):
    if not isinstance(data, dict):
        ctx.error(path, f"expected a mapping of {cls.__name__} keys, got {_describe(data)}")
        return None
    hints = _type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            known = ", ".join(sorted(fields))
            ctx.error(path + (key,), f"unknown key; expected one of: {known}")
    values = {}
    for name, fld in fields.items():
        if name in data:
            values[name] = _build_value(hints[name], fld, data[name], path + (name,), ctx)
        elif fld.default is MISSING and fld.default_factory is MISSING:
            ctx.error(path + (name,), f"required key is missing ({fld.metadata.get('doc', '')})")
    try:
        return cls(**values)
    except TypeError:
        return None  # errors already recorded


def _build_value(hint: Any, fld, value: Any, path: tuple, ctx: _Context):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _build_value(inner[0], fld, value, path, ctx)
        return _build_union(inner, fld, value, path, ctx)
    if origin is list:
        if isinstance(value, (str, dict)) or not isinstance(value, list):
            if isinstance(value, (str, dict)):
                value = [value]  # a single item is accepted where a list is expected
            else:
                ctx.error(path, f"expected a list, got {_describe(value)}")
                return []
        return [_build_value(args[0], fld, item, path + (i,), ctx) for i, item in enumerate(value)]
    if dataclasses.is_dataclass(hint):
        if isinstance(value, str) and getattr(hint, "shorthand", None):
            value = {hint.shorthand: value}
        return _build_dataclass(hint, value, path, ctx)
    return _build_scalar(hint, fld, value, path, ctx)


def _build_union(options, fld, value, path, ctx):
    for option in options:
        trial = _Context(ctx.file, ctx.lines, [])
        result = _build_value(option, fld, value, path, trial)
        if not trial.errors:
            return result
    names = " or ".join(getattr(o, "__name__", str(o)) for o in options)
    ctx.error(path, f"expected {names}, got {_describe(value)}")
    return None


def _build_scalar(hint, fld, value, path, ctx):
    kind = fld.metadata.get("kind") if fld is not None else None
    if hint is bool:
        if not isinstance(value, bool):
            ctx.error(path, f"expected true or false, got {_describe(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.error(path, f"expected a whole number, got {_describe(value)}")
        elif value < 0:
            ctx.error(path, f"expected a number >= 0, got {value}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            ctx.error(path, f"expected a number, got {_describe(value)}")
            return value
        if value < 0:
            ctx.error(path, f"expected a number >= 0, got {value}")
        return float(value)
    if hint is str:
        if kind == "date" and isinstance(value, dt.date):
            return value.isoformat()
        if not isinstance(value, str):
            ctx.error(path, f"expected a string, got {_describe(value)}")
            return value
        _check_kind(kind, fld, value, path, ctx)
        return value
    ctx.error(path, f"unsupported type {hint}")
    return value


def _check_kind(kind, fld, value, path, ctx):
    choices = fld.metadata.get("choices") if fld is not None else ()
    if choices and value not in choices:
        ctx.error(path, f"expected one of {', '.join(choices)}, got {value!r}")
    if kind == "regex":
        try:
            re.compile(value)
        except re.error as exc:
            ctx.error(path, f"expected a regular expression, got {_as_written(value)} ({exc})")
    elif kind == "css":
        try:
            CSSSelector(value)
        except (SelectorError, SyntaxError, Exception) as exc:  # cssselect raises several types
            ctx.error(path, f"expected a CSS selector, got {_as_written(value)} ({exc.__class__.__name__}: {exc})")
    elif kind == "url_or_path":
        if not re.match(r"^(https?://[^/\s]+(/\S*)?|/\S*)$", value):
            ctx.error(path, f"expected an http(s) URL or an absolute path starting with /, got {value!r}")
    elif kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            ctx.error(path, f"expected a date YYYY-MM-DD, got {value!r}")
    elif kind == "domain":
        if not re.match(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", value):
            ctx.error(path, f"expected a lower-case host name like baolaichau.vn, got {value!r}")
    elif kind == "name":
        if not re.match(r"^[a-z0-9][a-z0-9_-]*$", value):
            ctx.error(path, f"expected a lower-case name of letters, digits, - and _, got {value!r}")


def _as_written(value: str) -> str:
    """A string as the YAML file holds it in single quotes: a regex's backslashes stay single
    (repr() would double them, so the message would not match the file)."""
    return "'" + value.replace("'", "''") + "'"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


# --- JSON Schema --------------------------------------------------------------------------

def json_schema(cls: type, title: str) -> dict:
    """JSON Schema (draft 2020-12) of a config dataclass, for editors."""
    schema = _schema_of_dataclass(cls)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return schema


def _schema_of_dataclass(cls: type) -> dict:
    hints = _type_hints(cls)
    props, required = {}, []
    for fld in dataclasses.fields(cls):
        props[fld.name] = _schema_of(hints[fld.name], fld)
        if fld.default is MISSING and fld.default_factory is MISSING:
            required.append(fld.name)
    schema = {"type": "object", "additionalProperties": False, "properties": props}
    if cls.__doc__:
        schema["description"] = " ".join(cls.__doc__.split())
    if required:
        schema["required"] = required
    shorthand = getattr(cls, "shorthand", None)
    if shorthand:
        return {"anyOf": [{"type": "string"}, schema]}
    return schema


def _schema_of(hint, fld) -> dict:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [_schema_of(a, fld) for a in args if a is not type(None)]
        base = inner[0] if len(inner) == 1 else {"anyOf": inner}
        schema = {"anyOf": [base, {"type": "null"}]} if type(None) in args else base
    elif origin is list:
        item = _schema_of(args[0], None)
        schema = {"anyOf": [{"type": "array", "items": item}, item]}
    elif dataclasses.is_dataclass(hint):
        schema = _schema_of_dataclass(hint)
    else:
        schema = {bool: {"type": "boolean"}, int: {"type": "integer", "minimum": 0},
                  float: {"type": "number", "minimum": 0}, str: {"type": "string"}}[hint]
        if fld is not None and fld.metadata.get("choices"):
            schema = {"enum": list(fld.metadata["choices"])}
        if fld is not None and fld.metadata.get("kind") == "date":
            schema = {"type": "string", "format": "date"}
    if fld is not None:
        schema = dict(schema)
        schema["description"] = fld.metadata.get("doc", "")
        if fld.default is not MISSING and fld.default is not None:
            schema["default"] = fld.default
    return schema
