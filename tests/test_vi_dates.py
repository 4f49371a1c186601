"""Vietnamese publication dates: date lines, structured values, header clocks, date lines."""

import json
import re
from datetime import date
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.vi.dates import is_date_line, is_header_clock, parse_iso_like, parse_vietnamese_date

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2})?$")


@pytest.mark.parametrize(("text", "expected"), [
    # datelines seen on real sites (vn-sites.md §5)
    ("Thứ sáu - 28/08/2020 03:55", "2020-08-28T03:55:00+07:00"),        # NukeViet 4
    ("Thứ sáu - 28/08/2020  03:55", "2020-08-28T03:55:00+07:00"),       # NukeViet 3, two spaces
    ("Thứ Ba, 17/03/2020", "2020-03-17"),                                # Vĩnh Phúc, no time
    ("Thứ sáu, 29/11/2019 - 16:14'", "2019-11-29T16:14:00+07:00"),      # baolaichau apostrophe
    ("Thứ Năm, 15/10/2020, 16:21 (GMT+7)", "2020-10-15T16:21:00+07:00"),  # baoapbac
    ("17:54, 08/04/2024", "2024-04-08T17:54:00+07:00"),                 # time first
    ("22/12/2019 06:05", "2019-12-22T06:05:00+07:00"),
    ("Thứ Năm, 21/11/2024 13:21 CH", "2024-11-21T13:21:00+07:00"),      # baophuyen
    ("Cập nhật lúc 16:14 26/03/2023", "2023-03-26T16:14:00+07:00"),
    ("Chủ nhật, 05/01/2026 - 08:27", "2026-01-05T08:27:00+07:00"),
    ("Ngày 5 tháng 1 năm 2026", "2026-01-05"),
    ("ngày 05 tháng 01 năm 2026 lúc 8:05", "2026-01-05T08:05:00+07:00"),
    ("05-01-2026", "2026-01-05"),
    ("05.01.2026", "2026-01-05"),
    ("2026-01-05 08:27", "2026-01-05T08:27:00+07:00"),
    ("(03/02/2019 21:20)", "2019-02-03T21:20:00+07:00"),                # vinhphuctv title suffix
    ("16h14 ngày 26/03/2023", "2023-03-26T16:14:00+07:00"),
    ("Ngày đăng: 5/1/2026 | 8:27", "2026-01-05T08:27:00+07:00"),
    # weekday spellings
    ("Thứ ba, 17/03/2020", "2020-03-17"),
    ("thứ 3, 17/3/2020", "2020-03-17"),
    ("THỨ BA 17/03/2020", "2020-03-17"),
    ("Chủ Nhật, 5/1/2026", "2026-01-05"),
    ("CN, 5/1/2026 9:30", "2026-01-05T09:30:00+07:00"),
    # single-digit day and month
    ("Thứ hai - 6/1/2025 7:05", "2025-01-06T07:05:00+07:00"),
])
def test_parses_real_world_datelines(text, expected):
    assert parse_vietnamese_date(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("21/11/2024 13:21 CH", "2024-11-21T13:21:00+07:00"),  # 24-hour clock with a marker: kept
    ("21/11/2024 01:21 CH", "2024-11-21T13:21:00+07:00"),
    ("21/11/2024 12:05 CH", "2024-11-21T12:05:00+07:00"),  # noon stays noon
    ("21/11/2024 12:05 SA", "2024-11-21T00:05:00+07:00"),  # midnight hour
    ("21/11/2024 09:15 SA", "2024-11-21T09:15:00+07:00"),
    ("21/11/2024 9:15 PM", "2024-11-21T21:15:00+07:00"),
])
def test_sa_ch_markers(text, expected):
    assert parse_vietnamese_date(text) == expected


@pytest.mark.parametrize("text", [
    "31/02/2020",            # no such day
    "29/02/2019",            # not a leap year
    "12/13/2020",            # month 13
    "01/01/1989",            # before the accepted range
    "01/01/2101",            # after it
    "Ngày 18/8, toàn bộ các đảng bộ đã tổ chức đại hội.",  # no year
    "Hôm nay trời đẹp",
    "",
    "   ",
])
def test_rejects_impossible_or_missing_dates(text):
    assert parse_vietnamese_date(text) is None


def test_impossible_time_falls_back_to_the_date():
    assert parse_vietnamese_date("05/01/2026 25:61") == "2026-01-05"


def test_leap_day_is_accepted():
    assert parse_vietnamese_date("29/02/2020") == "2020-02-29"


