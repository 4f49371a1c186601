"""ASP.NET WebForms portals with table layouts (research §3): baobinhdinh.vn, baohanam.com.vn.

Documented: baobinhdinh.vn serves articles at ``viewer.aspx?mabb=<article>&macm=<category>``;
baohanam.com.vn has ``amp.aspx?itemid=<id>`` pages and ``?currentpage=`` lists. Each paper's
URL shapes are chrome data (``urls`` in data/<site>.yaml) because the two differ; the
WebForms markup (one ``form`` with ``__VIEWSTATE``, layout tables, ``ctl00_…`` control ids)
is a plausible reconstruction of the family, not copied from either site.
"""

from __future__ import annotations

from datetime import datetime

from ..model import Article, Category
from .paper import PaperFamily


class AspNet(PaperFamily):
    template = "aspnet"

    @property
    def urls(self) -> dict[str, str]:
        return self.chrome["urls"]

    def path_for(self, cat: Category, slug: str, item_id: int, when: datetime | None) -> str:
        return self.urls["article"].format(cat=cat.slug, cat_id=cat.cat_id, slug=slug, id=item_id)

    def category_path(self, cat: Category, page: int = 1) -> str:
        key = "listing" if page == 1 else "listing_page"
        return self.urls[key].format(cat=cat.slug, cat_id=cat.cat_id, page=page)

    def second_url_path(self, art: Article) -> str:
        return self.urls["second"].format(cat=art.category.slug, cat_id=art.category.cat_id,
                                          slug=art.slug, id=art.id)

