"""Publication dates of Vietnamese news pages: visible date lines and structured-data values.

Every result is an ISO 8601 string: ``YYYY-MM-DDTHH:MM:SS+HH:MM`` when a time of day is known,
``YYYY-MM-DD`` when only the day is. Vietnamese sites print local time without a zone, so
+07:00 (Asia/Ho_Chi_Minh, no daylight saving) is assumed unless the text states an offset.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple, Sequence

# --------------------------------------------------------------------------------------------
# Vietnamese vocabulary (data, not logic)
# --------------------------------------------------------------------------------------------

# NukeViet's global.php prints "Chủ nhật", "Thứ hai" … "Thứ bảy"; other CMSs capitalise the
# second word ("Thứ Ba"), write digits ("thứ 3"), the variant spelling "bẩy", or "CN" for Sunday.
WEEKDAY_NAMES = (
    "chủ nhật", "cn",
    "thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "thứ bẩy",
    "thứ 2", "thứ 3", "thứ 4", "thứ 5", "thứ 6", "thứ 7",
)

# 12-hour markers after a time: SA = sáng (a.m.), CH = chiều (p.m.); English markers also occur.
MERIDIEM_MARKERS = {"sa": "am", "am": "am", "ch": "pm", "pm": "pm"}

# Words that introduce a date line: "Cập nhật lúc 16:14 26/03/2023", "Ngày đăng: 05/01/2026".
DATE_LABELS = (
    "cập nhật lúc", "cập nhật ngày", "cập nhật", "ngày cập nhật", "ngày đăng", "ngày xuất bản",
    "xuất bản", "đăng lúc", "đăng ngày", "đăng", "thời gian", "lúc", "ngày",
)

# The long written form "ngày 5 tháng 1 năm 2026".
DAY_WORD, MONTH_WORD, YEAR_WORD = "ngày", "tháng", "năm"

# Hour/minute separators besides ":" — "16h14", "16 giờ 14".
HOUR_WORDS = ("giờ", "h")

# Zone abbreviations PHP's date('T') prints on Vietnamese servers (see _NUKEVIET_META).
ZONE_ABBREVIATIONS = {"ict": "+07:00", "utc": "+00:00", "gmt": "+00:00", "z": "+00:00"}

VIETNAM_TZ = timezone(timedelta(hours=7))
YEAR_MIN, YEAR_MAX = 1990, 2100
# A time further than this from the date (in characters) belongs to something else.
MAX_TIME_GAP = 20

# --------------------------------------------------------------------------------------------
# Patterns built from the vocabulary
# --------------------------------------------------------------------------------------------


def _alternation(words: Sequence[str]) -> str:
    """Regex alternation, longest first so "cập nhật lúc" wins over "cập nhật"; spaces flexible."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


_WEEKDAY = rf"(?<!\w)(?:{_alternation(WEEKDAY_NAMES)})(?!\w)"
_LABEL = rf"(?<!\w)(?:{_alternation(DATE_LABELS)})(?!\w)"
_MERIDIEM = _alternation(list(MERIDIEM_MARKERS))

_DMY = re.compile(
    r"(?<![0-9])(?P<d>[0-9]{1,2})(?P<sep>[/.-])(?P<m>[0-9]{1,2})(?P=sep)(?P<y>[0-9]{4})(?![0-9])")
_YMD = re.compile(
    r"(?<![0-9])(?P<y>[0-9]{4})(?P<sep>[/.-])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])")
_WORDS = re.compile(
    rf"(?:{DAY_WORD}\s+)?(?<![0-9])(?P<d>[0-9]{{1,2}})\s+{MONTH_WORD}\s+(?P<m>[0-9]{{1,2}})"
    rf"\s*,?\s+{YEAR_WORD}\s+(?P<y>[0-9]{{4}})(?![0-9])", re.I)
_DATE_PATTERNS = (_DMY, _YMD, _WORDS)

