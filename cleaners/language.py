"""Language identification with langdetect, made deterministic and fast.

langdetect samples randomly unless seeded, so the same text could get different
probabilities on two runs; the seed is fixed once here, before any detection.

Most of langdetect's time on a news page is not the random walk but the preparation of
the text: a Python loop per character that classifies it by Unicode block, folds it and
builds its n-grams. `FastDetector` does the same preparation with the work looked up in
tables (a character is classified once per process, a word's n-grams are built once)
and leaves the random walk untouched, so languages and probabilities are
exactly langdetect's (tests/test_language.py compares the two).

langdetect's n-gram table (55 JSON profiles) is built once by langdetect's own loader, packed,
and kept in a cache file in the user's cache folder ($XDG_CACHE_HOME or ~/.cache, then vnnews/):
later processes read it in a few milliseconds instead of 0.4-0.7 s (see load_profiles).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import re
import struct
import sys
from array import array
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from langdetect import DetectorFactory, LangDetectException
from langdetect import detector_factory
from langdetect.detector import Detector
from langdetect.utils.ngram import NGram
from langdetect.utils.unicode_block import unicode_block

DetectorFactory.seed = 0
SAMPLE_CHARS = 1500  # the first paragraphs decide; the rest costs time and changes nothing
TRIALS = 2  # langdetect's default 7 random-walk trials cost 30 ms a page; on paragraphs of news text they agree

_SPACE_RUNS = re.compile(" {2,}")
MAX_CACHED_WORDS = 200_000  # Vietnamese has a few thousand syllables; names and numbers add more


class _CharTables:
    """Per-character facts langdetect recomputes for every character of every text."""

    def __init__(self):
        self.folded: dict[int, str] = {}  # ord -> NGram.normalize(char), for str.translate
        self.non_latin: dict[str, bool] = {}  # counted as non-Latin by Detector.cleaning_text
        self.ngrams: dict[tuple[str, bool], tuple[str, ...]] = {}  # (word, spaced) -> its n-grams
        self.profiles = None  # the n-gram table the cached n-grams were looked up in

    def fold(self, text: str) -> str:
        for char in set(text):
            if ord(char) not in self.folded:
                self.folded[ord(char)] = NGram.normalize(char)
        return text.translate(self.folded)

    def word_ngrams(self, word: str, spaced: bool, known) -> tuple[str, ...]:
        """The n-grams of a word (and of the space after it when `spaced`), computed once."""
        key = (word, spaced)
        if key not in self.ngrams or self.profiles is not known:
            if self.profiles is not known or len(self.ngrams) > MAX_CACHED_WORDS:
                self.ngrams, self.profiles = {}, known
            self.ngrams[key] = _scan_ngrams(word + " " if spaced else word, known)
        return self.ngrams[key]

    def is_non_latin(self, char: str) -> bool:
        if char not in self.non_latin:
            # Verbatim Detector.cleaning_text: unicode_block() returns a number, so this string
            # comparison is always true there; matching langdetect matters more than its intent.
            self.non_latin[char] = char >= "\u0300" and unicode_block(char) != "Latin Extended Additional"
        return self.non_latin[char]


_TABLES = _CharTables()


class FastDetector(Detector):
    """langdetect's Detector with table-driven text preparation; same results."""

    def append(self, text):
        text = self.URL_RE.sub(" ", text)
        text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        # Detector.append keeps a space only when the character before it was not one.
        self.text += _SPACE_RUNS.sub(" ", text[: self.max_text_length])

    def cleaning_text(self):
        counts = Counter(self.text)
        latin_count = sum(n for char, n in counts.items() if "A" <= char <= "z")
        non_latin_count = sum(n for char, n in counts.items()
                              if not "A" <= char <= "z" and _TABLES.is_non_latin(char))
        if latin_count * 2 < non_latin_count:
            self.text = "".join(char for char in self.text if char < "A" or "z" < char)

    def _extract_ngrams(self):
        """Detector._extract_ngrams, word by word: after a space langdetect's n-gram buffer
        starts afresh, so a word (with the space that ends it) always yields the same n-grams."""
        words = _TABLES.fold(self.text).split(" ")
        last = len(words) - 1
        result = []
        for index, word in enumerate(words):
            if word:  # an empty word is a space after a space, which yields nothing
                result.extend(_TABLES.word_ngrams(word, index < last, self.word_lang_prob_map))
        return result


