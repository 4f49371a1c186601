"""EPI CMS papers (research §3): baolaocai.vn, baonghean.vn, baohatinh.vn, baogialai.com.vn.

Documented: article URLs ``/<slug>-post<id>.html``, tag pages ``/<slug>-tag<id>.html``,
images on the ``photo-cms-<site>.epicdn.me`` CDN, links with class ``cms-link``, the
lead in a ``div.article__sapo``-type block. Category paths ``/<cat>/`` with ``?page=N``
and the rest of the markup are a plausible reconstruction (see templates/epi.html).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from ..model import Article, Category
from .paper import PaperFamily


class Epi(PaperFamily):
    template = "epi"

    def path_for(self, cat: Category, slug: str, item_id: int, when: datetime | None) -> str:
        return f"/{slug}-post{item_id}.html"

    def category_path(self, cat: Category, page: int = 1) -> str:
        return f"/{cat.slug}/" + (f"?page={page}" if page > 1 else "")

    def second_url_path(self, art: Article) -> str:
        # Articles from before the move to EPI keep answering at their old `<slug>-<id>.html`
        # address (baonghean.vn's older scheme); the page names the -post URL as canonical.
        return f"/{art.slug}-{art.id}.html"

    def tag_path(self, tag: str, number: int) -> str:
        return f"/{_ascii_slug(tag)}-tag{number}.html"


def _ascii_slug(words: str) -> str:
    """Tag slugs as the CMS writes them: no diacritics, words joined by '-'."""
    folded = unicodedata.normalize("NFD", words.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())