def test_explicit_offset_is_respected():
    assert parse_vietnamese_date("05/01/2026 08:27 GMT+8") == "2026-01-05T08:27:00+08:00"
    assert parse_vietnamese_date("05/01/2026 08:27 (UTC+0)") == "2026-01-05T08:27:00+00:00"
    assert parse_vietnamese_date("2026-01-05 08:27 +05:30") == "2026-01-05T08:27:00+05:30"
    assert parse_vietnamese_date("2026-01-05 08:27 (GMT+8)") == "2026-01-05T08:27:00+08:00"
    assert parse_vietnamese_date("Thứ hai, 2026-01-05T08:27:00Z") == "2026-01-05T08:27:00+00:00"


def test_decomposed_unicode_and_nbsp_are_normalised():
    nfd = unicodedata.normalize("NFD", "Thứ\u00a0sáu - 28/08/2020\u00a003:55")
    assert parse_vietnamese_date(nfd) == "2020-08-28T03:55:00+07:00"


def test_non_string_input_gives_none():
    assert parse_vietnamese_date(None) is None  # type: ignore[arg-type]


# ---- header clock vs article date ------------------------------------------------------------

def test_square_bracket_gmt_is_a_header_clock_never_a_publication_date():
    clock = "Thứ bảy, 08/08/2020, 18:26 [GMT+7]"
    assert is_header_clock(clock)
    assert parse_vietnamese_date(clock) is None
    assert is_date_line(clock)  # still dropped from the text


def test_round_bracket_gmt_is_an_article_date():
    line = "Thứ Năm, 15/10/2020, 16:21 (GMT+7)"
    assert not is_header_clock(line)
    assert parse_vietnamese_date(line) == "2020-10-15T16:21:00+07:00"


@pytest.mark.parametrize("text", ["Thứ sáu - 28/08/2020 03:55", "[GMT+7]", "Giờ Việt Nam [GMT+7]"])
def test_other_lines_are_not_header_clocks(text):
    assert not is_header_clock(text)


# ---- site formats ----------------------------------------------------------------------------

def test_site_format_is_tried_first():
    # Month-first order, which the generic day-first parser would read the other way round.
    assert parse_vietnamese_date("Thứ hai, 01/05/2026", ["%m/%d/%Y"]) == "2026-01-05"
    assert parse_vietnamese_date("Thứ hai, 01/05/2026") == "2026-05-01"


def test_site_format_sees_text_without_weekday_apostrophe_and_gmt():
    assert parse_vietnamese_date("Thứ sáu, 29/11/2019 - 16:14'", ["%d/%m/%Y - %H:%M"]) \
        == "2019-11-29T16:14:00+07:00"
    assert parse_vietnamese_date("Thứ Năm, 15/10/2020, 16:21 (GMT+7)", ["%d/%m/%Y, %H:%M"]) \
        == "2020-10-15T16:21:00+07:00"


def test_site_format_with_zone_and_labels():
    assert parse_vietnamese_date("Đăng lúc 08g27 05/01/2026", ["Đăng lúc %Hg%M %d/%m/%Y"]) \
        == "2026-01-05T08:27:00+07:00"
    assert parse_vietnamese_date("05/01/2026 08:27 +0000", ["%d/%m/%Y %H:%M %z"]) \
        == "2026-01-05T08:27:00+00:00"


def test_failing_or_broken_site_formats_fall_back_to_generic_parsing():
    assert parse_vietnamese_date("22/12/2019 06:05", ["%Y年%m月%d日", "%Q"]) \
        == "2019-12-22T06:05:00+07:00"


def test_site_format_result_outside_year_range_is_rejected():
    assert parse_vietnamese_date("01/01/1970", ["%d/%m/%Y"]) is None


# ---- structured-data values ------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2020-08-28T03:55:00+07:00", "2020-08-28T03:55:00+07:00"),
    ("2020-08-28T03:55:00Z", "2020-08-28T03:55:00+00:00"),
    ("2020-08-28T03:55:00-05:00", "2020-08-28T03:55:00-05:00"),
    ("2020-08-28T03:55:00+0700", "2020-08-28T03:55:00+07:00"),
    ("2020-08-28 03:55", "2020-08-28T03:55:00+07:00"),
    ("2020-08-28T03:55", "2020-08-28T03:55:00+07:00"),
    ("2020-08-28", "2020-08-28"),
    ("2026-07-06T18:16:00.000+07:00", "2026-07-06T18:16:00+07:00"),  # baomoi, milliseconds
    ("2026-07-20 06:03 + 07:00", "2026-07-20T06:03:00+07:00"),       # vnexpress pubdate
    ("  2020-08-28T03:55:00+07:00\n", "2020-08-28T03:55:00+07:00"),
    # NukeViet 4.x: PHP date('Y-m-dTH:i:s') puts the zone abbreviation before the time
    ("2024-06-12+0709:15:00", "2024-06-12T09:15:00+07:00"),
    ("2024-06-12ICT09:15:00", "2024-06-12T09:15:00+07:00"),
    ("2024-06-12+053009:15:00", "2024-06-12T09:15:00+05:30"),
])
def test_parse_iso_like(value, expected):
    assert parse_iso_like(value) == expected


