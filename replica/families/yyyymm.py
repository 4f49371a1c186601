"""Papers of the "channel / yyyymm" family (research §3; vendor not identified):
baoapbac.vn, baoquangtri.vn, baohagiang.vn, baothainguyen.vn.

Documented: article URLs ``/<cat>/<yyyymm>/<slug>-<id>/`` (id decimal, or 7 hex digits on
baoquangtri/baohagiang), the older ``/channel/<catid>/<yyyymm>/<slug>-<id>`` form, images
under ``/dataimages/<yyyymm>/original/images<id>_<name>.jpg``, the headline in ``h2#title``,
dates like "Thứ Năm, 15/10/2020, 16:21 (GMT+7)" (baoapbac) or "17:54, 08/04/2024"
(baohagiang), list links ``a.title2`` and the lead in ``div.desc`` (baothainguyen).
Category pagination (``?page=N``) and the remaining markup are assumed.
"""

from __future__ import annotations

from datetime import datetime

from ..model import Article, Category
from .paper import PaperFamily


class YyyyMm(PaperFamily):
    template = "yyyymm"

    def path_for(self, cat: Category, slug: str, item_id: int, when: datetime | None) -> str:
        return f"/{cat.slug}/{when:%Y%m}/{slug}-{self.item_id(item_id)}/"

    def category_path(self, cat: Category, page: int = 1) -> str:
        return f"/{cat.slug}/" + (f"?page={page}" if page > 1 else "")

    def second_url_path(self, art: Article) -> str:
        # The server answers with or without the closing slash.
        return self.article_path(art).rstrip("/")
