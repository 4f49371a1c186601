"""Generic Vietnamese-language knowledge: text normalization, dates, boilerplate shapes."""
