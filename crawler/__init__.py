"""The Scrapy project: spiders generated from config/sites/*.yaml, pipelines that write the corpus."""

__version__ = "0.1.0"
