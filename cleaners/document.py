"""What the cleaning core produces: a document, or a rejection with a reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# The documented rejection reasons (README "Rejections"); every rejected page carries one.
REJECT_REASONS = {
    "undecodable": "the bytes are not text (binary, PDF, image) or cannot be decoded",
    "garbled": "the text is damaged: replacement characters or mojibake that cannot be repaired safely",
    "not-article": "the page is not an article (home, listing, error or redirect page: no article body)",
    "not-vietnamese": "the article text is not in the site's language",
    "too-short": "the article body is shorter than the minimum length",
}

METADATA_FIELDS = ("published", "author", "source", "kicker", "category")


@dataclass
class Removal:
    """One piece of the page that a step removed, for --explain."""

    step: str
    rule: str
    text: str


@dataclass
class Document:
    title: str
    paragraphs: list[str]
    url: str | None = None
    site: str = "generic"
    cms: str = "generic"
    published: str | None = None
    author: str | None = None
    source: str | None = None
    kicker: str | None = None
    category: str | None = None
    lang: str | None = None
    lang_prob: float | None = None

    @property
    def text(self) -> str:
        """The corpus file: headline, blank line, one paragraph a line, blank lines between, final newline."""
        return self.title + "\n\n" + "\n\n".join(self.paragraphs) + "\n"


@dataclass
class CleanResult:
    status: str  # "ok" or "rejected"
    document: Document | None = None
    reason: str | None = None
    detail: str | None = None
    url: str | None = None
    site: str = "generic"
    cms: str = "generic"
    removed: list[Removal] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # What --explain and `vnnews try` report besides removals: configured selectors that matched
    # nothing here, and where a generic rule stood in for them (fallbacks).
    notes: list[str] = field(default_factory=list)
    misses: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def stats(self) -> dict[str, int]:
        """Per-step counts named as a crawl's stats: `clean/<step>/removed` (text steps: pieces
        removed; structural steps: elements removed; gates: 1 when the gate rejected the page)."""
        return {f"clean/{step}" if "/" in step else f"clean/{step}/removed": count  # "fallback/generic"
                for step, count in sorted(self.counts.items())}

    def to_record(self) -> dict:
        """The JSON object of `vnnews clean --format json` and `--batch`."""
        doc = self.document
        record = {"status": self.status, "reason": self.reason,
                  "title": doc.title if doc else None, "text": doc.text if doc else None}
        for name in METADATA_FIELDS + ("lang", "lang_prob"):
            record[name] = getattr(doc, name) if doc else None
        record.update(site=self.site, cms=self.cms, url=self.url)
        if self.detail and not doc:
            record["detail"] = self.detail
        return record


class Rejected(Exception):
    """Raised by a step to drop the page with one of REJECT_REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        assert reason in REJECT_REASONS, reason
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


__all__ = ["REJECT_REASONS", "METADATA_FIELDS", "Removal", "Document", "CleanResult", "Rejected", "asdict"]
