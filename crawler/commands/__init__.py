"""Subcommands of `vnnews`: one module each, with `register(subparsers)` setting `run`."""
