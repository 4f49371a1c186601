"""The crawler: the `vnnews` command (cli.py, commands/), the Scrapy-free storage side (corpus/)
and the Scrapy side (crawl/: spiders generated from config/sites/*.yaml, pipelines, settings)."""

__version__ = "0.1.0"
