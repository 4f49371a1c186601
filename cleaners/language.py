"""Language identification with langdetect, made deterministic and fast.

langdetect samples randomly unless seeded, so the same text could get different
probabilities on two runs; the seed is fixed once here, before any detection.

Most of langdetect's time on a news page is not the random walk but the preparation of
the text: a Python loop per character that classifies it by Unicode block, folds it and
builds its n-grams. `FastDetector` does the same preparation with the work looked up in
tables (a character is classified once per process, a word's n-grams are built once)
and leaves the random walk untouched, so languages and probabilities are
exactly langdetect's (tests/test_language.py compares the two).
"""

from __future__ import annotations

import re
from array import array
from collections import Counter

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


_SETTLED: list = []  # the factory whose profiles are already packed


def _profiles():
    """langdetect's factory, its profiles loaded once per process and packed.

    The n-gram table holds about 90,000 lists of 55 floats, each float a separate object:
    every full garbage collection walked every one of them (over 100 ms), and each step of
    the random walk reads 55 of them scattered over the heap. Packed as array("d") the same
    doubles sit side by side, the collector never looks at them, and langdetect reads them
    the same way (it only indexes them): indexing gives back the identical float."""
    detector_factory.init_factory()
    factory = detector_factory._factory
    if not _SETTLED or _SETTLED[0] is not factory:
        table = factory.word_lang_prob_map
        for word, probabilities in table.items():
            if isinstance(probabilities, list):
                table[word] = array("d", probabilities)
        _SETTLED[:] = [factory]
    return factory


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
