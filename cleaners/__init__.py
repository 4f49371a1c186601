"""Extraction and cleaning of Vietnamese news pages; usable without Scrapy."""