@pytest.mark.parametrize("value", [
    "2020-02-30", "2020-08-28T25:00:00", "2020-08-28T03:55:00+25:00", "1989-12-31",
    "2024-06-12XYZ09:15:00", "28/08/2020", "", "yesterday",
])
def test_parse_iso_like_rejects(value):
    assert parse_iso_like(value) is None


def test_vietnamese_parser_accepts_iso_and_broken_nukeviet_values():
    assert parse_vietnamese_date("2020-08-28T03:55:00Z") == "2020-08-28T03:55:00+00:00"
    assert parse_vietnamese_date("2024-06-12+0709:15:00") == "2024-06-12T09:15:00+07:00"


# ---- date-line detection ---------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Thứ sáu - 28/08/2020 03:55",
    "Thứ Ba, 17/03/2020",
    "Thứ sáu, 29/11/2019 - 16:14'",
    "Thứ Năm, 15/10/2020, 16:21 (GMT+7)",
    "Thứ bảy, 08/08/2020, 18:26 [GMT+7]",
    "17:54, 08/04/2024",
    "Thứ Năm, 21/11/2024 13:21 CH",
    "Cập nhật lúc 16:14 26/03/2023",
    "Cập nhật: 05/01/2026 08:27",
    "Ngày đăng: 05/01/2026",
    "Đăng lúc 08:27 | 05/01/2026",
    "Ngày 5 tháng 1 năm 2026",
    "(03/02/2019 21:20)",
    "2026-01-05T08:27:00+07:00",
    "  05/01/2026  ",
])
def test_date_lines(line):
    assert is_date_line(line)


@pytest.mark.parametrize("line", [
    "Ngày 18/8, toàn bộ các đảng bộ đã tổ chức đại hội.",
    "Ngày 18/8/2020, toàn bộ các đảng bộ đã tổ chức đại hội.",
    "Kế hoạch số 210-KH/TU ngày 4/7/2019 của Tỉnh ủy",
    "Lai Châu, 05/01/2026",
    "Cập nhật lúc 16:14",        # a time alone is no date
    "Tác giả bài viết: Duy Khánh",
    "Nhiệm kỳ 2020 - 2025",
    "",
])
def test_not_date_lines(line):
    assert not is_date_line(line)


# ---- the shared samples ----------------------------------------------------------------------

@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not available")
@pytest.mark.parametrize("name", ["001_c40cbcc9645a76b9", "002_fd0c63c6688327c6",
                                  "004_20768af67a9501e4"])
def test_first_dateline_of_raw_sample_is_the_expected_publication_date(name):
    lines = (SAMPLES / "raw" / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    expected = json.loads((SAMPLES / "expected" / f"{name}.meta.json").read_text())["published"]
    found = next(d for line in lines if is_date_line(line) and (d := parse_vietnamese_date(line)))
    assert found == expected


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not available")
def test_no_line_of_the_expected_texts_counts_as_a_date_line():
    for path in (SAMPLES / "expected").glob("*.txt"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not is_date_line(line), (path.name, line)


# ---- properties ------------------------------------------------------------------------------

_DATEISH = st.text(alphabet="0123456789/-.: ,'()[]+GMTSACHhứThứCN", max_size=40)


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=80), _DATEISH))
def test_parser_never_raises_and_returns_iso_shape(text):
    result = parse_vietnamese_date(text)
    assert result is None or ISO_SHAPE.match(result)
    assert parse_iso_like(text) is None or ISO_SHAPE.match(parse_iso_like(text))
    is_date_line(text)
    is_header_clock(text)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
       st.integers(0, 23), st.integers(0, 59))
def test_round_trip_of_generated_datelines(day, hour, minute):
    line = f"Thứ hai - {day.day}/{day.month}/{day.year} {hour:02d}:{minute:02d}"
    assert parse_vietnamese_date(line) == f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+07:00"
    assert is_date_line(line)
