"""The gates: steps that keep or reject the whole page, run after the text steps.

They have the text steps' interface (cleaners/steps.py: a `name`, called with the PageState),
are counted the same way (`counts[name]`, which a crawl reports as `clean/<name>/removed`) and
are listed by --explain: a gate that rejects records one Removal (its name, the reason, the
detail) before raising Rejected.

    headline  a page without a headline is no article
    article   the extraction's structural verdict (listing, stub), a home-page URL, an error-page title
    length    the body is shorter than the site's minimum
    language  the text is not in the expected language (detected here, stored on the page)
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .document import Rejected, Removal
from .language import detect_language
from .steps import PageState, Step
from .vi import boilerplate

DEFAULT_MIN_CHARS = 120  # a two-paragraph brief is longer; a listing stub or error page is not
HOME_PATHS = ("", "index.php", "index.html", "index.htm", "default.aspx", "vi", "en", "vn")


class Gate(Step):
    """A step that lets the page through or rejects it whole."""

    def reject(self, page: PageState, reason: str, detail: str) -> None:
        page.removed.append(Removal(self.name, reason, detail))
        page.counts[self.name] = page.counts.get(self.name, 0) + 1
        raise Rejected(reason, detail)


class HeadlineGate(Gate):
    name = "headline"

    def __call__(self, page):
        if page.any_page:
            if not page.blocks:
                self.reject(page, "not-article", "no text found")
            return
        if not page.title and not page.blocks:
            self.reject(page, "not-article", "no headline and no text")
        if not page.title:
            self.reject(page, "not-article", "no headline found")


class ArticleGate(Gate):
    """Is this an article at all? Decided on the article region (the extraction's verdict:
    teaser runs, a list of links, a stub without headline element), the URL's shape (the
    site's front page) and an error page's headline."""

    name = "article"

    def __call__(self, page):
        if page.any_page:
            return
        if page.not_article:
            self.reject(page, "not-article", page.not_article)
        if page.url and is_home_page(page.url):
            self.reject(page, "not-article", f"home page: {page.url}")
        if page.title and boilerplate.NOT_FOUND_TITLES.search(page.title):
            self.reject(page, "not-article", f"error page: {page.title!r}")


class LengthGate(Gate):
    name = "length"

    def __call__(self, page):
        if page.any_page:
            return
        body_chars = sum(len(b.text) for b in page.blocks)
        minimum = page.min_chars if page.min_chars is not None else DEFAULT_MIN_CHARS
        if body_chars < minimum:
            reason = "not-article" if body_chars == 0 else "too-short"
            self.reject(page, reason, f"{body_chars} characters of text, at least {minimum} needed")


class LanguageGate(Gate):
    name = "language"

    def __call__(self, page):
        text = (page.title or "") + "\n\n" + "\n\n".join(b.text for b in page.blocks) + "\n"
        page.lang, page.lang_prob = detect_language(text)
        wanted = page.expect_lang or "vi"
        if wanted != "any" and page.lang != wanted:
            self.reject(page, "not-vietnamese" if wanted == "vi" else "not-article",
                        f"language {page.lang} (p={page.lang_prob}), expected {wanted}")


def is_home_page(url: str) -> bool:
    """The site's front page; '/?p=3289' (WordPress) or '/index.php?nv=news&op=…' are articles."""
    parts = urlsplit(url)
    return not parts.query and parts.path.strip("/").lower() in HOME_PATHS


DEFAULT_GATES: tuple[Gate, ...] = (HeadlineGate(), ArticleGate(), LengthGate(), LanguageGate())
