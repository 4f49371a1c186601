"""The `vnnews` command. Each subcommand is a module in crawler/commands with
`register(subparsers)`; commands import Scrapy only when they crawl, so cleaning
works without it."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from crawler import __version__, commands

EXIT_OK, EXIT_USAGE = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 on bad usage: keep that, with a clear message
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"vnnews: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vnnews", description="Vietnamese provincial news to a clean text corpus.")
    parser.add_argument("--version", action="version", version=f"vnnews {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # shared helpers, not commands
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
