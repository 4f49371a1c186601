"""Robustness to theme changes: how many variants of a page still give the same document.

    python benchmarks/robustness.py [--details] [--data ../shared/benchmarks]

A measurement, not a test: nothing here is tuned to pass. For every site with a real-page
fixture (tests/fixtures/sites/<site>/real-pages.yaml: the article pages the site really served,
read from ../shared) and every CMS profile with a replica fixture (the replica-rendered pages of
the sites that use the profile, tests/fixtures/sites/<site>/*.html, and the hand-written page of
a second site of the family, tests/fixtures/cms_families/<profile>/), the page is changed the
way a new theme changes it, one change a variant:

- wrapper-classes: every class of the elements around the article body renamed;
- wrap-outer: an extra <div> around the body element;  wrap-inner: an extra <div> inside it,
  around all its content;  wrap-title: an extra <div> around the headline;
- caption-before / caption-after: the first photo's caption holder (the largest element around
  the caption holding the photo and caption and no other text) moved out of the body, to just
  before / just after it; the caption's line may then stand where the holder now is;
- sapo-class: the lead (sapo) element under another class;
- date-element: the publication date written in another element (a <span> with its text, no
  attributes);
- sidebar-reordered: the blocks of the column beside the article in reverse order.

A variant whose change does not apply to the page (no caption, no lead, no sidebar, a date only
in a <meta>) is not counted. "Same document" = the same outcome as the unmodified page (both
rejected for the same reason, or both documents with the same text, title, published, author,
source, kicker and category). The pages are cleaned as a crawl cleans them: rules chosen by
URL (site config) or by CMS detection. The result is printed per site / profile and in total;
docs/benchmarks.md carries it with its date. Needs ../shared for the real pages (skipped
without it, and said so).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

FIELDS = ("title", "published", "author", "source", "kicker", "category")
VARIANTS = ("wrapper-classes", "wrap-outer", "wrap-inner", "wrap-title", "caption-before", "caption-after",
            "sapo-class", "date-element", "sidebar-reordered")


@dataclass
class Page:
    group: str       # the site (real pages) or "profile <name>" (replica pages)
    kind: str        # "real" or "replica"
    name: str
    html: str        # decoded text of the page
    url: str


def real_article_pages() -> tuple[list[Page], list[str]]:
    """The real article pages of the real-page sites; and the sites whose pages are missing."""
    from cleaners.decode import decode_html
    from crawler.sitefixtures import FIXTURES_DIR, RealPage, fixture_pages

    pages, missing = [], []
    for folder in sorted(p for p in FIXTURES_DIR.iterdir() if p.is_dir()):
        real = [p for p in fixture_pages(folder.name) if isinstance(p, RealPage) and p.kind == "article"]
        for page in real:
            if not page.exists():
                missing.append(folder.name)
                continue
            pages.append(Page(folder.name, "real", page.stem, decode_html(page.read_bytes()).text, page.url))
    return pages, sorted(set(missing))


def replica_profile_pages(registry) -> list[Page]:
    """Per CMS profile: the replica-rendered fixtures of its sites and its cms_families page."""
    from cleaners.decode import decode_html
    from crawler.sitefixtures import FIXTURES_DIR

    pages = []
    for name, site in sorted(registry.sites.items()):
        if site.profile == "generic":
            continue
        for html in sorted((FIXTURES_DIR / name).glob("*.html")):
            meta = json.loads(html.with_suffix(".meta.json").read_text(encoding="utf-8"))
            if not html.with_suffix(".txt").exists():
                continue  # a page the site must reject: not an article to vary
            pages.append(Page(f"profile {site.profile}", "replica", f"{name}/{html.stem}",
                              decode_html(html.read_bytes()).text, meta["url"]))
    families = ROOT / "tests" / "fixtures" / "cms_families"
    for html in sorted(families.glob("*/*.html")):
        meta = json.loads(html.with_suffix(".meta.json").read_text(encoding="utf-8"))
        pages.append(Page(f"profile {html.parent.name}", "replica", f"cms_families/{html.parent.name}/{html.stem}",
                          decode_html(html.read_bytes()).text, meta["url"]))
    return pages


# --- the variants -------------------------------------------------------------------------

def rules_for(cleaner, result):
    """The extraction rules the cleaner chose for the unmodified page (None in generic mode)."""
    registry = cleaner.registry
    if result.site and result.site != "generic":
        return registry.resolve(result.site).extract
    if result.cms and result.cms != "generic":
        return registry.resolve_profile(result.cms).extract
    return None


def parse(text: str):
    from lxml import html as lxml_html

    return lxml_html.document_fromstring(text)


def serialize(tree) -> str:
    from lxml import html as lxml_html

    return lxml_html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")


def _first(tree, selectors):
    from cleaners.extract import select_first

    return select_first(tree, selectors)


def _renamed(token: str) -> str:
    return "t" + hashlib.blake2s(token.encode(), digest_size=4).hexdigest()


def _wrap(element, tag="div", cls="theme-wrap"):
    from lxml import etree

    wrapper = etree.Element(tag)
    wrapper.set("class", cls)
    element.addprevious(wrapper)
    wrapper.append(element)  # moves the element, with its tail: keep the tail outside
    wrapper.tail, element.tail = element.tail, None
    return wrapper


def make_variant(kind: str, text: str, rules):
    """The page with one theme change, or None when the change does not apply to it."""
    tree = parse(text)
    body = _first(tree, rules.body) if rules else None
    if body is None:
        return None
    html_body = tree.find("body")
    if kind == "wrapper-classes":
        changed = False
        for ancestor in body.iterancestors():
            if ancestor.tag in ("body", "html"):
                break
            if ancestor.get("class"):
                ancestor.set("class", " ".join(_renamed(t) for t in ancestor.get("class").split()))
                changed = True
        if not changed:
            return None
    elif kind == "wrap-outer":
        _wrap(body)
    elif kind == "wrap-inner":
        from lxml import etree

        inner = etree.Element("div")
        inner.set("class", "theme-inner")
        inner.text, body.text = body.text, None
        for child in list(body):
            inner.append(child)
        body.append(inner)
    elif kind == "wrap-title":
        title = _first(tree, rules.title)
        if title is None:
            return None
        _wrap(title)
    elif kind in ("caption-before", "caption-after"):
        caption = _first(body, rules.captions)
        if caption is None:
            return None
        # The caption holder: the largest element around the caption that holds the photo and
        # its caption and no other text (a <figure>, a table of one image, a div). Not an
        # element that also holds paragraphs of the body: a theme moves the photo, not the text.
        holder, wording = caption, " ".join(caption.text_content().split())
        while (holder.getparent() is not None and holder.getparent() is not body
               and " ".join(holder.getparent().text_content().split()) == wording):
            holder = holder.getparent()
        if not any(a is body for a in holder.iterancestors()):
            return None
        parent = holder.getparent()
        tail, holder.tail = holder.tail, None
        previous = holder.getprevious()
        if tail:  # the text after the holder stays where it was
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        if kind == "caption-before":
            body.addprevious(holder)
        else:
            body.addnext(holder)
    elif kind == "sapo-class":
        lead = _first(tree, rules.lead)
        if lead is None:
            return None
        lead.set("class", "summary-x")
        for attribute in ("id", "data-role", "itemprop"):
            lead.attrib.pop(attribute, None)
    elif kind == "date-element":
        element = None
        for rule in rules.published or ():
            from cleaners.extract import css

            found = css(rule.css)(tree)
            if found and found[0].tag != "meta":
                element = found[0]
                break
        if element is None:
            return None
        from lxml import etree

        span = etree.Element("span")
        span.set("class", "time-x")
        span.text = " ".join(element.text_content().split()) or element.get(rule.attr or "datetime", "")
        span.tail = element.tail
        element.getparent().replace(element, span)
    elif kind == "sidebar-reordered":
        if not _reorder_sidebar(body, html_body):
            return None
    return serialize(tree)


def _reorder_sidebar(body, html_body) -> bool:
    """Reverse the blocks of the nearest column beside the article's column."""
    node = body
    while node is not None and node is not html_body:
        parent = node.getparent()
        if parent is None:
            return False
        for sibling in parent:
            if sibling is node or not isinstance(sibling.tag, str):
                continue
            blocks = [c for c in sibling if isinstance(c.tag, str) and " ".join(c.text_content().split())]
            if len(blocks) >= 2:
                children = [c for c in sibling if isinstance(c.tag, str)]
                for child in children:
                    sibling.remove(child)
                for child in reversed(children):
                    sibling.append(child)
                return True
        node = parent
    return False


