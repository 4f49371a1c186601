"""Vietnamese text normalization, mojibake detection/repair and near-duplicate keys.

Pure functions on ``str``; no HTML. Background: ../shared/research/vn-sites.md §6.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

# --------------------------------------------------------------------------------------------
# normalize_text / is_blank
# --------------------------------------------------------------------------------------------

# Invisible characters CKEditor/Word leave behind; they split words for search and dedup.
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE_CHARS}]")

# Python's \s already covers NBSP, U+2000–U+200A, U+202F, U+3000, tabs and line breaks.
_WHITESPACE_RE = re.compile(r"\s+")

# Old ASP pages write Vietnamese letters as numeric references ("B&#7855;c K&#7841;n") and
# RSS fields may arrive escaped. Only references to *non-ASCII letters or marks* are expanded:
# such a reference is never meant literally in news prose, and the result can never form a
# new reference, so one pass is idempotent. Named entities (&amp; …) are left alone because
# the HTML parser already handled them and "&amp;" in text may be intended.
_NUMERIC_REF_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")

# Vietnamese never uses the Icelandic eth, but several sites type U+00D0 "Ð" for U+0110 "Đ"
# ("Ðảng", "Bình Ðịnh"); the glyphs look identical and NFC/NFKC do not unify them.
_ETH_TO_D_STROKE = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})


def _expand_letter_reference(match: re.Match[str]) -> str:
    hex_digits, dec_digits = match.groups()
    code_point = int(hex_digits, 16) if hex_digits else int(dec_digits)
    if not 0x80 <= code_point <= 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
        return match.group(0)
    char = chr(code_point)
    if unicodedata.category(char)[0] in "LM":
        return char
    return match.group(0)


def collapse_whitespace(s: str) -> str:
    """Runs of whitespace become one space; a lone no-break space between two words stays.

    A single U+00A0 inside a sentence is a character the writer typed (CKEditor writes one
    for a deliberate non-breaking space) and the corpus keeps it as written; runs, tabs,
    line breaks and spaces at the ends are layout and go.
    """
    if "\u00a0" not in s:
        # str.split and \s agree on what whitespace is (both use str.isspace), so without a
        # no-break space to keep this is the same result, without a Python call per run.
        return " ".join(s.split())
    return _WHITESPACE_RE.sub(_one_space, s).strip()


def _one_space(match: re.Match[str]) -> str:
    return "\u00a0" if match.group(0) == "\u00a0" else " "


def normalize_text(s: str) -> str:
    """One clean NFC line: invisible characters removed, whitespace collapsed, Ð→Đ.

    Tone-mark placement is kept as written (hoà stays hoà, hòa stays hòa): both styles are
    correct Vietnamese, only comparison keys unify them (see fold_for_compare).
    Combining tone marks (windows-1258, macOS NFD) become precomposed letters through NFC.
    """
    if "&#" in s:
        s = _NUMERIC_REF_RE.sub(_expand_letter_reference, s)
    s = _INVISIBLE_RE.sub("", s)
    if "\u00d0" in s or "\u00f0" in s:  # translate looks up every character: only when needed
        s = s.translate(_ETH_TO_D_STROKE)
    s = collapse_whitespace(s)
    return unicodedata.normalize("NFC", s)


def is_blank(s: str) -> bool:
    """True when the string holds nothing but whitespace, NBSP or invisible characters."""
    stripped = s.strip()  # str.strip and \s agree on whitespace (both str.isspace)
    if not stripped:
        return True
    if stripped[0] not in _INVISIBLE_CHARS:
        return False  # a character that is neither
    return not _WHITESPACE_RE.sub("", _INVISIBLE_RE.sub("", s))


# --------------------------------------------------------------------------------------------
# Mojibake: UTF-8 bytes that were read as windows-1252 (or latin-1)
# --------------------------------------------------------------------------------------------
# "Đảng" in UTF-8 is C4 90 E1 BA A3 …; read as windows-1252 it shows as "Ä\x90áº£ng".
# We recognise such text by looking for lead characters (C2–F4 as cp1252/latin-1) followed by
# the right number of continuation characters (bytes 80–BF), and accept a sequence only when
# its UTF-8 decoding is a character Vietnamese text actually uses. Random Latin-1 pairs
# (e.g. "và" + NBSP + NBSP = E0 A0 A0 → U+0820 Samaritan) are thereby ignored.


def _single_byte_map() -> dict[str, int]:
    """Every character a cp1252 or latin-1 reader can produce, mapped back to its byte."""
    char_to_byte = {chr(b): b for b in range(256)}  # latin-1, incl. C1 controls 80–9F
    for b in range(0x80, 0xA0):
        try:
            char_to_byte[bytes([b]).decode("cp1252")] = b  # € ‚ ƒ … ‘ ’ “ ” • – — ™ …
        except UnicodeDecodeError:
            pass  # 81 8D 8F 90 9D are undefined in cp1252; WHATWG keeps them as C1 controls
    return char_to_byte


_CHAR_TO_BYTE = _single_byte_map()
_CONTINUATION = "".join(re.escape(c) for c, b in _CHAR_TO_BYTE.items() if 0x80 <= b <= 0xBF)
_C = f"[{_CONTINUATION}]"
_MOJIBAKE_RE = re.compile(
    f"[\u00c2-\u00df]{_C}|[\u00e0-\u00ef]{_C}{{2}}|[\u00f0-\u00f4]{_C}{{3}}"
)
# Every mojibake sequence starts with a lead character (C2–F4 read as cp1252) followed by a
# continuation byte shown as a cp1252 character; text without such a pair needs no closer look.
_MOJIBAKE_HINT_RE = re.compile(f"[\u00c2-\u00f4]{_C}")
# The same pair in the text's UTF-8 bytes (C2–F4 are C3 82–C3 B4; each continuation character
# its own bytes). UTF-8 is prefix-free, so this finds a hint exactly when _MOJIBAKE_HINT_RE
# does. Why: Python's re scans a Vietnamese (2-byte-wide) str at ~3.5 ns a character, whatever
# the pattern; encoding plus a bytes search is 0.25 instead of 0.68 ms a page on the 24 real
# pages of ../shared/benchmarks/vn-real* (2026-12-07), and almost no page has a hint.
_MOJIBAKE_HINT_BYTES_RE = re.compile(
    b"\xc3[\x82-\xb4](?:"
    + b"|".join(re.escape(c.encode("utf-8")) for c, b in sorted(_CHAR_TO_BYTE.items()) if 0x80 <= b <= 0xBF)
    + b")"
)

# The five tone marks as windows-1258 writes them (combining).
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _is_vietnamese_relevant(char: str) -> bool:
    """Characters a Vietnamese news text plausibly contains outside ASCII."""
    cp = ord(char)
    return (
        0xA0 <= cp <= 0x1B0  # Latin-1 letters, ă đ ĩ ũ, ơ ư (U+01A0–01B0)
        or char in _TONE_MARKS
        or 0x1EA0 <= cp <= 0x1EF9  # ạ ả ấ … ỹ
        or 0x2010 <= cp <= 0x2026  # dashes, curly quotes, bullet, ellipsis
        or cp in (0x20AB, 0x20AC)  # ₫ €
    )


def _is_capital_word_end(s: str, match: re.Match[str]) -> bool:
    """Legitimate "NGÃ”" / "NGÃ\xa0BA": a capital vowel ending an upper-case word.

    Mojibake of upper-case text looks the same only at word ends ("LÒ" → "LÃ’"), which we
    accept to miss rather than corrupt real upper-case words.
    """
    start, end = match.span()
    if end - start != 2 or start == 0 or not s[start - 1].isupper():
        return False
    continuation = s[start + 1]
    followed_by_letter = end < len(s) and s[end].isalpha()
    return continuation.isspace() or not followed_by_letter


def _mojibake_matches(s: str, hints: list[int] | None = None):
    """What _MOJIBAKE_RE.finditer(s) finds, looking only where a sequence can start.

    Every sequence starts with a lead character and a continuation (a _MOJIBAKE_HINT_RE pair),
    and the two sets are disjoint, so trying the pattern at each pair, from where the last
    match ended, finds the same matches. Legitimate Vietnamese makes such pairs ("giá”",
    "và\xa0"): scanning a whole 200 KB page for one of them took 5 ms."""
    end = 0
    for start in _hint_starts(s) if hints is None else hints:
        if start < end:
            continue
        match = _MOJIBAKE_RE.match(s, start)
        if match:
            end = match.end()
            yield match


def _hint_starts(s: str) -> list[int]:
    if not _MOJIBAKE_HINT_BYTES_RE.search(s.encode("utf-8", "surrogatepass")):
        return []
    return [hint.start() for hint in _MOJIBAKE_HINT_RE.finditer(s)]


def _mojibake_fixes(s: str, hints: list[int] | None = None):
    """Yield (start, end, fixed_text) for each mojibake sequence in s (`hints`: _hint_starts(s),
    when the caller has them)."""
    for match in _mojibake_matches(s, hints):
        raw = bytes(_CHAR_TO_BYTE[c] for c in match.group(0))
        try:
            fixed = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _is_vietnamese_relevant(fixed) and not _is_capital_word_end(s, match):
            yield match.start(), match.end(), fixed


# Mojibake whose last byte was lost (a strict cp1252 reader drops 81 8D 8F 90 9D): "á»" was
# one of ề ọ ỏ Ố ờ, "â€" probably ”. Unrepairable, but it still marks the text as damaged.
_TRUNCATED_MOJIBAKE_RE = re.compile(f"(?:á[º»]|â€)(?!{_C})")


_GUILLEMET_REACH = 200  # how far back an opening « makes "á»" a closing quote after "á"


def _closes_guillemet(s: str, match: re.Match[str]) -> bool:
    """Legitimate «Cá»: the » closes a quotation opened shortly before."""
    start = match.start()
    opened_before = "\u00ab" in s[max(0, start - _GUILLEMET_REACH) : start]
    return match.group(0).endswith("\u00bb") and opened_before


def _mojibake_spans(s: str) -> list[tuple[int, int]]:
    hints = _hint_starts(s)
    if not hints:
        return []
    repairable = [(start, end) for start, end, _ in _mojibake_fixes(s, hints)]
    # a truncated sequence is itself a lead and a continuation: only hints can start one
    truncated = [
        match.span()
        for match in (_TRUNCATED_MOJIBAKE_RE.match(s, start) for start in hints)
        if match and not _closes_guillemet(s, match)
    ]
    return repairable + truncated


def garbled_ratio(s: str) -> float:
    """Share of non-whitespace characters that are U+FFFD or part of a mojibake sequence."""
    spans = _mojibake_spans(s)
    if not spans and "\ufffd" not in s:  # the common case: no need to count characters
        return 0.0
    visible = len("".join(s.split()))  # str.split runs in C: fast on megabyte pages
    if visible == 0:
        return 0.0
    mojibake_chars = sum(end - start for start, end in spans)
    return (mojibake_chars + s.count("\ufffd")) / visible


def count_mojibake(s: str) -> int:
    """Number of mojibake sequences ("Ä‘", "áº£", "Æ°", truncated "á»" …) in s."""
    return len(_mojibake_spans(s))


def looks_mojibake(s: str) -> bool:
    """True when s contains UTF-8-read-as-cp1252 sequences for Vietnamese characters.

    One sequence is enough: each accepted sequence decodes to a Vietnamese letter or
    typographic mark, and legitimate text practically never spells one out.
    """
    return count_mojibake(s) > 0


# The repair is ftfy's (fix_encoding) where it is safe: text that is mis-decoded as a whole,
# once or several times, including cp1252's curly quotes and C1 controls. Kept here, each for a
# gap tests/test_vi_text.py shows (test_ftfy_gap_*):
# - ftfy is called only when looks_mojibake finds Vietnamese mojibake: on clean text it takes
#   a capital word end such as "NGÃ”" for mojibake, which looks_mojibake deliberately lets through;
# - ftfy guesses a lost byte to be 0xA0 when a space follows ("á» " → "Ỡ "), in whole text
#   (restore_byte_a0) and amid clean text (decode_inconsistent_utf8); for Vietnamese the lost
#   byte is usually one of cp1252's undefined 81 8D 8F 90 9D (ề ọ ỏ Ố ờ), so its guess writes a
#   wrong letter. Both are off; mojibake amid clean text is repaired here, sequence by sequence,
#   only where the sequence decodes to a character Vietnamese uses (_mojibake_fixes);
# - the lost 0x90 of "Đ" and the lost 0xA0 of "và", the two lost bytes that can be told from
#   the context, are put back here.
# ftfy is imported at the first repair: most pages need none, and its import (with wcwidth's
# tables) was a quarter of the imports of a one-page `vnnews clean`.
_FTFY_OPTIONS = {"restore_byte_a0": False, "decode_inconsistent_utf8": False}


@lru_cache(maxsize=1)
def _ftfy():
    import ftfy

    return ftfy, ftfy.TextFixerConfig(**_FTFY_OPTIONS)

# When the page was decoded with a strict cp1252 reader, the undefined byte 0x90 of "Đ"
# (C4 90) vanished or became U+FFFD. "Ä" followed by something that is not a continuation
# can then only have been "Đ" in Vietnamese text (the other C4 xx letters are not Vietnamese:
# ā č ď ĝ). Applied only to text that already has other mojibake.
_LOST_D_STROKE_RE = re.compile(f"\u00c4(?:\ufffd|(?!{_C}))")
# "và" = 76 C3 A0; read as cp1252 → "vÃ\xa0", and once NBSP became a space → "vÃ ".
# A capital "Ã" after a lower-case letter never happens in Vietnamese.
_LOST_A_GRAVE_RE = re.compile(r"(?<=[^\W\d_])\u00c3 ")


def _restore_a_grave(match: re.Match[str]) -> str:
    after_lowercase = match.string[match.start() - 1].islower()
    return "\u00e0 " if after_lowercase else match.group(0)


def _segment_repair(s: str) -> str:
    """Repair mojibake sequences one by one (for pages mixing good and broken text)."""
    pieces, last = [], 0
    for start, end, fixed in _mojibake_fixes(s):
        pieces += [s[last:start], fixed]
        last = end
    s = "".join(pieces) + s[last:]
    return _LOST_A_GRAVE_RE.sub(_restore_a_grave, s)


def repair_mojibake(s: str) -> str:
    """Undo UTF-8 read as cp1252/latin-1 (also twice, also amid clean text); unchanged if clean."""
    for _ in range(3):  # double or triple mis-decoding happens with re-published texts
        if not looks_mojibake(s):
            break
        s_with_d = _LOST_D_STROKE_RE.sub("\u00c4\x90", s)  # the byte back, for both repairs
        ftfy, config = _ftfy()
        candidate = ftfy.fix_encoding(s_with_d, config)
        if looks_mojibake(candidate):  # not mis-decoded as a whole: ftfy leaves (most of) it
            candidate = _segment_repair(candidate)
        if count_mojibake(candidate) >= count_mojibake(s):
            break  # the repair did not make things better; keep what we have
        s = candidate
    return s


# --------------------------------------------------------------------------------------------
# Comparison keys
# --------------------------------------------------------------------------------------------

# Old style puts the tone on the second vowel of open syllables ending in oa/oe/uy ("hoà",
# "khoẻ", "thuỷ"), new style on the first ("hòa", "khỏe", "thủy"). Only word-final pairs
# differ: closed syllables (hoàn, toán, huỳnh) never move, and in "qu" + y the u is part of
# the consonant (quý). Works on NFD text, where the tone is a separate combining mark; the
# lookahead also rejects further marks, so "hoặc" (a + dot below + breve) is left alone.
_OLD_STYLE_TONE_RE = re.compile(
    f"(o)([ae])([{_TONE_MARKS}])(?![\\w\u0300-\u036f])"
    f"|(?<!q)(u)(y)([{_TONE_MARKS}])(?![\\w\u0300-\u036f])"
)


def _tone_on_first_vowel(match: re.Match[str]) -> str:
    first, second, tone = (g for g in match.groups() if g is not None)
    return first + tone + second


def _unify_tone_placement(lowercase_text: str) -> str:
    decomposed = unicodedata.normalize("NFD", lowercase_text)
    moved = _OLD_STYLE_TONE_RE.sub(_tone_on_first_vowel, decomposed)
    return unicodedata.normalize("NFC", moved)


_NOT_WORD_RE = re.compile(r"[\W_]+")


@lru_cache(maxsize=8192)  # steps compare the same paragraphs several times per page
def fold_for_compare(s: str) -> str:
    """Key for near-duplicate comparison: lower case, no punctuation, one tone style.

    Never use it as output text; it deliberately loses information.
    """
    s = normalize_text(s).lower()
    s = _unify_tone_placement(s)
    return _NOT_WORD_RE.sub(" ", s).strip()


def similarity(a: str, b: str) -> float:
    """Word-level similarity in [0, 1] of two paragraphs (1.0 = same after folding)."""
    key_a, key_b = fold_for_compare(a), fold_for_compare(b)
    if key_a == key_b:
        return 1.0
    words_a, words_b = key_a.split(), key_b.split()
    if not words_a or not words_b:
        return 0.0
    matcher = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    return matcher.ratio()


_NOT_WORD_KEEP_LINES_RE = re.compile(r"[^\w\n]+|_+")
_DIGITS_RE = re.compile(r"\d+")


def fold_for_dedup(s: str) -> str:
    """Key for near-duplicate detection of whole documents: NFC, lower case, one tone style
    (hoà = hòa, uỷ = ủy), every run of digits folded to "0", punctuation to spaces, line
    breaks kept (one paragraph a line). Like fold_for_compare, never output text."""
    s = unicodedata.normalize("NFC", s).lower()
    s = _unify_tone_placement(s)
    s = _DIGITS_RE.sub("0", s)
    return _NOT_WORD_KEEP_LINES_RE.sub(" ", s)
