"""The CSS selectors of a site config, answered from one walk of the page.

lxml's CSSSelector turns a selector into XPath, and libxml2 walks the whole tree for each
one: 0.3 to 0.5 ms a selector on the 24 real pages of ../shared/benchmarks/vn-real* (about
2,000 nodes each), whatever the selector. A configured extraction asks 10 to 20 of them, and
on replica pages in real furniture they were 2.8 of the 6.5 ms a page of the cleaning
(measured 2026-12-07). Inside `indexed(tree)`, a selector whose last compound names a class,
an id or one of INDEXED_ATTRIBUTES is answered from the page's elements that carry one of
those, listed once in document order (0.77 ms a real page): its candidates are looked up by
that class, id or attribute and checked in Python with the meaning lxml's translation gives
them. Every other selector (pseudo-classes, sibling combinators, a last compound of only a
tag, ...) goes to lxml as before. tests/test_selectors.py holds the answers equal to
CSSSelector's, in the same order, for every selector of the shipped configs and profiles on
every page we hold, at several context nodes and after removals.

The list is taken when the first selector asks, so it is valid while the tree only loses
elements, as it does in extraction (an element removed, or one inside it, is no longer under
the root, and the walk up from a candidate sees that). Code that adds elements or changes
class or id attributes must not run inside `indexed`.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from cssselect import SelectorError, parse
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash
from lxml import etree
from lxml.cssselect import CSSSelector

_XML_SPACE = str.maketrans("\t\r\n", "   ")  # normalize-space's whitespace, nothing else
# Besides classes and ids, the attributes the cleaner itself asks about ([hidden], [style]).
INDEXED_ATTRIBUTES = ("hidden", "style")
_INDEXED = etree.XPath("descendant-or-self::*[@class or @id or "
                       + " or ".join(f"@{name}" for name in INDEXED_ATTRIBUTES) + "]")


def class_words(value: str) -> list[str]:
    """The words of a class attribute as `contains(concat(' ', normalize-space(@class), ' '), ...)`
    sees them: split on XML whitespace only (a no-break space is part of a word)."""
    return [word for word in value.translate(_XML_SPACE).split(" ") if word]


def spaced_class(value: str) -> str:
    """A class attribute with XML whitespace made spaces and a space at each end: `.x` matches
    when " x " is in it, as the translated XPath's concat(' ', normalize-space(@class), ' ')."""
    return f" {value.translate(_XML_SPACE)} "


# --- a selector as data --------------------------------------------------------------------------

# Attribute operators as lxml's (cssselect's generic) translation reads them; an empty value
# never matches with the three substring operators.
_ATTRIBUTE_TESTS = {
    "exists": lambda value, wanted: value is not None,
    "=": lambda value, wanted: value == wanted,
    "^=": lambda value, wanted: bool(wanted) and value is not None and value.startswith(wanted),
    "$=": lambda value, wanted: bool(wanted) and value is not None and value.endswith(wanted),
    "*=": lambda value, wanted: bool(wanted) and value is not None and wanted in value,
}