# --- comparing ----------------------------------------------------------------------------

def outcome(result) -> tuple:
    if not result.ok:
        return ("rejected", result.reason)
    document = result.document
    return ("ok", document.text) + tuple(getattr(document, name) for name in FIELDS)


def same_document(reference, got, kind: str) -> bool:
    """Equal outcomes; for a moved caption holder, the caption's line may stand where the holder
    now is (before or after the body's text): a theme that moves the photo moves its caption in
    the reading order too. Every other line in the same order, the caption line as often."""
    if got == reference:
        return True
    if kind not in ("caption-before", "caption-after") or reference[0] != "ok" or got[0] != "ok":
        return False
    if reference[2:] != got[2:]:
        return False
    ours, theirs = _lines(reference[1]), _lines(got[1])
    if sorted(ours) != sorted(theirs):
        return False
    moved = [line for line in ours if ours.count(line) == 1 and
             [x for x in ours if x != line] == [x for x in theirs if x != line]]
    return bool(moved)


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def difference(reference, got) -> str:
    if reference[0] != got[0] or reference[0] == "rejected":
        return f"{'rejected: ' + got[1] if got[0] == 'rejected' else 'a document'} " \
               f"(unmodified: {'rejected: ' + reference[1] if reference[0] == 'rejected' else 'a document'})"
    parts = []
    if reference[1] != got[1]:
        ours, theirs = set(reference[1].split("\n")), set(got[1].split("\n"))
        parts.append(f"text: {len(ours - theirs)} line(s) lost, {len(theirs - ours)} gained")
    parts += [name for name, a, b in zip(FIELDS, reference[2:], got[2:]) if a != b]
    return ", ".join(parts)