# "+" is excluded before the hour so the "07:00" of an offset "+07:00" is not read as a time.
_TIME = re.compile(
    rf"(?<![0-9:+])(?P<h>[0-9]{{1,2}})(?:\s?:\s?|\s?(?:{_alternation(HOUR_WORDS)})\s?)"
    rf"(?P<mi>[0-9]{{2}})(?::(?P<s>[0-9]{{2}}))?(?![0-9])(?:\s*(?P<ampm>{_MERIDIEM})(?!\w))?", re.I)

_GMT_OFFSET = re.compile(
    r"(?<!\w)(?:GMT|UTC)\s*(?P<sign>[+-])\s*(?P<h>[0-9]{1,2})(?::?(?P<m>[0-9]{2}))?(?![0-9])", re.I)
# An offset written right after a time: "08:27 +07:00", "08:27Z".
_OFFSET_AFTER_TIME = re.compile(
    r"\s*(?:(?P<z>Z)(?!\w)|(?P<sign>[+-])\s*(?P<h>[0-9]{2}):?(?P<m>[0-9]{2})(?![0-9]))")

# Page-header clocks: baolaichau.vn's old layout prints "Thứ bảy, 08/08/2020, 18:26 [GMT+7]" at
# the top of every page. That is the time the page was *served* (crawl time), never the
# publication time, and it comes before the real article date — so it must not be taken as one.
# The square brackets are the tell: baoapbac.vn writes "(GMT+7)" in ROUND brackets after the
# genuine article date ("Thứ Năm, 15/10/2020, 16:21 (GMT+7)"), which stays a publication date.
_HEADER_CLOCK_MARK = re.compile(r"\[\s*(?:GMT|UTC)\s*[+-]\s*[0-9]{1,2}(?::?[0-9]{2})?\s*\]", re.I)

_WEEKDAY_PREFIX = re.compile(rf"^\s*{_WEEKDAY}\s*[,\-–—|:]?\s*", re.I)
_TZ_SUFFIX = re.compile(
    r"\s*[(\[]?\s*(?:GMT|UTC)\s*[+-]\s*[0-9]{1,2}(?::?[0-9]{2})?\s*[)\]]?\s*$", re.I)
# baolaichau closes its date with an apostrophe: "29/11/2019 - 16:14'".
_TRAILING_MARKS = " '’`´\t"

# ISO 8601 as structured data writes it; seconds fraction and spaces inside the offset tolerated
# (vnexpress prints "2026-07-20 06:03 + 07:00").
_ISO = re.compile(
    r"""^(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})
    (?:(?:T|\s+)(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,][0-9]+)?)?
       \s*(?P<tz>Z|[+-]\s*[0-9]{2}(?::?[0-9]{2})?)?)?$""", re.X | re.I)

# NukeViet 4.x fills article:published_time with PHP date('Y-m-dTH:i:s'). In PHP "T" is the zone
# *abbreviation*, not the ISO separator, so a server in Asia/Ho_Chi_Minh writes
# "2024-06-12+0709:15:00" ("+07" then "09:15:00"); older tz databases print "ICT" instead.
_NUKEVIET_META = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})(?P<zone>[+-][0-9]{2}(?:[0-9]{2})?|[A-Za-z]{1,5})"
    r"(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})$")

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))

# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def parse_vietnamese_date(text: str, formats: Sequence[str] = ()) -> str | None:
    """Publication date in a short text (a date line, a meta value) as ISO 8601, or None.

    ``formats`` are site-specific strptime formats, tried first on the text with its weekday
    prefix, trailing apostrophe and "(GMT+7)" suffix removed. Header clocks return None.
    """
    if not isinstance(text, str):
        return None
    line = _normalize(text)
    if not line or is_header_clock(line):
        return None
    core = _strip_decorations(line)
    stated_offset = _explicit_offset(line)
    # With a "GMT+8" stripped from `core`, the ISO reading would wrongly assume +07:00.
    iso = parse_iso_like(core) if stated_offset is None else None
    return _parse_with_formats(core, formats, stated_offset) or iso or _parse_free_text(line)