@dataclass(frozen=True)
class Compound:
    """One compound selector: a tag (None: any), class words, ids and attribute tests."""

    tag: str | None
    classes: tuple[str, ...]
    ids: tuple[str, ...]
    attributes: tuple[tuple[str, str, str | None], ...]  # (name, operator, value)

    def matches(self, element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        if self.classes:
            value = element.get("class")
            if value is None:
                return False
            padded = spaced_class(value)
            if not all(f" {word} " in padded for word in self.classes):
                return False
        if any(element.get("id") != ident for ident in self.ids):
            return False
        return all(_ATTRIBUTE_TESTS[op](element.get(name), wanted) for name, op, wanted in self.attributes)


@dataclass(frozen=True)
class CompoundChain:
    """Compounds left to right and the combinators between them (" " or ">")."""

    compounds: tuple[Compound, ...]
    combinators: tuple[str, ...]

    @property
    def last(self) -> Compound:
        return self.compounds[-1]


def _compound(tree) -> Compound | None:
    classes, ids, attributes = [], [], []
    while not isinstance(tree, Element):
        if isinstance(tree, Class):
            classes.append(tree.class_name)
        elif isinstance(tree, Hash):
            ids.append(tree.id)
        elif (isinstance(tree, Attrib) and tree.namespace is None and getattr(tree, "flag", None) is None
              and tree.operator in _ATTRIBUTE_TESTS):
            attributes.append((tree.attrib, tree.operator, None if tree.value is None else tree.value.value))
        else:
            return None  # a pseudo-class, negation, another operator...: lxml answers
        tree = tree.selector
    if tree.namespace is not None:
        return None
    tag = None if tree.element in (None, "*") else tree.element
    if tag is None and not (classes or ids or attributes):
        return None  # a bare `*`: the translation folds it away in combinations; lxml answers
    return Compound(tag, tuple(reversed(classes)), tuple(reversed(ids)), tuple(reversed(attributes)))


def _path(tree) -> CompoundChain | None:
    compounds, combinators = [], []
    while isinstance(tree, CombinedSelector):
        if tree.combinator not in (" ", ">"):
            return None
        right = _compound(tree.subselector)
        if right is None:
            return None
        compounds.append(right)
        combinators.append(tree.combinator)
        tree = tree.selector
    first = _compound(tree)
    if first is None:
        return None
    compounds.append(first)
    return CompoundChain(tuple(reversed(compounds)), tuple(reversed(combinators)))


def paths(selector: str) -> tuple[CompoundChain, ...] | None:
    """The selector as data, one CompoundChain per comma group, when every group's last compound names
    a class, an id or an indexed attribute (what the index answers); None otherwise."""
    try:
        parsed = parse(selector)
    except SelectorError:
        return None
    found = []
    for group in parsed:
        if group.pseudo_element is not None:
            return None
        path = _path(group.parsed_tree)
        if path is None or not (path.last.classes or path.last.ids or _indexed_attribute(path.last)):
            return None
        found.append(path)
    return tuple(found)


def _indexed_attribute(compound: Compound) -> str | None:
    return next((name for name, _, _ in compound.attributes if name in INDEXED_ATTRIBUTES), None)


# --- the page's index ----------------------------------------------------------------------------

class PageIndex:
    """The elements of one tree that carry a class, an id or an indexed attribute, in document
    order. A class word's, an id's or an attribute's elements are looked up the first time a
    selector asks for them (a substring test over the class values; the selector's own test
    then checks the word), not for every word of the page: splitting every class attribute
    cost as much as the walk itself."""

    def __init__(self, root):
        self.root = root
        self.elements = _INDEXED(root)  # held: lxml keeps one proxy per node while referenced
        self._classes = [(element, value) for element in self.elements if (value := element.get("class"))]
        self._lookups: dict[tuple[str, str | None], list] = {}
        self._order: dict | None = None

    def with_class(self, word: str) -> list:
        """The elements whose class attribute contains `word` (a superset of those having it as a word)."""
        key = (".", word)  # not an attribute name: no clash with with_attribute's keys
        if key not in self._lookups:
            self._lookups[key] = [element for element, value in self._classes if word in value]
        return self._lookups[key]

    def with_attribute(self, name: str, value: str | None = None) -> list:
        """The elements carrying attribute `name` (with this value, if given)."""
        key = (name, value)
        if key not in self._lookups:
            self._lookups[key] = [element for element in self.elements if (found := element.get(name)) is not None
                                  and (value is None or found == value)]
        return self._lookups[key]

    def holds(self, node) -> bool:
        """Whether node is in this index's tree (then the index can answer for its subtree)."""
        if node is self.root:
            return True
        if not isinstance(node, etree._Element):
            return False  # an ElementTree, say: lxml answers
        top = node
        for top in node.iterancestors():
            pass
        return top is self.root

    def select(self, found_paths: tuple[CompoundChain, ...], context) -> list:
        """What CSSSelector returns for these paths with `context` as its context node."""
        if len(found_paths) == 1:
            return self._select_path(found_paths[0], context)
        seen = {}
        for path in found_paths:
            for element in self._select_path(path, context):
                seen[id(element)] = element  # held in self.elements: ids stay unique
        return sorted(seen.values(), key=lambda element: self._position(element))

    def _position(self, element) -> int:
        if self._order is None:
            self._order = {id(e): i for i, e in enumerate(self.elements)}
        return self._order[id(element)]

    def _candidates(self, last: Compound) -> list:
        if last.ids:
            return self.with_attribute("id", last.ids[0])
        if last.classes:
            return min((self.with_class(word) for word in last.classes), key=len)
        return self.with_attribute(_indexed_attribute(last))

    def _select_path(self, path: CompoundChain, context) -> list:
        found = []
        for element in self._candidates(path.last):
            if not path.last.matches(element):
                continue
            chain = _chain_to(element, context)
            if chain is not None and _rest_matches(path, len(path.compounds) - 2, chain, 0):
                found.append(element)
        return found


def _chain_to(element, context) -> list | None:
    """element and its ancestors up to context (included); None when context is not among them
    (the element is outside it, or was removed from the tree)."""
    chain = [element]
    if element is context:
        return chain
    for ancestor in element.iterancestors():
        chain.append(ancestor)
        if ancestor is context:
            return chain
    return None


def _rest_matches(path: CompoundChain, index: int, chain: list, at: int) -> bool:
    """Whether compounds[:index + 1] match above chain[at] (the element matched by compounds[index + 1]),
    within the chain: lxml's translation puts the first compound at the context node or below."""
    if index < 0:
        return True
    compound = path.compounds[index]
    if path.combinators[index] == ">":
        return at + 1 < len(chain) and compound.matches(chain[at + 1]) and \
            _rest_matches(path, index - 1, chain, at + 1)
    return any(compound.matches(chain[up]) and _rest_matches(path, index - 1, chain, up)
               for up in range(at + 1, len(chain)))


# --- the selectors extraction uses ---------------------------------------------------------------

_page: ContextVar[list | None] = ContextVar("vnnews_page_index", default=None)


@contextmanager
def indexed(root):
    """Selectors asked inside this block about root's tree are answered from one index of it,
    made when the first one asks."""
    token = _page.set([root, None])
    try:
        yield
    finally:
        _page.reset(token)


class Selector:
    """A compiled CSS selector: called with a tree or element, the elements it selects there,
    in document order, as lxml's CSSSelector returns them."""

    def __init__(self, selector: str, xpath=None):
        """xpath: a faster compiled XPath that selects the same, used outside `indexed`."""
        self.css = selector
        self.xpath = xpath or CSSSelector(selector)
        self.paths = paths(selector)

    def __call__(self, context) -> list:
        page = _page.get()
        if page is not None and self.paths is not None:
            if page[1] is None:
                page[1] = PageIndex(page[0])
            if page[1].holds(context):
                return page[1].select(self.paths, context)
        return self.xpath(context)


@lru_cache(maxsize=2048)
def css(selector: str) -> Selector:
    """Compiled once per selector: configs repeat the same few selectors on every page."""
    return Selector(selector)