def run(pages, cleaner):
    rows = defaultdict(lambda: {"kind": "", "pages": set(), "variants": 0, "same": 0})
    by_variant = defaultdict(lambda: [0, 0])
    failures = []
    for page in pages:
        result = cleaner.clean(page.html, url=page.url)
        reference = outcome(result)
        rules = rules_for(cleaner, result)
        row = rows[page.group]
        row["kind"] = page.kind
        row["pages"].add(page.name)
        for kind in VARIANTS:
            varied = make_variant(kind, page.html, rules)
            if varied is None:
                continue
            got = outcome(cleaner.clean(varied, url=page.url))
            same = same_document(reference, got, kind)
            row["variants"] += 1
            row["same"] += same
            by_variant[kind][0] += 1
            by_variant[kind][1] += same
            if not same:
                failures.append((page.group, page.name, kind, difference(reference, got)))
    return rows, by_variant, failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="list every variant that changed the document")
    args = parser.parse_args(argv)
    from cleaners.cleaner import Cleaner
    from cleaners.siteconfig import ConfigRegistry

    cleaner = Cleaner(ConfigRegistry())
    real, missing = real_article_pages()
    replica = replica_profile_pages(cleaner.registry)
    print(f"Measured {date.today()}: {len(real)} real article pages of {len({p.group for p in real})} sites, "
          f"{len(replica)} replica pages of {len({p.group for p in replica})} CMS profiles.")
    if missing:
        print(f"Real pages not found for: {', '.join(missing)} (../shared missing?): not measured.")
    rows, by_variant, failures = run(real + replica, cleaner)
    print("\n| site / profile | pages | variants | same document | share |")
    print("|---|---:|---:|---:|---:|")
    totals = Counter()
    for kind in ("real", "replica"):
        for group, row in sorted(rows.items()):
            if row["kind"] != kind:
                continue
            label = group if kind == "real" else f"{group} (replica pages)"
            share = row["same"] / row["variants"] if row["variants"] else 0
            print(f"| {label} | {len(row['pages'])} | {row['variants']} | {row['same']} | {share:.0%} |")
            totals[kind, "variants"] += row["variants"]
            totals[kind, "same"] += row["same"]
    for kind, label in (("real", "**real pages, total**"), ("replica", "**replica pages, total**")):
        if totals[kind, "variants"]:
            print(f"| {label} | | {totals[kind, 'variants']} | {totals[kind, 'same']} | "
                  f"**{totals[kind, 'same'] / totals[kind, 'variants']:.1%}** |")
    variants = totals["real", "variants"] + totals["replica", "variants"]
    same = totals["real", "same"] + totals["replica", "same"]
    if variants:
        print(f"| **all** | | {variants} | {same} | **{same / variants:.1%}** |")
    print("\n| change | variants | same document | share |")
    print("|---|---:|---:|---:|")
    for kind in VARIANTS:
        count, kept = by_variant.get(kind, (0, 0))
        if count:
            print(f"| {kind} | {count} | {kept} | {kept / count:.0%} |")
    if args.details and failures:
        print("\nVariants that changed the document:\n")
        for group, name, kind, what in failures:
            print(f"- {group} {name} {kind}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
