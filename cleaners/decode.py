"""Turn the bytes of an HTML page into text, choosing the encoding the page really uses.

Order of evidence: byte-order mark, HTTP Content-Type charset, ``<meta>`` charset, then
detection (strict UTF-8, then charset_normalizer). A declared charset is only trusted when
the bytes agree with it; servers and CMS templates often declare the wrong one
(../shared/research/style-and-reliability.md §B.3). The BOM comes first, as in the WHATWG
encoding standard and Scrapy: it is a property of the bytes, a header is server config.

Every input either returns a ``Decoded`` or raises ``DecodeError``; nothing else escapes.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from cleaners.vi.text import garbled_ratio, looks_mojibake, repair_mojibake

# --------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name, e.g. "utf-8", "cp1258", "cp1252"
    source: str  # "http", "bom", "meta", "detected" or "fallback"
    repaired: bool  # True when UTF-8-read-as-cp1252 mojibake was undone


class DecodeError(Exception):
    """The bytes could not be turned into usable text.

    reason: "undecodable" (not text: binary file, NUL bytes, control characters) or
    "garbled" (text, but too many U+FFFD or unrepairable mojibake to keep).
    """

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------

MAX_GARBLED_RATIO = 0.01  # share of visible characters that are U+FFFD or mojibake
MAX_REPLACEMENT_RUNS = 3  # a few stray U+FFFD are common on real pages; more means damage
MAX_REPLACEMENT_RUNS_PER_CHAR = 1 / 2000  # ... unless the page is long enough to carry them
MAX_CONTROL_RATIO = 0.01  # C0 controls in real HTML are stray bytes, not content
META_SCAN_BYTES = 4096

# --------------------------------------------------------------------------------------------
# Binary sniffing
# --------------------------------------------------------------------------------------------

_BINARY_MAGIC = {
    b"%PDF-": "PDF document",
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF87a": "GIF image",
    b"GIF89a": "GIF image",
    b"\x1f\x8b": "gzip data (not decompressed)",
    b"PK\x03\x04": "ZIP/Office document",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "legacy Office document",
    b"RIFF": "RIFF media (WebP/AVI/WAV)",
    b"\x00\x00\x00\x18ftyp": "MP4 video",
    b"\x00\x00\x00\x20ftyp": "MP4 video",
}


def _binary_kind(body: bytes) -> str | None:
    head = body[:16].lstrip(b" \t\r\n")  # some servers prepend a newline to PDFs
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


# --------------------------------------------------------------------------------------------
# Encoding labels
# --------------------------------------------------------------------------------------------

# Labels, the Content-Type charset, <meta>/XML declarations and BOMs are read by w3lib.encoding
# (Scrapy's own), whose label table follows WHATWG: "iso-8859-1", "latin1" and "ascii" mean
# windows-1252, as browsers have always read them (pages labelled so really contain cp1252
# curly quotes at 0x93/0x94), and gb2312 means its superset gb18030.
#
# Kept here, each for a gap tests/test_decode.py shows (test_w3lib_gaps):
# - spellings of windows-1258 (and two of UTF-8 and cp1252) found on Vietnamese pages that
#   w3lib's table does not list: it returns None for them;
# - a header charset in single quotes or with spaces around "=" (w3lib reads neither), and a
#   <meta content="...charset=..."> without http-equiv: the lenient regexes below, tried only
#   when w3lib finds nothing;
# - WHATWG's rule that a <meta> readable as ASCII cannot declare UTF-16 (w3lib returns utf-16).
_LABELS_W3LIB_LACKS = {
    "x-cp1258": "cp1258",
    "cp-1258": "cp1258",
    "win-1258": "cp1258",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "x-cp1252": "cp1252",
}


def normalize_encoding(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    return resolve_encoding(_LABELS_W3LIB_LACKS.get(label, label))


_CONTENT_TYPE_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([^\s\"';,]+)", re.IGNORECASE)


def _header_encoding(content_type: str | None) -> str | None:
    if not content_type:
        return None
    encoding = http_content_type_encoding(content_type)
    if encoding is None:  # w3lib's gaps (above)
        match = _CONTENT_TYPE_CHARSET_RE.search(content_type)
        encoding = normalize_encoding(match.group(1)) if match else None
    return encoding


_META_CHARSET_RE = re.compile(
    rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)"
    rb"|<\?xml[^>]*?encoding\s*=\s*[\"']([a-zA-Z0-9_.:-]+)",
    re.IGNORECASE,
)


def _meta_encoding(body: bytes) -> str | None:
    head = body[:META_SCAN_BYTES]
    encoding = html_body_declared_encoding(head)
    if encoding is None:  # w3lib's gaps (above)
        match = _META_CHARSET_RE.search(head)
        encoding = normalize_encoding((match.group(1) or match.group(2)).decode("ascii")) if match else None
    # WHATWG: a meta that could be read as ASCII cannot be UTF-16 (or 32); such pages are UTF-8.
    if encoding and encoding.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return encoding


# --------------------------------------------------------------------------------------------
# Decoding attempts
# --------------------------------------------------------------------------------------------


def _keep_undefined_as_c1(error: UnicodeDecodeError) -> tuple[str, int]:
    """Browsers map cp1252's five undefined bytes (81 8D 8F 90 9D) to C1 controls.

    Keeping them (instead of failing) matters for mojibake repair: "Đ" is C4 90 in UTF-8.
    """
    undefined = error.object[error.start : error.end]
    return "".join(chr(b) for b in undefined), error.end


codecs.register_error("vnnews-c1", _keep_undefined_as_c1)


def _strict(body: bytes, encoding: str) -> str | None:
    errors = "vnnews-c1" if encoding == "cp1252" else "strict"
    try:
        return body.decode(encoding, errors)
    except (UnicodeDecodeError, LookupError):
        return None


# windows-1258 writes tone marks as separate bytes after the vowel: CC ̀, EC ́, DE ̃, D2 ̉,
# F2 ̣. In cp1252 the same bytes are Ì ì Þ Ò ò, which almost never follow a vowel.
_CP1258_TONE_AFTER_VOWEL_RE = re.compile(
    rb"[aeiouyAEIOUY\xe2\xea\xf4\xc2\xca\xd4\xe3\xf5\xfd\xc3\xd5\xdd][\xcc\xec\xde\xd2\xf2]"
)


_HIGH_BYTES = bytes(range(0x80, 0x100))


def _looks_cp1258(body: bytes) -> bool:
    non_ascii = len(body) - len(body.translate(None, _HIGH_BYTES))
    toned_vowels = len(_CP1258_TONE_AFTER_VOWEL_RE.findall(body))
    return toned_vowels >= 3 and toned_vowels >= 0.2 * non_ascii


def _declared_is_believable(body: bytes, encoding: str, text: str) -> bool:
    """Whether the bytes agree with the charset the page declared."""
    if encoding.startswith(("utf-16", "utf-32")):
        return b"\x00" in body  # ASCII markup in UTF-16 is every other byte NUL
    if encoding == "utf-8" or body.isascii():
        return True
    if _strict(body, "utf-8") is not None:
        return False  # non-ASCII bytes that form valid UTF-8 are virtually never cp125x
    if encoding == "cp1252" and _looks_cp1258(body):
        return False  # Vietnamese windows-1258 page labelled iso-8859-1
    return not looks_mojibake(text)


def _charset_normalizer_guess(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
    except Exception:  # detection is best effort; a failure here must not lose the page
        return None
    return normalize_encoding(best.encoding) if best is not None else None


def _mostly_utf8(body: bytes) -> str | None:
    """UTF-8 text of a body damaged in a few places (a cut multi-byte character), or None.

    A handful of U+FFFD beats re-reading a UTF-8 page in a single-byte charset, which would
    turn every Vietnamese letter into mojibake.
    """
    text = body.decode("utf-8", "replace")
    damaged = text.count("\ufffd") - body.count("\ufffd".encode())  # not counting real ones
    multibyte = sum(1 for c in text if c > "\x7f" and c != "\ufffd")
    if 0 < damaged <= MAX_REPLACEMENT_RUNS and multibyte >= 10 * damaged:
        return text
    return None


def _detect(body: bytes) -> tuple[str, str] | None:
    """(text, encoding) from the bytes alone, or None."""
    text = _strict(body, "utf-8")
    if text is None:
        text = _mostly_utf8(body)
    if text is not None:
        return text, "utf-8"
    if _looks_cp1258(body):
        text = _strict(body, "cp1258")
        if text is not None:
            return text, "cp1258"
    encoding = _charset_normalizer_guess(body)
    if encoding and encoding != "utf-8":
        text = _strict(body, encoding)
        if text is not None:
            return text, encoding
    return None


def _choose_decoding(body: bytes, content_type: str | None) -> tuple[str, str, str]:
    """(text, encoding, source) following BOM → header → meta → detection → fallback."""
    encoding, bom = read_bom(body)
    if encoding:
        return body[len(bom):].decode(encoding, "replace"), encoding, "bom"

    for encoding, source in ((_header_encoding(content_type), "http"), (_meta_encoding(body), "meta")):
        if encoding is None:
            continue  # unknown label (e.g. "none", "tcvn3"): look at the next clue
        text = _strict(body, encoding)
        if text is None and encoding == "utf-8":
            text = _mostly_utf8(body)
        if text is not None and _declared_is_believable(body, encoding, text):
            return text, encoding, source
        # Wrong declaration: servers often add a default "charset=utf-8" to old pages whose
        # <meta> is right, so the next clue still gets its chance.

    detected = _detect(body)
    if detected:
        return detected[0], detected[1], "detected"
    # Nothing decodes cleanly: keep what UTF-8 can read; the garbled check decides.
    return body.decode("utf-8", "replace"), "utf-8", "fallback"


# --------------------------------------------------------------------------------------------
# Checks on the decoded text
# --------------------------------------------------------------------------------------------

_C0_CONTROLS_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_C0_CONTROLS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F]))  # the same, listed
_REPLACEMENT_RUN_RE = re.compile("\ufffd+")


def _strip_stray_controls(text: str) -> str:
    """Reject control-heavy text as binary; drop sparse stray controls lxml would refuse."""
    # Most pages have none: 27 substring searches (memchr) are cheaper than one regex scan.
    if not any(char in text for char in _C0_CONTROLS):
        return text
    controls = len(_C0_CONTROLS_RE.findall(text))
    if controls and ("\x00" in text[:1024] or controls > MAX_CONTROL_RATIO * len(text)):
        raise DecodeError("undecodable", f"{controls} control characters in {len(text)}")
    return _C0_CONTROLS_RE.sub("", text) if controls else text


def _check_not_garbled(text: str, mojibake_free: bool = False) -> None:
    """`mojibake_free`: looks_mojibake(text) was False, so garbled_ratio would find no
    mojibake span again and, without U+FFFD, return 0."""
    has_replacement = "\ufffd" in text
    if mojibake_free and not has_replacement:
        return
    runs = len(_REPLACEMENT_RUN_RE.findall(text)) if has_replacement else 0
    # A wrongly decoded Vietnamese page breaks every accented letter (hundreds of runs);
    # a long page that arrived with a dozen stray U+FFFD from its source is still readable.
    if runs > MAX_REPLACEMENT_RUNS and runs > MAX_REPLACEMENT_RUNS_PER_CHAR * len(text):
        raise DecodeError("garbled", f"{runs} runs of U+FFFD in {len(text)} characters")
    ratio = garbled_ratio(text)
    if ratio > MAX_GARBLED_RATIO:
        raise DecodeError("garbled", f"{ratio:.1%} of characters are mojibake or U+FFFD")


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML body; repair mojibake; raise DecodeError when it is not usable text.

    The text is returned as decoded (not NFC): the HTML parser runs first, and
    cleaners.vi.text.normalize_text applies NFC to the extracted text.
    """
    kind = _binary_kind(body)
    if kind:
        raise DecodeError("undecodable", kind)
    text, encoding, source = _choose_decoding(body, content_type)
    text = _strip_stray_controls(text)
    repaired = False
    mojibake = looks_mojibake(text)
    if mojibake:
        fixed = repair_mojibake(text)
        repaired = fixed != text
        text = fixed
    _check_not_garbled(text, mojibake_free=not mojibake)
    return Decoded(text=text, encoding=encoding, source=source, repaired=repaired)


def decode_file(path: str | Path) -> bytes:
    """Raw bytes of a saved page, gunzipped when the file is gzip (by magic, not by name)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise OSError(f"cannot read page file {path}: {error.strerror or error}") from error
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError
        raise ValueError(f"corrupt gzip in page file {path}: {error}") from error
