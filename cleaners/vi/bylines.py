"""Vietnamese bylines as sites write them, reduced to the author's name.

"Theo Phạm Trường" (theo = according to) names the author; news agencies are often glued
to the name by the CMS ("Tâm HằngTTXVN") or written after it ("Minh Vũ (TTXVN)").
"""

from __future__ import annotations

import re

AGENCIES = ("TTXVN/Vietnam+", "TTXVN", "Vietnam+", "VNA", "VOV", "VTV", "TTXVN/VNA")
_PREFIX = re.compile(r"^(Theo|Bài và ảnh|Bài, ảnh|Bài|Ảnh|Thực hiện|Tác giả)\s*:?\s+", re.IGNORECASE)
_AGENCY = "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True))
_AGENCY_SUFFIX = re.compile(rf"\s*(?:[(/\-–]\s*)?(?:{_AGENCY})\s*\)?$")
_GLUED_AGENCY = re.compile(rf"(?<=[a-zà-ỹđ])(?:{_AGENCY})$")
# "Hà Thu (tổng hợp)": a role in lower case after a name signing the article's last line.
ROLE_SUFFIX = re.compile(r"\s*\((?=[a-zà-ỹđ])[^()]{1,30}\)$")


def clean_author(value: str | None) -> str | None:
    """The name in a byline: no 'Theo' prefix, no agency glued or appended; None if nothing is left."""
    if not value:
        return None
    name = _PREFIX.sub("", value.strip())
    name = _GLUED_AGENCY.sub("", name)
    stripped = _AGENCY_SUFFIX.sub("", name).strip(" ,-–/")
    name = stripped or name.strip()
    if name.isupper() and len(name.split()) >= 2:
        name = name.title()  # "NHẬT XUÂN, NGHI VŨ": the page's capitals are styling
    return name or None