def _scan_ngrams(text: str, known) -> tuple[str, ...]:
    """NGram.add_char and the 1-to-3-gram lookup of Detector._extract_ngrams, inlined."""
    result = []
    grams, capital_word = " ", False
    for char in text:
        last = grams[-1]
        if last == " ":
            grams, capital_word = " ", False
            if char == " ":
                continue  # nothing to look up: the buffer is a lone space
        elif len(grams) >= NGram.N_GRAM:
            grams = grams[1:]
        grams += char
        if char.isupper():
            if last.isupper():
                capital_word = True
        else:
            capital_word = False
        if capital_word:
            continue
        for n in (1, 2, 3):
            if len(grams) < n:
                break
            gram = grams[-n:]
            if gram != " " and gram in known:
                result.append(gram)
    return tuple(result)


# --- the n-gram table, prepared once and kept in a cache file -----------------------------
#
# langdetect loads its 55 JSON profiles into about 90,000 lists of 55 floats at every start:
# 0.3-0.5 s of a one-page `vnnews clean`, more than cleaning the page. The table is sparse
# (about two languages a word), so it is kept packed: the words, and for each its non-zero
# (language, probability) pairs as three flat arrays; a word's 55 floats are rebuilt when the
# random walk first reads it. It is built with langdetect's own loader (so every float is the
# one langdetect computes) and written to a cache file named and keyed by what it was built
# from: the langdetect version, its loader's source and every profile file's name and bytes, in
# langdetect's os.listdir order (which numbers the languages; the order of the languages
# decides the order of the random walk's sums). A cache file whose key or payload checksum does
# not match is rebuilt, never trusted; a cache folder that cannot be written costs only the time.

CACHE_FORMAT = 1
_MAGIC = b"vnnews-langdetect-table\n"
_HEADER = struct.Struct("<5Q")  # width, words, entries, bytes of the language names, bytes of the words
_SEP = "\0"
_LOG = logging.getLogger(__name__)


class PackedTable(Mapping):
    """langdetect's word -> probabilities-per-language map, held packed; reads give the same floats."""

    def __init__(self, words: list[str], width: int, starts: array, langs: array, values: array,
                 source: str):
        self._index = dict(zip(words, range(len(words))))
        self._width, self._starts, self._langs, self._values = width, starts, langs, values
        self._rows: dict[str, tuple[float, ...]] = {}
        self.source = source  # "built" or "cache": where this table came from

    def __contains__(self, word) -> bool:
        return word in self._index

    def __getitem__(self, word) -> tuple[float, ...]:
        row = self._rows.get(word)
        if row is None:
            k = self._index[word]
            dense = [0.0] * self._width
            for j in range(self._starts[k], self._starts[k + 1]):
                dense[self._langs[j]] = self._values[j]
            row = self._rows[word] = tuple(dense)
        return row

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def user_cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/vnnews (when absolute, as the XDG spec asks), else ~/.cache/vnnews; None
    without a home folder."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "vnnews"


def _table_key(directory: str) -> bytes:
    """What the table is built from: langdetect's version and loader, the profile files in order."""
    import langdetect
    from langdetect.utils import lang_profile

    package = Path(langdetect.__file__).parent
    versions = sorted(p.name for p in package.parent.glob("langdetect-*.dist-info"))
    digest = hashlib.sha256(f"{_MAGIC!r} {CACHE_FORMAT} {sys.byteorder} {versions}\n".encode())
    for source in (detector_factory.__file__, lang_profile.__file__):
        digest.update(Path(source).read_bytes())
    for name in os.listdir(directory):  # langdetect's order, not sorted: it numbers the languages
        digest.update(b"\0" + name.encode("utf-8", "surrogateescape") + b"\0")
        path = os.path.join(directory, name)
        if not name.startswith(".") and os.path.isfile(path):
            data = Path(path).read_bytes()
            digest.update(len(data).to_bytes(8, "little") + data)
    return digest.digest()


def _build(directory: str) -> tuple[list[str], PackedTable]:
    """langdetect's own loading, then packed: every non-zero float as langdetect computed it."""
    factory = DetectorFactory()
    factory.load_profile(directory)
    table = factory.word_lang_prob_map
    width = len(next(iter(table.values()))) if table else len(factory.langlist)
    starts, langs, values = array("Q", [0]), array("H"), array("d")
    for row in table.values():
        for lang, value in enumerate(row):
            if value != 0.0 or math.copysign(1.0, value) < 0:  # a -0.0 would be kept too
                langs.append(lang)
                values.append(value)
        starts.append(len(values))
    return factory.langlist, PackedTable(list(table), width, starts, langs, values, "built")


