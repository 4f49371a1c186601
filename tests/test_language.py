"""cleaners.language.FastDetector gives exactly langdetect's languages and probabilities.

The fast path only reorganises langdetect's text preparation; these tests hold it to the
original Detector on every kind of text the cleaner meets, float for float.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from langdetect import detector_factory
from langdetect.detector import Detector

from cleaners.language import SAMPLE_CHARS, TRIALS, FastDetector, detect_language

FIXTURES = Path(__file__).parent / "fixtures" / "sites"

HAND_MADE = [
    "Đại hội Đảng bộ tỉnh Lai Châu lần thứ XIV, nhiệm kỳ 2020 - 2025 đã thành công tốt đẹp.",
    "The provincial council met on Monday to discuss the budget for next year.",
    "UBND TỈNH BẮC KẠN   THÔNG BÁO    KẾT QUẢ   tuyển dụng viên chức năm 2026",
    "Xem chi tiết tại https://baobackan.vn/tin-tuc?id=12&x=y hoặc gửi thư tới toasoan@baobackan.vn nhé.",
    "Hoà bình, khoẻ mạnh, thuỷ lợi: ho\u0300a bi\u0300nh (tổ hợp dấu rời, NFD).",
    "北京是中华人民共和国的首都 Beijing is the capital 北京市",
    "Москва — столица России, крупнейший город страны.",
    "  leading spaces and   runs   of spaces  ",
    "AAAA BBBB CCCC DDDD",
    "ABc DEf gHI jkLM UBND tỉnh HĐND xã ",
    "word ending with a space ",
    "12345 67890 !!! ???",
    "Ça va très bien, merci beaucoup. Où est la gare?",
    "ạảấầẩẫậắằẳẵặẹẻẽếềểễệ ỳỷỹỵ ab",  # langdetect counts these as non-Latin and drops a, b
    "Ðảng bộ Bình Ðịnh — “dấu ngoặc kép” … và ‘nháy đơn’ • gạch đầu dòng",
]


def page_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*/*.txt"))]


def replica_texts() -> list[str]:
    from crawler.replica.model import load_site, site_names

    texts = []
    for name in site_names():
        for article in load_site(name).articles:
            paragraphs = [b["p"] for b in article.body if "p" in b]
            texts.append("\n\n".join([article.title, article.lead or "", *paragraphs]))
    return texts


def langdetect_original(text: str):
    detector_factory.init_factory()
    detector = Detector(detector_factory._factory)
    detector.set_max_text_length(SAMPLE_CHARS)
    detector.n_trial = TRIALS
    detector.append(text[: SAMPLE_CHARS * 2])
    return detector


def fast(text: str):
    detector = FastDetector(detector_factory._factory)
    detector.set_max_text_length(SAMPLE_CHARS)
    detector.n_trial = TRIALS
    detector.append(text[: SAMPLE_CHARS * 2])
    return detector


@pytest.mark.parametrize("text", HAND_MADE + page_texts() + replica_texts())
def test_fast_detector_matches_langdetect(text):
    original, ours = langdetect_original(text), fast(text)
    assert ours.text == original.text
    original.cleaning_text()
    ours.cleaning_text()
    assert ours.text == original.text
    assert ours._extract_ngrams() == original._extract_ngrams()
    expected = [(p.lang, p.prob) for p in langdetect_original(text).get_probabilities()] if original._extract_ngrams() else None
    if expected is None:
        assert detect_language(text) == (None, None)
    else:
        assert [(p.lang, p.prob) for p in fast(text).get_probabilities()] == expected


def test_text_without_features_has_no_language():
    assert detect_language("12345 !!! ???") == (None, None)
    assert detect_language("") == (None, None)