def parse_iso_like(value: str) -> str | None:
    """Normalise an ISO 8601-ish structured-data value (incl. NukeViet's broken meta), or None."""
    if not isinstance(value, str):
        return None
    value = _normalize(value)
    return _parse_iso(value) or _parse_nukeviet_meta(value)


def is_header_clock(text: str) -> bool:
    """True for a page-header clock line such as "Thứ bảy, 08/08/2020, 18:26 [GMT+7]"."""
    if "[" not in text:  # the mark's bracket; no character normalizes into one
        return False
    line = _normalize(text)
    return bool(_HEADER_CLOCK_MARK.search(line)) and _find_date(line) is not None


def is_date_line(text: str) -> bool:
    """True when the whole line is a date/time (with weekday, labels, zone, separators only)."""
    line = _normalize(text)
    if _find_date(line) is None:
        return False
    leftover = _remove_date_vocabulary(line)
    # Anything alphanumeric left over means words around the date: a sentence, not a date line.
    return re.search(r"\w", leftover) is None


# --------------------------------------------------------------------------------------------
# Free-text parsing
# --------------------------------------------------------------------------------------------


class _DateHit(NamedTuple):
    day: date
    start: int
    end: int


class _TimeHit(NamedTuple):
    clock: time
    start: int
    end: int