def _encode(langlist: list[str], table: PackedTable) -> bytes | None:
    """The cache file's payload, or None when a name holds the separator (then nothing is cached)."""
    if any(_SEP in name for name in langlist) or any(_SEP in word for word in table):
        return None
    names = _SEP.join(langlist).encode("utf-8", "surrogatepass")
    words = _SEP.join(table).encode("utf-8", "surrogatepass")
    return b"".join([_HEADER.pack(table._width, len(table), len(table._values), len(names), len(words)),
                     names, words, table._starts.tobytes(), table._langs.tobytes(), table._values.tobytes()])


def _decode(payload: memoryview) -> tuple[list[str], PackedTable]:
    """The table from a payload whose checksum matched; ValueError when its parts do not fit."""
    width, count, entries, names_size, words_size = _HEADER.unpack_from(payload)
    starts, langs, values = array("Q"), array("H"), array("d")
    sizes = [names_size, words_size, (count + 1) * starts.itemsize, entries * langs.itemsize,
             entries * values.itemsize]
    if _HEADER.size + sum(sizes) != len(payload):
        raise ValueError("the parts do not add up to the file")
    blobs, offset = [], _HEADER.size
    for size in sizes:
        blobs.append(payload[offset:offset + size])
        offset += size
    langlist = str(blobs[0], "utf-8", "surrogatepass").split(_SEP)
    words = str(blobs[1], "utf-8", "surrogatepass").split(_SEP) if count else []
    for part, blob in zip((starts, langs, values), blobs[2:]):
        part.frombytes(blob)
    if len(words) != count or starts[0] != 0 or starts[-1] != entries or (entries and max(langs) >= width):
        raise ValueError("inconsistent table")
    return langlist, PackedTable(words, width, starts, langs, values, "cache")


def load_profiles(cache_dir: Path | None, directory: str = detector_factory.PROFILES_DIRECTORY) -> DetectorFactory:
    """A langdetect factory whose table comes from the cache file in cache_dir when it is valid,
    else is built (and the cache file written when cache_dir can be written; None: never)."""
    key = _table_key(directory)
    path = cache_dir / f"langdetect-{key.hex()[:16]}.bin" if cache_dir is not None else None
    loaded = None
    if path is not None:
        try:
            data = path.read_bytes()
        except OSError:
            data = None
        if data is not None:
            head = len(_MAGIC)
            payload = memoryview(data)[head + 64:]
            if data[:head] != _MAGIC or data[head:head + 32] != key:
                _LOG.debug("%s: stale langdetect table, rebuilt", path)
            elif hashlib.sha256(payload).digest() != data[head + 32:head + 64]:
                _LOG.debug("%s: corrupt langdetect table (checksum), rebuilt", path)
            else:
                try:
                    loaded = _decode(payload)
                except (ValueError, struct.error, UnicodeDecodeError) as exc:
                    _LOG.debug("%s: corrupt langdetect table (%s), rebuilt", path, exc)
    if loaded is None:
        loaded = _build(directory)
        payload = _encode(*loaded) if path is not None else None
        if payload is not None:
            _write(path, _MAGIC + key + hashlib.sha256(payload).digest() + payload)
    factory = DetectorFactory()
    factory.langlist, factory.word_lang_prob_map = loaded
    return factory


def _write(path: Path, data: bytes) -> None:
    """Write the cache file whole or not at all (another process may read it meanwhile)."""
    import tempfile

    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".langdetect-", delete=False) as out:
            temporary = out.name
            out.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        _LOG.debug("%s: langdetect table not cached (%s)", path, exc)
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


_FACTORY: list = []


def _profiles() -> DetectorFactory:
    """The process's langdetect factory, its table from the user's cache folder when it can."""
    if not _FACTORY:
        _FACTORY.append(load_profiles(user_cache_dir()))
    return _FACTORY[0]


def detect_language(text: str) -> tuple[str | None, float | None]:
    """The most probable language of `text` and its probability (rounded), or (None, None)."""
    detector = FastDetector(_profiles())
    detector.set_max_text_length(SAMPLE_CHARS)
    detector.n_trial = TRIALS
    detector.append(text[: SAMPLE_CHARS * 2])
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None, None
    return best.lang, round(best.prob, 4)
