"""The `vnnews` command. Each subcommand is a module in crawler/commands with
`register(subparsers)`; commands import Scrapy only when they crawl, so cleaning
works without it."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from crawler import __version__, commands

EXIT_OK, EXIT_USAGE = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 on bad usage: keep that, with a clear message
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"vnnews: error: {message}\n")


def _command_modules() -> list[str]:
    """The modules of crawler/commands that are commands (a leading _ marks shared helpers)."""
    import pkgutil

    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__) if not info.name.startswith("_"))


def _is_command_module(name: str) -> bool:
    """Whether crawler/commands/NAME.py is one of _command_modules(), without listing them all
    (pkgutil.iter_modules imports inspect: a tenth of the imports of a one-page `vnnews clean`)."""
    return name.isidentifier() and not name.startswith("_") and \
        any(os.path.isfile(os.path.join(folder, f"{name}.py")) for folder in commands.__path__)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with the one `only` names when its module has that
    name (clean.py registers `clean`): `vnnews clean page.html` then imports the clean command
    alone, not every command module and all they import (start-up is most of a one-page run).
    Any other first word (a command named unlike its module, --help, a typo) gets the whole parser."""
    if only is not None:
        module_name = only.replace("-", "_")
        if _is_command_module(module_name):
            parser, sub = _empty_parser()
            importlib.import_module(f"{commands.__name__}.{module_name}").register(sub)
            if only in sub.choices:
                return parser
    parser, sub = _empty_parser()
    for module_name in _command_modules():
        importlib.import_module(f"{commands.__name__}.{module_name}").register(sub)
    return parser


def _empty_parser():
    parser = _Parser(prog="vnnews", description="Vietnamese provincial news to a clean text corpus.")
    parser.add_argument("--version", action="version", version=f"vnnews {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    return parser, sub


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    parser = build_parser(only=argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.run(args) or EXIT_OK
    except KeyboardInterrupt:
        print("vnnews: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