def _normalize(text: str) -> str:
    """NFC, invisible characters dropped, every whitespace run (NBSP included) one space."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(text.split())


def _strip_decorations(line: str) -> str:
    """Drop what surrounds the date itself: weekday prefix, apostrophes, a "(GMT+7)" suffix."""
    line = _WEEKDAY_PREFIX.sub("", line, count=1)
    previous = None
    while previous != line:  # the suffixes can come in either order
        previous = line
        line = _TZ_SUFFIX.sub("", line.rstrip(_TRAILING_MARKS)).rstrip(_TRAILING_MARKS)
    return line.strip()


def _parse_free_text(line: str) -> str | None:
    found = _find_date(line)
    if found is None:
        return None
    clock = _nearest_time(line, found)
    if clock is None:
        return found.day.isoformat()
    tz = _offset_right_after(line, clock.end) or _explicit_offset(line) or VIETNAM_TZ
    return datetime.combine(found.day, clock.clock, tzinfo=tz).isoformat()


def _find_date(line: str) -> _DateHit | None:
    """The first valid calendar date in the line, in any of the written forms."""
    hits = [
        _DateHit(day, match.start(), match.end())
        for pattern in _DATE_PATTERNS
        for match in pattern.finditer(line)
        if (day := _safe_date(match["y"], match["m"], match["d"])) is not None
    ]
    return min(hits, key=lambda hit: hit.start, default=None)


def _safe_date(year: str, month: str, day: str) -> date | None:
    """A real date in the accepted year range; None for 31/02 and the like."""
    if not YEAR_MIN <= int(year) <= YEAR_MAX:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _nearest_time(line: str, found: _DateHit) -> _TimeHit | None:
    """The valid time closest to the date, before or after it, within MAX_TIME_GAP."""
    best: tuple[int, _TimeHit] | None = None
    for match in _TIME.finditer(line):
        gap = max(match.start() - found.end, found.start - match.end())
        clock = _clock(match["h"], match["mi"], match["s"], match["ampm"])
        if clock is None or gap < 0 or gap > MAX_TIME_GAP:
            continue
        if best is None or gap < best[0]:
            best = (gap, _TimeHit(clock, match.start(), match.end()))
    return best[1] if best else None


def _clock(hour: str, minute: str, second: str | None, marker: str | None) -> time | None:
    h = _apply_meridiem(int(hour), marker)
    m, s = int(minute), int(second or 0)
    if h > 23 or m > 59 or s > 59:
        return None
    return time(h, m, s)


def _apply_meridiem(hour: int, marker: str | None) -> int:
    """12-hour → 24-hour. baophuyen prints "13:21 CH": a 24-hour clock with the marker anyway,
    so hours above 12 are kept as they are."""
    if marker is None or hour > 12:
        return hour
    if MERIDIEM_MARKERS[marker.lower()] == "pm":
        return hour % 12 + 12
    return hour % 12


# --------------------------------------------------------------------------------------------
# Offsets
# --------------------------------------------------------------------------------------------


def _explicit_offset(line: str) -> timezone | None:
    """A "GMT+7" / "UTC+07:00" anywhere in the line."""
    match = _GMT_OFFSET.search(line)
    return _make_tz(match["sign"], match["h"], match["m"]) if match else None


def _offset_right_after(line: str, position: int) -> timezone | None:
    match = _OFFSET_AFTER_TIME.match(line, position)
    if match is None:
        return None
    if match["z"]:
        return timezone.utc
    return _make_tz(match["sign"], match["h"], match["m"])


def _make_tz(sign: str, hours: str, minutes: str | None) -> timezone | None:
    h, m = int(hours), int(minutes or 0)
    if h > 14 or m > 59:  # no real zone lies further than ±14:00
        return None
    delta = timedelta(hours=h, minutes=m)
    return timezone(-delta if sign == "-" else delta)


def _parse_offset_text(text: str) -> timezone | None:
    """"Z", "+07", "+0700", "+07:00", "+ 07:00" → timezone."""
    compact = text.replace(" ", "")
    if compact.upper() == "Z":
        return timezone.utc
    match = re.fullmatch(r"([+-])([0-9]{2}):?([0-9]{2})?", compact)
    return _make_tz(*match.groups()) if match else None


# --------------------------------------------------------------------------------------------
# Structured values and site formats
# --------------------------------------------------------------------------------------------


def _parse_iso(value: str) -> str | None:
    match = _ISO.match(value)
    if match is None:
        return None
    day = _safe_date(match["y"], match["mo"], match["d"])
    if day is None:
        return None
    if match["h"] is None:
        return day.isoformat()
    clock = _clock(match["h"], match["mi"], match["s"], None)
    tz = _parse_offset_text(match["tz"]) if match["tz"] else VIETNAM_TZ
    if clock is None or tz is None:
        return None
    return datetime.combine(day, clock, tzinfo=tz).isoformat()


def _parse_nukeviet_meta(value: str) -> str | None:
    match = _NUKEVIET_META.match(value)
    if match is None:
        return None
    zone = match["zone"]
    offset = ZONE_ABBREVIATIONS.get(zone.lower()) if zone[0].isalpha() else zone
    if offset is None:  # an abbreviation we cannot place: better no date than a wrong one
        return None
    return _parse_iso(f"{match['date']}T{match['time']}{offset}")


def _parse_with_formats(core: str, formats: Sequence[str], offset: timezone | None) -> str | None:
    for fmt in formats:
        try:
            parsed = datetime.strptime(core, fmt)
        except ValueError:
            continue
        if not YEAR_MIN <= parsed.year <= YEAR_MAX:
            continue
        if not _format_has_time(fmt):
            return parsed.date().isoformat()
        return parsed.replace(tzinfo=parsed.tzinfo or offset or VIETNAM_TZ).isoformat()
    return None


def _format_has_time(fmt: str) -> bool:
    return any(directive in fmt for directive in ("%H", "%I", "%M"))


# --------------------------------------------------------------------------------------------
# Date-line detection
# --------------------------------------------------------------------------------------------

_ISO_IN_TEXT = re.compile(
    r"(?<![0-9])[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}T[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?", re.I)
_ZONE_TOKEN = re.compile(
    r"(?<!\w)(?:GMT|UTC)(?:\s*[+-]\s*[0-9]{1,2}(?::?[0-9]{2})?)?|[+-]\s*[0-9]{2}:[0-9]{2}", re.I)
_LINE_VOCABULARY = (
    _ISO_IN_TEXT, *_DATE_PATTERNS, _TIME, _ZONE_TOKEN,
    re.compile(_WEEKDAY, re.I), re.compile(_LABEL, re.I),
)


def _remove_date_vocabulary(line: str) -> str:
    for pattern in _LINE_VOCABULARY:
        line = pattern.sub(" ", line)
    return line
