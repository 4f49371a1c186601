"""Vietnamese text normalization, mojibake detection and comparison keys."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.vi.text import (
    count_mojibake,
    fold_for_compare,
    garbled_ratio,
    is_blank,
    looks_mojibake,
    normalize_text,
    repair_mojibake,
    similarity,
)

NFC_SENTENCE = "Đảng bộ tỉnh Bắc Kạn tổ chức hội nghị về người dân tộc thiểu số"


def _mojibake(text: str) -> str:
    """UTF-8 bytes read by a browser as windows-1252 (undefined bytes kept as C1 controls)."""
    return text.encode("utf-8").decode("latin-1")


# ----------------------------------------------------------------------------- normalize_text


def test_whitespace_variants_collapse_to_one_space():
    assert normalize_text("\t Bắc\u00a0\u00a0Kạn\u2003và\u202fThái\u3000Nguyên \n") == (
        "Bắc Kạn và Thái Nguyên"
    )


def test_invisible_characters_are_removed():
    assert normalize_text("Ng\u200bhệ\u200c A\u200dn\u2060 \ufeffti\u00adnh") == "Nghệ An tinh"


def test_latin_eth_becomes_d_with_stroke():
    assert normalize_text("Ðảng bộ Bình Ðịnh, ðồng chí") == "Đảng bộ Bình Định, đồng chí"


def test_decomposed_text_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", NFC_SENTENCE)
    assert decomposed != NFC_SENTENCE
    assert normalize_text(decomposed) == NFC_SENTENCE


def test_windows_1258_combining_tones_become_precomposed():
    # windows-1258 keeps ê precomposed and adds the tone as a combining mark.
    assert normalize_text("Vi\u00ea\u0323t Nam, Ngh\u00ea\u0323 An") == "Việt Nam, Nghệ An"


def test_tone_placement_is_kept_as_written():
    assert normalize_text("hoà thuỷ khoẻ") == "hoà thuỷ khoẻ"
    assert normalize_text("hòa thủy khỏe") == "hòa thủy khỏe"


def test_numeric_references_to_letters_are_expanded_but_other_entities_kept():
    assert normalize_text("B&#7855;c K&#x1EA1;n") == "Bắc Kạn"
    assert normalize_text("R&amp;D, &#65;, 3 &#60; 4") == "R&amp;D, &#65;, 3 &#60; 4"


@settings(max_examples=300)
@given(st.text())
def test_normalize_text_is_nfc_and_idempotent(s):
    once = normalize_text(s)
    assert unicodedata.is_normalized("NFC", once)
    assert normalize_text(once) == once


def test_normalize_text_idempotent_on_tricky_references():
    tricky = "&#&#120;41; &#&#55;&#56;55; \u2000\u0301 \u00ad\u0323"
    once = normalize_text(tricky)
    assert normalize_text(once) == once


# ----------------------------------------------------------------------------- is_blank


def test_is_blank():
    assert is_blank("")
    assert is_blank("\u00a0 \u00a0\t\n")
    assert is_blank("\u200b\ufeff\u00a0")
    assert not is_blank("\u00a0.\u00a0")
    assert not is_blank("a")


# ----------------------------------------------------------------------------- mojibake


def test_clean_vietnamese_is_not_mojibake():
    clean = "Ông NGÔ nói “NGÃ” và\u00a0\u00a0 NGÃ\u00a0BA, cà phê – 20 °C, «Cá» …"
    assert not looks_mojibake(clean)
    assert garbled_ratio(clean) == 0.0
    assert repair_mojibake(clean) == clean


def test_typical_mojibake_markers_are_detected():
    markers = ("Ä‘á»“ng", "Ä\x90áº£ng", "cá»§a", "vÃ\xa0 ", "ngÆ°á»i", "Thá»§y", "nói vá» viá»c")
    for broken in markers:
        assert looks_mojibake(broken), broken


def test_mojibake_is_repaired_exactly():
    broken = _mojibake(NFC_SENTENCE)
    assert looks_mojibake(broken)
    assert repair_mojibake(broken) == NFC_SENTENCE


def test_double_mojibake_is_repaired():
    broken = _mojibake(_mojibake("Thủy Hòa"))
    assert repair_mojibake(broken) == "Thủy Hòa"


def test_mixed_text_is_repaired_segment_by_segment():
    # "ê" + a combining mark cannot come from a single-byte reader, so whole-text repair is
    # impossible; the segments still are.
    broken = "Tiêu đề ghé\u0301p: " + _mojibake("Đảng bộ tỉnh")
    assert repair_mojibake(broken) == "Tiêu đề ghé\u0301p: Đảng bộ tỉnh"


def test_d_stroke_whose_undefined_byte_was_lost_is_restored():
    # A strict cp1252 reader drops 0x90, the second byte of "Đ": "Đảng" → "Äáº£ng".
    assert repair_mojibake("Äáº£ng bá»™ vÃ cÃ¡c") == "Đảng bộ và các"


def test_garbled_ratio_counts_replacement_characters():
    assert garbled_ratio("ab\ufffd\ufffd") == 0.5
    assert garbled_ratio(" \n ") == 0.0
    broken = _mojibake("Đảng")
    assert garbled_ratio(broken) > 0.5
    assert count_mojibake(broken) == 2


# ----------------------------------------------------------------------------- comparison keys


def test_fold_unifies_tone_placement_of_open_syllables():
    assert fold_for_compare("Hoà bình") == fold_for_compare("hòa bình") == "hòa bình"
    assert fold_for_compare("thuỷ lợi, uỷ ban") == fold_for_compare("thủy lợi, ủy ban")
    assert fold_for_compare("khoẻ mạnh, xoá") == fold_for_compare("khỏe mạnh, xóa")


def test_fold_leaves_closed_syllables_and_qu_alone():
    assert fold_for_compare("hoàn thành") == "hoàn thành"
    assert fold_for_compare("hoàn") != fold_for_compare("hòan")
    assert fold_for_compare("toán, huỳnh, suýt") == "toán huỳnh suýt"
    assert fold_for_compare("quý, quả") == "quý quả"
    assert fold_for_compare("hoặc, khoẻo") == "hoặc khoẻo"


def test_fold_removes_punctuation_case_and_eth():
    assert fold_for_compare("  ÐẢNG bộ: “Tỉnh” – (Bắc Kạn)!! ") == "đảng bộ tỉnh bắc kạn"


def test_fold_is_idempotent():
    text = "Uỷ ban nhân dân tỉnh Khánh Hoà, quý I/2025: thuỷ sản…"
    assert fold_for_compare(fold_for_compare(text)) == fold_for_compare(text)


PARAGRAPH = (
    "Sáng 15/3, Ban Thường vụ Tỉnh ủy Bắc Kạn tổ chức hội nghị sơ kết công tác quý I và "
    "triển khai nhiệm vụ trọng tâm quý II năm 2025. Đồng chí Bí thư Tỉnh ủy chủ trì hội nghị. "
    "Theo báo cáo, trong quý I, tình hình kinh tế - xã hội của tỉnh tiếp tục ổn định, "
    "tổng thu ngân sách nhà nước trên địa bàn ước đạt 250 tỷ đồng, bằng 28% dự toán."
)


def test_similarity_of_near_duplicates_is_high():
    edited = (
        PARAGRAPH.replace("Sáng 15/3", "Chiều 15/3")
        .replace("ước đạt 250", "đạt khoảng 250")
        .replace("Tỉnh ủy", "Tỉnh uỷ")
    )
    assert 0.8 < similarity(PARAGRAPH, edited) < 1.0


def test_similarity_of_unrelated_paragraphs_is_low():
    other = (
        "Mùa lúa năm nay, nông dân huyện Chợ Mới thu hoạch sớm hơn mọi năm nhờ thời tiết "
        "thuận lợi; nhiều gia đình chuyển sang trồng cây ăn quả để tăng thu nhập."
    )
    assert similarity(PARAGRAPH, other) < 0.3


def test_similarity_edge_cases():
    assert similarity("Hoà bình.", "hòa  bình") == 1.0
    assert similarity("", "") == 1.0
    assert similarity("abc", "") == 0.0
    assert similarity("...", "Hòa") == 0.0


def test_similarity_of_long_paragraphs_counts_shared_words():
    """Long paragraphs (~1000 characters) compare by their words: one word changed in every
    sentence keeps them near duplicates, a different paragraph does not. (Its speed is measured
    by benchmarks/speed.py, not asserted here.)"""
    long_a = (PARAGRAPH + " ") * 3
    long_b = long_a.replace("quý", "tháng")
    assert 0.8 <= similarity(long_a, long_b) < 1.0
    assert similarity(long_a, "Một đoạn văn hoàn toàn khác về thời tiết ở miền núi phía Bắc.") < 0.3


import pytest as _pytest

from cleaners.vi.bylines import clean_author


@_pytest.mark.parametrize("raw,name", [
    ("Theo Phạm Trường", "Phạm Trường"),
    ("Tâm HằngTTXVN", "Tâm Hằng"),
    ("Minh Vũ (TTXVN)", "Minh Vũ"),
    ("Duy Khánh (thực hiện)", "Duy Khánh (thực hiện)"),
    ("Bình Duyên", "Bình Duyên"),
    ("TTXVN", "TTXVN"),
    ("", None),
])
def test_clean_author(raw, name):
    assert clean_author(raw) == name


# ----------------------------------------------------------------------------- ftfy's gaps
# repair_mojibake is ftfy.fix_encoding plus what ftfy gets wrong on Vietnamese; each case shows
# ftfy (its defaults) missing it and repair_mojibake getting it right.

def test_ftfy_gap_capital_word_end_is_not_mojibake():
    import ftfy

    clean = "Ông NGÔ nói “NGÃ” và NGÃ\u00a0BA"
    assert ftfy.fix_encoding(clean) != clean  # ftfy reads “NGÃ” as mojibake of NGÔ
    assert repair_mojibake(clean) == clean


def test_ftfy_gap_lost_byte_before_a_space_is_not_guessed():
    import ftfy

    broken = "Tin tức: Ä‘Æ°á» ng cá»§a ngÆ°á» i dÃ¢n"  # ờ lost its 0x9D: đường, người
    assert "Ỡ" in ftfy.fix_encoding(broken)  # ftfy guesses 0xA0: đưỠng, a wrong letter
    assert "Ỡ" not in repair_mojibake(broken)
    assert looks_mojibake(repair_mojibake(broken))  # left damaged, so the page is rejected as garbled


def test_ftfy_gap_lost_d_stroke_byte():
    import ftfy

    assert ftfy.fix_encoding("Äáº£ng bá»™") != "Đảng bộ"
    assert repair_mojibake("Äáº£ng bá»™") == "Đảng bộ"


def test_ftfy_gap_sequences_amid_clean_text():
    import ftfy

    broken = "Tin tức: bá»™ tá»‰nh"  # "tức" cannot come from a single-byte reader: no whole-text repair
    assert "bộ" not in ftfy.fix_encoding(broken)
    assert repair_mojibake(broken) == "Tin tức: bộ tỉnh"


# ----------------------------------------------------------------------------- the mojibake scan

def _spans_by_whole_scan(s: str) -> list[tuple[int, int]]:
    """The definition _mojibake_spans speeds up: both patterns run over the whole text."""
    from cleaners.vi import text

    repairable = []
    for match in text._MOJIBAKE_RE.finditer(s):
        raw = bytes(text._CHAR_TO_BYTE[c] for c in match.group(0))
        try:
            fixed = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if text._is_vietnamese_relevant(fixed) and not text._is_capital_word_end(s, match):
            repairable.append(match.span())
    truncated = [m.span() for m in text._TRUNCATED_MOJIBAKE_RE.finditer(s) if not text._closes_guillemet(s, m)]
    return repairable + truncated


def _scan_samples() -> list[str]:
    """Clean Vietnamese with the lead-and-continuation pairs it makes legitimately, and every
    kind of damage: whole, double, mixed, truncated, capital word ends, guillemets."""
    clean = "Giá” xăng và\xa0dầu “tăng” — NGÔ, NGÃ BA «Cá» và « Cá»"
    broken = _mojibake(NFC_SENTENCE)
    double = _mojibake(broken)
    return [clean, broken, double, clean + broken + clean, broken[:-1], broken.replace("\u00bb", ""),
            "á»" + broken + "â€", _mojibake("LÒ VÔI, THỦY"), "ÃÃ€Ã" * 3 + broken[5:40]]


def test_the_hinted_scan_finds_what_a_whole_scan_finds():
    from cleaners.vi.text import _mojibake_spans

    for sample in _scan_samples():
        assert _mojibake_spans(sample) == _spans_by_whole_scan(sample), sample


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["á", "”", "Ã", "€", "»", "º", "â", "Ä", "\x90", "ð", "Ÿ", "\xa0", " ", "A", "à",
                                 "ẩ", "Ố", "«", "\u00c2", "\u00e1\u00bb"]), max_size=40).map("".join))
def test_the_hinted_scan_equals_the_whole_scan_on_any_mix(sample):
    from cleaners.vi.text import _mojibake_spans

    assert _mojibake_spans(sample) == _spans_by_whole_scan(sample)


def test_the_hinted_scan_on_the_real_pages_and_the_site_fixtures():
    from conftest import shared_or_skip

    from crawler.sitefixtures import FIXTURES_DIR
    from cleaners.vi.text import _mojibake_spans

    paths = [*shared_or_skip("benchmarks", "vn-real").glob("*.html"),
             *shared_or_skip("benchmarks", "vn-real-2").glob("*.html"), *FIXTURES_DIR.glob("*/*.html")]
    assert len(paths) >= 24 + 10  # the 24 real pages and the replica-rendered site fixtures
    for path in paths:
        text = path.read_bytes().decode("utf-8", "replace")
        for sample in (text, _mojibake(text[:20000])):
            assert _mojibake_spans(sample) == _spans_by_whole_scan(sample), path.name


def _bytes_and_str_hints_agree(sample: str) -> bool:
    from cleaners.vi import text

    found_in_bytes = bool(text._MOJIBAKE_HINT_BYTES_RE.search(sample.encode("utf-8", "surrogatepass")))
    return found_in_bytes == bool(text._MOJIBAKE_HINT_RE.search(sample))


def test_the_utf8_prefilter_sees_a_hint_exactly_when_the_str_pattern_does():
    from cleaners.vi import text

    continuations = [c for c, b in text._CHAR_TO_BYTE.items() if 0x80 <= b <= 0xBF]
    near_continuations = ["\x7f", "\xc0", "\u2019\u2019", "\u201f", "\u0153\u0153", "ÿ"]
    leads = [chr(code) for code in range(0xC0, 0xF7)]  # C2–F4 and their neighbours C0, C1, F5, F6
    for lead in leads:
        for follower in continuations + near_continuations + ["a", "ả", "\ud800"]:
            for sample in (lead + follower, "Giá xăng " + lead + follower + " tăng"):
                assert _bytes_and_str_hints_agree(sample), ascii(sample)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    [chr(code) for code in range(0x7E, 0x100)] + ["€", "‚", "ƒ", "„", "…", "†", "‡", "ˆ", "‰", "Š", "‹", "Œ", "Ž",
                                                 "‘", "’", "“", "”", "•", "–", "—", "˜", "™", "š", "›", "œ", "ž", "Ÿ",
                                                 "ẩ", "Ố", "đ", "\ud800", "\U0001f600"]), max_size=30))
def test_the_utf8_prefilter_agrees_with_the_str_pattern_on_any_mix(sample):
    assert _bytes_and_str_hints_agree(sample)
