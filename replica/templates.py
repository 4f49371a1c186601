"""Per-CMS page templates for the replica sites.

A family template file holds named sections delimited the way NukeViet's own
XTemplate files are (``<!-- BEGIN: name -->`` ... ``<!-- END: name -->``), so
one file per CMS family keeps every fragment of that family's markup together.
Sections are ``string.Template`` strings (``$name`` placeholders, ``$$`` for a
literal dollar sign).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from string import Template

TEMPLATE_DIR = Path(__file__).parent / "templates"

# A section's body starts after the BEGIN line and stops before the END
# marker; the newline right before END belongs to the body, so a section
# renders as whole lines and fragments can be concatenated without gluing.
_SECTION_RE = re.compile(r"<!-- BEGIN: (\w+) -->\n(.*?)<!-- END: \1 -->", re.S)


@lru_cache(maxsize=None)
def load_family(family: str) -> dict[str, Template]:
    """Return the named sections of ``templates/<family>.html``."""
    text = (TEMPLATE_DIR / f"{family}.html").read_text(encoding="utf-8")
    sections = {name: Template(body) for name, body in _SECTION_RE.findall(text)}
    if not sections:
        raise ValueError(f"template {family!r} has no sections")
    return sections


def text(value: str | None) -> str:
    """Escape text for element content the way CKEditor stores it.

    Non-breaking spaces become ``&nbsp;`` because that is how the real CMS
    editors write them; the parsed text is unchanged.
    """
    if not value:
        return ""
    return html.escape(value, quote=False).replace("\u00a0", "&nbsp;")


def attr(value: str | None) -> str:
    """Escape a value for a double-quoted attribute."""
    return html.escape(value or "", quote=True).replace("\u00a0", "&nbsp;")
