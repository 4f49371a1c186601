"""The shipped CMS profiles (profiles/*.yaml), sites (sites/*.yaml) and their JSON Schema.

Not code: this file makes the folder a regular package, installed as `vnnews_config` (see
pyproject.toml), so that cleaners/siteconfig.py finds the installed copy with importlib.resources.
"""
